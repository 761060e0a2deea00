{#- Sales decisions per lead in time order (decision_rank 1 is the first). The same decision
    exported twice (same lead, time, decision and reason) counts once. -#}

with

decisions as (

    select * from {{ ref('stg_raw__sales_decisions') }}

),

leads as (

    select lead_id from {{ ref('int_leads_resolved') }}

),

distinct_decisions as (

    select
        {{ dbt.hash('email') }} as lead_id,
        email,
        decided_at,
        decision,
        reason,
        min(decision_record_id) as decision_record_id
    from decisions
    group by email, decided_at, decision, reason

),

final as (

    select
        distinct_decisions.lead_id,
        distinct_decisions.decision_record_id,
        decisions.source_decision_id,
        distinct_decisions.decided_at,
        distinct_decisions.decision,
        distinct_decisions.reason,
        decisions.rep,
        decisions.first_contacted_at,
        decisions.source_file,
        decisions.source_row,
        leads.lead_id is not null as has_lead,
        row_number() over (
            partition by distinct_decisions.lead_id
            order by distinct_decisions.decided_at, distinct_decisions.decision_record_id
        ) as decision_rank
    from distinct_decisions
    inner join decisions
        on distinct_decisions.decision_record_id = decisions.decision_record_id
    left join leads
        on distinct_decisions.lead_id = leads.lead_id

)

select * from final
