-- One row per 8x8 agent status change (detailed report detailed-reports-agent-status-change),
-- with the time until the agent's next change (null for the latest one). UTC.
-- built when 8x8 and its Analytics streams are enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)) }}
with changes as (
  {{ deduplicated(source('eight_by_eight', 'agent_status_changes'), ['agentId', 'time', 'status']) }}
),

typed as (
  select
    {{ source_account(source('eight_by_eight', 'agent_status_changes')) }} as source_account,
    {{ as_id('agentId') }} as agent_id,
    {{ as_utc('time') }} as changed_at,
    {{ vendor_column('status') }} as status,
    {{ vendor_column('agent') }} as agent_name,
    {{ as_id('agentGroupId') }} as group_id,
    {{ vendor_column('agentGroup') }} as group_name,
    {{ vendor_column('statusCode') }} as status_code,
    {{ as_id('statusCodeId') }} as status_code_id,
    {{ as_id('interactionId') }} as interaction_id,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from changes
)

select
  typed.*,
  lead(changed_at) over (partition by source_account, agent_id order by changed_at, status) as next_changed_at
from typed
