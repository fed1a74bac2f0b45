"""8x8's real-time statistics API on loopback (see docs/vendor-sources.md).

The API has no history: every call answers the state of agents and queues *now*, so the
emulator's figures move between calls (a tick counter drives them) while the set of agents
and queues stays fixed (the ground truth). It serves what the documentation promises and the
shapes the tap must tolerate:

- `/api/rtstats/stats/agents`, `/agent/{id}`, `/queues`, `/queue/{id}`, with `.json` or `.xml`,
  XML when there is no suffix (the documented default) or when `strip_suffix` is set (a proxy
  that drops it);
- basic auth with the tenant name and token: 401 when absent, 403 when wrong;
- 503 "Server busy" for the next `busy_next` requests (`make_busy`);
- JSON lists under `agent`/`queue` (`json_shape="flat"`) or one level deeper
  (`json_shape="nested"`: `{"agents": {"agent": [...]}}`), a single object when there is one
  item, an empty string when there is none.
"""

from __future__ import annotations

import base64
import threading
import typing as t
from xml.sax.saxutils import escape

from emulators.eight_by_eight_analytics import AnalyticsEmulator
from emulators.framework import EmulatorApp, Reply, Request

PREFIX = "/api/rtstats/stats/"

AGENT_NAMES = (
    ("ag1001", "Marie Sanders"),
    ("ag1002", "Tomás Herrera"),
    ("ag1003", "Aiko Tanaka"),
    ("ag1004", "Peter O'Neil"),
    ("ag1005", "Nadia Haddad"),
    ("ag1006", "Lars Eriksen"),
)
QUEUES = (
    (116, "Tech Support", "vmail"),
    (117, "Sales Line", "phone"),
    (118, "Web Chat", "chat"),
    (119, "Billing Mail", "email"),
)
AGENT_STATUSES = (0, 1, 2, 3, 4, 5, 9)
#: Login time of the agents that have one (UTC seconds): 2026-11-02T08:00:00Z.
LOGIN_EPOCH = 1793606400


