-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__jaicp_enabled', true)) }}
-- JAICP bot sessions. JAICP is a bot platform: no human agent, no wait. channel is our
-- vocabulary for JAICP's channelType (chatwidget is a website chat, resterisk its telephony).
-- Fields as the Reporter API's SessionInfo names them; client is a ClientInfo object whose
-- id (a string) is the client's id in its channel.
with sessions as (
  {{ deduplicated(source('jaicp', 'sessions'), ['sessionId']) }}
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
