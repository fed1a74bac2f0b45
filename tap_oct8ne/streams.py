"""Oct8ne streams: chat sessions and the leads (contacts) they produced.

Oct8ne publishes no field list and no id types (its help-centre article documents the
request, not the record; no other published material was found; docs/vendor-sources.md): the
fields are our assumption, undeclared ones arrive in `_extra`, and ids are strings.
"""

from __future__ import annotations

from singer_sdk import typing as th

from tap_oct8ne.client import Oct8neStream
from tapkit.records import extra_property

EXTRA = extra_property("Oct8ne")


class SessionsStream(Oct8neStream):
    """Chat sessions, by the local day they started."""

    name = "sessions"
    path = "/apidata/export/v2/sessions/json"
    primary_keys = ("sessionId",)
    replication_key = "startDate"
    local_time_fields = ("startDate", "endDate")
    duration_fields = ("duration", "waitingTime")
    filter_params = {
        "agent_filter": "agentFilter",
        "dept_filter": "deptFilter",
        "attention_filter": "attentionFilter",
        "sale": "sale",
        "agent_type": "agentType",
    }
    schema = th.PropertiesList(
        th.Property("sessionId", th.StringType, required=True),
        th.Property("startDate", th.DateTimeType, description="Start, with the domain's offset."),
        th.Property("endDate", th.DateTimeType),
        th.Property("duration", th.IntegerType, description="Seconds."),
        th.Property("waitingTime", th.IntegerType, description="Seconds."),
        th.Property("agentId", th.StringType),
        th.Property("agentName", th.StringType),
        th.Property("agentType", th.StringType, description="Human or Bot."),
        th.Property("departmentId", th.StringType),
        th.Property("departmentName", th.StringType),
        th.Property("attended", th.BooleanType),
        th.Property("assistanceRequested", th.BooleanType),
        th.Property("sale", th.BooleanType),
        th.Property("saleAmount", th.NumberType),
        th.Property("visitorId", th.StringType),
        th.Property("visitorName", th.StringType),
        th.Property("country", th.StringType),
        th.Property("browser", th.StringType),
        th.Property("device", th.StringType),
        th.Property("url", th.StringType),
        th.Property("messages", th.IntegerType),
        th.Property("rating", th.IntegerType),
        EXTRA,
    ).to_dict()


class LeadsStream(Oct8neStream):
    """Contacts captured in chats, by the local day they were created."""

    name = "leads"
    path = "/apidata/export/v2/leads/json"
    primary_keys = ("leadId",)
    replication_key = "creationDate"
    local_time_fields = ("creationDate",)
    schema = th.PropertiesList(
        th.Property("leadId", th.StringType, required=True),
        th.Property("sessionId", th.StringType),
        th.Property("creationDate", th.DateTimeType, description="With the domain's offset."),
        th.Property("name", th.StringType),
        th.Property("email", th.StringType),
        th.Property("phone", th.StringType),
        th.Property("comments", th.StringType),
        th.Property("agentId", th.StringType),
        th.Property("departmentId", th.StringType),
        th.Property("url", th.StringType),
        th.Property("country", th.StringType),
        EXTRA,
    ).to_dict()
