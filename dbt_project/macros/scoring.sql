{#- SQL generated from the engagement scoring rules (config/scoring.yml, var('scoring')). -#}

{% macro scoring() -%}
    {%- set config = var('scoring') -%}
    {%- if config is none -%}
        {{ exceptions.raise_compiler_error(
            "var('scoring') is not set: run through `leadflow run`, which passes config/scoring.yml") }}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}

{#- The condition under which an event matches a rule. -#}
{% macro rule_condition(rule) -%}
    event_type = {{ lit(rule.event_type) }}
    {%- if rule.url_contains %}
        and ({% for part in rule.url_contains %}url like {{ lit('%' ~ part ~ '%') }}{% if not loop.last %} or {% endif %}{% endfor %})
    {%- endif %}
    {%- if rule.min_duration_seconds is not none %}
        and duration_seconds >= {{ rule.min_duration_seconds }}
    {%- endif %}
    {%- if rule.min_minutes_attended is not none %}
        and minutes_attended >= {{ rule.min_minutes_attended }}
    {%- endif %}
{%- endmacro %}

{#- The name of the first rule an event matches (null when none). -#}
{% macro matched_rule() -%}
    case
    {%- for rule in scoring().rules %}
        when {{ rule_condition(rule) }} then {{ lit(rule.name) }}
    {%- endfor %}
    end
{%- endmacro %}

{#- Points of a rule, by name. -#}
{% macro rule_points(rule_name) -%}
    case {{ rule_name }}
    {%- for rule in scoring().rules %}
        when {{ lit(rule.name) }} then {{ rule.points }}
    {%- endfor %}
        else 0
    end
{%- endmacro %}

{#- A rule's window total limited by its cap. -#}
{% macro capped(rule_name, total) -%}
    case {{ rule_name }}
    {%- for rule in scoring().rules if rule.cap is not none %}
        when {{ lit(rule.name) }} then {% if rule.cap > 0 %}least({{ total }}, {{ rule.cap }}){% else %}greatest({{ total }}, {{ rule.cap }}){% endif %}
    {%- endfor %}
        else {{ total }}
    end
{%- endmacro %}

{#- Days since 2000-01-01: a number to order and window dates by on every engine. -#}
{% macro day_number(date_expr) -%}
    {{ dbt.datediff("cast('2000-01-01' as date)", date_expr, 'day') }}
{%- endmacro %}
