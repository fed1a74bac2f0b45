-- One row per message: JAICP's questions with the bot's answers (the other vendors' exports
-- carry counts per conversation, not the messages).
{{ config(enabled=var('contact_center__jaicp_enabled')) }}
-- Incremental (macros/incremental.sql, docs/incremental.md): the messages loaded since the
-- last build, less the lookback, replace theirs by key (the staging SQL runs on those raw
-- rows only, staged_since_last_build).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['platform', 'source_account', 'message_id'],
    on_schema_change='fail'
) }}

select
  'jaicp' as platform,
  source_account,
  session_id || '/' || question_id as message_id,
  session_id as conversation_id,
  question_id,
  sent_at,
  cast(sent_at as date) as sent_on,
  channel_client_id,
  question_text,
  answer_text,
  processing_milliseconds,
  delivery_status,
  _loaded_at
from {{ staged_since_last_build('stg_jaicp__messages', stg_jaicp__messages_sql, 'jaicp') }} as messages
