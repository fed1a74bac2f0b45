-- One row per conversation (a chat session, a CoBrowser conversation, a JAICP bot session)
-- across the enabled vendors, in one vocabulary. The per-conversation queue columns
-- (entered_queue, was_answered, was_abandoned, wait_seconds, handle_seconds) are the inputs of
-- the interval KPIs (fct_queue_intervals): a vendor added here feeds them with no change to
-- the formulas. A branch must give every column of the `conversations` select below, in order
-- (null where the vendor cannot say; _marts.yml says what each means). source_account is the
-- account the tap read the row for ('default' for a schema loaded without accounts).
-- built when one of its vendors is enabled
{{ config(enabled=(var('contact_center__oct8ne_enabled', true) or var('contact_center__cobrowser_enabled', true) or var('contact_center__jaicp_enabled', true) or var('contact_center__chattonic_enabled', true) or (var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)))) }}
-- Incremental (macros/incremental.sql, docs/incremental.md): a run re-reads the conversations
-- loaded since the last build, less the lookback (each branch's staging SQL on those raw rows
-- only, staged_since_last_build), and replaces them by key.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['platform', 'source_account', 'conversation_id'],
    on_schema_change='fail'
) }}
{% set branches = [] %}

{% if var('contact_center__oct8ne_enabled') %}
{% set oct8ne %}
-- Oct8ne has no queues: one queue per department. A session attended by the bot
-- (agentType Bot) never entered the human queue.
select
  'oct8ne' as platform,
  source_account as source_account,
  session_id as conversation_id,
  started_at,
  ended_at,
  duration_seconds,
  department_id as queue_id,
  department_name as queue_name,
  wait_seconds,
  cast(null as {{ dbt.type_bigint() }}) as first_response_seconds,
  case when is_attended then duration_seconds end as handle_seconds,
  channel,
  agent_id,
  visitor_id as visitor_or_client_id,
  message_count,
  is_attended as attended,
  coalesce(is_attended and agent_type = 'Bot', false) as handled_by_bot,
  coalesce(is_assistance_requested, false) as requested_agent,
  coalesce(is_sale, false) as is_sale,
  cast(sale_amount as {{ dbt.type_numeric() }}) as sale_amount,
  cast(rating as {{ dbt.type_bigint() }}) as rating,
  case
    when is_assistance_requested and not is_attended then 'unattended'
    when is_attended and is_sale then 'sale'
    when is_attended then 'attended'
    else 'no_request'
  end as outcome,
  _loaded_at
from {{ staged_since_last_build('stg_oct8ne__sessions', stg_oct8ne__sessions_sql, 'oct8ne') }} as sessions
{% endset %}
{% do branches.append(oct8ne) %}
{% endif %}

{% if var('contact_center__cobrowser_enabled') %}
{% set cobrowser %}
-- CoBrowser has no queues: one queue per account (its website). A visitor's own request
-- (ask_reactive) waits for an agent's accept (decisionTime); a proactive invitation is the
-- agent's, so it never queued and its decisionTime is the visitor's, not a wait.
select
  'cobrowser' as platform,
  conversations.source_account as source_account,
  conversations.conversation_id,
  conversations.started_at,
  conversations.ended_at,
  conversations.duration_seconds,
  conversations.account_id as queue_id,
  accounts.account_name as queue_name,
  case when conversations.request_type = 'ask_reactive' then conversations.decision_seconds end
    as wait_seconds,
  conversations.wait_seconds as first_response_seconds,
  case when conversations.agent_id is not null then conversations.duration_seconds end
    as handle_seconds,
  conversations.channel,
  conversations.agent_id,
  conversations.visitor_id as visitor_or_client_id,
  conversations.message_count,
  conversations.agent_id is not null as attended,
  false as handled_by_bot,
  coalesce(conversations.request_type = 'ask_reactive', false) as requested_agent,
  false as is_sale,
  cast(null as {{ dbt.type_numeric() }}) as sale_amount,
  cast(null as {{ dbt.type_bigint() }}) as rating,
  coalesce('successcode_' || conversations.success_code, 'unknown') as outcome,
  conversations._loaded_at
