with

source as (

    {{ raw_latest(source('raw', 'companies')) }}

),

countries as {{ inlined() }} (

    select * from {{ ref('country_codes') }}

),

final as (

    select
        {{ url_domain('source.domain') }} as company_domain,
        nullif(trim(source.company_name), '') as company_name,
        nullif(trim(source.industry), '') as industry_as_exported,
        nullif(lower(trim(source.industry)), '') as industry_key,
        case when source.employees >= 0 then source.employees end as employees,
        case when source.annual_revenue >= 0 then source.annual_revenue end as annual_revenue_usd,
        countries.country_code,
        coalesce(source.as_of, source._loaded_at) as as_of,
        source._source_file as source_file,
        source._source_row as source_row,
        source._batch_id as batch_id,
        source._loaded_at as loaded_at
    from source
    left join countries
        on lower(trim(source.country)) = countries.country_alias

)

select * from final
