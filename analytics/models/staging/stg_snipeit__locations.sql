-- Locations (/locations). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('locations', 'updated_at_datetime') }}
)

select
    id,
    name,
    address,
    city,
    state,
    country,
    zip,
    currency,
    parent_id,
    parent_name,
    manager_id,
    manager_name,
    company_id,
    company_name,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('locations') }},
    _airbyte_extracted_at
from latest
