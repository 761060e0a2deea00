{#- The SQL tier for BI tools: one row per qualified opportunity, with the lead's and
    account's keys and attributes, scores, amounts and dates. No e-mail address or phone. -#}

with

opportunities as {{ inlined() }} (

    select * from {{ ref('int_opportunities_attributed') }}
    where lead_id is not null and is_qualifying

),

cycles as {{ inlined() }} (

    select * from {{ ref('int_lead_cycles') }}
    where sql_at is not null

),

criteria as {{ inlined() }} (

    select * from {{ ref('int_lead_criteria') }}

),

leads as {{ inlined() }} (

    select * from {{ ref('int_leads_engaged') }}

),

joined as (

    select
        opportunities.*,
        cycles.cycle,
        cycles.sal_at,
        cycles.mql_at,
        criteria.framework,
        criteria.criteria_confirmed_at,
        criteria.confirmed_criteria,
        criteria.required_criteria_count,
        criteria.confirmed_criteria_count,
        greatest(cycles.sal_at, opportunities.created_at, criteria.criteria_confirmed_at) as sql_at
    from opportunities
    inner join cycles
        on opportunities.lead_id = cycles.lead_id
    inner join criteria
        on opportunities.lead_id = criteria.lead_id
    where
        (cycles.opportunities_from is null or opportunities.created_at >= cycles.opportunities_from)
        and opportunities.created_at < cycles.opportunities_until

),

final as (

    select
        joined.opportunity_id,
        joined.opportunity_name,
        joined.lead_id,
        coalesce(leads.company_domain, joined.account_domain) as account_key,
        joined.account_id as crm_account_id,
        coalesce(joined.account_name, leads.account_name) as company_name,
        leads.industry_key as industry,
        leads.lead_country_code as country_code,
        leads.persona,
        leads.first_touch_source_type as source_type,
        leads.first_touch_source_detail as source_detail,
        leads.first_touch_campaign as campaign,
        cast(leads.fit_score as {{ dbt.type_int() }}) as fit_score,
        cast(leads.engagement_score as {{ dbt.type_int() }}) as engagement_score,
        joined.attributed_by,
        cast(joined.cycle as {{ dbt.type_int() }}) as cycle,
        joined.framework as qualification_framework,
        joined.confirmed_criteria,
        joined.required_criteria_count,
        joined.confirmed_criteria_count,
        leads.first_captured_at,
        joined.mql_at,
        joined.sal_at,
        joined.sql_at,
        joined.created_at,
        cast(joined.created_at as date) as created_date,
        cast(joined.amount as {{ type_double() }}) as amount,
        joined.currency,
        joined.expected_close_date,
        joined.stage,
        joined.is_won,
        joined.is_closed,
        joined.closed_at,
        joined.lost_reason,
        joined.owner as opportunity_owner,
        cast({{ dbt.datediff('leads.first_captured_at', 'joined.sql_at', 'day') }} as {{ dbt.type_int() }})
            as days_capture_to_sql
    from joined
    inner join leads
        on joined.lead_id = leads.lead_id

)

select * from final
