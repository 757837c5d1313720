-- Asset maintenances (/maintenances). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('maintenances', 'updated_at_datetime') }}
)

select
    id,
    asset_id,
    asset_name,
    asset_asset_tag as asset_tag,
    title,
    asset_maintenance_type as maintenance_type,
    supplier_id,
    supplier_name,
    {{ snipeit_number('cost') }} as cost,
    is_warranty,
    {{ snipeit_date('start_date_date') }} as start_date,
    {{ snipeit_date('completion_date_date') }} as completion_date,
    asset_maintenance_time as maintenance_days,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('maintenances') }},
    _airbyte_extracted_at
from latest
