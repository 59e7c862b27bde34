-- Citizens from the provincial replica of the population database (personal data), one row per
-- personal identification number.
with

source as (
    select * from {{ source('dancu', 'cong_dan') }}
),

renamed as (
    select
        {{ clean_text('so_dinh_danh') }} as citizen_id,
        {{ clean_text('ho_ten') }} as full_name,
        ngay_sinh as born_on,
        {{ clean_code('gioi_tinh') }} as sex,
        {{ clean_text('dan_toc') }} as ethnicity,
        {{ clean_text('ma_xa') }} as commune_id,
        updated_at,
        _kho_loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
