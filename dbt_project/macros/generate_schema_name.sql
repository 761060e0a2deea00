{#- Schemas are named exactly as configured (staging, intermediate, audit, reference),
    not prefixed with the target schema: consumers and the publish step rely on the names.
    A replay (`leadflow backtest`) sets var('schema_prefix'), e.g. `backtest`: every schema
    is then `<prefix>_<name>` (backtest_staging, backtest_audit, ...), so a replay never
    writes a schema that a normal run builds or that consumers read. Sources (`raw`) are
    read as usual. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = var('schema_prefix', '') -%}
    {%- set name = target.schema if custom_schema_name is none else custom_schema_name | trim -%}
    {%- if prefix -%}
        {{ prefix }}_{{ name }}
    {%- else -%}
        {{ name }}
    {%- endif -%}
{%- endmacro %}
