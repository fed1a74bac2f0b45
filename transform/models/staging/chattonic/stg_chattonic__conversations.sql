-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__chattonic_enabled', true)) }}
-- Chat-Tonic conversations ("queries", GET /api/v1/{codename}/query), one row per
-- conversation as last read by the tap. `dates` holds the instant each status was reached:
-- pending (created, waiting for an operator), progress (taken by an operator), resolved.
-- A conversation resolved after the tap's open_conversation_days keeps its last status read
-- until a full refresh (docs/chattonic-conversations.md): resolved_at is then null.
-- One row per conversation (source_account, conversation_id). The SQL is the macro below (macros/staging/chattonic.sql):
-- fct_conversations's incremental runs run it on the raw rows loaded since their last build
-- (docs/incremental.md).
{{ stg_chattonic__conversations_sql() }}
