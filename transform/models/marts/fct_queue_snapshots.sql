-- 8x8 queues as a time series: one row per queue per snapshot (tap-8x8 takes one per run).
{{ config(enabled=var('contact_center__eight_by_eight_enabled')) }}

select
  '8x8' as platform,
  source_account,
  queue_id,
  snapshot_at,
  cast(snapshot_at as date) as snapshot_on,
  queue_name,
  media_type,
  waiting,
  in_progress,
  longest_wait_seconds,
  agents_busy,
  agents_waiting,
  agents_on_break,
  agents_assigned,
  day_queued,
  day_accepted,
  day_abandoned,
  day_avg_wait_seconds,
  sla_percent,
  sla_target_percent
from {{ ref('stg_eight_by_eight__queues') }}
