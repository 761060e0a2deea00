{#- The qualification framework in use, per lead: when each criterion was confirmed (the
    first yes after the last answer that was not yes; a criterion whose latest answer is not
    yes is not confirmed), and when all required criteria were. Criteria come from
    config/qualification.yml; a timeline criterion with within_months also needs the stated
    months to be at most that. -#}
{%- set q = qualification() -%}
{%- set criteria = q.criteria -%}
{%- set required = criteria | selectattr('required') | list -%}

-- Jinja loops generate these CTEs; their indentation is the rendered SQL's, not SQLFluff's.
-- noqa: disable=LT02
with

answers as (

    select * from {{ ref('stg_raw__qualification_answers') }}

),

framework_answers as (

    {%- for c in criteria %}
    select
        {{ dbt.hash('email') }} as lead_id,
        {{ lit(c.name) }} as criterion,
        answered_at,
        (
            answer = 'yes'
            {%- if c.within_months %}
            and timeline_months is not null and timeline_months <= {{ c.within_months }}
            {%- endif %}
        ) as is_yes
    from answers
    where criterion = {{ lit(c.answer) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

marked as (

    select
        *,
        max(case when not is_yes then answered_at end) over (partition by lead_id, criterion) as last_not_yes_at
    from framework_answers

),

per_criterion as (

    select
        lead_id,
        criterion,
        min(case when is_yes and (last_not_yes_at is null or answered_at > last_not_yes_at) then answered_at end)
            as confirmed_at
    from marked
    group by lead_id, criterion

),

pivoted as (

    select
        lead_id,
        {%- for c in criteria %}
        max(case when criterion = {{ lit(c.name) }} then confirmed_at end) as {{ c.name }}_confirmed_at{% if not loop.last %},{% endif %}
        {%- endfor %}
    from per_criterion
    group by lead_id

),

final as (

    select
        lead_id,
        {{ lit(q.framework) }} as framework,
        {%- for c in criteria %}
        {{ c.name }}_confirmed_at,
        {%- endfor %}
        cast({{ required | length }} as {{ dbt.type_int() }}) as required_criteria_count,
        cast(
            {%- for c in required %}
            case when {{ c.name }}_confirmed_at is not null then 1 else 0 end{% if not loop.last %} +{% endif %}
            {%- endfor %}
            as {{ dbt.type_int() }}
        ) as confirmed_criteria_count,
        case
            when
                {%- for c in required %}
                {{ c.name }}_confirmed_at is not null{% if not loop.last %} and{% endif %}
                {%- endfor %}
                then greatest({% for c in required %}{{ c.name }}_confirmed_at{% if not loop.last %}, {% endif %}{% endfor %})
        end as criteria_confirmed_at,
        concat_ws(
            ', ',
            {%- for c in required %}
            case when {{ c.name }}_confirmed_at is not null then {{ lit(c.name) }} end,
            {%- endfor %}
            cast(null as {{ dbt.type_string() }})
        ) as confirmed_criteria,
        concat_ws(
            ', ',
            {%- for c in required %}
            case when {{ c.name }}_confirmed_at is null then {{ lit(c.name) }} end,
            {%- endfor %}
            cast(null as {{ dbt.type_string() }})
        ) as missing_criteria
    from pivoted

)

select * from final
