{#- The hour and the traffic counts CoBrowser's accountspecshourly and hostspecshourly share
    (their HOURLY_COUNTS in tap_cobrowser/streams.py), renamed once for both models. -#}
{% macro cobrowser_hourly_columns() -%}
  {{ as_utc('hourBegin_time') }} as hour_started_at,
  {{ as_utc('hourEnd_time') }} as hour_ended_at,
  {%- for vendor, ours in [
      ('hourOfDay', 'hour_of_day'), ('num_vists', 'visits'), ('num_pageviews', 'pageviews'),
      ('num_visitors', 'visitors'), ('num_reactive', 'reactive_requests'),
      ('num_reactive_accepted', 'reactive_accepted'), ('num_proactive', 'proactive_invites'),
      ('num_proactive_accepted', 'proactive_accepted')] %}
  cast({{ vendor_column(vendor) }} as {{ dbt.type_bigint() }}) as {{ ours }},
  {%- endfor %}
{%- endmacro %}
