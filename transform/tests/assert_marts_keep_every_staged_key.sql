-- Each mart has, per platform, exactly as many rows as its staging sources have distinct
-- keys (within each source_account): no row lost by a join or a filter, none doubled by a
-- fan-out. Returns the mismatches. It reads every staged key, so it runs weekly (tag
-- whole_history, dbt_project.yml), not in the daily build.
{{ config(tags=['whole_history']) }}
{% set checks = [] %}

{% if var('contact_center__oct8ne_enabled') %}
  {% do checks.append(("fct_conversations", "oct8ne", "select count(*) from (select distinct source_account, session_id from " ~ ref('stg_oct8ne__sessions') ~ ") as keys")) %}
  {% do checks.append(("dim_agents", "oct8ne", "select count(*) from (select distinct source_account, agent_id from " ~ ref('stg_oct8ne__sessions') ~ ") as keys")) %}
  {#- an agent day per person (not the bot) and UTC day with an attended session -#}
  {% do checks.append(("fct_agent_days", "oct8ne",
      "select count(*) from (select distinct source_account, agent_id, cast(started_at as date) as d from " ~ ref('stg_oct8ne__sessions')
      ~ " where is_attended and coalesce(agent_type, '') <> 'Bot' and agent_id is not null) as agent_days")) %}
{% endif %}
{% if var('contact_center__cobrowser_enabled') %}
  {% do checks.append(("fct_conversations", "cobrowser", "select count(*) from (select distinct source_account, conversation_id from " ~ ref('stg_cobrowser__conversations') ~ ") as keys")) %}
  {% do checks.append(("dim_agents", "cobrowser", "select count(*) from (select distinct source_account, agent_id from " ~ ref('stg_cobrowser__agents') ~ ") as keys")) %}
  {% do checks.append(("fct_agent_days", "cobrowser",
      "select count(*) from (select source_account, agent_id, cast(session_started_at as date) as d from " ~ ref('stg_cobrowser__agent_performance')
      ~ " union select source_account, agent_id, cast(started_at as date) from " ~ ref('stg_cobrowser__agent_activity')
      ~ " union select source_account, agent_id, cast(started_at as date) from " ~ ref('stg_cobrowser__conversations')
      ~ " where agent_id is not null) as agent_days")) %}
{% endif %}
{% if var('contact_center__chattonic_enabled') %}
  {% do checks.append(("fct_agent_days", "chattonic",
      "select count(*) from (select distinct source_account, agent_id, activity_date from " ~ ref('stg_chattonic__operator_stats_daily') ~ ") as agent_days")) %}
  {% do checks.append(("fct_conversations", "chattonic", "select count(*) from (select distinct source_account, conversation_id from " ~ ref('stg_chattonic__conversations') ~ ") as keys")) %}
  {% do checks.append(("dim_agents", "chattonic", "select count(*) from (select distinct source_account, agent_id from " ~ ref('stg_chattonic__operator_stats_daily') ~ ") as keys")) %}
{% endif %}
{% if var('contact_center__eight_by_eight_enabled') and var('contact_center__eight_by_eight_analytics_enabled') %}
  {% do checks.append(("fct_conversations", "8x8", "select count(*) from (select distinct source_account, interaction_id from " ~ ref('stg_eight_by_eight__interactions') ~ ") as keys")) %}
  {% do checks.append(("fct_agent_days", "8x8",
      "select count(*) from (select source_account, agent_id, cast(snapshot_at as date) as d from " ~ ref('stg_eight_by_eight__agents')
      ~ " union select source_account, agent_id, cast(changed_at as date) from " ~ ref('stg_eight_by_eight__agent_status_changes')
      ~ " union select source_account, agent_id, cast(created_at as date) from " ~ ref('stg_eight_by_eight__interactions')
      ~ " where is_answered) as agent_days")) %}
{% elif var('contact_center__eight_by_eight_enabled') %}
  {% do checks.append(("fct_agent_days", "8x8",
      "select count(*) from (select distinct source_account, agent_id, cast(snapshot_at as date) as d from " ~ ref('stg_eight_by_eight__agents') ~ ") as agent_days")) %}
{% endif %}
{% if var('contact_center__eight_by_eight_enabled') %}
  {% if var('contact_center__eight_by_eight_analytics_enabled') %}
  {% do checks.append(("dim_agents", "8x8",
      "select count(*) from (select source_account, agent_id from " ~ ref('stg_eight_by_eight__agents')
      ~ " union select source_account, agent_id from " ~ ref('stg_eight_by_eight__agent_status_changes')
      ~ " union select source_account, agent_id from " ~ ref('stg_eight_by_eight__interactions') ~ " where agent_id is not null) as agents")) %}
  {% else %}
  {% do checks.append(("dim_agents", "8x8", "select count(*) from (select distinct source_account, agent_id from " ~ ref('stg_eight_by_eight__agents') ~ ") as keys")) %}
  {% endif %}
  {% do checks.append(("fct_queue_snapshots", "8x8",
      "select count(*) from (select distinct source_account, queue_id, snapshot_at from " ~ ref('stg_eight_by_eight__queues') ~ ") as snapshots")) %}
{% endif %}
{% if var('contact_center__jaicp_enabled') %}
  {% do checks.append(("fct_conversations", "jaicp", "select count(*) from (select distinct source_account, session_id from " ~ ref('stg_jaicp__sessions') ~ ") as keys")) %}
  {% do checks.append(("fct_bot_days", "jaicp",
      "select count(*) from (select source_account, cast(started_at as date) as d from " ~ ref('stg_jaicp__sessions')
      ~ " union select source_account, activity_date from " ~ ref('stg_jaicp__switched_sessions_daily') ~ ") as bot_days")) %}
  {% do checks.append(("fct_messages", "jaicp",
      "select count(*) from (select distinct source_account, session_id, question_id from " ~ ref('stg_jaicp__messages') ~ ") as messages")) %}
{% endif %}

select * from (
{% for mart, platform, staged in checks %}
select
  '{{ mart }}' as mart,
  '{{ platform }}' as platform,
  (select count(*) from {{ ref(mart) }} where platform = '{{ platform }}') as mart_rows,
  ({{ staged }}) as staged_keys
{{ "union all" if not loop.last }}
{% endfor %}
) as counts
where mart_rows <> staged_keys
