-- One row per rating or survey response, on one scale: score_normalized is 0 (worst) to 1
-- (best) whatever the vendor's scale. Sources today: Oct8ne's session rating (1-5 stars).
-- 8x8's post-call surveys (one csat row per surveyed call). Chat-Tonic's statistics carry
-- only averages (an operator-day NPS with its response count, an hourly CSAT), not
-- responses, so Chat-Tonic has no rows here. _marts.yml says how to add a source.
-- built when one of its vendors is enabled
{{ config(enabled=(var('contact_center__oct8ne_enabled', true) or (var('contact_center__eight_by_eight_enabled', true) and var('contact_center__eight_by_eight_analytics_enabled', true)))) }}
{% set branches = [] %}

{% if var('contact_center__oct8ne_enabled') %}
{% set oct8ne %}
-- Oct8ne's export has no rating time: a rating is given at the end of the session. Read
-- from fct_conversations (one row per session, its latest version, brought up to date by its
-- incremental run) rather than stg_oct8ne__sessions, which would de-duplicate every raw
-- session version of history on every run (docs/incremental.md).
select
  'oct8ne' as platform,
  source_account,
  conversation_id,
  ended_at as responded_at,
  'rating' as kind,
  cast(rating as {{ dbt.type_float() }}) as score,
  1 as scale_min,
  5 as scale_max,
  agent_id
from {{ ref('fct_conversations') }}
where platform = 'oct8ne' and rating is not null
{% endset %}
{% do branches.append(oct8ne) %}
{% endif %}

{% if var('contact_center__eight_by_eight_enabled') and var('contact_center__eight_by_eight_analytics_enabled', true) %}
{% set eight_by_eight %}
-- 8x8's post-call survey: one row per surveyed call (its latest survey), the mean of its
-- validly answered scale questions; Skipped/Invalid answers, yes/no and voice questions
-- carry no score
select
  '8x8' as platform,
  source_account,
  conversation_id,
  responded_at,
  'csat' as kind,
  avg(cast(score as {{ dbt.type_float() }})) as score,
  min(scale_min) as scale_min,
  max(scale_max) as scale_max,
  max(agent_id) as agent_id
from (
  select
    answers.*,
    max(responded_at) over (partition by source_account, conversation_id) as latest_survey_at
  from {{ ref('stg_eight_by_eight__survey_responses') }} as answers
  where question_type = 'scale' and score is not null
) as scored
where responded_at = latest_survey_at
group by source_account, conversation_id, responded_at
{% endset %}
{% do branches.append(eight_by_eight) %}
{% endif %}

with responses as (
  {{ union_platforms(branches) }}
)

select
  platform,
  coalesce(source_account, 'default') as source_account,
  conversation_id,
  responded_at,
  kind,
  score,
  cast(scale_min as {{ dbt.type_float() }}) as scale_min,
  cast(scale_max as {{ dbt.type_float() }}) as scale_max,
  {{ kpi_ratio('score - scale_min', 'scale_max - scale_min') }} as score_normalized,
  -- CSAT as the industry counts it: the share of responses in the top two points of the scale
  case when score >= scale_max - 1 then 1 else 0 end as is_satisfied,
  agent_id,
  case when agent_id is not null then {{ agent_key('platform', 'agent_id', 'source_account') }} end as agent_key
from responses
