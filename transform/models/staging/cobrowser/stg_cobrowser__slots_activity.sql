-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- CoBrowser chat slots of agents: one row per slot action.
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'slots_activity'), ['activity_id']) }}
)

select
  {{ source_account(source('cobrowser', 'slots_activity')) }} as source_account,
  {{ as_id('activity_id') }} as activity_id,
  {{ as_id('agent_id') }} as agent_id,
  {{ as_id('account_id') }} as account_id,
  {{ as_id('browse_id') }} as browse_id,
  {{ as_id('session_id') }} as login_session_id,
  {{ as_utc('time_start') }} as started_at,
  {{ vendor_column('action') }} as action,
  {{ vendor_column('presetName') }} as preset,
  cast({{ vendor_column('numslots_used') }} as {{ dbt.type_bigint() }}) as slots_used,
  cast({{ vendor_column('numslots_max') }} as {{ dbt.type_bigint() }}) as slots_max,
  {{ as_seconds('open_duration') }} as open_seconds,
  {{ as_seconds('closed_duration') }} as closed_seconds,
  {{ as_seconds('new_duration') }} as new_seconds,
  {{ as_seconds('sleeping_duration') }} as sleeping_seconds,
  {{ as_seconds('burning_duration') }} as burning_seconds,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
