-- One row per dossier (deduplicated by dossier code) for agencies with a data-sharing grant.
-- Applicant name and ID number are personal data (pii: basic); the API masks them unless the
-- consumer's grant includes personal data.
with

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

agencies as (
    select * from {{ ref('dim_agencies') }}
),

final as (
    select
        dossiers.dossier_id,
        dossiers.dossier_code,
        dossiers.procedure_id,
        dossiers.procedure_name,
        dossiers.field_id,
        dossiers.field_name,
        dossiers.agency_id,
        agencies.agency_name,
        dossiers.commune_id,
        dossiers.has_unknown_commune_code,
        dossiers.applicant_type,
        dossiers.applicant_name,
        dossiers.applicant_id_number,
        dossiers.is_applicant_id_valid,
        dossiers.channel,
        dossiers.status,
        dossiers.received_at,
        dossiers.due_at,
        dossiers.finished_at,
        dossiers.is_finished,
        dossiers.has_valid_finish_dates,
        dossiers.is_on_time,
        dossiers.is_late,
        dossiers.is_online,
        dossiers.is_full_online,
        dossiers.is_digitised,
        dossiers.is_paid_online,
        dossiers.fee_vnd,
        dossiers.step_count,
        dossiers.had_duplicate_code,
        dossiers.updated_at
    from dossiers
    left join agencies on dossiers.agency_id = agencies.agency_id
)

select * from final
