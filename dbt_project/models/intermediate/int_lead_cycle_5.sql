{#- Cycle 5 of the sales hand-off, from the leads int_lead_cycle_4 recycled (macros/lead_cycles.sql). -#}
{{ lead_cycle(5) }}
