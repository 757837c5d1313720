-- Asset models (/models). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('models', 'updated_at_datetime') }}
)

select
    id,
    name,
    model_number,
    manufacturer_id,
    manufacturer_name,
    category_id,
    category_name,
    depreciation_id,
    depreciation_name,
    fieldset_id,
    fieldset_name,
    {{ snipeit_months('eol') }} as eol_months,
    min_amt,
    requestable,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('models') }},
    _airbyte_extracted_at
from latest
