-- Population by commune, sex and five-year age band, for open data.
--
-- Statistical disclosure control: a cell with fewer than var('population_min_cell') (5) people
-- could identify them, so its count is published as null with is_suppressed = true. The grid is
-- complete (every commune of the province × both sexes × every age band), so a missing row never
-- has to be read as zero. No totals are published beside the cells, so suppressed counts cannot be
-- recovered by subtraction.
-- Residents with an unknown commune code, an unknown sex or no valid birth date cannot be placed
-- in a cell and are not counted (they are flagged in dim_citizens).
with

citizens as (
    select * from {{ ref('dim_citizens') }}
),

communes as (
    select * from {{ ref('dim_communes') }}
),

age_bands as (
    {%- for lower in range(0, 85, 5) %}
    select {{ lower }} as age_band_min, {{ 'null' if lower == 80 else lower + 4 }} as age_band_max,
        '{{ "80+" if lower == 80 else lower ~ "-" ~ (lower + 4) }}' as age_band
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

sexes as (
    select 'nam' as sex
    union all
    select 'nu' as sex
),

placed as (
    select
        citizens.commune_id,
        citizens.sex,
        age_bands.age_band,
        citizens.as_of_on
    from citizens
    inner join age_bands
        on citizens.age_years >= age_bands.age_band_min
        and (age_bands.age_band_max is null or citizens.age_years <= age_bands.age_band_max)
    where citizens.commune_id is not null
      and citizens.sex in ('nam', 'nu')
),

counts as (
    select commune_id, sex, age_band, count(*) as population
    from placed
    group by 1, 2, 3
),

grid as (
    select
        communes.commune_id,
        communes.commune_name,
        communes.province_id,
        communes.province_name,
        sexes.sex,
        age_bands.age_band,
        age_bands.age_band_min
    from communes
    cross join sexes
    cross join age_bands
),

reference as (
    -- Ages are computed at the source's as-of date; without any resident there is nothing to publish.
    select max(as_of_on) as reference_on from placed
),

final as (
    select
        grid.commune_id,
        grid.commune_name,
        grid.province_id,
        grid.province_name,
        grid.sex,
        grid.age_band,
        grid.age_band_min,
        case
            when coalesce(counts.population, 0) >= {{ var('population_min_cell') }} then counts.population
        end as population,
        coalesce(counts.population, 0) < {{ var('population_min_cell') }} as is_suppressed,
        reference.reference_on
    from grid
    left join counts
        on grid.commune_id = counts.commune_id
        and grid.sex = counts.sex
        and grid.age_band = counts.age_band
    inner join reference on reference.reference_on is not null
)

select * from final
