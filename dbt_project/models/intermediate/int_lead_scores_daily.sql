{#- The engagement score of each lead at the end of each day it had activity (and of the
    day it became profiled, and the days its scored attributes were first recorded): per
    event rule, the points of the window (that day and the window_days - 1 days before),
    limited by the rule's cap, then summed; plus the points of each attribute rule recorded
    on or before that day (int_lead_attribute_points: attributes do not age out). -#}
{%- set window = scoring().window_days -%}

with

points as {{ inlined() }} (

    select * from {{ ref('int_lead_rule_points_daily') }}
    where rule_name is not null

),

attribute_points as {{ inlined() }} (

    select * from {{ ref('int_lead_attribute_points') }}

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

    select distinct
        lead_id,
        day_number
    from attribute_points

    union

    select
        profiled.lead_id,
        {{ day_number('profiled.profiled_date') }} as day_number
    from profiled
    inner join (
        select lead_id from points
        union
        select lead_id from attribute_points
    ) as active
        on profiled.lead_id = active.lead_id

),

-- per rule, the points and events of the window ending on each score day: a lead's rule
-- days in it, joined by range (a rule with none in the window adds nothing, as its capped
-- total 0 would). Cheaper than a window function over every day of every rule of the lead.
windowed as (

    select
        score_days.lead_id,
        score_days.day_number,
        rule_days.rule_name,
        sum(rule_days.points) as window_points,
        sum(rule_days.events) as window_events
    from score_days
    inner join rule_days
        on
            score_days.lead_id = rule_days.lead_id
            and score_days.day_number >= rule_days.day_number
            and score_days.day_number < rule_days.day_number + {{ window }}
    group by score_days.lead_id, score_days.day_number, rule_days.rule_name

),

event_scores as (

    select
        lead_id,
        day_number,
        sum({{ capped('rule_name', 'window_points') }}) as event_score,
        sum(window_events) as window_events
    from windowed
    group by lead_id, day_number

),

attribute_scores as (

    select
        score_days.lead_id,
        score_days.day_number,
        sum(attribute_points.points) as attribute_score
    from score_days
    inner join attribute_points
        on
            score_days.lead_id = attribute_points.lead_id
            and score_days.day_number >= attribute_points.day_number
    group by score_days.lead_id, score_days.day_number

),

final as (

    select
        score_days.lead_id,
        score_days.day_number,
        cast({{ dbt.dateadd('day', 'score_days.day_number', "cast('2000-01-01' as date)") }} as date) as score_date,
        cast(coalesce(event_scores.event_score, 0) + coalesce(attribute_scores.attribute_score, 0) as {{ dbt.type_int() }})
            as engagement_score,
        coalesce(event_scores.window_events, 0) as window_events
    from score_days
    left join event_scores
        on score_days.lead_id = event_scores.lead_id and score_days.day_number = event_scores.day_number
    left join attribute_scores
        on score_days.lead_id = attribute_scores.lead_id and score_days.day_number = attribute_scores.day_number

)

select * from final
