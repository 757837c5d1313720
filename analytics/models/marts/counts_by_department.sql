-- Per department: its people and the assets and license seats checked out to them (Snipe-IT has no department
-- on an asset: it is the assignee's).
with departments as (select * from {{ ref('stg_snipeit__departments') }} where not is_deleted),
users as (select * from {{ ref('stg_snipeit__users') }} where not is_deleted),
assets as (select * from {{ ref('asset_inventory') }}),
seats as (select * from {{ ref('stg_snipeit__license_seats') }} where not is_deleted),
user_counts as (select department_id, count(*) as user_count from users group by department_id),
asset_counts as (
    select assigned_user_department_id as department_id, count(*) as assigned_asset_count,
           sum(coalesce(purchase_cost, 0)) as assigned_purchase_cost_total
    from assets where assigned_user_department_id is not null group by assigned_user_department_id
),
seat_counts as (
    select u.department_id, count(*) as assigned_seat_count
    from seats as s join users as u on u.id = s.assigned_user_id
    group by u.department_id
)

select
    d.id as department_id,
    d.name as department_name,
    d.company_id,
    d.location_id,
    coalesce(u.user_count, 0) as user_count,
    coalesce(a.assigned_asset_count, 0) as assigned_asset_count,
    coalesce(a.assigned_purchase_cost_total, 0) as assigned_purchase_cost_total,
    coalesce(s.assigned_seat_count, 0) as assigned_seat_count
from departments as d
left join user_counts as u on u.department_id = d.id
left join asset_counts as a on a.department_id = d.id
left join seat_counts as s on s.department_id = d.id
