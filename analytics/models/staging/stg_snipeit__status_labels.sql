-- Status labels (/statuslabels). Latest version of each id; soft-deleted rows kept and flagged.
with latest as (
    {{ snipeit_latest('status_labels', 'updated_at_datetime') }}
)

select
    id,
    name,
    type as status_type,
    color,
    show_in_nav,
    default_label,
    created_at_datetime as created_at,
    updated_at_datetime as updated_at,
    {{ snipeit_deleted_columns('status_labels') }},
    _airbyte_extracted_at
from latest
