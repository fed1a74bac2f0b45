-- 8x8 queues as a time series: one row per queue per snapshot (tap-8x8 takes one per run).
{{ config(enabled=var('contact_center__eight_by_eight_enabled')) }}
-- Incremental (macros/incremental.sql, docs/incremental.md): the snapshots loaded since the
-- last build, less the lookback, replace theirs by key (the staging SQL runs on those raw
-- rows only, staged_since_last_build).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['platform', 'source_account', 'queue_id', 'snapshot_at'],
    on_schema_change='fail'
) }}

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
  sla_target_percent,
  _loaded_at
from {{ staged_since_last_build('stg_eight_by_eight__queues', stg_eight_by_eight__queues_sql, '8x8') }} as queues
