{#- The historical chance to end in a won opportunity, per forecast group: for the lead
    tiers mql and sal, the share of decided leads that entered the tier and won (decided:
    won, disqualified, nurtured, or every SQL opportunity closed); for open opportunities,
    the share of closed opportunities that reached the stage and were won. -#}

with

entries as {{ inlined() }} (

    select * from {{ ref('funnel_tier_entries') }}

),

leads as {{ inlined() }} (

    select * from {{ ref('leads') }}

),

opportunities as {{ inlined() }} (

    select * from {{ ref('sql_opportunities') }}

),

snapshots as (

    select * from {{ ref('stg_raw__opportunities') }}

),

lead_outcomes as (

    select
        leads.lead_id,
        max(case when opportunities.is_won then 1 else 0 end) as is_won,
        max(case when opportunities.opportunity_id is not null and not opportunities.is_closed then 1 else 0 end)
            as has_open_opportunity,
        max(leads.tier) as tier
    from leads
    left join opportunities
        on leads.lead_id = opportunities.lead_id
    group by leads.lead_id

),

decided as (

    select
        lead_id,
        is_won
    from lead_outcomes
    where
        is_won = 1
        or tier in ('disqualified', 'nurture')
        or (tier = 'sql' and has_open_opportunity = 0)

),

lead_groups as (

    select
        entries.tier as forecast_group,
        entries.tier_order as group_order,
        count(*) as decided_count,
        sum(decided.is_won) as won_count
    from entries
    inner join decided
        on entries.lead_id = decided.lead_id
    where entries.tier in ('mql', 'sal')
    group by entries.tier, entries.tier_order

),

stages_reached as (

    select
        opportunities.opportunity_id,
        opportunities.is_won,
        {{ reached_negotiation('snapshots.stage') }} as reached_negotiation
    from opportunities
    inner join snapshots
        on opportunities.opportunity_id = snapshots.opportunity_id
    where opportunities.is_closed
    group by opportunities.opportunity_id, opportunities.is_won

),

stage_groups as (

    select
        'sql: proposal' as forecast_group,
        10 as group_order,
        count(*) as decided_count,
        sum(case when is_won then 1 else 0 end) as won_count
    from stages_reached

    union all

    select
        'sql: negotiation' as forecast_group,
        11 as group_order,
        count(*) as decided_count,
        sum(case when is_won then 1 else 0 end) as won_count
    from stages_reached
    where reached_negotiation = 1

),

unioned as (

    select * from lead_groups
    union all
    select * from stage_groups

),

final as (

    select
        forecast_group,
        cast(group_order as {{ dbt.type_int() }}) as group_order,
        cast(decided_count as {{ dbt.type_bigint() }}) as decided_count,
        cast(coalesce(won_count, 0) as {{ dbt.type_bigint() }}) as won_count,
        case
            when decided_count > 0 then cast(coalesce(won_count, 0) as {{ type_double() }}) / decided_count
        end as win_probability
    from unioned

)

select * from final
