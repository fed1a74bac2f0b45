{#- The selects of the enabled vendors, one under the other. A mart builds `branches`
    inside `if var(...)` blocks, so a disabled vendor's models are never referenced. -#}
{% macro union_platforms(branches) -%}
  {#- parsing renders a disabled mart too: only a run with no vendor is an error -#}
  {%- if branches | length == 0 and execute -%}
    {{ exceptions.raise_compiler_error("no vendor enabled for " ~ this) }}
  {%- endif -%}
  {{ branches | join("\nunion all\n") }}
{%- endmacro %}

{#- The key of an agent across platforms and accounts: agent ids repeat between vendors, and
    between two accounts of one vendor. The one account 'default' (a schema loaded without
    accounts) keeps the key platform:agent_id; another account's is platform:account:agent_id. -#}
{% macro agent_key(platform_column, agent_id_column, account_column=none) -%}
  {%- if account_column -%}
  {{ platform_column }} || ':' || case when coalesce({{ account_column }}, 'default') = 'default' then '' else {{ account_column }} || ':' end || {{ agent_id_column }}
  {%- else -%}
  {{ platform_column }} || ':' || {{ agent_id_column }}
  {%- endif -%}
{%- endmacro %}
