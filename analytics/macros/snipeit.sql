{#- Helpers shared by the staging and mart models. Everything goes through dbt's cross-database macros
    (dbt.safe_cast, dbt.type_*, dbt.dateadd, dbt.datediff, dbt.date_trunc) or SQL that Postgres, Snowflake,
    BigQuery and DuckDB all accept (replace, trim, nullif, coalesce, extract, row_number). -#}

{#- The latest version of each row: Airbyte (append / incremental syncs) and PyAirbyte can keep several
    versions of one id; the newest extraction wins, then the newest updated_at. -#}
{% macro snipeit_latest(stream, order_by="updated_at_datetime") %}
    select * from (
        select
            src.*,
            row_number() over (
                partition by src.id
                order by src._airbyte_extracted_at desc, src.{{ order_by }} desc nulls last
            ) as _snipeit_version_rank
        from {{ snipeit_source(stream) }} as src
    ) as versions
    where _snipeit_version_rank = 1
{% endmacro %}

{#- Whether the stream's table is there to read. var snipeit__using_<stream> decides when set (Fivetran's
    convention: false for a stream the token may not read); unset, the warehouse is asked whether the table
    exists. At parse time (no warehouse) the answer is "yes", so that dbt records the dependency on the source. -#}
{% macro snipeit_using(stream) %}
    {%- set setting = var('snipeit__using_' ~ stream, none) -%}
    {%- if setting is not none -%}
        {{ return(setting in (true, 'true', 'True', 1, '1')) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set relation = source('snipeit', stream) -%}
    {%- if relation.schema is none -%}
        {{ return(true) }}  {#- a unit test's fixture stands in for the source: it is there -#}
    {%- endif -%}
    {{ return(adapter.get_relation(database=relation.database, schema=relation.schema,
                                   identifier=relation.identifier) is not none) }}
{% endmacro %}

{#- The stream's table, or for a stream not synced an empty relation with its columns (typed as the connector
    declares them), so the models of a stream not synced are empty and the marts joining them get nulls. -#}
{% macro snipeit_source(stream) %}
    {%- if snipeit_using(stream) -%}
        {{ source('snipeit', stream) }}
    {%- else -%}
        ({{ snipeit_empty_stream(stream) }})
    {%- endif -%}
{% endmacro %}

{% macro snipeit_empty_stream(stream) %}
    {%- set types = {'integer': dbt.type_bigint(), 'numeric': dbt.type_numeric(), 'boolean': dbt.type_boolean(),
                     'string': dbt.type_string(), 'date': 'date', 'timestamp': dbt.type_timestamp()} -%}
    select
    {%- for column, kind in snipeit_stream_columns()[stream] %}
        cast(null as {{ types[kind] }}) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
    {%- endfor %}
    where 1 = 0
{% endmacro %}

{#- Lower-case column names of the stream's table (or of its stand-in). -#}
{% macro snipeit_column_names(stream) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if snipeit_using(stream) -%}
        {{ return(adapter.get_columns_in_relation(source('snipeit', stream)) | map(attribute='name') | map('lower') | list) }}
    {%- endif -%}
    {{ return(snipeit_stream_columns()[stream] | map(attribute=0) | list) }}
{% endmacro %}

{#- on-run-start: the connector's tables must be where the vars say. Without this check a wrong path, schema or
    prefix builds every model empty and "succeeds" (dbt-duckdb creates a missing file). -#}
{% macro snipeit_require_source_tables() %}
    {%- if execute -%}
        {%- set found, enabled = [], [] -%}
        {%- for stream in snipeit_stream_columns() -%}
            {%- if graph.sources.get('source.' ~ project_name ~ '.snipeit.' ~ stream) -%}
                {%- set relation = source('snipeit', stream) -%}
                {%- do enabled.append(relation) -%}
                {%- if adapter.get_relation(database=relation.database, schema=relation.schema,
                                            identifier=relation.identifier) is not none -%}
                    {%- do found.append(stream) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if enabled and not found -%}
            {%- set probe = enabled[0] -%}
            {%- set where = "schema '" ~ probe.schema ~ "' of database '" ~ probe.database ~ "'" -%}
            {%- if target.type == 'duckdb' -%}
                {%- set where = where ~ " (DuckDB file " ~ env_var('SNIPEIT_DUCKDB', target.path) ~ ")" -%}
            {%- endif -%}
            {%- if not adapter.check_schema_exists(probe.database, probe.schema) -%}
                {%- set problem = "there is no " ~ where -%}
            {%- else -%}
                {%- set problem = where ~ " holds none of the Snipe-IT tables (hardware, users, ...; table prefix '"
                                  ~ var('snipeit_table_prefix', '') ~ "')" -%}
            {%- endif -%}
            {{ exceptions.raise_compiler_error(
                "snipeit_analytics: " ~ problem ~ ". Point the vars snipeit_database / snipeit_schema / "
                ~ "snipeit_table_prefix (or SNIPEIT_DUCKDB) at the tables the connector wrote.") }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}

{#- Integer months from either the API's text ("36 months", the v8 transformer's format) or an integer
    column (what the connector writes once it normalises the field): both parse to 36. -#}
{% macro snipeit_months(column) %}
    {{ dbt.safe_cast(
        "nullif(trim(replace(replace(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), 'months', ''), 'month', '')), '')",
        dbt.type_int()) }}
{% endmacro %}

{#- A number from a numeric column or a text one ("1,299.00", "0"): thousands separators dropped. -#}
{% macro snipeit_number(column) %}
    {{ dbt.safe_cast(
        "nullif(trim(replace(replace(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), ',', ''), '%', '')), '')",
        dbt.type_numeric()) }}
{% endmacro %}

{#- A DATE from a DATE column or a "YYYY-MM-DD" text column. -#}
{% macro snipeit_date(column) %}
    {{ dbt.safe_cast("nullif(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')", "date") }}
{% endmacro %}

{% macro snipeit_add_months(date_expr, months_expr) %}
    cast({{ dbt.dateadd('month', months_expr, date_expr) }} as date)
{% endmacro %}

{#- The day the marts are computed for: var as_of_date ("YYYY-MM-DD") or today. -#}
{% macro snipeit_as_of() %}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{% endmacro %}

{#- Whole months from start to end, as Snipe-IT counts them (PHP DateInterval y*12 + m): a month is only
    passed once its day of month is reached. -#}
{% macro snipeit_full_months(start_date, end_date) %}
    cast({{ dbt.datediff(start_date, end_date, 'month') }}
        - case when extract(day from {{ end_date }}) < extract(day from {{ start_date }}) then 1 else 0 end
        as {{ dbt.type_int() }})
{% endmacro %}

{#- deleted_at / is_deleted for every stream: only some of the connector's schemas carry deleted_at (the API
    lists soft-deleted rows only on request), so the column is looked up in the warehouse rather than assumed. -#}
{% macro snipeit_deleted_columns(stream) %}
    {%- if 'deleted_at_datetime' in snipeit_column_names(stream) -%}
    deleted_at_datetime as deleted_at,
    (deleted_at_datetime is not null) as is_deleted
    {%- else -%}
    cast(null as {{ dbt.type_timestamp() }}) as deleted_at,
    (1 = 0) as is_deleted
    {%- endif -%}
{% endmacro %}

{#- A column of a mart that counts rows of `stream` (or of a list of streams): null (not known) when the stream (none
    of them) was not synced, rather than a zero that reads as "none". -#}
{% macro snipeit_count_if_synced(stream, expression) %}
    {%- set synced = [] -%}
    {%- for name in ([stream] if stream is string else stream) if snipeit_using(name) -%}
        {%- do synced.append(name) -%}
    {%- endfor -%}
    {%- if synced -%}
        coalesce({{ expression }}, 0)
    {%- else -%}
        cast(null as {{ dbt.type_bigint() }})
    {%- endif -%}
{% endmacro %}

{#- `expression` when the stream was synced, else null of `kind` (a fact that cannot be known without it). -#}
{% macro snipeit_when_synced(stream, expression, kind='boolean') %}
    {%- if snipeit_using(stream) -%}
        ({{ expression }})
    {%- else -%}
        cast(null as {{ {'boolean': dbt.type_boolean(), 'integer': dbt.type_bigint(), 'numeric': dbt.type_numeric(), 'string': dbt.type_string()}[kind] }})
    {%- endif -%}
{% endmacro %}

{#- The currency of an asset's money as Snipe-IT shows it: its location's currency, else the instance's default
    currency (var snipeit_default_currency, not in the API), else null (unknown). -#}
{% macro snipeit_currency(location_currency) %}
    {%- set fallback = var('snipeit_default_currency', none) -%}
    coalesce(nullif(trim({{ location_currency }}), ''),
             {{ "'" ~ (fallback | replace("'", "''")) ~ "'" if fallback else 'cast(null as ' ~ dbt.type_string() ~ ')' }})
{% endmacro %}
