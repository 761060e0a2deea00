{#- Identity resolution: one lead per normalised e-mail address. For each field and each
    contact attribute (var('attributes'), columns attr__<name>, typed) the latest non-null
    value wins (by capture time, then file, line and mapping profile for ties). -#}
{%- set recency = ['recency_rank'] -%}
{%- set attributes = attributes() -%}

with

records as (

    select
        *,
        {%- for name in attributes %}
        {{ json_text('attributes', name) }} as attr__{{ name }},
        {%- endfor %}
        -- one integer ordering key, much cheaper to aggregate on than the four columns; it
        -- orders the rows of one e-mail only, so it is numbered per e-mail (a window over
        -- every contact row sorted them all, and spilled to disk at 1,000,000 leads)
        row_number() over (
            partition by email
            order by captured_at, source_file, source_row, mapping
        ) as recency_rank
    from {{ ref('stg_raw__contacts') }}

),

resolved as (

    select
        {{ dbt.hash('email') }} as lead_id,
        email,
        {{ latest_non_null('email_local_part', recency) }} as email_local_part,
        {{ latest_non_null('email_domain', recency) }} as email_domain,
        {{ latest_non_null('first_name', recency) }} as first_name,
        {{ latest_non_null('last_name', recency) }} as last_name,
        {{ latest_non_null('full_name', recency) }} as full_name,
        {{ latest_non_null('company_name', recency) }} as company_name,
        {{ latest_non_null('job_title', recency) }} as job_title,
        {{ latest_non_null('phone', recency) }} as phone,
        {{ latest_non_null('country_code', recency) }} as country_code,
        {{ latest_non_null('website_domain', recency) }} as website_domain,
        {{ latest_non_null('has_consent', recency) }} as has_consent,
        {{ latest_non_null('industry_as_exported', recency) }} as contact_industry_as_exported,
        {{ latest_non_null('industry_key', recency) }} as contact_industry_key,
        {{ latest_non_null('employees', recency) }} as contact_employees,
        {{ latest_non_null('annual_revenue_usd', recency) }} as contact_annual_revenue_usd,
        min(
            case
                when industry_key is not null or employees is not null or annual_revenue_usd is not null
                    then captured_at
            end
        ) as contact_firmographics_known_at,
        {%- for name, type in attributes.items() %}
        {{ attribute_typed(latest_non_null('attr__' ~ name, recency), type) }} as attr__{{ name }},
        min(case when attr__{{ name }} is not null then captured_at end) as attr__{{ name }}__known_at,
        {%- endfor %}
        {{ earliest_non_null('source_type', recency) }} as first_touch_source_type,
        {{ earliest_non_null('lead_source', recency) }} as first_touch_lead_source,
        {{ earliest_non_null('source_detail', recency) }} as first_touch_source_detail,
        {{ earliest_non_null('utm_campaign', recency) }} as first_touch_campaign,
        {{ earliest_non_null('utm_source', recency) }} as first_touch_utm_source,
        {{ earliest_non_null('utm_medium', recency) }} as first_touch_utm_medium,
        {{ latest_non_null('source_type', recency) }} as last_touch_source_type,
        {{ latest_non_null('source_detail', recency) }} as last_touch_source_detail,
        {{ latest_non_null('utm_campaign', recency) }} as last_touch_campaign,
        min(captured_at) as first_captured_at,
        max(captured_at) as last_captured_at,
        min(case when job_title is not null then captured_at end) as job_title_known_at,
        min(case when country_code is not null then captured_at end) as country_known_at,
        count(*) as source_record_count
    from records
    group by email

)

select * from resolved
