{#- Cycle 3 of the sales hand-off, from the leads int_lead_cycle_2 recycled (macros/lead_cycles.sql). -#}
{{ lead_cycle(3) }}