from {{ staged_since_last_build('stg_cobrowser__conversations', stg_cobrowser__conversations_sql, 'cobrowser') }}
  as conversations
left join {{ ref('stg_cobrowser__accounts') }} as accounts
  on conversations.source_account = accounts.source_account
  and conversations.account_id = accounts.account_id
{% endset %}
{% do branches.append(cobrowser) %}
{% endif %}

{% if var('contact_center__jaicp_enabled') %}
{% set jaicp %}
-- A JAICP session is the bot's: no human queue. (Sessions switched to an operator are the
-- JAICP switched-session staging model's, to be added here as entered_queue rows.)
select
  'jaicp' as platform,
  source_account as source_account,
  session_id as conversation_id,
  started_at,
  ended_at,
  duration_seconds,
  cast(null as {{ dbt.type_string() }}) as queue_id,
  cast(null as {{ dbt.type_string() }}) as queue_name,
  cast(null as {{ dbt.type_bigint() }}) as wait_seconds,
  cast(null as {{ dbt.type_bigint() }}) as first_response_seconds,
  cast(null as {{ dbt.type_bigint() }}) as handle_seconds,
  channel,
  cast(null as {{ dbt.type_string() }}) as agent_id,
  client_id as visitor_or_client_id,
  message_count,
  true as attended,
  true as handled_by_bot,
  false as requested_agent,
  false as is_sale,
  cast(null as {{ dbt.type_numeric() }}) as sale_amount,
  cast(null as {{ dbt.type_bigint() }}) as rating,
  'bot' as outcome,
  _loaded_at
from {{ staged_since_last_build('stg_jaicp__sessions', stg_jaicp__sessions_sql, 'jaicp') }} as sessions
{% endset %}
{% do branches.append(jaicp) %}
{% endif %}

{% if var('contact_center__chattonic_enabled') %}
{% set chattonic %}
-- Chat-Tonic conversations ("queries"): each waits (pending) for an operator, who takes it
-- (progress) and resolves it. Chat-Tonic has no queues and its conversations name no
-- department: one queue per channel (messageUser.platform: telegram, whatsapp, webchat).
-- A conversation no operator took is an abandon; its wait is the time to its resolution, or,
-- while it is still pending, to its last update (an assumption: Chat-Tonic documents no
-- abandon time). A conversation taken and not resolved yet has the handle time seen so far
-- (to its last update), like 8x8's ongoing interactions: a later read within the tap's
-- open_conversation_days brings the final figures. It names no operator: agent_id is null.
select
  'chattonic' as platform,
  source_account as source_account,
  conversation_id,
  created_at as started_at,
  resolved_at as ended_at,
  resolution_seconds as duration_seconds,
  coalesce(chattonic_conversations.platform, 'unknown') as queue_id,
  coalesce(chattonic_conversations.platform, 'unknown') as queue_name,
  coalesce(
    wait_seconds,
    {{ dbt.datediff('pending_at', 'coalesce(resolved_at, updated_at)', 'second') }}
  ) as wait_seconds,
  cast(null as {{ dbt.type_bigint() }}) as first_response_seconds,
  case
    when taken_at is not null
      then coalesce(handling_seconds, {{ dbt.datediff('taken_at', 'updated_at', 'second') }})
  end as handle_seconds,
  case chattonic_conversations.platform
    when 'webchat' then 'web_chat'
    when 'telegram' then 'telegram'
    when 'whatsapp' then 'whatsapp'
    when 'viber' then 'viber'
    when 'vk' then 'vk'
    else 'other'
  end as channel,
  cast(null as {{ dbt.type_string() }}) as agent_id,
  end_user_id as visitor_or_client_id,
  cast(null as {{ dbt.type_bigint() }}) as message_count,
  taken_at is not null as attended,
  false as handled_by_bot,
  true as requested_agent,
  false as is_sale,
  cast(null as {{ dbt.type_numeric() }}) as sale_amount,
  cast(null as {{ dbt.type_bigint() }}) as rating,
  status as outcome,
  _loaded_at
