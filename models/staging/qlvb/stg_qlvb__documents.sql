-- Incoming and outgoing documents (văn bản đến / đi), one row per document.
with

source as (
    select * from {{ source('qlvb', 'van_ban') }}
),

renamed as (
    select
        id as document_id,
        {{ clean_text('so_ky_hieu') }} as document_number,
        {{ clean_text('loai_van_ban') }} as document_type,
        {{ clean_text('trich_yeu') }} as summary,
        {{ clean_text('ma_co_quan') }} as agency_id,
        {{ clean_text('co_quan_ban_hanh') }} as issuing_agency_name,
        {{ clean_code('chieu') }} as direction,
        ngay_ban_hanh as issued_on,
        ky_so as is_digitally_signed,
        {{ clean_code('do_khan') }} as urgency,
        updated_at,
        _kho_loaded_at
    from source
),

final as (
    select
        *,
        coalesce(direction = 'den', false) as is_incoming,
        coalesce(direction = 'di', false) as is_outgoing
    from renamed
)

select * from final
