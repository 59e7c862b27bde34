{#
    Đúng: dates after the source's as-of date (see the source_as_of macro) — events recorded as
    happening after the data were extracted. Nulls pass.
#}
{% test not_after_source_as_of(model, column_name) %}
with

as_of as (
    {{ source_as_of(model) }}
)

select {{ column_name }}, as_of.as_of_on
from {{ model }}
cross join as_of
where cast({{ column_name }} as date) > as_of.as_of_on
{% endtest %}
