-- The activity log (/reports/activity): append-only. Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('activity', 'created_at_datetime') }}
)

select
    id,
    action_type,
    item_type,
    item_id,
    item_name,
    target_type,
    target_id,
    target_name,
    location_id,
    location_name,
    created_by_id,
    created_by_name,
    note,
    action_source,
    created_at_datetime as created_at,
    action_date_datetime as action_date,
    coalesce(action_date_datetime, created_at_datetime) as occurred_at,
    {{ snipeit_deleted_columns('activity') }},
    _airbyte_extracted_at
from latest
