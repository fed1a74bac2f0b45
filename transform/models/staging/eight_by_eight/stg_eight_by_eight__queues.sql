-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__eight_by_eight_enabled', true)) }}
-- 8x8 queue snapshots: what was waiting and who was serving at snapshot_at.
-- One row per queue snapshot (source_account, queue_id, snapshot_at). The SQL is the macro below (macros/staging/eight_by_eight.sql):
-- fct_queue_snapshots's incremental runs run it on the raw rows loaded since their last build
-- (docs/incremental.md).
{{ stg_eight_by_eight__queues_sql() }}
