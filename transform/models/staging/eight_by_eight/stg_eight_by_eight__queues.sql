-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__eight_by_eight_enabled', true)) }}
-- 8x8 queue snapshots: what was waiting and who was serving at snapshot_at.
with queues as (
  {{ deduplicated(source('eight_by_eight', 'queues'), ['queue_id', 'snapshot_at']) }}
)

select
  {{ source_account(source('eight_by_eight', 'queues')) }} as source_account,
  {{ as_id('queue_id') }} as queue_id,
  {{ as_utc('snapshot_at') }} as snapshot_at,
  {{ vendor_column('queue_name') }} as queue_name,
  {{ vendor_column('media_type') }} as media_type,
  cast({{ vendor_column('queue_size') }} as {{ dbt.type_bigint() }}) as waiting,
  cast({{ vendor_column('number_in_progress') }} as {{ dbt.type_bigint() }}) as in_progress,
  {{ as_seconds('longest_wait_time') }} as longest_wait_seconds,
  cast({{ vendor_column('agent_count_busy') }} as {{ dbt.type_bigint() }}) as agents_busy,
  cast({{ vendor_column('agent_count_wait_transact') }} as {{ dbt.type_bigint() }}) as agents_waiting,
  cast({{ vendor_column('agent_count_on_break') }} as {{ dbt.type_bigint() }}) as agents_on_break,
  cast({{ vendor_column('assigned_agent_count') }} as {{ dbt.type_bigint() }}) as agents_assigned,
  cast({{ vendor_column('day_queued') }} as {{ dbt.type_bigint() }}) as day_queued,
  cast({{ vendor_column('day_accepted') }} as {{ dbt.type_bigint() }}) as day_accepted,
  cast({{ vendor_column('day_abandoned') }} as {{ dbt.type_bigint() }}) as day_abandoned,
  {{ as_seconds('day_avg_wait_time') }} as day_avg_wait_seconds,
  {{ vendor_column('sla_activity') }} as sla_percent,
  {{ vendor_column('sla_target') }} as sla_target_percent,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from queues
