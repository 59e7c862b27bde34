-- Health facilities of the province with coordinates, for open data.
with

facilities as (
    select * from {{ ref('dim_health_facilities') }}
),

final as (
    select
        health_facility_id,
        health_facility_name,
        facility_type,
        commune_id,
        commune_name,
        province_id,
        province_name,
        has_unknown_commune_code,
        bed_count,
        latitude,
        longitude,
        updated_at
    from facilities
)

select * from final
