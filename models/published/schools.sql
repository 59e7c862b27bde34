-- Schools of the province with coordinates, for open data.
with

schools as (
    select * from {{ ref('dim_schools') }}
),

final as (
    select
        school_id,
        school_name,
        school_level,
        ownership_type,
        commune_id,
        commune_name,
        province_id,
        province_name,
        has_unknown_commune_code,
        student_count,
        teacher_count,
        latitude,
        longitude,
        updated_at
    from schools
)

select * from final
