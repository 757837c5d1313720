-- Per department: its people and the assets and license seats checked out to them (Snipe-IT has no department on
-- an asset: it is the assignee's). Two more rows, when they count anything: '(no department)' for people without
-- one (and what is checked out to them), '(unknown department)' for a department that is not in the departments
-- table, or an assignee who is not in the users table (deleted since). A count is null when its stream was not
-- synced.
with users as (select * from {{ ref('stg_snipeit__users') }} where not is_deleted),
assets as (select * from {{ ref('asset_inventory') }} where assigned_to_type = 'user'),
seats as (select * from {{ ref('stg_snipeit__license_seats') }} where not is_deleted and assigned_user_id is not null),
{% if snipeit_using('departments') -%}
departments as (
    select id, name, company_id, location_id from {{ ref('stg_snipeit__departments') }} where not is_deleted
),
{%- else -%}
-- departments not synced: the departments the people name, with the name flattened into their rows
departments as (
    select department_id as id, max(department_name) as name,
           cast(null as {{ dbt.type_bigint() }}) as company_id, cast(null as {{ dbt.type_bigint() }}) as location_id
    from users where department_id is not null group by department_id
),
{%- endif %}
facts as (
    select 'user' as kind, true as holder_known, department_id, cast(null as {{ dbt.type_numeric() }}) as cost
    from users
    union all
    select 'asset', u.id is not null, u.department_id, a.purchase_cost
    from assets as a left join users as u on u.id = a.assigned_to_id
    union all
    select 'seat', u.id is not null, u.department_id, cast(null as {{ dbt.type_numeric() }})
    from seats as s left join users as u on u.id = s.assigned_user_id
),
keyed as (
    select
        case when not f.holder_known then 'unknown'
             when f.department_id is null then 'none'
             when d.id is null then 'unknown'
             else {{ dbt.concat(["'department-'", dbt.safe_cast('d.id', dbt.type_string())]) }} end as department_key,
        f.*
    from facts as f
    left join departments as d on d.id = f.department_id
),
counts as (
    select
        department_key,
        sum(case when kind = 'user' then 1 else 0 end) as user_count,
        sum(case when kind = 'asset' then 1 else 0 end) as assigned_asset_count,
        sum(case when kind = 'asset' then coalesce(cost, 0) else 0 end) as assigned_purchase_cost_total,
        sum(case when kind = 'seat' then 1 else 0 end) as assigned_seat_count
    from keyed
    group by department_key
),
department_groups as (
    select {{ dbt.concat(["'department-'", dbt.safe_cast('id', dbt.type_string())]) }} as department_key,
           id as department_id, name as department_name, 'department' as department_group, company_id, location_id
    from departments
    union all
    select 'none', cast(null as {{ dbt.type_bigint() }}), '(no department)', 'no_department',
           cast(null as {{ dbt.type_bigint() }}), cast(null as {{ dbt.type_bigint() }})
    union all
    select 'unknown', cast(null as {{ dbt.type_bigint() }}), '(unknown department)', 'unknown_department',
           cast(null as {{ dbt.type_bigint() }}), cast(null as {{ dbt.type_bigint() }})
)

select
    g.department_key,
    g.department_id,
    g.department_name,
    g.department_group,
    g.company_id,
    g.location_id,
    {{ snipeit_count_if_synced('users', 'c.user_count') }} as user_count,
    {{ snipeit_when_synced('hardware', snipeit_count_if_synced('users', 'c.assigned_asset_count'), 'integer') }}
        as assigned_asset_count,
    {{ snipeit_when_synced('hardware', snipeit_count_if_synced('users', 'c.assigned_purchase_cost_total'), 'numeric') }}
        as assigned_purchase_cost_total,
    {{ snipeit_when_synced('license_seats', snipeit_count_if_synced('users', 'c.assigned_seat_count'), 'integer') }}
        as assigned_seat_count
from department_groups as g
left join counts as c on c.department_key = g.department_key
where g.department_group = 'department'
   or c.department_key is not null
