-- Depreciation schedules (/depreciations). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('depreciations', 'updated_at_datetime') }}
)

select
    id,
    name,
    {{ snipeit_months('months') }} as months,
    {{ snipeit_number('depreciation_min') }} as depreciation_min,
    case when replace(cast(depreciation_min as {{ dbt.type_string() }}), '%', '') <> cast(depreciation_min as {{ dbt.type_string() }}) then 'percent' else 'amount' end as depreciation_type,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('depreciations') }},
    _airbyte_extracted_at
from latest
