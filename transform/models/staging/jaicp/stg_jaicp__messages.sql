-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__jaicp_enabled', true)) }}
-- JAICP messages: one row per client question and the bot's answer (the Reporter API's
-- ExtendedMessage / Message). processing time is in milliseconds, as JAICP sends it; the
-- delivery status is sent only when messages are read by session.
with messages as (
  {{ deduplicated(source('jaicp', 'messages'), ['sessionId', 'questionId']) }}
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
