-- One row per agent per day: how long each agent was online, available and busy (the
-- vendor's status time: Chat-Tonic, CoBrowser, 8x8) and the conversations they handled
-- (fct_conversations: Oct8ne, CoBrowser, and any vendor added to the conversation grain).
-- Status days are the vendor's days (the account's time zone for Chat-Tonic, UTC for
-- CoBrowser's and 8x8's timestamps); conversation days are UTC days of started_at.
-- conversations_handled is the vendor's own agent-report count, handled is ours from
-- fct_conversations: _marts.yml says why they differ. Bots (Oct8ne's) are not agents here.
-- built when one of its vendors is enabled
{{ config(enabled=(var('contact_center__oct8ne_enabled', true) or var('contact_center__chattonic_enabled', true) or var('contact_center__cobrowser_enabled', true) or var('contact_center__eight_by_eight_enabled', true))) }}
{% set eight_by_eight_analytics = var('contact_center__eight_by_eight_enabled') and var('contact_center__eight_by_eight_analytics_enabled') %}
{% set conversations_enabled = var('contact_center__oct8ne_enabled') or var('contact_center__cobrowser_enabled') or var('contact_center__jaicp_enabled') or eight_by_eight_analytics %}
{% set branches = [] %}

{% if var('contact_center__chattonic_enabled') %}
{% set chattonic %}
select
  'chattonic' as platform,
  source_account,
  agent_id,
  activity_date,
  online_seconds,
  free_seconds as available_seconds,
  handling_seconds,
  away_seconds as break_seconds,
  -- assumption: Chat-Tonic documents these by example only; online time that is neither
  -- free (no conversation) nor away is busy
  online_seconds - coalesce(free_seconds, 0) - coalesce(away_seconds, 0) as busy_seconds,
  conversations_assigned as conversations_handled
from {{ ref('stg_chattonic__operator_stats_daily') }}
{% endset %}
{% do branches.append(chattonic) %}
{% endif %}

{% if var('contact_center__cobrowser_enabled') %}
{% set cobrowser %}
select
  'cobrowser' as platform,
  coalesce(performance.source_account, activity.source_account) as source_account,
  coalesce(performance.agent_id, activity.agent_id) as agent_id,
  coalesce(performance.activity_date, activity.activity_date) as activity_date,
  coalesce(activity.online_seconds, performance.online_seconds) as online_seconds,
  performance.available_seconds,
  performance.handling_seconds,
  performance.break_seconds,
  -- openDuration: time during which any of the agent's chats was open (not a sum per chat)
  performance.handling_seconds as busy_seconds,
  performance.conversations_handled
from (
  select
    source_account,
    agent_id,
    cast(session_started_at as date) as activity_date,
    sum(online_seconds) as online_seconds,
    sum(available_seconds) as available_seconds,
    sum(handling_seconds) as handling_seconds,
    sum(break_seconds) as break_seconds,
    sum(conversations_handled) as conversations_handled
  from (
    -- a login session has one row per preset: its online, available, idle and open-chat times repeat
    -- on each (taken once); its chats are the preset's (added up)
    select
      source_account,
      agent_id,
      login_session_id,
      min(session_started_at) as session_started_at,
      max(online_seconds) as online_seconds,
      max(available_seconds) as available_seconds,
      max(idle_seconds) as break_seconds,
      max(open_chat_seconds) as handling_seconds,
      sum(chats) as conversations_handled
    from {{ ref('stg_cobrowser__agent_performance') }}
    group by 1, 2, 3
  ) as login_sessions
  group by 1, 2, 3
) as performance
full outer join (
  -- the state log: seconds spent online, by the day the state began
  select
    source_account,
    agent_id,
    cast(started_at as date) as activity_date,
    sum(case when state = 'online' then duration_seconds else 0 end) as online_seconds
  from {{ ref('stg_cobrowser__agent_activity') }}
  group by 1, 2, 3
) as activity
  on performance.source_account = activity.source_account
  and performance.agent_id = activity.agent_id
  and performance.activity_date = activity.activity_date
{% endset %}
{% do branches.append(cobrowser) %}
{% endif %}

{% if var('contact_center__eight_by_eight_enabled') %}
{% set eight_by_eight %}
-- 8x8's day_* counters accumulate through the day: its last snapshot holds the day's figures
select
  '8x8' as platform,
  source_account,
  agent_id,
  activity_date,
  day_login_seconds as online_seconds,
  day_available_seconds as available_seconds,
  day_processing_seconds as handling_seconds,
  day_break_seconds as break_seconds,
  -- processing: handling and wrap-up (8x8's busy time adds the offering seconds it does not give)
  day_processing_seconds as busy_seconds,
  day_accepted as conversations_handled
from (
  select
    snapshots.*,
    cast(snapshot_at as date) as activity_date,
    row_number() over (
      partition by source_account, agent_id, cast(snapshot_at as date) order by snapshot_at desc
    ) as _latest_first
  from {{ ref('stg_eight_by_eight__agents') }} as snapshots
) as ranked
where _latest_first = 1
{%- if eight_by_eight_analytics %}
  -- a day the status changes cover is taken from them (below), not from the snapshots
  and not exists (
    select 1
    from {{ ref('stg_eight_by_eight__agent_status_changes') }} as changes
    where changes.source_account = ranked.source_account
      and changes.agent_id = ranked.agent_id
      and cast(changes.changed_at as date) = ranked.activity_date
  )
{%- endif %}
{% endset %}
{% do branches.append(eight_by_eight) %}
{% endif %}

{% if eight_by_eight_analytics %}
{% set eight_by_eight_status %}
-- 8x8 agent status changes (Analytics for Contact Center): each status lasts until the
-- agent's next change, counted on the (UTC) day it began. Logged in: every status but
-- loggedOut; available: `available`; break: `onBreak`. Busy is 8x8's processing time of the
-- interactions the agent accepted that day (handling + wrap-up, participantHandlingDuration +
-- participantWrapUpDuration), as the snapshot branch's day_processing_time: the status report
-- carries the interaction states (handling, wrapUp, ...) only when 8x8 logs them per
-- interaction, so the interactions are the one source that always has them.
select
  '8x8' as platform,
  status_days.source_account,
  status_days.agent_id,
  status_days.activity_date,
  status_days.online_seconds,
  status_days.available_seconds,
  interaction_days.handling_seconds,
  status_days.break_seconds,
  interaction_days.processing_seconds as busy_seconds,
  interaction_days.conversations_handled
from (
  select
    source_account,
    agent_id,
    cast(changed_at as date) as activity_date,
    sum(case when status <> 'loggedOut' then {{ dbt.datediff('changed_at', 'next_changed_at', 'second') }} else 0 end) as online_seconds,
    sum(case when status = 'available' then {{ dbt.datediff('changed_at', 'next_changed_at', 'second') }} else 0 end) as available_seconds,
    sum(case when status = 'onBreak' then {{ dbt.datediff('changed_at', 'next_changed_at', 'second') }} else 0 end) as break_seconds
  from {{ ref('stg_eight_by_eight__agent_status_changes') }}
  group by 1, 2, 3
) as status_days
-- a day with interactions but no status change comes in with fct_conversations (handled)
left join (
  select
    source_account,
    agent_id,
    cast(created_at as date) as activity_date,
    sum(handle_seconds) as handling_seconds,
    sum(coalesce(handle_seconds, 0) + coalesce(wrap_up_seconds, 0)) as processing_seconds,
    count(*) as conversations_handled
  from {{ ref('stg_eight_by_eight__interactions') }}
  where agent_id is not null
  group by 1, 2, 3
) as interaction_days
  on status_days.source_account = interaction_days.source_account
  and status_days.agent_id = interaction_days.agent_id
  and status_days.activity_date = interaction_days.activity_date
{% endset %}
{% do branches.append(eight_by_eight_status) %}
{% endif %}

with status_days as (
  {%- if branches %}
  {{ union_platforms(branches) }}
  {%- else %}
  select
    cast(null as {{ dbt.type_string() }}) as platform, cast(null as {{ dbt.type_string() }}) as source_account,
    cast(null as {{ dbt.type_string() }}) as agent_id,
    cast(null as date) as activity_date, cast(null as {{ dbt.type_bigint() }}) as online_seconds,
    cast(null as {{ dbt.type_bigint() }}) as available_seconds, cast(null as {{ dbt.type_bigint() }}) as handling_seconds,
    cast(null as {{ dbt.type_bigint() }}) as break_seconds, cast(null as {{ dbt.type_bigint() }}) as busy_seconds,
    cast(null as {{ dbt.type_bigint() }}) as conversations_handled
  where 1 = 0
  {%- endif %}
),

conversation_days as (
  {%- if conversations_enabled %}
  -- conversations a person (not a bot) took, by the UTC day they started
  select
    platform,
    coalesce(source_account, 'default') as source_account,
    agent_id,
    started_on as activity_date,
    count(*) as handled,
    sum(handle_seconds) as handle_seconds_total,
    count(handle_seconds) as handle_seconds_known
  from {{ ref('fct_conversations') }}
  where attended and not handled_by_bot and agent_id is not null
  group by 1, 2, 3, 4
  {%- else %}
  select
    cast(null as {{ dbt.type_string() }}) as platform, cast(null as {{ dbt.type_string() }}) as source_account,
    cast(null as {{ dbt.type_string() }}) as agent_id,
    cast(null as date) as activity_date, 0 as handled, 0 as handle_seconds_total, 0 as handle_seconds_known
  where 1 = 0
  {%- endif %}
),

agent_days as (
  select
    coalesce(status_days.platform, conversation_days.platform) as platform,
    coalesce(status_days.source_account, conversation_days.source_account) as source_account,
    coalesce(status_days.agent_id, conversation_days.agent_id) as agent_id,
    coalesce(status_days.activity_date, conversation_days.activity_date) as activity_date,
    status_days.online_seconds,
    status_days.available_seconds,
    status_days.handling_seconds,
    status_days.break_seconds,
    status_days.busy_seconds,
    status_days.conversations_handled,
    -- a vendor with agents on the conversation grain took none that day: 0; one without: null
    case
      when conversation_days.handled is not null then conversation_days.handled
      when coalesce(status_days.platform, conversation_days.platform) in (
        select distinct platform from conversation_days
      ) then 0
    end as handled,
    conversation_days.handle_seconds_total,
    conversation_days.handle_seconds_known
  from status_days
  full outer join conversation_days
    on status_days.platform = conversation_days.platform
    and status_days.source_account = conversation_days.source_account
    and status_days.agent_id = conversation_days.agent_id
    and status_days.activity_date = conversation_days.activity_date
)

select
  platform,
  source_account,
  agent_id,
  {{ agent_key('platform', 'agent_id', 'source_account') }} as agent_key,
  activity_date,
  cast(online_seconds as {{ dbt.type_bigint() }}) as online_seconds,
  cast(available_seconds as {{ dbt.type_bigint() }}) as available_seconds,
  cast(handling_seconds as {{ dbt.type_bigint() }}) as handling_seconds,
  cast(break_seconds as {{ dbt.type_bigint() }}) as break_seconds,
  cast(busy_seconds as {{ dbt.type_bigint() }}) as busy_seconds,
  cast(conversations_handled as {{ dbt.type_bigint() }}) as conversations_handled,
  cast(handled as {{ dbt.type_bigint() }}) as handled,
  cast(handle_seconds_total as {{ dbt.type_bigint() }}) as handle_seconds_total,
  {{ kpi_average_seconds('handle_seconds_total', 'handle_seconds_known') }} as aht_seconds,
  {{ kpi_occupancy('busy_seconds', 'online_seconds') }} as occupancy,
  {{ kpi_ratio('handling_seconds', 'online_seconds') }} as utilisation
from agent_days
