-- One row per dossier (deduplicated by dossier code) with the flags the KPIs are built from.
-- Every source defect is handled here, explicitly, and flagged rather than silently dropped:
--   * duplicate dossier codes   → the latest version only (int_dossiers_deduplicated);
--   * finished before received  → has_valid_finish_dates = false: not judged on time or late;
--   * missing due date          → is_due_date_missing: not judged on time or late;
--   * dates in the future       → is_received_in_future / is_finished_in_future (after the
--                                 source's as-of date, macro source_as_of): not counted in the
--                                 month they claim;
--   * unknown commune codes     → commune_id null, has_unknown_commune_code = true;
--   * malformed applicant IDs   → is_applicant_id_valid = false (IDs are never used as keys).
with

dossiers as (
    select * from {{ ref('int_dossiers_deduplicated') }}
),

procedures as (
    select * from {{ ref('dim_procedures') }}
),

step_counts as (
    select * from {{ ref('int_dossier_step_counts') }}
),

communes as (
    select * from {{ ref('dim_communes') }}
),

source_as_of as (
    {{ source_as_of(ref('int_dossiers_deduplicated')) }}
),

joined as (
    select
        dossiers.*,
        procedures.field_id,
        procedures.field_name,
        procedures.procedure_name,
        procedures.is_full_online as is_procedure_full_online,
        procedures.fee_vnd,
        communes.commune_id as valid_commune_id,
        coalesce(step_counts.step_count, 0) as step_count,
        cast(dossiers.received_at as date) as received_on,
        cast(dossiers.due_at as date) as due_on,
        cast(dossiers.finished_at as date) as finished_on,
        source_as_of.as_of_on
    from dossiers
    cross join source_as_of
    left join procedures on dossiers.procedure_id = procedures.procedure_id
    left join step_counts on dossiers.dossier_code = step_counts.dossier_code
    left join communes on dossiers.commune_id = communes.commune_id
),

flagged as (
    select
        *,
        coalesce(received_on > as_of_on, false) as is_received_in_future,
        coalesce(finished_on > as_of_on, false) as is_finished_in_future,
        due_at is null as is_due_date_missing,
        commune_id is not null and valid_commune_id is null as has_unknown_commune_code,
        -- Finished = the result was returned (trả kết quả) and the system recorded when.
        coalesce(status = 'da_tra_ket_qua' and finished_at is not null, false) as is_finished,
        -- Dates that allow judging timeliness: a finish after receipt (timestamps: some clients
        -- stamp the finish hours before the receipt on the same day), neither in the future.
        coalesce(
            finished_at >= received_at
            and received_on <= as_of_on
            and finished_on <= as_of_on,
            false
        ) as has_valid_finish_dates
    from joined
),

final as (
    select
        dossier_id,
        dossier_code,
        procedure_id,
        procedure_name,
        field_id,
        field_name,
        agency_id,
        valid_commune_id as commune_id,
        has_unknown_commune_code,
        applicant_name,
        applicant_id_number,
        applicant_type,
        case
            when applicant_type = 'doanh_nghiep' then {{ is_valid_tax_code('applicant_id_number') }}
            else {{ is_valid_personal_id('applicant_id_number') }}
        end as is_applicant_id_valid,
        channel,
        status,
        received_at,
        due_at,
        finished_at,
        received_on,
        due_on,
        finished_on,
        is_received_in_future,
        is_finished_in_future,
        is_due_date_missing,
        is_finished,
        has_valid_finish_dates,
        -- On time / late: compare calendar dates (a result returned on the due day is on time).
        is_finished and has_valid_finish_dates and not is_due_date_missing
            and finished_on <= due_on as is_on_time,
        is_finished and has_valid_finish_dates and not is_due_date_missing
            and finished_on > due_on as is_late,
        coalesce(channel = 'truc_tuyen', false) as is_online,
        -- Full online (toàn trình): filed online for a procedure offered fully online.
        coalesce(channel = 'truc_tuyen' and is_procedure_full_online, false) as is_full_online,
        coalesce(is_digitised, false) as is_digitised,
        coalesce(is_paid_online, false) as is_paid_online,
        fee_vnd,
        step_count,
        source_row_count,
        source_row_count > 1 as had_duplicate_code,
        updated_at,
        _kho_loaded_at as extracted_at
    from flagged
)

select * from final
