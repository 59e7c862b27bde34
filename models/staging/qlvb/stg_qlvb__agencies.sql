-- The province's agency register (cơ quan), one row per agency identifier code. It is the
-- reference list of agencies for every system (dossiers and procedures use the same codes).
with

source as (
    select * from {{ source('qlvb', 'co_quan') }}
),

renamed as (
    select
        {{ clean_text('ma_co_quan') }} as agency_id,
        {{ clean_text('ten_co_quan') }} as agency_name,
        {{ clean_code('loai_co_quan') }} as agency_type,
        {{ clean_text('ma_xa') }} as commune_id,
        updated_at,
        _kho_loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
