with

source as (

    {{ raw_latest(source('raw', 'qualification_answers')) }}

),

final as (

    select
        {{ raw_record_key() }} as answer_record_id,
        nullif(trim(answer_id), '') as source_answer_id,
        nullif(trim(call_id), '') as call_id,
        lower(trim(email)) as email,
        lower(trim(criterion)) as criterion,
        lower(trim(answer)) as answer,
        timeline_months,
        nullif(trim(rep), '') as rep,
        answered_at,
        {{ raw_load_metadata() }}
    from source

)

select * from final
