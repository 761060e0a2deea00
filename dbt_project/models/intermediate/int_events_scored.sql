{#- Every event with the scoring rule it matches and that rule's points (incremental: only
    events loaded since the last build are scored; a change of the rules rebuilds it, see
    flows/qualify.py). An event an export repeats (same event id from the same export
    format) is kept once: the first loaded. -#}
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
        *,
        case when source_event_id is not null then mapping || '#' || source_event_id end as dedupe_key
    from {{ ref('stg_raw__events') }}
    {% if is_incremental() %}
        where loaded_at > (select max(loaded_at) from {{ this }})
    {% endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by coalesce(dedupe_key, event_record_id)
            order by loaded_at, source_file, source_row
        ) as occurrence
    from new_events

),

events as (

    select * from ranked
    where
        occurrence = 1
        {% if is_incremental() %}
            and (
                dedupe_key is null
                or dedupe_key not in (
                    select seen.dedupe_key from {{ this }} as seen
                    where seen.dedupe_key is not null
                )
            )
        {% endif %}

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
        source_event_id,
        dedupe_key,
        email,
        visitor_id,
        event_type,
        url,
        duration_seconds,
        minutes_attended,
        asset,
        campaign,
        occurred_at,
        occurred_date,
        source_type,
        rule_name,
        cast({{ rule_points('rule_name') }} as {{ dbt.type_int() }}) as points,
        '{{ var("scoring_fingerprint", "") }}' as scoring_fingerprint,
        loaded_at
    from matched

)

select * from final
