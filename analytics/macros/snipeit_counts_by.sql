{#- The counts_by_<dimension> marts (company, department, location, status): one row per member of the dimension
    (a company, a department, ...), keyed <dimension>-<id>, with counts of the fact rows (assets, people, licenses,
    ...) that name it. Counted from the synced rows, never from the server's *_count columns (computed at read time,
    stale in incremental tables). Two more rows, only when they count anything: '(no <dimension>)' (key 'none')
    for facts naming none, and '(unknown <dimension>)' (key 'unknown') for facts naming a member that is not in its
    table (deleted since), so that every fact is counted once. Without the dimension's own stream the members are
    the ones the facts name (the name flattened into their rows). A count is null when its stream was not synced.

    What differs between the marts is data, in snipeit_counts_by_spec: the facts (a SQL select each, from the
    relations of snipeit_counts_by_relation; the first names the columns: kind, the member's id, then whatever the
    measures read) and the measures (name, aggregate over the facts, the stream(s) they need). -#}
{% macro snipeit_counts_by(dimension) %}
    {%- set spec = snipeit_counts_by_spec(dimension) -%}
    {%- set entity = spec.get('entity', dimension) -%}
    {%- set id, key, group = entity ~ '_id', dimension ~ '_key', dimension ~ '_group' -%}
    {%- set attributes = spec.get('attributes', []) -%}
    {%- set null_of = {'integer': 'cast(null as ' ~ dbt.type_bigint() ~ ')',
                       'string': 'cast(null as ' ~ dbt.type_string() ~ ')'} -%}
with
{%- for name in spec.relations %}
{{ name }} as ({{ snipeit_counts_by_relation(name) }}),
{%- endfor %}
{% if snipeit_using(spec.lookup) -%}
members as (
    select id, name{% for column, kind, fallback in attributes %}, {{ column }}{% endfor %}
    from {{ ref('stg_snipeit__' ~ spec.lookup) }} where not is_deleted
),
{%- else -%}
-- {{ spec.lookup }} not synced: the members the {{ spec.fallback }} rows name, with the name flattened into them
members as (
    select {{ id }} as id, max({{ entity }}_name) as name
        {%- for column, kind, fallback in attributes %}, {{ fallback or null_of[kind] }} as {{ column }}{% endfor %}
    from {{ spec.fallback }} where {{ id }} is not null group by {{ id }}
),
{%- endif %}
facts as (
    {{ spec.facts | join('\n    union all\n    ') }}
),
keyed as (
    select
        case
            {%- if spec.get('holders') %} when not f.holder_known then 'unknown'{% endif %}
            {%- if spec.get('none_row', true) %} when f.{{ id }} is null then 'none'{% endif %}
             when m.id is null then 'unknown'
             else {{ dbt.concat(["'" ~ dimension ~ "-'", dbt.safe_cast('m.id', dbt.type_string())]) }} end as {{ key }},
        f.*
    from facts as f
    left join members as m on m.id = f.{{ id }}
),
counts as (
    select
        {{ key }}
        {%- for measure in spec.measures %},
        {{ measure[1] }} as {{ measure[0] }}
        {%- endfor %}
    from keyed
    group by {{ key }}
),
member_groups as (
    select {{ dbt.concat(["'" ~ dimension ~ "-'", dbt.safe_cast('id', dbt.type_string())]) }} as {{ key }},
           id as {{ id }}, name as {{ entity }}_name, '{{ dimension }}' as {{ group }}
           {%- for column, kind, fallback in attributes %}, {{ column }}{% endfor %}
    from members
    {%- for extra in (['none'] if spec.get('none_row', true) else []) + ['unknown'] %}
    union all
    select '{{ extra }}', {{ null_of.integer }}, '({{ 'no' if extra == 'none' else extra }} {{ dimension }})',
           '{{ 'no' if extra == 'none' else extra }}_{{ dimension }}'
           {%- for column, kind, fallback in attributes %}, {{ null_of[kind] }}{% endfor %}
    {%- endfor %}
)

select
    g.{{ key }},
    g.{{ id }},
    g.{{ entity }}_name,
    {%- if spec.get('group_column', true) %}
    g.{{ group }},
    {%- endif %}
    {%- for column, kind, fallback in attributes %}
    g.{{ column }},
    {%- endfor %}
    {%- for measure in spec.measures %}
    {%- set value = snipeit_count_if_synced(measure[2], 'c.' ~ measure[0]) %}
    {%- if measure | length > 3 %}{% set value = snipeit_when_synced(measure[3][0], value, measure[3][1]) %}{% endif %}
    {{ value }} as {{ measure[0] }}{{ ',' if not loop.last else '' }}
    {%- endfor %}
from member_groups as g
left join counts as c on c.{{ key }} = g.{{ key }}
where g.{{ group }} = '{{ dimension }}'
   or c.{{ key }} is not null
{% endmacro %}

