{#- Every moment at which a lead met the MQL criteria: profiled, may be contacted, and a
    hand-raise or an engagement score at or over the threshold. The first signal of a cycle
    makes the lead an MQL (int_lead_cycles); the first of all is marts.leads' first mql_at. -#}
{%- set scoring_config = scoring() -%}
{%- set window = scoring_config.window_days -%}

with

leads as (

    select
        lead_id,
        profiled_at
    from {{ ref('int_leads_engaged') }}
    where tier = 'profiled' and can_contact

),

points as {{ inlined() }} (

    select * from {{ ref('int_lead_rule_points_daily') }}

),

scores as {{ inlined() }} (

    select * from {{ ref('int_lead_scores_daily') }}
    where engagement_score >= {{ scoring_config.mql_threshold }}

),

hand_raises as (

    select
        points.lead_id,
        case
            when points.first_occurred_at > leads.profiled_at then points.first_occurred_at
            else leads.profiled_at
        end as signal_at,
        'hand_raise' as signal_type,
        points.event_type as signal_detail,
        cast(null as {{ dbt.type_int() }}) as engagement_score
    from points
    inner join leads
        on points.lead_id = leads.lead_id
    where
        {{ in_list('points.event_type', scoring_config.hand_raise) }}
        and points.last_occurred_at >= {{ dbt.dateadd('day', -window, 'leads.profiled_at') }}

),

score_days as (

    select
        scores.lead_id,
        scores.day_number,
        scores.engagement_score,
        leads.profiled_at,
        -- the day's last scored activity (the score can also rise on a day whose only
        -- activity scores nothing or less, when negative points leave the window)
        max(points.last_occurred_at) as last_event_at
    from scores
    inner join leads
        on scores.lead_id = leads.lead_id
    left join points
        on
            scores.lead_id = points.lead_id
            and scores.day_number = points.day_number
            and points.rule_name is not null
    where scores.day_number >= {{ day_number('cast(leads.profiled_at as date)') }}
    group by scores.lead_id, scores.day_number, scores.engagement_score, leads.profiled_at

),

score_signals as (

    select
        lead_id,
        case
            when last_event_at > profiled_at then last_event_at
            else profiled_at
        end as signal_at,
        'score' as signal_type,
        cast(null as {{ dbt.type_string() }}) as signal_detail,
        cast(engagement_score as {{ dbt.type_int() }}) as engagement_score
    from score_days

),

final as (

    select * from hand_raises
    union all
    select * from score_signals

)

select * from final
