{#- A row-level invariant of a model, as dbt_utils.expression_is_true does (kept here so the package needs no
    dependency download): fails with the rows where the expression is false. -#}
{% test row_invariant(model, expression) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}
