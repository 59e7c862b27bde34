-- Đủ: the monthly KPIs account for every dossier — received and finished totals equal the counts
-- of the (deduplicated) dossiers dataset under the same rules (no future dates, from the KPI start).
with

kpis as (
    select
        sum(received_count) as received_count,
        sum(finished_count) as finished_count,
        sum(on_time_count + late_count) as judged_count
    from {{ ref('dossier_kpis_monthly') }}
),

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

expected as (
    select
        count(case when received_on >= cast('{{ var("kpi_start_date") }}' as date)
                    and not is_received_in_future then 1 end) as received_count,
        count(case when is_finished and not is_finished_in_future
                    and finished_on >= cast('{{ var("kpi_start_date") }}' as date) then 1 end) as finished_count,
        count(case when (is_on_time or is_late)
                    and finished_on >= cast('{{ var("kpi_start_date") }}' as date) then 1 end) as judged_count
    from dossiers
)

select
    kpis.received_count as kpi_received,
    expected.received_count as dossiers_received,
    kpis.finished_count as kpi_finished,
    expected.finished_count as dossiers_finished,
    kpis.judged_count as kpi_judged,
    expected.judged_count as dossiers_judged
from kpis
cross join expected
where coalesce(kpis.received_count, 0) <> expected.received_count
   or coalesce(kpis.finished_count, 0) <> expected.finished_count
   or coalesce(kpis.judged_count, 0) <> expected.judged_count
