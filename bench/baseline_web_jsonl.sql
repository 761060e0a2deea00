-- Web page views for baseline.sql when the landing folder's web/ files are the CDP's JSON
-- lines (sources/mappings/web_activity.yml). Defines the temp view web_jsonl_src: one row
-- per page view, mapped to the canonical event fields, with the text of each checked field
-- (for the row checks) and the original row as a struct (kept only for quarantined rows).
-- bench/run_bench.py runs this before baseline.sql (variable `landing` set) and
-- unions the view into web_events_src.
--
-- Line numbers come from the order lines are read in; a line that is not valid JSON would
-- be skipped here (the loader quarantines it as 'invalid JSON line'). The generator writes
-- none.

create temp table src_web as
select * from read_json(
    getvariable('landing') || '/web/*.jsonl', format = 'newline_delimited',
    columns = {
        'messageId': 'VARCHAR', 'timestamp': 'VARCHAR', 'anonymousId': 'VARCHAR',
        'userId': 'VARCHAR', 'event': 'VARCHAR', 'properties': 'JSON', 'context': 'JSON'
    },
    filename = true, ignore_errors = true
);

create or replace temp view web_jsonl_src as
with

lines as (
    select
        s.*,
        s.rowid - f.first_rowid + 1 as line,
        json_extract_string(
            s.properties, ['$.url', '$.time_on_page_seconds', '$.title']
        ) as props,
        json_extract_string(
            s.context, ['$.campaign.name', '$.campaign.source', '$.campaign.medium']
        ) as camp
    from src_web as s
    inner join (select filename, min(rowid) as first_rowid from src_web group by 1) as f
        on s.filename = f.filename
)

select
    replace(filename, getvariable('landing') || '/', '') as source_file,
    line as source_row,
    'web_activity' as mapping,
    nullif(trim(messageId), '') as event_id,
    nullif(trim("timestamp"), '') as occurred_text,
    coalesce(
        try_strptime(occurred_text, '%Y-%m-%dT%H:%M:%S.%gZ'),
        timezone('UTC', try_cast(occurred_text as timestamptz)),
        try_cast(occurred_text as timestamp)
    ) as occurred_at,
    nullif(trim(userId), '') as email,
    nullif(trim(anonymousId), '') as visitor_id,
    case nullif(trim(event), '')
        when 'Page Viewed' then 'page_view'
        else nullif(trim(event), '')
    end as event_type,
    nullif(trim(props[1]), '') as url,
    nullif(trim(props[2]), '') as duration_text,
    try_cast(try_cast(replace(duration_text, ',', '') as double) as bigint) as duration_seconds,
    nullif(trim(props[3]), '') as asset,
    nullif(trim(camp[1]), '') as campaign,
    nullif(trim(camp[2]), '') as utm_source,
    nullif(trim(camp[3]), '') as utm_medium,
    nullif(trim(camp[1]), '') as utm_campaign,
    struct_pack(
        messageId := messageId,
        "timestamp" := "timestamp",
        anonymousId := anonymousId,
        userId := userId,
        event := event,
        properties := properties,
        context := context
    ) as original
from lines;
