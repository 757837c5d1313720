-- Components (/components). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('components', 'updated_at_datetime') }}
)

select
    id,
    name,
    serial,
    company_id,
    company_name,
    manufacturer_id,
    manufacturer_name,
    supplier_id,
    category_id,
    category_name,
    location_id,
    location_name,
    model_number,
    qty,
    min_amt,
    remaining,
    {{ snipeit_date('purchase_date_date') }} as purchase_date,
    {{ snipeit_number('purchase_cost') }} as purchase_cost,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('components') }},
    _airbyte_extracted_at
from latest
