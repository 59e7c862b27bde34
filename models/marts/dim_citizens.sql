-- The population master (personal data). Malformed personal IDs are kept and flagged (the person
-- exists; only the number is wrong in the replica); unknown commune codes become null; birth dates
-- after the source's as-of date become null. Age is computed at that date.
with

citizens as (
    select * from {{ ref('stg_dancu__citizens') }}
),

communes as (
    select * from {{ ref('dim_communes') }}
),

source_as_of as (
    {{ source_as_of(ref('stg_dancu__citizens')) }}
),

dated as (
    select
        citizens.*,
        communes.commune_id as valid_commune_id,
        citizens.commune_id is not null and communes.commune_id is null as has_unknown_commune_code,
        source_as_of.as_of_on,
        case when citizens.born_on <= source_as_of.as_of_on then citizens.born_on end as valid_born_on,
        coalesce(citizens.born_on > source_as_of.as_of_on, false) as is_born_on_in_future
    from citizens
    cross join source_as_of
    left join communes on citizens.commune_id = communes.commune_id
),

final as (
    select
        citizen_id,
        {{ is_valid_personal_id('citizen_id', 'born_on', 'sex') }} as is_citizen_id_valid,
        full_name,
        valid_born_on as born_on,
        is_born_on_in_future,
        -- Whole years between birth and the as-of date.
        {{ dbt.datediff('valid_born_on', 'as_of_on', 'year') }}
            - case
                when {{ date_part_number('month', 'as_of_on') }} * 100 + {{ date_part_number('day', 'as_of_on') }}
                   < {{ date_part_number('month', 'valid_born_on') }} * 100 + {{ date_part_number('day', 'valid_born_on') }}
                then 1 else 0
              end as age_years,
        sex,
        ethnicity,
        valid_commune_id as commune_id,
        has_unknown_commune_code,
        as_of_on,
        updated_at,
        _kho_loaded_at as extracted_at
    from dated
)

select * from final
