{#- Leads waiting in a ladder tier (name, profiled, mql, sal) longer than that tier's p90 stay
    times bottleneck_p90_multiplier (config/funnel.yml), counted up to the latest fact; the
    oldest first (oldest_rank 1). In the marketing tiers (name, profiled) only leads active
    within bottleneck_active_days of the latest fact count: a lead that went quiet is cold,
    not stuck. -#}
{%- set multiplier = funnel().bottleneck_p90_multiplier -%}
{%- set active_days = funnel().bottleneck_active_days -%}

with

leads as (

    select * from {{ ref('leads') }}
    where tier in ('name', 'profiled', 'mql', 'sal')

),

durations as {{ inlined() }} (

    select * from {{ ref('funnel_stage_durations') }}
    where cohort_month is null

),

clock as (

    select max(as_of_at) as as_of_at from {{ ref('int_lead_cycles') }}

),

waiting as (

    select
        leads.tier,
        leads.lead_id,
        leads.company_name,
        leads.tier_changed_at as entered_tier_at,
        {{ dbt.datediff('leads.tier_changed_at', 'clock.as_of_at', 'minute') }} / 1440.0 as days_in_tier,
        durations.p90_days,
        durations.p90_days * {{ multiplier }} as threshold_days,
        leads.tier in ('mql', 'sal')
        or leads.last_activity_at >= {{ dbt.dateadd('day', -active_days, 'clock.as_of_at') }} as is_active
    from leads
    cross join clock
    inner join durations
        on leads.tier = durations.tier

),

final as (

    select
        tier,
        lead_id,
        company_name,
        entered_tier_at,
        cast(days_in_tier as {{ type_double() }}) as days_in_tier,
        p90_days,
        cast(threshold_days as {{ type_double() }}) as threshold_days,
        cast(row_number() over (partition by tier order by days_in_tier desc, lead_id asc) as {{ dbt.type_bigint() }})
            as oldest_rank
    from waiting
    where days_in_tier > threshold_days and is_active

)

select * from final
