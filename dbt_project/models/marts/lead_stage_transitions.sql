{#- The history of every lead: one row per tier change, derived from source facts
    (captures, firmographics, events, sales decisions, answers, opportunities), so a
    rebuild from raw data gives the same history. from_tier is the tier before the change. -#}

with

leads as {{ inlined() }} (

    select * from {{ ref('int_leads_engaged') }}

),

cycles as {{ inlined() }} (

    select * from {{ ref('int_lead_cycles') }}

),

opportunities as {{ inlined() }} (

    select * from {{ ref('int_opportunities_attributed') }}

),

criteria as {{ inlined() }} (

    select * from {{ ref('int_lead_criteria') }}

),

changes as (

    select
        lead_id,
        1 as cycle,
        1 as step,
        'name' as to_tier,
        name_at as changed_at,
        'captured' || coalesce(': ' || first_touch_source_detail, '') as reason
    from leads

    union all

    -- profiling is a change of tier only while the lead is a name: a lead that sales
    -- disqualified before its firmographics were known stays where sales put it
    select
        leads.lead_id,
        1 as cycle,
        2 as step,
        'profiled' as to_tier,
        leads.profiled_at as changed_at,
        leads.fit_reason as reason
    from leads
    inner join cycles
        on leads.lead_id = cycles.lead_id and cycles.cycle = 1
    where
        leads.profiled_at is not null
        and (cycles.disqualified_at is null or leads.profiled_at <= cycles.disqualified_at)

    union all

    select
        lead_id,
        1 as cycle,
        2 as step,
        'disqualified' as to_tier,
        disqualified_at as changed_at,
        tier_reason as reason
    from leads
    where tier = 'disqualified'

    union all

    select
        lead_id,
        cycle,
        3 as step,
        'mql' as to_tier,
        mql_at as changed_at,
        case
            when mql_reason = 'hand_raise' then 'hand-raise: ' || mql_signal_detail
            else 'engagement score ' || cast(score_at_mql as {{ dbt.type_string() }}) || ' reached the MQL threshold'
        end
        || case when cycle > 1 then ' (recycled from nurture)' else '' end as reason
    from cycles
    where mql_at is not null and (sal_at is null or sal_at >= mql_at)

    union all

    select
        lead_id,
        cycle,
        4 as step,
        'sal' as to_tier,
        sal_at as changed_at,
        'accepted by sales' || coalesce(' (' || sales_rep || ')', '')
        || case when sal_at < mql_at then '; MQL skipped: its criteria were met the same day' else '' end as reason
    from cycles
    where sal_at is not null

    union all

    select
        lead_id,
        cycle,
        4 as step,
        'disqualified' as to_tier,
        disqualified_at as changed_at,
        'rejected by sales: ' || disqualification_reason || coalesce(' (' || sales_rep || ')', '') as reason
    from cycles
    where disqualified_at is not null

    union all

    select
        lead_id,
        cycle,
        5 as step,
        'nurture' as to_tier,
        nurture_at as changed_at,
        nurture_reason || '; may re-enter from ' || cast(cast(recycle_after as date) as {{ dbt.type_string() }}) as reason
    from cycles
    where nurture_at is not null

    union all

    select
        cycles.lead_id,
        cycles.cycle,
        6 as step,
        'sql' as to_tier,
        cycles.sql_at as changed_at,
        'opportunity ' || cycles.sql_opportunity_id
        -- the amount as decimal(18, 2): the same text on every engine (a double prints 50000.0 on some)
        || ' (' || cast(cast(opportunities.amount as decimal(18, 2)) as {{ dbt.type_string() }})
        || ' ' || coalesce(opportunities.currency, '?')
        || ', close ' || cast(opportunities.expected_close_date as {{ dbt.type_string() }}) || '); '
        || criteria.framework || ' criteria confirmed: ' || criteria.confirmed_criteria as reason
    from cycles
    inner join opportunities
        on cycles.sql_opportunity_id = opportunities.opportunity_id
    inner join criteria
        on cycles.lead_id = criteria.lead_id
    where cycles.sql_at is not null

),

ordered as (

    select
        *,
        row_number() over (partition by lead_id order by changed_at, cycle, step, to_tier) as sequence_number
    from changes

),

final as (

    select
        {{ dbt.hash(dbt.concat(["lead_id", "'#'", "cast(sequence_number as " ~ dbt.type_string() ~ ")"])) }}
            as transition_id,
        lead_id,
        cast(sequence_number as {{ dbt.type_int() }}) as sequence_number,
        cast(cycle as {{ dbt.type_int() }}) as cycle,
        lag(to_tier) over (partition by lead_id order by sequence_number) as from_tier,
        to_tier,
        changed_at,
        reason
    from ordered

)

select * from final
