{#
    Đúng: commune codes that are not communes of the warehouse's province (var province_code) —
    codes that do not exist and codes of other provinces alike. Nulls pass (pair with not_null).
#}
{% test commune_in_province(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in (
    select commune_code
    from {{ ref('admin_units') }}
    where province_code = '{{ var("province_code") }}'
  )
{% endtest %}
