-- Schools (trường học) from the education department's Excel drop, one row per school.
with

source as (
    select * from {{ source('giaoduc', 'truong_hoc') }}
),

renamed as (
    select
        {{ clean_text('ma_truong') }} as school_id,
        {{ clean_text('ten_truong') }} as school_name,
        {{ clean_code('cap_hoc') }} as school_level,
        {{ clean_code('loai_hinh') }} as ownership_type,
        {{ clean_text('ma_xa') }} as commune_id,
        so_hoc_sinh as student_count,
        so_giao_vien as teacher_count,
        vi_do as latitude,
        kinh_do as longitude,
        updated_at,
        _kho_loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
