{# Text values that are not in Unicode NFC (sạch: normalised text). #}
{% test is_nfc(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not {{ is_nfc(column_name) }}
{% endtest %}
