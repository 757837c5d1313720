-- Companies (/companies). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('companies', 'updated_at_datetime') }}
)

select
    id,
    name,
    phone,
    email,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('companies') }},
    _airbyte_extracted_at
from latest
