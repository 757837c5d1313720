-- Seats total, assigned and free per license, and one 'overall' row over all licenses; with each license's expiry
-- and what needs doing about it (license_state). Assigned is counted from the seat rows (a seat is taken when it is
-- checked out to a person or an asset), not from the API's read-time free_seats_count, which goes stale in
-- incremental tables. The overall row adds up seats and counts licenses per state; an expiry date means nothing
-- there, so it has none.
with licenses as (
    select * from {{ ref('stg_snipeit__licenses') }} where not is_deleted
),
seats as (
    select * from {{ ref('stg_snipeit__license_seats') }} where not is_deleted
),
seat_counts as (
    select
        license_id,
        count(*) as seat_rows,
        sum(case when assigned_user_id is not null or assigned_asset_id is not null then 1 else 0 end) as seats_assigned,
        sum(case when assigned_user_id is not null then 1 else 0 end) as seats_assigned_to_people,
        sum(case when assigned_asset_id is not null then 1 else 0 end) as seats_assigned_to_assets
    from seats
    group by license_id
),
as_of as (select {{ snipeit_as_of() }} as as_of_date),
per_license as (
    select
        l.id as license_id,
        l.name as license_name,
        l.company_id,
        l.company_name,
        l.manufacturer_name,
        coalesce(l.seats, sc.seat_rows, 0) as seats_total,
        coalesce(sc.seats_assigned, 0) as seats_assigned,
        coalesce(sc.seats_assigned_to_people, 0) as seats_assigned_to_people,
        coalesce(sc.seats_assigned_to_assets, 0) as seats_assigned_to_assets,
        l.expiration_date,
        l.termination_date,
        case when l.expiration_date is not null
            then {{ dbt.datediff('as_of.as_of_date', 'l.expiration_date', 'day') }} end as days_to_expiry,
        as_of.as_of_date
    from licenses as l
    cross join as_of
    left join seat_counts as sc on sc.license_id = l.id
),
judged as (
    select
        per_license.*,
        case
            when days_to_expiry < 0 then 'expired'
            when days_to_expiry <= {{ var('attention_days', 90) }} then 'expiring_soon'
            when seats_total > 0 and seats_assigned >= seats_total then 'full'
            when seats_total > 0 and 100.0 * seats_assigned / seats_total >= {{ var('license_nearly_full_pct', 90) }}
                then 'nearly_full'
            else 'ok'
        end as license_state
    from per_license
),
overall as (
    select
        cast(null as {{ dbt.type_bigint() }}) as license_id,
        'All licenses' as license_name,
        cast(null as {{ dbt.type_bigint() }}) as company_id,
        cast(null as {{ dbt.type_string() }}) as company_name,
        cast(null as {{ dbt.type_string() }}) as manufacturer_name,
        coalesce(sum(seats_total), 0) as seats_total,
        coalesce(sum(seats_assigned), 0) as seats_assigned,
        coalesce(sum(seats_assigned_to_people), 0) as seats_assigned_to_people,
        coalesce(sum(seats_assigned_to_assets), 0) as seats_assigned_to_assets,
        cast(null as date) as expiration_date,
        cast(null as date) as termination_date,
        cast(null as {{ dbt.type_bigint() }}) as days_to_expiry,
        max(as_of_date) as as_of_date,
        cast(null as {{ dbt.type_string() }}) as license_state
    from judged
),
counted as (
    select
        count(*) as license_count,
        sum(case when license_state = 'expired' then 1 else 0 end) as expired_license_count,
        sum(case when license_state in ('full', 'nearly_full') then 1 else 0 end) as full_license_count
    from judged
),
unioned as (
    select 'license' as level, {{ dbt.concat(["'license-'", dbt.safe_cast('license_id', dbt.type_string())]) }} as row_key,
           judged.*, 1 as license_count,
           case when license_state = 'expired' then 1 else 0 end as expired_license_count,
           case when license_state in ('full', 'nearly_full') then 1 else 0 end as full_license_count
    from judged
    union all
    select 'overall' as level, 'overall' as row_key, overall.*,
           counted.license_count, counted.expired_license_count, counted.full_license_count
    from overall cross join counted
)

select
    level,
    row_key,
    license_id,
    license_name,
    company_id,
    company_name,
    manufacturer_name,
    seats_total,
    seats_assigned,
    seats_total - seats_assigned as seats_free,
    seats_assigned_to_people,
    seats_assigned_to_assets,
    case when seats_total > 0 then round(cast(100.0 * seats_assigned / seats_total as {{ dbt.type_numeric() }}), 1) end
        as utilisation_pct,
    expiration_date,
    termination_date,
    days_to_expiry,
    case when level = 'license' then (expiration_date is not null and days_to_expiry < 0) end as is_expired,
    license_state,
    case when level = 'license' then license_state <> 'ok' end as needs_attention,
    license_count,
    expired_license_count,
    full_license_count,
    as_of_date
from unioned
