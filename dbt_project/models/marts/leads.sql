with

profiled as (

    select * from {{ ref('int_leads_profiled') }}

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
        tier,
        tier_reason,
        disqualification_reason,
        case tier
            when 'profiled' then profiled_at
            when 'disqualified' then disqualified_at
            else name_at
        end as tier_changed_at,
        name_at,
        profiled_at,
        disqualified_at,
        first_captured_at,
        last_captured_at,
        cast(source_record_count as {{ dbt.type_bigint() }}) as source_record_count,
        first_touch_source_type,
        first_touch_source_detail,
        first_touch_campaign,
        last_touch_source_type,
        last_touch_source_detail,
        last_touch_campaign
    from profiled

)

select * from final
