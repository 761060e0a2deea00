-- The SQL these macros return is laid out by Jinja, not SQLFluff.
-- noqa: disable=LT02
{#- The sales hand-off, one cycle per model: int_lead_cycle_<k> is `{{ lead_cycle(k) }}` and
    reads the cycle before it (int_lead_cycle_<k-1>); int_lead_cycles is their union. Each
    cycle is a table of its own so that no engine has to plan the whole chain at once (Spark
    inlines CTEs: a chain of cycles in one query grows its plan with every cycle). -#}

{#- How many cycle models the project has (int_lead_cycle_1 ... int_lead_cycle_6):
    recycle.max_cycles in config/qualification.yml may not exceed it (flows/config.py checks
    it as well, with the same number). To allow more cycles, add int_lead_cycle_7.sql ... and
    raise this number and flows.config.MAX_CYCLES_CAP. -#}
{% macro lead_cycle_cap() -%}
    {{ return(6) }}
{%- endmacro %}

{#- recycle.max_cycles, checked against the number of cycle models. -#}
{% macro lead_max_cycles() -%}
    {%- set max_cycles = qualification().recycle.max_cycles -%}
    {%- if max_cycles > lead_cycle_cap() -%}
        {{ exceptions.raise_compiler_error(
            "recycle.max_cycles is " ~ max_cycles ~ " (config/qualification.yml): at most "
            ~ lead_cycle_cap() ~ ", one model per cycle (int_lead_cycle_1 ... int_lead_cycle_"
            ~ lead_cycle_cap() ~ ")") }}
    {%- endif -%}
    {{ return(max_cycles) }}
{%- endmacro %}

{#- Cycle k of every lead (one row per lead that reached it). A cycle starts when the lead is
    first captured (cycle 1) or, after nurture, at its first MQL signal once recycle_after
    of the cycle before has passed. Within a cycle:
    - mql_at: the first MQL signal of the cycle (int_lead_mql_signals);
    - the cycle's sales decision: the first rejection dated in the cycle (not before the
      lead's first capture), or the first acceptance dated on or after the MQL day and not
      before the lead was profiled (a same-day acceptance before the signal is an allowed
      skip of the MQL tier only: the MQL day can be the day the lead was profiled, and an
      acceptance before that moment found a name, not a profiled lead); an acceptance with
      no MQL that day, or before profiling, is not counted (marts.stage_skips flags it);
    - sal_at: the acceptance; disqualified_at: the rejection (an MQL rejected before its
      signal is not an MQL in that cycle);
    - sql_at: for an SAL, the moment the last of acceptance, the framework's required
      criteria and a qualifying opportunity (amount > 0, expected close date) became true;
    - nurture_at: a rejection for a recyclable reason of a lead that may be contacted
      (nurture is outreach; without consent the lead stays disqualified), or a stall (no
      decision for an MQL, no SQL for an SAL) longer than stall_after_days, counted up to the
      latest fact; recycle_after = nurture_at + recycle.after_days.
    Facts after the moment the cycle could have been recycled belong to the next cycle.
    A cycle beyond recycle.max_cycles has no rows (same columns and types). -#}
{% macro lead_cycle(k) -%}
{%- set q = qualification() -%}
{%- set max_cycles = lead_max_cycles() -%}
{%- if k < 1 or k > lead_cycle_cap() -%}
    {{ exceptions.raise_compiler_error("lead_cycle(" ~ k ~ "): cycles are 1 to " ~ lead_cycle_cap()) }}
{%- endif -%}
{%- set stall_mql = q.stall_after_days.mql -%}
{%- set stall_sal = q.stall_after_days.sal -%}
{%- set after = q.recycle.after_days -%}
{#- a rejection dated before the cycle's first signal: the lead was no MQL in that cycle -#}
{%- set rejected_first = "decisions.decision = 'rejected' and decisions.decided_at < mql.mql_at" -%}
{%- set mql_stalled = "mql_at is not null and decision_record_id is null and as_of_at >= "
    ~ dbt.dateadd('day', stall_mql, 'mql_at') -%}
{%- set sal_stalled = "sal_at is not null and sql_at is null and as_of_at >= "
    ~ dbt.dateadd('day', stall_sal, 'sal_at') -%}
with

leads as (

    select
        lead_id,
        tier as icp_tier,
        name_at,
        profiled_at,
        coalesce(can_contact, false) as can_contact
    from {{ ref('int_leads_engaged') }}

),

signals as (

    select * from {{ ref('int_lead_mql_signals') }}

),

decisions as (

    select * from {{ ref('int_sales_decisions_ranked') }}
    where has_lead

),

opportunities as (

    select * from {{ ref('int_opportunities_attributed') }}
    where lead_id is not null and is_qualifying

),

criteria as (

    select * from {{ ref('int_lead_criteria') }}

),
{%- if k == 1 %}

clock as (

    -- the latest fact in the warehouse: stalls are counted up to it, so a rebuild from the
    -- same data gives the same history
    select
        greatest(
            (select max(captured_at) from {{ ref('stg_raw__contacts') }}),
            (select max(occurred_at) from {{ ref('int_events_scored') }}),
            (select max(decided_at) from decisions),
            (select max(updated_at) from {{ ref('stg_raw__opportunities') }}),
            (select max(answered_at) from {{ ref('stg_raw__qualification_answers') }})
        ) as as_of_at

),

starts as (

    select
        leads.lead_id,
        leads.icp_tier,
        leads.name_at as started_at,
        cast(null as {{ dbt.type_timestamp() }}) as signals_from
    from leads

),
{%- else %}

previous_cycle as (

    select * from {{ ref('int_lead_cycle_' ~ (k - 1)) }}

),

clock as (

    -- the clock of cycle 1, carried by every cycle
    select max(as_of_at) as as_of_at from previous_cycle

),

starts as (

    select
        lead_id,
        icp_tier,
        recycle_after as started_at,
        recycle_after as signals_from
    from previous_cycle
    where
        recycle_after is not null
        {%- if k > max_cycles %}
        -- beyond recycle.max_cycles ({{ max_cycles }}): no rows
        and 1 = 0
        {%- endif %}

),
{%- endif %}

first_signal as (

    select
        starts.lead_id,
        min(signals.signal_at) as mql_at
    from starts
    inner join signals
        on starts.lead_id = signals.lead_id
    {%- if k > 1 %}
    where signals.signal_at >= starts.signals_from
    {%- endif %}
    group by starts.lead_id

),

mql as (

    select
        starts.lead_id,
        starts.icp_tier,
        {%- if k == 1 %}
        starts.started_at,
        {%- else %}
        first_signal.mql_at as started_at,
        {%- endif %}
        first_signal.mql_at,
        case
            when min(case when signals.signal_type = 'hand_raise' then 0 else 1 end) = 0 then 'hand_raise'
            when first_signal.mql_at is not null then 'score'
        end as mql_reason,
        min(signals.signal_detail) as mql_signal_detail,
        max(signals.engagement_score) as score_at_mql
    from starts
    {{ 'left' if k == 1 else 'inner' }} join first_signal
        on starts.lead_id = first_signal.lead_id
    left join signals
        on
            first_signal.lead_id = signals.lead_id
            and first_signal.mql_at = signals.signal_at
    group by starts.lead_id, starts.icp_tier, starts.started_at, first_signal.mql_at

),

chosen_decision as (

    select
        mql.lead_id,
        min(decisions.decision_rank) as decision_rank
    from mql
    inner join leads
        on mql.lead_id = leads.lead_id
    inner join decisions
        on mql.lead_id = decisions.lead_id
    where
        mql.icp_tier <> 'disqualified'
        -- cycle 1 starts at the first capture: a decision dated before it is flagged in
        -- marts.stage_skips, not applied
        and decisions.decided_at >= mql.started_at
        and (
            decisions.decision = 'rejected'
            or (
                mql.mql_at is not null
                and cast(decisions.decided_at as date) >= cast(mql.mql_at as date)
                -- the same-day skip covers the MQL signal only: an acceptance before the
                -- lead was profiled is no SAL, even on the day it was profiled
                and decisions.decided_at >= leads.profiled_at
            )
        )
        -- a decision after the MQL could have stalled and been recycled belongs to a later cycle
        and (
            mql.mql_at is null
            or decisions.decided_at < {{ dbt.dateadd('day', stall_mql + after, 'mql.mql_at') }}
        )
    group by mql.lead_id

),

decided as (

    select
        mql.lead_id,
        mql.icp_tier,
        mql.started_at,
        case when {{ rejected_first }} then null else mql.mql_at end as mql_at,
        case when {{ rejected_first }} then null else mql.mql_reason end as mql_reason,
        case when {{ rejected_first }} then null else mql.mql_signal_detail end as mql_signal_detail,
        case when {{ rejected_first }} then null else mql.score_at_mql end as score_at_mql,
        decisions.decision_record_id,
        decisions.decision,
        decisions.decided_at,
        decisions.rep as sales_rep,
        decisions.first_contacted_at,
        case when decisions.decision = 'accepted' then decisions.decided_at end as sal_at,
        case when decisions.decision = 'rejected' then decisions.decided_at end as disqualified_at,
        case when decisions.decision = 'rejected' then decisions.reason end as disqualification_reason
    from mql
    left join chosen_decision as chosen
        on mql.lead_id = chosen.lead_id
    left join decisions
        on
            chosen.lead_id = decisions.lead_id
            and chosen.decision_rank = decisions.decision_rank

),

chosen_opportunity as (

    select
        decided.lead_id,
        min(opportunities.opportunity_rank) as opportunity_rank
    from decided
    inner join opportunities
        on decided.lead_id = opportunities.lead_id
    where
        decided.sal_at is not null
        {%- if k > 1 %}
        and opportunities.created_at >= decided.started_at
        {%- endif %}
        and opportunities.created_at < {{ dbt.dateadd('day', stall_sal + after, 'decided.sal_at') }}
    group by decided.lead_id

),

qualified as (

    select
        decided.*,
        {{ k }} as cycle,
        opportunities.opportunity_id as sql_opportunity_id,
        {%- if k > 1 %}
        decided.started_at as opportunities_from,
        {%- else %}
        cast(null as {{ dbt.type_timestamp() }}) as opportunities_from,
        {%- endif %}
        case
            when decided.sal_at is not null then {{ dbt.dateadd('day', stall_sal + after, 'decided.sal_at') }}
        end as opportunities_until,
        case
            when opportunities.opportunity_id is not null and criteria.criteria_confirmed_at is not null
                then greatest(decided.sal_at, opportunities.created_at, criteria.criteria_confirmed_at)
        end as sql_at,
        -- nurture is an outreach tier: a lead that may not be contacted stays disqualified
        case
            when decided.disqualification_reason is not null and contactable.can_contact
                then {{ in_list('decided.disqualification_reason', q.recycle.reasons) }}
            else false
        end as is_recyclable_rejection,
        clock.as_of_at
    from decided
    cross join clock
    inner join leads as contactable
        on decided.lead_id = contactable.lead_id
    left join chosen_opportunity as chosen
        on decided.lead_id = chosen.lead_id
    left join opportunities
        on
            chosen.lead_id = opportunities.lead_id
            and chosen.opportunity_rank = opportunities.opportunity_rank
    left join criteria
        on decided.lead_id = criteria.lead_id

),

nurtured as (

    select
        *,
        case
            when is_recyclable_rejection then disqualified_at
            when {{ mql_stalled }} then {{ dbt.dateadd('day', stall_mql, 'mql_at') }}
            when {{ sal_stalled }} then {{ dbt.dateadd('day', stall_sal, 'sal_at') }}
        end as nurture_at,
        case
            when is_recyclable_rejection then 'rejected by sales: ' || disqualification_reason
            when {{ mql_stalled }} then 'stalled: no sales decision within {{ stall_mql }} days of MQL'
            when {{ sal_stalled }}
                then 'stalled: no qualified opportunity within {{ stall_sal }} days of acceptance'
        end as nurture_reason
    from qualified

),

final as (

    select
        *,
        case when nurture_at is not null then {{ dbt.dateadd('day', after, 'nurture_at') }} end as recycle_after
    from nurtured

)

select * from final
{%- endmacro %}
