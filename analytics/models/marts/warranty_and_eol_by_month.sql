-- One row per month of the calendar window (also the empty ones) with the warranties and end-of-life dates
-- that fall in it: what the report charts.
with as_of as (select {{ snipeit_as_of() }} as as_of_date),
months as (
    {% for n in range(var('calendar_months', 12)) %}
    select {{ n }} as month_offset,
           cast({{ dbt.date_trunc('month', snipeit_add_months('as_of.as_of_date', n)) }} as date) as month_start
    from as_of
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),
events as (select * from {{ ref('warranty_and_eol_calendar') }})

select
    m.month_offset,
    m.month_start,
    sum(case when e.event_type = 'warranty_end' then 1 else 0 end) as warranties_ending,
    sum(case when e.event_type = 'end_of_life' then 1 else 0 end) as assets_reaching_eol
from months as m
left join events as e on e.event_month = m.month_start
group by m.month_offset, m.month_start
