-- Each current asset's value as of var as_of_date (default today), straight line as Snipe-IT's default
-- depreciation method computes it: from purchase cost and purchase date over the model's depreciation months,
-- down to the schedule's floor (an amount, or a percentage of the cost), whole months only. Not the API's
-- book_value, which the server computes at read time and is stale in synced tables. currency is the one Snipe-IT
-- shows the asset's money in (its location's, else var snipeit_default_currency): sum book values per currency.
with assets as (
    select * from {{ ref('stg_snipeit__hardware') }} where not is_deleted
),
models as (select * from {{ ref('stg_snipeit__models') }}),
depreciations as (select * from {{ ref('stg_snipeit__depreciations') }}),
locations as (select * from {{ ref('stg_snipeit__locations') }}),
as_of as (select {{ snipeit_as_of() }} as as_of_date),
inputs as (
    select
        a.id as asset_id,
        a.asset_tag,
        a.asset_name,
        a.model_id,
        a.purchase_cost,
        a.purchase_date,
        {{ snipeit_currency('l.currency') }} as currency,
        d.id as depreciation_id,
        d.name as depreciation_name,
        d.months as depreciation_months,
        case
            when d.id is null then null
            when d.depreciation_type = 'percent' then a.purchase_cost * coalesce(d.depreciation_min, 0) / 100
            else coalesce(d.depreciation_min, 0)
        end as depreciation_floor,
        case when a.purchase_date is not null and a.purchase_date <= as_of.as_of_date
            then {{ snipeit_full_months('a.purchase_date', 'as_of.as_of_date') }} else 0 end as months_elapsed,
        as_of.as_of_date
    from assets as a
    cross join as_of
    left join models as m on m.id = a.model_id
    left join depreciations as d on d.id = m.depreciation_id
    left join locations as l on l.id = a.location_id
)

select
    asset_id,
    asset_tag,
    asset_name,
    model_id,
    purchase_cost,
    purchase_date,
    currency,
    depreciation_id,
    depreciation_name,
    depreciation_months,
    depreciation_floor,
    months_elapsed,
    -- one numeric type for every branch, so the column compares alike on every warehouse
    cast(case
        when purchase_cost is null or purchase_date is null or depreciation_id is null then null
        when depreciation_months is null or depreciation_months <= 0 then purchase_cost
        when purchase_date > as_of_date then purchase_cost
        when months_elapsed >= depreciation_months then depreciation_floor
        else round(cast(purchase_cost - (purchase_cost - depreciation_floor) * months_elapsed / depreciation_months
                        as {{ dbt.type_numeric() }}), 2)
    end as {{ dbt.type_numeric() }}) as book_value,
    (depreciation_id is not null and purchase_date is not null and depreciation_months is not null
        and months_elapsed >= depreciation_months) as is_fully_depreciated,
    as_of_date
from inputs
