-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- CoBrowser agents' online/offline states, one row per state change.
with activity as (
  {{ deduplicated(source('cobrowser', 'agent_activity'), ['activity_id']) }}
)

select
  {{ source_account(source('cobrowser', 'agent_activity')) }} as source_account,
  {{ as_id('activity_id') }} as activity_id,
  {{ as_id('agent_id') }} as agent_id,
  {{ as_id('account_id') }} as account_id,
  {{ vendor_column('state') }} as state,
  {{ as_utc('time_start') }} as started_at,
  {{ as_utc('time_end') }} as ended_at,
  {{ as_seconds('duration_secs') }} as duration_seconds,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from activity
