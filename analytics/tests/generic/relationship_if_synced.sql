{#- dbt's relationships test, skipped when the stream the parent model reads was not synced (its model is empty, so
    every reference would fail although nothing is wrong with the rows). -#}
{% test relationship_if_synced(model, column_name, to, field, stream) %}
{%- if snipeit_using(stream) %}
select child.{{ column_name }}
from {{ model }} as child
left join {{ to }} as parent on parent.{{ field }} = child.{{ column_name }}
where child.{{ column_name }} is not null and parent.{{ field }} is null
{%- else %}
select 1 as skipped where 1 = 0
{%- endif %}
{% endtest %}
