{#- Cycle 2 of the sales hand-off, from the leads int_lead_cycle_1 recycled (macros/lead_cycles.sql). -#}
{{ lead_cycle(2) }}
