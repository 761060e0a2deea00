{#- The sales owner of every lead and MQL cycle, routed by config/handoff.yml: the first
    matching rule names an owner, or a team whose members take turns in MQL order. Once a
    cycle was handed off, its owner is the one it was handed to, whatever the rules say now. -#}

with

cycles as {{ inlined() }} (

    select * from {{ ref('int_lead_mql_cycles') }}

),

handoffs as (

    select * from {{ ref('stg_ops__handoffs') }}
    where status in ('delivered', 'written')

),

handed_off as (

    select
        lead_id,
        cycle,
        min(handed_off_at) as handed_off_at,
        {{ earliest_non_null('owner', ['handed_off_at', 'channel']) }} as owner
    from handoffs
    group by lead_id, cycle

),

routed as (

    select
        cycles.lead_id,
        cycles.cycle,
        cycles.mql_at,
        {{ routing_rule('cycles') }} as routing_rule
    from cycles

),

targeted as (

    select
        *,
        {{ routing_target('routing_rule', 'owner') }} as rule_owner,
        {{ routing_target('routing_rule', 'team') }} as owner_team
    from routed

),

turns as (

    select
        *,
        row_number() over (partition by owner_team order by mql_at, lead_id, cycle) as team_turn
    from targeted

),

final as (

    select
        turns.lead_id,
        cast(turns.cycle as {{ dbt.type_int() }}) as cycle,
        turns.routing_rule,
        turns.owner_team,
        coalesce(handed_off.owner, turns.rule_owner, {{ team_member('turns.owner_team', 'turns.team_turn') }}) as owner,
        handed_off.handed_off_at
    from turns
    left join handed_off
        on
            turns.lead_id = handed_off.lead_id
            and turns.cycle = handed_off.cycle

)

select * from final
