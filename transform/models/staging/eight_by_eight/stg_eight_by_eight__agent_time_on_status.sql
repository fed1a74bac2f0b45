-- One row per 8x8 agent per 30 minutes: time per status (summary report
-- agent-status-time-on-status grouped by agent). UTC, seconds.
-- built when 8x8 and its Analytics streams are enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)) }}
with intervals as (
  {{ deduplicated(source('eight_by_eight', 'agent_time_on_status'), ['agentId', 'startTime']) }}
)

select
  {{ source_account(source('eight_by_eight', 'agent_time_on_status')) }} as source_account,
  {{ as_id('agentId') }} as agent_id,
  {{ as_utc('startTime') }} as interval_start,
  {{ as_utc('endTime') }} as interval_end,
  {{ vendor_column('agent') }} as agent_name,
  {{ as_seconds('loggedInTime') }} as logged_in_seconds,
  {{ as_seconds('availableTime') }} as available_seconds,
  {{ as_seconds('busyTime') }} as busy_seconds,
  {{ as_seconds('handlingTime') }} as handling_seconds,
  {{ as_seconds('wrapUpTime') }} as wrap_up_seconds,
  {{ as_seconds('onBreakTime') }} as break_seconds,
  {{ as_seconds('workingOfflineTime') }} as offline_seconds,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from intervals
