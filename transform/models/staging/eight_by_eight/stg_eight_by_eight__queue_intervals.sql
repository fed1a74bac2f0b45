-- One row per 8x8 queue per 30 minutes (summary report queue-interactions-summary grouped by
-- queue). The column set the KPI mart unions: queue_id, interval_start (UTC), offered,
-- answered, abandoned, short_abandoned, answered_within_sla, asa_seconds, aht_seconds.
-- short_abandoned is not in this report (it is in queue-interactions-abandoned): it is counted
-- from the interactions created in the interval.
-- built when 8x8 and its Analytics streams are enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)) }}
with intervals as (
  {{ deduplicated(source('eight_by_eight', 'queue_intervals'), ['queueId', 'startTime']) }}
),

short_abandons as (
  select
    source_account,
    queue_id,
    {{ half_hour('created_at') }} as interval_start,
    count(*) as short_abandoned
  from {{ ref('stg_eight_by_eight__interactions') }}
  where is_short_abandoned
  group by 1, 2, 3
),

typed as (
  select
    {{ source_account(source('eight_by_eight', 'queue_intervals')) }} as source_account,
    {{ as_id('queueId') }} as queue_id,
    {{ as_utc('startTime') }} as interval_start,
    {{ as_utc('endTime') }} as interval_end,
    {{ vendor_column('queue') }} as queue_name,
    cast({{ vendor_column('entered') }} as {{ dbt.type_bigint() }}) as offered,
    cast({{ vendor_column('accepted') }} as {{ dbt.type_bigint() }}) as answered,
    cast({{ vendor_column('totalAbandoned') }} as {{ dbt.type_bigint() }}) as abandoned,
    cast({{ vendor_column('acceptedInSla') }} as {{ dbt.type_bigint() }}) as answered_within_sla,
    {{ as_seconds('avgWaitBeforeAcceptedTime') }} as asa_seconds,
    {{ as_seconds('avgHandlingTime') }} as aht_seconds,
    {{ as_seconds('avgWaitTime') }} as avg_wait_seconds,
    {{ as_seconds('longestWaitTime') }} as longest_wait_seconds,
    {{ as_seconds('handlingTime') }} as handling_seconds,
    {{ as_seconds('wrapUpTime') }} as wrap_up_seconds,
    {{ as_seconds('waitingInQueueTime') }} as waiting_seconds,
    {{ vendor_column('slaPercentage') }} as sla_percent,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from intervals
)

select
  typed.source_account,
  typed.queue_id,
  typed.interval_start,
  typed.interval_end,
  typed.queue_name,
  typed.offered,
  typed.answered,
  typed.abandoned,
  cast(coalesce(short_abandons.short_abandoned, 0) as {{ dbt.type_bigint() }}) as short_abandoned,
  typed.answered_within_sla,
  typed.asa_seconds,
  typed.aht_seconds,
  typed.avg_wait_seconds,
  typed.longest_wait_seconds,
  typed.handling_seconds,
  typed.wrap_up_seconds,
  typed.waiting_seconds,
  typed.sla_percent,
  typed._extra,
  typed._loaded_at
from typed
left join short_abandons
  on typed.source_account = short_abandons.source_account
  and typed.queue_id = short_abandons.queue_id
  and typed.interval_start = short_abandons.interval_start
