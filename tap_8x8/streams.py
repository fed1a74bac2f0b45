"""8x8 streams: snapshots of every agent and every queue, one row each per run.

Every documented field is declared in snake_case (the table of the vendor doc, plus the
fields of its example item), counts and seconds as integers, percentages as numbers. Ids
whose type the doc does not give (`queue_id`, `group_id`, `status_code_list_id`) are
strings; codes with documented meanings (statuses, media) stay integers with their labels.

Compared with what 8x8 publishes beyond that doc (no OpenAPI description of this API exists):
8x8's help-centre article "Real Time Statistics Reporting API for 8x8 Contact Center" has the
same text; two public clients of the API (Cognigy/Extensions, `extensions/8x8`, and
dbaileygsn/CallQueueMonitorDisplay, `Models/QueueList.cs`) declare exactly the 31 queue
fields here; 8x8's developer docs for the sibling Agent Status API
(8x8Cloud/public-developer-docs, `cc-managing-agent-status.md`), which says its status ids
are those of this API, show tenant-defined status code items (`1722`-`1726` in list `801`)
beside the documented 0-6, so an item id outside 0-6 is a tenant's own code (its meaning is
`status_code_item_short_code`), not a vendor change. The same docs give `status-code-list-id`
as a number; it is kept a string here (an identifier, lossless, and changing a loaded
column's type breaks existing tables). 8x8 now advises new projects to use its Analytics for
Contact Center real-time metrics API (different endpoints, OAuth and metric names).
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_8x8.client import EightByEightStream, minus_one_is_null, utc_seconds_to_iso
from tapkit.converters import to_float
from tapkit.records import extra_property

EXTRA = extra_property("8x8", spelling="names in snake_case")
SNAPSHOT_AT = th.Property(
    "snapshot_at",
    th.DateTimeType,
    required=True,
    description="UTC time the response arrived; the same for every row of one response.",
)

AGENT_STATUS = {
    0: "available",
    1: "transaction offered",
    2: "busy",
    3: "post processing",
    4: "on break",
    5: "work offline",
    9: "logged out",
}
AGENT_MEDIA = {
    0: "no media since system start",
    1: "phone",
    2: "chat",
    3: "email",
    4: "voice mail",
}
PHONE_LINE1_STATUS = {
    -1: "not in use",
    0: "idle or at post-processing",
    1: "on hold",
    2: "on mute",
    3: "being offered with transaction",
    4: "monitoring",
    5: "busy",
}
PHONE_LINE2_STATUS = {
    -1: "not in use",
    0: "being offered with transaction",
    1: "on hold",
    2: "on mute",
    3: "error",
    4: "monitoring",
    5: "busy",
}
STATUS_CODE_ITEM = {
    0: "session closed from Jabber",
    1: "session timed out",
    2: "maintenance mode",
    3: "logout from Operation Dashboard",
    4: "call ignored from phone",
    5: "interaction timed out",
    6: "agent relogin",
}


def _seconds(name: str, description: str = "") -> th.Property[t.Any]:
    return th.Property(name, th.IntegerType, description=f"{description} Seconds.".strip())


def _count(name: str, description: str = "") -> th.Property[t.Any]:
    return th.Property(name, th.IntegerType, description=description or None)


def _label(name: str, code: str) -> th.Property[t.Any]:
    return th.Property(name, th.StringType, description=f"Meaning of {code}, from 8x8's docs.")


class AgentsStream(EightByEightStream):
    """Every agent's real-time state and today's / the last 30 minutes' figures."""

    name = "agents"
    singular, plural, ids_setting = "agent", "agents", "agent_ids"
    primary_keys = ("agent_id", "snapshot_at")
    code_labels: t.ClassVar = {
        "agent_status": ("agent_status_label", AGENT_STATUS),
        "agent_media_id": ("agent_media_label", AGENT_MEDIA),
        "phone_line1_status": ("phone_line1_status_label", PHONE_LINE1_STATUS),
        "phone_line2_status": ("phone_line2_status_label", PHONE_LINE2_STATUS),
        "status_code_item_id": ("status_code_item_label", STATUS_CODE_ITEM),
    }
    #: tenants define their own status codes beside 8x8's 0-6 (see the module docstring)
    tenant_code_fields: t.ClassVar = frozenset({"status_code_item_id"})
    converters: t.ClassVar = {"last_login_time": utc_seconds_to_iso}
    schema = th.PropertiesList(
        th.Property("agent_id", th.StringType, required=True, description="Agent login ID."),
        SNAPSHOT_AT,
        th.Property("agent_name", th.StringType, description="Firstname Lastname."),
        th.Property("agent_guid", th.StringType),
        _count("agent_status", "Current status code (see agent_status_label)."),
        _label("agent_status_label", "agent_status"),
        th.Property("agent_sub_status", th.StringType, description="For multi-chat agents."),
        _count("agent_media_id", "Media of the last or current transaction (code)."),
        _label("agent_media_label", "agent_media_id"),
        _count("assigned_skill_count"),
        _count("enabled_skill_count"),
        th.Property("group_id", th.StringType, description="Group the agent belongs to."),
        th.Property(
            "last_login_time",
            th.DateTimeType,
            description="Last login (UTC); null when 8x8 has no record since a restart (-1).",
        ),
        _count("phone_line1_status", "Phone line 1 status code."),
        _label("phone_line1_status_label", "phone_line1_status"),
        _seconds("phone_line1_status_time", "Time in the phone line 1 status."),
        _count("phone_line2_status", "Phone line 2 status code."),
        _label("phone_line2_status_label", "phone_line2_status"),
        _seconds("phone_line2_status_time", "Time in the phone line 2 status."),
        _count("status_code_item_id", "Code of the agent's current status code."),
        _label("status_code_item_label", "status_code_item_id"),
        th.Property("status_code_item_short_code", th.StringType),
        th.Property("status_code_list_id", th.StringType),
        _seconds("time_in_status", "Time in the current status."),
        _count("day_accepted_count", "Accepted today."),
        _seconds("day_available_time", "Available today."),
        _seconds("day_avg_processing_time", "Average processing today."),
        _seconds("day_break_time", "On break today."),
        _seconds("day_login_time", "Logged in today."),
        _seconds("day_offline_time", "Working offline today."),
        _seconds("day_processing_time", "Processing today."),
        _count("day_rejected_count", "Rejected today."),
        _seconds("day_wrap_up_time", "Wrap-up today."),
        _count("thirty_min_accepted_count", "Accepted in the last 30 minutes."),
        _seconds("thirty_min_available_time", "Available in the last 30 minutes (average)."),
        _seconds("thirty_min_avg_handling_time", "Average handling, last 30 minutes."),
        _seconds("thirty_min_break_time", "On break in the last 30 minutes."),
        _seconds("thirty_min_offline_time", "Working offline in the last 30 minutes."),
        _seconds("thirty_min_processing_time", "Processing in the last 30 minutes."),
        _count("thirty_min_rejected_count", "Rejected in the last 30 minutes."),
        _seconds("thirty_min_wrap_up_time", "Wrap-up in the last 30 minutes."),
        _count("active_customer_chat_count", "Undocumented beyond the example; -1 as sent."),
        _seconds("longest_active_customer_chat_duration", "-1 as sent."),
        _count("max_concurrent_customer_chat"),
        _count("idle_start_time", "Undocumented beyond the example; kept as sent (-1 too)."),
        EXTRA,
    ).to_dict()


