{#- The grain of a model is unique: no two rows share the values of `columns`. dbt's own
    `unique` takes one column; a grain is often several (platform + id). -#}
{% test unique_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_with_this_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
