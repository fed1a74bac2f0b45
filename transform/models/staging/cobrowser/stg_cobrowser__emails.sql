-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- E-mails sent from CoBrowser (mostly transcripts).
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'emails'), ['id']) }}
)

select
  {{ source_account(source('cobrowser', 'emails')) }} as source_account,
  {{ as_id('id') }} as email_id,
  {{ as_id('browse_id') }} as browse_id,
  {{ as_utc('timestamp') }} as sent_at,
  {{ as_id('agent_id') }} as agent_id,
  {{ as_id('account_id') }} as account_id,
  {{ vendor_column('from') }} as from_address,
  {{ vendor_column('to') }} as to_address,
  {{ vendor_column('bcc') }} as bcc_address,
  {{ vendor_column('subject') }} as subject,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
