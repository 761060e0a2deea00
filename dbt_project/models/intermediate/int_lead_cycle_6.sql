{#- Cycle 6 of the sales hand-off, from the leads int_lead_cycle_5 recycled (macros/lead_cycles.sql). -#}
{{ lead_cycle(6) }}
