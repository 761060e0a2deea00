with

engaged as (

    select * from {{ ref('int_leads_engaged') }}

),

final as (

    select
        lead_id,
        email,
        first_name,
        last_name,
        full_name,
        account_name as company_name,
        company_domain,
        job_title,
        persona,
        lead_country_code as country_code,
        industry_as_exported as industry,
        cast(employees as {{ dbt.type_bigint() }}) as employees,
        cast(annual_revenue_usd as double precision) as annual_revenue_usd,
        has_consent,
        cast(fit_score as {{ dbt.type_int() }}) as fit_score,
        fit_reason,
        case when mql_at is not null then 'mql' else tier end as tier,
        case
            when mql_at is not null and mql_reason = 'hand_raise'
                then 'hand-raise on ' || cast(cast(mql_at as date) as {{ dbt.type_string() }}) || '; ' || tier_reason
            when mql_at is not null
                then
                    'engagement score ' || cast(score_at_mql as {{ dbt.type_string() }})
                    || ' reached the MQL threshold on '
                    || cast(cast(mql_at as date) as {{ dbt.type_string() }}) || '; ' || tier_reason
            when mql_blocked_reason is not null
                then tier_reason || '; not an MQL: ' || mql_blocked_reason
            else tier_reason
        end as tier_reason,
        disqualification_reason,
        case
            when mql_at is not null then mql_at
            when tier = 'profiled' then profiled_at
            when tier = 'disqualified' then disqualified_at
            else name_at
        end as tier_changed_at,
        name_at,
        profiled_at,
        mql_at,
        disqualified_at,
        cast(engagement_score as {{ dbt.type_int() }}) as engagement_score,
        engagement_breakdown,
        cast(score_at_mql as {{ dbt.type_int() }}) as score_at_mql,
        case when mql_at is not null then mql_reason end as mql_reason,
        mql_blocked_reason,
        can_contact,
        unsubscribed_at,
        last_activity_at,
        first_captured_at,
        last_captured_at,
        cast(source_record_count as {{ dbt.type_bigint() }}) as source_record_count,
        first_touch_source_type,
        first_touch_source_detail,
        first_touch_campaign,
        last_touch_source_type,
        last_touch_source_detail,
        last_touch_campaign
    from engaged

)

select * from final
