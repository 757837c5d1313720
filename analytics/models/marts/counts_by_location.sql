-- Per location: assets there, assets whose default (ready-to-deploy) location it is, assets checked out to it,
-- people based there, and stock items kept there. Counted from the fact tables, not the server's *_count columns.
-- Two more rows, when they count anything: '(no location)' for rows without a location, and '(unknown location)'
-- for rows pointing at a location that is not in the locations table (deleted since), so every asset and person is
-- counted once. A count is null when its stream was not synced.
{%- set stock_synced = snipeit_using('accessories') or snipeit_using('consumables') or snipeit_using('components') %}
with assets as (select * from {{ ref('asset_inventory') }}),
users as (select * from {{ ref('stg_snipeit__users') }} where not is_deleted),
stock as (select * from {{ ref('stock_levels') }}),
{% if snipeit_using('locations') -%}
locations as (
    select id, name, parent_id, company_id from {{ ref('stg_snipeit__locations') }} where not is_deleted
),
{%- else -%}
-- locations not synced: the locations the assets name, with the name flattened into their rows
locations as (
    select location_id as id, max(location_name) as name,
           cast(null as {{ dbt.type_bigint() }}) as parent_id, cast(null as {{ dbt.type_bigint() }}) as company_id
    from assets where location_id is not null group by location_id
),
{%- endif %}
facts as (
    select 'asset' as kind, location_id, is_archived from assets
    union all
    select 'rtd_asset' as kind, rtd_location_id as location_id, is_archived from assets
    union all
    select 'checked_out_to_location' as kind, assigned_to_id as location_id, is_archived
    from assets where assigned_to_type = 'location'
    union all
    select 'user' as kind, location_id, false as is_archived from users
    union all
    select 'stock' as kind, location_id, false as is_archived from stock
),
keyed as (
    select
        case when f.location_id is null then 'none'
             when l.id is null then 'unknown'
             else {{ dbt.concat(["'location-'", dbt.safe_cast('l.id', dbt.type_string())]) }} end as location_key,
        f.*
    from facts as f
    left join locations as l on l.id = f.location_id
),
counts as (
    select
        location_key,
        sum(case when kind = 'asset' then 1 else 0 end) as asset_count,
        sum(case when kind = 'asset' and is_archived then 1 else 0 end) as archived_asset_count,
        sum(case when kind = 'rtd_asset' then 1 else 0 end) as rtd_asset_count,
        sum(case when kind = 'checked_out_to_location' then 1 else 0 end) as assets_checked_out_to_location,
        sum(case when kind = 'user' then 1 else 0 end) as user_count,
        sum(case when kind = 'stock' then 1 else 0 end) as stock_item_count
    from keyed
    group by location_key
),
location_groups as (
    select {{ dbt.concat(["'location-'", dbt.safe_cast('id', dbt.type_string())]) }} as location_key, id as location_id,
           name as location_name, 'location' as location_group, parent_id, company_id
    from locations
    union all
    select 'none', cast(null as {{ dbt.type_bigint() }}), '(no location)', 'no_location',
           cast(null as {{ dbt.type_bigint() }}), cast(null as {{ dbt.type_bigint() }})
    union all
    select 'unknown', cast(null as {{ dbt.type_bigint() }}), '(unknown location)', 'unknown_location',
           cast(null as {{ dbt.type_bigint() }}), cast(null as {{ dbt.type_bigint() }})
)

select
    g.location_key,
    g.location_id,
    g.location_name,
    g.location_group,
    g.parent_id,
    g.company_id,
    {{ snipeit_count_if_synced('hardware', 'c.asset_count') }} as asset_count,
    {{ snipeit_count_if_synced('hardware', 'c.archived_asset_count') }} as archived_asset_count,
    {{ snipeit_count_if_synced('hardware', 'c.rtd_asset_count') }} as rtd_asset_count,
    {{ snipeit_count_if_synced('hardware', 'c.assets_checked_out_to_location') }} as assets_checked_out_to_location,
    {{ snipeit_count_if_synced('users', 'c.user_count') }} as user_count,
    {% if stock_synced %}coalesce(c.stock_item_count, 0){% else %}cast(null as {{ dbt.type_bigint() }}){% endif %}
        as stock_item_count
from location_groups as g
left join counts as c on c.location_key = g.location_key
where g.location_group = 'location'
   or c.location_key is not null
