{#- The open pipeline in money, per expected close month and currency: the amount of the
    open opportunities of SQL leads, and the expected amount (each amount times the
    historical win probability of its stage, marts.funnel_win_probabilities) with an interval
    of forecast_z standard deviations of a sum of independent deals (variance: the sum of
    amount^2 x p x (1 - p)), clipped at 0 and at the pipeline amount. Amounts are never
    converted between currencies. -#}
{%- set z = funnel().forecast_z -%}

with

opportunities as {{ inlined() }} (

    select * from {{ ref('sql_opportunities') }}
    where not is_closed and amount > 0

),

probabilities as {{ inlined() }} (

    select * from {{ ref('funnel_win_probabilities') }}

),

weighted as (

    select
        cast({{ dbt.date_trunc('month', 'opportunities.expected_close_date') }} as date) as close_month,
        opportunities.currency,
        opportunities.amount,
        coalesce(probabilities.win_probability, 0) as win_probability
    from opportunities
    left join probabilities
        on probabilities.forecast_group = 'sql: ' || opportunities.stage

),

grouped as (

    select
        close_month,
        currency,
        count(*) as open_opportunities,
        sum(amount) as pipeline_amount,
        sum(amount * win_probability) as expected_amount,
        sum(amount * amount * win_probability * (1 - win_probability)) as expected_variance
    from weighted
    group by close_month, currency

),

final as (

    select
        close_month,
        currency,
        cast(open_opportunities as {{ dbt.type_bigint() }}) as open_opportunities,
        cast(pipeline_amount as {{ type_double() }}) as pipeline_amount,
        cast(expected_amount as {{ type_double() }}) as expected_amount,
        cast(greatest(expected_amount - {{ z }} * sqrt(expected_variance), 0) as {{ type_double() }})
            as expected_amount_low,
        cast(least(expected_amount + {{ z }} * sqrt(expected_variance), pipeline_amount) as {{ type_double() }})
            as expected_amount_high
    from grouped

)

select * from final
