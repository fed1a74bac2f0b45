-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__oct8ne_enabled', true)) }}
-- Oct8ne chat sessions in the shared vocabulary. Durations are exported as whole seconds
-- (durationFormat=1); Oct8ne is a website chat, so every session is channel web_chat.
-- One row per session (source_account, session_id). The SQL is the macro below (macros/staging/oct8ne.sql):
-- fct_conversations's incremental runs run it on the raw rows loaded since their last build
-- (docs/incremental.md).
{{ stg_oct8ne__sessions_sql() }}
