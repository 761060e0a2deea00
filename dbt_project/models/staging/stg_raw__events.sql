with

source as (

    {{ raw_latest(source('raw', 'events')) }}

),

final as (

    select
        {{ raw_record_key() }} as event_record_id,
        nullif(trim(event_id), '') as source_event_id,
        nullif(lower(trim(email)), '') as email,
        nullif(trim(visitor_id), '') as visitor_id,
        lower(trim(event_type)) as event_type,
        nullif(lower(trim(url)), '') as url,
        duration_seconds,
        minutes_attended,
        nullif(trim(asset), '') as asset,
        coalesce(nullif(trim(campaign), ''), nullif(trim(utm_campaign), '')) as campaign,
        nullif(trim(utm_source), '') as utm_source,
        nullif(trim(utm_medium), '') as utm_medium,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        _source_type as source_type,
        {{ raw_load_metadata() }}
    from source

)

select * from final
