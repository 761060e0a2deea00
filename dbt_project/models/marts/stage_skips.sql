{#- Records of a later stage for a lead that had not met an earlier tier's criteria, and
    allowed skips. A lead may skip a tier only when it meets that tier's criteria too (an
    acceptance on the day of a hand-raise, before the signal's time: counted). Everything
    else is flagged here and not counted: an acceptance of a lead that was not an MQL (or
    not yet profiled, even on the day it was), a decision dated before the lead was first
    captured, an
    opportunity for a lead never accepted or whose qualification criteria are not confirmed,
    an opportunity with no amount or close date, and records that match no lead. -#}

with

leads as {{ inlined() }} (

    select * from {{ ref('int_leads_engaged') }}

),

cycles as {{ inlined() }} (

    select * from {{ ref('int_lead_cycles') }}

),

decisions as {{ inlined() }} (

    select * from {{ ref('int_sales_decisions_ranked') }}

),

opportunities as {{ inlined() }} (

    select * from {{ ref('int_opportunities_attributed') }}

),

criteria as {{ inlined() }} (

    select * from {{ ref('int_lead_criteria') }}

),

allowed as (

    select
        lead_id,
        cycle,
        'sales_decision' as record_type,
        decision_record_id as record_id,
        sal_at as recorded_at,
        'sal' as to_tier,
        'mql' as skipped_tier,
        true as meets_criteria,
        true as is_counted,
        'accepted on the day the MQL criteria were met ('
        || case when mql_reason = 'hand_raise' then 'hand-raise' else 'engagement score' end
        || ' at ' || cast(mql_at as {{ dbt.type_string() }}) || '), before the signal was recorded' as detail
    from cycles
    where sal_at is not null and sal_at < mql_at

),

unused_decisions as (

    -- acceptances that made no SAL, and any decision dated before the lead's first capture
    select
        decisions.lead_id,
        decisions.decision_record_id,
        decisions.decided_at,
        decisions.decision,
        decisions.has_lead
    from decisions
    left join cycles
        on decisions.decision_record_id = cycles.decision_record_id
    left join leads
        on decisions.lead_id = leads.lead_id
    where
        cycles.decision_record_id is null
        and (decisions.decision = 'accepted' or decisions.decided_at < leads.name_at)

),

flagged_acceptances as (

    select
        case when unused.has_lead then unused.lead_id end as lead_id,
        coalesce(max(cycles.cycle), 1) as cycle,
        'sales_decision' as record_type,
        unused.decision_record_id as record_id,
        unused.decided_at as recorded_at,
        case when unused.decision = 'accepted' then 'sal' else 'disqualified' end as to_tier,
        case when unused.decided_at < min(leads.name_at) then 'name' else 'mql' end as skipped_tier,
        false as meets_criteria,
        false as is_counted,
        case
            when not unused.has_lead then unused.decision || ', but no lead was captured with this e-mail address'
            when unused.decided_at < min(leads.name_at)
                then
                    unused.decision || ' before the lead was first captured ('
                    || cast(min(leads.name_at) as {{ dbt.type_string() }}) || ')'
            when min(leads.tier) = 'disqualified' then 'accepted, but the lead is disqualified: ' || min(leads.tier_reason)
            when min(leads.tier) = 'name' then 'accepted, but the lead is not profiled: ' || min(leads.tier_reason)
            when not bool_or(leads.can_contact) then 'accepted, but the lead may not be contacted: ' || min(leads.mql_blocked_reason)
            when unused.decided_at < min(leads.profiled_at)
                then
                    'accepted before the lead was profiled ('
                    || cast(min(leads.profiled_at) as {{ dbt.type_string() }}) || ')'
            else 'accepted, but the lead was not an MQL on that day'
        end as detail
    from unused_decisions as unused
    left join leads
        on unused.lead_id = leads.lead_id
    left join cycles
        on
            unused.lead_id = cycles.lead_id
            and unused.decided_at >= cycles.started_at
    group by unused.lead_id, unused.has_lead, unused.decision_record_id, unused.decided_at, unused.decision

),

sql_opportunities as (

    select opportunities.opportunity_id
    from opportunities
    inner join cycles
        on opportunities.lead_id = cycles.lead_id
    where
        cycles.sql_at is not null
        and opportunities.is_qualifying
        and (cycles.opportunities_from is null or opportunities.created_at >= cycles.opportunities_from)
        and opportunities.created_at < cycles.opportunities_until

),

flagged_opportunities as (

    select
        opportunities.lead_id,
        coalesce(max(cycles.cycle), 1) as cycle,
        'opportunity' as record_type,
        opportunities.opportunity_id as record_id,
        opportunities.created_at as recorded_at,
        'sql' as to_tier,
        case
            when opportunities.lead_id is null then 'name'
            when max(cycles.sal_at) is null then 'sal'
            else 'sql'
        end as skipped_tier,
        false as meets_criteria,
        false as is_counted,
        case
            when opportunities.lead_id is null
                then 'no lead matches the opportunity''s contact e-mail or account domain'
            when max(cycles.sal_at) is null then 'opportunity for a lead sales never accepted'
            when coalesce(max(opportunities.amount), 0) <= 0 then 'opportunity without an amount'
            when max(opportunities.expected_close_date) is null then 'opportunity without an expected close date'
            when max(criteria.lead_id) is null then 'no discovery-call answers for the lead'
            when max(criteria.missing_criteria) <> ''
                then max(criteria.framework) || ' criteria not confirmed: ' || max(criteria.missing_criteria)
            else 'opportunity created outside the cycle in which sales accepted the lead'
        end as detail
    from opportunities
    left join sql_opportunities
        on opportunities.opportunity_id = sql_opportunities.opportunity_id
    left join cycles
        on
            opportunities.lead_id = cycles.lead_id
            and opportunities.created_at >= cycles.started_at
    left join criteria
        on opportunities.lead_id = criteria.lead_id
    where sql_opportunities.opportunity_id is null
    group by opportunities.lead_id, opportunities.opportunity_id, opportunities.created_at

),

unioned as (

    select * from allowed
    union all
    select * from flagged_acceptances
    union all
    select * from flagged_opportunities

),

final as (

    select
        {{ dbt.hash(dbt.concat(["record_type", "'#'", "record_id"])) }} as skip_id,
        lead_id,
        cast(cycle as {{ dbt.type_int() }}) as cycle,
        record_type,
        record_id,
        recorded_at,
        to_tier,
        skipped_tier,
        meets_criteria,
        is_counted,
        detail
    from unioned

)

select * from final
