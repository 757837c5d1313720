-- Assets per status label, counted from the synced assets (not the server's assets_count, computed at read time).
with assets as (select * from {{ ref('asset_inventory') }}),
statuses as (select * from {{ ref('stg_snipeit__status_labels') }} where not is_deleted),
counts as (
    select status_label_id,
           count(*) as asset_count,
           sum(case when is_assigned then 1 else 0 end) as assigned_count,
           sum(coalesce(purchase_cost, 0)) as purchase_cost_total
    from assets group by status_label_id
)

select
    s.id as status_label_id,
    s.name as status_label_name,
    s.status_type,
    s.color,
    coalesce(c.asset_count, 0) as asset_count,
    coalesce(c.assigned_count, 0) as assigned_count,
    coalesce(c.purchase_cost_total, 0) as purchase_cost_total
from statuses as s
left join counts as c on c.status_label_id = s.id
