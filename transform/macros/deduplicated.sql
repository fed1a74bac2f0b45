{#- The rows of a raw table, one per key: the loaders upsert by the taps' keys, but an
    append-only load (load_method: append-only) keeps every version, so staging keeps the
    latest one loaded. `keys` are vendor column names; rows of different accounts
    (`source_account.sql`) never share a key. -#}
{% macro deduplicated(source_relation, keys) -%}
  select *
  from (
    select
      raw_rows.*,
      row_number() over (
        partition by {% if has_account_column(source_relation) %}{{ vendor_column('_account_id') }}, {% endif %}{% for key in keys %}{{ vendor_column(key) }}{{ ", " if not loop.last }}{% endfor %}
        order by {{ vendor_column('_sdc_batched_at') }} desc
      ) as _version_rank
    from {{ source_relation }} as raw_rows
  ) as ranked
  where _version_rank = 1
{%- endmacro %}
