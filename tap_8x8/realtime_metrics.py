"""8x8's Real-time Metrics API v5 (Analytics for Contact Center): queue, agent and group snapshots.

For tenants that have Analytics credentials but not the older real-time statistics token.
Source: 8x8Cloud/public-developer-docs, commit 859e59a3afa3d40d41ac7ed8f3e33edbe4196baa:
`docs_oas/analytics/8x8_analytics_for_contact_center_real-time_metrics_api.json` (OpenAPI,
Real-time Metrics API v5) for the shapes: `GET /queues` → `SingleQueueResponse` items
{id, name, metrics: [`MetricItem` {key, value (number)}]}, `GET /agents` → `AgentsResponse`
= [`SingleAgentWithMetricsResponse` {id, name, groupId, groupName, metrics}], `GET /groups`
→ `SingleGroupResponse` items; and `cc-realtime-statistics.md` for the metric keys (5.1 Queue
Metrics Glossary, 5.2 Group, 5.5 Agent - All Agents) and the paging (`page` from 0, `size` up
to 1000, `X-Page` / `X-Total-Pages` headers).

Each item becomes one row per run (key `id`, `snapshot_at`), its metrics pivoted into one
number column each: the key `abandoned.int-15m` becomes `abandoned__int_15m` (a dot and a
hyphen do not survive every warehouse and flattening). 8x8's own examples send some numbers as
strings: the typing rule converts them, or keeps what does not fit in `_extra`.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from singer_sdk import typing as th
from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

from tap_8x8.analytics import CALENDAR, AnalyticsApiStream
from tapkit.errors import BodyError
from tapkit.jsonbody import iter_json_records
from tapkit.records import extra_property

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from tapkit.paging import Page

REALTIME_PATH = "/analytics/cc/v5/realtime-metrics"
PAGE_SIZE = 1000

QUEUE_METRICS = (
    "abandoned.int-15m",
    "abandoned.int-30m",
    "abandoned.today",
    "abandonedPercentage.int-15m",
    "abandonedPercentage.int-30m",
    "abandonedPercentage.today",
    "accepted.int-15m",
    "accepted.int-30m",
    "accepted.today",
    "acceptedInSla.int-12h",
    "acceptedInSla.int-15m",
    "acceptedInSla.int-1h",
    "acceptedInSla.int-30m",
    "acceptedInSla.int-4h",
    "acceptedInSla.int-8h",
    "acceptedInSla.today",
    "acceptedInSlaPercentage.int-12h",
    "acceptedInSlaPercentage.int-15m",
    "acceptedInSlaPercentage.int-1h",
    "acceptedInSlaPercentage.int-30m",
    "acceptedInSlaPercentage.int-4h",
    "acceptedInSlaPercentage.int-8h",
    "acceptedInSlaPercentage.today",
    "acceptedPercentage.int-15m",
    "acceptedPercentage.int-30m",
    "acceptedPercentage.today",
    "availableIdle.rt",
    "avgDivertedTime.int-15m",
    "avgDivertedTime.int-30m",
    "avgDivertedTime.today",
    "avgHandlingTime.int-15m",
    "avgHandlingTime.int-30m",
    "avgHandlingTime.today",
    "avgOfferingTime.int-15m",
    "avgOfferingTime.int-30m",
    "avgOfferingTime.today",
    "avgProcessingTime.int-15m",
    "avgProcessingTime.int-30m",
    "avgProcessingTime.today",
    "avgWorkTime.int-15m",
    "avgWorkTime.int-30m",
    "avgWorkTime.today",
    "avgWrapUpTime.int-15m",
    "avgWrapUpTime.int-30m",
    "avgWrapUpTime.today",
    "busy.rt",
    "busyExternal.rt",
    "busyOther.rt",
    "diverted.int-15m",
    "diverted.int-30m",
    "diverted.today",
    "divertedPercentage.int-15m",
    "divertedPercentage.int-30m",
    "divertedPercentage.today",
    "eligible.rt",
    "enabled.rt",
    "entered.int-15m",
    "entered.int-30m",
    "entered.today",
    "handling.rt",
    "interactionsAvgWaitTime.int-15m",
    "interactionsAvgWaitTime.int-30m",
    "interactionsAvgWaitTime.today",
    "interactionsHandling.rt",
    "interactionsLongestWaitInQueue.int-15m",
    "interactionsLongestWaitInQueue.int-30m",
    "interactionsLongestWaitInQueue.rt",
    "interactionsLongestWaitInQueue.today",
    "interactionsWaitInQueue.rt",
    "interactionsWrapUp.rt",
    "longestOfferingTimeInQueue.int-15m",
    "longestOfferingTimeInQueue.int-30m",
    "longestOfferingTimeInQueue.today",
    "newInQueue.int-15m",
    "newInQueue.int-30m",
    "newInQueue.today",
    "offering.rt",
    "onBreak.rt",
    "shortAbandoned.int-15m",
    "shortAbandoned.int-30m",
    "shortAbandoned.today",
    "shortAbandonedPercentage.int-15m",
    "shortAbandonedPercentage.int-30m",
    "shortAbandonedPercentage.today",
    "slaPercentage.int-12h",
    "slaPercentage.int-15m",
    "slaPercentage.int-1h",
    "slaPercentage.int-30m",
    "slaPercentage.int-4h",
    "slaPercentage.int-8h",
    "slaPercentage.today",
    "slaPercentageTarget.today",
    "slaTimeThreshold.today",
    "totalAbandoned.int-15m",
    "totalAbandoned.int-30m",
    "totalAbandoned.today",
    "totalAbandonedPercentage.int-15m",
    "totalAbandonedPercentage.int-30m",
    "totalAbandonedPercentage.today",
    "workingOffline.rt",
    "wrapUp.rt",
)

GROUP_METRICS = (
    "availableIdle.rt",
    "eligible.rt",
    "enabled.rt",
    "handling.rt",
    "onBreak.rt",
    "workingOffline.rt",
    "wrapUp.rt",
)

AGENT_METRICS = (
    "accepted.int-15m",
    "accepted.int-30m",
    "accepted.today",
    "activeChannels.rt",
    "activeDirections.rt",
    "activeInteractionsCount.rt",
    "activeQueues.rt",
    "alerting.rt",
    "availableTime.int-15m",
    "availableTime.int-30m",
    "availableTime.today",
    "availableTimePercentage.int-15m",
    "availableTimePercentage.int-30m",
    "availableTimePercentage.today",
    "averageHandlingTime.int-15m",
    "averageHandlingTime.int-30m",
    "averageHandlingTime.today",
    "averageHoldTime.int-15m",
    "averageHoldTime.int-30m",
    "averageHoldTime.today",
    "averageOfferingTime.int-15m",
    "averageOfferingTime.int-30m",
    "averageOfferingTime.today",
    "averageWrapUpTime.int-15m",
    "averageWrapUpTime.int-30m",
    "averageWrapUpTime.today",
    "blindTransfers.int-15m",
    "blindTransfers.int-30m",
    "blindTransfers.today",
    "busyTime.int-15m",
    "busyTime.int-30m",
    "busyTime.today",
    "busyTimePercentage.int-15m",
    "busyTimePercentage.int-30m",
    "busyTimePercentage.today",
    "conferenceTime.int-15m",
    "conferenceTime.int-30m",
    "conferenceTime.today",
    "conferences.int-15m",
    "conferences.int-30m",
    "conferences.today",
    "consultations.int-15m",
    "consultations.int-30m",
    "consultations.today",
    "directInboundTime.int-15m",
    "directInboundTime.int-30m",
    "directInboundTime.today",
    "directInbounds.int-15m",
    "directInbounds.int-30m",
    "directInbounds.today",
    "directOutboundTime.int-15m",
    "directOutboundTime.int-30m",
    "directOutboundTime.today",
    "directOutbounds.int-15m",
    "directOutbounds.int-30m",
    "directOutbounds.today",
    "handlingTime.int-15m",
    "handlingTime.int-30m",
    "handlingTime.today",
    "handlingTimePercentage.int-15m",
    "handlingTimePercentage.int-30m",
    "handlingTimePercentage.today",
    "hold.int-15m",
    "hold.int-30m",
    "hold.today",
    "internalCalls.int-15m",
    "internalCalls.int-30m",
    "internalCalls.today",
    "internalCallsInitiated.int-15m",
    "internalCallsInitiated.int-30m",
    "internalCallsInitiated.today",
    "internalCallsReceived.int-15m",
    "internalCallsReceived.int-30m",
    "internalCallsReceived.today",
    "internalCallsTime.int-15m",
    "internalCallsTime.int-30m",
    "internalCallsTime.today",
    "lastLogin.rt",
    "lastLogout.rt",
    "lastStatusChange.rt",
    "lastStatusCodeChange.rt",
    "line1Status.rt",
    "line1TimeOnStatus.rt",
    "line2Status.rt",
    "line2TimeOnStatus.rt",
    "loggedInTime.int-15m",
    "loggedInTime.int-30m",
    "loggedInTime.rt",
    "loggedInTime.today",
    "longestHold.int-15m",
    "longestHold.int-30m",
    "longestHold.today",
    "longestOffering.int-15m",
    "longestOffering.int-30m",
    "longestOffering.today",
    "offered.int-15m",
    "offered.int-30m",
    "offered.today",
    "offeringTime.int-15m",
    "offeringTime.int-30m",
    "offeringTime.today",
    "onBreakTime.int-15m",
    "onBreakTime.int-30m",
    "onBreakTime.today",
    "onBreakTimePercentage.int-15m",
    "onBreakTimePercentage.int-30m",
    "onBreakTimePercentage.today",
    "onHoldTime.int-15m",
    "onHoldTime.int-30m",
    "onHoldTime.today",
    "rejectTimeout.int-15m",
    "rejectTimeout.int-30m",
    "rejectTimeout.today",
    "rejected.int-15m",
    "rejected.int-30m",
    "rejected.today",
    "status.rt",
    "statusCode.rt",
    "timeOnStatus.rt",
    "timeOnStatusCode.rt",
    "transfersInitiated.int-15m",
    "transfersInitiated.int-30m",
    "transfersInitiated.today",
    "transfersInitiatedPercentage.int-15m",
    "transfersInitiatedPercentage.int-30m",
    "transfersInitiatedPercentage.today",
    "transfersReceived.int-15m",
    "transfersReceived.int-30m",
    "transfersReceived.today",
    "warmTransfers.int-15m",
    "warmTransfers.int-30m",
    "warmTransfers.today",
    "workingOfflineTime.int-15m",
    "workingOfflineTime.int-30m",
    "workingOfflineTime.today",
    "workingOfflineTimePercentage.int-15m",
    "workingOfflineTimePercentage.int-30m",
    "workingOfflineTimePercentage.today",
    "wrapUpTime.int-15m",
    "wrapUpTime.int-30m",
    "wrapUpTime.today",
    "wrapUpTimePercentage.int-15m",
    "wrapUpTimePercentage.int-30m",
    "wrapUpTimePercentage.today",
)


def column(metric: str) -> str:
    """`abandoned.int-15m` → `abandoned__int_15m`: the metric, two underscores, its period."""
    return metric.replace(".", "__").replace("-", "_")


class PageNumberPaginator(BaseAPIPaginator[int | None]):
    """Pages 0, 1, ... while `X-Page` + 1 < `X-Total-Pages` (a short page ends it too)."""

    def __init__(self) -> None:
        super().__init__(0)

    @override
    def get_next(self, response: requests.Response) -> int | None:
        try:
            page = int(response.headers.get("X-Page", self.current_value or 0))
            pages = int(response.headers.get("X-Total-Pages", "1"))
        except ValueError:
            return None
        return page + 1 if page + 1 < pages else None


class RealtimeMetricsStream(AnalyticsApiStream):
    """A snapshot of every item (queue, agent, group) and its real-time metrics."""

    api_path = REALTIME_PATH
    primary_keys = ("id", "snapshot_at")
    #: the item fields besides the metrics
    item_fields: tuple[str, ...] = ("id", "name")

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        """Never: an ACTIVATE_VERSION would make targets delete the earlier snapshots."""
        return False

    @override
    def get_new_paginator(self) -> PageNumberPaginator:
        """8x8's page numbers, from 0."""
        return PageNumberPaginator()

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        """The page, the largest page size, the report time zone (for `.today`)."""
        return {
            "page": next_page_token or 0,
            "size": PAGE_SIZE,
            "timezone": CALENDAR.name(self.config),
        }

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """Each item with its metrics pivoted, stamped with the moment the page arrived."""
        snapshot_at = dt.datetime.now(dt.UTC).isoformat()
        for item in iter_json_records(response.iter_content(chunk_size=64 * 1024)):
            if not isinstance(item, dict):
                raise BodyError(f"a real-time item that is not an object: {str(item)[:200]!r}")
            row = {name: value for name, value in item.items() if name != "metrics"}
            for metric in item.get("metrics") or []:
                if isinstance(metric, dict) and isinstance(metric.get("key"), str):
                    row[column(metric["key"])] = metric.get("value")
            row["snapshot_at"] = snapshot_at
            yield row


