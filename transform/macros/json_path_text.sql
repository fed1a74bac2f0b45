{#- One text value at a path inside a JSON column (`participants`, path `[0].participantId`),
    for the three warehouses. `path` is written JSONPath-style without the leading `$`.
    target-postgres stores an array as jsonb[] and an object as jsonb: to_jsonb reads both. -#}
{% macro json_path_text(column, path) -%}
  {%- if target.type == 'snowflake' -%}
    get_path({{ vendor_column(column) }}, '{{ path.lstrip(".") }}')::string
  {%- elif target.type == 'duckdb' -%}
    json_extract_string({{ vendor_column(column) }}, '${{ path }}')
  {%- else -%}
    (jsonb_path_query_first(to_jsonb({{ vendor_column(column) }}), '${{ path }}') #>> '{}')
  {%- endif -%}
{%- endmacro %}

{#- The start of the 30-minute interval holding a UTC timestamp expression. -#}
{% macro half_hour(timestamp) -%}
  case
    when extract(minute from {{ timestamp }}) >= 30
      then {{ dbt.dateadd('minute', 30, dbt.date_trunc('hour', timestamp)) }}
    else {{ dbt.date_trunc('hour', timestamp) }}
  end
{%- endmacro %}
