-- Hand-written DuckDB baseline for the benchmark: the same loading and modelling as
-- `leadflow run`, as one plain SQL script (no dbt, no Prefect, no Python logic).
--
-- Loads the landing files with DuckDB's readers into raw.contacts / raw.companies, sends
-- unusable rows to raw.quarantine (missing or malformed e-mail or domain, missing or
-- unparseable timestamp, structurally broken CSV lines), normalises e-mails, domains and
-- countries, resolves identities (one lead per lower(trim(email)), latest non-null value of
-- each attribute by capture time, then file and line), joins firmographics, scores the ICP
-- fit and tiers the leads with the rules of config/icp.yml written out by hand, and writes
-- marts.leads and marts.lead_source_records.
--
-- bench/run_bench.py sets three variables before running it:
--   landing        the landing folder
--   cards_root     a folder whose cards/*.csv are the business cards transcoded from
--                  Windows-1252 to UTF-8 (DuckDB reads UTF-8, UTF-16 and Latin-1 only)
--   country_codes  dbt_project/seeds/country_codes.csv
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

drop table src_forms;
drop table src_tradeshow;
drop table src_webinar;
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
    row_number() over (order by c.captured_at, c.source_file, c.source_row) as recency
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

create table marts.leads as
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
    tier,
    tier_reason,
    disqualification_reason,
    case tier
        when 'profiled' then profiled_at
        when 'disqualified' then disqualified_at
        else name_at
    end as tier_changed_at,
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
