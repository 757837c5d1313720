-- Categories (/categories). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('categories', 'updated_at_datetime') }}
)

select
    id,
    name,
    category_type,
    checkin_email,
    require_acceptance,
    use_default_eula,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('categories') }},
    _airbyte_extracted_at
from latest
