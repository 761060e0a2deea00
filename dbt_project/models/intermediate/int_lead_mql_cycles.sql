{#- The MQL cycles: one row per lead and cycle that reached MQL (int_lead_cycles), with the
    lead's facts that sales routing (int_lead_owners) and the first-contact SLA
    (marts.sla_breaches) read, its attributes (attr__<name>, typed) included. -#}

with

cycles as {{ inlined() }} (

    select * from {{ ref('int_lead_cycles') }}
    where mql_at is not null

),

leads as {{ inlined() }} (

    select * from {{ ref('int_leads_engaged') }}

),

final as (

    select
        cycles.*,
        {%- for name in attributes() %}
        leads.attr__{{ name }},
        {%- endfor %}
        leads.account_name,
        leads.lead_country_code,
        leads.industry_as_exported,
        leads.persona,
        leads.job_title,
        leads.company_domain,
        leads.employees,
        leads.annual_revenue_usd,
        leads.fit_score,
        leads.engagement_score,
        leads.first_touch_source_type,
        leads.last_touch_source_type
    from cycles
    inner join leads
        on cycles.lead_id = leads.lead_id

)

select * from final
