-- Fields (lĩnh vực) of administrative procedures, one row per field code.
with

source as (
    select * from {{ source('motcua', 'linh_vuc') }}
),

renamed as (
    select
        {{ clean_text('ma_linh_vuc') }} as field_id,
        {{ clean_text('ten_linh_vuc') }} as field_name,
        updated_at,
        _kho_loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
