{#- The sales hand-off, one row per lead and cycle: the union of the cycle models
    int_lead_cycle_1 ... int_lead_cycle_6 (the rules are in macros/lead_cycles.sql). Cycles
    beyond recycle.max_cycles have no rows. is_current_cycle marks each lead's last cycle. -#}
{%- do lead_max_cycles() -%}

-- A Jinja loop generates the union; its indentation is the rendered SQL's, not SQLFluff's.
-- noqa: disable=LT02
with

all_cycles as (

    {%- for k in range(1, lead_cycle_cap() + 1) %}
    select * from {{ ref('int_lead_cycle_' ~ k) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        all_cycles.*,
        all_cycles.cycle = max(all_cycles.cycle) over (partition by all_cycles.lead_id) as is_current_cycle
    from all_cycles

)

select * from final
