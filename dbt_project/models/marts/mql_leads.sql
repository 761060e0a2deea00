{#- Marketing's MQL list: one row per MQL, who, since when, why. -#}
{%- set scoring_config = scoring() -%}

with

leads as (

    select * from {{ ref('leads') }}

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
    cross join as_of
    where leads.tier = 'mql'

)

select * from final
