-- The SQL these macros return is laid out by Jinja, not SQLFluff.
-- noqa: disable=LT02
{#- Spark (dbt-spark): dbt's own macros where dbt-spark's versions would give other results
    than DuckDB and PostgreSQL, or fail. dbt looks for a dispatched macro in the root project
    first, so these replace dbt-spark's versions on the `spark` target only. -#}

{#- dbt-spark's dateadd goes through unix seconds (sub-second parts are lost) and fails on
    null input; Spark's timestampadd keeps microseconds and passes nulls through. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart | upper }}, cast({{ interval }} as bigint), {{ from_date_or_timestamp }})
{%- endmacro %}

{#- Boundaries crossed between two dates or timestamps, as DuckDB's and PostgreSQL's datediff
    count them (10:59:59 to 11:00:01 is one minute); dbt-spark counts whole elapsed units and
    fails on null input. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set part = datepart | lower -%}
    {%- if part == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif part in ('year', 'quarter', 'month', 'hour', 'minute', 'second') -%}
        timestampdiff({{ part | upper }}, date_trunc('{{ part }}', {{ first_date }}), date_trunc('{{ part }}', {{ second_date }}))
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff on Spark: unit '" ~ datepart ~ "' is not supported here (day, month, quarter, year, hour, minute, second are)") }}
    {%- endif -%}
{%- endmacro %}

{#- Contracts: the types declared in the models' YAML (varchar, double precision) in Spark's
    names, so that the declared and the built columns can be compared. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set spark_names = {'varchar': 'string', 'text': 'string', 'double precision': 'double'} -%}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set column = columns[name].copy() if columns[name].copy is defined else dict(columns[name]) -%}
        {%- if column.get('data_type') -%}
            {%- do column.update({'data_type': spark_names.get(column['data_type'] | lower, column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}

{#- Contracts: dbt-spark adds the declared constraints (`alter column ... set not null`, ...)
    to a model whose file_format is delta, and takes a model without one for delta; the
    tables here have none and are Parquet (spark.sql.sources.default, flows/spark.py), which
    refuses those statements. Constraints are added only to tables declared delta; the
    not_null and unique data tests still check the columns. -#}
{% macro spark__persist_constraints(relation, model) -%}
    {%- if config.get('contract').enforced and config.get('file_format', 'parquet') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- endif -%}
{%- endmacro %}

{#- Seeds: dbt-spark's session connection puts values into the insert statement unescaped, so
    a value holding a quote ("people's republic of china") breaks it. Literals are escaped
    here instead. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    {%- set type = column_override.get(agate_table.column_names[loop.index0], adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ spark_literal(value) }} as {{ type }}){% if not loop.last %},{% endif %}
                {%- endfor -%}
                ){% if not loop.last %},{% endif %}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}

{#- A Spark SQL literal: null, or a string with backslashes and quotes escaped. -#}
{% macro spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
