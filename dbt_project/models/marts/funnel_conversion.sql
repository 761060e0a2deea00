{#- Conversion per funnel step: of the leads that entered a tier (in a monthly cohort, or
    ever), the share that reached a later tier within maturity_days (config/funnel.yml).
    Reaching any later tier counts (an allowed skip converts too). By source type and first
    campaign as well. -#}
{%- set maturity = funnel().maturity_days -%}
{%- set dimensions = {
    'all': "'all'",
    'source': "coalesce(leads.first_touch_source_type, '(unknown)')",
    'campaign': "coalesce(leads.first_touch_campaign, '(none)')",
} -%}

-- Jinja loops generate the grouped CTE; its indentation is the rendered SQL's.
-- noqa: disable=LT02
with

entries as {{ inlined() }} (

    select * from {{ ref('funnel_tier_entries') }}

),

leads as {{ inlined() }} (

    select * from {{ ref('leads') }}

),

clock as (

    select max(as_of_at) as as_of_at from {{ ref('int_lead_cycles') }}

),

steps as (

    select
        entries.lead_id,
        entries.tier_order as step_order,
        entries.tier as from_tier,
        entries.cohort_month,
        max(case when later.lead_id is not null then 1 else 0 end) as converted
    from entries
    left join entries as later
        on
            entries.lead_id = later.lead_id
            and entries.tier_order < later.tier_order
            and entries.entered_at <= later.entered_at
            and {{ dbt.dateadd('day', maturity, 'entries.entered_at') }} >= later.entered_at
    where entries.tier_order < 6
    group by entries.lead_id, entries.tier_order, entries.tier, entries.cohort_month

),

described as (

    select
        steps.*,
        {%- for name, expr in dimensions.items() %}
        {{ expr }} as {{ name }}_value{% if not loop.last %},{% endif %}
        {%- endfor %}
    from steps
    inner join leads
        on steps.lead_id = leads.lead_id

),

grouped as (

    {%- for name in dimensions %}
    {%- set outer_loop = loop %}
    {%- for by_cohort in [true, false] %}
    select
        step_order,
        from_tier,
        {{ "cohort_month" if by_cohort else "cast(null as date) as cohort_month" }},
        {{ lit(name) }} as dimension,
        {{ name }}_value as dimension_value,
        count(*) as entered,
        sum(converted) as converted
    from described
    group by step_order, from_tier, {{ "cohort_month, " if by_cohort }}{{ name }}_value
    {% if not (outer_loop.last and loop.last) %}union all{% endif %}
    {%- endfor %}
    {%- endfor %}

),

final as (

    select
        cast(grouped.step_order as {{ dbt.type_int() }}) as step_order,
        grouped.from_tier,
        case grouped.from_tier
            when 'name' then 'profiled'
            when 'profiled' then 'mql'
            when 'mql' then 'sal'
            when 'sal' then 'sql'
            when 'sql' then 'won'
        end as to_tier,
        grouped.cohort_month,
        grouped.dimension,
        grouped.dimension_value,
        cast(grouped.entered as {{ dbt.type_bigint() }}) as entered,
        cast(grouped.converted as {{ dbt.type_bigint() }}) as converted,
        cast(grouped.converted as {{ type_double() }}) / grouped.entered as conversion_rate,
        case
            when grouped.cohort_month is null
                then null
            else {{ dbt.dateadd('day', maturity, dbt.dateadd('month', 1, 'grouped.cohort_month')) }} <= clock.as_of_at
        end as is_mature
    from grouped
    cross join clock

)

select * from final
