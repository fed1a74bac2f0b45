-- One row per bot platform per UTC day: the bot's sessions and how many of them it handed to
-- a person. JAICP's sessions stay bot conversations in fct_conversations (handled_by_bot,
-- never in a human queue); the handovers are JAICP's own daily count (GET
-- /stats/switched-sessions: per day and transfer method, not per session), so they live on
-- this daily grain rather than as flags on sessions.
--   transfer_rate    = switched_sessions / bot_sessions        (macro kpi_ratio)
--   bot_containment  = 1 - transfer_rate: sessions the bot finished without a person
-- switched_sessions counts both of JAICP's transfer methods: `switch` (the bot's switch to an
-- operator) and `text` (a bot answer configured as a transfer, the tap's transfer_text).
-- built when its vendor is enabled
{{ config(enabled=var('contact_center__jaicp_enabled', true)) }}

with sessions as (
  -- the bot's sessions as fct_conversations holds them, one row per JAICP session (its
  -- latest version), already brought up to date by its incremental run: counting them there
  -- rather than in stg_jaicp__sessions spares every run the de-duplication of every raw
  -- session version of history (docs/incremental.md, "The marts that stay tables")
  select
    source_account,
    started_on as activity_date,
    count(*) as bot_sessions
  from {{ ref('fct_conversations') }}
  where platform = 'jaicp'
  group by 1, 2
),

switched as (
  select
    source_account,
    activity_date,
    sum(case when transfer_method = 'switch' then switched_session_count else 0 end)
      as switched_by_switch,
    sum(case when transfer_method = 'text' then switched_session_count else 0 end)
      as switched_by_text,
    sum(switched_session_count) as switched_sessions
  from {{ ref('stg_jaicp__switched_sessions_daily') }}
  group by 1, 2
),

days as (
  select
    coalesce(sessions.source_account, switched.source_account) as source_account,
    coalesce(sessions.activity_date, switched.activity_date) as activity_date,
    coalesce(sessions.bot_sessions, 0) as bot_sessions,
    coalesce(switched.switched_sessions, 0) as switched_sessions,
    coalesce(switched.switched_by_switch, 0) as switched_by_switch,
    coalesce(switched.switched_by_text, 0) as switched_by_text
  from sessions
  full outer join switched
    on sessions.source_account = switched.source_account
    and sessions.activity_date = switched.activity_date
)

select
  'jaicp' as platform,
  source_account,
  activity_date,
  cast(bot_sessions as {{ dbt.type_bigint() }}) as bot_sessions,
  cast(switched_sessions as {{ dbt.type_bigint() }}) as switched_sessions,
  cast(switched_by_switch as {{ dbt.type_bigint() }}) as switched_by_switch,
  cast(switched_by_text as {{ dbt.type_bigint() }}) as switched_by_text,
  {{ kpi_ratio('switched_sessions', 'bot_sessions') }} as transfer_rate,
  1 - {{ kpi_ratio('switched_sessions', 'bot_sessions') }} as bot_containment
from days
