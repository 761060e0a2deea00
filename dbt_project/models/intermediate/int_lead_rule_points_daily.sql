{#- Points per lead, rule and day. Anonymous events count for the lead their visitor id
    later identified as (stitching), so earlier anonymous activity is not lost. -#}

with

events as {{ inlined() }} (

    select * from {{ ref('int_events_scored') }}

),

visitors as {{ inlined() }} (

    select * from {{ ref('int_visitors_identified') }}

),

attributed as (

    select
        coalesce(events.email, visitors.email) as email,
        events.email is null as is_stitched,
        events.rule_name,
        events.event_type,
        events.points,
        events.occurred_at,
        events.occurred_date
    from events
    left join visitors
        on events.visitor_id = visitors.visitor_id

),

final as (

    select
        {{ dbt.hash('email') }} as lead_id,
        email,
        rule_name,
        event_type,
        occurred_date,
        {{ day_number('occurred_date') }} as day_number,
        sum(points) as points,
        count(*) as events,
        sum(case when is_stitched then 1 else 0 end) as stitched_events,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at
    from attributed
    where email is not null
    group by email, rule_name, event_type, occurred_date

)

select * from final
