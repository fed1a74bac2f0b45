{#- The contact-center KPIs, each formula written once. The definitions are 8x8's published
    Metrics Glossary (CC Historical Analytics API, "Metrics Glossary", queue-interactions-summary
    and agent reports), restated with their source in models/marts/_kpis.yml and
    docs/KPIS.md. Every KPI is a ratio of two sums, so the same macro gives an interval's, a
    day's or a month's figure from the sums of fct_queue_intervals; a denominator of zero (no
    traffic) or unknown (a vendor that cannot provide the input) gives null, never 0. -#}

{#- A threshold in seconds: the project variable, unless the platform has its own
    (`contact_center__<name>_by_platform: {cobrowser: 30}`). name: sla_threshold_seconds or
    short_abandon_seconds. -#}
{% macro kpi_threshold(name, platform_column='platform') -%}
  {%- set default = var('contact_center__' ~ name) -%}
  {%- set overrides = var('contact_center__' ~ name ~ '_by_platform', {}) or {} -%}
  {%- if overrides -%}
    case {{ platform_column }}
    {%- for platform, seconds in overrides.items() %}
      when '{{ platform }}' then {{ seconds }}
    {%- endfor %}
      else {{ default }}
    end
  {%- else -%}
    {{ default }}
  {%- endif -%}
{%- endmacro %}

{#- numerator / denominator as a float; null when the denominator is 0 or null. -#}
{% macro kpi_ratio(numerator, denominator) -%}
  case
    when ({{ denominator }}) > 0
      then cast({{ numerator }} as {{ dbt.type_float() }}) / ({{ denominator }})
  end
{%- endmacro %}

{#- 8x8 slaPercentage: answered within the SLA threshold / entries excluding short abandons. -#}
{% macro kpi_service_level(answered_within_sla, offered, short_abandoned) -%}
  {{ kpi_ratio(answered_within_sla, offered ~ ' - ' ~ short_abandoned) }}
{%- endmacro %}

{#- 8x8 totalAbandonedPercentage: all abandons, short ones included / entries. -#}
{% macro kpi_abandonment_rate(abandoned, offered) -%}
  {{ kpi_ratio(abandoned, offered) }}
{%- endmacro %}

{#- An average in seconds: ASA (8x8 avgWaitBeforeAcceptedTime: the queue wait of the answered
    interactions) and AHT (8x8 avgHandlingTime: accept to finish, hold included). -#}
{% macro kpi_average_seconds(total_seconds, count) -%}
  {{ kpi_ratio(total_seconds, count) }}
{%- endmacro %}

{#- 8x8 busyTimePercentage: busy time / logged-in time, 0-1 (a busy time above the logged-in
    time, which a vendor's rounding can give, counts as fully busy). -#}
{% macro kpi_occupancy(busy_seconds, logged_in_seconds) -%}
  case
    when ({{ logged_in_seconds }}) > 0 then
      cast(case when ({{ busy_seconds }}) > ({{ logged_in_seconds }})
        then ({{ logged_in_seconds }}) else ({{ busy_seconds }}) end as {{ dbt.type_float() }})
      / ({{ logged_in_seconds }})
  end
{%- endmacro %}

{#- Per conversation: was it answered within the SLA threshold (a wait equal to the threshold
    is within: 8x8 counts answers "before the SLA time limit was exceeded")? Null when the
    vendor gives no wait for an answered conversation. -#}
{% macro kpi_is_answered_within_sla(was_answered, wait_seconds, platform_column='platform') -%}
  case
    when not {{ was_answered }} then 0
    when {{ wait_seconds }} is null then null
    when {{ wait_seconds }} <= {{ kpi_threshold('sla_threshold_seconds', platform_column) }} then 1
    else 0
  end
{%- endmacro %}

{#- Per conversation: a short abandon (8x8 shortAbandoned: the customer left the queue before
    the short-abandon threshold, strictly less). Null when an abandon's wait is unknown. -#}
{% macro kpi_is_short_abandon(was_abandoned, wait_seconds, platform_column='platform') -%}
  case
    when not {{ was_abandoned }} then 0
    when {{ wait_seconds }} is null then null
    when {{ wait_seconds }} < {{ kpi_threshold('short_abandon_seconds', platform_column) }} then 1
    else 0
  end
{%- endmacro %}

{#- The sum of a per-row 0/1/null expression: null as soon as one row is unknown (a sum over
    the known rows only would read as a count that is too small). -#}
{% macro sum_if_all_known(expression) -%}
  case when count(*) = count({{ expression }}) then sum({{ expression }}) end
{%- endmacro %}

{#- The 30-minute interval a UTC timestamp falls in. -#}
{% macro half_hour_start(timestamp) -%}
  {{ dbt.dateadd(
      'minute',
      '30 * cast(floor(extract(minute from ' ~ timestamp ~ ') / 30) as integer)',
      dbt.date_trunc('hour', timestamp)) }}
{%- endmacro %}

{#- A UTC timestamp (without zone) as the wall-clock time of the reporting time zone
    (var contact_center__reporting_timezone, an IANA name). -#}
{% macro to_reporting_timezone(timestamp) -%}
  {%- set zone = var('contact_center__reporting_timezone', 'UTC') -%}
  {%- if target.type == 'snowflake' -%}
    convert_timezone('UTC', '{{ zone }}', {{ timestamp }})
  {%- elif target.type == 'duckdb' -%}
    cast(timezone('{{ zone }}', timezone('UTC', {{ timestamp }})) as {{ dbt.type_timestamp() }})
  {%- else -%}
    (({{ timestamp }}) at time zone 'UTC') at time zone '{{ zone }}'
  {%- endif -%}
{%- endmacro %}
