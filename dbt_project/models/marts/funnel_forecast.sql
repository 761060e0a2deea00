{#- Expected closes: what is in the funnel now (funnel_open_pipeline) times the historical
    chance to win from there (funnel_win_probabilities), with an interval of forecast_z
    binomial standard deviations (config/funnel.yml), clipped to 0 .. current count. -#}
{%- set z = funnel().forecast_z -%}

with

pipeline as {{ inlined() }} (

    select * from {{ ref('funnel_open_pipeline') }}

),

probabilities as {{ inlined() }} (

    select * from {{ ref('funnel_win_probabilities') }}

),

expected as (

    select
        pipeline.forecast_group,
        pipeline.group_order,
        pipeline.current_count,
        probabilities.decided_count as history_count,
        coalesce(probabilities.win_probability, 0) as win_probability,
        pipeline.current_count * coalesce(probabilities.win_probability, 0) as expected_closes,
        {{ z }} * sqrt(
            pipeline.current_count * coalesce(probabilities.win_probability, 0)
            * (1 - coalesce(probabilities.win_probability, 0))
        ) as margin
    from pipeline
    left join probabilities
        on pipeline.forecast_group = probabilities.forecast_group

),

final as (

    select
        forecast_group,
        group_order,
        current_count,
        cast(history_count as {{ dbt.type_bigint() }}) as history_count,
        cast(win_probability as {{ type_double() }}) as win_probability,
        cast(expected_closes as {{ type_double() }}) as expected_closes,
        cast(case when expected_closes - margin < 0 then 0 else expected_closes - margin end as {{ type_double() }})
            as expected_closes_low,
        cast(
            case when expected_closes + margin > current_count then current_count else expected_closes + margin end
            as {{ type_double() }}
        ) as expected_closes_high
    from expected

)

select * from final
