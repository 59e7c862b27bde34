{#
    Use a model's custom schema name as-is (`staging`, `intermediate`, `marts`, `published`) instead
    of dbt's default `<target_schema>_<custom>`: the schema names are part of the platform contract
    (Dagster asset keys, the publish step and the API read them).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
