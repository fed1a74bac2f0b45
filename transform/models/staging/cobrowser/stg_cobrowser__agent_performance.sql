-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- CoBrowser agent performance: one row per agent login session and preset (durations in
-- seconds).
with performance as (
  {{ deduplicated(source('cobrowser', 'agent_performance'), ['agent_id', 'session_id', 'preset']) }}
)

select
  {{ source_account(source('cobrowser', 'agent_performance')) }} as source_account,
  {{ as_id('agent_id') }} as agent_id,
  {{ as_id('session_id') }} as login_session_id,
  {{ vendor_column('preset') }} as preset,
  {{ as_utc('session_start') }} as session_started_at,
  cast({{ vendor_column('numChats') }} as {{ dbt.type_bigint() }}) as chats,
  cast({{ vendor_column('numAbandoned') }} as {{ dbt.type_bigint() }}) as chats_abandoned,
  cast({{ vendor_column('numIgnored') }} as {{ dbt.type_bigint() }}) as chats_ignored,
  cast({{ vendor_column('numBreaks') }} as {{ dbt.type_bigint() }}) as breaks,
  {{ as_seconds('onlineDuration') }} as online_seconds,
  {{ as_seconds('availableDuration') }} as available_seconds,
  {{ as_seconds('idleDuration') }} as idle_seconds,
  {{ as_seconds('offlineDuration') }} as offline_seconds,
  {{ as_seconds('sessionDuration') }} as session_seconds,
  {{ as_seconds('openDuration') }} as open_chat_seconds,
  {{ as_seconds('firstResponseDuration') }} as first_response_seconds,
  {{ vendor_column('avgConcurrency') }} as avg_concurrency,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from performance
