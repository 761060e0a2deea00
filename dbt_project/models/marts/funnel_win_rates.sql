{#- Win rate of closed SQL opportunities, overall, by the furthest stage reached before
    closing (from the snapshots), by first-touch source type and by industry. -#}

-- A Jinja loop generates the grouped CTE; its indentation is the rendered SQL's.
-- noqa: disable=LT02
with

opportunities as {{ inlined() }} (

    select * from {{ ref('sql_opportunities') }}

),

snapshots as (

    select * from {{ ref('stg_raw__opportunities') }}

),

reached as (

    select
        opportunity_id,
        {{ reached_negotiation('stage') }} as reached_negotiation
    from snapshots
    group by opportunity_id

),

described as (

    select
        opportunities.*,
        case when reached.reached_negotiation = 1 then 'negotiation' else 'proposal' end as furthest_stage
    from opportunities
    left join reached
        on opportunities.opportunity_id = reached.opportunity_id

),

grouped as (

    {%- for name, expr in [('all', "'all'"), ('stage_reached', 'furthest_stage'),
                           ('source', "coalesce(source_type, '(unknown)')"),
                           ('industry', "coalesce(industry, '(unknown)')")] %}
    select
        {{ lit(name) }} as dimension,
        {{ expr }} as dimension_value,
        count(*) as opportunities,
        sum(case when is_closed then 1 else 0 end) as closed,
        sum(case when is_won then 1 else 0 end) as won
    from described
    {%- if name != 'all' %}
    group by {{ expr }}
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        dimension,
        dimension_value,
        cast(opportunities as {{ dbt.type_bigint() }}) as opportunities,
        cast(closed as {{ dbt.type_bigint() }}) as closed,
        cast(won as {{ dbt.type_bigint() }}) as won,
        case when closed > 0 then cast(won as {{ type_double() }}) / closed end as win_rate
    from grouped

)

select * from final
