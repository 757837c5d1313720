-- License seats (/licenses/{id}/seats). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('license_seats', 'updated_at_datetime') }}
)

select
    id,
    license_id,
    assigned_user_id,
    assigned_user_name,
    assigned_user_department_id,
    assigned_asset_id,
    assigned_asset_name,
    location_id,
    location_name,
    reassignable,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('license_seats') }},
    _airbyte_extracted_at
from latest
