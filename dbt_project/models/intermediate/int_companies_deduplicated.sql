{%- set recency = ['recency_rank'] -%}

with

companies as (

    select
        *,
        row_number() over (order by as_of, loaded_at, source_file, source_row) as recency_rank
    from {{ ref('stg_raw__companies') }}
    where company_domain is not null

),

final as (

    select
        company_domain,
        {{ latest_non_null('company_name', recency) }} as company_name,
        {{ latest_non_null('industry_as_exported', recency) }} as industry_as_exported,
        {{ latest_non_null('industry_key', recency) }} as industry_key,
        {{ latest_non_null('employees', recency) }} as employees,
        {{ latest_non_null('annual_revenue_usd', recency) }} as annual_revenue_usd,
        {{ latest_non_null('country_code', recency) }} as country_code,
        min(as_of) as first_known_at,
        count(*) as source_record_count
    from companies
    group by company_domain

)

select * from final
