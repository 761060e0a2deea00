{#- One row per opportunity: its latest snapshot (by modification time, then load order),
    attributed to a lead. An opportunity naming a contact belongs to the lead with that
    e-mail; an account-level one (no contact) to the lead of the account's domain that sales
    accepted most recently before the opportunity was created (also when its contact e-mail
    matches no lead). Unattributed opportunities
    are kept (lead_id null) and flagged in marts.stage_skips. -#}

with

snapshots as (

    select
        *,
        row_number() over (
            partition by opportunity_id
            order by updated_at desc, loaded_at desc, source_file desc, source_row desc
        ) as snapshot_rank,
        count(*) over (partition by opportunity_id) as snapshot_count
    from {{ ref('stg_raw__opportunities') }}

),

latest as (

    select * from snapshots
    where snapshot_rank = 1

),

leads as (

    select
        lead_id,
        email,
        company_domain
    from {{ ref('int_leads_profiled') }}

),

acceptances as {{ inlined() }} (

    select * from {{ ref('int_sales_decisions_ranked') }}
    where decision = 'accepted'

),

by_contact as (

    select
        latest.opportunity_id,
        leads.lead_id
    from latest
    inner join leads
        on latest.email = leads.email

),

account_candidates as (

    select
        latest.opportunity_id,
        leads.lead_id,
        row_number() over (
            partition by latest.opportunity_id
            order by acceptances.decided_at desc, leads.lead_id asc
        ) as candidate_rank
    from latest
    inner join leads
        on latest.account_domain = leads.company_domain
    inner join acceptances
        on
            leads.lead_id = acceptances.lead_id
            and latest.created_at >= acceptances.decided_at

),

by_account as (

    select
        opportunity_id,
        lead_id
    from account_candidates
    where candidate_rank = 1

),

final as (

    select
        latest.opportunity_id,
        coalesce(by_contact.lead_id, by_account.lead_id) as lead_id,
        case
            when by_contact.lead_id is not null then 'contact'
            when by_account.lead_id is not null then 'account'
        end as attributed_by,
        latest.opportunity_name,
        latest.email as contact_email,
        latest.account_id,
        latest.account_name,
        latest.account_domain,
        latest.created_at,
        latest.amount,
        latest.currency,
        latest.expected_close_date,
        latest.stage,
        latest.stage = 'closed_won' as is_won,
        latest.stage in ('closed_won', 'closed_lost') as is_closed,
        case when latest.stage in ('closed_won', 'closed_lost') then coalesce(latest.closed_at, latest.updated_at) end
            as closed_at,
        latest.lost_reason,
        latest.owner,
        latest.updated_at,
        latest.snapshot_count,
        coalesce(latest.amount, 0) > 0 and latest.expected_close_date is not null as is_qualifying,
        row_number() over (
            partition by coalesce(by_contact.lead_id, by_account.lead_id)
            order by latest.created_at, latest.opportunity_id
        ) as opportunity_rank
    from latest
    left join by_contact
        on latest.opportunity_id = by_contact.opportunity_id
    left join by_account
        on latest.opportunity_id = by_account.opportunity_id

)

select * from final
