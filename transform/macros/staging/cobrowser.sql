{#- The SQL of the CoBrowser staging models that incremental marts read
    (stg_cobrowser__conversations).
    The staging view runs it whole; a mart's incremental run runs it with `loaded_since`,
    its watermark, which keeps only the raw rows loaded since before the de-duplication ranks
    versions (macros/incremental.sql, staged_since_last_build; docs/incremental.md). One SQL
    for both, so the incremental rows are the view's rows. -#}

{% macro stg_cobrowser__conversations_sql(loaded_since=none) -%}
  with conversations as (
    {{ deduplicated(source('cobrowser', 'conversations'), ['browse_id', 'conversation_start'], loaded_since) }}
  )

  select
    {{ source_account(source('cobrowser', 'conversations')) }} as source_account,
    {{ as_id('browse_id') }} || '@' || cast({{ as_utc('conversation_start') }} as {{ dbt.type_string() }})
      as conversation_id,
    {{ as_id('browse_id') }} as browse_id,
    {{ as_utc('conversation_start') }} as started_at,
    {{ dbt.dateadd('second', as_seconds('duration_secs'), as_utc('conversation_start')) }} as ended_at,
    {{ as_seconds('duration_secs') }} as duration_seconds,
    {{ as_seconds('firstResponseTime') }} as wait_seconds,
    {{ as_seconds('firstReplyTime') }} as first_reply_seconds,
    {{ as_seconds('decisionTime') }} as decision_seconds,
    {{ as_id('assigned_agent_id') }} as agent_id,
    {{ as_id('last_agent_id') }} as last_agent_id,
    {{ as_id('account_id') }} as account_id,
    {{ as_id('accept_host_id') }} as host_id,
    {{ as_id('visitor_id') }} as visitor_id,
    cast({{ vendor_column('num_messages') }} as {{ dbt.type_bigint() }}) as message_count,
    {{ vendor_column('requestType') }} as request_type,
    cast({{ vendor_column('successcode') }} as {{ dbt.type_string() }}) as success_code,
    {{ vendor_column('acceptUrl') }} as accept_url,
    {{ vendor_column('transcriptUrl') }} as transcript_url,
    'web_chat' as channel,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from conversations
{%- endmacro %}
