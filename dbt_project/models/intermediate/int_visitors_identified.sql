{#- Anonymous visitor ids that identified themselves (an event carrying both the visitor id
    and an e-mail, such as a form submission): the first identification wins. -#}
{%- set order = ['occurred_at', 'event_record_id'] -%}

with

events as (

    select * from {{ ref('stg_raw__events') }}
    where visitor_id is not null and email is not null

),

final as (

    select
        visitor_id,
        {{ earliest_non_null('email', order) }} as email,
        min(occurred_at) as identified_at,
        count(distinct email) as email_count
    from events
    group by visitor_id

)

select * from final
