-- Per company: assets, people, licenses and stock items, counted from the synced rows. The server's
-- companies.*_count columns are computed at read time (and go stale in incremental tables).
with companies as (select * from {{ ref('stg_snipeit__companies') }} where not is_deleted),
assets as (select company_id, count(*) as n, sum(coalesce(purchase_cost, 0)) as cost
           from {{ ref('asset_inventory') }} group by company_id),
users as (select company_id, count(*) as n from {{ ref('stg_snipeit__users') }} where not is_deleted group by company_id),
licenses as (select company_id, count(*) as n from {{ ref('stg_snipeit__licenses') }} where not is_deleted group by company_id),
stock as (
    select company_id,
           sum(case when item_type = 'accessory' then 1 else 0 end) as accessories,
           sum(case when item_type = 'consumable' then 1 else 0 end) as consumables,
           sum(case when item_type = 'component' then 1 else 0 end) as components
    from {{ ref('stock_levels') }} group by company_id
)

select
    c.id as company_id,
    c.name as company_name,
    coalesce(a.n, 0) as asset_count,
    coalesce(a.cost, 0) as asset_purchase_cost_total,
    coalesce(u.n, 0) as user_count,
    coalesce(l.n, 0) as license_count,
    coalesce(s.accessories, 0) as accessory_count,
    coalesce(s.consumables, 0) as consumable_count,
    coalesce(s.components, 0) as component_count
from companies as c
left join assets as a on a.company_id = c.id
left join users as u on u.company_id = c.id
left join licenses as l on l.company_id = c.id
left join stock as s on s.company_id = c.id
