-- Software licenses (/licenses). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('licenses', 'updated_at_datetime') }}
)

select
    id,
    name,
    product_key,
    company_id,
    company_name,
    manufacturer_id,
    manufacturer_name,
    supplier_id,
    supplier_name,
    category_id,
    category_name,
    depreciation_id,
    seats,
    free_seats_count as api_free_seats,
    {{ snipeit_date('purchase_date_date') }} as purchase_date,
    {{ snipeit_date('expiration_date_date') }} as expiration_date,
    {{ snipeit_date('termination_date_date') }} as termination_date,
    {{ snipeit_number('purchase_cost') }} as purchase_cost,
    min_amt,
    reassignable,
    maintained,
    order_number,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('licenses') }},
    _airbyte_extracted_at
from latest
