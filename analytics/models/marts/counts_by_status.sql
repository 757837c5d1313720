-- Assets per status label, counted from the synced assets (not the server's assets_count, computed at read time).
-- One more row, when it counts anything: '(unknown status)' for assets whose label is not in the status_labels
-- table (deleted since, or the stream not synced: then the labels are the ones the assets name).
with assets as (select * from {{ ref('asset_inventory') }}),
{% if snipeit_using('status_labels') -%}
statuses as (
    select id, name, status_type, color from {{ ref('stg_snipeit__status_labels') }} where not is_deleted
),
{%- else -%}
statuses as (
    select status_label_id as id, max(status_label_name) as name, max(status_type) as status_type,
           cast(null as {{ dbt.type_string() }}) as color
    from assets where status_label_id is not null group by status_label_id
),
{%- endif %}
keyed as (
    select
        case when s.id is null then 'unknown'
             else {{ dbt.concat(["'status-'", dbt.safe_cast('s.id', dbt.type_string())]) }} end as status_key,
        a.*
    from assets as a
    left join statuses as s on s.id = a.status_label_id
),
counts as (
    select status_key,
           count(*) as asset_count,
           sum(case when is_assigned then 1 else 0 end) as assigned_count,
           sum(coalesce(purchase_cost, 0)) as purchase_cost_total
    from keyed group by status_key
),
status_groups as (
    select {{ dbt.concat(["'status-'", dbt.safe_cast('id', dbt.type_string())]) }} as status_key, id as status_label_id,
           name as status_label_name, status_type, color
    from statuses
    union all
    select 'unknown', cast(null as {{ dbt.type_bigint() }}), '(unknown status)', cast(null as {{ dbt.type_string() }}),
           cast(null as {{ dbt.type_string() }})
)

select
    g.status_key,
    g.status_label_id,
    g.status_label_name,
    g.status_type,
    g.color,
    {{ snipeit_count_if_synced('hardware', 'c.asset_count') }} as asset_count,
    {{ snipeit_count_if_synced('hardware', 'c.assigned_count') }} as assigned_count,
    {{ snipeit_count_if_synced('hardware', 'c.purchase_cost_total') }} as purchase_cost_total
from status_groups as g
left join counts as c on c.status_key = g.status_key
where g.status_key <> 'unknown' or c.status_key is not null
