{#- The hand-off outbox as the models read it; no rows before the first `leadflow handoff`
    created ops.handoffs. -#}
{%- set outbox = adapter.get_relation(database=target.database, schema='ops', identifier='handoffs') -%}
-- depends_on: {{ source('ops', 'handoffs') }}

with

source as (

    {% if outbox is not none -%}
        select * from {{ source('ops', 'handoffs') }}
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as idempotency_key,
            cast(null as {{ dbt.type_string() }}) as channel,
            cast(null as {{ dbt.type_string() }}) as lead_id,
            cast(null as {{ dbt.type_int() }}) as cycle,
            cast(null as {{ dbt.type_string() }}) as owner,
            cast(null as {{ dbt.type_string() }}) as status,
            cast(null as {{ dbt.type_timestamp() }}) as delivered_at
        where 1 = 0
    {%- endif %}

),

final as (

    select
        idempotency_key,
        channel,
        lead_id,
        cast(cycle as {{ dbt.type_int() }}) as cycle,
        owner,
        status,
        delivered_at as handed_off_at
    from source

)

select * from final
