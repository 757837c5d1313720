-- Custom fields (/fields). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('fields', 'updated_at_datetime') }}
)

select
    id,
    name,
    db_column_name,
    format,
    type as element,
    required,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('fields') }},
    _airbyte_extracted_at
from latest
