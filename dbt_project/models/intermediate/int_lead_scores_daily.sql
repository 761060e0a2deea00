{#- The engagement score of each lead at the end of each day it had activity (and of the
    day it became profiled): per rule, the points of the window (that day and the
    window_days - 1 days before), limited by the rule's cap, then summed. -#}
{%- set window = scoring().window_days -%}

with

points as (

    select * from {{ ref('int_lead_rule_points_daily') }}
    where rule_name is not null

),

profiled as (

    select
        lead_id,
        cast(profiled_at as date) as profiled_date
    from {{ ref('int_leads_profiled') }}
    where profiled_at is not null

),

rule_days as (

    select
        lead_id,
        rule_name,
        day_number,
        sum(points) as points,
        sum(events) as events
    from points
    group by lead_id, rule_name, day_number

),

score_days as (

    select distinct
        lead_id,
        day_number
    from points

    union

    select
        profiled.lead_id,
        {{ day_number('profiled.profiled_date') }} as day_number
    from profiled
    inner join (select distinct lead_id from points) as active
        on profiled.lead_id = active.lead_id

),

lead_rules as (

    select distinct
        lead_id,
        rule_name
    from points

),

grid as (

    select
        score_days.lead_id,
        score_days.day_number,
        lead_rules.rule_name,
        coalesce(rule_days.points, 0) as day_points,
        coalesce(rule_days.events, 0) as day_events
    from score_days
    inner join lead_rules
        on score_days.lead_id = lead_rules.lead_id
    left join rule_days
        on
            score_days.lead_id = rule_days.lead_id
            and score_days.day_number = rule_days.day_number
            and lead_rules.rule_name = rule_days.rule_name

),

windowed as (

    select
        lead_id,
        day_number,
        rule_name,
        sum(day_points) over (
            partition by lead_id, rule_name order by day_number
            range between {{ window - 1 }} preceding and current row
        ) as window_points,
        sum(day_events) over (
            partition by lead_id, rule_name order by day_number
            range between {{ window - 1 }} preceding and current row
        ) as window_events
    from grid

),

final as (

    select
        lead_id,
        day_number,
        cast({{ dbt.dateadd('day', 'day_number', "cast('2000-01-01' as date)") }} as date) as score_date,
        cast(sum({{ capped('rule_name', 'window_points') }}) as {{ dbt.type_int() }}) as engagement_score,
        sum(window_events) as window_events
    from windowed
    group by lead_id, day_number

)

select * from final
