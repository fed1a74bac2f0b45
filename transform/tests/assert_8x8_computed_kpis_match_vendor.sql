-- 8x8: the queue KPIs computed from its interactions (fct_conversations) agree, per queue and
-- day, with the ones 8x8 reports in queue_intervals, within contact_center__reconciliation_tolerance
-- (offered and answered relative, service level and abandonment absolute). Compared by day,
-- not interval: 8x8 counts an interaction where it ended, we where it started. Where they
-- differ beyond it, 8x8's figure is the one to trust for 8x8 (docs/KPIS.md). Returns the
-- queue-days that disagree.
{{ config(enabled=(var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true) and var('contact_center__eight_by_eight_queue_intervals_enabled', false))) }}
{% set tolerance = var('contact_center__reconciliation_tolerance') %}

with daily as (
  select
    source_account,
    queue_id,
    cast(interval_start as date) as day,
    metric_source,
    sum(offered) as offered,
    sum(answered) as answered,
    {{ kpi_service_level('sum(answered_within_sla)', 'sum(offered)', 'sum(short_abandoned)') }}
      as service_level,
    {{ kpi_abandonment_rate('sum(abandoned)', 'sum(offered)') }} as abandonment_rate
  from {{ ref('fct_queue_intervals') }}
  where platform = '8x8'
  group by 1, 2, 3, 4
)

select
  vendor.source_account,
  vendor.queue_id,
  vendor.day,
  computed.offered as computed_offered,
  vendor.offered as vendor_offered,
  computed.service_level as computed_service_level,
  vendor.service_level as vendor_service_level,
  computed.abandonment_rate as computed_abandonment_rate,
  vendor.abandonment_rate as vendor_abandonment_rate
from daily as vendor
left join daily as computed
  on computed.source_account = vendor.source_account
  and computed.queue_id = vendor.queue_id
  and computed.day = vendor.day
  and computed.metric_source = 'computed'
where vendor.metric_source = 'vendor'
  and (
    computed.queue_id is null
    or abs(computed.offered - vendor.offered) > {{ tolerance }} * vendor.offered
    or abs(computed.answered - vendor.answered) > {{ tolerance }} * vendor.answered
    or abs(coalesce(computed.service_level, 0) - coalesce(vendor.service_level, 0)) > {{ tolerance }}
    or abs(coalesce(computed.abandonment_rate, 0) - coalesce(vendor.abandonment_rate, 0)) > {{ tolerance }}
  )
