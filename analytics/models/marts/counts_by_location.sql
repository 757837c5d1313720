-- Per location: assets there, assets whose default (ready-to-deploy) location it is, assets checked out to it,
-- people based there, and stock items kept there. Counted from the fact tables, not the server's *_count columns.
with locations as (select * from {{ ref('stg_snipeit__locations') }} where not is_deleted),
assets as (select * from {{ ref('asset_inventory') }}),
users as (select * from {{ ref('stg_snipeit__users') }} where not is_deleted),
stock as (select * from {{ ref('stock_levels') }}),
asset_counts as (
    select location_id, count(*) as asset_count,
           sum(case when is_archived then 1 else 0 end) as archived_asset_count
    from assets group by location_id
),
rtd_counts as (select rtd_location_id as location_id, count(*) as rtd_asset_count from assets group by rtd_location_id),
checked_out_here as (
    select assigned_to_id as location_id, count(*) as assets_checked_out_to_location
    from assets where assigned_to_type = 'location' group by assigned_to_id
),
user_counts as (select location_id, count(*) as user_count from users group by location_id),
stock_counts as (select location_id, count(*) as stock_item_count from stock group by location_id)

select
    l.id as location_id,
    l.name as location_name,
    l.parent_id,
    l.company_id,
    coalesce(a.asset_count, 0) as asset_count,
    coalesce(a.archived_asset_count, 0) as archived_asset_count,
    coalesce(r.rtd_asset_count, 0) as rtd_asset_count,
    coalesce(o.assets_checked_out_to_location, 0) as assets_checked_out_to_location,
    coalesce(u.user_count, 0) as user_count,
    coalesce(s.stock_item_count, 0) as stock_item_count
from locations as l
left join asset_counts as a on a.location_id = l.id
left join rtd_counts as r on r.location_id = l.id
left join checked_out_here as o on o.location_id = l.id
left join user_counts as u on u.location_id = l.id
left join stock_counts as s on s.location_id = l.id
