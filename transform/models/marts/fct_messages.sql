-- One row per message: JAICP's questions with the bot's answers (the other vendors' exports
-- carry counts per conversation, not the messages).
{{ config(enabled=var('contact_center__jaicp_enabled')) }}

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
  delivery_status
from {{ ref('stg_jaicp__messages') }}
