{#- When each lead first entered each tier of the ladder (any cycle), and when it first won
    an opportunity: the facts the funnel metrics count. tier_order ranks the ladder
    (name 1 ... sql 5, won 6). -#}

with

transitions as {{ inlined() }} (

    select * from {{ ref('lead_stage_transitions') }}

),

opportunities as {{ inlined() }} (

    select * from {{ ref('sql_opportunities') }}

),

ladder as (

    select
        lead_id,
        to_tier as tier,
        min(changed_at) as entered_at
    from transitions
    where to_tier in ('name', 'profiled', 'mql', 'sal', 'sql')
    group by lead_id, to_tier

    union all

    select
        lead_id,
        'won' as tier,
        min(closed_at) as entered_at
    from opportunities
    where is_won and closed_at is not null
    group by lead_id

),

final as (

    select
        lead_id,
        tier,
        case tier
            when 'name' then 1
            when 'profiled' then 2
            when 'mql' then 3
            when 'sal' then 4
            when 'sql' then 5
            when 'won' then 6
        end as tier_order,
        entered_at,
        cast({{ dbt.date_trunc('month', 'entered_at') }} as date) as cohort_month
    from ladder

)

select * from final
