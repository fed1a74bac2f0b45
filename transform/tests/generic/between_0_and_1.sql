{#- A ratio KPI (service level, abandonment, occupancy) is a share: 0 to 1 when known. -#}
{% test between_0_and_1(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}
