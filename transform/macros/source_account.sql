{#- The account a row was read for (issue 25, docs/scale.md): the taps' `_account_id`
    column, present only when the tap ran with its `account` setting (one project serving
    many accounts of a vendor). A table loaded without accounts has no such column; its rows
    belong to the one account 'default', so schemas loaded either way build the same models. -#}
{% macro has_account_column(relation) -%}
  {%- if execute -%}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {{ return('_account_id' in names) }}
  {%- else -%}
    {{ return(false) }}
  {%- endif -%}
{%- endmacro %}

{% macro source_account(relation) -%}
  {%- if has_account_column(relation) -%}
    cast({{ vendor_column('_account_id') }} as {{ dbt.type_string() }})
  {%- else -%}
    cast('default' as {{ dbt.type_string() }})
  {%- endif -%}
{%- endmacro %}
