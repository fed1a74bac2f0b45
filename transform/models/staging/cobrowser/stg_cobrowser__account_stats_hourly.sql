-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- CoBrowser traffic and chat requests per account per hour.
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'account_stats_hourly'), ['account_id', 'hourBegin_time']) }}
)

select
  {{ source_account(source('cobrowser', 'account_stats_hourly')) }} as source_account,
  {{ as_id('account_id') }} as account_id,
  {{ cobrowser_hourly_columns() }}
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
