-- One row per conversation (a chat session, a CoBrowser conversation, a JAICP bot session,
-- an 8x8 contact-center interaction: call, chat, email) across the enabled vendors, in one
-- vocabulary.
-- built when one of its vendors is enabled
{{ config(enabled=(var('contact_center__oct8ne_enabled', true) or var('contact_center__cobrowser_enabled', true) or var('contact_center__jaicp_enabled', true) or (var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)))) }}
{% set branches = [] %}

{% if var('contact_center__oct8ne_enabled') %}
{% set oct8ne %}
select
  'oct8ne' as platform,
  session_id as conversation_id,
  started_at,
  ended_at,
  duration_seconds,
  wait_seconds,
  channel,
  agent_id,
  visitor_id as visitor_or_client_id,
  message_count,
  is_attended as attended,
  case
    when is_sale then 'sale'
    when is_attended then 'attended'
    when is_assistance_requested then 'unattended'
    else 'no_request'
  end as outcome
from {{ ref('stg_oct8ne__sessions') }}
{% endset %}
{% do branches.append(oct8ne) %}
{% endif %}

{% if var('contact_center__cobrowser_enabled') %}
{% set cobrowser %}
select
  'cobrowser' as platform,
  conversation_id,
  started_at,
  ended_at,
  duration_seconds,
  wait_seconds,
  channel,
  agent_id,
  visitor_id as visitor_or_client_id,
  message_count,
  agent_id is not null as attended,
  coalesce('successcode_' || success_code, 'unknown') as outcome
from {{ ref('stg_cobrowser__conversations') }}
{% endset %}
{% do branches.append(cobrowser) %}
{% endif %}

{% if var('contact_center__jaicp_enabled') %}
{% set jaicp %}
select
  'jaicp' as platform,
  session_id as conversation_id,
  started_at,
  ended_at,
  duration_seconds,
  cast(null as {{ dbt.type_bigint() }}) as wait_seconds,
  channel,
  cast(null as {{ dbt.type_string() }}) as agent_id,
  client_id as visitor_or_client_id,
  message_count,
  true as attended,
  'bot' as outcome
from {{ ref('stg_jaicp__sessions') }}
{% endset %}
{% do branches.append(jaicp) %}
{% endif %}

{% if var('contact_center__eight_by_eight_enabled') and var('contact_center__eight_by_eight_analytics_enabled') %}
{% set eight_by_eight %}
-- 8x8 interactions (Analytics for Contact Center): voice and digital; an interaction still
-- ongoing when last read is 'ongoing' until a later run brings its final row
select
  '8x8' as platform,
  interaction_id as conversation_id,
  created_at as started_at,
  finished_at as ended_at,
  interaction_seconds as duration_seconds,
  wait_seconds,
  case
    when media_type in ('Phone', 'VoiceMail') then 'voice'
    when chat_type = 'WhatsApp' then 'whatsapp'
    when chat_type = 'Viber' then 'viber'
    when media_type = 'Chat' and coalesce(chat_type, 'WebChat') in ('WebChat', 'ChatApi') then 'web_chat'
    else 'other'
  end as channel,
  agent_id,
  cast(null as {{ dbt.type_string() }}) as visitor_or_client_id,
  cast(null as {{ dbt.type_bigint() }}) as message_count,
  is_answered as attended,
  case
    when is_ongoing then 'ongoing'
    when is_short_abandoned then 'short_abandoned'
    when is_abandoned then 'abandoned'
    when is_answered then 'answered'
    else 'unanswered'
  end as outcome
from {{ ref('stg_eight_by_eight__interactions') }}
{% endset %}
{% do branches.append(eight_by_eight) %}
{% endif %}

with conversations as (
  {{ union_platforms(branches) }}
)

select
  platform,
  conversation_id,
  started_at,
  ended_at,
  cast(started_at as date) as started_on,
  duration_seconds,
  wait_seconds,
  channel,
  agent_id,
  case when agent_id is not null then {{ agent_key('platform', 'agent_id') }} end as agent_key,
  visitor_or_client_id,
  message_count,
  attended,
  outcome
from conversations
