{#- Cross-database helpers. Each has a default (PostgreSQL-compatible) implementation and
    adapter-specific ones where the engines differ, so the models stay portable. -#}

{#- A quoted SQL string literal. -#}
{% macro lit(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- `expr in ('a', 'b')`, or false for an empty list. -#}
{% macro in_list(expr, values) -%}
    {%- if values | length == 0 -%}
        (1 = 0)
    {%- else -%}
        ({{ expr }} in ({% for v in values %}{{ lit(v) }}{% if not loop.last %}, {% endif %}{% endfor %}))
    {%- endif -%}
{%- endmacro %}

{#- The latest non-null value of `column` in a group, ordered by the list of columns
    `order_by` (an aggregate). -#}
{% macro latest_non_null(column, order_by) -%}
    {{ return(adapter.dispatch('latest_non_null', 'leadflow')(column, order_by)) }}
{%- endmacro %}

{% macro default__latest_non_null(column, order_by) -%}
    (array_agg({{ column }} order by {{ order_by | join(' desc, ') }} desc) filter (where {{ column }} is not null))[1]
{%- endmacro %}

{% macro duckdb__latest_non_null(column, order_by) -%}
    arg_max({{ column }}, ({{ order_by | join(', ') }})) filter (where {{ column }} is not null)
{%- endmacro %}

{#- The earliest non-null value of `column` in a group, ordered by the list `order_by`. -#}
{% macro earliest_non_null(column, order_by) -%}
    {{ return(adapter.dispatch('earliest_non_null', 'leadflow')(column, order_by)) }}
{%- endmacro %}

{% macro default__earliest_non_null(column, order_by) -%}
    (array_agg({{ column }} order by {{ order_by | join(', ') }}) filter (where {{ column }} is not null))[1]
{%- endmacro %}

{% macro duckdb__earliest_non_null(column, order_by) -%}
    arg_min({{ column }}, ({{ order_by | join(', ') }})) filter (where {{ column }} is not null)
{%- endmacro %}

{#- Text as space-separated lower-case words, padded with one space on each side, so that
    `like '% vp %'` matches a whole word. Punctuation and white space become one space. -#}
{% macro padded_words(column) -%}
    {{ return(adapter.dispatch('padded_words', 'leadflow')(column)) }}
{%- endmacro %}

{% macro default__padded_words(column) -%}
    (' ' || trim(regexp_replace(lower({{ column }}), '[[:space:][:punct:]]+', ' ', 'g')) || ' ')
{%- endmacro %}

{#- The host part of a URL or bare domain, lower-case, without `www.`. -#}
{% macro url_domain(column) -%}
    {%- set stripped -%}
        {{ dbt.split_part(dbt.split_part(dbt.split_part(
            "replace(replace(lower(trim(" ~ column ~ ")), 'https://', ''), 'http://', '')",
            "'/'", 1), "'?'", 1), "':'", 1) }}
    {%- endset -%}
    nullif(case when {{ stripped }} like 'www.%' then substring({{ stripped }}, 5) else {{ stripped }} end, '')
{%- endmacro %}

{#- Key of a raw record: a hash of its mapping profile, source file and record key (the
    export's id, else a hash of its values: flows/records.py); rows loaded before record keys
    existed fall back to their line. Unique among the latest versions (raw_latest). -#}
{% macro raw_record_key() -%}
    {{ dbt.hash(dbt.concat(["_mapping", "'#'", "_source_file", "'#'", "coalesce(_record_key, cast(_source_row as " ~ dbt.type_string() ~ "))"])) }}
{%- endmacro %}

{#- The latest version of every record of a raw table: a changed file (same name, new
    content) adds new versions of the records it changed, and loading them marks the earlier
    ones superseded (flows/records.py): the newest load wins, then the later line. -#}
{% macro raw_latest(relation) -%}
    select *
    from {{ relation }}
    where _superseded_at is null
{%- endmacro %}

{#- The load metadata every raw row carries, renamed for staging. -#}
{% macro raw_load_metadata() -%}
    _mapping as mapping,
    _source_file as source_file,
    _source_row as source_row,
    _batch_id as batch_id,
    _loaded_at as loaded_at
{%- endmacro %}

{#- The p-th continuous percentile of `expr` in a group (an aggregate). -#}
{% macro percentile(expr, p) -%}
    {{ return(adapter.dispatch('percentile', 'leadflow')(expr, p)) }}
{%- endmacro %}

{% macro default__percentile(expr, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expr }})
{%- endmacro %}

{% macro spark__percentile(expr, p) -%}
    percentile({{ expr }}, {{ p }})
{%- endmacro %}

{#- A double-precision floating-point type (`float` is 4 bytes on DuckDB). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'leadflow')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#- Spark's versions of the helpers above (dbt's own macros on Spark: macros/spark.sql). -#}

{% macro spark__latest_non_null(column, order_by) -%}
    max_by({{ column }}, struct({{ order_by | join(', ') }})) filter (where {{ column }} is not null)
{%- endmacro %}

{% macro spark__earliest_non_null(column, order_by) -%}
    min_by({{ column }}, struct({{ order_by | join(', ') }})) filter (where {{ column }} is not null)
{%- endmacro %}

{#- Java regular expressions: POSIX classes are written \p{Space} and \p{Punct} (ASCII). -#}
{% macro spark__padded_words(column) -%}
    (' ' || trim(regexp_replace(lower({{ column }}), '[\\p{Space}\\p{Punct}]+', ' ')) || ' ')
{%- endmacro %}

{#- The text value of top-level key `key` (a plain name) of a JSON object held as text;
    null when the key is missing or null. -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'leadflow')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
    (cast({{ column }} as json) ->> {{ lit(key) }})
{%- endmacro %}

{% macro duckdb__json_text(column, key) -%}
    json_extract_string({{ column }}, {{ lit('$.' ~ key) }})
{%- endmacro %}

{% macro spark__json_text(column, key) -%}
    get_json_object({{ column }}, {{ lit('$.' ~ key) }})
{%- endmacro %}

{#- Written between `name as` and the parenthesis of an import CTE (`select * from` a table
    model or seed): read the table where the CTE is used, never a copy of it. A CTE read
    more than once is otherwise materialized, every column of every row, by PostgreSQL and,
    by its own heuristics, DuckDB, where scanning the table again costs no more and reads
    only the columns each use needs (int_leads_engaged at 1,000,000 leads: 13 s with the
    copies, spilling 1.2 GB at a 2 GB memory limit, 4.4 s without). Spark SQL has no such
    hint; its optimizer inlines CTEs. Not for views (staging): those would be recomputed. -#}
{% macro inlined() -%}
    {{ return(adapter.dispatch('inlined', 'leadflow')()) }}
{%- endmacro %}

{% macro default__inlined() -%}
    not materialized
{%- endmacro %}

{% macro spark__inlined() -%}
{%- endmacro %}
