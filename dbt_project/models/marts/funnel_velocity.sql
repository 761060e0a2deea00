{#- Speed of the funnel, per currency: days from first capture to SQL and to a won deal,
    and pipeline velocity = open opportunities x win rate x average won amount / average
    sales cycle (days from SQL to a won close), i.e. expected won amount per day. -#}

with

opportunities as {{ inlined() }} (

    select * from {{ ref('sql_opportunities') }}

),

measured as (

    select
        *,
        {{ dbt.datediff('first_captured_at', 'closed_at', 'minute') }} / 1440.0 as days_capture_to_close,
        {{ dbt.datediff('sql_at', 'closed_at', 'minute') }} / 1440.0 as days_sql_to_close
    from opportunities

),

per_currency as (

    select
        currency,
        count(*) as opportunities,
        sum(case when not is_closed then 1 else 0 end) as open_opportunities,
        sum(case when not is_closed then amount else 0 end) as open_amount,
        sum(case when is_closed then 1 else 0 end) as closed,
        sum(case when is_won then 1 else 0 end) as won,
        avg(case when is_won then amount end) as avg_won_amount,
        avg(case when is_won then days_sql_to_close end) as avg_sales_cycle_days,
        {{ percentile('days_capture_to_sql', 0.5) }} as median_days_capture_to_sql,
        avg(days_capture_to_sql) as mean_days_capture_to_sql,
        avg(case when is_won then days_capture_to_close end) as mean_days_capture_to_won
    from measured
    group by currency

),

final as (

    select
        currency,
        cast(opportunities as {{ dbt.type_bigint() }}) as opportunities,
        cast(open_opportunities as {{ dbt.type_bigint() }}) as open_opportunities,
        cast(open_amount as {{ type_double() }}) as open_amount,
        cast(closed as {{ dbt.type_bigint() }}) as closed,
        cast(won as {{ dbt.type_bigint() }}) as won,
        case when closed > 0 then cast(won as {{ type_double() }}) / closed end as win_rate,
        cast(avg_won_amount as {{ type_double() }}) as avg_won_amount,
        cast(avg_sales_cycle_days as {{ type_double() }}) as avg_sales_cycle_days,
        cast(median_days_capture_to_sql as {{ type_double() }}) as median_days_capture_to_sql,
        cast(mean_days_capture_to_sql as {{ type_double() }}) as mean_days_capture_to_sql,
        cast(mean_days_capture_to_won as {{ type_double() }}) as mean_days_capture_to_won,
        case
            when closed > 0 and avg_sales_cycle_days > 0
                then open_opportunities * (cast(won as {{ type_double() }}) / closed) * avg_won_amount / avg_sales_cycle_days
        end as pipeline_velocity_per_day
    from per_currency

)

select * from final
