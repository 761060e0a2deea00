{#- Score history: each lead's engagement score at the end of each day it had activity. -#}
with

scores as {{ inlined() }} (

    select * from {{ ref('int_lead_scores_daily') }}

),

leads as (

    select lead_id from {{ ref('int_leads_profiled') }}

),

final as (

    select
        scores.lead_id,
        scores.score_date,
        scores.engagement_score,
        cast(scores.window_events as {{ dbt.type_int() }}) as window_events
    from scores
    inner join leads
        on scores.lead_id = leads.lead_id

)

select * from final