from {{ staged_since_last_build('stg_chattonic__conversations', stg_chattonic__conversations_sql, 'chattonic') }}
  as chattonic_conversations
{% endset %}
{% do branches.append(chattonic) %}
{% endif %}

{% if var('contact_center__eight_by_eight_enabled') and var('contact_center__eight_by_eight_analytics_enabled') %}
{% set eight_by_eight %}
-- 8x8 interactions (Analytics for Contact Center: calls, chats, emails). 8x8 has queues: every
-- interaction read from a queue entered it (8x8 `entered`); its first participant is the agent
-- who accepted it. handle_seconds is 8x8's handling time (Metrics Glossary, avgHandlingTime:
-- "from when an agent accepts an interaction until they finish processing it, including any
-- time the customer was placed on hold"): participantHandlingDuration, talk + hold; wrap-up
-- is not in it (8x8's processing time adds it; fct_agent_days counts it as busy). An
-- interaction still ongoing when read is 'ongoing' until a later run brings its final row.
select
  '8x8' as platform,
  source_account as source_account,
  interaction_id as conversation_id,
  created_at as started_at,
  finished_at as ended_at,
  interaction_seconds as duration_seconds,
  queue_id,
  queue_name,
  wait_seconds,
  cast(null as {{ dbt.type_bigint() }}) as first_response_seconds,
  case when is_answered then handle_seconds end as handle_seconds,
  case
    when media_type in ('Phone', 'VoiceMail') then 'voice'
    when media_type = 'Email' then 'email'
    when chat_type = 'WhatsApp' then 'whatsapp'
    when chat_type = 'Viber' then 'viber'
    when media_type = 'Chat' and coalesce(chat_type, 'WebChat') in ('WebChat', 'ChatApi') then 'web_chat'
    else 'other'
  end as channel,
  agent_id,
  cast(null as {{ dbt.type_string() }}) as visitor_or_client_id,
  cast(null as {{ dbt.type_bigint() }}) as message_count,
  is_answered as attended,
  false as handled_by_bot,
  queue_id is not null as requested_agent,
  false as is_sale,
  cast(null as {{ dbt.type_numeric() }}) as sale_amount,
  -- 8x8's post-call survey answers are not in the interactions report
  cast(null as {{ dbt.type_bigint() }}) as rating,
  case
    when is_ongoing then 'ongoing'
    when is_short_abandoned then 'short_abandoned'
    when is_abandoned then 'abandoned'
    when is_answered then 'answered'
    else 'unanswered'
  end as outcome,
  _loaded_at
from {{ staged_since_last_build('stg_eight_by_eight__interactions', stg_eight_by_eight__interactions_sql, '8x8') }}
  as interactions
{% endset %}
{% do branches.append(eight_by_eight) %}
{% endif %}

with conversations as (
  {{ union_platforms(branches) }}
),

flagged as (
  select
    conversations.*,
    requested_agent and not handled_by_bot as entered_queue,
    requested_agent and not handled_by_bot and attended as was_answered
  from conversations
)

select
  platform,
  coalesce(source_account, 'default') as source_account,
  conversation_id,
  started_at,
  ended_at,
  cast(started_at as date) as started_on,
  {{ to_reporting_timezone('started_at') }} as started_at_local,
  cast({{ to_reporting_timezone('started_at') }} as date) as started_on_local,
  duration_seconds,
  queue_id,
  queue_name,
  wait_seconds,
  first_response_seconds,
  handle_seconds,
  channel,
  agent_id,
  case when agent_id is not null then {{ agent_key('platform', 'agent_id', 'source_account') }} end as agent_key,
  visitor_or_client_id,
  message_count,
  attended,
  handled_by_bot,
  requested_agent,
  entered_queue,
  was_answered,
  entered_queue and not was_answered as was_abandoned,
  is_sale,
  sale_amount,
  rating,
  outcome,
  _loaded_at
from flagged
