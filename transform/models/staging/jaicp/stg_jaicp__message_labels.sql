-- built when its vendor is enabled (a team's vars reach an installed package from here)
{{ config(enabled=var('contact_center__jaicp_enabled', true)) }}
-- The JAICP project's message label catalog (GET /message/labels: MessageLabelDto, each
-- label in one MessageLabelGroupDto). Messages carry these labels in their `labels` array;
-- this names them and their groups.
with labels as (
  {{ deduplicated(source('jaicp', 'message_labels'), ['id']) }}
),

-- `group` is a reserved word: Snowflake's loader creates the column quoted ("GROUP"), so
-- it is renamed once here, then read like any object column
grouped as (
  select
    labels.*,
    {% if target.type == 'snowflake' %}"GROUP"{% else %}"group"{% endif %} as label_group
  from labels
)

select
  {{ source_account(source('jaicp', 'message_labels')) }} as source_account,
  {{ as_id('id') }} as label_id,
  {{ vendor_column('name') }} as label_name,
  cast({{ vendor_column('priority') }} as {{ dbt.type_bigint() }}) as label_priority,
  {{ json_text('label_group', 'id') }} as label_group_id,
  {{ json_text('label_group', 'name') }} as label_group_name,
  cast({{ json_text('label_group', 'priority') }} as {{ dbt.type_bigint() }}) as label_group_priority,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from grouped
