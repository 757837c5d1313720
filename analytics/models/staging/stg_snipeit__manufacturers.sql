-- Manufacturers (/manufacturers). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('manufacturers', 'updated_at_datetime') }}
)

select
    id,
    name,
    url,
    support_url,
    support_phone,
    support_email,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('manufacturers') }},
    _airbyte_extracted_at
from latest
