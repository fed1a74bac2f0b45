{#- The large marts (fct_conversations, fct_messages, fct_queue_snapshots) are incremental
    (docs/incremental.md): a run after the first re-reads only the staged rows the loaders
    wrote since the mart's last build, less a lookback, and replaces their mart rows by key
    (delete+insert, the one strategy dbt-postgres, dbt-duckdb and dbt-snowflake all have).
    The watermark is load time (`_loaded_at`, the loader's _sdc_batched_at), not event time:
    a tap that re-reads a conversation (its lookback_days, open conversations, a re-sync of a
    whole stream) upserts it with a new _sdc_batched_at, so its new version is re-read
    however old the conversation is. The lookback (var contact_center__incremental_lookback_days)
    covers loads whose batches commit out of order with the last build (a tap still loading
    while dbt runs). Each platform has its own watermark: a vendor switched on later, whose
    tables were loaded long ago, is read whole on its first run. `dbt build --full-refresh`
    rebuilds from all of history (after a change of a mart's SQL or of a var it uses). -#}

{#- The rows of a staging model a mart's run reads for one platform: in a full build, the
    staging view; in an incremental run, the staging model's own SQL (`staging_sql`, its
    macro in macros/staging/) on the raw rows loaded since the mart's last build, less the
    lookback. The filter applies before the de-duplication ranks the versions
    (deduplicated.sql), so the run reads the day's rows rather than ranking all of history,
    and gives the same rows as the view filtered on `_loaded_at`. A subquery: the mart names
    it (`as ...`). The ref is the mart's lineage (dbt's DAG) in both cases. -#}
{% macro staged_since_last_build(staging_model, staging_sql, platform) -%}
  {%- if is_incremental() -%}
    ({{ staging_sql(loaded_since=last_build_watermark(platform)) }})
  {%- else -%}
    {{ ref(staging_model) }}
  {%- endif -%}
{%- endmacro %}

{#- The load time from which an incremental run re-reads one platform's rows: the latest
    `_loaded_at` the mart holds for it, less the lookback; 1900 when it holds none (a vendor
    switched on later is read whole). -#}
{% macro last_build_watermark(platform) -%}
  {%- do require_incremental_columns() -%}
  coalesce(
    (
      select {{ dbt.dateadd('day', -1 * incremental_lookback_days(), 'max(built._loaded_at)') }}
      from {{ this }} as built
      where built.platform = '{{ platform }}'
    ),
    {{ dbt.cast("'1900-01-01'", dbt.type_timestamp()) }}
  )
{%- endmacro %}

{#- The lookback in whole days, validated (a typo must not silently re-read nothing). -#}
{% macro incremental_lookback_days() -%}
  {%- set days = var('contact_center__incremental_lookback_days', 1) -%}
  {%- if days is not number or days < 0 or days != days | int -%}
    {{ exceptions.raise_compiler_error(
        "contact_center__incremental_lookback_days must be a whole number of days >= 0, got "
        ~ days) }}
  {%- endif -%}
  {{ return(days | int) }}
{%- endmacro %}

{#- A mart built as a table before it was incremental has no watermark column: say what to
    run rather than fail on a missing column. -#}
{% macro require_incremental_columns() -%}
  {%- if execute -%}
    {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if '_loaded_at' not in names -%}
      {{ exceptions.raise_compiler_error(
          this ~ " was built before it was incremental (it has no _loaded_at column): run "
          ~ "`dbt build --full-refresh --select " ~ this.identifier ~ "` once") }}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}
