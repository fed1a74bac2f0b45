{#- The selects of the enabled vendors, one under the other. A mart builds `branches`
    inside `if var(...)` blocks, so a disabled vendor's models are never referenced. -#}
{% macro union_platforms(branches) -%}
  {#- parsing renders a disabled mart too: only a run with no vendor is an error -#}
  {%- if branches | length == 0 and execute -%}
    {{ exceptions.raise_compiler_error("no vendor enabled for " ~ this) }}
  {%- endif -%}
  {{ branches | join("\nunion all\n") }}
{%- endmacro %}

{#- The key of an agent across platforms: agent ids repeat between vendors. -#}
{% macro agent_key(platform_column, agent_id_column) -%}
  {{ platform_column }} || ':' || {{ agent_id_column }}
{%- endmacro %}
