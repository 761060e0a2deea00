{#- The current engagement score of each lead, rule by rule: the points of the window
    ending on the latest day of activity in the data (so a rebuild from the same raw data
    gives the same scores), limited by each rule's cap. The parts add up to the score. -#}
{%- set window = scoring().window_days -%}

with

points as (

    select * from {{ ref('int_lead_rule_points_daily') }}
    where rule_name is not null

),

as_of as (

    select max(day_number) as as_of_day
    from {{ ref('int_lead_rule_points_daily') }}

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
        cast({{ capped('rule_name', 'window_points') }} as {{ dbt.type_int() }}) as points,
        cast(window_points as {{ dbt.type_int() }}) as uncapped_points,
        cast(window_events as {{ dbt.type_int() }}) as events,
        last_occurred_at
    from in_window

)

select * from final
