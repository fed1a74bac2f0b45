-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__chattonic_enabled', true)) }}
-- Chat-Tonic operator statistics, one row per operator per day (the day of the account's
-- `timezone`, as the tap asked for it). Times are seconds.
with stats as (
  {{ deduplicated(source('chattonic', 'operator_stats_daily'), ['operator_id', 'date']) }}
)

select
  {{ source_account(source('chattonic', 'operator_stats_daily')) }} as source_account,
  {{ as_id('operator_id') }} as agent_id,
  cast({{ vendor_column('date') }} as date) as activity_date,
  {{ vendor_column('displayName') }} as agent_name,
  {{ vendor_column('status') }} as status,
  {{ as_id('profile') }} as profile_id,
  {{ vendor_column('originsName') }} as origins_name,
  {{ as_seconds('onlineTime') }} as online_seconds,
  {{ as_seconds('awayTime') }} as away_seconds,
  {{ as_seconds('freeTime') }} as free_seconds,
  {{ as_seconds('sumDuration') }} as handling_seconds,
  cast({{ vendor_column('queriesAssigned') }} as {{ dbt.type_bigint() }}) as conversations_assigned,
  cast({{ vendor_column('queriesResolved') }} as {{ dbt.type_bigint() }}) as conversations_resolved,
  cast({{ vendor_column('queryInProgress') }} as {{ dbt.type_bigint() }}) as conversations_in_progress,
  {{ vendor_column('avgDurationResolved') }} as avg_resolution_seconds,
  {{ vendor_column('nps') }} as nps,
  cast({{ vendor_column('numberOfResponsesNps') }} as {{ dbt.type_bigint() }}) as nps_responses,
  {{ as_utc('lastConnection') }} as last_connected_at,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from stats
