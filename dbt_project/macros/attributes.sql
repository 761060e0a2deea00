{#- Contact attributes: named, typed values a mapping profile keeps per contact record
    (raw.contacts.attributes, a JSON object of canonical text values). var('attributes') is
    {name: type} from every mapping profile (text, number, boolean or date). -#}

{% macro attributes() -%}
    {{ return(var('attributes', {}) or {}) }}
{%- endmacro %}

{#- An attribute's canonical text as its type: numbers as double precision, booleans from
    'true'/'false', dates from YYYY-MM-DD. -#}
{% macro attribute_typed(text, type) -%}
    {%- if type == 'number' -%}
        cast({{ text }} as {{ type_double() }})
    {%- elif type == 'boolean' -%}
        case when {{ text }} = 'true' then true when {{ text }} = 'false' then false end
    {%- elif type == 'date' -%}
        cast({{ text }} as date)
    {%- else -%}
        {{ text }}
    {%- endif -%}
{%- endmacro %}

{#- Points of a rule over one field or attribute (an ICP criterion or an attribute rule,
    resolved by flows/config.py: column, kind, values, bands, keywords, default, missing):
    `missing` when the value is null, then the first matching value, band or keyword rule,
    else `default`. Text compares case-insensitively. -#}
{% macro rule_value_points(rule) -%}
    {%- set column = rule.column -%}
    case
        when {{ column }} is null then {{ rule.missing }}
    {%- for v in rule['values'] %}
        {%- if rule.kind == 'number' %}
        when {{ column }} = {{ v.value }} then {{ v.points }}
        {%- elif rule.kind == 'boolean' %}
        when {{ column }} = {{ v.value }} then {{ v.points }}
        {%- elif rule.kind == 'date' %}
        when cast({{ column }} as {{ dbt.type_string() }}) = {{ lit(v.value) }} then {{ v.points }}
        {%- else %}
        when lower(trim({{ column }})) = {{ lit(v.value) }} then {{ v.points }}
        {%- endif %}
    {%- endfor %}
    {%- for band in rule.bands %}
        {%- set lower = [column ~ ' >= ' ~ band.min] if band.min is not none else [] %}
        {%- set upper = [column ~ ' <= ' ~ band.max] if band.max is not none else [] %}
        when {{ (lower + upper) | join(' and ') }} then {{ band.points }}
    {%- endfor %}
    {%- for group in rule.keywords %}
        when {{ has_keyword(padded_words(column), group.keywords) }} then {{ group.points }}
    {%- endfor %}
        else {{ rule.default }}
    end
{%- endmacro %}

{#- The value a rule read, as text for a reason ("missing" when null; whole numbers
    without decimals). -#}
{% macro rule_value_text(rule) -%}
    {%- set column = rule.column -%}
    {%- if rule.kind == 'number' -%}
        coalesce(case
            when {{ column }} = floor({{ column }})
                then cast(cast({{ column }} as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
            else cast({{ column }} as {{ dbt.type_string() }})
        end, 'missing')
    {%- elif rule.kind == 'boolean' -%}
        case when {{ column }} then 'yes' when not {{ column }} then 'no' else 'missing' end
    {%- else -%}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), 'missing')
    {%- endif -%}
{%- endmacro %}

{#- Points as signed text: +5, -3. -#}
{% macro signed_points(points) -%}
    case when {{ points }} >= 0 then '+' else '' end || cast({{ points }} as {{ dbt.type_string() }})
{%- endmacro %}
