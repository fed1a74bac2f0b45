-- One row per queue per 30-minute interval (UTC) with the queue KPIs (service level, speed of
-- answer, handle time, abandonment), computed from the conversation grain: every vendor in
-- fct_conversations with an entered_queue conversation feeds it, with no change here.
-- One queue per platform and account (source_account). A conversation counts in the interval it started in (its entry into the queue). Every
-- interval between a queue's first and last conversation has a row: one with no traffic has
-- offered 0 and null ratios (no denominator), so charts draw it as zero traffic.
-- The formulas are the macros of macros/kpis.sql (8x8's Metrics Glossary); the sums are kept
-- so that a day's or a month's KPI is the same macro over summed columns.
-- built when one of its vendors is enabled
{{ config(enabled=(var('contact_center__oct8ne_enabled', true) or var('contact_center__cobrowser_enabled', true) or var('contact_center__jaicp_enabled', true) or var('contact_center__chattonic_enabled', true) or (var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)))) }}

with queued as (
  select
    platform,
    coalesce(source_account, 'default') as source_account,
    queue_id,
    queue_name,
    {{ half_hour_start('started_at') }} as interval_start,
    was_answered,
    was_abandoned,
    wait_seconds,
    handle_seconds,
    {{ kpi_is_answered_within_sla('was_answered', 'wait_seconds') }} as is_answered_within_sla,
    {{ kpi_is_short_abandon('was_abandoned', 'wait_seconds') }} as is_short_abandon
  from {{ ref('fct_conversations') }}
  where entered_queue
),

traffic as (
  select
    platform,
    source_account,
    queue_id,
    interval_start,
    max(queue_name) as queue_name,
    count(*) as offered,
    sum(case when was_answered then 1 else 0 end) as answered,
    sum(case when was_abandoned then 1 else 0 end) as abandoned,
    {{ sum_if_all_known('is_short_abandon') }} as short_abandoned,
    {{ sum_if_all_known('is_answered_within_sla') }} as answered_within_sla,
    -- the queue wait of the answered conversations (null when one of them has none)
    {{ sum_if_all_known('case when was_answered then wait_seconds else 0 end') }}
      as answered_wait_seconds,
    {{ sum_if_all_known('case when was_answered then handle_seconds else 0 end') }}
      as handle_seconds
  from queued
  group by 1, 2, 3, 4
),

-- 0..99999 (a year of half hours is 17,520)
digits as (
  {% for digit in range(10) %}select {{ digit }} as d{{ "\n  union all " if not loop.last }}{% endfor %}
),

numbers as (
  select ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d + 10000 * myriads.d as n
  from digits as ones
  cross join digits as tens
  cross join digits as hundreds
  cross join digits as thousands
  cross join digits as myriads
),

queues as (
  select
    platform,
    source_account,
    queue_id,
    max(queue_name) as queue_name,
    min(interval_start) as first_interval,
    {{ dbt.datediff('min(interval_start)', 'max(interval_start)', 'minute') }} / 30 as last_n
  from traffic
  group by 1, 2, 3
),

spine as (
  select
    queues.platform,
    queues.source_account,
    queues.queue_id,
    queues.queue_name,
    {{ dbt.dateadd('minute', '30 * numbers.n', 'queues.first_interval') }} as interval_start
  from queues
  inner join numbers on numbers.n <= queues.last_n
),

computed as (
  select
    spine.platform,
    spine.source_account,
    spine.queue_id,
    spine.queue_name,
    spine.interval_start,
    coalesce(traffic.offered, 0) as offered,
    coalesce(traffic.answered, 0) as answered,
    coalesce(traffic.abandoned, 0) as abandoned,
    case when traffic.offered is null then 0 else traffic.short_abandoned end as short_abandoned,
    case when traffic.offered is null then 0 else traffic.answered_within_sla end
      as answered_within_sla,
    case when traffic.offered is null then 0 else traffic.answered_wait_seconds end
      as answered_wait_seconds,
    case when traffic.offered is null then 0 else traffic.handle_seconds end as handle_seconds,
    'computed' as metric_source
  from spine
  left join traffic
    on spine.platform = traffic.platform
    and spine.source_account = traffic.source_account
    and spine.queue_id = traffic.queue_id
    and spine.interval_start = traffic.interval_start
),

intervals as (
  select * from computed
  {#- VENDOR BRANCH: the intervals a vendor reports itself (metric_source 'vendor'): 8x8's
      queue_intervals (Analytics for Contact Center; variable
      contact_center__eight_by_eight_queue_intervals_enabled). Its averages become sums, so a
      day's KPI is the same ratio. -#}
  {%- if var('contact_center__eight_by_eight_enabled') and var('contact_center__eight_by_eight_analytics_enabled') and var('contact_center__eight_by_eight_queue_intervals_enabled', false) %}
  union all
  select
    '8x8' as platform,
    reported.source_account,
    reported.queue_id,
    coalesce(names.queue_name, reported.queue_name) as queue_name,
    reported.interval_start,
    reported.offered,
    reported.answered,
    reported.abandoned,
    reported.short_abandoned,
    reported.answered_within_sla,
    reported.asa_seconds * reported.answered as answered_wait_seconds,
    reported.aht_seconds * reported.answered as handle_seconds,
    'vendor' as metric_source
  from {{ ref('stg_eight_by_eight__queue_intervals') }} as reported
  left join (
    select source_account, queue_id, max(queue_name) as queue_name
    from {{ ref('stg_eight_by_eight__queues') }}
    group by 1, 2
  ) as names
    on reported.source_account = names.source_account
    and reported.queue_id = names.queue_id
  {%- endif %}
)

select
  platform,
  source_account,
  queue_id,
  queue_name,
  interval_start,
  cast(offered as {{ dbt.type_bigint() }}) as offered,
  cast(answered as {{ dbt.type_bigint() }}) as answered,
  cast(abandoned as {{ dbt.type_bigint() }}) as abandoned,
  cast(short_abandoned as {{ dbt.type_bigint() }}) as short_abandoned,
  cast(answered_within_sla as {{ dbt.type_bigint() }}) as answered_within_sla,
  cast(answered_wait_seconds as {{ dbt.type_float() }}) as answered_wait_seconds,
  cast(handle_seconds as {{ dbt.type_float() }}) as handle_seconds,
  {{ kpi_service_level('answered_within_sla', 'offered', 'short_abandoned') }} as service_level,
  {{ kpi_average_seconds('answered_wait_seconds', 'answered') }} as asa_seconds,
  {{ kpi_average_seconds('handle_seconds', 'answered') }} as aht_seconds,
  {{ kpi_abandonment_rate('abandoned', 'offered') }} as abandonment_rate,
  metric_source
from intervals
