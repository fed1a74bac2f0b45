-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__chattonic_enabled', true)) }}
-- Chat-Tonic's dashboard, one row per hour (UTC start of the hour).
with dashboard as (
  {{ deduplicated(source('chattonic', 'dashboard_hourly'), ['hour']) }}
)

select
  {{ source_account(source('chattonic', 'dashboard_hourly')) }} as source_account,
  {{ as_utc('hour') }} as hour_started_at,
  cast({{ vendor_column('newUsers') }} as {{ dbt.type_bigint() }}) as new_users,
  cast({{ vendor_column('activeUsers') }} as {{ dbt.type_bigint() }}) as active_users,
  cast({{ vendor_column('messagesReceived') }} as {{ dbt.type_bigint() }}) as messages_received,
  cast({{ vendor_column('messagesSent') }} as {{ dbt.type_bigint() }}) as messages_sent,
  cast({{ vendor_column('pending') }} as {{ dbt.type_bigint() }}) as conversations_pending,
  cast({{ vendor_column('progress') }} as {{ dbt.type_bigint() }}) as conversations_in_progress,
  cast({{ vendor_column('resolved') }} as {{ dbt.type_bigint() }}) as conversations_resolved,
  cast({{ vendor_column('failed') }} as {{ dbt.type_bigint() }}) as conversations_failed,
  {{ vendor_column('attention') }} as attention_rate,
  {{ vendor_column('resolution') }} as resolution_rate,
  {{ vendor_column('nps') }} as nps,
  {{ vendor_column('csat') }} as csat,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from dashboard
