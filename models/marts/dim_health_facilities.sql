-- Health facilities with their commune validated against the 2025 admin units.
with

facilities as (
    select * from {{ ref('stg_yte__health_facilities') }}
),

communes as (
    select * from {{ ref('dim_communes') }}
),

final as (
    select
        facilities.health_facility_id,
        facilities.health_facility_name,
        {{ fold_text('facilities.health_facility_name') }} as health_facility_name_folded,
        facilities.facility_type,
        communes.commune_id as commune_id,
        communes.commune_name,
        communes.province_id as province_id,
        communes.province_name,
        facilities.commune_id is not null and communes.commune_id is null as has_unknown_commune_code,
        facilities.bed_count,
        -- Coordinates outside Viet Nam's bounding box are errors in the register, not locations.
        case when facilities.latitude between 8 and 24 and facilities.longitude between 102 and 110
            then facilities.latitude end as latitude,
        case when facilities.latitude between 8 and 24 and facilities.longitude between 102 and 110
            then facilities.longitude end as longitude,
        facilities.updated_at,
        facilities._kho_loaded_at as extracted_at
    from facilities
    left join communes on facilities.commune_id = communes.commune_id
)

select * from final
