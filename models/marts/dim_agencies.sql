-- The province's agencies, from the document-management agency register (the shared code list
-- of agencies; procedures and dossiers use the same identifier codes).
with

agencies as (
    select * from {{ ref('stg_qlvb__agencies') }}
),

communes as (
    select * from {{ ref('dim_communes') }}
),

final as (
    select
        agencies.agency_id,
        agencies.agency_name,
        {{ fold_text('agencies.agency_name') }} as agency_name_folded,
        agencies.agency_type,
        -- Unknown commune codes are not carried into the marts (see docs/models.md).
        communes.commune_id as commune_id,
        agencies.updated_at
    from agencies
    left join communes on agencies.commune_id = communes.commune_id
)

select * from final
