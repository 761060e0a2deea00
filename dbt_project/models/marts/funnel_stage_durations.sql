{#- Days spent in each tier by leads that moved on from it (the time to their next tier
    change): median, p90, mean and count, by monthly cohort of entry and over all time. A stay
    in mql or sal that ended in nurture timed out at the stall limit (config/qualification.yml):
    it is counted in stalled_stays, not in the durations, or the stall limit would become the
    tier's p90 and funnel_bottlenecks could never flag a lead waiting for sales. -#}

with

transitions as {{ inlined() }} (

    select * from {{ ref('lead_stage_transitions') }}

),

stays as (

    select
        to_tier as tier,
        cast({{ dbt.date_trunc('month', 'changed_at') }} as date) as cohort_month,
        {{ dbt.datediff(
            'changed_at',
            'lead(changed_at) over (partition by lead_id order by sequence_number)',
            'minute') }} / 1440.0 as days,
        to_tier in ('mql', 'sal')
        and lead(to_tier) over (partition by lead_id order by sequence_number) = 'nurture' as is_stalled
    from transitions

),

completed as (

    select * from stays
    where days is not null

),

grouped as (

    select
        tier,
        cohort_month,
        count(case when not is_stalled then 1 end) as stays,
        count(case when is_stalled then 1 end) as stalled_stays,
        {{ percentile('case when not is_stalled then days end', 0.5) }} as median_days,
        {{ percentile('case when not is_stalled then days end', 0.9) }} as p90_days,
        avg(case when not is_stalled then days end) as mean_days
    from completed
    group by tier, cohort_month

    union all

    select
        tier,
        cast(null as date) as cohort_month,
        count(case when not is_stalled then 1 end) as stays,
        count(case when is_stalled then 1 end) as stalled_stays,
        {{ percentile('case when not is_stalled then days end', 0.5) }} as median_days,
        {{ percentile('case when not is_stalled then days end', 0.9) }} as p90_days,
        avg(case when not is_stalled then days end) as mean_days
    from completed
    group by tier

),

final as (

    select
        tier,
        cohort_month,
        cast(stays as {{ dbt.type_bigint() }}) as stays,
        cast(stalled_stays as {{ dbt.type_bigint() }}) as stalled_stays,
        cast(median_days as {{ type_double() }}) as median_days,
        cast(p90_days as {{ type_double() }}) as p90_days,
        cast(mean_days as {{ type_double() }}) as mean_days
    from grouped

)

select * from final
