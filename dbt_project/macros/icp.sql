{#- SQL generated from the Ideal Customer Profile (config/icp.yml, passed as var('icp')). -#}

{% macro icp() -%}
    {%- set config = var('icp') -%}
    {%- if config is none -%}
        {{ exceptions.raise_compiler_error(
            "var('icp') is not set: run through `leadflow run`, which passes config/icp.yml, "
            "or pass --vars '{icp: ...}' to dbt") }}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}

{#- Points for the lead's country: the territory's points when the country is listed. -#}
{% macro icp_territory_points(country_code) -%}
    {%- if icp().territory is none -%}
        0
    {%- else -%}
        case when {{ in_list(country_code, icp().territory.countries) }} then {{ icp().territory.points }} else 0 end
    {%- endif -%}
{%- endmacro %}

{#- Whether a known country lies outside the territory (and that disqualifies). -#}
{% macro icp_is_out_of_territory(country_code) -%}
    {%- if icp().territory is not none and icp().territory.disqualify_outside -%}
        ({{ country_code }} is not null and not {{ in_list(country_code, icp().territory.countries) }})
    {%- else -%}
        (1 = 0)
    {%- endif -%}
{%- endmacro %}

{#- Points for the industry (compared lower-case). -#}
{% macro icp_industry_points(industry_key) -%}
    {%- set industries = icp().industries -%}
    {%- if industries | length == 0 -%}
        0
    {%- else -%}
        case {{ industry_key }}
        {%- for name, points in industries.items() %}
            when {{ lit(name) }} then {{ points }}
        {%- endfor %}
            else 0
        end
    {%- endif -%}
{%- endmacro %}

{#- Points of the first inclusive band that contains the value; null when the value is null. -#}
{% macro icp_band_points(value, bands) -%}
    case
        when {{ value }} is null then null
    {%- for band in bands %}
        when {{ value }} >= {{ band.min }}{% if band.max is not none %} and {{ value }} <= {{ band.max }}{% endif %} then {{ band.points }}
    {%- endfor %}
        else 0
    end
{%- endmacro %}

{#- Whether padded words contain any of the keywords as whole words. -#}
{% macro has_keyword(padded, keywords) -%}
    {%- if keywords | length == 0 -%}
        (1 = 0)
    {%- else -%}
        ({% for kw in keywords %}{{ padded }} like {{ lit('% ' ~ kw ~ ' %') }}{% if not loop.last %} or {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- The persona name of the first rule whose keywords appear in the title. -#}
{% macro icp_persona(padded_title) -%}
    {%- if icp().personas | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        case
        {%- for persona in icp().personas %}
            when {{ has_keyword(padded_title, persona.keywords) }} then {{ lit(persona.name) }}
        {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}

{% macro icp_persona_points(persona) -%}
    {%- if icp().personas | length == 0 -%}
        0
    {%- else -%}
        case {{ persona }}
        {%- for p in icp().personas %}
            when {{ lit(p.name) }} then {{ p.points }}
        {%- endfor %}
            else 0
        end
    {%- endif -%}
{%- endmacro %}

{#- Whether a domain equals or ends with any configured domain. A leading dot in the list
    means "ends with"; a bare domain also covers its subdomains. -#}
{% macro domain_in(domain, domains) -%}
    {%- if domains | length == 0 -%}
        (1 = 0)
    {%- else -%}
        ({% for d in domains -%}
            {%- if d.startswith('.') -%}
                {{ domain }} like {{ lit('%' ~ d) }}
            {%- else -%}
                ({{ domain }} = {{ lit(d) }} or {{ domain }} like {{ lit('%.' ~ d) }})
            {%- endif -%}
            {%- if not loop.last %} or {% endif -%}
        {%- endfor %})
    {%- endif -%}
{%- endmacro %}