class QueuesStream(EightByEightStream):
    """Every queue's real-time load and today's / the last 30 minutes' figures."""

    name = "queues"
    singular, plural, ids_setting = "queue", "queues", "queue_ids"
    primary_keys = ("queue_id", "snapshot_at")
    converters: t.ClassVar = {"thirty_min_sla_activity": minus_one_is_null(to_float)}
    schema = th.PropertiesList(
        th.Property("queue_id", th.StringType, required=True, description="As on the CM tab."),
        SNAPSHOT_AT,
        th.Property("queue_name", th.StringType),
        th.Property("queue_type", th.StringType),
        th.Property("media_type", th.StringType, description="phone, chat, vmail or email."),
        _count("agent_count_busy", "Agents busy (this and other queues), offered included."),
        _count("agent_count_logged_out", "Enabled agents logged out."),
        _count("agent_count_on_break", "Enabled agents on break."),
        _count("agent_count_post_process", "Agents post-processing."),
        _count("agent_count_wait_transact", "Agents available for this queue."),
        _count("agent_count_work_offline", "Enabled agents working offline."),
        _count("assigned_agent_count"),
        _count("enabled_agent_count"),
        _count("number_in_offered", "Interactions alerting agents."),
        _count("number_in_progress", "Agents busy on this queue's interactions."),
        _count("queue_size", "Interactions waiting."),
        _seconds("longest_wait_time", "Longest waiting interaction now."),
        th.Property("sla_activity", th.NumberType, description="Current SLA activity, percent."),
        th.Property("sla_target", th.NumberType, description="SLA target as configured."),
        _count("day_abandoned", "Abandoned today."),
        _count("day_accepted", "Accepted today."),
        _seconds("day_avg_duration", "Average duration of accepted, today."),
        _seconds("day_avg_wait_time", "Average wait of queued, today."),
        _count("day_queued", "Queued today."),
        th.Property("day_sla_activity", th.NumberType, description="SLA today, percent."),
        _count("thirty_min_abandoned"),
        _count("thirty_min_accepted"),
        _seconds("thirty_min_avg_duration"),
        _seconds("thirty_min_avg_wait_time"),
        _seconds("thirty_min_longest_wait_time"),
        _count("thirty_min_queued"),
        th.Property(
            "thirty_min_sla_activity",
            th.NumberType,
            description="SLA in the last 30 minutes, percent; null when none (-1).",
        ),
        EXTRA,
    ).to_dict()
