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
        from {{ source('snipeit', stream) }} as src
    ) as versions
    where _snipeit_version_rank = 1
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
    {%- set has_deleted_at = false -%}
    {%- if execute -%}
        {%- set cols = adapter.get_columns_in_relation(source('snipeit', stream)) | map(attribute='name') | map('lower') | list -%}
        {%- set has_deleted_at = 'deleted_at_datetime' in cols -%}
    {%- endif -%}
    {%- if has_deleted_at -%}
    deleted_at_datetime as deleted_at,
    (deleted_at_datetime is not null) as is_deleted
    {%- else -%}
    cast(null as {{ dbt.type_timestamp() }}) as deleted_at,
    (1 = 0) as is_deleted
    {%- endif -%}
{% endmacro %}
