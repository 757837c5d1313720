{#- Point-in-time history of each asset's status, holder and location. Snipe-IT keeps only the present in its tables
    (the activity log records check-outs, not status or location changes), so every `dbt build` of the daily job
    records what changed since the last one: a new row per asset whose tracked columns changed, the old row closed
    (dbt_valid_to). "Who had A-001234 on 3 March?" is then
        select * from analytics.asset_history
        where asset_tag = 'A-001234' and dbt_valid_from <= '2025-03-03' and coalesce(dbt_valid_to, now()) > '2025-03-03'
    It knows the days between builds at most: run the job daily. A deleted asset's last row is closed. -#}
{% snapshot asset_history %}
{{ config(
    unique_key='asset_id',
    strategy='check',
    check_cols=['status_label_id', 'status_type', 'assigned_to_type', 'assigned_to_id', 'location_id', 'company_id'],
    hard_deletes='invalidate',
    enabled=var('snipeit_history', true),
) }}
select
    id as asset_id,
    asset_tag,
    asset_name,
    model_name,
    status_label_id,
    status_label_name,
    status_type,
    assigned_to_type,
    assigned_to_id,
    assigned_to_name,
    location_id,
    location_name,
    company_id,
    company_name,
    updated_at
from {{ ref('stg_snipeit__hardware') }}
where not is_deleted
{% endsnapshot %}
