-- The population master (private: only the owning agency and explicit grants). Every personal
-- column is classed in the YAML so the API can mask it.
with

citizens as (
    select * from {{ ref('dim_citizens') }}
),

final as (
    select
        citizen_id,
        is_citizen_id_valid,
        full_name,
        born_on,
        sex,
        ethnicity,
        commune_id,
        has_unknown_commune_code,
        updated_at
    from citizens
)

select * from final
