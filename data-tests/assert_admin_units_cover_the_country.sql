-- Đủ: the 2025 administrative units are complete — 34 provinces, 3,321 communes
-- (2,621 xã + 687 phường + 13 đặc khu). Returns a row per count that is off.
with

admin_units as (
    select * from {{ ref('admin_units') }}
),

counts as (
    select 'provinces' as unit, count(distinct province_code) as actual, 34 as expected from admin_units
    union all
    select 'communes', count(*), 3321 from admin_units
    union all
    select 'xã', count(case when commune_type = 'Xã' then 1 end), 2621 from admin_units
    union all
    select 'phường', count(case when commune_type = 'Phường' then 1 end), 687 from admin_units
    union all
    select 'đặc khu', count(case when commune_type = 'Đặc khu' then 1 end), 13 from admin_units
)

select * from counts
where actual <> expected
