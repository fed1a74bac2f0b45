"""Oct8ne's export API on loopback (see docs/vendor-sources.md).

Enforces what the documentation promises: the token and domain check, `mm/dd/yyyy` dates,
at most 31 days per request (both ends inclusive), nothing before one year ago, and one
request per interval per token across both endpoints (429 with `Retry-After` otherwise).
Serves JSON and CSV, honours `utcOffset`, `durationFormat` and every filter.

The field names of a row are undocumented; these are the emulator's (and the tap's)
assumption. The traffic is shaped like a shop's (see `emulators/realism.py`): busy
afternoons, quiet nights, lighter weekends, waits mostly within 20 s with misses at busy
hours, about one request in ten unattended, a fifth of those short abandons, ratings leaning
to 4-5. No day is empty unless asked for: `closed_days` (a test's window that meets empty
ones) names the UTC days with no sessions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import threading
import time
import typing as t

from emulators.framework import EmulatorApp, Reply, Request
from emulators.realism import (
    abandon_wait_seconds,
    answer_wait_seconds,
    daily_volume,
    rating,
    second_of_day,
)

MAX_RANGE_DAYS = 31
HORIZON_DAYS = 365
AGENTS = {1: "Ana Ruiz", 2: "Bruno Costa", 3: "Chloé Martin", 4: "Dmitri Ivanov", 5: "Oct8ne Bot"}
DEPARTMENTS = {1: "Sales", 2: "Support", 3: "Returns"}
COUNTRIES = ("ES", "FR", "DE", "PT", "IT", "GB", "US", "MX")


class Oct8neData:
    """Deterministic sessions and leads: the same day always holds the same rows."""

    def __init__(
        self, per_day: int = 20, closed_days: t.Callable[[dt.date], bool] | None = None
    ) -> None:
        self.per_day = per_day
        self.closed_days = closed_days or (lambda day: False)

    def sessions_on_utc_day(self, day: dt.date) -> list[dict]:
        """The sessions that started on a UTC day, with UTC start instants."""
        if self.closed_days(day):
            return []
        ordinal = day.toordinal()
        count = daily_volume(self.per_day, day)
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        return [self._session(ordinal, i, midnight, count) for i in range(count)]

    @staticmethod
    def _session(ordinal: int, i: int, midnight: dt.datetime, count: int) -> dict:
        seed = ordinal * 1009 + i * 31
        agent = 1 + seed % 5
        start = midnight + dt.timedelta(seconds=second_of_day(seed, i, count))
        duration = 30 + seed % 1800
        # one session in four is attended, a few more asked for help and were not
        attended = seed % 4 != 0
        requested = attended or seed % 3 == 0
        sale = seed % 6 == 0
        hour = start.hour
        if agent == 5 and attended:
            wait = seed % 3  # the bot answers at once
        elif attended:
            wait = answer_wait_seconds(seed, hour)
        elif requested:
            wait = abandon_wait_seconds(seed)
        else:
            wait = 0
        session = {
            # hexadecimal text: Oct8ne documents no id type, and ids need not be numbers
            "sessionId": f"{ordinal * 10000 + i:08x}",
            "startUtc": start,
            "endUtc": start + dt.timedelta(seconds=duration),
            "duration": duration,
            "waitingTime": wait,
            "agentId": agent,
            "agentName": AGENTS[agent],
            "agentType": "Bot" if agent == 5 else "Human",
            "departmentId": 1 + seed % 3,
            "departmentName": DEPARTMENTS[1 + seed % 3],
            "attended": attended,
            "assistanceRequested": requested,
            "sale": sale,
            "saleAmount": round(10 + seed % 300 + (seed % 100) / 100, 2) if sale else None,
            "visitorId": f"v-{seed % 100000:05d}",
            "visitorName": f"Visitor {seed % 997}",
            "country": COUNTRIES[seed % len(COUNTRIES)],
            "browser": ("Chrome", "Safari", "Firefox", "Edge")[seed % 4],
            "device": ("desktop", "mobile", "tablet")[seed % 3],
            "url": f"https://shop.example/products/{seed % 500}",
            "messages": 1 + seed % 40,
            "rating": rating(seed) if attended and seed % 2 else None,
        }
        if seed % 10 == 0:
            session["campaign"] = "winter-sale"  # a field the tap does not declare
        return session

    def sessions(self, first: dt.date, last: dt.date, offset_hours: int) -> list[dict]:
        """Sessions whose local start date (UTC + offset) is within first..last."""
        offset = dt.timedelta(hours=offset_hours)
        rows = []
        day = first - dt.timedelta(days=1)
        while day <= last + dt.timedelta(days=1):
            for session in self.sessions_on_utc_day(day):
                if first <= (session["startUtc"] + offset).date() <= last:
                    rows.append(session)
            day += dt.timedelta(days=1)
        return rows

    def leads(self, first: dt.date, last: dt.date, offset_hours: int) -> list[dict]:
        """One lead for every third session."""
        return [
            self._lead(session)
            for session in self.sessions(first, last, offset_hours)
            if int(session["sessionId"], 16) % 3 == 0
        ]

    @staticmethod
    def _lead(session: dict) -> dict:
        number = int(session["sessionId"], 16)
        lead = {
            "leadId": f"{number * 10 + 1:09x}",
            "sessionId": session["sessionId"],
            "createdUtc": session["startUtc"] + dt.timedelta(seconds=session["duration"]),
            "name": session["visitorName"],
            "email": f"{session['visitorId']}@mail.example",
            "phone": f"+34 600 {number % 1000:03d} {session['duration']:03d}",
            "comments": "Wants a call back" if number % 2 else "",
            "agentId": session["agentId"],
            "departmentId": session["departmentId"],
            "url": session["url"],
            "country": session["country"],
        }
        if number % 4 == 0:
            lead["gdprConsent"] = True  # a field the tap does not declare
        return lead


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _local(instant: dt.datetime, offset_hours: int) -> str:
    return (instant + dt.timedelta(hours=offset_hours)).replace(tzinfo=None).isoformat()


class Oct8neEmulator(EmulatorApp):
    """The Oct8ne export endpoints for one domain and token."""

    name = "oct8ne"
    PATH = "/apidata/export/v2/"

    def __init__(
        self,
        *,
        api_token: str,
        domain_id: str,
        interval: float = 60.0,
        data: Oct8neData | None = None,
        clock: t.Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.api_token = api_token
        self.domain_id = str(domain_id)
        self.interval = interval
        self.data = data or Oct8neData()
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._last_accepted: dict[str, float] = {}
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Reply:
        """Answer an export request."""
        if not request.path.startswith(self.PATH):
            return Reply.json({"error": "Not found"}, status=404)
        parts = request.path[len(self.PATH) :].strip("/").split("/")
        if len(parts) != 2 or parts[0] not in {"sessions", "leads"}:
            return Reply.json({"error": "Not found"}, status=404)
        kind, fmt = parts
        if fmt not in {"json", "csv"}:
            return Reply.json({"error": "Format must be csv or json"}, status=400)
        q = request.query
        if q.get("apiToken") != self.api_token or q.get("domainId") != self.domain_id:
            return Reply.json({"error": "Invalid apiToken or domainId"}, status=401)
        wait = self._claim_slot(q["apiToken"])
        if wait > 0:
            return Reply.json(
                {"error": "Only one request per minute is allowed"},
                status=429,
                **{"Retry-After": str(math.ceil(wait))},
            )
        try:
            first, last, offset = self._range(q)
        except ValueError as exc:
            return Reply.json({"error": str(exc)}, status=400)
        rows = self._rows(kind, first, last, offset, q)
        if fmt == "csv":
            return Reply(body=_csv(rows), content_type="text/csv; charset=utf-8")
        return Reply.json(rows)

    def _claim_slot(self, token: str) -> float:
        now = time.monotonic()
        with self._lock:
            last = self._last_accepted.get(token)
            if last is not None and now - last < self.interval:
                return self.interval - (now - last)
            self._last_accepted[token] = now
            return 0.0

    def today(self, offset_hours: int) -> dt.date:
        """The domain's local date now."""
        return (self.clock() + dt.timedelta(hours=offset_hours)).date()

    def _range(self, q: dict[str, str]) -> tuple[dt.date, dt.date, int]:
        try:
            offset = int(q.get("utcOffset", "0"))
        except ValueError:
            raise ValueError("utcOffset must be an integer number of hours") from None
        dates = []
        for name in ("startTime", "endTime"):
            if not q.get(name):
                raise ValueError(f"{name} is required (mm/dd/yyyy)")
            try:
                dates.append(dt.datetime.strptime(q[name], "%m/%d/%Y").date())
            except ValueError:
                raise ValueError(f"{name} must be mm/dd/yyyy, got {q[name]!r}") from None
        first, last = dates
        if last < first:
            raise ValueError("endTime is before startTime")
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise ValueError(f"The date range cannot exceed {MAX_RANGE_DAYS} days")
        if first < self.today(offset) - dt.timedelta(days=HORIZON_DAYS):
            raise ValueError("Dates before the last year are not allowed")
        return first, last, offset

    def _rows(self, kind: str, first: dt.date, last: dt.date, offset: int, q: dict) -> list[dict]:
        as_seconds = q.get("durationFormat") == "1"
        if kind == "leads":
            return [_lead_row(lead, offset) for lead in self.data.leads(first, last, offset)]
        return [
            _session_row(s, offset, as_seconds)
            for s in self.data.sessions(first, last, offset)
            if _matches(s, q)
        ]


