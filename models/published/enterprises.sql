-- Registered enterprises as open data. The legal representative's name and ID number are personal
-- data and are left out entirely (not masked: an open dataset never carries them).
with

enterprises as (
    select * from {{ ref('dim_enterprises') }}
),

final as (
    select
        enterprise_id as tax_code,
        is_tax_code_valid,
        enterprise_name,
        legal_form,
        main_industry_code,
        charter_capital_vnd,
        founded_on,
        status,
        commune_id,
        commune_name,
        province_id,
        province_name,
        has_unknown_commune_code,
        updated_at
    from enterprises
)

select * from final
