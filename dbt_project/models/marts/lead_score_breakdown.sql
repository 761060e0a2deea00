{#- The parts of each lead's current engagement score, one row per scoring rule. -#}
with

breakdown as {{ inlined() }} (

    select * from {{ ref('int_lead_score_breakdown') }}

),

leads as (

    select lead_id from {{ ref('int_leads_profiled') }}

),

final as (

    select
        breakdown.lead_id,
        breakdown.rule_name,
        breakdown.rule_kind,
        breakdown.attribute_value,
        breakdown.points,
        breakdown.uncapped_points,
        breakdown.events,
        breakdown.last_occurred_at
    from breakdown
    inner join leads
        on breakdown.lead_id = leads.lead_id

)

select * from final
