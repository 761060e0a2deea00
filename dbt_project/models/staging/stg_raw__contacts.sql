with

source as (

    {{ raw_latest(source('raw', 'contacts')) }}

),

countries as {{ inlined() }} (

    select * from {{ ref('country_codes') }}

),

typed as (

    select
        {{ raw_record_key() }} as contact_record_id,
        nullif(trim(source_record_id), '') as source_record_id,
        lower(trim(email)) as email,
        {{ dbt.split_part("lower(trim(email))", "'@'", 1) }} as email_local_part,
        {{ dbt.split_part("lower(trim(email))", "'@'", 2) }} as email_domain,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        nullif(trim(full_name), '') as full_name,
        nullif(trim(company_name), '') as company_name,
        nullif(trim(job_title), '') as job_title,
        nullif(trim(phone), '') as phone,
        nullif(lower(trim(country)), '') as country_alias,
        nullif(trim(country), '') as country_as_exported,
        {{ url_domain('website') }} as website_domain,
        case
            when lower(trim(consent)) in ('yes', 'y', 'true', 't', '1', 'sí', 'si', 'ja', 'oui', 'x', 'checked', 'on', 'opted in', 'opt-in', 'subscribed')
                then true
            when lower(trim(consent)) in ('no', 'n', 'false', 'f', '0', 'nein', 'non', 'unchecked', 'off', 'opted out', 'opt-out', 'unsubscribed')
                then false
        end as consent_given,
        case
            when lower(trim(opted_out)) in ('yes', 'y', 'true', 't', '1', 'sí', 'si', 'x', 'checked', 'opted out', 'unsubscribed')
                then true
            when lower(trim(opted_out)) in ('no', 'n', 'false', 'f', '0', 'unchecked', 'opted in', 'subscribed')
                then false
        end as is_opted_out,
        nullif(trim(lead_source), '') as lead_source,
        nullif(trim(source_detail), '') as source_detail,
        nullif(trim(utm_source), '') as utm_source,
        nullif(trim(utm_medium), '') as utm_medium,
        nullif(trim(utm_campaign), '') as utm_campaign,
        nullif(trim(industry), '') as industry_as_exported,
        nullif(lower(trim(industry)), '') as industry_key,
        case when employees >= 0 then employees end as employees,
        case when annual_revenue >= 0 then annual_revenue end as annual_revenue_usd,
        attributes,
        captured_at,
        _source_type as source_type,
        {{ raw_load_metadata() }}
    from source

),

final as (

    select
        typed.contact_record_id,
        typed.source_record_id,
        typed.email,
        typed.email_local_part,
        typed.email_domain,
        coalesce(
            typed.first_name,
            {{ dbt.split_part("typed.full_name", "' '", 1) }}
        ) as first_name,
        coalesce(
            typed.last_name,
            nullif(trim(substring(typed.full_name, length({{ dbt.split_part("typed.full_name", "' '", 1) }}) + 2)), '')
        ) as last_name,
        coalesce(
            typed.full_name,
            nullif(trim(concat_ws(' ', typed.first_name, typed.last_name)), '')
        ) as full_name,
        typed.company_name,
        typed.job_title,
        typed.phone,
        countries.country_code,
        typed.country_as_exported,
        typed.website_domain,
        case
            when typed.is_opted_out then false
            else typed.consent_given
        end as has_consent,
        coalesce(typed.is_opted_out, false) as is_opted_out,
        typed.lead_source,
        typed.source_detail,
        typed.utm_source,
        typed.utm_medium,
        typed.utm_campaign,
        typed.industry_as_exported,
        typed.industry_key,
        typed.employees,
        typed.annual_revenue_usd,
        typed.attributes,
        typed.captured_at,
        typed.source_type,
        typed.mapping,
        typed.source_file,
        typed.source_row,
        typed.batch_id,
        typed.loaded_at
    from typed
    left join countries
        on typed.country_alias = countries.country_alias

)

select * from final
