-- Schools with their commune validated against the 2025 admin units.
with

schools as (
    select * from {{ ref('stg_giaoduc__schools') }}
),

communes as (
    select * from {{ ref('dim_communes') }}
),

final as (
    select
        schools.school_id,
        schools.school_name,
        {{ fold_text('schools.school_name') }} as school_name_folded,
        schools.school_level,
        schools.ownership_type,
        communes.commune_id as commune_id,
        communes.commune_name,
        communes.province_id as province_id,
        communes.province_name,
        schools.commune_id is not null and communes.commune_id is null as has_unknown_commune_code,
        schools.student_count,
        schools.teacher_count,
        -- Coordinates outside Viet Nam's bounding box are errors in the register, not locations.
        case when schools.latitude between 8 and 24 and schools.longitude between 102 and 110
            then schools.latitude end as latitude,
        case when schools.latitude between 8 and 24 and schools.longitude between 102 and 110
            then schools.longitude end as longitude,
        schools.updated_at,
        schools._kho_loaded_at as extracted_at
    from schools
    left join communes on schools.commune_id = communes.commune_id
)

select * from final
