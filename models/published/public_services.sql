-- The public-service (procedure) catalogue: one row per procedure with its online level, fee,
-- handling agency, field and the number of dossiers received in each recent year.
--
-- Wide on purpose: an open-data user looks a service up and compares years side by side (in a
-- spreadsheet or a chart) without a pivot. The years are the project vars
-- public_services_first_year..public_services_last_year; adding a year adds a column in a new
-- dataset version. Counts use deduplicated dossiers by their receipt date (future dates excluded).
{%- set years = range(var('public_services_first_year'), var('public_services_last_year') + 1) %}
with

procedures as (
    select * from {{ ref('dim_procedures') }}
),

dossiers as (
    select * from {{ ref('fct_dossiers') }}
    where received_on is not null
      and not is_received_in_future
),

yearly as (
    select
        procedure_id,
        {%- for year in years %}
        count(case when {{ date_part_number('year', 'received_on') }} = {{ year }} then 1 end) as dossiers_{{ year }},
        {%- endfor %}
        count(*) as dossiers_total,
        count(case when is_online then 1 end) as online_dossiers_total
    from dossiers
    group by procedure_id
),

final as (
    select
        procedures.procedure_id,
        procedures.procedure_name,
        procedures.field_id,
        procedures.field_name,
        procedures.agency_id,
        procedures.agency_name,
        procedures.online_level,
        procedures.is_full_online,
        procedures.fee_vnd,
        procedures.statutory_days,
        {%- for year in years %}
        coalesce(yearly.dossiers_{{ year }}, 0) as dossiers_{{ year }},
        {%- endfor %}
        coalesce(yearly.dossiers_total, 0) as dossiers_total,
        {{ safe_ratio('yearly.online_dossiers_total', 'yearly.dossiers_total') }} as online_rate
    from procedures
    left join yearly on procedures.procedure_id = yearly.procedure_id
)

select * from final
