with

source as (

    {{ raw_latest(source('raw', 'opportunities')) }}

),

final as (

    select
        {{ raw_record_key() }} as opportunity_record_id,
        trim(opportunity_id) as opportunity_id,
        nullif(trim(opportunity_name), '') as opportunity_name,
        nullif(lower(trim(email)), '') as email,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(account_name), '') as account_name,
        {{ url_domain('account_website') }} as account_domain,
        created_at,
        amount,
        nullif(upper(trim(currency)), '') as currency,
        cast(expected_close_date as date) as expected_close_date,
        lower(trim(stage)) as stage,
        closed_at,
        nullif(trim(lost_reason), '') as lost_reason,
        nullif(trim(owner), '') as owner,
        coalesce(updated_at, created_at) as updated_at,
        {{ raw_load_metadata() }}
    from source

)

select * from final
