-- Monthly one-stop KPIs per handling agency and procedure field.
--
-- Two kinds of counts share a row, as in Vietnamese TTHC reports ("tiếp nhận trong kỳ" /
-- "giải quyết trong kỳ"):
--   * received-side counts (received, online, full_online, digitised, paid_online) count dossiers
--     by the month they were received;
--   * finish-side counts (finished, on_time, late) count dossiers by the month they were finished.
-- Rates divide counts of the same side, so every numerator is a subset of its denominator.
-- Events dated after the extraction are not counted (see fct_dossiers); duplicates were removed.
with

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

agencies as (
    select * from {{ ref('dim_agencies') }}
),

fields as (
    select * from {{ ref('dim_fields') }}
),

received as (
    select
        agency_id,
        field_id,
        {{ month_start('received_on') }} as month_start_on,
        count(*) as received_count,
        count(case when is_online then 1 end) as online_count,
        count(case when is_full_online then 1 end) as full_online_count,
        count(case when is_digitised then 1 end) as digitised_count,
        count(case when is_paid_online then 1 end) as paid_online_count
    from dossiers
    where received_on is not null
      and not is_received_in_future
    group by 1, 2, 3
),

finished as (
    select
        agency_id,
        field_id,
        {{ month_start('finished_on') }} as month_start_on,
        count(*) as finished_count,
        count(case when has_valid_finish_dates and not is_due_date_missing then 1 end)
            as finished_with_valid_dates_count,
        count(case when is_on_time then 1 end) as on_time_count,
        count(case when is_late then 1 end) as late_count
    from dossiers
    where is_finished
      and not is_finished_in_future
    group by 1, 2, 3
),

months as (
    select agency_id, field_id, month_start_on from received
    union
    select agency_id, field_id, month_start_on from finished
),

combined as (
    select
        months.agency_id,
        agencies.agency_name,
        months.field_id,
        fields.field_name,
        months.month_start_on,
        coalesce(received.received_count, 0) as received_count,
        coalesce(finished.finished_count, 0) as finished_count,
        coalesce(finished.finished_with_valid_dates_count, 0) as finished_with_valid_dates_count,
        coalesce(finished.on_time_count, 0) as on_time_count,
        coalesce(finished.late_count, 0) as late_count,
        coalesce(received.online_count, 0) as online_count,
        coalesce(received.full_online_count, 0) as full_online_count,
        coalesce(received.digitised_count, 0) as digitised_count,
        coalesce(received.paid_online_count, 0) as paid_online_count
    from months
    left join received
        on months.agency_id = received.agency_id
        and months.field_id = received.field_id
        and months.month_start_on = received.month_start_on
    left join finished
        on months.agency_id = finished.agency_id
        and months.field_id = finished.field_id
        and months.month_start_on = finished.month_start_on
    left join agencies on months.agency_id = agencies.agency_id
    left join fields on months.field_id = fields.field_id
    where months.month_start_on >= cast('{{ var("kpi_start_date") }}' as date)
),

final as (
    select
        agency_id,
        agency_name,
        field_id,
        field_name,
        month_start_on,
        {{ date_part_number('year', 'month_start_on') }} as year,
        {{ date_part_number('month', 'month_start_on') }} as month_of_year,
        received_count,
        finished_count,
        finished_with_valid_dates_count,
        on_time_count,
        late_count,
        online_count,
        full_online_count,
        digitised_count,
        paid_online_count,
        {{ safe_ratio('on_time_count', 'finished_with_valid_dates_count') }} as on_time_rate,
        {{ safe_ratio('late_count', 'finished_with_valid_dates_count') }} as late_rate,
        {{ safe_ratio('online_count', 'received_count') }} as online_rate,
        {{ safe_ratio('full_online_count', 'received_count') }} as full_online_rate,
        {{ safe_ratio('digitised_count', 'received_count') }} as digitised_rate,
        {{ safe_ratio('paid_online_count', 'received_count') }} as paid_online_rate
    from combined
)

select * from final
