{#- The rows of a raw table, one per key: the loaders upsert by the taps' keys, but an
    append-only load (load_method: append-only) keeps every version, so staging keeps the
    latest one loaded. `keys` are vendor column names; rows of different accounts
    (`source_account.sql`) never share a key.
    `loaded_since` (an incremental mart's watermark, macros/incremental.sql; none for the
    staging views) keeps only the versions loaded at or after it, before the ranking: the
    latest version of a key that has one loaded since is itself loaded since (it is the
    latest), so the rows kept are exactly the staging view's rows with `_loaded_at >=
    loaded_since`, without ranking every version of history. -#}
{% macro deduplicated(source_relation, keys, loaded_since=none) -%}
  select *
  from (
    select
      raw_rows.*,
      row_number() over (
        partition by {% if has_account_column(source_relation) %}{{ vendor_column('_account_id') }}, {% endif %}{% for key in keys %}{{ vendor_column(key) }}{{ ", " if not loop.last }}{% endfor %}
        order by {{ vendor_column('_sdc_batched_at') }} desc
      ) as _version_rank
    from {{ source_relation }} as raw_rows
    {%- if loaded_since is not none %}
    where {{ as_utc('_sdc_batched_at') }} >= {{ loaded_since }}
    {%- endif %}
  ) as ranked
  where _version_rank = 1
{%- endmacro %}