class EightByEightData:
    """Deterministic agents and queues whose figures depend on a tick (one per call)."""

    def __init__(self, agents: int = len(AGENT_NAMES), queues: int = len(QUEUES)) -> None:
        self.agents = AGENT_NAMES[:agents]
        self.queues = QUEUES[:queues]

    def agent_ids(self) -> set[str]:
        """Every agent's login id (the ground truth of the `agents` stream)."""
        return {agent_id for agent_id, _ in self.agents}

    def queue_ids(self) -> set[int]:
        """Every queue id (the ground truth of the `queues` stream)."""
        return {queue_id for queue_id, _, _ in self.queues}

    def agent(self, index: int, tick: int) -> dict[str, t.Any]:
        """One agent as the vendor names its fields, at `tick`."""
        agent_id, name = self.agents[index]
        seed = index * 7 + tick
        logged_in = index % 3 != 2  # every third agent has no login since the restart
        row: dict[str, t.Any] = {
            "active-customer-chat-count": -1 if index % 2 else seed % 3,
            "agent-guid": f"tenant01-{agent_id}-{index:04d}-guid",
            "agent-id": agent_id,
            "agent-media-id": seed % 5,
            "agent-name": name,
            "agent-status": AGENT_STATUSES[seed % len(AGENT_STATUSES)] if logged_in else 9,
            "agent-sub-status": "none",
            "assigned-skill-count": 3 + index % 2,
            "day-accepted-count": tick * (index + 1),
            "day-available-time": 600 * tick + index,
            "day-avg-processing-time": 120 + seed % 60,
            "day-break-time": 30 * tick,
            "day-login-time": 900 * tick if logged_in else 0,
            "day-offline-time": 15 * tick,
            "day-processing-time": 240 * tick,
            "day-rejected-count": tick % 4,
            "day-wrap-up-time": 45 * tick,
            "enabled-skill-count": 3,
            "group-id": 108 + index % 2,
            "idle-start-time": -1,
            "last-login-time": LOGIN_EPOCH + index * 3600 if logged_in else -1,
            "longest-active-customer-chat-duration": -1,
            "max-concurrent-customer-chat": 1 + index % 3,
            "phone-line1-status": (seed % 7) - 1,
            "phone-line1-status-time": 10 * tick,
            "phone-line2-status": -1 if index % 2 else seed % 6,
            "phone-line2-status-time": 0,
            "status-code-item-id": (seed % 7) if not logged_in else "",
            "status-code-item-short-code": "LOGOUT" if not logged_in else "",
            "status-code-list-id": 3 if not logged_in else "",
            "thirty-min-accepted-count": seed % 9,
            "thirty-min-available-time": 300 + seed % 600,
            "thirty-min-avg-handling-time": 90 + seed % 90,
            "thirty-min-break-time": seed % 120,
            "thirty-min-offline-time": seed % 30,
            "thirty-min-processing-time": seed % 900,
            "thirty-min-rejected-count": seed % 2,
            "thirty-min-wrap-up-time": seed % 200,
            "time-in-status": 206526 + 10 * tick,
        }
        if index == 0:
            row["skills-summary"] = "sales,support"  # a field the docs do not list
        return row

    def queue(self, index: int, tick: int) -> dict[str, t.Any]:
        """One queue as the vendor names its fields, at `tick`."""
        queue_id, name, media = self.queues[index]
        seed = index * 5 + tick
        return {
            "agent-count-busy": seed % 3,
            "agent-count-loggedOut": 1 + index % 2,
            "agent-count-onBreak": seed % 2,
            "agent-count-postProcess": seed % 2,
            "agent-count-waitTransact": seed % 4,
            "agent-count-workOffline": index % 2,
            "day-abandoned": tick % 5,
            "day-accepted": tick * (index + 2),
            "day-avg-duration": 180 + seed % 100,
            "day-avg-wait-time": 20 + seed % 40,
            "day-queued": tick * (index + 3),
            "day-sla-activity": round(80 + (seed % 40) / 2, 1),
            "assigned-agent-count": 2 + index,
            "enabled-agent-count": 1 + index,
            "longest-wait-time": seed % 120,
            "media-type": media,
            "number-in-offered": seed % 2,
            "number-in-progress": seed % 3,
            "queue-id": queue_id,
            "queue-name": name,
            "queue-size": seed % 6,
            "queue-type": media,
            "sla-activity": round(75 + (seed % 50) / 2, 1),
            "sla-target": 80,
            "thirty-min-abandoned": seed % 2,
            "thirty-min-accepted": seed % 10,
            "thirty-min-avg-duration": 150 + seed % 60,
            "thirty-min-avg-wait-time": 10 + seed % 30,
            "thirty-min-longest-wait-time": 30 + seed % 90,
            "thirty-min-queued": seed % 12,
            # "no SLA activity" (-1) for quiet queues, a percentage otherwise
            "thirty-min-sla-activity": -1 if index % 2 else round(90 + (seed % 20) / 2, 1),
        }

    def agents_at(self, tick: int) -> list[dict[str, t.Any]]:
        """Every agent at `tick`."""
        return [self.agent(i, tick) for i in range(len(self.agents))]

    def queues_at(self, tick: int) -> list[dict[str, t.Any]]:
        """Every queue at `tick`."""
        return [self.queue(i, tick) for i in range(len(self.queues))]


