{#- A rate or probability: between 0 and 1 (nulls pass). -#}
{% test accepted_range_0_1(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 1

{% endtest %}
