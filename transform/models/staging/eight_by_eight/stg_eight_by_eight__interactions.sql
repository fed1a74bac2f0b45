-- One row per 8x8 interaction (Analytics for Contact Center, detailed report
-- detailed-reports-interaction-details). An interaction still ongoing when it was read has
-- is_ongoing true and partial figures; the tap re-reads it within lookback_days and the final
-- row replaces it. The first participant is the agent who took it. Times UTC, seconds.
-- built when 8x8 and its Analytics streams are enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)) }}
-- One row per interaction (source_account, interaction_id). The SQL is the macro below (macros/staging/eight_by_eight.sql):
-- fct_conversations's incremental runs run it on the raw rows loaded since their last build
-- (docs/incremental.md).
{{ stg_eight_by_eight__interactions_sql() }}
