{#- The SQL of the JAICP staging models that incremental marts read
    (stg_jaicp__sessions, stg_jaicp__messages).
    The staging view runs it whole; a mart's incremental run runs it with `loaded_since`,
    its watermark, which keeps only the raw rows loaded since before the de-duplication ranks
    versions (macros/incremental.sql, staged_since_last_build; docs/incremental.md). One SQL
    for both, so the incremental rows are the view's rows. -#}

{% macro stg_jaicp__sessions_sql(loaded_since=none) -%}
  with sessions as (
    {{ deduplicated(source('jaicp', 'sessions'), ['sessionId'], loaded_since) }}
  )

  select
    {{ source_account(source('jaicp', 'sessions')) }} as source_account,
    {{ as_id('sessionId') }} as session_id,
    {{ as_id('botId') }} as bot_id,
    {{ as_utc('startTime') }} as started_at,
    {{ dbt.dateadd('second', as_seconds('duration'), as_utc('startTime')) }} as ended_at,
    {{ as_seconds('duration') }} as duration_seconds,
    cast({{ vendor_column('questionCount') }} as {{ dbt.type_bigint() }}) as message_count,
    {{ vendor_column('firstQuestion') }} as first_question_text,
    {{ vendor_column('lastQuestion') }} as last_question_text,
    {{ json_text('client', 'id') }} as client_id,
    {{ json_text('client', 'id') }} as channel_client_id,
    {{ vendor_column('channelType') }} as channel_type,
    case lower({{ vendor_column('channelType') }})
      when 'chatwidget' then 'web_chat'
      when 'resterisk' then 'voice'
      when 'telegram' then 'telegram'
      when 'viber' then 'viber'
      when 'vk' then 'vk'
      when 'whatsapp' then 'whatsapp'
      else 'other'
    end as channel,
    {{ vendor_column('labels') }} as labels,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from sessions
{%- endmacro %}

{% macro stg_jaicp__messages_sql(loaded_since=none) -%}
  with messages as (
    {{ deduplicated(source('jaicp', 'messages'), ['sessionId', 'questionId'], loaded_since) }}
  )

  select
    {{ source_account(source('jaicp', 'messages')) }} as source_account,
    {{ as_id('sessionId') }} as session_id,
    {{ as_id('questionId') }} as question_id,
    {{ json_text('client', 'id') }} as channel_client_id,
    {{ as_utc('timestamp') }} as sent_at,
    {{ vendor_column('question') }} as question_text,
    {{ vendor_column('textAnswer') }} as answer_text,
    cast({{ vendor_column('processingTime') }} as {{ dbt.type_bigint() }}) as processing_milliseconds,
    {{ vendor_column('status') }} as delivery_status,
    {{ vendor_column('channelType') }} as channel_type,
    {{ vendor_column('labels') }} as labels,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from messages
{%- endmacro %}
