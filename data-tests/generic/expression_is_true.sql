{#
    Fails for every row where the boolean expression is false. A null result passes, as in dbt's own
    tests: pair it with not_null where a value is mandatory. Can sit on a model or on a column (the
    column name then only names the test).
#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
