-- Departments (/departments). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('departments', 'updated_at_datetime') }}
)

select
    id,
    name,
    company_id,
    company_name,
    manager_id,
    manager_name,
    location_id,
    location_name,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('departments') }},
    _airbyte_extracted_at
from latest
