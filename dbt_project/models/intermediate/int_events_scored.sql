{#- Every event with the scoring rule it matches and that rule's points (incremental: only
    events loaded since the last build are scored; a change of the rules, or a new version
    of an event already scored, rebuilds it: see flows/qualify.py and flows/dbt.py). An event an export repeats (same event id from the same export
    format) is kept once: the first loaded. Only the columns the scores read are kept
    (the events' other fields stay in staging). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

with

new_events as (

    select
        event_record_id,
        case when source_event_id is not null then mapping || '#' || source_event_id end as dedupe_key,
        email,
        visitor_id,
        event_type,
        url,
        duration_seconds,
        minutes_attended,
        occurred_at,
        occurred_date,
        source_file,
        source_row,
        loaded_at
    from {{ ref('stg_raw__events') }}
    {% if is_incremental() %}
        where loaded_at > (select max(loaded_at) from {{ this }})
    {% endif %}

),

-- an event without an id is its own record; of those with one, the first loaded is kept
ranked as (

    select
        *,
        row_number() over (
            partition by dedupe_key
            order by loaded_at, source_file, source_row
        ) as occurrence
    from new_events

),

events as (

    select * from ranked
    where
        dedupe_key is null
        or (
            occurrence = 1
            {% if is_incremental() %}
                and dedupe_key not in (
                    select seen.dedupe_key from {{ this }} as seen
                    where seen.dedupe_key is not null
                )
            {% endif %}
        )

),

matched as (

    select
        events.*,
        {{ matched_rule() }} as rule_name
    from events

),

final as (

    select
        event_record_id,
        dedupe_key,
        email,
        visitor_id,
        event_type,
        occurred_at,
        occurred_date,
        rule_name,
        cast({{ rule_points('rule_name') }} as {{ dbt.type_int() }}) as points,
        '{{ var("scoring_fingerprint", "") }}' as scoring_fingerprint,
        loaded_at
    from matched

)

select * from final
