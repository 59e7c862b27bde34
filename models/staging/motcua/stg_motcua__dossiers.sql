-- Dossiers (hồ sơ TTHC) as the one-stop system holds them: one row per source row id. Duplicate
-- dossier codes are kept here (staging stays 1:1 with the source) and resolved in
-- int_dossiers_deduplicated.
with

source as (
    select * from {{ source('motcua', 'ho_so') }}
),

renamed as (
    select
        id as dossier_id,
        {{ clean_text('ma_ho_so') }} as dossier_code,
        {{ clean_text('ma_thu_tuc') }} as procedure_id,
        {{ clean_text('ma_co_quan') }} as agency_id,
        {{ clean_text('ma_xa') }} as commune_id,
        {{ clean_text('ten_nguoi_nop') }} as applicant_name,
        {{ clean_text('so_giay_to') }} as applicant_id_number,
        {{ clean_code('loai_doi_tuong') }} as applicant_type,
        {{ clean_code('kenh') }} as channel,
        ngay_tiep_nhan as received_at,
        ngay_hen_tra as due_at,
        ngay_ket_thuc as finished_at,
        {{ clean_code('trang_thai') }} as status,
        da_so_hoa as is_digitised,
        thanh_toan_truc_tuyen as is_paid_online,
        updated_at,
        _kho_loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
