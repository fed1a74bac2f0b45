-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__cobrowser_enabled', true)) }}
-- CoBrowser proactive invitations per filter per hour.
with raw_rows as (
  {{ deduplicated(source('cobrowser', 'filter_stats_hourly'), ['id', 'hourBegin_time']) }}
)

select
  {{ source_account(source('cobrowser', 'filter_stats_hourly')) }} as source_account,
  {{ as_id('id') }} as filter_id,
  {{ vendor_column('filtername') }} as filter_name,
  {{ as_id('account_id') }} as account_id,
  {{ as_utc('hourBegin_time') }} as hour_started_at,
  {{ as_utc('hourEnd_time') }} as hour_ended_at,
  cast({{ vendor_column('hourOfDay') }} as {{ dbt.type_bigint() }}) as hour_of_day,
  cast({{ vendor_column('num_proactive') }} as {{ dbt.type_bigint() }}) as proactive_invites,
  cast({{ vendor_column('num_proactive_accepted') }} as {{ dbt.type_bigint() }}) as proactive_accepted,
  cast({{ vendor_column('num_proactive_declined') }} as {{ dbt.type_bigint() }}) as proactive_declined,
  cast({{ vendor_column('num_proactive_match') }} as {{ dbt.type_bigint() }}) as proactive_match,
  cast({{ vendor_column('num_proactive_cancelled') }} as {{ dbt.type_bigint() }}) as proactive_cancelled,
  cast({{ vendor_column('num_proactive_no_availability') }} as {{ dbt.type_bigint() }}) as proactive_no_availability,
  cast({{ vendor_column('num_proactive_expired') }} as {{ dbt.type_bigint() }}) as proactive_expired,
  cast({{ vendor_column('num_proactive_ignored') }} as {{ dbt.type_bigint() }}) as proactive_ignored,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from raw_rows
