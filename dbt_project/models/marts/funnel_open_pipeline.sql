{#- What is in the funnel now, per forecast group: leads whose tier is mql or sal, and open
    SQL opportunities by stage (proposal, negotiation). -#}

with

leads as {{ inlined() }} (

    select * from {{ ref('leads') }}

),

opportunities as {{ inlined() }} (

    select * from {{ ref('sql_opportunities') }}

),

unioned as (

    select
        tier as forecast_group,
        case tier when 'mql' then 3 else 4 end as group_order,
        count(*) as current_count
    from leads
    where tier in ('mql', 'sal')
    group by tier

    union all

    select
        'sql: ' || stage as forecast_group,
        case stage when 'proposal' then 10 else 11 end as group_order,
        count(*) as current_count
    from opportunities
    where not is_closed
    group by stage

),

final as (

    select
        forecast_group,
        cast(group_order as {{ dbt.type_int() }}) as group_order,
        cast(current_count as {{ dbt.type_bigint() }}) as current_count
    from unioned

)

select * from final
