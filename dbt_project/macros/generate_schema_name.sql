{#- Schemas are named exactly as configured (staging, intermediate, audit, reference),
    not prefixed with the target schema: consumers and the publish step rely on the names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
