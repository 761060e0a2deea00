{#- First-contact SLA compliance per month of MQL (every cycle): MQLs, breaches (late or not
    contacted, from sla_breaches) and the share contacted within the SLA. -#}

with

cycles as {{ inlined() }} (

    select * from {{ ref('int_lead_cycles') }}
    where mql_at is not null

),

breaches as {{ inlined() }} (

    select * from {{ ref('sla_breaches') }}

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'cycles.mql_at') }} as date) as month,
        count(*) as mqls,
        count(breaches.lead_id) as breaches
    from cycles
    left join breaches
        on cycles.lead_id = breaches.lead_id and cycles.cycle = breaches.cycle
    group by cast({{ dbt.date_trunc('month', 'cycles.mql_at') }} as date)

),

final as (

    select
        month,
        cast(mqls as {{ dbt.type_bigint() }}) as mqls,
        cast(mqls - breaches as {{ dbt.type_bigint() }}) as contacted_within_sla,
        cast(breaches as {{ dbt.type_bigint() }}) as breaches,
        cast(mqls - breaches as {{ type_double() }}) / mqls as compliance_rate
    from monthly

)

select * from final
