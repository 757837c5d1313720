-- Per company: assets, people, licenses and stock items, counted from the synced rows (the server's
-- companies.*_count columns are computed at read time and go stale in incremental tables). Two more rows, when
-- they count anything: '(no company)' and '(unknown company)' (a company that is not in the companies table). A
-- count is null when its stream was not synced.
{%- set stock_synced = snipeit_using('accessories') or snipeit_using('consumables') or snipeit_using('components') %}
with assets as (select * from {{ ref('asset_inventory') }}),
users as (select * from {{ ref('stg_snipeit__users') }} where not is_deleted),
licenses as (select * from {{ ref('stg_snipeit__licenses') }} where not is_deleted),
stock as (select * from {{ ref('stock_levels') }}),
{% if snipeit_using('companies') -%}
companies as (select id, name from {{ ref('stg_snipeit__companies') }} where not is_deleted),
{%- else -%}
-- companies not synced: the companies the assets name, with the name flattened into their rows
companies as (
    select company_id as id, max(company_name) as name from assets where company_id is not null group by company_id
),
{%- endif %}
facts as (
    select 'asset' as kind, company_id, purchase_cost as cost from assets
    union all
    select 'user', company_id, cast(null as {{ dbt.type_numeric() }}) from users
    union all
    select 'license', company_id, cast(null as {{ dbt.type_numeric() }}) from licenses
    union all
    select item_type, company_id, cast(null as {{ dbt.type_numeric() }}) from stock
),
keyed as (
    select
        case when f.company_id is null then 'none'
             when c.id is null then 'unknown'
             else {{ dbt.concat(["'company-'", dbt.safe_cast('c.id', dbt.type_string())]) }} end as company_key,
        f.*
    from facts as f
    left join companies as c on c.id = f.company_id
),
counts as (
    select
        company_key,
        sum(case when kind = 'asset' then 1 else 0 end) as asset_count,
        sum(case when kind = 'asset' then coalesce(cost, 0) else 0 end) as asset_purchase_cost_total,
        sum(case when kind = 'user' then 1 else 0 end) as user_count,
        sum(case when kind = 'license' then 1 else 0 end) as license_count,
        sum(case when kind = 'accessory' then 1 else 0 end) as accessory_count,
        sum(case when kind = 'consumable' then 1 else 0 end) as consumable_count,
        sum(case when kind = 'component' then 1 else 0 end) as component_count
    from keyed
    group by company_key
),
company_groups as (
    select {{ dbt.concat(["'company-'", dbt.safe_cast('id', dbt.type_string())]) }} as company_key, id as company_id,
           name as company_name, 'company' as company_group
    from companies
    union all
    select 'none', cast(null as {{ dbt.type_bigint() }}), '(no company)', 'no_company'
    union all
    select 'unknown', cast(null as {{ dbt.type_bigint() }}), '(unknown company)', 'unknown_company'
)

select
    g.company_key,
    g.company_id,
    g.company_name,
    g.company_group,
    {{ snipeit_count_if_synced('hardware', 'c.asset_count') }} as asset_count,
    {{ snipeit_count_if_synced('hardware', 'c.asset_purchase_cost_total') }} as asset_purchase_cost_total,
    {{ snipeit_count_if_synced('users', 'c.user_count') }} as user_count,
    {{ snipeit_count_if_synced('licenses', 'c.license_count') }} as license_count,
    {{ snipeit_count_if_synced('accessories', 'c.accessory_count') }} as accessory_count,
    {{ snipeit_count_if_synced('consumables', 'c.consumable_count') }} as consumable_count,
    {{ snipeit_count_if_synced('components', 'c.component_count') }} as component_count
from company_groups as g
left join counts as c on c.company_key = g.company_key
where g.company_group = 'company'
   or c.company_key is not null
