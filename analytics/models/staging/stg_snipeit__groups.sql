-- Permission groups (/groups). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('groups', 'updated_at_datetime') }}
)

select
    id,
    name,
    users_count as api_users_count,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('groups') }},
    _airbyte_extracted_at
from latest
