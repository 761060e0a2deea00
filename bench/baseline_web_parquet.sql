-- Web page views for baseline.sql when the landing folder's web/ files are Parquet
-- (sources/mappings/web_activity_parquet.yml). Defines the temp view web_parquet_src: one row
-- per page view, mapped to the canonical event fields, with the text of each checked field
-- (for the row checks) and the original row as a struct (kept only for quarantined rows).
-- bench/run_bench.py runs this before baseline.sql (variable `landing` set) and
-- unions the view into web_events_src.

create or replace temp view web_parquet_src as
select
    replace(s.filename, getvariable('landing') || '/', '') as source_file,
    s.file_row_number + 1 as source_row,
    'web_activity_parquet' as mapping,
    nullif(trim(s.message_id), '') as event_id,
    cast(s."timestamp" as varchar) as occurred_text,
    -- A UTC TIMESTAMP WITH TIME ZONE as naive UTC, like the loader's parse of its text.
    timezone('UTC', cast(s."timestamp" as timestamptz)) as occurred_at,
    nullif(trim(s.user_id), '') as email,
    nullif(trim(s.anonymous_id), '') as visitor_id,
    case nullif(trim(s.event), '')
        when 'Page Viewed' then 'page_view'
        else nullif(trim(s.event), '')
    end as event_type,
    nullif(trim(s.url), '') as url,
    cast(s.time_on_page_seconds as varchar) as duration_text,
    s.time_on_page_seconds as duration_seconds,
    nullif(trim(s.title), '') as asset,
    nullif(trim(s.campaign_name), '') as campaign,
    nullif(trim(s.campaign_source), '') as utm_source,
    nullif(trim(s.campaign_medium), '') as utm_medium,
    nullif(trim(s.campaign_name), '') as utm_campaign,
    struct_pack(
        message_id := s.message_id,
        "timestamp" := s."timestamp",
        anonymous_id := s.anonymous_id,
        user_id := s.user_id,
        event := s.event,
        url := s.url,
        path := s.path,
        time_on_page_seconds := s.time_on_page_seconds,
        title := s.title,
        campaign_name := s.campaign_name,
        campaign_source := s.campaign_source,
        campaign_medium := s.campaign_medium
    ) as original
from read_parquet(
    getvariable('landing') || '/web/*.parquet', filename = true, file_row_number = true
) as s;
