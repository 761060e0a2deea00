{#- Engagement points from a lead's attributes (config/scoring.yml attribute_rules), one row
    per lead and rule with points. An attribute describes the lead as it is now, so its
    points count from the day the lead's value was first recorded (the capture of the
    contact record that carried it; the lead's first capture for a standard field) in every
    later scoring window, while the lead has the value; they do not age out like events.
    Each rule's cap limits its points. -#}
{%- set rules = scoring().attribute_rules -%}

-- noqa: disable=LT02
with

leads as {{ inlined() }} (

    select * from {{ ref('int_leads_profiled') }}

),

rule_points as (

    {%- for rule in rules %}
    select
        lead_id,
        {{ lit(rule.name) }} as rule_name,
        {{ rule_value_text(rule) }} as attribute_value,
        {{ rule_value_points(rule) }} as uncapped_points,
        {%- if rule.known_at %}
        coalesce({{ rule.known_at }}, first_captured_at) as known_at
        {%- else %}
        first_captured_at as known_at
        {%- endif %}
    from leads
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if rules | length == 0 %}
    select
        cast(null as {{ dbt.type_string() }}) as lead_id,
        cast(null as {{ dbt.type_string() }}) as rule_name,
        cast(null as {{ dbt.type_string() }}) as attribute_value,
        0 as uncapped_points,
        cast(null as {{ dbt.type_timestamp() }}) as known_at
    from leads
    where 1 = 0
    {%- endif %}

),

final as (

    select
        lead_id,
        rule_name,
        attribute_value,
        cast(
            case
            {%- for rule in rules if rule.cap is not none %}
                when rule_name = {{ lit(rule.name) }}
                    then {% if rule.cap > 0 %}least(uncapped_points, {{ rule.cap }}){% else %}greatest(uncapped_points, {{ rule.cap }}){% endif %}
            {%- endfor %}
                when 1 = 1 then uncapped_points
            end as {{ dbt.type_int() }}
        ) as points,
        cast(uncapped_points as {{ dbt.type_int() }}) as uncapped_points,
        known_at,
        {{ day_number('cast(known_at as date)') }} as day_number
    from rule_points
    where uncapped_points <> 0

)

select * from final
