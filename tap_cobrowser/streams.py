"""CoBrowser.net streams: the fifteen `csv.php` commands, every documented column typed.

Column names are kept as the vendor spells them (`num_vists` included). Counts and seconds
are integers, averages numbers, `disabled` a boolean, RFC 2822 times ISO 8601 with their
offset; empty values are null. Ids (`id` and every `…_id` column) are strings: the vendor
doc names them ("internal id of…", "unique id for the action") but gives no type, and no
other published field list was found. Columns the vendor adds later are kept in `_extra`.
"""

from __future__ import annotations

from singer_sdk import typing as th

from tap_cobrowser.client import CoBrowserStream, CoBrowserWindowedStream
from tapkit.records import extra_property

EXTRA = extra_property("CoBrowser")


def integers(*names: str) -> list[th.Property]:
    """Integer columns (ids, counts, seconds)."""
    return [th.Property(name, th.IntegerType) for name in names]


def texts(*names: str) -> list[th.Property]:
    """Text columns."""
    return [th.Property(name, th.StringType) for name in names]


def times(*names: str) -> list[th.Property]:
    """RFC 2822 timestamps, emitted as ISO 8601 with their offset."""
    return [th.Property(name, th.DateTimeType) for name in names]


def is_id(name: str) -> bool:
    """An identifier column: `id` or `…_id`."""
    return name == "id" or name.endswith("_id")


def schema(*properties: th.Property | list[th.Property]) -> dict:
    """A schema from properties and lists of them, with `_extra` last; id columns are
    strings whatever list they were given in (their type is not documented)."""
    flat: list[th.Property] = []
    for item in properties:
        flat.extend(item if isinstance(item, list) else [item])
    typed = [th.Property(p.name, th.StringType) if is_id(p.name) else p for p in flat]
    return th.PropertiesList(*typed, EXTRA).to_dict()


HOURLY_COUNTS = integers(
    "hourOfDay",
    "num_vists",
    "num_pageviews",
    "num_visitors",
    "num_reactive",
    "num_reactive_accepted",
    "num_proactive",
    "num_proactive_accepted",
)

# -- dated commands (windows of at most 2 days) ---------------------------------------------


class ConversationsStream(CoBrowserWindowedStream):
    """Chat conversations, by the day they started."""

    name = "conversations"
    command = "conversations"
    primary_keys = ("browse_id", "conversation_start")
    replication_key = "conversation_start"
    schema = schema(
        times("conversation_start"),
        integers(
            "browse_id",
            "account_id",
            "num_messages",
            "duration_secs",
        ),
        th.Property("avgMessageLength", th.NumberType),
        integers("maxMessageLength", "last_agent_id", "reseller_id", "visitor_id"),
        texts("requestType"),
        integers("assigned_agent_id"),
        texts("acceptUrl"),
        integers("accept_host_id", "decisionTime", "firstResponseTime"),
        texts("transcriptUrl"),
        th.Property("avgResponseTime", th.NumberType, description="Seconds (average)."),
        integers("maxResponseTime"),
        texts("successcode"),
        integers("firstReplyTime"),
    )


class AccountStatsHourlyStream(CoBrowserWindowedStream):
    """Visits and chat requests per account and hour."""

    name = "account_stats_hourly"
    command = "accountspecshourly"
    primary_keys = ("account_id", "hourBegin_time")
    replication_key = "hourBegin_time"
    schema = schema(integers("account_id"), times("hourBegin_time", "hourEnd_time"), HOURLY_COUNTS)


class HostStatsHourlyStream(CoBrowserWindowedStream):
    """Visits and chat requests per host (website) and hour."""

    name = "host_stats_hourly"
    command = "hostspecshourly"
    primary_keys = ("host_id", "hourBegin_time")
    replication_key = "hourBegin_time"
    schema = schema(
        integers("host_id"),
        times("hourBegin_time", "hourEnd_time"),
        HOURLY_COUNTS,
        integers("account_id"),
    )


class EmailsStream(CoBrowserWindowedStream):
    """E-mails sent from CoBrowser (mostly transcripts), by the day they were sent."""

    name = "emails"
    command = "emails"
    primary_keys = ("id",)
    replication_key = "timestamp"
    schema = schema(
        integers("browse_id", "id"),
        times("timestamp"),
        integers("agent_id"),
        texts("to", "bcc", "subject", "from"),
        integers("account_id"),
    )


class AgentActivityStream(CoBrowserWindowedStream):
    """Online/offline states of agents."""

    name = "agent_activity"
    command = "agentactivity"
    primary_keys = ("activity_id",)
    replication_key = "time_start"
    schema = schema(
        integers("agent_id"),
        times("time_start", "time_end"),
        texts("state"),
        integers("duration_secs", "account_id", "activity_id"),
    )


