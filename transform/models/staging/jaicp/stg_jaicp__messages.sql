-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__jaicp_enabled', true)) }}
-- JAICP messages: one row per client question and the bot's answer (the Reporter API's
-- ExtendedMessage / Message). processing time is in milliseconds, as JAICP sends it; the
-- delivery status is sent only when messages are read by session.
-- One row per message (source_account, session_id, question_id). The SQL is the macro below (macros/staging/jaicp.sql):
-- fct_messages's incremental runs run it on the raw rows loaded since their last build
-- (docs/incremental.md).
{{ stg_jaicp__messages_sql() }}
