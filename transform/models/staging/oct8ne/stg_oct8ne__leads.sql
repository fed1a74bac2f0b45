-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__oct8ne_enabled', true)) }}
-- Oct8ne leads (contact details left by visitors), one row per lead.
with leads as (
  {{ deduplicated(source('oct8ne', 'leads'), ['leadId']) }}
)

select
  {{ source_account(source('oct8ne', 'leads')) }} as source_account,
  {{ as_id('leadId') }} as lead_id,
  {{ as_id('sessionId') }} as session_id,
  {{ as_utc('creationDate') }} as created_at,
  {{ as_id('agentId') }} as agent_id,
  {{ as_id('departmentId') }} as department_id,
  {{ vendor_column('name') }} as lead_name,
  {{ vendor_column('email') }} as email,
  {{ vendor_column('phone') }} as phone,
  {{ vendor_column('comments') }} as comments,
  {{ vendor_column('url') }} as url,
  {{ vendor_column('country') }} as country,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from leads
