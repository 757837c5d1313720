-- Every current (not soft-deleted) asset with its model, category, manufacturer, status, location, company,
-- assignee, archived flag, age, warranty end, end of life and the currency of its money. Names come from the
-- current dimension rows (the names flattened into an asset row are those of its last sync and go stale when a
-- model is renamed); for a stream not synced, from the asset row.
with assets as (
    select * from {{ ref('stg_snipeit__hardware') }} where not is_deleted
),
models as (select * from {{ ref('stg_snipeit__models') }}),
categories as (select * from {{ ref('stg_snipeit__categories') }}),
manufacturers as (select * from {{ ref('stg_snipeit__manufacturers') }}),
statuses as (select * from {{ ref('stg_snipeit__status_labels') }}),
locations as (select * from {{ ref('stg_snipeit__locations') }}),
companies as (select * from {{ ref('stg_snipeit__companies') }}),
users as (select * from {{ ref('stg_snipeit__users') }}),
as_of as (select {{ snipeit_as_of() }} as as_of_date)

select
    a.id as asset_id,
    a.asset_tag,
    a.asset_name,
    a.serial,
    a.model_id,
    coalesce(m.name, a.model_name) as model_name,
    coalesce(m.model_number, a.model_number) as model_number,
    coalesce(m.category_id, a.category_id) as category_id,
    coalesce(c.name, a.category_name) as category_name,
    coalesce(m.manufacturer_id, a.manufacturer_id) as manufacturer_id,
    coalesce(mf.name, a.manufacturer_name) as manufacturer_name,
    a.status_label_id,
    coalesce(s.name, a.status_label_name) as status_label_name,
    coalesce(s.status_type, a.status_type) as status_type,
    (coalesce(s.status_type, a.status_type) = 'archived') as is_archived,
    a.location_id,
    coalesce(l.name, a.location_name) as location_name,
    a.rtd_location_id,
    a.company_id,
    coalesce(co.name, a.company_name) as company_name,
    a.assigned_to_type,
    a.assigned_to_id,
    case when a.assigned_to_type = 'user' then coalesce(u.full_name, a.assigned_to_name) else a.assigned_to_name end
        as assigned_to_name,
    case when a.assigned_to_type = 'user' then u.department_id end as assigned_user_department_id,
    (a.assigned_to_id is not null) as is_assigned,
    {#- Snipe-IT keeps an asset checked out to a user who was deleted since: the asset is out of reach. Unknown
        (null) when the users were not synced. #}
    {{ snipeit_when_synced('users', "coalesce(a.assigned_to_type = 'user', false) and u.id is null") }} as is_assigned_to_missing_user,
    {{ snipeit_when_synced('locations', "a.location_id is not null and l.id is null") }} as is_location_unknown,
    a.purchase_date,
    a.purchase_cost,
    -- Snipe-IT shows an asset's money in its location's currency, else in the instance's default currency
    {{ snipeit_currency('l.currency') }} as currency,
    case when a.purchase_date is not null then {{ snipeit_full_months('a.purchase_date', 'as_of.as_of_date') }} end
        as age_months,
    a.warranty_months,
    case when a.purchase_date is not null and a.warranty_months is not null
        then {{ snipeit_add_months('a.purchase_date', 'a.warranty_months') }} end as warranty_end_date,
    coalesce(a.model_eol_months, m.eol_months) as eol_months,
    coalesce(a.asset_eol_date,
        case when a.purchase_date is not null and coalesce(a.model_eol_months, m.eol_months) is not null
            then {{ snipeit_add_months('a.purchase_date', 'coalesce(a.model_eol_months, m.eol_months)') }} end)
        as eol_date,
    a.last_audit_at,
    a.next_audit_date,
    a.last_checkout_at,
    a.expected_checkin_date,
    as_of.as_of_date
from assets as a
cross join as_of
left join models as m on m.id = a.model_id
left join categories as c on c.id = coalesce(m.category_id, a.category_id)
left join manufacturers as mf on mf.id = coalesce(m.manufacturer_id, a.manufacturer_id)
left join statuses as s on s.id = a.status_label_id
left join locations as l on l.id = a.location_id
left join companies as co on co.id = a.company_id
left join users as u on a.assigned_to_type = 'user' and u.id = a.assigned_to_id
