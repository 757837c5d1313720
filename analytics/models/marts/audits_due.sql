-- Assets whose next audit is overdue or due within var audit_warning_days (default 30) of the as-of day.
-- Archived assets are left out, as Snipe-IT's own "due for audit" list does.
select
    asset_id,
    asset_tag,
    asset_name,
    model_name,
    status_label_name,
    location_name,
    company_name,
    assigned_to_name,
    last_audit_at,
    next_audit_date,
    {{ dbt.datediff('as_of_date', 'next_audit_date', 'day') }} as days_until_due,
    case when next_audit_date < as_of_date then 'overdue' else 'due_soon' end as audit_state,
    as_of_date
from {{ ref('asset_inventory') }}
where not is_archived
  and next_audit_date is not null
  and next_audit_date <= cast({{ dbt.dateadd('day', var('audit_warning_days', 30), 'as_of_date') }} as date)
