-- Registered enterprises with validity flags. Tax codes with a wrong check digit are kept (the
-- enterprise exists; the code was mistyped at registration) and flagged; unknown commune codes
-- become null; founding dates after the source's as-of date become null.
with

enterprises as (
    select * from {{ ref('stg_dkkd__enterprises') }}
),

communes as (
    select * from {{ ref('dim_communes') }}
),

source_as_of as (
    {{ source_as_of(ref('stg_dkkd__enterprises')) }}
),

final as (
    select
        enterprises.enterprise_id,
        {{ is_valid_tax_code('enterprises.enterprise_id') }} as is_tax_code_valid,
        enterprises.enterprise_name,
        {{ fold_text('enterprises.enterprise_name') }} as enterprise_name_folded,
        enterprises.legal_form,
        enterprises.main_industry_code,
        enterprises.charter_capital_vnd,
        case
            when enterprises.founded_on <= source_as_of.as_of_on then enterprises.founded_on
        end as founded_on,
        coalesce(enterprises.founded_on > source_as_of.as_of_on, false) as is_founded_on_in_future,
        enterprises.status,
        communes.commune_id as commune_id,
        communes.commune_name,
        communes.province_id as province_id,
        communes.province_name,
        enterprises.commune_id is not null and communes.commune_id is null as has_unknown_commune_code,
        enterprises.representative_name,
        enterprises.representative_id_number,
        enterprises.updated_at,
        enterprises._kho_loaded_at as extracted_at
    from enterprises
    cross join source_as_of
    left join communes on enterprises.commune_id = communes.commune_id
)

select * from final
