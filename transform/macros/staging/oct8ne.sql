{#- The SQL of the Oct8ne staging models that incremental marts read (stg_oct8ne__sessions).
    The staging view runs it whole; a mart's incremental run runs it with `loaded_since`,
    its watermark, which keeps only the raw rows loaded since before the de-duplication ranks
    versions (macros/incremental.sql, staged_since_last_build; docs/incremental.md). One SQL
    for both, so the incremental rows are the view's rows. -#}

{% macro stg_oct8ne__sessions_sql(loaded_since=none) -%}
  with sessions as (
    {{ deduplicated(source('oct8ne', 'sessions'), ['sessionId'], loaded_since) }}
  )

  select
    {{ source_account(source('oct8ne', 'sessions')) }} as source_account,
    {{ as_id('sessionId') }} as session_id,
    {{ as_utc('startDate') }} as started_at,
    {{ as_utc('endDate') }} as ended_at,
    {{ as_seconds('duration') }} as duration_seconds,
    {{ as_seconds('waitingTime') }} as wait_seconds,
    {{ as_id('agentId') }} as agent_id,
    {{ vendor_column('agentName') }} as agent_name,
    {{ vendor_column('agentType') }} as agent_type,
    {{ as_id('departmentId') }} as department_id,
    {{ vendor_column('departmentName') }} as department_name,
    {{ vendor_column('attended') }} as is_attended,
    {{ vendor_column('assistanceRequested') }} as is_assistance_requested,
    {{ vendor_column('sale') }} as is_sale,
    {{ vendor_column('saleAmount') }} as sale_amount,
    {{ as_id('visitorId') }} as visitor_id,
    {{ vendor_column('visitorName') }} as visitor_name,
    {{ vendor_column('country') }} as country,
    {{ vendor_column('browser') }} as browser,
    {{ vendor_column('device') }} as device,
    {{ vendor_column('url') }} as url,
    cast({{ vendor_column('messages') }} as {{ dbt.type_bigint() }}) as message_count,
    {{ vendor_column('rating') }} as rating,
    'web_chat' as channel,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from sessions
{%- endmacro %}
