-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__jaicp_enabled', true)) }}
-- JAICP clients (the project's end users), one row per client: the Reporter API's
-- ClientExtendedInfo, whose id (a string) is the client's id in its channel.
with clients as (
  {{ deduplicated(source('jaicp', 'clients'), ['id']) }}
)

select
  {{ source_account(source('jaicp', 'clients')) }} as source_account,
  {{ as_id('id') }} as client_id,
  {{ as_id('id') }} as channel_client_id,
  {{ vendor_column('firstName') }} as first_name,
  {{ vendor_column('lastName') }} as last_name,
  {{ vendor_column('channelType') }} as channel_type,
  {{ vendor_column('isBlocked') }} as is_blocked,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from clients
