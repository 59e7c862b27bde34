-- The communes of the warehouse's province (var province_code): the only commune codes sector data
-- may carry. A code of another province is as wrong as a code that does not exist.
with

admin_units as (
    select * from {{ ref('admin_units') }}
),

final as (
    select
        commune_code as commune_id,
        commune_name,
        {{ fold_text('commune_name') }} as commune_name_folded,
        commune_type,
        province_code as province_id,
        province_name,
        latitude,
        longitude
    from admin_units
    where province_code = '{{ var("province_code") }}'
)

select * from final
