-- Accessories (/accessories). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('accessories', 'updated_at_datetime') }}
)

select
    id,
    name,
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
    coalesce(min_amt, min_qty) as min_amt,
    coalesce(remaining, remaining_qty) as remaining,
    checkouts_count,
    {{ snipeit_date('purchase_date_date') }} as purchase_date,
    {{ snipeit_number('purchase_cost') }} as purchase_cost,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('accessories') }},
    _airbyte_extracted_at
from latest
