{# Values that do not match the regular expression as a whole (đúng: formats). Nulls pass. #}
{% test matches_pattern(model, column_name, regex) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not {{ matches_regex(column_name, regex) }}
{% endtest %}