def _matches(session: dict, q: dict[str, str]) -> bool:
    checks = {
        "agentFilter": lambda v: str(session["agentId"]) == v,
        "deptFilter": lambda v: str(session["departmentId"]) == v,
        "attentionFilter": lambda v: {
            "1": session["attended"],
            "2": session["assistanceRequested"],
            "3": session["assistanceRequested"] and not session["attended"],
        }.get(v, True),
        "sale": lambda v: {"0": True, "1": session["sale"], "2": not session["sale"]}.get(v, True),
        "agentType": lambda v: {
            "0": True,
            "1": session["agentType"] == "Human",
            "2": session["agentType"] == "Bot",
        }.get(v, True),
    }
    return all(check(q[name]) for name, check in checks.items() if q.get(name) not in (None, ""))


def _session_row(session: dict, offset: int, as_seconds: bool) -> dict:
    row = {k: v for k, v in session.items() if k not in {"startUtc", "endUtc"}}
    row["startDate"] = _local(session["startUtc"], offset)
    row["endDate"] = _local(session["endUtc"], offset)
    if not as_seconds:
        row["duration"] = _hms(session["duration"])
        row["waitingTime"] = _hms(session["waitingTime"])
    return row


def _lead_row(lead: dict, offset: int) -> dict:
    row = {k: v for k, v in lead.items() if k != "createdUtc"}
    row["creationDate"] = _local(lead["createdUtc"], offset)
    return row


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    if rows:
        fields = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(out, fieldnames=fields, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue().encode()


def demo_app(interval: float) -> Oct8neEmulator:
    """The emulator with the `dev` environment's made-up credentials (see meltano.yml)."""
    return Oct8neEmulator(api_token="demo-oct8ne-token", domain_id="1001", interval=interval)
