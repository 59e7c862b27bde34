{# Tax codes (MST) whose structure or check digit is wrong (đúng). #}
{% test valid_tax_code(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not {{ is_valid_tax_code(column_name) }}
{% endtest %}

{# Personal identification numbers that are not 12 digits with a valid province prefix (đúng). #}
{% test valid_personal_id(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not {{ is_valid_personal_id(column_name) }}
{% endtest %}

{#
    Personal IDs that are malformed or disagree with the person: the century/sex digit and the two
    year digits must match the birth date and sex (đúng).
#}
{% test personal_id_matches_person(model, column_name, born_on, sex) %}
select {{ column_name }}, {{ born_on }}, {{ sex }}
from {{ model }}
where {{ column_name }} is not null
  and not {{ is_valid_personal_id(column_name, born_on, sex) }}
{% endtest %}
