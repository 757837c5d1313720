-- Custom fieldsets (/fieldsets). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('fieldsets', 'updated_at_datetime') }}
)

select
    id,
    name,
    fields_total,
    models_total,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('fieldsets') }},
    _airbyte_extracted_at
from latest
