-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- CoBrowser conversations. The vendor's key is a browse id with the conversation's start
-- (a visitor's browse can hold several conversations), so conversation_id joins the two.
-- wait_seconds is firstResponseTime: from the agent's accept to the first agent message.
-- One row per conversation (source_account, conversation_id). The SQL is the macro below (macros/staging/cobrowser.sql):
-- fct_conversations's incremental runs run it on the raw rows loaded since their last build
-- (docs/incremental.md).
{{ stg_cobrowser__conversations_sql() }}
