{#- The SQL of the 8x8 staging models that incremental marts read
    (stg_eight_by_eight__interactions, stg_eight_by_eight__queues).
    The staging view runs it whole; a mart's incremental run runs it with `loaded_since`,
    its watermark, which keeps only the raw rows loaded since before the de-duplication ranks
    versions (macros/incremental.sql, staged_since_last_build; docs/incremental.md). One SQL
    for both, so the incremental rows are the view's rows. -#}

{% macro stg_eight_by_eight__interactions_sql(loaded_since=none) -%}
  with interactions as (
    {{ deduplicated(source('eight_by_eight', 'interactions'), ['interactionId'], loaded_since) }}
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
{%- endmacro %}

{% macro stg_eight_by_eight__queues_sql(loaded_since=none) -%}
  with queues as (
    {{ deduplicated(source('eight_by_eight', 'queues'), ['queue_id', 'snapshot_at'], loaded_since) }}
  )

  select
    {{ source_account(source('eight_by_eight', 'queues')) }} as source_account,
    {{ as_id('queue_id') }} as queue_id,
    {{ as_utc('snapshot_at') }} as snapshot_at,
    {{ vendor_column('queue_name') }} as queue_name,
    {{ vendor_column('media_type') }} as media_type,
    cast({{ vendor_column('queue_size') }} as {{ dbt.type_bigint() }}) as waiting,
    cast({{ vendor_column('number_in_progress') }} as {{ dbt.type_bigint() }}) as in_progress,
    {{ as_seconds('longest_wait_time') }} as longest_wait_seconds,
    cast({{ vendor_column('agent_count_busy') }} as {{ dbt.type_bigint() }}) as agents_busy,
    cast({{ vendor_column('agent_count_wait_transact') }} as {{ dbt.type_bigint() }}) as agents_waiting,
    cast({{ vendor_column('agent_count_on_break') }} as {{ dbt.type_bigint() }}) as agents_on_break,
    cast({{ vendor_column('assigned_agent_count') }} as {{ dbt.type_bigint() }}) as agents_assigned,
    cast({{ vendor_column('day_queued') }} as {{ dbt.type_bigint() }}) as day_queued,
    cast({{ vendor_column('day_accepted') }} as {{ dbt.type_bigint() }}) as day_accepted,
    cast({{ vendor_column('day_abandoned') }} as {{ dbt.type_bigint() }}) as day_abandoned,
    {{ as_seconds('day_avg_wait_time') }} as day_avg_wait_seconds,
    {{ vendor_column('sla_activity') }} as sla_percent,
    {{ vendor_column('sla_target') }} as sla_target_percent,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from queues
{%- endmacro %}
