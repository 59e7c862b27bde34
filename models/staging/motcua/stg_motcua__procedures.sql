-- The procedure catalogue (thủ tục hành chính), one row per procedure code.
with

source as (
    select * from {{ source('motcua', 'thu_tuc') }}
),

renamed as (
    select
        {{ clean_text('ma_thu_tuc') }} as procedure_id,
        {{ clean_text('ten_thu_tuc') }} as procedure_name,
        {{ clean_text('ma_linh_vuc') }} as field_id,
        {{ clean_text('ma_co_quan') }} as agency_id,
        {{ clean_code('muc_do') }} as online_level,
        le_phi as fee_vnd,
        thoi_han_ngay as statutory_days,
        updated_at,
        _kho_loaded_at
    from source
),

final as (
    select
        *,
        -- Toàn trình: the whole procedure, including the result, can be done online.
        coalesce(online_level = 'toan_trinh', false) as is_full_online
    from renamed
)

select * from final
