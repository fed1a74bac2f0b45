-- One row per 8x8 interaction (Analytics for Contact Center, detailed report
-- detailed-reports-interaction-details). An interaction still ongoing when it was read has
-- is_ongoing true and partial figures; the tap re-reads it within lookback_days and the final
-- row replaces it. The first participant is the agent who took it. Times UTC, seconds.
-- built when 8x8 and its Analytics streams are enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)) }}
with interactions as (
  {{ deduplicated(source('eight_by_eight', 'interactions'), ['interactionId']) }}
),

typed as (
  select
    {{ source_account(source('eight_by_eight', 'interactions')) }} as source_account,
    {{ as_id('interactionId') }} as interaction_id,
    {{ as_utc('time') }} as created_at,
    {{ as_utc('finishedTime') }} as finished_at,
    {{ vendor_column('ongoing') }} as is_ongoing,
    {{ as_id('queueId') }} as queue_id,
    {{ vendor_column('queueName') }} as queue_name,
    {{ vendor_column('mediaType') }} as media_type,
    {{ vendor_column('chatType') }} as chat_type,
    {{ vendor_column('direction') }} as direction,
    {{ vendor_column('outcome') }} as outcome,
    {{ vendor_column('state') }} as state,
    {{ vendor_column('terminatedBy') }} as terminated_by,
    {{ as_id('transactionId') }} as transaction_id,
    {{ as_id('channelId') }} as channel_id,
    {{ as_seconds('queueWaitDuration') }} as wait_seconds,
    {{ as_seconds('interactionDuration') }} as interaction_seconds,
    {{ as_seconds('ivrTreatmentDuration') }} as ivr_seconds,
    {{ as_seconds('timeToAbandon') }} as time_to_abandon_seconds,
    {{ json_path_text('participants', '[0].participantId') }} as agent_id,
    cast({{ json_path_text('participants', '[0].participantHandlingDuration') }} as {{ dbt.type_bigint() }}) as handle_seconds,
    cast({{ json_path_text('participants', '[0].participantHoldDuration') }} as {{ dbt.type_bigint() }}) as hold_seconds,
    cast({{ json_path_text('participants', '[0].participantWrapUpDuration') }} as {{ dbt.type_bigint() }}) as wrap_up_seconds,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from interactions
)

select
  typed.*,
  -- 8x8 counts an abandon from the queue; one under 5 seconds is a short abandon (summary
  -- guide 8.2.4, shortAbandoned)
  time_to_abandon_seconds is not null as is_abandoned,
  coalesce(time_to_abandon_seconds < 5, false) as is_short_abandoned,
  agent_id is not null as is_answered
from typed
