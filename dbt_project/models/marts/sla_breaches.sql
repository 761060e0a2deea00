{#- MQL cycles whose first sales contact came later than the SLA allows
    (config/qualification.yml: sla_first_contact_hours), or has not come and the SLA has
    run out by the latest fact in the warehouse. The first contact is the cycle's decision's
    first_contacted_at (its decision time when the export has none). The clock starts at the
    hand-off to sales (`leadflow handoff`) when there is one and sales had not contacted the
    lead before it, else at the MQL; sla_clock says which. -#}
{%- set q = qualification() -%}
{%- set sla_minutes = (q.sla_first_contact_hours * 60) | round | int -%}

with

cycles as {{ inlined() }} (

    select * from {{ ref('int_lead_mql_cycles') }}

),

owners as {{ inlined() }} (

    select * from {{ ref('int_lead_owners') }}

),

contacts as (

    select
        cycles.lead_id,
        cycles.cycle,
        cycles.mql_at,
        cycles.mql_reason,
        cycles.sales_rep,
        cycles.as_of_at,
        cycles.account_name,
        owners.owner,
        owners.handed_off_at,
        case
            when cycles.decision_record_id is not null then coalesce(cycles.first_contacted_at, cycles.decided_at)
        end as first_contacted_at
    from cycles
    left join owners
        on
            cycles.lead_id = owners.lead_id
            and cycles.cycle = owners.cycle

),

clocked as (

    select
        *,
        case
            when handed_off_at is not null and (first_contacted_at is null or first_contacted_at >= handed_off_at)
                then 'hand_off'
            else 'mql'
        end as sla_clock,
        case
            when handed_off_at is not null and (first_contacted_at is null or first_contacted_at >= handed_off_at)
                then handed_off_at
            else mql_at
        end as clock_started_at
    from contacts

),

measured as (

    select
        *,
        {{ dbt.datediff('clock_started_at', 'coalesce(first_contacted_at, as_of_at)', 'minute') }} as minutes_waited
    from clocked

),

final as (

    select
        measured.lead_id,
        cast(measured.cycle as {{ dbt.type_int() }}) as cycle,
        measured.account_name as company_name,
        measured.mql_at,
        measured.mql_reason,
        measured.first_contacted_at,
        measured.sales_rep,
        measured.owner,
        measured.handed_off_at,
        measured.sla_clock,
        measured.clock_started_at,
        cast(measured.minutes_waited / 60.0 as {{ type_double() }}) as hours_to_first_contact,
        cast({{ q.sla_first_contact_hours }} as {{ type_double() }}) as sla_hours,
        case when measured.first_contacted_at is null then 'not_contacted' else 'late' end as breach_status,
        measured.as_of_at
    from measured
    where measured.minutes_waited > {{ sla_minutes }}

)

select * from final
