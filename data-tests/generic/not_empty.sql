{# Đủ (complete): the relation has at least `min_rows` rows. #}
{% test not_empty(model, min_rows=1) %}
select count(*) as n_rows
from {{ model }}
having count(*) < {{ min_rows }}
{% endtest %}
