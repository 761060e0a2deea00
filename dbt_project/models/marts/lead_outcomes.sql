{#- One row per lead with a known outcome: the latest outcome and when it was decided, and
    whether the lead was ever won or converted. -#}

with

outcomes as {{ inlined() }} (

    select * from {{ ref('int_lead_outcomes') }}
    where lead_id is not null

),

ranked as (

    select
        *,
        row_number() over (
            partition by lead_id
            order by decided_at desc, outcome_source desc, outcome_record_id desc
        ) as outcome_rank,
        count(*) over (partition by lead_id) as outcomes_count,
        min(case when is_positive then decided_at end) over (partition by lead_id)
            as first_positive_at
    from outcomes

),

final as (

    select
        lead_id,
        outcome,
        is_positive,
        decided_at,
        amount,
        currency,
        outcome_source,
        source_id,
        outcomes_count,
        first_positive_at,
        first_positive_at is not null as has_positive_outcome
    from ranked
    where outcome_rank = 1

)

select * from final
