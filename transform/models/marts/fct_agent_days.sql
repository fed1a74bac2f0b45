-- One row per agent per day: how long each agent was online and available, how long they
-- spent handling conversations and how many they took. Days are the vendor's days: the
-- account's time zone for Chat-Tonic, UTC for CoBrowser's and 8x8's timestamps.
-- built when one of its vendors is enabled
{{ config(enabled=(var('contact_center__chattonic_enabled', true) or var('contact_center__cobrowser_enabled', true) or var('contact_center__eight_by_eight_enabled', true))) }}
{% set branches = [] %}

{% if var('contact_center__chattonic_enabled') %}
{% set chattonic %}
select
  'chattonic' as platform,
  agent_id,
  activity_date,
  online_seconds,
  free_seconds as available_seconds,
  handling_seconds,
  away_seconds as break_seconds,
  conversations_assigned as conversations_handled
from {{ ref('stg_chattonic__operator_stats_daily') }}
{% endset %}
{% do branches.append(chattonic) %}
{% endif %}

{% if var('contact_center__cobrowser_enabled') %}
{% set cobrowser %}
select
  'cobrowser' as platform,
  coalesce(performance.agent_id, activity.agent_id) as agent_id,
  coalesce(performance.activity_date, activity.activity_date) as activity_date,
  coalesce(activity.online_seconds, performance.online_seconds) as online_seconds,
  performance.available_seconds,
  performance.handling_seconds,
  performance.break_seconds,
  performance.conversations_handled
from (
  select
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
      agent_id,
      login_session_id,
      min(session_started_at) as session_started_at,
      max(online_seconds) as online_seconds,
      max(available_seconds) as available_seconds,
      max(idle_seconds) as break_seconds,
      max(open_chat_seconds) as handling_seconds,
      sum(chats) as conversations_handled
    from {{ ref('stg_cobrowser__agent_performance') }}
    group by 1, 2
  ) as login_sessions
  group by 1, 2
) as performance
full outer join (
  -- the state log: seconds spent online, by the day the state began
  select
    agent_id,
    cast(started_at as date) as activity_date,
    sum(case when state = 'online' then duration_seconds else 0 end) as online_seconds
  from {{ ref('stg_cobrowser__agent_activity') }}
  group by 1, 2
) as activity
  on performance.agent_id = activity.agent_id
  and performance.activity_date = activity.activity_date
{% endset %}
{% do branches.append(cobrowser) %}
{% endif %}

{% if var('contact_center__eight_by_eight_enabled') %}
{% set eight_by_eight %}
-- 8x8's day_* counters accumulate through the day: its last snapshot holds the day's figures
select
  '8x8' as platform,
  agent_id,
  activity_date,
  day_login_seconds as online_seconds,
  day_available_seconds as available_seconds,
  day_processing_seconds as handling_seconds,
  day_break_seconds as break_seconds,
  day_accepted as conversations_handled
from (
  select
    snapshots.*,
    cast(snapshot_at as date) as activity_date,
    row_number() over (
      partition by agent_id, cast(snapshot_at as date) order by snapshot_at desc
    ) as _latest_first
  from {{ ref('stg_eight_by_eight__agents') }} as snapshots
) as ranked
where _latest_first = 1
{%- if var('contact_center__eight_by_eight_analytics_enabled') %}
  -- a day the status changes cover is taken from them (below), not from the snapshots
  and not exists (
    select 1
    from {{ ref('stg_eight_by_eight__agent_status_changes') }} as changes
    where changes.agent_id = ranked.agent_id
      and cast(changes.changed_at as date) = ranked.activity_date
  )
{%- endif %}
{% endset %}
{% do branches.append(eight_by_eight) %}
{% endif %}

{% if var('contact_center__eight_by_eight_enabled') and var('contact_center__eight_by_eight_analytics_enabled') %}
{% set eight_by_eight_status %}
-- 8x8 agent status changes (Analytics for Contact Center): each status lasts until the
-- agent's next change, counted on the day it began; interactions taken from the interactions
select
  '8x8' as platform,
  status_days.agent_id,
  status_days.activity_date,
  status_days.online_seconds,
  status_days.available_seconds,
  interaction_days.handling_seconds,
  status_days.break_seconds,
  interaction_days.conversations_handled
from (
  select
    agent_id,
    cast(changed_at as date) as activity_date,
    sum(case when status <> 'loggedOut' then {{ dbt.datediff('changed_at', 'next_changed_at', 'second') }} else 0 end) as online_seconds,
    sum(case when status = 'available' then {{ dbt.datediff('changed_at', 'next_changed_at', 'second') }} else 0 end) as available_seconds,
    sum(case when status = 'onBreak' then {{ dbt.datediff('changed_at', 'next_changed_at', 'second') }} else 0 end) as break_seconds
  from {{ ref('stg_eight_by_eight__agent_status_changes') }}
  group by 1, 2
) as status_days
left join (
  select
    agent_id,
    cast(created_at as date) as activity_date,
    sum(handle_seconds) as handling_seconds,
    count(*) as conversations_handled
  from {{ ref('stg_eight_by_eight__interactions') }}
  where agent_id is not null
  group by 1, 2
) as interaction_days
  on status_days.agent_id = interaction_days.agent_id
  and status_days.activity_date = interaction_days.activity_date
{% endset %}
{% do branches.append(eight_by_eight_status) %}
{% endif %}

with agent_days as (
  {{ union_platforms(branches) }}
)

select
  platform,
  agent_id,
  {{ agent_key('platform', 'agent_id') }} as agent_key,
  activity_date,
  cast(online_seconds as {{ dbt.type_bigint() }}) as online_seconds,
  cast(available_seconds as {{ dbt.type_bigint() }}) as available_seconds,
  cast(handling_seconds as {{ dbt.type_bigint() }}) as handling_seconds,
  cast(break_seconds as {{ dbt.type_bigint() }}) as break_seconds,
  cast(conversations_handled as {{ dbt.type_bigint() }}) as conversations_handled,
  case
    when online_seconds > 0 then cast(handling_seconds as {{ dbt.type_float() }}) / online_seconds
  end as utilisation
from agent_days
