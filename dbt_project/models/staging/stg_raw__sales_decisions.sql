with

source as (

    {{ raw_latest(source('raw', 'sales_decisions')) }}

),

final as (

    select
        {{ raw_record_key() }} as decision_record_id,
        nullif(trim(decision_id), '') as source_decision_id,
        lower(trim(email)) as email,
        lower(trim(decision)) as decision,
        nullif(lower(trim(reason)), '') as reason,
        nullif(trim(rep), '') as rep,
        decided_at,
        first_contacted_at,
        nullif(trim(notes), '') as notes,
        {{ raw_load_metadata() }}
    from source

)

select * from final
