{#
    Structural checks of Vietnamese identifiers, in portable SQL (substring, cast, modulo).
#}

{#
    Tax code (mã số thuế, MST) of an enterprise: 10 digits, the 10th a check digit over the first
    nine with weights 31, 29, 23, 19, 17, 13, 7, 5, 3: check = 10 - (weighted sum mod 11). A
    remainder of 0 would need the "digit" 10, which is never issued, so such codes are invalid.
#}
{% macro is_valid_tax_code(column) -%}
    {%- set weights = [31, 29, 23, 19, 17, 13, 7, 5, 3] -%}
    coalesce(
        {{ matches_regex(column, '[0-9]{10}') }}
        and 10 - (
            {%- for w in weights %}
            {{ w }} * {{ _digits(column, loop.index, 1) }}{{ ' +' if not loop.last }}
            {%- endfor %}
        ) % 11 = {{ _digits(column, 10, 1) }},
        false
    )
{%- endmacro %}


{#
    Personal identification number (số định danh cá nhân, 12 digits; Thông tư 59/2021/TT-BCA):
    digits 1-3 the province of birth (001-096, codes before the 2025 merger), digit 4 century and
    sex (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s), digits 5-6 the last two digits of the
    birth year, 7-12 a serial. With `born_on` and `sex` (nam | nu) the century/sex and year digits
    are checked against the person as well.
#}
{% macro is_valid_personal_id(column, born_on=none, sex=none) -%}
    coalesce(
        {{ matches_regex(column, '[0-9]{12}') }}
        and {{ _digits(column, 1, 3) }} between 1 and 96
        {%- if born_on is not none and sex is not none %}
        and {{ _digits(column, 4, 1) }}
            = 2 * (cast(floor(extract(year from {{ born_on }}) / 100) as {{ api.Column.translate_type('integer') }}) - 19)
              + case when {{ sex }} = 'nu' then 1 else 0 end
        and {{ _digits(column, 5, 2) }} = cast(extract(year from {{ born_on }}) as {{ api.Column.translate_type('integer') }}) % 100
        {%- endif %},
        false
    )
{%- endmacro %}


{# Digits `start`..`start + length - 1` of a text column as an integer (null when not digits). #}
{% macro _digits(column, start, length) -%}
    {{ dbt.safe_cast('substring(' ~ column ~ ', ' ~ start ~ ', ' ~ length ~ ')', api.Column.translate_type('integer')) }}
{%- endmacro %}
