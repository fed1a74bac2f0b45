-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__jaicp_enabled', true)) }}
-- JAICP sessions per session label per UTC day (POST /stats/session-labels,
-- SessionLabelStatsDto with intervalType DAY): one row per label and day, days without a
-- labelled session included (count 0). `ts` is the day's start in epoch milliseconds (UTC).
with stats as (
  {{ deduplicated(source('jaicp', 'session_label_stats'), ['labelId', 'ts']) }}
)

select
  {{ source_account(source('jaicp', 'session_label_stats')) }} as source_account,
  {{ as_id('labelId') }} as label_id,
  {{ json_text('label', 'name') }} as label_name,
  cast({{ as_utc('intervalStart') }} as date) as activity_date,
  {{ as_utc('intervalStart') }} as interval_started_at,
  lower({{ vendor_column('intervalType') }}) as interval_type,
  cast({{ vendor_column('value') }} as {{ dbt.type_bigint() }}) as labelled_session_count,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from stats
