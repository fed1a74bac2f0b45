-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- Which CCC agent is in which CCC group.
{{ config(enabled=(var('contact_center__cobrowser_ccc_enabled', true) and var('contact_center__cobrowser_enabled', true))) }}
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'ccc_agent_groups'), ['cccagent_id', 'cccgroup_id']) }}
)

select
  {{ source_account(source('cobrowser', 'ccc_agent_groups')) }} as source_account,
  {{ as_id('cccagent_id') }} as ccc_agent_id,
  {{ as_id('cccgroup_id') }} as ccc_group_id,
  {{ vendor_column('cccgroup_name') }} as ccc_group_name,
  {{ as_id('cccaccount_id') }} as ccc_account_id,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
