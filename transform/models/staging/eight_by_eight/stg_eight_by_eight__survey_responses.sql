-- One row per answer to an 8x8 post-call survey question (Analytics for Contact Center,
-- detailed report detailed-reports-survey): the call it followed (conversation_id, the first
-- of the row's InteractionIds), when the survey started (UTC), and the answer. score is the
-- key the caller pressed on a scale question answered validly (8x8 publishes no other
-- per-question score); Skipped, Invalid and Recorded answers and yes/no questions have none.
{{ config(enabled=(var('contact_center__eight_by_eight_analytics_enabled', true) and var('contact_center__eight_by_eight_enabled', true))) }}
with answers as (
  {{ deduplicated(source('eight_by_eight', 'survey_responses'), ['SurveyId', 'interactionId', 'QuestionId', 'StartTime']) }}
),

typed as (
  select
    {{ source_account(source('eight_by_eight', 'survey_responses')) }} as source_account,
    {{ as_id('interactionId') }} as conversation_id,
    {{ as_utc('StartTime') }} as responded_at,
    {{ as_utc('EndTime') }} as survey_ended_at,
    {{ as_id('SurveyId') }} as survey_id,
    {{ vendor_column('SurveyName') }} as survey_name,
    {{ vendor_column('SurveyType') }} as survey_type,
    {{ as_id('QuestionId') }} as question_id,
    {{ vendor_column('QuestionTitle') }} as question_title,
    {{ vendor_column('QuestionType') }} as question_type,
    {{ vendor_column('AnswerType') }} as answer_type,
    {{ vendor_column('AnswerDigit') }} as answer_digit,
    cast({{ vendor_column('ScaleMin') }} as {{ dbt.type_int() }}) as scale_min,
    cast({{ vendor_column('ScaleMax') }} as {{ dbt.type_int() }}) as scale_max,
    {{ json_path_text('AgentIds', '[0]') }} as agent_id,
    {{ json_path_text('QueueIds', '[0]') }} as queue_id,
    cast({{ vendor_column('SurveyScorePercentage') }} as {{ dbt.type_float() }}) as survey_score_percentage,
    {{ vendor_column('_extra') }} as _extra,
    {{ as_utc('_sdc_batched_at') }} as _loaded_at
  from answers
)

select
  typed.*,
  case
    when answer_type = 'Valid' and question_type = 'scale'
      then cast(answer_digit as {{ dbt.type_int() }})
  end as score
from typed