class EightByEightEmulator(EmulatorApp):
    """The 8x8 real-time statistics endpoints of one tenant."""

    name = "8x8"

    def __init__(
        self,
        *,
        tenant: str,
        api_token: str,
        data: EightByEightData | None = None,
        json_shape: str = "flat",
        strip_suffix: bool = False,
        analytics: AnalyticsEmulator | None = None,
    ) -> None:
        if json_shape not in {"flat", "nested"}:
            raise ValueError("json_shape is 'flat' or 'nested'")
        self.tenant = tenant
        self.api_token = api_token
        self.data = data or EightByEightData()
        self.json_shape = json_shape
        self.strip_suffix = strip_suffix
        #: the tenant's Analytics for Contact Center APIs (OAuth), served on the same port
        self.analytics = analytics
        self.busy_next = 0
        self.tick = 0
        self._lock = threading.Lock()

    def make_busy(self, requests: int) -> None:
        """Answer the next `requests` requests with 503 "Server busy"."""
        with self._lock:
            self.busy_next = requests

    def handle(self, request: Request) -> Reply:
        """Answer one statistics request (or an analytics one, when that API is served)."""
        if self.analytics is not None and not request.path.startswith(PREFIX):
            return self.analytics.handle(request)
        if not request.path.startswith(PREFIX):
            return _text(404, "Not found")
        if not request.headers.get("authorization"):
            return Reply(
                status=401,
                body=b"Authentication required",
                content_type="text/plain",
                headers={"WWW-Authenticate": 'Basic realm="rtstats"'},
            )
        if not self._authorised(request.headers["authorization"]):
            return _text(403, "Forbidden: invalid tenant or token")
        with self._lock:
            if self.busy_next > 0:
                self.busy_next -= 1
                return _text(503, "Server busy")
            self.tick += 1
            tick = self.tick
        resource, fmt = _split_suffix(request.path[len(PREFIX) :])
        if self.strip_suffix:
            fmt = "xml"
        return self._resource(resource, fmt, tick)

    def _authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        return decoded == f"{self.tenant}:{self.api_token}"

    def _resource(self, resource: str, fmt: str, tick: int) -> Reply:
        parts = resource.strip("/").split("/")
        if parts == ["agents"]:
            return self._list("agents", "agent", self.data.agents_at(tick), fmt)
        if parts == ["queues"]:
            return self._list("queues", "queue", self.data.queues_at(tick), fmt)
        if len(parts) == 2 and parts[0] in {"agent", "queue"}:
            rows = self.data.agents_at(tick) if parts[0] == "agent" else self.data.queues_at(tick)
            id_field = f"{parts[0]}-id"
            match = [row for row in rows if str(row[id_field]) == parts[1]]
            if not match:
                return _text(404, f"{parts[0]} {parts[1]} not found")
            return self._single(parts[0], match[0], fmt)
        return _text(404, "Not found")

    def _list(self, plural: str, singular: str, rows: list[dict], fmt: str) -> Reply:
        if fmt == "xml":
            body = "".join(_xml_element(singular, row) for row in rows)
            return _xml(f"<{plural}>{body}</{plural}>" if rows else f"<{plural}/>")
        # like the real API: one item is an object, none is an empty string
        items: t.Any = rows if len(rows) > 1 else (rows[0] if rows else "")
        payload = {plural: {singular: items}} if self.json_shape == "nested" else {singular: items}
        return Reply.json(payload)

    def _single(self, singular: str, row: dict, fmt: str) -> Reply:
        if fmt == "xml":
            return _xml(_xml_element(singular, row))
        return Reply.json({singular: row})


def _split_suffix(resource: str) -> tuple[str, str]:
    for fmt in ("json", "xml"):
        if resource.endswith(f".{fmt}"):
            return resource[: -len(fmt) - 1], fmt
    return resource, "xml"


def _xml_element(tag: str, row: dict) -> str:
    fields = "".join(
        f"<{name}/>" if value in ("", None) else f"<{name}>{escape(str(value))}</{name}>"
        for name, value in row.items()
    )
    return f"<{tag}>{fields}</{tag}>"


def _xml(text: str) -> Reply:
    body = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{text}'.encode()
    return Reply(body=body, content_type="application/xml")


def _text(status: int, message: str) -> Reply:
    return Reply(status=status, body=message.encode(), content_type="text/plain")


def demo_app(interval: float) -> EightByEightEmulator:
    """The emulator with the `dev` environment's made-up credentials (see meltano.yml).

    8x8 has no rate limit; `interval` is accepted for the common signature and unused. The
    Analytics for Contact Center APIs are served on the same port, with made-up client
    credentials, reports ready after one status check.
    """
    analytics = AnalyticsEmulator(
        api_key="demo-8x8-analytics-key",
        api_secret="demo-8x8-analytics-secret",
        polls_before_done=1,
    )
    return EightByEightEmulator(
        tenant="demo-tenant", api_token="demo-8x8-token", analytics=analytics
    )
