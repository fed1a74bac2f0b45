-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__jaicp_enabled', true)) }}
-- JAICP bot sessions. JAICP is a bot platform: no human agent, no wait. channel is our
-- vocabulary for JAICP's channelType (chatwidget is a website chat, resterisk its telephony).
-- Fields as the Reporter API's SessionInfo names them; client is a ClientInfo object whose
-- id (a string) is the client's id in its channel.
-- One row per session (source_account, session_id). The SQL is the macro below (macros/staging/jaicp.sql):
-- fct_conversations's incremental runs run it on the raw rows loaded since their last build
-- (docs/incremental.md).
{{ stg_jaicp__sessions_sql() }}
