-- One row per 8x8 agent per 30 minutes (summary report agent-interactions-summary grouped by
-- agent). UTC, seconds.
-- built when 8x8 and its Analytics streams are enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)) }}
with intervals as (
  {{ deduplicated(source('eight_by_eight', 'agent_intervals'), ['agentId', 'startTime']) }}
)

select
  {{ source_account(source('eight_by_eight', 'agent_intervals')) }} as source_account,
  {{ as_id('agentId') }} as agent_id,
  {{ as_utc('startTime') }} as interval_start,
  {{ as_utc('endTime') }} as interval_end,
  {{ vendor_column('agent') }} as agent_name,
  cast({{ vendor_column('presented') }} as {{ dbt.type_bigint() }}) as presented,
  cast({{ vendor_column('accepted') }} as {{ dbt.type_bigint() }}) as accepted,
  cast({{ vendor_column('rejected') }} as {{ dbt.type_bigint() }}) as rejected,
  cast({{ vendor_column('abandoned') }} as {{ dbt.type_bigint() }}) as abandoned,
  {{ as_seconds('handlingTime') }} as handling_seconds,
  {{ as_seconds('holdTime') }} as hold_seconds,
  {{ as_seconds('wrapUpTime') }} as wrap_up_seconds,
  {{ as_seconds('busyTime') }} as busy_seconds,
  {{ as_seconds('avgHandlingTime') }} as aht_seconds,
  {{ as_seconds('avgSpeedToAnswer') }} as avg_speed_to_answer_seconds,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from intervals
