-- Suppliers (/suppliers). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('suppliers', 'updated_at_datetime') }}
)

select
    id,
    name,
    url,
    city,
    country,
    email,
    phone,
    contact,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('suppliers') }},
    _airbyte_extracted_at
from latest
