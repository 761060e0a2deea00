{#- MQL cycles whose first sales contact came later than the SLA allows
    (config/qualification.yml: sla_first_contact_hours), or has not come and the SLA has
    run out by the latest fact in the warehouse. The first contact is the cycle's decision's
    first_contacted_at (its decision time when the export has none). -#}
{%- set q = qualification() -%}
{%- set sla_minutes = (q.sla_first_contact_hours * 60) | round | int -%}

with

cycles as (

    select * from {{ ref('int_lead_cycles') }}
    where mql_at is not null

),

leads as (

    select * from {{ ref('int_leads_engaged') }}

),

contacts as (

    select
        lead_id,
        cycle,
        mql_at,
        mql_reason,
        sales_rep,
        as_of_at,
        case when decision_record_id is not null then coalesce(first_contacted_at, decided_at) end as first_contacted_at
    from cycles

),

measured as (

    select
        *,
        {{ dbt.datediff('mql_at', 'coalesce(first_contacted_at, as_of_at)', 'minute') }} as minutes_waited
    from contacts

),

final as (

    select
        measured.lead_id,
        cast(measured.cycle as {{ dbt.type_int() }}) as cycle,
        leads.account_name as company_name,
        measured.mql_at,
        measured.mql_reason,
        measured.first_contacted_at,
        measured.sales_rep,
        cast(measured.minutes_waited / 60.0 as {{ type_double() }}) as hours_to_first_contact,
        cast({{ q.sla_first_contact_hours }} as {{ type_double() }}) as sla_hours,
        case when measured.first_contacted_at is null then 'not_contacted' else 'late' end as breach_status,
        measured.as_of_at
    from measured
    inner join leads
        on measured.lead_id = leads.lead_id
    where measured.minutes_waited > {{ sla_minutes }}

)

select * from final
