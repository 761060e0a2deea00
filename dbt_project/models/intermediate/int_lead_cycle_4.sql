{#- Cycle 4 of the sales hand-off, from the leads int_lead_cycle_3 recycled (macros/lead_cycles.sql). -#}
{{ lead_cycle(4) }}
