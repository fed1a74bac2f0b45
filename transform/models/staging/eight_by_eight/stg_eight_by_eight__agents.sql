-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__eight_by_eight_enabled', true)) }}
-- 8x8 agent snapshots. The day_* counters are the agent's figures so far today (8x8's day),
-- so the day's last snapshot holds the day's totals. Times are seconds.
with agents as (
  {{ deduplicated(source('eight_by_eight', 'agents'), ['agent_id', 'snapshot_at']) }}
)

select
  {{ source_account(source('eight_by_eight', 'agents')) }} as source_account,
  {{ as_id('agent_id') }} as agent_id,
  {{ as_utc('snapshot_at') }} as snapshot_at,
  {{ vendor_column('agent_name') }} as agent_name,
  {{ vendor_column('agent_status_label') }} as status,
  {{ as_id('group_id') }} as group_id,
  {{ vendor_column('agent_media_label') }} as media,
  {{ as_seconds('day_login_time') }} as day_login_seconds,
  {{ as_seconds('day_available_time') }} as day_available_seconds,
  {{ as_seconds('day_processing_time') }} as day_processing_seconds,
  {{ as_seconds('day_wrap_up_time') }} as day_wrap_up_seconds,
  {{ as_seconds('day_break_time') }} as day_break_seconds,
  {{ as_seconds('day_offline_time') }} as day_offline_seconds,
  cast({{ vendor_column('day_accepted_count') }} as {{ dbt.type_bigint() }}) as day_accepted,
  cast({{ vendor_column('day_rejected_count') }} as {{ dbt.type_bigint() }}) as day_rejected,
  {{ as_seconds('time_in_status') }} as seconds_in_status,
  {{ as_utc('last_login_time') }} as last_login_at,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from agents
