{#- Engagement and the MQL tier. A lead becomes an MQL when it is profiled, has consent to
    be contacted, and either its engagement score reaches the threshold or it raises its
    hand (demo / pricing / contact-sales request). mql_at is the first moment both held,
    from event timestamps: a later drop in score does not undo it. -#}
{%- set scoring_config = scoring() -%}
{%- set window = scoring_config.window_days -%}
{%- set threshold = scoring_config.mql_threshold -%}

with

leads as {{ inlined() }} (

    select * from {{ ref('int_leads_profiled') }}

),

points as {{ inlined() }} (

    select * from {{ ref('int_lead_rule_points_daily') }}

),

scores as {{ inlined() }} (

    select * from {{ ref('int_lead_scores_daily') }}

),

breakdown as {{ inlined() }} (

    select * from {{ ref('int_lead_score_breakdown') }}

),

attribute_points as {{ inlined() }} (

    select * from {{ ref('int_lead_attribute_points') }}

),

current_score as (

    select
        lead_id,
        sum(points) as engagement_score,
        {{ dbt.listagg(
            "case when points >= 0 then '+' else '' end || cast(points as " ~ dbt.type_string() ~ ") || ' ' || rule_name"
            ~ " || case when rule_kind = 'attribute' then ' = ' || attribute_value || ' (since '"
            ~ " else case when events > 1 then ' x' || cast(events as " ~ dbt.type_string() ~ ") else '' end || ' (last ' end"
            ~ " || cast(cast(last_occurred_at as date) as " ~ dbt.type_string() ~ ") || ')'",
            "'; '",
            "order by abs(points) desc, rule_name",
        ) }} as engagement_breakdown
    from breakdown
    where points <> 0
    group by lead_id

),

activity as (

    select
        lead_id,
        min(case when event_type = 'email_unsubscribe' then first_occurred_at end) as unsubscribed_at,
        max(last_occurred_at) as last_activity_at,
        sum(events) as event_count,
        sum(stitched_events) as stitched_event_count
    from points
    group by lead_id

),

hand_raises as (

    select
        points.lead_id,
        min(points.first_occurred_at) as hand_raised_at
    from points
    inner join leads
        on points.lead_id = leads.lead_id
    where
        {{ in_list('points.event_type', scoring_config.hand_raise) }}
        and leads.profiled_at is not null
        and points.last_occurred_at >= {{ dbt.dateadd('day', -window, 'leads.profiled_at') }}
    group by points.lead_id

),

score_crossings as (

    select
        scores.lead_id,
        min(scores.day_number) as mql_day
    from scores
    inner join leads
        on scores.lead_id = leads.lead_id
    where
        leads.profiled_at is not null
        and scores.engagement_score >= {{ threshold }}
        and scores.day_number >= {{ day_number('cast(leads.profiled_at as date)') }}
    group by scores.lead_id

),

crossing_times as (

    select
        score_crossings.lead_id,
        score_crossings.mql_day,
        max(points.last_occurred_at) as last_event_at,
        max(attribute_points.known_at) as last_attribute_at
    from score_crossings
    -- the day's last scored activity (the score can also rise on a day whose only activity
    -- scores nothing or less, when negative points leave the window)
    left join points
        on
            score_crossings.lead_id = points.lead_id
            and score_crossings.mql_day = points.day_number
            and points.rule_name is not null
    -- attribute points first recorded on that day: the score rose at that capture
    left join attribute_points
        on
            score_crossings.lead_id = attribute_points.lead_id
            and score_crossings.mql_day = attribute_points.day_number
    group by score_crossings.lead_id, score_crossings.mql_day

),

combined as (

    select
        leads.*,
        coalesce(current_score.engagement_score, 0) as engagement_score,
        coalesce(current_score.engagement_breakdown, '') as engagement_breakdown,
        activity.unsubscribed_at,
        activity.last_activity_at,
        coalesce(activity.event_count, 0) as event_count,
        coalesce(activity.stitched_event_count, 0) as stitched_event_count,
        case
            when hand_raises.hand_raised_at is not null
                then greatest(leads.profiled_at, hand_raises.hand_raised_at)
        end as hand_raise_mql_at,
        case
            when crossing_times.mql_day is not null
                then greatest(
                    leads.profiled_at,
                    coalesce(crossing_times.last_event_at, leads.profiled_at),
                    coalesce(crossing_times.last_attribute_at, leads.profiled_at)
                )
        end as score_mql_at,
        case
            when activity.unsubscribed_at is not null then false
            when leads.has_consent is null then {{ 'false' if scoring_config.consent.require_explicit else 'true' }}
            else leads.has_consent
        end as can_contact
    from leads
    left join current_score on leads.lead_id = current_score.lead_id
    left join activity on leads.lead_id = activity.lead_id
    left join hand_raises on leads.lead_id = hand_raises.lead_id
    left join crossing_times on leads.lead_id = crossing_times.lead_id

),

qualified as (

    select
        combined.*,
        case
            when hand_raise_mql_at is null then score_mql_at
            when score_mql_at is null then hand_raise_mql_at
            when hand_raise_mql_at <= score_mql_at then hand_raise_mql_at
            else score_mql_at
        end as mql_criteria_at
    from combined

),

final as (

    select
        qualified.*,
        case
            when qualified.tier = 'profiled' and qualified.mql_criteria_at is not null and qualified.can_contact
                then qualified.mql_criteria_at
        end as mql_at,
        case
            when qualified.mql_criteria_at is null then null
            when qualified.hand_raise_mql_at = qualified.mql_criteria_at then 'hand_raise'
            else 'score'
        end as mql_reason,
        case
            when qualified.tier = 'disqualified'
                then 'disqualified' || coalesce(': ' || qualified.disqualification_reason, '')
            when qualified.tier <> 'profiled'
                then 'not profiled' || coalesce(': ' || qualified.tier_reason, '')
            when qualified.mql_criteria_at is null
                then
                    'engagement score ' || cast(qualified.engagement_score as {{ dbt.type_string() }})
                    || ' of {{ threshold }} needed, and no hand-raise'
            when qualified.can_contact then null
            when qualified.unsubscribed_at is not null
                then 'unsubscribed on ' || cast(cast(qualified.unsubscribed_at as date) as {{ dbt.type_string() }})
            when qualified.has_consent is null then 'never gave consent to be contacted'
            else 'opted out of being contacted'
        end as mql_blocked_reason,
        coalesce(scores.engagement_score, 0) as score_at_mql
    from qualified
    left join scores
        on
            qualified.lead_id = scores.lead_id
            and scores.day_number = {{ day_number('cast(qualified.mql_criteria_at as date)') }}

)

select * from final
