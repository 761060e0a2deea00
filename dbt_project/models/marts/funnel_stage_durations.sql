{#- Days spent in each tier by leads that left it (the time to their next tier change):
    median, p90, mean and count, by monthly cohort of entry and over all time. -#}

with

transitions as (

    select * from {{ ref('lead_stage_transitions') }}

),

stays as (

    select
        to_tier as tier,
        cast({{ dbt.date_trunc('month', 'changed_at') }} as date) as cohort_month,
        {{ dbt.datediff(
            'changed_at',
            'lead(changed_at) over (partition by lead_id order by sequence_number)',
            'minute') }} / 1440.0 as days
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
        count(*) as stays,
        {{ percentile('days', 0.5) }} as median_days,
        {{ percentile('days', 0.9) }} as p90_days,
        avg(days) as mean_days
    from completed
    group by tier, cohort_month

    union all

    select
        tier,
        cast(null as date) as cohort_month,
        count(*) as stays,
        {{ percentile('days', 0.5) }} as median_days,
        {{ percentile('days', 0.9) }} as p90_days,
        avg(days) as mean_days
    from completed
    group by tier

),

final as (

    select
        tier,
        cohort_month,
        cast(stays as {{ dbt.type_bigint() }}) as stays,
        cast(median_days as {{ type_double() }}) as median_days,
        cast(p90_days as {{ type_double() }}) as p90_days,
        cast(mean_days as {{ type_double() }}) as mean_days
    from grouped

)

select * from final
