-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- Chat slots of CCC agents: one row per slot action.
{{ config(enabled=(var('contact_center__cobrowser_ccc_enabled', true) and var('contact_center__cobrowser_enabled', true))) }}
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'ccc_slots_activity'), ['activity_id']) }}
)

select
  {{ source_account(source('cobrowser', 'ccc_slots_activity')) }} as source_account,
  {{ as_id('activity_id') }} as activity_id,
  {{ as_id('cccagent_id') }} as ccc_agent_id,
  {{ as_id('account_id') }} as account_id,
  {{ as_id('browse_id') }} as browse_id,
  {{ as_id('session_id') }} as login_session_id,
  {{ as_utc('time_start') }} as started_at,
  {{ vendor_column('action') }} as action,
  cast({{ vendor_column('numslots_used') }} as {{ dbt.type_bigint() }}) as slots_used,
  cast({{ vendor_column('numslots_max') }} as {{ dbt.type_bigint() }}) as slots_max,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
