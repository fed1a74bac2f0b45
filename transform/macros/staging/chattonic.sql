{#- The SQL of the Chat-Tonic staging models that incremental marts read
    (stg_chattonic__conversations).
    The staging view runs it whole; a mart's incremental run runs it with `loaded_since`,
    its watermark, which keeps only the raw rows loaded since before the de-duplication ranks
    versions (macros/incremental.sql, staged_since_last_build; docs/incremental.md). One SQL
    for both, so the incremental rows are the view's rows. -#}

{% macro stg_chattonic__conversations_sql(loaded_since=none) -%}
  with conversations as (
    {{ deduplicated(source('chattonic', 'conversations'), ['_id'], loaded_since) }}
  ),

  status_dates as (
    select
      conversations.*,
      cast({{ json_text('dates', 'pending') }} as {{ dbt.type_timestamp() }}) as _pending_at,
      cast({{ json_text('dates', 'progress') }} as {{ dbt.type_timestamp() }}) as _progress_at,
      cast({{ json_text('dates', 'resolved') }} as {{ dbt.type_timestamp() }}) as _resolved_at
    from conversations
  )

  select
    {{ source_account(source('chattonic', 'conversations')) }} as source_account,
    {{ as_id('_id') }} as conversation_id,
    {{ as_id('app') }} as app_id,
    {{ json_text('account', '_id') }} as account_id,
    {{ json_text('messageUser', '_id') }} as end_user_id,
    lower({{ json_text('messageUser', 'platform') }}) as platform,
    lower({{ vendor_column('status') }}) as status,
    lower({{ vendor_column('status') }}) = 'resolved' as is_resolved,
    {{ as_utc('createdAt') }} as created_at,
    {{ as_utc('updatedAt') }} as updated_at,
    coalesce(_pending_at, {{ as_utc('createdAt') }}) as pending_at,
    _progress_at as taken_at,
    _resolved_at as resolved_at,
    {{ dbt.datediff("coalesce(_pending_at, " ~ as_utc('createdAt') ~ ")", '_progress_at', 'second') }}
      as wait_seconds,
    {{ dbt.datediff('_progress_at', '_resolved_at', 'second') }} as handling_seconds,
    {{ dbt.datediff("coalesce(_pending_at, " ~ as_utc('createdAt') ~ ")", '_resolved_at', 'second') }}
      as resolution_seconds,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from status_dates
{%- endmacro %}
