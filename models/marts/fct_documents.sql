-- One row per document with the flags the document KPIs use. An issue date after the source's
-- as-of date (a known defect) cannot be true: it is kept but flagged, and left out of monthly counts.
with

documents as (
    select * from {{ ref('stg_qlvb__documents') }}
),

source_as_of as (
    {{ source_as_of(ref('stg_qlvb__documents')) }}
),

final as (
    select
        document_id,
        document_number,
        document_type,
        summary,
        agency_id,
        issuing_agency_name,
        direction,
        is_incoming,
        is_outgoing,
        issued_on,
        coalesce(issued_on > source_as_of.as_of_on, false) as is_issued_in_future,
        coalesce(is_digitally_signed, false) as is_digitally_signed,
        urgency,
        updated_at,
        _kho_loaded_at as extracted_at
    from documents
    cross join source_as_of
)

select * from final
