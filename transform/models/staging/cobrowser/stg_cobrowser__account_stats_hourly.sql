-- CoBrowser traffic and chat requests per account per hour.
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'account_stats_hourly'), ['account_id', 'hourBegin_time']) }}
)

select
  {{ as_id('account_id') }} as account_id,
  {{ as_utc('hourBegin_time') }} as hour_started_at,
  {{ as_utc('hourEnd_time') }} as hour_ended_at,
  cast({{ vendor_column('hourOfDay') }} as {{ dbt.type_bigint() }}) as hour_of_day,
  cast({{ vendor_column('num_vists') }} as {{ dbt.type_bigint() }}) as visits,
  cast({{ vendor_column('num_pageviews') }} as {{ dbt.type_bigint() }}) as pageviews,
  cast({{ vendor_column('num_visitors') }} as {{ dbt.type_bigint() }}) as visitors,
  cast({{ vendor_column('num_reactive') }} as {{ dbt.type_bigint() }}) as reactive_requests,
  cast({{ vendor_column('num_reactive_accepted') }} as {{ dbt.type_bigint() }}) as reactive_accepted,
  cast({{ vendor_column('num_proactive') }} as {{ dbt.type_bigint() }}) as proactive_invites,
  cast({{ vendor_column('num_proactive_accepted') }} as {{ dbt.type_bigint() }}) as proactive_accepted,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
