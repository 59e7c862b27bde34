-- Quarterly service scorecard per handling agency, in the spirit of the national index of service
-- to citizens and businesses (QĐ 766/QĐ-TTg, 2022). Four of its five groups can be measured from
-- the one-stop system; each group's rate (0–1) earns the group's points in QĐ 766:
--   publicity    (công khai, minh bạch, 18 points) = received dossiers whose processing is traceable
--                 (a due date given to the applicant and at least one processing step recorded) / received
--   progress     (tiến độ giải quyết, 20 points)   = finished on time / finished with valid dates
--   digitisation (số hóa hồ sơ, 22 points)         = digitised / received
--   online       (dịch vụ trực tuyến, 22 points)   = filed online / received
-- Satisfaction (18 points) is not recorded in the sources, so total_score is the points earned out
-- of the measurable groups, rescaled to 0–100. A group whose denominator is 0 scores null and is
-- left out of the total.
with

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

agencies as (
    select * from {{ ref('dim_agencies') }}
),

received as (
    select
        agency_id,
        {{ quarter_start('received_on') }} as quarter_start_on,
        count(*) as received_count,
        count(case when not is_due_date_missing and step_count > 0 then 1 end) as traceable_count,
        count(case when is_digitised then 1 end) as digitised_count,
        count(case when is_online then 1 end) as online_count
    from dossiers
    where received_on is not null
      and not is_received_in_future
    group by 1, 2
),

finished as (
    select
        agency_id,
        {{ quarter_start('finished_on') }} as quarter_start_on,
        count(*) as finished_count,
        count(case when has_valid_finish_dates and not is_due_date_missing then 1 end)
            as finished_with_valid_dates_count,
        count(case when is_on_time then 1 end) as on_time_count
    from dossiers
    where is_finished
      and not is_finished_in_future
    group by 1, 2
),

quarters as (
    select agency_id, quarter_start_on from received
    union
    select agency_id, quarter_start_on from finished
),

rates as (
    select
        quarters.agency_id,
        quarters.quarter_start_on,
        coalesce(received.received_count, 0) as received_count,
        coalesce(finished.finished_count, 0) as finished_count,
        coalesce(finished.finished_with_valid_dates_count, 0) as finished_with_valid_dates_count,
        {{ safe_ratio('received.traceable_count', 'received.received_count') }} as publicity_rate,
        {{ safe_ratio('finished.on_time_count', 'finished.finished_with_valid_dates_count') }} as progress_rate,
        {{ safe_ratio('received.digitised_count', 'received.received_count') }} as digitisation_rate,
        {{ safe_ratio('received.online_count', 'received.received_count') }} as online_service_rate
    from quarters
    left join received
        on quarters.agency_id = received.agency_id
        and quarters.quarter_start_on = received.quarter_start_on
    left join finished
        on quarters.agency_id = finished.agency_id
        and quarters.quarter_start_on = finished.quarter_start_on
    where quarters.quarter_start_on >= cast('{{ var("kpi_start_date") }}' as date)
),

scored as (
    select
        *,
        round(publicity_rate * 18, 2) as publicity_score,
        round(progress_rate * 20, 2) as progress_score,
        round(digitisation_rate * 22, 2) as digitisation_score,
        round(online_service_rate * 22, 2) as online_service_score,
        coalesce(publicity_rate * 18, 0) + coalesce(progress_rate * 20, 0)
            + coalesce(digitisation_rate * 22, 0) + coalesce(online_service_rate * 22, 0) as points_earned,
        case when publicity_rate is not null then 18 else 0 end
            + case when progress_rate is not null then 20 else 0 end
            + case when digitisation_rate is not null then 22 else 0 end
            + case when online_service_rate is not null then 22 else 0 end as points_possible
    from rates
),

final as (
    select
        scored.agency_id,
        agencies.agency_name,
        scored.quarter_start_on,
        {{ date_part_number('year', 'scored.quarter_start_on') }} as year,
        {{ date_part_number('quarter', 'scored.quarter_start_on') }} as quarter,
        scored.received_count,
        scored.finished_count,
        scored.finished_with_valid_dates_count,
        scored.publicity_rate,
        scored.progress_rate,
        scored.digitisation_rate,
        scored.online_service_rate,
        scored.publicity_score,
        scored.progress_score,
        scored.digitisation_score,
        scored.online_service_score,
        round(case when scored.points_possible > 0 then 100 * scored.points_earned / scored.points_possible end, 2)
            as total_score
    from scored
    left join agencies on scored.agency_id = agencies.agency_id
)

select * from final
