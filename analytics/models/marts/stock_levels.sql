-- Consumables, accessories and components against their minimums. remaining is the API's (quantity less what
-- is checked out; the check-outs of these items are not a synced stream); below minimum when it is under
-- min_amt, the threshold Snipe-IT's low-inventory alert compares against.
{% set kinds = [('accessory', 'stg_snipeit__accessories'), ('consumable', 'stg_snipeit__consumables'),
                ('component', 'stg_snipeit__components')] %}
with items as (
    {% for kind, model in kinds %}
    select
        '{{ kind }}' as item_type,
        id as item_id,
        name as item_name,
        category_name,
        location_id,
        location_name,
        company_id,
        company_name,
        manufacturer_name,
        qty as quantity,
        remaining,
        min_amt as minimum,
        purchase_cost
    from {{ ref(model) }}
    where not is_deleted
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    {{ dbt.concat(['item_type', "'-'", dbt.safe_cast('item_id', dbt.type_string())]) }} as stock_key,
    items.*,
    coalesce(quantity, 0) - coalesce(remaining, quantity, 0) as checked_out,
    (minimum is not null and coalesce(remaining, quantity, 0) < minimum) as is_below_minimum
from items
