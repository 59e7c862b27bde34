-- One row per dossier code. Some one-stop clients re-submit a dossier under the same code
-- (a known source defect): the row changed last (latest updated_at, then highest row id) is the
-- current state of the dossier, the others are stale copies.
with

dossiers as (
    select * from {{ ref('stg_motcua__dossiers') }}
),

ranked as (
    select
        *,
        row_number() over (
            -- A missing code cannot be matched to anything: such a row stands alone.
            partition by coalesce(dossier_code, 'id:' || cast(dossier_id as {{ dbt.type_string() }}))
            order by updated_at desc nulls last, dossier_id desc
        ) as version_rank,
        count(*) over (
            partition by coalesce(dossier_code, 'id:' || cast(dossier_id as {{ dbt.type_string() }}))
        ) as source_row_count
    from dossiers
),

final as (
    select
        dossier_id,
        dossier_code,
        procedure_id,
        agency_id,
        commune_id,
        applicant_name,
        applicant_id_number,
        applicant_type,
        channel,
        received_at,
        due_at,
        finished_at,
        status,
        is_digitised,
        is_paid_online,
        source_row_count,
        updated_at,
        _kho_loaded_at
    from ranked
    where version_rank = 1
)

select * from final
