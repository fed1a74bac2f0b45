-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- CoBrowser websites (hosts) of the accounts (reference list).
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'hosts'), ['id']) }}
)

select
  {{ source_account(source('cobrowser', 'hosts')) }} as source_account,
  {{ as_id('id') }} as host_id,
  {{ vendor_column('hostname') }} as hostname,
  {{ as_id('account_id') }} as account_id,
  {{ as_id('multiple_acc_id') }} as multiple_account_id,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
