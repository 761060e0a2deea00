{#- Every outcome fact, resolved to a lead: the outcomes exports (won / lost deals, converted
    / not converted leads), naming the lead by e-mail or by the CRM record id of a loaded
    contact, and the closed opportunities (closed_won: won, closed_lost: lost), which count
    as outcomes where a team has them. An outcome whose lead is not known is kept with a null
    lead_id. -#}

with

outcomes as (

    select * from {{ ref('stg_raw__outcomes') }}

),

contacts as (

    select * from {{ ref('stg_raw__contacts') }}

),

opportunities as {{ inlined() }} (

    select * from {{ ref('int_opportunities_attributed') }}

),

leads as (

    select lead_id from {{ ref('int_leads_profiled') }}

),

record_ids as (

    -- a CRM record id names the contact exported with that id; its latest record wins
    select
        source_record_id,
        email,
        row_number() over (
            partition by source_record_id
            order by captured_at desc, loaded_at desc, source_file desc, source_row desc
        ) as record_rank
    from contacts
    where source_record_id is not null

),

exported as (

    select
        outcomes.outcome_record_id,
        coalesce(outcomes.email, record_ids.email) as email,
        case
            when outcomes.email is not null then 'email'
            when record_ids.email is not null then 'record_id'
        end as resolved_by,
        outcomes.outcome,
        outcomes.is_positive,
        outcomes.decided_at,
        outcomes.amount,
        outcomes.currency,
        'outcomes' as outcome_source,
        outcomes.source_outcome_id as source_id,
        outcomes.mapping,
        outcomes.source_file,
        outcomes.source_row
    from outcomes
    left join record_ids
        on
            outcomes.source_record_id = record_ids.source_record_id
            and record_ids.record_rank = 1

),

from_exports as (

    select
        exported.outcome_record_id,
        leads.lead_id,
        exported.resolved_by,
        exported.outcome,
        exported.is_positive,
        exported.decided_at,
        exported.amount,
        exported.currency,
        exported.outcome_source,
        exported.source_id,
        exported.mapping,
        exported.source_file,
        exported.source_row
    from exported
    left join leads
        on {{ dbt.hash('exported.email') }} = leads.lead_id

),

from_opportunities as (

    select
        {{ dbt.hash(dbt.concat(["'opportunity#'", "opportunity_id"])) }} as outcome_record_id,
        lead_id,
        attributed_by as resolved_by,
        case when is_won then 'won' else 'lost' end as outcome,
        is_won as is_positive,
        closed_at as decided_at,
        amount,
        currency,
        'opportunities' as outcome_source,
        opportunity_id as source_id,
        cast(null as {{ dbt.type_string() }}) as mapping,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_bigint() }}) as source_row
    from opportunities
    where is_closed

),

final as (

    select * from from_exports
    union all
    select * from from_opportunities

)

select * from final
