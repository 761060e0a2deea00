{#- SQL generated from the sales hand-off configuration (config/qualification.yml,
    passed as var('qualification')). -#}

{% macro qualification() -%}
    {%- set config = var('qualification') -%}
    {%- if config is none -%}
        {{ exceptions.raise_compiler_error(
            "var('qualification') is not set: run through `leadflow run`, which passes config/qualification.yml") }}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}

{#- `ts` plus a number of hours (may be fractional), portably: whole minutes. -#}
{% macro add_hours(ts, hours) -%}
    {{ dbt.dateadd('minute', (hours * 60) | round | int, ts) }}
{%- endmacro %}

{#- The funnel metrics' settings (config/funnel.yml, var('funnel')). -#}
{% macro funnel() -%}
    {%- set config = var('funnel') -%}
    {%- if config is none -%}
        {{ exceptions.raise_compiler_error(
            "var('funnel') is not set: run through `leadflow run`, which passes config/funnel.yml") }}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}

{#- 1 when any of an opportunity's snapshots (``stage_column``, aggregated per opportunity)
    shows it in negotiation or won: the furthest stage the win rates and the forecast group
    closed opportunities by. -#}
{% macro reached_negotiation(stage_column) -%}
    max(case when {{ stage_column }} in ('negotiation', 'closed_won') then 1 else 0 end)
{%- endmacro %}
