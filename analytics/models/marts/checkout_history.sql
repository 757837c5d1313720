-- Each check-out from the activity log paired with its check-in. Snipe-IT writes a 'checkout' row when an item
-- goes to a person, location or asset and a separate 'checkin from' row (same item, same target) when it comes
-- back; nothing links the two. An asset has one holder at a time, so its events are sequenced per asset; an
-- accessory, license or component can be out to several holders at once, so theirs per item and holder. In
-- that order (time, then log id, which ascends with time) a check-out's period ends at the next event if it is
-- a check-in; followed by another check-out instead (a check-in that was never logged) the period is closed
-- without an end; with no later event the item is still out.
with events as (
    select
        id as activity_id,
        action_type,
        item_type,
        item_id,
        item_name,
        target_type,
        target_id,
        target_name,
        created_by_name,
        note,
        occurred_at
    from {{ ref('stg_snipeit__activity') }}
    where action_type in ('checkout', 'checkin from')
      and item_id is not null
      and not is_deleted
),
keyed as (
    select
        events.*,
        case when item_type = 'asset' then '-' else coalesce(target_type, '-') end as holder_type,
        case when item_type = 'asset' then -1 else coalesce(target_id, -1) end as holder_id
    from events
),
sequenced as (
    select
        keyed.*,
        lead(action_type) over (
            partition by item_type, item_id, holder_type, holder_id order by occurred_at, activity_id) as next_action,
        lead(occurred_at) over (
            partition by item_type, item_id, holder_type, holder_id order by occurred_at, activity_id) as next_at,
        lead(activity_id) over (
            partition by item_type, item_id, holder_type, holder_id order by occurred_at, activity_id) as next_activity_id
    from keyed
),
as_of as (select cast({{ snipeit_as_of() }} as {{ dbt.type_timestamp() }}) as as_of_at)

select
    s.activity_id as checkout_activity_id,
    s.item_type,
    s.item_id,
    s.item_name,
    s.target_type,
    s.target_id,
    s.target_name,
    s.created_by_name as checked_out_by,
    s.occurred_at as checked_out_at,
    case when s.next_action = 'checkin from' then s.next_activity_id end as checkin_activity_id,
    case when s.next_action = 'checkin from' then s.next_at end as checked_in_at,
    case
        when s.next_action = 'checkin from' then 'checked_in'
        when s.next_action = 'checkout' then 'checkin_not_logged'
        else 'still_out'
    end as period_state,
    (s.next_action is null) as is_still_out,
    case
        when s.next_action = 'checkin from' then {{ dbt.datediff('s.occurred_at', 's.next_at', 'hour') }}
        when s.next_action is null then {{ dbt.datediff('s.occurred_at', 'as_of.as_of_at', 'hour') }}
    end as duration_hours,
    case
        when s.next_action = 'checkin from' then {{ dbt.datediff('s.occurred_at', 's.next_at', 'day') }}
        when s.next_action is null then {{ dbt.datediff('s.occurred_at', 'as_of.as_of_at', 'day') }}
    end as duration_days,
    cast({{ dbt.date_trunc('week', 's.occurred_at') }} as date) as checkout_week
from sequenced as s
cross join as_of
where s.action_type = 'checkout'
