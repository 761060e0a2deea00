with

source as (

    select * from {{ source('raw', 'outcomes') }}

),

final as (

    select
        {{ raw_record_key() }} as outcome_record_id,
        nullif(trim(outcome_id), '') as source_outcome_id,
        nullif(trim(source_record_id), '') as source_record_id,
        nullif(lower(trim(email)), '') as email,
        lower(trim(outcome)) as outcome,
        lower(trim(outcome)) in ('won', 'converted') as is_positive,
        decided_at,
        amount,
        nullif(upper(trim(currency)), '') as currency,
        {{ raw_load_metadata() }}
    from source

)

select * from final
