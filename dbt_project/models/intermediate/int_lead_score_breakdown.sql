{#- The current engagement score of each lead, rule by rule: the points of the window
    ending on the latest day of activity in the data (so a rebuild from the same raw data
    gives the same scores), limited by each rule's cap, and the points of each attribute rule
    recorded by then (rule_kind 'attribute'). The parts add up to the score. -#}
{%- set window = scoring().window_days -%}

with

points as {{ inlined() }} (

    select * from {{ ref('int_lead_rule_points_daily') }}
    where rule_name is not null

),

attribute_points as {{ inlined() }} (

    select * from {{ ref('int_lead_attribute_points') }}

),

as_of as (

    select
        case
            when max_attribute_day is null or max_event_day >= max_attribute_day then max_event_day
            else max_attribute_day
        end as as_of_day
    from (select max(day_number) as max_event_day from {{ ref('int_lead_rule_points_daily') }}) as event_days
    cross join (select max(day_number) as max_attribute_day from attribute_points) as attribute_days

),

in_window as (

    select
        points.lead_id,
        points.rule_name,
        sum(points.points) as window_points,
        sum(points.events) as window_events,
        max(points.last_occurred_at) as last_occurred_at
    from points
    cross join as_of
    where points.day_number > as_of.as_of_day - {{ window }}
    group by points.lead_id, points.rule_name

),

final as (

    select
        lead_id,
        rule_name,
        'event' as rule_kind,
        cast(null as {{ dbt.type_string() }}) as attribute_value,
        cast({{ capped('rule_name', 'window_points') }} as {{ dbt.type_int() }}) as points,
        cast(window_points as {{ dbt.type_int() }}) as uncapped_points,
        cast(window_events as {{ dbt.type_int() }}) as events,
        last_occurred_at
    from in_window

    union all

    select
        attribute_points.lead_id,
        attribute_points.rule_name,
        'attribute' as rule_kind,
        attribute_points.attribute_value,
        attribute_points.points,
        attribute_points.uncapped_points,
        cast(0 as {{ dbt.type_int() }}) as events,
        attribute_points.known_at as last_occurred_at
    from attribute_points
    cross join as_of
    where attribute_points.day_number <= as_of.as_of_day

)

select * from final
