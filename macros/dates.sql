{#
    Portable date helpers on top of dbt's cross-database macros.
#}

{# An integer date part (year, month, day, quarter) of a date or timestamp; EXTRACT is ANSI SQL. #}
{% macro date_part_number(part, column) -%}
    cast(extract({{ part }} from {{ column }}) as {{ api.Column.translate_type("integer") }})
{%- endmacro %}

{# First day of the month / quarter of a date or timestamp, as a date. #}
{% macro month_start(column) -%}
    cast({{ dbt.date_trunc('month', column) }} as date)
{%- endmacro %}

{% macro quarter_start(column) -%}
    cast({{ dbt.date_trunc('quarter', column) }} as date)
{%- endmacro %}

{# num / den as a fraction rounded to 4 decimals (ANSI double precision); null when the denominator is 0 or null. #}
{% macro safe_ratio(numerator, denominator) -%}
    round(
        case when {{ denominator }} > 0 then cast({{ numerator }} as double precision) / {{ denominator }} end,
        4
    )
{%- endmacro %}

{#
    The as-of date of a source table: the last day on which it had recorded activity when Kho
    extracted it — the earlier of the newest extraction time and the newest updated_at. No event in
    the table can truly lie after it, whatever the wall clock says now (sources may be replayed or
    simulated as of a past date), so it is the yardstick for "date in the future" defects.
    Returns a one-row select with column as_of_on.
#}
{% macro source_as_of(relation) -%}
    select cast(least(max(_kho_loaded_at), max(updated_at)) as date) as as_of_on
    from {{ relation }}
{%- endmacro %}
