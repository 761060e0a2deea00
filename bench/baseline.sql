-- Hand-written DuckDB baseline for the benchmark: the same loading and modelling as
-- `leadflow run`, as one plain SQL script (no dbt, no Prefect, no Python logic).
--
-- Leads: loads the landing files with DuckDB's readers into raw.contacts / raw.companies,
-- sends unusable rows to raw.quarantine (missing or malformed e-mail or domain, missing or
-- unparseable timestamp, structurally broken CSV lines), normalises e-mails, domains and
-- countries, resolves identities (one lead per lower(trim(email)), latest non-null value of
-- each attribute by capture time, then file and line), joins firmographics, scores the ICP
-- fit and tiers the leads with the rules of config/icp.yml written out by hand.
--
-- Engagement and MQL: loads the activity events (form submissions from the forms CSVs,
-- web page views, e-mail engagement, webinar attendance) into raw.events with the same row
-- checks and quarantine, keeps the first copy of a repeated event (same mapping and event
-- id), gives each event the points of the first rule of config/scoring.yml it matches
-- (written out by hand), stitches anonymous visitor ids to the first e-mail they identified
-- as, sums points per lead, rule and day, computes the daily rolling-window score with the
-- caps, the current score breakdown, hand-raises, consent and mql_at, and the tier `mql`.
--
-- Writes marts.leads, marts.lead_source_records, marts.mql_leads, marts.lead_score_daily
-- and marts.lead_score_breakdown with the pipeline's columns.
--
-- bench/run_bench.py sets three variables before running it:
--   landing        the landing folder
--   cards_root     a folder whose cards/*.csv are the business cards transcoded from
--                  Windows-1252 to UTF-8 (DuckDB reads UTF-8, UTF-16 and Latin-1 only)
--   country_codes  dbt_project/seeds/country_codes.csv
-- Before it, run_bench.py runs baseline_web_parquet.sql and/or baseline_web_jsonl.sql
-- (for the formats of the landing folder's web/ files) and unions their views into the
-- temp view web_events_src: the page views mapped to the canonical event fields.
--
-- Line numbers are reconstructed from the order rows are read in (header = line 1), which
-- is exact as long as no CSV line is broken; broken lines are quarantined either way.

create schema if not exists raw;
create schema if not exists reference;
create schema if not exists marts;

-- ------------------------------------------------------------------ helpers

create temp macro txt(v) as nullif(trim(v), '');
create temp macro relative_path(filename, root) as replace(filename, root || '/', '');
create temp macro file_stem(path) as regexp_extract(path, '([^/]+)\.[^./]*$', 1);
create temp macro madrid_to_utc(v, fmt) as
    timezone('UTC', timezone('Europe/Madrid', try_strptime(v, fmt)));
-- The first rule a row breaks, in the loader's order; NULL for a usable row.
create temp macro contact_reason(email, captured_text, captured_at) as case
    when email is null then 'missing email'
    when captured_text is null then 'missing captured_at'
    when not regexp_full_match(lower(email), '[^@\s]+@[^@\s]+\.[^@\s.]+') then 'malformed email'
    when captured_at is null then 'unparseable captured_at'
end;
create temp macro url_domain(v) as nullif(regexp_replace(
    split_part(split_part(split_part(
        replace(replace(lower(trim(v)), 'https://', ''), 'http://', ''), '/', 1), '?', 1), ':', 1),
    '^www\.', ''), '');

-- Events: a timestamp as the loader parses it (the profile's format, else ISO 8601), UTC.
create temp macro event_time(v, fmt) as coalesce(
    try_strptime(v, fmt), timezone('UTC', try_cast(v as timestamptz)), try_cast(v as timestamp)
);
create temp macro to_bigint(v) as try_cast(try_cast(replace(v, ',', '') as double) as bigint);
-- The first check an event breaks, in the loader's order; NULL for a usable event.
create temp macro event_reason(
    occurred_text, event_type, email, visitor_id, occurred_at,
    duration_text, duration_seconds, minutes_text, minutes_attended
) as case
    when occurred_text is null then 'missing occurred_at'
    when event_type is null then 'missing event_type'
    when email is null and visitor_id is null then 'missing email or visitor_id'
    when email is not null and not regexp_full_match(lower(email), '[^@\s]+@[^@\s]+\.[^@\s.]+')
        then 'malformed email'
    when occurred_at is null then 'unparseable occurred_at'
    when duration_text is not null and duration_seconds is null then 'non-numeric duration_seconds'
    when minutes_text is not null and minutes_attended is null then 'non-numeric minutes_attended'
end;
-- A scoring rule's window total limited by its cap (config/scoring.yml).
create temp macro capped(rule_name, total) as case rule_name
    when 'pricing page' then least(total, 24)
    when 'careers page' then greatest(total, -10)
    when 'support page' then greatest(total, -6)
    when 'product page' then least(total, 15)
    when 'long page view' then least(total, 10)
    when 'page view' then least(total, 5)
    when 'webinar attended 30+ min' then least(total, 30)
    when 'webinar attended' then least(total, 16)
    when 'webinar registration' then least(total, 6)
    when 'content download' then least(total, 20)
    when 'form submission' then least(total, 10)
    when 'email click' then least(total, 15)
    when 'email open' then least(total, 5)
    when 'unsubscribe' then greatest(total, -20)
    when 'bounce' then greatest(total, -10)
    else total
end;
-- Days since 2000-01-01, as the models number days.
create temp macro day_number(d) as date_diff('day', date '2000-01-01', cast(d as date));

create table reference.country_codes as
select * from read_csv(
    getvariable('country_codes'), header = true,
    columns = {'country_alias': 'VARCHAR', 'country_code': 'VARCHAR', 'country_name': 'VARCHAR'}
);

-- ------------------------------------------------------------------ read the landing files

create temp table src_forms as
select * from read_csv(
    getvariable('landing') || '/forms/*.csv', header = true, delim = ',', quote = '"',
    escape = '"', all_varchar = true, filename = true, store_rejects = true,
    rejects_table = 'rej_forms', rejects_scan = 'rej_forms_scans'
);

create temp table src_tradeshow as
select * from read_csv(
    getvariable('landing') || '/events/tradeshow_*.csv', header = true, delim = ';',
    quote = '"', escape = '"', all_varchar = true, filename = true, store_rejects = true,
    rejects_table = 'rej_tradeshow', rejects_scan = 'rej_tradeshow_scans'
);

create temp table src_webinar as
select * from read_csv(
    getvariable('landing') || '/events/webinar_*.csv', header = true, delim = ',',
    quote = '"', escape = '"', all_varchar = true, filename = true, store_rejects = true,
    rejects_table = 'rej_webinar', rejects_scan = 'rej_webinar_scans'
);

create temp table src_cards as
select * from read_csv(
    getvariable('cards_root') || '/cards/*.csv', header = true, delim = ',', quote = '"',
    escape = '"', all_varchar = true, filename = true, store_rejects = true,
    rejects_table = 'rej_cards', rejects_scan = 'rej_cards_scans'
);

create temp table src_email as
select * from read_csv(
    getvariable('landing') || '/email/*.csv', header = true, delim = ',', quote = '"',
    escape = '"', all_varchar = true, filename = true, store_rejects = true,
    rejects_table = 'rej_email', rejects_scan = 'rej_email_scans'
);

create temp table src_newsletter as
select * from read_json(
    getvariable('landing') || '/subscriptions/*.jsonl', format = 'newline_delimited',
    columns = {
        'email': 'VARCHAR', 'first_name': 'VARCHAR', 'last_name': 'VARCHAR',
        'subscribed_at': 'VARCHAR', 'list': 'VARCHAR', 'consent': 'VARCHAR'
    },
    filename = true, ignore_errors = true
);

-- ------------------------------------------------------------------ map, check, split

create temp table contacts_parsed as
with

forms as (
    select
        relative_path(s.filename, getvariable('landing')) as source_file,
        s.rowid - f.first_rowid + 2 as source_row,
        'web_forms' as mapping,
        'form' as source_type,
        txt(s."Submission ID") as source_record_id,
        txt(s."Submitted At") as captured_text,
        try_strptime(captured_text, '%Y-%m-%d %H:%M:%S') as captured_at,
        txt(s."Email") as email,
        txt(s."First Name") as first_name,
        txt(s."Last Name") as last_name,
        null::varchar as full_name,
        txt(s."Company") as company_name,
        txt(s."Job Title") as job_title,
        txt(s."Phone") as phone,
        txt(s."Country") as country,
        txt(s."Company Website") as website,
        txt(s."Consent") as consent,
        null::varchar as opted_out,
        'Web form' as lead_source,
        coalesce(txt(s."Form"), file_stem(source_file)) as source_detail,
        txt(s.utm_source) as utm_source,
        txt(s.utm_medium) as utm_medium,
        txt(s.utm_campaign) as utm_campaign,
        contact_reason(txt(s."Email"), captured_text, captured_at) as reason,
        case when reason is not null then json_merge_patch(to_json(s), '{"filename": null}') end
            as original_row
    from src_forms as s
    inner join (select filename, min(rowid) as first_rowid from src_forms group by 1) as f
        on s.filename = f.filename
),

tradeshow as (
    select
        relative_path(s.filename, getvariable('landing')) as source_file,
        s.rowid - f.first_rowid + 2 as source_row,
        'tradeshow_registrations' as mapping,
        'event' as source_type,
        null::varchar as source_record_id,
        txt(s."Registration Date") as captured_text,
        madrid_to_utc(captured_text, '%d/%m/%Y %H:%M') as captured_at,
        txt(s."E-mail") as email,
        txt(s."First Name") as first_name,
        txt(s."Last Name") as last_name,
        null::varchar as full_name,
        txt(s."Organisation") as company_name,
        txt(s."Position") as job_title,
        null::varchar as phone,
        txt(s."Country") as country,
        null::varchar as website,
        txt(s."Opt-in") as consent,
        null::varchar as opted_out,
        'Trade show' as lead_source,
        file_stem(source_file) as source_detail,
        null::varchar as utm_source,
        null::varchar as utm_medium,
        null::varchar as utm_campaign,
        contact_reason(txt(s."E-mail"), captured_text, captured_at) as reason,
        case when reason is not null then json_merge_patch(to_json(s), '{"filename": null}') end
            as original_row
    from src_tradeshow as s
    inner join (select filename, min(rowid) as first_rowid from src_tradeshow group by 1) as f
        on s.filename = f.filename
),

webinar as (
    select
        relative_path(s.filename, getvariable('landing')) as source_file,
        s.rowid - f.first_rowid + 2 as source_row,
        'webinar_registrations' as mapping,
        'event' as source_type,
        null::varchar as source_record_id,
        txt(s."Registration Time") as captured_text,
        try_strptime(captured_text, '%b %d, %Y %I:%M %p') as captured_at,
        txt(s."Email") as email,
        txt(s."First Name") as first_name,
        txt(s."Last Name") as last_name,
        null::varchar as full_name,
        txt(s."Organization") as company_name,
        txt(s."Job Title") as job_title,
        null::varchar as phone,
        txt(s."Country/Region") as country,
        null::varchar as website,
        null::varchar as consent,
        null::varchar as opted_out,
        'Webinar' as lead_source,
        file_stem(source_file) as source_detail,
        null::varchar as utm_source,
        null::varchar as utm_medium,
        null::varchar as utm_campaign,
        contact_reason(txt(s."Email"), captured_text, captured_at) as reason,
        case when reason is not null then json_merge_patch(to_json(s), '{"filename": null}') end
            as original_row
    from src_webinar as s
    inner join (select filename, min(rowid) as first_rowid from src_webinar group by 1) as f
        on s.filename = f.filename
),

cards as (
    select
        relative_path(s.filename, getvariable('cards_root')) as source_file,
        s.rowid - f.first_rowid + 2 as source_row,
        'business_cards' as mapping,
        'card' as source_type,
        null::varchar as source_record_id,
        txt(s."Scanned") as captured_text,
        madrid_to_utc(captured_text, '%m/%d/%Y %H:%M') as captured_at,
        txt(s."Email") as email,
        null::varchar as first_name,
        null::varchar as last_name,
        txt(s."Name") as full_name,
        txt(s."Company") as company_name,
        txt(s."Title") as job_title,
        txt(s."Phone") as phone,
        txt(s."Country") as country,
        null::varchar as website,
        null::varchar as consent,
        null::varchar as opted_out,
        'Business card' as lead_source,
        file_stem(source_file) as source_detail,
        null::varchar as utm_source,
        null::varchar as utm_medium,
        null::varchar as utm_campaign,
        contact_reason(txt(s."Email"), captured_text, captured_at) as reason,
        case when reason is not null then json_merge_patch(to_json(s), '{"filename": null}') end
            as original_row
    from src_cards as s
    inner join (select filename, min(rowid) as first_rowid from src_cards group by 1) as f
        on s.filename = f.filename
),

newsletter as (
    select
        relative_path(s.filename, getvariable('landing')) as source_file,
        s.rowid - f.first_rowid + 1 as source_row,
        'newsletter_subscribers' as mapping,
        'subscription' as source_type,
        null::varchar as source_record_id,
        txt(s.subscribed_at) as captured_text,
        timezone('UTC', try_cast(captured_text as timestamptz)) as captured_at,
        txt(s.email) as email,
        txt(s.first_name) as first_name,
        txt(s.last_name) as last_name,
        null::varchar as full_name,
        null::varchar as company_name,
        null::varchar as job_title,
        null::varchar as phone,
        null::varchar as country,
        null::varchar as website,
        txt(s.consent) as consent,
        null::varchar as opted_out,
        'Newsletter' as lead_source,
        coalesce(txt(s.list), file_stem(source_file)) as source_detail,
        null::varchar as utm_source,
        null::varchar as utm_medium,
        null::varchar as utm_campaign,
        contact_reason(txt(s.email), captured_text, captured_at) as reason,
        case when reason is not null then json_merge_patch(to_json(s), '{"filename": null}') end
            as original_row
    from src_newsletter as s
    inner join (select filename, min(rowid) as first_rowid from src_newsletter group by 1) as f
        on s.filename = f.filename
)

select * from forms
union all select * from tradeshow
union all select * from webinar
union all select * from cards
union all select * from newsletter;

drop table src_tradeshow;
drop table src_cards;
drop table src_newsletter;

create table raw.contacts as
select
    source_record_id, captured_at, email, first_name, last_name, full_name, company_name,
    job_title, phone, country, website, consent, opted_out, lead_source, source_detail,
    utm_source, utm_medium, utm_campaign,
    source_file, source_row, mapping, source_type, now()::timestamp as loaded_at
from contacts_parsed
where reason is null;

create temp table companies_parsed as
select
    s.domain,
    s.company_name,
    s.industry,
    s.employees,
    s.annual_revenue_usd as annual_revenue,
    s.country,
    timezone('UTC', s.as_of) as as_of,
    relative_path(s.filename, getvariable('landing')) as source_file,
    s.file_row_number + 1 as source_row,
    'firmographics' as mapping,
    'enrichment' as source_type,
    now()::timestamp as loaded_at,
    case
        when txt(s.domain) is null then 'missing domain'
        when not regexp_full_match(lower(trim(s.domain)), '([a-z0-9-]+\.)+[a-z]{2,}')
            then 'malformed domain'
    end as reason
from read_parquet(
    getvariable('landing') || '/firmographics/*.parquet', filename = true,
    file_row_number = true
) as s;

create table raw.companies as
select * exclude (reason) from companies_parsed
where reason is null;

-- Structurally broken CSV lines, as DuckDB's CSV reader rejected them.
create temp table csv_rejects as
select e.*, s.file_path, 'web_forms' as mapping
from rej_forms as e inner join rej_forms_scans as s using (scan_id, file_id)
union all
select e.*, s.file_path, 'tradeshow_registrations'
from rej_tradeshow as e inner join rej_tradeshow_scans as s using (scan_id, file_id)
union all
select e.*, s.file_path, 'webinar_registrations'
from rej_webinar as e inner join rej_webinar_scans as s using (scan_id, file_id)
union all
select e.*, s.file_path, 'business_cards'
from rej_cards as e inner join rej_cards_scans as s using (scan_id, file_id);

create table raw.quarantine as
select
    source_file, source_row, mapping, 'contacts' as entity, reason,
    split_part(reason, ' ', 2) as field,
    case when reason like '%email' then email else captured_text end as value,
    original_row::varchar as original_row, now()::timestamp as loaded_at
from contacts_parsed
where reason is not null
union all
select
    source_file, source_row, mapping, 'companies', reason, 'domain', domain,
    to_json(struct_pack(domain, company_name, industry, employees, annual_revenue, country))
        ::varchar,
    loaded_at
from companies_parsed
where reason is not null
union all
select
    relative_path(relative_path(file_path, getvariable('landing')), getvariable('cards_root')),
    line, mapping, 'contacts',
    'malformed row: ' || cast(error_type as varchar) || coalesce(': ' || error_message, ''),
    null, null, coalesce(csv_line, ''), now()::timestamp
from csv_rejects;

drop table contacts_parsed;
drop table companies_parsed;

-- ------------------------------------------------------------------ events: map, check, split

-- Every event row of the landing files with its canonical fields, the first check it breaks
-- (reason) and, for a broken row only, the original row. (A source column named like an
-- alias wins over the alias in the same select list: hence txt(s."Email") below.) A view: raw.events and
-- raw.quarantine each read it once, so nothing of this size is held in memory.
create temp view events_checked as
with

form_events as (
    select
        relative_path(s.filename, getvariable('landing')) as source_file,
        s.rowid - f.first_rowid + 2 as source_row,
        'form_events' as mapping,
        'form' as source_type,
        txt(s."Submission ID") as event_id,
        txt(s."Submitted At") as occurred_text,
        event_time(occurred_text, '%Y-%m-%d %H:%M:%S') as occurred_at,
        txt(s."Email") as email,
        txt(s."Visitor ID") as visitor_id,
        case txt(s."Form")
            when 'Demo request' then 'demo_request'
            when 'Pricing request' then 'pricing_request'
            when 'Contact sales' then 'contact_sales_request'
            when 'Whitepaper download' then 'content_download'
            when 'Contact us' then 'form_submit'
            when 'Newsletter' then 'form_submit'
            else txt(s."Form")
        end as event_type,
        txt(s."Page URL") as url,
        null::varchar as duration_text,
        null::bigint as duration_seconds,
        null::varchar as minutes_text,
        null::bigint as minutes_attended,
        txt(s."Form") as asset,
        null::varchar as campaign,
        txt(s.utm_source) as utm_source,
        txt(s.utm_medium) as utm_medium,
        txt(s.utm_campaign) as utm_campaign,
        event_reason(
            occurred_text, event_type, txt(s."Email"), visitor_id, occurred_at,
            duration_text, duration_seconds, minutes_text, minutes_attended
        ) as reason,
        case when reason is not null then json_merge_patch(to_json(s), '{"filename": null}') end
            as original_row
    from src_forms as s
    inner join (select filename, min(rowid) as first_rowid from src_forms group by 1) as f
        on s.filename = f.filename
),

email_events as (
    select
        relative_path(s.filename, getvariable('landing')) as source_file,
        s.rowid - f.first_rowid + 2 as source_row,
        'email_engagement' as mapping,
        'event' as source_type,
        txt(s."Event ID") as event_id,
        txt(s."Timestamp") as occurred_text,
        event_time(occurred_text, '%Y-%m-%dT%H:%M:%SZ') as occurred_at,
        txt(s."Email Address") as email,
        null::varchar as visitor_id,
        case txt(s."Event")
            when 'open' then 'email_open'
            when 'click' then 'email_click'
            when 'unsubscribe' then 'email_unsubscribe'
            when 'hard_bounce' then 'email_bounce'
            when 'soft_bounce' then 'email_bounce'
            else txt(s."Event")
        end as event_type,
        txt(s."Link URL") as url,
        null::varchar as duration_text,
        null::bigint as duration_seconds,
        null::varchar as minutes_text,
        null::bigint as minutes_attended,
        null::varchar as asset,
        txt(s."Campaign Name") as campaign,
        null::varchar as utm_source,
        null::varchar as utm_medium,
        null::varchar as utm_campaign,
        event_reason(
            occurred_text, event_type, email, visitor_id, occurred_at,
            duration_text, duration_seconds, minutes_text, minutes_attended
        ) as reason,
        case when reason is not null then json_merge_patch(to_json(s), '{"filename": null}') end
            as original_row
    from src_email as s
    inner join (select filename, min(rowid) as first_rowid from src_email group by 1) as f
        on s.filename = f.filename
),

webinar_events as (
    select
        relative_path(s.filename, getvariable('landing')) as source_file,
        s.rowid - f.first_rowid + 2 as source_row,
        'webinar_attendance' as mapping,
        'event' as source_type,
        null::varchar as event_id,
        txt(s."Registration Time") as occurred_text,
        event_time(occurred_text, '%b %d, %Y %I:%M %p') as occurred_at,
        txt(s."Email") as email,
        null::varchar as visitor_id,
        case txt(s."Attended")
            when 'Yes' then 'webinar_attended'
            when 'No' then 'webinar_registered'
            else txt(s."Attended")
        end as event_type,
        null::varchar as url,
        null::varchar as duration_text,
        null::bigint as duration_seconds,
        txt(s."Time in Session (minutes)") as minutes_text,
        to_bigint(minutes_text) as minutes_attended,
        null::varchar as asset,
        null::varchar as campaign,
        null::varchar as utm_source,
        null::varchar as utm_medium,
        null::varchar as utm_campaign,
        event_reason(
            occurred_text, event_type, txt(s."Email"), visitor_id, occurred_at,
            duration_text, duration_seconds, minutes_text, minutes_attended
        ) as reason,
        case when reason is not null then json_merge_patch(to_json(s), '{"filename": null}') end
            as original_row
    from src_webinar as s
    inner join (select filename, min(rowid) as first_rowid from src_webinar group by 1) as f
        on s.filename = f.filename
),

web_events as (
    -- web_events_src: from baseline_web_parquet.sql / baseline_web_jsonl.sql.
    select
        w.source_file,
        w.source_row,
        w.mapping,
        'event' as source_type,
        w.event_id,
        w.occurred_text,
        w.occurred_at,
        w.email,
        w.visitor_id,
        w.event_type,
        w.url,
        w.duration_text,
        w.duration_seconds,
        null::varchar as minutes_text,
        null::bigint as minutes_attended,
        w.asset,
        w.campaign,
        w.utm_source,
        w.utm_medium,
        w.utm_campaign,
        event_reason(
            w.occurred_text, w.event_type, w.email, w.visitor_id, w.occurred_at,
            w.duration_text, w.duration_seconds, null, null
        ) as reason,
        case when reason is not null then to_json(w.original) end as original_row
    from web_events_src as w
)

select * from form_events
union all select * from email_events
union all select * from webinar_events
union all select * from web_events;

create table raw.events as
select
    event_id, occurred_at, email, visitor_id, event_type, url, duration_seconds,
    minutes_attended, asset, campaign, utm_source, utm_medium, utm_campaign,
    source_file, source_row, mapping, source_type, now()::timestamp as loaded_at
from events_checked
where reason is null;

insert into raw.quarantine
select
    source_file, source_row, mapping, 'events', reason,
    split_part(reason, ' ', 2),
    case split_part(reason, ' ', 2)
        when 'occurred_at' then occurred_text
        when 'event_type' then event_type
        when 'email' then email
        when 'duration_seconds' then duration_text
        when 'minutes_attended' then minutes_text
    end,
    original_row::varchar,
    now()::timestamp
from events_checked
where reason is not null
union all
-- Structurally broken lines of the CSV exports that also feed events, once per profile.
select
    relative_path(file_path, getvariable('landing')), line, mapping, 'events',
    'malformed row: ' || cast(error_type as varchar) || coalesce(': ' || error_message, ''),
    null, null, coalesce(csv_line, ''), now()::timestamp
from (
    select e.*, s.file_path, 'form_events' as mapping
    from rej_forms as e inner join rej_forms_scans as s using (scan_id, file_id)
    union all
    select e.*, s.file_path, 'webinar_attendance'
    from rej_webinar as e inner join rej_webinar_scans as s using (scan_id, file_id)
    union all
    select e.*, s.file_path, 'email_engagement'
    from rej_email as e inner join rej_email_scans as s using (scan_id, file_id)
);

drop view events_checked;
drop table src_forms;
drop table src_webinar;
drop table src_email;


-- ------------------------------------------------------------------ normalise

create temp table contacts_clean as
select
    md5(c.source_file || '#' || cast(c.source_row as varchar)) as contact_record_id,
    lower(c.email) as email,
    split_part(lower(c.email), '@', 1) as email_local_part,
    split_part(lower(c.email), '@', 2) as email_domain,
    coalesce(c.first_name, split_part(c.full_name, ' ', 1)) as first_name,
    coalesce(
        c.last_name,
        txt(substring(c.full_name, length(split_part(c.full_name, ' ', 1)) + 2))
    ) as last_name,
    coalesce(c.full_name, txt(concat_ws(' ', c.first_name, c.last_name))) as full_name,
    c.company_name,
    c.job_title,
    c.phone,
    cc.country_code,
    url_domain(c.website) as website_domain,
    case
        when lower(c.opted_out) in (
            'yes', 'y', 'true', 't', '1', 'sí', 'si', 'x', 'checked', 'opted out', 'unsubscribed'
        ) then false
        when lower(c.consent) in (
            'yes', 'y', 'true', 't', '1', 'sí', 'si', 'ja', 'oui', 'x', 'checked', 'on',
            'opted in', 'opt-in', 'subscribed'
        ) then true
        when lower(c.consent) in (
            'no', 'n', 'false', 'f', '0', 'nein', 'non', 'unchecked', 'off', 'opted out',
            'opt-out', 'unsubscribed'
        ) then false
    end as has_consent,
    c.source_detail,
    c.utm_campaign,
    c.captured_at,
    c.source_type,
    c.mapping,
    c.source_file,
    c.source_row,
    c.loaded_at,
    row_number() over (order by c.captured_at, c.source_file, c.source_row, c.mapping) as recency
from raw.contacts as c
left join reference.country_codes as cc
    on lower(c.country) = cc.country_alias;

create table marts.lead_source_records as
select
    contact_record_id, md5(email) as lead_id, source_type, mapping, source_file, source_row,
    captured_at, loaded_at
from contacts_clean;

-- ------------------------------------------------------------------ resolve identities

create temp table leads_resolved as
select
    md5(email) as lead_id,
    email,
    arg_max(email_local_part, recency) as email_local_part,
    arg_max(email_domain, recency) as email_domain,
    arg_max(first_name, recency) filter (where first_name is not null) as first_name,
    arg_max(last_name, recency) filter (where last_name is not null) as last_name,
    arg_max(full_name, recency) filter (where full_name is not null) as full_name,
    arg_max(company_name, recency) filter (where company_name is not null) as company_name,
    arg_max(job_title, recency) filter (where job_title is not null) as job_title,
    arg_max(country_code, recency) filter (where country_code is not null) as country_code,
    arg_max(website_domain, recency) filter (where website_domain is not null)
        as website_domain,
    arg_max(has_consent, recency) filter (where has_consent is not null) as has_consent,
    arg_min(source_type, recency) as first_touch_source_type,
    arg_min(source_detail, recency) filter (where source_detail is not null)
        as first_touch_source_detail,
    arg_min(utm_campaign, recency) filter (where utm_campaign is not null)
        as first_touch_campaign,
    arg_max(source_type, recency) as last_touch_source_type,
    arg_max(source_detail, recency) filter (where source_detail is not null)
        as last_touch_source_detail,
    arg_max(utm_campaign, recency) filter (where utm_campaign is not null)
        as last_touch_campaign,
    min(captured_at) as first_captured_at,
    max(captured_at) as last_captured_at,
    min(captured_at) filter (where job_title is not null) as job_title_known_at,
    min(captured_at) filter (where country_code is not null) as country_known_at,
    count(*) as source_record_count
from contacts_clean
group by email;

drop table contacts_clean;

create temp table companies_resolved as
with companies as (
    select
        url_domain(domain) as company_domain,
        txt(company_name) as company_name,
        txt(industry) as industry_as_exported,
        lower(txt(industry)) as industry_key,
        case when employees >= 0 then employees end as employees,
        case when annual_revenue >= 0 then annual_revenue end as annual_revenue_usd,
        cc.country_code,
        coalesce(as_of, loaded_at) as as_of,
        row_number() over (order by coalesce(as_of, loaded_at), source_file, source_row)
            as recency
    from raw.companies
    left join reference.country_codes as cc
        on lower(trim(raw.companies.country)) = cc.country_alias
)
select
    company_domain,
    arg_max(company_name, recency) filter (where company_name is not null) as company_name,
    arg_max(industry_as_exported, recency) filter (where industry_as_exported is not null)
        as industry_as_exported,
    arg_max(industry_key, recency) filter (where industry_key is not null) as industry_key,
    arg_max(employees, recency) filter (where employees is not null) as employees,
    arg_max(annual_revenue_usd, recency) filter (where annual_revenue_usd is not null)
        as annual_revenue_usd,
    arg_max(country_code, recency) filter (where country_code is not null) as country_code,
    min(as_of) as first_known_at
from companies
where company_domain is not null
group by company_domain;

-- ------------------------------------------------------------------ score and tier (config/icp.yml)

create temp table leads_profiled as
with

enriched as (
    select
        *,
        email_domain in (
            'gmail.com', 'googlemail.com', 'hotmail.com', 'hotmail.es', 'hotmail.co.uk',
            'yahoo.com', 'yahoo.es', 'yahoo.co.uk', 'outlook.com', 'outlook.es', 'live.com',
            'msn.com', 'gmx.de', 'gmx.net', 'web.de', 'icloud.com', 'me.com', 'aol.com',
            'protonmail.com', 'proton.me'
        ) as is_free_mail
    from leads_resolved
),

firmographics as (
    select
        l.*,
        case when l.is_free_mail then l.website_domain else l.email_domain end
            as company_domain,
        coalesce(co.company_name, l.company_name) as account_name,
        co.industry_key,
        co.industry_as_exported,
        co.employees,
        co.annual_revenue_usd,
        coalesce(l.country_code, co.country_code) as lead_country_code,
        co.first_known_at as firmographics_known_at,
        ' ' || trim(regexp_replace(lower(l.job_title), '[[:space:][:punct:]]+', ' ', 'g')) || ' '
            as title_words
    from enriched as l
    left join companies_resolved as co
        on co.company_domain
        = case when l.is_free_mail then l.website_domain else l.email_domain end
),

scored as (
    select
        *,
        case
            when lead_country_code in ('ES', 'PT', 'FR', 'DE', 'GB', 'IE', 'IT', 'NL', 'BE', 'US', 'MX')
                then 15
            else 0
        end as territory_points,
        case industry_key
            when 'software' then 30
            when 'financial services' then 25
            when 'healthcare' then 20
            when 'manufacturing' then 20
            when 'logistics' then 20
            when 'telecommunications' then 15
            when 'retail' then 10
            when 'media' then 5
            else 0
        end as industry_points,
        case
            when employees is null then null
            when employees between 1 and 49 then 5
            when employees between 50 and 199 then 15
            when employees between 200 and 4999 then 25
            when employees >= 5000 then 15
            else 0
        end as employee_points,
        case
            when annual_revenue_usd is null then null
            when annual_revenue_usd between 0 and 4999999 then 5
            when annual_revenue_usd between 5000000 and 49999999 then 15
            when annual_revenue_usd between 50000000 and 999999999 then 25
            when annual_revenue_usd >= 1000000000 then 15
            else 0
        end as revenue_points,
        case
            when regexp_matches(title_words, ' (ceo|cto|cfo|coo|cro|cmo|cio|chief|founder|co founder|owner|director general|directora general|managing director|geschäftsführer|geschäftsführerin|consejero delegado|consejera delegada) ')
                then 'executive'
            when regexp_matches(title_words, ' (vp|svp|evp|vice president|vicepresidente|vicepresidenta) ')
                then 'vp'
            when regexp_matches(title_words, ' (director|directora|directeur|head|jefe|jefa|leiter|leiterin) ')
                then 'director'
            when regexp_matches(title_words, ' (manager|responsable|gerente|lead|coordinator|coordinadora|coordinador) ')
                then 'manager'
            when regexp_matches(title_words, ' (analyst|analista|specialist|especialista|engineer|ingeniero|ingeniera|representative|consultant|consultor|consultora|executive|associate) ')
                then 'practitioner'
        end as persona
    from firmographics
),

points as (
    select
        *,
        case
            when employee_points is null and revenue_points is null then 0
            when coalesce(employee_points, 0) >= coalesce(revenue_points, 0) then employee_points
            else revenue_points
        end as size_points,
        case
            when employee_points is null and revenue_points is null then null
            when coalesce(employee_points, 0) >= coalesce(revenue_points, 0) then 'employees'
            else 'revenue'
        end as size_basis,
        case persona
            when 'executive' then 30
            when 'vp' then 25
            when 'director' then 20
            when 'manager' then 12
            when 'practitioner' then 5
            else 0
        end as persona_points,
        email_domain in ('pipelinepro.io', 'leadforge.com', 'funnelworks.de')
        or regexp_matches(email_domain, '\.(pipelinepro\.io|leadforge\.com|funnelworks\.de)$')
            as is_competitor,
        email_domain in ('example.com', 'example.org', 'test.com', 'mailinator.com')
        or regexp_matches(email_domain, '\.(example\.com|example\.org|test\.com|mailinator\.com)$')
        or email_local_part in ('test', 'noreply', 'no-reply', 'donotreply', 'asdf', 'none')
            as is_invalid_contact,
        regexp_matches(email_domain, '(\.edu|\.ac\.uk|\.edu\.es|(^|\.)alumnos\.upm\.es|(^|\.)uni-heidelberg\.de)$')
            as is_student_domain,
        coalesce(regexp_matches(title_words, ' (student|estudiante|alumno|alumna|phd candidate|doctorando|doctoranda|intern|becario|becaria|praktikant) '), false)
            as is_student_title,
        lead_country_code is not null
        and lead_country_code not in ('ES', 'PT', 'FR', 'DE', 'GB', 'IE', 'IT', 'NL', 'BE', 'US', 'MX')
            as is_out_of_territory
    from scored
),

fit as (
    select
        *,
        least(100, territory_points + industry_points + size_points + persona_points) as fit_score,
        concat_ws(
            ', ',
            case when territory_points > 0 then 'territory ' || lead_country_code || ' +' || territory_points end,
            case when industry_points > 0 then 'industry ' || industry_as_exported || ' +' || industry_points end,
            case
                when size_points > 0 and size_basis = 'employees'
                    then employees || ' employees +' || size_points
                when size_points > 0
                    then 'revenue ' || cast(annual_revenue_usd as bigint) || ' USD +' || size_points
            end,
            case when persona_points > 0 then 'title ' || job_title || ' (' || persona || ') +' || persona_points end
        ) as fit_parts,
        concat_ws(
            ', ',
            case when industry_key is null then 'industry' end,
            case when employees is null and annual_revenue_usd is null then 'company size' end,
            case when lead_country_code is null then 'country' end,
            case when persona is null then 'persona (job title)' end
        ) as missing_firmographics,
        case
            when is_competitor then 'competitor'
            when is_invalid_contact then 'invalid_contact'
            when is_free_mail or is_student_domain or is_student_title then 'student_or_personal'
            when is_out_of_territory then 'out_of_territory'
        end as disqualification_reason,
        case
            when is_competitor then 'competitor domain ' || email_domain
            when is_invalid_contact
                then 'address ' || email_local_part || '@' || email_domain || ' is not a person''s contact'
            when is_free_mail then 'free-mail address (' || email_domain || ')'
            when is_student_domain then 'school or university domain ' || email_domain
            when is_student_title then 'student title ' || job_title
            when is_out_of_territory then 'country ' || lead_country_code || ' is outside the territory'
        end as disqualification_detail
    from points
),

tiered as (
    select
        *,
        case
            when disqualification_reason is not null then 'disqualified'
            when missing_firmographics = '' and fit_score >= 60 then 'profiled'
            else 'name'
        end as tier
    from fit
),

final as (
    select
        *,
        case
            when tier = 'profiled' then 'fit ' || fit_score || '/100 (threshold 60): ' || fit_parts
            when tier = 'disqualified' then disqualification_reason || ': ' || disqualification_detail
            when missing_firmographics <> ''
                then 'missing firmographics: ' || missing_firmographics || '; fit ' || fit_score || '/100 so far'
            else 'fit ' || fit_score || '/100 below threshold 60'
                || case when fit_parts <> '' then ': ' || fit_parts else '' end
        end as tier_reason,
        case
            when fit_parts = '' then 'fit ' || fit_score || '/100: no ICP criteria met'
            else 'fit ' || fit_score || '/100: ' || fit_parts
        end as fit_reason,
        first_captured_at as name_at,
        case
            when tier = 'profiled'
                then greatest(
                    first_captured_at,
                    coalesce(firmographics_known_at, first_captured_at),
                    coalesce(job_title_known_at, first_captured_at),
                    coalesce(country_known_at, first_captured_at)
                )
        end as profiled_at,
        case
            when disqualification_reason = 'out_of_territory'
                then greatest(first_captured_at, coalesce(country_known_at, first_captured_at))
            when disqualification_reason = 'student_or_personal'
                and is_student_title and not is_free_mail and not is_student_domain
                then greatest(first_captured_at, coalesce(job_title_known_at, first_captured_at))
            when disqualification_reason is not null then first_captured_at
        end as disqualified_at
    from tiered
)

select
    lead_id,
    email,
    first_name,
    last_name,
    full_name,
    account_name,
    company_domain,
    job_title,
    persona,
    lead_country_code,
    industry_as_exported,
    employees,
    annual_revenue_usd,
    has_consent,
    fit_score,
    fit_reason,
    tier,
    tier_reason,
    disqualification_reason,
    name_at,
    profiled_at,
    disqualified_at,
    first_captured_at,
    last_captured_at,
    source_record_count,
    first_touch_source_type,
    first_touch_source_detail,
    first_touch_campaign,
    last_touch_source_type,
    last_touch_source_detail,
    last_touch_campaign
from final;

drop table leads_resolved;
drop table companies_resolved;

-- ------------------------------------------------------------------ events: dedupe and score (config/scoring.yml)

-- Staged events (trimmed, lower-case e-mail, type and URL).
create temp view events_staged as
select
    mapping,
    source_file,
    source_row,
    txt(event_id) as source_event_id,
    nullif(lower(trim(email)), '') as email,
    txt(visitor_id) as visitor_id,
    lower(trim(event_type)) as event_type,
    nullif(lower(trim(url)), '') as url,
    duration_seconds,
    minutes_attended,
    occurred_at,
    cast(occurred_at as date) as occurred_date
from raw.events;

-- Each event once (an export repeating an event id keeps the first copy loaded), with the
-- first rule it matches and that rule's points.
create temp table events_scored as
with

deduplicated as (
    select *
    from events_staged
    qualify
        source_event_id is null
        or row_number() over (
            partition by mapping, source_event_id order by source_file, source_row
        ) = 1
),

matched as (
    select
        email,
        visitor_id,
        event_type,
        occurred_at,
        occurred_date,
        case
            when event_type = 'demo_request' then 'demo request'
            when event_type = 'pricing_request' then 'pricing request'
            when event_type = 'contact_sales_request' then 'contact sales'
            when event_type = 'page_view' and url like '%/pricing%' then 'pricing page'
            when event_type = 'page_view' and url like '%/careers%' then 'careers page'
            when event_type = 'page_view' and url like '%/support%' then 'support page'
            when event_type = 'page_view'
                and (url like '%/product%' or url like '%/features%' or url like '%/case-studies%')
                then 'product page'
            when event_type = 'page_view' and duration_seconds >= 60 then 'long page view'
            when event_type = 'page_view' then 'page view'
            when event_type = 'webinar_attended' and minutes_attended >= 30
                then 'webinar attended 30+ min'
            when event_type = 'webinar_attended' then 'webinar attended'
            when event_type = 'webinar_registered' then 'webinar registration'
            when event_type = 'content_download' then 'content download'
            when event_type = 'form_submit' then 'form submission'
            when event_type = 'email_click' then 'email click'
            when event_type = 'email_open' then 'email open'
            when event_type = 'email_unsubscribe' then 'unsubscribe'
            when event_type = 'email_bounce' then 'bounce'
        end as rule_name
    from deduplicated
)

select
    *,
    case rule_name
        when 'demo request' then 40
        when 'pricing request' then 35
        when 'contact sales' then 35
        when 'pricing page' then 8
        when 'careers page' then -5
        when 'support page' then -2
        when 'product page' then 3
        when 'long page view' then 2
        when 'page view' then 1
        when 'webinar attended 30+ min' then 15
        when 'webinar attended' then 8
        when 'webinar registration' then 3
        when 'content download' then 10
        when 'form submission' then 5
        when 'email click' then 3
        when 'email open' then 1
        when 'unsubscribe' then -20
        when 'bounce' then -10
        else 0
    end as points
from matched;

-- ------------------------------------------------------------------ stitch visitors, points per lead, rule and day

-- A visitor id that identified itself (an event with both the visitor id and an e-mail):
-- the first identification wins (ties by the event's record id, as the models break them).
create temp table visitors_identified as
select
    visitor_id,
    arg_min(
        email,
        (occurred_at, md5(mapping || '#' || source_file || '#' || cast(source_row as varchar)))
    ) as email
from events_staged
where visitor_id is not null and email is not null
group by visitor_id;

create temp table lead_rule_points_daily as
with attributed as (
    select
        coalesce(e.email, v.email) as email,
        e.email is null as is_stitched,
        e.rule_name,
        e.event_type,
        e.points,
        e.occurred_at,
        e.occurred_date
    from events_scored as e
    left join visitors_identified as v
        on e.visitor_id = v.visitor_id
)

select
    md5(email) as lead_id,
    email,
    rule_name,
    event_type,
    occurred_date,
    day_number(occurred_date) as day_number,
    sum(points) as points,
    count(*) as events,
    count(*) filter (where is_stitched) as stitched_events,
    min(occurred_at) as first_occurred_at,
    max(occurred_at) as last_occurred_at
from attributed
where email is not null
group by email, rule_name, event_type, occurred_date;

drop table visitors_identified;
drop view events_staged;

-- ------------------------------------------------------------------ daily rolling-window score

-- Each lead's score at the end of each day it had scored activity and of the day it became
-- profiled: per rule, the points of that day and the 89 before, capped, then summed.
create temp table lead_scores_daily as
with

points as (
    select * from lead_rule_points_daily where rule_name is not null
),

rule_days as (
    select lead_id, rule_name, day_number, sum(points) as points, sum(events) as events
    from points
    group by lead_id, rule_name, day_number
),

score_days as (
    select distinct lead_id, day_number from points
    union
    select p.lead_id, day_number(p.profiled_at) as day_number
    from leads_profiled as p
    inner join (select distinct lead_id from points) as active
        on p.lead_id = active.lead_id
    where p.profiled_at is not null
),

lead_rules as (
    select distinct lead_id, rule_name from points
),

grid as (
    select
        d.lead_id,
        d.day_number,
        r.rule_name,
        coalesce(rd.points, 0) as day_points,
        coalesce(rd.events, 0) as day_events
    from score_days as d
    inner join lead_rules as r
        on d.lead_id = r.lead_id
    left join rule_days as rd
        on d.lead_id = rd.lead_id and d.day_number = rd.day_number and r.rule_name = rd.rule_name
),

windowed as (
    select
        lead_id,
        day_number,
        rule_name,
        sum(day_points) over w as window_points,
        sum(day_events) over w as window_events
    from grid
    window w as (
        partition by lead_id, rule_name order by day_number
        range between 89 preceding and current row
    )
)

select
    lead_id,
    day_number,
    cast(date '2000-01-01' + cast(day_number as integer) as date) as score_date,
    cast(sum(capped(rule_name, window_points)) as integer) as engagement_score,
    sum(window_events) as window_events
from windowed
group by lead_id, day_number;

-- ------------------------------------------------------------------ current score breakdown

-- Per lead and rule, the points of the 90 days ending on the latest day of activity in
-- the data, capped. The parts add up to the current score.
create temp table lead_score_breakdown as
with

as_of as (
    select max(day_number) as as_of_day from lead_rule_points_daily
),

in_window as (
    select
        p.lead_id,
        p.rule_name,
        sum(p.points) as window_points,
        sum(p.events) as window_events,
        max(p.last_occurred_at) as last_occurred_at
    from lead_rule_points_daily as p
    cross join as_of
    where p.rule_name is not null and p.day_number > as_of.as_of_day - 90
    group by p.lead_id, p.rule_name
)

select
    lead_id,
    rule_name,
    cast(capped(rule_name, window_points) as integer) as points,
    cast(window_points as integer) as uncapped_points,
    cast(window_events as integer) as events,
    last_occurred_at
from in_window;

-- ------------------------------------------------------------------ hand-raise, consent, mql_at

create temp table leads_engaged as
with

current_score as (
    select
        lead_id,
        sum(points) as engagement_score,
        string_agg(
            case when points >= 0 then '+' else '' end || cast(points as varchar) || ' '
            || rule_name || case when events > 1 then ' x' || cast(events as varchar) else '' end
            || ' (last ' || cast(cast(last_occurred_at as date) as varchar) || ')',
            '; ' order by abs(points) desc, rule_name
        ) as engagement_breakdown
    from lead_score_breakdown
    where points <> 0
    group by lead_id
),

activity as (
    select
        lead_id,
        min(case when event_type = 'email_unsubscribe' then first_occurred_at end)
            as unsubscribed_at,
        max(last_occurred_at) as last_activity_at,
        sum(events) as event_count,
        sum(stitched_events) as stitched_event_count
    from lead_rule_points_daily
    group by lead_id
),

hand_raises as (
    select
        p.lead_id,
        min(p.first_occurred_at) as hand_raised_at
    from lead_rule_points_daily as p
    inner join leads_profiled as l
        on p.lead_id = l.lead_id
    where
        p.event_type in ('demo_request', 'pricing_request', 'contact_sales_request')
        and l.profiled_at is not null
        and p.last_occurred_at >= l.profiled_at - interval 90 day
    group by p.lead_id
),

score_crossings as (
    select
        s.lead_id,
        min(s.day_number) as mql_day
    from lead_scores_daily as s
    inner join leads_profiled as l
        on s.lead_id = l.lead_id
    where
        l.profiled_at is not null
        and s.engagement_score >= 40
        and s.day_number >= day_number(l.profiled_at)
    group by s.lead_id
),

crossing_times as (
    select
        c.lead_id,
        c.mql_day,
        max(p.last_occurred_at) as last_event_at
    from score_crossings as c
    -- the day's last scored activity (the score can also rise on a day whose only activity
    -- scores nothing or less, when negative points leave the window)
    left join lead_rule_points_daily as p
        on c.lead_id = p.lead_id and c.mql_day = p.day_number and p.rule_name is not null
    group by c.lead_id, c.mql_day
),

combined as (
    select
        l.*,
        coalesce(cs.engagement_score, 0) as engagement_score,
        coalesce(cs.engagement_breakdown, '') as engagement_breakdown,
        a.unsubscribed_at,
        a.last_activity_at,
        case when h.hand_raised_at is not null then greatest(l.profiled_at, h.hand_raised_at) end
            as hand_raise_mql_at,
        case
            when ct.mql_day is not null
                then greatest(l.profiled_at, coalesce(ct.last_event_at, l.profiled_at))
        end as score_mql_at,
        case
            when a.unsubscribed_at is not null then false
            when l.has_consent is null then false  -- consent.require_explicit: true
            else l.has_consent
        end as can_contact
    from leads_profiled as l
    left join current_score as cs on l.lead_id = cs.lead_id
    left join activity as a on l.lead_id = a.lead_id
    left join hand_raises as h on l.lead_id = h.lead_id
    left join crossing_times as ct on l.lead_id = ct.lead_id
),

qualified as (
    select
        *,
        case
            when hand_raise_mql_at is null then score_mql_at
            when score_mql_at is null then hand_raise_mql_at
            when hand_raise_mql_at <= score_mql_at then hand_raise_mql_at
            else score_mql_at
        end as mql_criteria_at
    from combined
)

select
    q.*,
    case
        when q.tier = 'profiled' and q.mql_criteria_at is not null and q.can_contact
            then q.mql_criteria_at
    end as mql_at,
    case
        when q.mql_criteria_at is null then null
        when q.hand_raise_mql_at = q.mql_criteria_at then 'hand_raise'
        else 'score'
    end as mql_reason,
    case
        when q.tier <> 'profiled' or q.mql_criteria_at is null or q.can_contact then null
        when q.unsubscribed_at is not null
            then 'unsubscribed on ' || cast(cast(q.unsubscribed_at as date) as varchar)
        when q.has_consent is null then 'never gave consent to be contacted'
        else 'opted out of being contacted'
    end as mql_blocked_reason,
    coalesce(s.engagement_score, 0) as score_at_mql
from qualified as q
left join lead_scores_daily as s
    on q.lead_id = s.lead_id and s.day_number = day_number(q.mql_criteria_at);

-- ------------------------------------------------------------------ marts

create table marts.leads as
select
    lead_id,
    email,
    first_name,
    last_name,
    full_name,
    account_name as company_name,
    company_domain,
    job_title,
    persona,
    lead_country_code as country_code,
    industry_as_exported as industry,
    cast(employees as bigint) as employees,
    cast(annual_revenue_usd as double) as annual_revenue_usd,
    has_consent,
    cast(fit_score as integer) as fit_score,
    fit_reason,
    case when mql_at is not null then 'mql' else tier end as tier,
    case
        when mql_at is not null and mql_reason = 'hand_raise'
            then 'hand-raise on ' || cast(cast(mql_at as date) as varchar) || '; ' || tier_reason
        when mql_at is not null
            then 'engagement score ' || cast(score_at_mql as varchar)
                || ' reached the MQL threshold on ' || cast(cast(mql_at as date) as varchar)
                || '; ' || tier_reason
        when mql_blocked_reason is not null
            then tier_reason || '; not an MQL: ' || mql_blocked_reason
        else tier_reason
    end as tier_reason,
    disqualification_reason,
    case
        when mql_at is not null then mql_at
        when tier = 'profiled' then profiled_at
        when tier = 'disqualified' then disqualified_at
        else name_at
    end as tier_changed_at,
    name_at,
    profiled_at,
    mql_at,
    disqualified_at,
    cast(engagement_score as integer) as engagement_score,
    engagement_breakdown,
    cast(score_at_mql as integer) as score_at_mql,
    case when mql_at is not null then mql_reason end as mql_reason,
    mql_blocked_reason,
    can_contact,
    unsubscribed_at,
    last_activity_at,
    first_captured_at,
    last_captured_at,
    cast(source_record_count as bigint) as source_record_count,
    first_touch_source_type,
    first_touch_source_detail,
    first_touch_campaign,
    last_touch_source_type,
    last_touch_source_detail,
    last_touch_campaign
from leads_engaged;

create table marts.mql_leads as
select
    l.lead_id,
    l.email,
    l.full_name,
    l.first_name,
    l.last_name,
    l.company_name,
    l.job_title,
    l.persona,
    l.country_code,
    l.industry,
    l.fit_score,
    l.engagement_score,
    l.score_at_mql,
    cast(40 as integer) as mql_threshold,
    l.mql_at,
    l.mql_reason,
    l.engagement_breakdown,
    l.first_touch_source_type,
    l.first_touch_source_detail,
    l.first_touch_campaign,
    l.last_touch_source_type,
    l.last_touch_source_detail,
    l.last_touch_campaign,
    l.last_activity_at,
    cast(date_diff('day', cast(l.last_activity_at as date), a.as_of_date) as integer)
        as days_since_last_activity
from marts.leads as l
cross join (select max(occurred_date) as as_of_date from events_scored) as a
where l.tier = 'mql';

create table marts.lead_score_daily as
select
    s.lead_id,
    s.score_date,
    s.engagement_score,
    cast(s.window_events as integer) as window_events
from lead_scores_daily as s
inner join leads_profiled as l
    on s.lead_id = l.lead_id;

create table marts.lead_score_breakdown as
select
    b.lead_id,
    b.rule_name,
    b.points,
    b.uncapped_points,
    b.events,
    b.last_occurred_at
from lead_score_breakdown as b
inner join leads_profiled as l
    on b.lead_id = l.lead_id;
