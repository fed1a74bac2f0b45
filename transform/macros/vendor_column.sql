{#- A raw column as the tap named it (camelCase, as the vendor sends it).
    PostgreSQL keeps the loader's case, so the name is quoted exactly; DuckDB matches quoted
    names without regard to case (target-duckdb lower-cases them); Snowflake's loader
    creates unquoted (upper-case) names, so the name stays unquoted there. Every staging
    model (and its SQL in macros/staging/) reads its vendor's columns through this, and only
    staging does. -#}
{% macro vendor_column(name) -%}
  {%- if target.type == 'snowflake' -%}
    {{ name }}
  {%- else -%}
    "{{ name }}"
  {%- endif -%}
{%- endmacro %}

{#- An identifier as text: vendors' ids are strings in our vocabulary, whatever type the
    loader gave them (a numeric-looking id may not stay numeric). -#}
{% macro as_id(name) -%}
  cast({{ vendor_column(name) }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- A timestamp column, UTC, without a time zone (the taps emit UTC; loaders store it so). -#}
{% macro as_utc(name) -%}
  cast({{ vendor_column(name) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- A whole number of seconds. -#}
{% macro as_seconds(name) -%}
  cast({{ vendor_column(name) }} as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- One text field of a JSON object column (`client.id` in JAICP's sessions). -#}
{% macro json_text(column, key) -%}
  {%- if target.type == 'snowflake' -%}
    {{ vendor_column(column) }}:{{ key }}::string
  {%- elif target.type == 'duckdb' -%}
    json_extract_string({{ vendor_column(column) }}, '$.{{ key }}')
  {%- else -%}
    ({{ vendor_column(column) }}::jsonb ->> '{{ key }}')
  {%- endif -%}
{%- endmacro %}
