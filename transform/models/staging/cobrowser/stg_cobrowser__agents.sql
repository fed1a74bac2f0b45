-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- CoBrowser agents (the reference list, read whole on every run).
with agents as (
  {{ deduplicated(source('cobrowser', 'agents'), ['id']) }}
)

select
  {{ source_account(source('cobrowser', 'agents')) }} as source_account,
  {{ as_id('id') }} as agent_id,
  {{ vendor_column('username') }} as username,
  trim(coalesce({{ vendor_column('firstname') }}, '') || ' ' || coalesce({{ vendor_column('lastname') }}, ''))
    as agent_name,
  {{ vendor_column('email') }} as email,
  {{ as_id('account_id') }} as account_id,
  {{ as_id('cccagent_id') }} as ccc_agent_id,
  {{ vendor_column('disabled') }} as is_disabled,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from agents
