{#- Marketing's MQL list: one row per lead that is an MQL in its current cycle - who, since
    when, why, and where it is now (still mql, or sal, sql, disqualified, nurture). -#}
{%- set scoring_config = scoring() -%}

with

leads as {{ inlined() }} (

    select * from {{ ref('leads') }}

),

owners as {{ inlined() }} (

    select * from {{ ref('int_lead_owners') }}

),

as_of as (

    select max(occurred_date) as as_of_date
    from {{ ref('int_events_scored') }}

),

final as (

    select
        leads.lead_id,
        leads.email,
        leads.full_name,
        leads.first_name,
        leads.last_name,
        leads.company_name,
        leads.job_title,
        leads.persona,
        leads.country_code,
        leads.industry,
        leads.fit_score,
        leads.engagement_score,
        leads.score_at_mql,
        cast({{ scoring_config.mql_threshold }} as {{ dbt.type_int() }}) as mql_threshold,
        leads.mql_at,
        leads.mql_reason,
        leads.tier,
        leads.tier_changed_at,
        leads.cycle,
        owners.owner,
        owners.owner_team,
        owners.routing_rule,
        owners.handed_off_at,
        leads.engagement_breakdown,
        leads.first_touch_source_type,
        leads.first_touch_source_detail,
        leads.first_touch_campaign,
        leads.last_touch_source_type,
        leads.last_touch_source_detail,
        leads.last_touch_campaign,
        leads.last_activity_at,
        cast({{ dbt.datediff('cast(leads.last_activity_at as date)', 'as_of.as_of_date', 'day') }} as {{ dbt.type_int() }})
            as days_since_last_activity
    from leads
    left join owners
        on
            leads.lead_id = owners.lead_id
            and leads.cycle = owners.cycle
    cross join as_of
    where leads.mql_at is not null

)

select * from final
