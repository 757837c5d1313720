-- One row per stream of the connector: whether it was synced into the warehouse (the table is there, or var
-- snipeit__using_<stream> says so), how many rows its table holds and when the newest of them was extracted. What
-- the report says about its own coverage ("users not synced: people counts unknown") and the data's age.
{% for stream in snipeit_stream_columns() %}
select
    '{{ stream }}' as stream_name,
    {{ '(1 = 1)' if snipeit_using(stream) else '(1 = 0)' }} as is_synced,
    count(*) as table_rows,
    cast(max(_airbyte_extracted_at) as {{ dbt.type_timestamp() }}) as last_extracted_at
from {{ snipeit_source(stream) }} as src
{% if not loop.last %}union all{% endif %}
{%- endfor %}
