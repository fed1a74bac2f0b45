-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- Agents of a CoBrowser contact-center (CCC) account.
{{ config(enabled=(var('contact_center__cobrowser_ccc_enabled', true) and var('contact_center__cobrowser_enabled', true))) }}
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'ccc_agents'), ['id']) }}
)

select
  {{ source_account(source('cobrowser', 'ccc_agents')) }} as source_account,
  {{ as_id('id') }} as ccc_agent_id,
  {{ vendor_column('username') }} as username,
  trim(coalesce({{ vendor_column('firstname') }}, '') || ' ' || coalesce({{ vendor_column('lastname') }}, '')) as agent_name,
  {{ vendor_column('email') }} as email,
  {{ as_id('cccaccount_id') }} as ccc_account_id,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
