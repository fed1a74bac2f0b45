-- The JAICP project's message label catalog (GET /message/labels: MessageLabelDto, each
-- label in one MessageLabelGroupDto). Messages carry these labels in their `labels` array;
-- this names them and their groups.
with labels as (
  {{ deduplicated(source('jaicp', 'message_labels'), ['id']) }}
)

select
  {{ as_id('id') }} as label_id,
  {{ vendor_column('name') }} as label_name,
  cast({{ vendor_column('priority') }} as {{ dbt.type_bigint() }}) as label_priority,
  {{ json_text('group', 'id') }} as label_group_id,
  {{ json_text('group', 'name') }} as label_group_name,
  cast({{ json_text('group', 'priority') }} as {{ dbt.type_bigint() }}) as label_group_priority,
  {{ vendor_column('_extra') }} as _extra,
  {{ as_utc('_sdc_batched_at') }} as _loaded_at
from labels