{#- The relations the facts are selected from: current rows only. -#}
{% macro snipeit_counts_by_relation(name) %}
    {%- set models = {'assets': 'asset_inventory', 'stock': 'stock_levels', 'users': 'stg_snipeit__users',
                      'licenses': 'stg_snipeit__licenses', 'seats': 'stg_snipeit__license_seats'} -%}
    select * from {{ ref(models[name]) }}{{ ' where not is_deleted' if models[name].startswith('stg_') else '' }}
{%- endmacro %}

{#- Per dimension: relations (the CTEs the facts read), lookup (the dimension's stream, its staging model's id and
    name), fallback (the relation whose <entity>_id / <entity>_name name the members when lookup was not synced),
    entity (prefix of the id and name columns, default the dimension), attributes (more columns of the members:
    name, kind, the aggregate that takes them from fallback, else null), holders (facts have holder_known: false
    counts as unknown), none_row / group_column (default true), facts, measures: (name, aggregate, the stream or
    streams of which one must be synced[, (a stream that must be synced too, the null's kind)]). -#}
{% macro snipeit_counts_by_spec(dimension) %}
    {%- set no_cost = 'cast(null as ' ~ dbt.type_numeric() ~ ')' -%}
    {%- set dimensions = {
        'company': {
            'relations': ['assets', 'users', 'licenses', 'stock'], 'lookup': 'companies', 'fallback': 'assets',
            'facts': ["select 'asset' as kind, company_id, purchase_cost as cost from assets",
                      "select 'user', company_id, " ~ no_cost ~ " from users",
                      "select 'license', company_id, " ~ no_cost ~ " from licenses",
                      "select item_type, company_id, " ~ no_cost ~ " from stock"],
            'measures': [('asset_count', snipeit_count_kind('asset'), 'hardware'),
                         ('asset_purchase_cost_total',
                          "sum(case when kind = 'asset' then coalesce(cost, 0) else 0 end)", 'hardware'),
                         ('user_count', snipeit_count_kind('user'), 'users'),
                         ('license_count', snipeit_count_kind('license'), 'licenses'),
                         ('accessory_count', snipeit_count_kind('accessory'), 'accessories'),
                         ('consumable_count', snipeit_count_kind('consumable'), 'consumables'),
                         ('component_count', snipeit_count_kind('component'), 'components')]},
        'department': {
            'relations': ['users', 'assets', 'seats'], 'lookup': 'departments', 'fallback': 'users',
            'attributes': [('company_id', 'integer', none), ('location_id', 'integer', none)], 'holders': true,
            'facts': ["select 'user' as kind, true as holder_known, department_id, " ~ no_cost ~ " as cost from users",
                      "select 'asset', u.id is not null, u.department_id, a.purchase_cost from assets as a"
                      ~ " left join users as u on u.id = a.assigned_to_id where a.assigned_to_type = 'user'",
                      "select 'seat', u.id is not null, u.department_id, " ~ no_cost ~ " from seats as s"
                      ~ " left join users as u on u.id = s.assigned_user_id where s.assigned_user_id is not null"],
            'measures': [('user_count', snipeit_count_kind('user'), 'users'),
                         ('assigned_asset_count', snipeit_count_kind('asset'), 'users', ('hardware', 'integer')),
                         ('assigned_purchase_cost_total',
                          "sum(case when kind = 'asset' then coalesce(cost, 0) else 0 end)", 'users',
                          ('hardware', 'numeric')),
                         ('assigned_seat_count', snipeit_count_kind('seat'), 'users', ('license_seats', 'integer'))]},
        'location': {
            'relations': ['assets', 'users', 'stock'], 'lookup': 'locations', 'fallback': 'assets',
            'attributes': [('parent_id', 'integer', none), ('company_id', 'integer', none)],
            'facts': ["select 'asset' as kind, location_id, is_archived from assets",
                      "select 'rtd_asset', rtd_location_id, is_archived from assets",
                      "select 'checked_out_to_location', assigned_to_id, is_archived from assets"
                      ~ " where assigned_to_type = 'location'",
                      "select 'user', location_id, false from users",
                      "select 'stock', location_id, false from stock"],
            'measures': [('asset_count', snipeit_count_kind('asset'), 'hardware'),
                         ('archived_asset_count', "sum(case when kind = 'asset' and is_archived then 1 else 0 end)",
                          'hardware'),
                         ('rtd_asset_count', snipeit_count_kind('rtd_asset'), 'hardware'),
                         ('assets_checked_out_to_location', snipeit_count_kind('checked_out_to_location'), 'hardware'),
                         ('user_count', snipeit_count_kind('user'), 'users'),
                         ('stock_item_count', snipeit_count_kind('stock'),
                          ['accessories', 'consumables', 'components'])]},
        'status': {
            'relations': ['assets'], 'lookup': 'status_labels', 'fallback': 'assets', 'entity': 'status_label',
            'attributes': [('status_type', 'string', 'max(status_type)'), ('color', 'string', none)],
            'none_row': false, 'group_column': false,
            'facts': ["select 'asset' as kind, status_label_id, is_assigned, purchase_cost from assets"],
            'measures': [('asset_count', 'count(*)', 'hardware'),
                         ('assigned_count', 'sum(case when is_assigned then 1 else 0 end)', 'hardware'),
                         ('purchase_cost_total', 'sum(coalesce(purchase_cost, 0))', 'hardware')]},
    } -%}
    {{ return(dimensions[dimension]) }}
{% endmacro %}

{#- How many facts are of the kind. -#}
{% macro snipeit_count_kind(kind) -%}
    sum(case when kind = '{{ kind }}' then 1 else 0 end)
{%- endmacro %}
