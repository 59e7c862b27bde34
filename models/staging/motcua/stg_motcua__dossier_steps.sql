-- Processing steps (quá trình xử lý) of dossiers, one row per step.
with

source as (
    select * from {{ source('motcua', 'ho_so_xu_ly') }}
),

renamed as (
    select
        id as dossier_step_id,
        ho_so_id as dossier_id,
        buoc as step_number,
        {{ clean_text('ten_buoc') }} as step_name,
        {{ clean_text('ma_co_quan') }} as agency_id,
        {{ clean_text('nguoi_xu_ly') }} as handler_name,
        bat_dau as started_at,
        ket_thuc as finished_at,
        updated_at,
        _kho_loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
