-- What ends in the coming months (var calendar_months, default 12: the rest of the as-of day's month and the 11
-- after it): one row per asset and event (warranty end, end of life), with the month it falls in.
-- warranty_and_eol_by_month counts them per month. Archived assets are left out: out of use, their warranty and
-- end of life call for nothing.
with inventory as (
    select * from {{ ref('asset_inventory') }} where not is_archived
),
events as (
    select asset_id, asset_tag, asset_name, model_name, category_name, location_name, company_name, assigned_to_name,
           'warranty_end' as event_type, warranty_end_date as event_date, as_of_date
    from inventory where warranty_end_date is not null
    union all
    select asset_id, asset_tag, asset_name, model_name, category_name, location_name, company_name, assigned_to_name,
           'end_of_life' as event_type, eol_date as event_date, as_of_date
    from inventory where eol_date is not null
)

select
    {{ dbt.concat([dbt.safe_cast('asset_id', dbt.type_string()), "'-'", 'event_type']) }} as event_key,
    asset_id,
    asset_tag,
    asset_name,
    model_name,
    category_name,
    location_name,
    company_name,
    assigned_to_name,
    event_type,
    event_date,
    cast({{ dbt.date_trunc('month', 'event_date') }} as date) as event_month,
    {{ dbt.datediff('as_of_date', 'event_date', 'day') }} as days_until,
    as_of_date
from events
where event_date >= as_of_date
  and event_date < {{ snipeit_add_months('cast(' ~ dbt.date_trunc('month', 'as_of_date') ~ ' as date)', var('calendar_months', 12)) }}
