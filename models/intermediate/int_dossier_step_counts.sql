-- Processing steps per dossier code. Steps point at a source row id; a step recorded against a
-- duplicate copy of a dossier still belongs to that dossier, so steps are counted by dossier code.
with

steps as (
    select * from {{ ref('stg_motcua__dossier_steps') }}
),

dossier_rows as (
    select * from {{ ref('stg_motcua__dossiers') }}
),

final as (
    select
        dossier_rows.dossier_code,
        count(*) as step_count,
        max(steps.finished_at) as last_step_finished_at
    from steps
    inner join dossier_rows on steps.dossier_id = dossier_rows.dossier_id
    where dossier_rows.dossier_code is not null
    group by dossier_rows.dossier_code
)

select * from final
