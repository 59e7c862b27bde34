-- Registered enterprises (doanh nghiệp), one row per tax code.
with

source as (
    select * from {{ source('dkkd', 'doanh_nghiep') }}
),

renamed as (
    select
        -- The tax code (MST) is the enterprise's national identifier, so it is the key.
        {{ clean_text('ma_so_thue') }} as enterprise_id,
        {{ clean_text('ten_doanh_nghiep') }} as enterprise_name,
        {{ clean_code('loai_hinh') }} as legal_form,
        {{ clean_text('nganh_nghe_chinh') }} as main_industry_code,
        von_dieu_le as charter_capital_vnd,
        ngay_thanh_lap as founded_on,
        {{ clean_code('trang_thai') }} as status,
        {{ clean_text('ma_xa') }} as commune_id,
        {{ clean_text('nguoi_dai_dien') }} as representative_name,
        {{ clean_text('so_giay_to_nguoi_dai_dien') }} as representative_id_number,
        updated_at,
        _kho_loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
