-- Health facilities (cơ sở y tế) from the health department's CSV drop, one row per facility.
with

source as (
    select * from {{ source('yte', 'co_so_y_te') }}
),

renamed as (
    select
        {{ clean_text('ma_co_so') }} as health_facility_id,
        {{ clean_text('ten_co_so') }} as health_facility_name,
        {{ clean_code('loai_co_so') }} as facility_type,
        {{ clean_text('ma_xa') }} as commune_id,
        so_giuong as bed_count,
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
