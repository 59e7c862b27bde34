{#
    Sống (live): a feed that stopped updating. Fails when the model's newest `field` value lags more
    than `max_lag_hours` (the registry's freshness SLA) behind the warehouse's reference time: the
    newest change recorded by any sector source, capped at this table's extraction time.

    Measured against the other feeds rather than the wall clock, so the check is deterministic for
    replayed or simulated data (as of a past date) and finds the one source that fell behind. The
    wall-clock view, "has anything arrived lately at all", is `dbt source freshness` on the sources'
    loaded_at_field (and Dagster's freshness policies).
#}
{% test recent_updates(model, field, max_lag_hours, loaded_at_field='_kho_loaded_at') %}
with

newest_source_activity as (
    {%- set sources = graph.get('sources', {}).values() | selectattr('package_name', 'equalto', project_name)
                      | selectattr('loaded_at_field') | list %}
    {%- for node in sources %}
    select max({{ node.loaded_at_field }}) as updated_at from {{ node.relation_name }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
    {%- if not sources %}
    select cast(null as {{ api.Column.translate_type('timestamp') }}) as updated_at
    {%- endif %}
),

this_table as (
    select
        max({{ field }}) as last_updated_at,
        max({{ loaded_at_field }}) as last_loaded_at
    from {{ model }}
),

bounds as (
    select
        this_table.last_updated_at,
        least(this_table.last_loaded_at, (select max(updated_at) from newest_source_activity)) as reference_at
    from this_table
)

select *
from bounds
where reference_at is not null
  and (
    last_updated_at is null
    or {{ dbt.datediff('last_updated_at', 'reference_at', 'hour') }} > {{ max_lag_hours }}
  )
{% endtest %}
