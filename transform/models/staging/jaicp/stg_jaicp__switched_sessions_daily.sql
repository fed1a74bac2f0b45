-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__jaicp_enabled', true)) }}
-- JAICP sessions the bot handed to a human operator, per UTC day and transfer method
-- (GET /stats/switched-sessions, TimestampToValueStatsDto). SWITCH: the bot's switch to an
-- operator; TEXT: a bot answer counted as a transfer (the tap's transfer_text). Bot
-- containment for a day is 1 - switched sessions / sessions (stg_jaicp__sessions.started_at).
with switched as (
  {{ deduplicated(source('jaicp', 'switched_sessions_daily'), ['transferToOperatorMethod', 'date']) }}
)

select
  {{ source_account(source('jaicp', 'switched_sessions_daily')) }} as source_account,
  cast({{ vendor_column('date') }} as date) as activity_date,
  lower({{ vendor_column('transferToOperatorMethod') }}) as transfer_method,
  cast({{ vendor_column('value') }} as {{ dbt.type_bigint() }}) as switched_session_count,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from switched
