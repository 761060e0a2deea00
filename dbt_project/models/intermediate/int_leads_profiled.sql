{#- ICP profiling: fit score 0-100 from config/icp.yml, a readable reason, and the tier
    (name, profiled or disqualified) with the moment its criteria became true. The fit score
    adds the older sections' points (territory, industry, company size, persona) and the
    points of each `criteria:` entry (any field or attribute; a group's sum limited by its
    cap), kept within 0..100. Firmographics on the contact and on its company (by domain)
    are combined field by field; icp.yml's firmographics_precedence says which wins. -#}
{%- set icp_config = icp() -%}
{%- set exclusions = icp_config.exclusions -%}
{%- set required = icp_config.required -%}
{%- set criteria = icp_config.criteria -%}
{%- set groups = icp_config.groups -%}
{%- set contact_first = icp_config.firmographics_precedence == 'contact' -%}
{#- column prefixes of the contact's and the company's firmographics, the winner first -#}
{%- set firmographics = ['enriched.contact_', 'companies.'] if contact_first else ['companies.', 'enriched.contact_'] -%}
{%- set winner_known_at = 'enriched.contact_firmographics_known_at' if contact_first else 'companies.first_known_at' -%}
{%- set student_or_personal = exclusions.student_or_personal -%}
{#- free-mail addresses disqualify unless switched off (they still name no company) -#}
{%- set free_mail_excluded = student_or_personal.free_mail_domains if student_or_personal.disqualify_free_mail else [] -%}

with

leads as {{ inlined() }} (

    select * from {{ ref('int_leads_resolved') }}

),

companies as {{ inlined() }} (

    select * from {{ ref('int_companies_deduplicated') }}

),

enriched as (

    select
        leads.*,
        case
            when {{ in_list('leads.email_domain', exclusions.student_or_personal.free_mail_domains) }}
                then leads.website_domain
            else leads.email_domain
        end as company_domain
    from leads

),

firmographics as (

    select
        enriched.*,
        coalesce(companies.company_name, enriched.company_name) as account_name,
        coalesce({{ firmographics[0] }}industry_key, {{ firmographics[1] }}industry_key) as industry_key,
        coalesce({{ firmographics[0] }}industry_as_exported, {{ firmographics[1] }}industry_as_exported) as industry_as_exported,
        coalesce({{ firmographics[0] }}employees, {{ firmographics[1] }}employees) as employees,
        coalesce({{ firmographics[0] }}annual_revenue_usd, {{ firmographics[1] }}annual_revenue_usd) as annual_revenue_usd,
        coalesce(enriched.country_code, companies.country_code) as lead_country_code,
        -- when the firmographics in use were known: the source that supplied them, or the
        -- later of both when each supplied some
        case
            when enriched.contact_firmographics_known_at is null then companies.first_known_at
            when companies.first_known_at is null then enriched.contact_firmographics_known_at
            when
                {{ firmographics[0] }}industry_key is not null
                and ({{ firmographics[0] }}employees is not null or {{ firmographics[0] }}annual_revenue_usd is not null)
                then {{ winner_known_at }}
            else greatest(enriched.contact_firmographics_known_at, companies.first_known_at)
        end as firmographics_known_at,
        {{ padded_words('enriched.job_title') }} as title_words
    from enriched
    left join companies
        on enriched.company_domain = companies.company_domain

),

scored as (

    select
        firmographics.*,
        {{ icp_territory_points('lead_country_code') }} as territory_points,
        {{ icp_industry_points('industry_key') }} as industry_points,
        {{ icp_band_points('employees', icp_config.company_size.employees) }} as employee_points,
        {{ icp_band_points('annual_revenue_usd', icp_config.company_size.annual_revenue_usd) }} as revenue_points,
        {{ icp_persona('title_words') }} as persona
    from firmographics

),

points as (

    select
        scored.*,
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
        {%- for c in criteria %}
        {{ rule_value_points(c) }} as criterion_{{ c.index }}_points,
        {%- endfor %}
        {{ icp_persona_points('persona') }} as persona_points
    from scored

),

criteria_points as (

    select
        points.*,
        {%- for name, group in groups.items() %}
        0{% for c in criteria if c.group == name %} + criterion_{{ c.index }}_points{% endfor %} as group_{{ loop.index }}_points,
        {%- endfor %}
        0{% for c in criteria if not c.group %} + criterion_{{ c.index }}_points{% endfor %} as ungrouped_criteria_points
    from points

),

flags as (

    select
        criteria_points.*,
        {{ domain_in('email_domain', exclusions.competitor.domains) }} as is_competitor,
        (
            {{ domain_in('email_domain', exclusions.invalid_contact.domains) }}
            or {{ in_list('email_local_part', exclusions.invalid_contact.local_parts) }}
        ) as is_invalid_contact,
        {{ in_list('email_domain', free_mail_excluded) }} as is_free_mail,
        {{ domain_in('email_domain', exclusions.student_or_personal.student_domains) }} as is_student_domain,
        {{ has_keyword('title_words', exclusions.student_or_personal.student_title_keywords) }} as is_student_title,
        {{ icp_is_out_of_territory('lead_country_code') }} as is_out_of_territory
    from criteria_points

),

fit as (

    select
        flags.*,
        greatest(0, least(
            100,
            territory_points + industry_points + size_points + persona_points + ungrouped_criteria_points
            {%- for name, group in groups.items() %}
            + least(group_{{ loop.index }}_points, {{ group.cap }})
            {%- endfor %}
        )) as fit_score,
        concat_ws(
            ', ',
            case when territory_points > 0 then 'territory ' || lead_country_code || ' +' || cast(territory_points as {{ dbt.type_string() }}) end,
            case when industry_points > 0 then 'industry ' || industry_as_exported || ' +' || cast(industry_points as {{ dbt.type_string() }}) end,
            case
                when size_points > 0 and size_basis = 'employees'
                    then cast(employees as {{ dbt.type_string() }}) || ' employees +' || cast(size_points as {{ dbt.type_string() }})
                when size_points > 0
                    then 'revenue ' || cast(cast(annual_revenue_usd as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }}) || ' USD +' || cast(size_points as {{ dbt.type_string() }})
            end,
            case when persona_points > 0 then 'title ' || job_title || ' (' || persona || ') +' || cast(persona_points as {{ dbt.type_string() }}) end,
            {%- for c in criteria %}
            case
                when criterion_{{ c.index }}_points <> 0
                    then {{ lit(c.name ~ ' = ') }} || {{ rule_value_text(c) }} || ' ' || {{ signed_points("criterion_" ~ c.index ~ "_points") }}
            end,
            {%- endfor %}
            {%- for name, group in groups.items() %}
            case
                when group_{{ loop.index }}_points > {{ group.cap }}
                    then {{ lit('group ' ~ name ~ ' capped at ' ~ group.cap) }}
            end,
            {%- endfor %}
            cast(null as {{ dbt.type_string() }})
        ) as fit_parts,
        concat_ws(
            ', ',
            {% for r in required %}case when {{ r.columns | join(' is null and ') }} is null then {{ lit(r.label) }} end, {% endfor %}
            cast(null as {{ dbt.type_string() }})
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
    from flags

),

tiered as (

    select
        fit.*,
        case
            when disqualification_reason is not null then 'disqualified'
            when missing_firmographics = '' and fit_score >= {{ icp_config.fit_threshold }} then 'profiled'
            else 'name'
        end as tier
    from fit

),

final as (

    select
        tiered.*,
        case
            when tier = 'profiled'
                then {{ dbt.concat(["'fit '", "cast(fit_score as " ~ dbt.type_string() ~ ")", "'/100 (threshold " ~ icp_config.fit_threshold ~ "): '", "fit_parts"]) }}
            when tier = 'disqualified'
                then disqualification_reason || ': ' || disqualification_detail
            when missing_firmographics <> ''
                then
                    'missing firmographics: ' || missing_firmographics
                    || '; fit ' || cast(fit_score as {{ dbt.type_string() }}) || '/100 so far'
            else
                'fit ' || cast(fit_score as {{ dbt.type_string() }}) || '/100 below threshold {{ icp_config.fit_threshold }}'
                || case when fit_parts <> '' then ': ' || fit_parts else '' end
        end as tier_reason,
        case
            when fit_parts = '' then 'fit ' || cast(fit_score as {{ dbt.type_string() }}) || '/100: no ICP criteria met'
            else 'fit ' || cast(fit_score as {{ dbt.type_string() }}) || '/100: ' || fit_parts
        end as fit_reason,
        first_captured_at as name_at,
        case
            when tier = 'profiled'
                then greatest(
                    first_captured_at,
                    coalesce(firmographics_known_at, first_captured_at),
                    coalesce(job_title_known_at, first_captured_at),
                    coalesce(country_known_at, first_captured_at)
                    {%- for r in required if r.attribute %},
                    coalesce({{ r.columns[0] }}__known_at, first_captured_at)
                    {%- endfor %}
                )
        end as profiled_at,
        case
            when disqualification_reason = 'out_of_territory'
                then greatest(first_captured_at, coalesce(country_known_at, first_captured_at))
            when
                disqualification_reason = 'student_or_personal'
                and is_student_title and not is_free_mail and not is_student_domain
                then greatest(first_captured_at, coalesce(job_title_known_at, first_captured_at))
            when disqualification_reason is not null
                then first_captured_at
        end as disqualified_at
    from tiered

)

select * from final
