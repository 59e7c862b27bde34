-- Monthly document-management KPIs per agency: documents registered incoming and outgoing by
-- issue month, and the share digitally signed. Documents dated after the extraction (a known
-- defect) are not counted.
with

documents as (
    select * from {{ ref('fct_documents') }}
    where issued_on is not null
      and not is_issued_in_future
),

agencies as (
    select * from {{ ref('dim_agencies') }}
),

monthly as (
    select
        agency_id,
        {{ month_start('issued_on') }} as month_start_on,
        count(*) as document_count,
        count(case when is_incoming then 1 end) as incoming_count,
        count(case when is_outgoing then 1 end) as outgoing_count,
        count(case when is_digitally_signed then 1 end) as digitally_signed_count,
        count(case when is_outgoing and is_digitally_signed then 1 end) as outgoing_digitally_signed_count
    from documents
    group by 1, 2
),

final as (
    select
        monthly.agency_id,
        agencies.agency_name,
        monthly.month_start_on,
        {{ date_part_number('year', 'monthly.month_start_on') }} as year,
        {{ date_part_number('month', 'monthly.month_start_on') }} as month_of_year,
        monthly.document_count,
        monthly.incoming_count,
        monthly.outgoing_count,
        monthly.digitally_signed_count,
        monthly.outgoing_digitally_signed_count,
        {{ safe_ratio('monthly.digitally_signed_count', 'monthly.document_count') }} as digitally_signed_rate,
        {{ safe_ratio('monthly.outgoing_digitally_signed_count', 'monthly.outgoing_count') }} as outgoing_digitally_signed_rate
    from monthly
    left join agencies on monthly.agency_id = agencies.agency_id
    where monthly.month_start_on >= cast('{{ var("kpi_start_date") }}' as date)
)

select * from final
