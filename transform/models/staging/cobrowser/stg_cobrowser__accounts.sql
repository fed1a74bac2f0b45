-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- CoBrowser accounts (reference list).
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'accounts'), ['id']) }}
)

select
  {{ source_account(source('cobrowser', 'accounts')) }} as source_account,
  {{ as_id('id') }} as account_id,
  {{ vendor_column('name') }} as account_name,
  {{ vendor_column('postfix') }} as postfix,
  {{ as_id('reseller_id') }} as reseller_id,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