class FilterStatsHourlyStream(CoBrowserWindowedStream):
    """Proactive filter statistics per filter and hour."""

    name = "filter_stats_hourly"
    command = "filterstatshourly"
    primary_keys = ("id", "hourBegin_time")
    replication_key = "hourBegin_time"
    schema = schema(
        integers("account_id"),
        times("hourBegin_time", "hourEnd_time"),
        integers("hourOfDay", "id"),
        texts("filtername"),
        integers(
            "num_proactive",
            "num_proactive_accepted",
            "num_proactive_declined",
            "num_proactive_match",
            "num_proactive_cancelled",
            "num_proactive_no_availability",
            "num_proactive_expired",
            "num_proactive_ignored",
        ),
    )


class SlotsActivityStream(CoBrowserWindowedStream):
    """Slot mutations of agents (a slot added or removed), with the slot's durations."""

    name = "slots_activity"
    command = "slotsactivity"
    primary_keys = ("activity_id",)
    replication_key = "time_start"
    schema = schema(
        integers("agent_id"),
        times("time_start"),
        texts("action"),
        integers(
            "account_id",
            "browse_id",
            "session_id",
            "activity_id",
            "numslots_used",
            "numslots_max",
            "open_duration",
            "closed_duration",
            "new_duration",
            "sleeping_duration",
            "burning_duration",
        ),
        texts("presetName"),
    )


class AgentPerformanceStream(CoBrowserWindowedStream):
    """Agent performance per login session and preset."""

    name = "agent_performance"
    command = "agentperformance"
    primary_keys = ("agent_id", "session_id", "preset")
    replication_key = "session_start"
    schema = schema(
        integers("agent_id", "session_id"),
        texts("preset"),
        times("session_start"),
        integers("numChats", "numBreaks", "numIgnored", "numAbandoned"),
        th.Property("avgConcurrency", th.NumberType),
        integers(
            "firstResponseDuration",
            "openDuration",
            "closedDuration",
            "newDuration",
            "sleepingDuration",
            "burningDuration",
            "onlineDuration",
            "offlineDuration",
            "availableDuration",
            "idleDuration",
            "sessionDuration",
        ),
    )


# -- reference lists (read in full each run) ------------------------------------------------


class AccountsStream(CoBrowserStream):
    """Accounts linked to the user."""

    name = "accounts"
    command = "accounts"
    primary_keys = ("id",)
    schema = schema(integers("id"), texts("name", "postfix"), integers("reseller_id"))


class AgentsStream(CoBrowserStream):
    """Agents of the linked accounts; `disabled` is true for deleted agents."""

    name = "agents"
    command = "agents"
    primary_keys = ("id",)
    schema = schema(
        integers("id"),
        texts("username", "firstname", "lastname", "email"),
        integers("account_id", "cccagent_id"),
        th.Property("disabled", th.BooleanType),
    )


class HostsStream(CoBrowserStream):
    """Hosts (websites) of the linked accounts."""

    name = "hosts"
    command = "hosts"
    primary_keys = ("id",)
    schema = schema(integers("id", "account_id"), texts("hostname"), integers("multiple_acc_id"))


class CccAgentsStream(CoBrowserStream):
    """CCC agents of the CCC account (CCC accounts only)."""

    name = "ccc_agents"
    command = "cccagents"
    ccc_only = True
    primary_keys = ("id",)
    schema = schema(
        integers("id"),
        texts("username", "firstname", "lastname", "email"),
        integers("cccaccount_id"),
    )


class CccAgentGroupsStream(CoBrowserStream):
    """Which CCC agent is in which CCC group (CCC accounts only)."""

    name = "ccc_agent_groups"
    command = "cccagentgroups"
    ccc_only = True
    primary_keys = ("cccagent_id", "cccgroup_id")
    schema = schema(
        integers("cccagent_id", "cccgroup_id"), texts("cccgroup_name"), integers("cccaccount_id")
    )


class CccGroupAccountsStream(CoBrowserStream):
    """Which accounts each CCC group serves (CCC accounts only)."""

    name = "ccc_group_accounts"
    command = "cccgroupaccounts"
    ccc_only = True
    primary_keys = ("cccgroup_id", "account_id")
    schema = schema(
        integers("cccgroup_id", "account_id"), texts("cccgroup_name"), integers("cccaccount_id")
    )


class CccSlotsActivityStream(CoBrowserStream):
    """Slot mutations of CCC agents (CCC accounts only; the command takes no dates)."""

    name = "ccc_slots_activity"
    command = "cccslotsactivity"
    ccc_only = True
    primary_keys = ("activity_id",)
    schema = schema(
        integers("cccagent_id"),
        times("time_start"),
        texts("action"),
        integers(
            "account_id",
            "browse_id",
            "session_id",
            "activity_id",
            "numslots_used",
            "numslots_max",
        ),
    )


STREAM_TYPES: tuple[type[CoBrowserStream], ...] = (
    ConversationsStream,
    AccountStatsHourlyStream,
    HostStatsHourlyStream,
    EmailsStream,
    AgentActivityStream,
    FilterStatsHourlyStream,
    SlotsActivityStream,
    AgentPerformanceStream,
    AccountsStream,
    AgentsStream,
    HostsStream,
    CccAgentsStream,
    CccAgentGroupsStream,
    CccGroupAccountsStream,
    CccSlotsActivityStream,
)