def metrics_schema(metrics: tuple[str, ...], *fields: th.Property[t.Any]) -> dict[str, t.Any]:
    return th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property(
            "snapshot_at",
            th.DateTimeType,
            required=True,
            description="UTC time the page arrived; the same for every row of one page.",
        ),
        th.Property("name", th.StringType),
        *fields,
        *(th.Property(column(metric), th.NumberType, description=metric) for metric in metrics),
        extra_property("8x8", spelling="metric keys as columns"),
    ).to_dict()


class QueueMetricsStream(RealtimeMetricsStream):
    """Every queue's real-time metrics (`GET /queues`, glossary 5.1)."""

    name = "queue_metrics"
    path = "/queues"
    schema = metrics_schema(QUEUE_METRICS)


class AgentMetricsStream(RealtimeMetricsStream):
    """Every agent's real-time metrics (`GET /agents`, glossary 5.5)."""

    name = "agent_metrics"
    path = "/agents"
    schema = metrics_schema(
        AGENT_METRICS,
        th.Property("groupId", th.StringType),
        th.Property("groupName", th.StringType),
    )


class GroupMetricsStream(RealtimeMetricsStream):
    """Every agent group's real-time metrics (`GET /groups`, glossary 5.2)."""

    name = "group_metrics"
    path = "/groups"
    schema = metrics_schema(GROUP_METRICS)


REALTIME_STREAMS: tuple[type[RealtimeMetricsStream], ...] = (
    QueueMetricsStream,
    AgentMetricsStream,
    GroupMetricsStream,
)
