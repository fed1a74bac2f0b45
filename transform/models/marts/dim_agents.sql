-- One row per agent per platform with the latest name and status known. The vendors' agent
-- lists where they have one (CoBrowser, 8x8 snapshots, Chat-Tonic operators), else the
-- agents seen in conversations (Oct8ne exports no agent list). is_bot: a bot, never ranked
-- among agents (CoBrowser's, Chat-Tonic's and 8x8's agent lists hold people only).
-- built when one of its vendors is enabled
{{ config(enabled=(var('contact_center__oct8ne_enabled', true) or var('contact_center__cobrowser_enabled', true) or var('contact_center__chattonic_enabled', true) or var('contact_center__eight_by_eight_enabled', true))) }}
{% set branches = [] %}

{% if var('contact_center__oct8ne_enabled') %}
{% set oct8ne %}
-- Oct8ne names its bot's sessions' agentType Bot (its export's agentType filter)
select 'oct8ne' as platform, source_account, agent_id, agent_name, cast(null as {{ dbt.type_string() }}) as status,
  started_at as last_seen_at, coalesce(agent_type = 'Bot', false) as is_bot, 1 as _latest_first
from (
  select source_account, agent_id, agent_name, agent_type, started_at,
    row_number() over (partition by source_account, agent_id order by started_at desc) as _rank
  from {{ ref('stg_oct8ne__sessions') }}
  where agent_id is not null
) as seen
where _rank = 1
{% endset %}
{% do branches.append(oct8ne) %}
{% endif %}

{% if var('contact_center__cobrowser_enabled') %}
{% set cobrowser %}
select 'cobrowser' as platform, source_account, agent_id, agent_name,
  case when is_disabled then 'disabled' else 'enabled' end as status,
  _loaded_at as last_seen_at, false as is_bot, 1 as _latest_first
from {{ ref('stg_cobrowser__agents') }}
{% endset %}
{% do branches.append(cobrowser) %}
{% endif %}

{% if var('contact_center__chattonic_enabled') %}
{% set chattonic %}
select 'chattonic' as platform, source_account, agent_id, agent_name, status,
  cast(activity_date as {{ dbt.type_timestamp() }}) as last_seen_at, false as is_bot,
  row_number() over (partition by source_account, agent_id order by activity_date desc) as _latest_first
from {{ ref('stg_chattonic__operator_stats_daily') }}
{% endset %}
{% do branches.append(chattonic) %}
{% endif %}

{% if var('contact_center__eight_by_eight_enabled') %}
{% set eight_by_eight %}
-- the real-time snapshots and, with the Analytics streams, the agents' status changes and
-- the agents of interactions (an agent seen only in history is still an agent)
select '8x8' as platform, source_account, agent_id, agent_name, status, seen_at as last_seen_at,
  false as is_bot,
  row_number() over (partition by source_account, agent_id order by seen_at desc, agent_name) as _latest_first
from (
  select source_account, agent_id, agent_name, status, snapshot_at as seen_at
  from {{ ref('stg_eight_by_eight__agents') }}
  {%- if var('contact_center__eight_by_eight_analytics_enabled') %}
  union all
  select source_account, agent_id, agent_name, status, changed_at
  from {{ ref('stg_eight_by_eight__agent_status_changes') }}
  union all
  select source_account, agent_id, cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), created_at
  from {{ ref('stg_eight_by_eight__interactions') }}
  where agent_id is not null
  {%- endif %}
) as seen
{% endset %}
{% do branches.append(eight_by_eight) %}
{% endif %}

with agents as (
  {{ union_platforms(branches) }}
)

select
  platform,
  coalesce(source_account, 'default') as source_account,
  agent_id,
  {{ agent_key('platform', 'agent_id', 'source_account') }} as agent_key,
  agent_name,
  status,
  last_seen_at,
  is_bot
from agents
where _latest_first = 1
