-- The procedure catalogue with its field and handling agency.
with

procedures as (
    select * from {{ ref('stg_motcua__procedures') }}
),

fields as (
    select * from {{ ref('stg_motcua__fields') }}
),

agencies as (
    select * from {{ ref('stg_qlvb__agencies') }}
),

final as (
    select
        procedures.procedure_id,
        procedures.procedure_name,
        {{ fold_text('procedures.procedure_name') }} as procedure_name_folded,
        procedures.field_id,
        fields.field_name,
        procedures.agency_id,
        agencies.agency_name,
        procedures.online_level,
        procedures.is_full_online,
        procedures.fee_vnd,
        procedures.statutory_days,
        procedures.updated_at
    from procedures
    left join fields on procedures.field_id = fields.field_id
    left join agencies on procedures.agency_id = agencies.agency_id
)

select * from final
