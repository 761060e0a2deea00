{#- Cycle 1 of the sales hand-off, from every lead's first capture (macros/lead_cycles.sql). -#}
{{ lead_cycle(1) }}
