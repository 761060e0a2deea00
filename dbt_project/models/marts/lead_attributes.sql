{#- Each lead's contact attributes, one row per lead and attribute (a long table BI tools
    filter on: `where attribute = 'occupation' and value_text = 'Student'`). The value is the
    latest non-null one across the lead's contact records (as in leads), typed in the column
    of its type, with the source record it came from. -#}
{%- set attributes = attributes() -%}

-- noqa: disable=LT02
with

records as (

    select * from {{ ref('stg_raw__contacts') }}

),

attribute_values as (

    {%- for name, type in attributes.items() %}
    select
        contact_record_id,
        email,
        {{ lit(name) }} as attribute,
        {{ lit(type) }} as attribute_type,
        {{ json_text('attributes', name) }} as value_text,
        captured_at,
        source_file,
        source_row
    from records
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if attributes | length == 0 %}
    select
        contact_record_id,
        email,
        cast(null as {{ dbt.type_string() }}) as attribute,
        cast(null as {{ dbt.type_string() }}) as attribute_type,
        cast(null as {{ dbt.type_string() }}) as value_text,
        captured_at,
        source_file,
        source_row
    from records
    where 1 = 0
    {%- endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by email, attribute
            order by captured_at desc, source_file desc, source_row desc
        ) as recency,
        min(captured_at) over (partition by email, attribute) as first_known_at
    from attribute_values
    where value_text is not null

),

final as (

    select
        {{ dbt.hash('email') }} as lead_id,
        attribute,
        attribute_type,
        value_text,
        case when attribute_type = 'number' then {{ attribute_typed('value_text', 'number') }} end as value_number,
        case when attribute_type = 'boolean' then {{ attribute_typed('value_text', 'boolean') }} end as value_boolean,
        case when attribute_type = 'date' then {{ attribute_typed('value_text', 'date') }} end as value_date,
        contact_record_id,
        captured_at as value_captured_at,
        first_known_at
    from ranked
    where recency = 1

)

select * from final
