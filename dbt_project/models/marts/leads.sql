with

engaged as {{ inlined() }} (

    select * from {{ ref('int_leads_engaged') }}

),

cycles as {{ inlined() }} (

    select * from {{ ref('int_lead_cycles') }}
    where is_current_cycle

),

criteria as {{ inlined() }} (

    select * from {{ ref('int_lead_criteria') }}

),

current_state as (

    select
        engaged.*,
        cycles.cycle,
        cycles.mql_at as cycle_mql_at,
        cycles.mql_reason as cycle_mql_reason,
        cycles.score_at_mql as cycle_score_at_mql,
        cycles.sal_at,
        cycles.sql_at,
        cycles.sql_opportunity_id,
        cycles.decided_at,
        cycles.sales_rep,
        cycles.first_contacted_at,
        cycles.disqualified_at as sales_disqualified_at,
        cycles.disqualification_reason as sales_disqualification_reason,
        cycles.nurture_at,
        cycles.nurture_reason,
        cycles.recycle_after,
        criteria.framework,
        criteria.confirmed_criteria,
        criteria.missing_criteria,
        case
            when cycles.sql_at is not null then 'sql'
            when cycles.nurture_at is not null then 'nurture'
            when cycles.disqualified_at is not null then 'disqualified'
            when cycles.sal_at is not null then 'sal'
            when cycles.mql_at is not null then 'mql'
            else engaged.tier
        end as current_tier
    from engaged
    inner join cycles
        on engaged.lead_id = cycles.lead_id
    left join criteria
        on engaged.lead_id = criteria.lead_id

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
        cast(annual_revenue_usd as {{ type_double() }}) as annual_revenue_usd,
        has_consent,
        cast(fit_score as {{ dbt.type_int() }}) as fit_score,
        fit_reason,
        current_tier as tier,
        case
            when current_tier = 'sql'
                then
                    'qualified opportunity ' || sql_opportunity_id || ' on '
                    || cast(cast(sql_at as date) as {{ dbt.type_string() }})
                    || '; ' || framework || ' criteria confirmed: ' || confirmed_criteria
            when current_tier = 'nurture'
                then
                    nurture_reason || '; may re-enter from '
                    || cast(cast(recycle_after as date) as {{ dbt.type_string() }})
            when current_tier = 'disqualified' and sales_disqualification_reason is not null
                then
                    'rejected by sales: ' || sales_disqualification_reason
                    || coalesce(' (' || sales_rep || ')', '')
            when current_tier = 'sal'
                then
                    'accepted by sales on ' || cast(cast(sal_at as date) as {{ dbt.type_string() }})
                    || coalesce(' (' || sales_rep || ')', '')
                    || case when missing_criteria <> '' then '; not yet confirmed: ' || missing_criteria else '' end
                    || case when missing_criteria is null then '; no discovery answers yet' else '' end
            when current_tier = 'mql' and cycle > 1
                then
                    'MQL again (cycle ' || cast(cycle as {{ dbt.type_string() }}) || ') on '
                    || cast(cast(cycle_mql_at as date) as {{ dbt.type_string() }}) || '; ' || tier_reason
            when current_tier = 'mql' and cycle_mql_reason = 'hand_raise'
                then 'hand-raise on ' || cast(cast(cycle_mql_at as date) as {{ dbt.type_string() }}) || '; ' || tier_reason
            when current_tier = 'mql'
                then
                    'engagement score ' || cast(score_at_mql as {{ dbt.type_string() }})
                    || ' reached the MQL threshold on '
                    || cast(cast(cycle_mql_at as date) as {{ dbt.type_string() }}) || '; ' || tier_reason
            when current_tier = 'profiled' and mql_blocked_reason is not null
                then tier_reason || '; not an MQL: ' || mql_blocked_reason
            else tier_reason
        end as tier_reason,
        coalesce(sales_disqualification_reason, disqualification_reason) as disqualification_reason,
        case
            when current_tier = 'sql' then sql_at
            when current_tier = 'nurture' then nurture_at
            when current_tier = 'disqualified' then coalesce(sales_disqualified_at, disqualified_at)
            when current_tier = 'sal' then sal_at
            when current_tier = 'mql' then cycle_mql_at
            when current_tier = 'profiled' then profiled_at
            else name_at
        end as tier_changed_at,
        cast(cycle as {{ dbt.type_int() }}) as cycle,
        name_at,
        profiled_at,
        cycle_mql_at as mql_at,
        sal_at,
        sql_at,
        coalesce(sales_disqualified_at, disqualified_at) as disqualified_at,
        nurture_at,
        recycle_after,
        first_contacted_at,
        sales_rep,
        sql_opportunity_id,
        framework as qualification_framework,
        missing_criteria,
        cast(engagement_score as {{ dbt.type_int() }}) as engagement_score,
        engagement_breakdown,
        cast(case when cycle_mql_at is null then null when cycle = 1 then score_at_mql else cycle_score_at_mql end as {{ dbt.type_int() }})
            as score_at_mql,
        cycle_mql_reason as mql_reason,
        -- a lead that sales rejected before its MQL met the criteria (engaged has no reason) but is no MQL
        coalesce(
            mql_blocked_reason,
            case
                when cycle_mql_at is null and sales_disqualification_reason is not null
                    then 'rejected by sales before an MQL: ' || sales_disqualification_reason
            end
        ) as mql_blocked_reason,
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
    from current_state

)

select * from final
