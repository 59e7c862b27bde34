-- Fields (lĩnh vực) of administrative procedures.
with

fields as (
    select * from {{ ref('stg_motcua__fields') }}
),

final as (
    select
        field_id,
        field_name,
        {{ fold_text('field_name') }} as field_name_folded,
        updated_at
    from fields
)

select * from final
