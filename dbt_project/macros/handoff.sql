{#- Routing of MQLs to sales owners, generated from config/handoff.yml (var `handoff`,
    validated by flows/handoff/config.py). -#}

{#- The routing configuration: {rules: [...], teams: {team: [members]}, default}. -#}
{% macro handoff_routing() -%}
    {%- set routing = var('handoff', none) -%}
    {{ return(routing if routing else {'rules': [], 'teams': {}, 'default': none}) }}
{%- endmacro %}

{#- `case when ... end` of (condition, value) pairs, or just `otherwise` when there are none
    (a case without a when is not SQL). -#}
{% macro case_of(pairs, otherwise) -%}
    {%- if pairs | length == 0 -%}
        {{ otherwise }}
    {%- else -%}
        case
        {%- for condition, value in pairs %}
            when {{ condition }} then {{ value }}
        {%- endfor %}
            else {{ otherwise }}
        end
    {%- endif -%}
{%- endmacro %}

{#- SQL: whether one condition of a rule holds over the columns of `relation` (the MQL
    cycles, int_lead_mql_cycles). A condition names its column and kind (a lead field or an
    attribute, resolved by flows/handoff/config.py): text and boolean compare lower-case with
    a list, numbers and dates with an inclusive range. -#}
{% macro routing_condition(condition, relation) -%}
    {%- set expr = relation ~ '.' ~ condition.column -%}
    {%- if condition.any_of is defined -%}
        coalesce({{ in_list('lower(cast(' ~ expr ~ ' as ' ~ dbt.type_string() ~ '))', condition.any_of) }}, false)
    {%- else -%}
        ({{ expr }} is not null
        {%- if condition['min'] is not none %} and {{ expr }} >= {{ routing_bound(condition['min'], condition.kind) }}{% endif %}
        {%- if condition['max'] is not none %} and {{ expr }} <= {{ routing_bound(condition['max'], condition.kind) }}{% endif -%})
    {%- endif -%}
{%- endmacro %}

{#- SQL: an end of a range: a number as it is, a date (YYYY-MM-DD) as a date literal. -#}
{% macro routing_bound(value, kind) -%}
    {%- if kind == 'date' -%}
        cast({{ lit(value) }} as date)
    {%- else -%}
        {{ value }}
    {%- endif -%}
{%- endmacro %}

{#- SQL: the name of the first rule whose conditions all hold over the columns of `relation`
    (the default's name, or null). -#}
{% macro routing_rule(relation) -%}
    {%- set routing = handoff_routing() -%}
    {%- set pairs = [] -%}
    {%- for rule in routing.rules -%}
        {%- set conditions = [] -%}
        {%- for c in rule.conditions -%}
            {%- do conditions.append(routing_condition(c, relation)) -%}
        {%- endfor -%}
        {%- do pairs.append((conditions | join(' and '), lit(rule.name))) -%}
    {%- endfor -%}
    {{ case_of(pairs, lit(routing.default.name) if routing.default else 'cast(null as ' ~ dbt.type_string() ~ ')') }}
{%- endmacro %}

{#- SQL: the fixed owner (`target` owner) or team (`target` team) of the rule named in `rule_column`. -#}
{% macro routing_target(rule_column, target) -%}
    {%- set routing = handoff_routing() -%}
    {%- set targets = routing.rules + ([routing.default] if routing.default else []) -%}
    {%- set pairs = [] -%}
    {%- for rule in targets if rule.get(target) -%}
        {%- do pairs.append((rule_column ~ ' = ' ~ lit(rule.name), lit(rule[target]))) -%}
    {%- endfor -%}
    {{ case_of(pairs, 'cast(null as ' ~ dbt.type_string() ~ ')') }}
{%- endmacro %}

{#- SQL: a member of the team in `team_column`, taking turns by the 1-based `turn_column`. -#}
{% macro team_member(team_column, turn_column) -%}
    {%- set routing = handoff_routing() -%}
    {%- set pairs = [] -%}
    {%- for team, members in routing.teams.items() -%}
        {%- for member in members -%}
            {%- set condition = team_column ~ ' = ' ~ lit(team) ~ ' and mod(' ~ turn_column ~ ' - 1, '
                ~ (members | length) ~ ') = ' ~ loop.index0 -%}
            {%- do pairs.append((condition, lit(member))) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ case_of(pairs, 'cast(null as ' ~ dbt.type_string() ~ ')') }}
{%- endmacro %}
