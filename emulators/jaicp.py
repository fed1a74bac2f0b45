"""JAICP's Reporter API on loopback (see docs/vendor-sources.md, docs/contract.md).

Serves both authentication styles: `legacy` (the token in the path,
`/api/reporter/p/{token}/…`, as the vendor doc shows) and `v1` (`Authorization: Bearer`,
`/api/v1/reporter/…`). Enforces what the contract assumes: `page`/`size` paging from 0 with
`{"paging": {...}, "<records>": [...]}` bodies, a `SESSION_START_TIME` range whose `from`
and `to` are both inclusive and written `yyyy-MM-ddTHH:mm:ss.SSSZ`, messages per session
(POST with a JSON body in legacy style, GET with a query parameter in v1).

Sessions are listed newest first, as the vendor's own UI lists them, so sessions that arrive
during a walk through the pages push the older ones to later pages (`schedule_arrivals`):
a tap that trusted the first page's `totalCount` would skip the tail. One UTC day in seven
has no sessions, every day has a session starting exactly at midnight (a window boundary),
and some sessions have no messages.

The shapes follow the vendor's OpenAPI description of the Reporter API (`reporter-api.yml`;
the public copy used is named in tests/taps/test_jaicp_spec.py): sessions are `SessionInfo`
(`client` a `ClientInfo` whose `id` is a string), messages by session are `Message`,
messages by filter (`POST …/messages/filter`, a `MESSAGE_TIME` range) are `ExtendedMessage`,
clients are `ClientExtendedInfo` (`id` a string), labels `SessionLabelDto` /
`MessageLabelDto` with `priority` and `group`. Client ids mix digits (as messengers send
them) and text, so a tap that types them as numbers loses them.

Where the spec is explicit the emulator follows it, so the tap meets the shapes it allows:
- `POST …/sessions/filter` returns `labels` and `sessionData` only when asked with the
  optional query flags `needToReturnSessionLabels=true` / `needToReturnSessionData=true`
  (as a server that honours them would);
- `GET …/messages/by-session` (v1) answers `MessagesForSessionDto`, `session` included;
- list and statistics envelopes carry the optional `filterSetId`;
- members come in no fixed order (shuffled per answer, deterministically);
- filter date-times are read as any RFC 3339 date-time (`format: date-time`: lowercase
  `t`/`z`, an offset, any fraction or none, a leap second), not only `…SSSZ`;
- the request body is optional where the spec says `required: false` (no time filter: the
  emulator serves the last `DEFAULT_RANGE_DAYS` days: what the real server then serves is
  not published);
- `size` has no upper bound (the spec states only `minimum: 1`);
- no member is `null` (the spec declares no nullable property: absent instead).
New statistics, from the same spec: `GET …/message/labels` (an array of `MessageLabelDto`),
`POST …/stats/session-labels` (`SessionLabelStatsDto`: per label, `tsToValues` per interval)
and `GET …/stats/switched-sessions` (`TimestampToValueStatsDto` per day, for one
`transferToOperatorMethod`). `ts` is the epoch millisecond at which the interval starts, in
UTC when no `Timezone` header is sent (the spec names the header but not its unit).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import threading
import typing as t
from urllib.parse import unquote

from emulators.framework import EmulatorApp, Reply, Request

#: days served when a filter body holds no time range (an assumption: see the docstring)
DEFAULT_RANGE_DAYS = 7
#: the two `transferToOperatorMethod` values of the spec
TRANSFER_METHODS = ("SWITCH", "TEXT")
INTERVAL_TYPES = ("HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR")
CHANNELS = ("telegram", "chatwidget", "viber", "vk", "resterisk")
STATUSES = ("SENT", "DELIVERED", "READ", "NOT_DELIVERED", "NOT_SENT")
FIRST_NAMES = ("Anna", "Boris", "Chen", "Dana", "Egor", "Fatima", "Gleb", "Hana")
LAST_NAMES = ("Ivanova", "Petrov", "Li", "Smith", "Orlov", "Khan", "Sokolov", "Sato")
CLIENTS = 40
#: session labels 1..4 are set on sessions; message labels 1..3 on messages, the catalog
#: holds two more that no message carries yet
SESSION_LABELS = 4
MESSAGE_LABELS = 5
PROJECT = "demo-project-1234"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso_ms(instant: dt.datetime) -> str:
    """`yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, as the vendor writes date-times."""
    return instant.astimezone(dt.UTC).strftime(TIME_FORMAT)[:-4] + "Z"


_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)"
)


def parse_iso_ms(text: str) -> dt.datetime:
    """A filter date-time: any RFC 3339 `date-time` (the spec's `format`), as a UTC instant;
    anything else is a 400. Digits beyond the microsecond are dropped; a leap second
    (`:60`) is read as the instant after `:59`.
    """
    match = _RFC3339.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"date-time must be an RFC 3339 date-time, got {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7) or "0", match.group(8).upper()
    leap = second == 60
    offset = dt.timedelta()
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        offset = sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    instant = dt.datetime(
        year,
        month,
        day,
        hour,
        minute,
        59 if leap else second,
        int(fraction[:6].ljust(6, "0")),
        tzinfo=dt.timezone(offset),
    )
    return (instant + dt.timedelta(seconds=1 if leap else 0)).astimezone(dt.UTC)


class JaicpData:
    """Deterministic sessions, messages and clients: the same day always holds the same rows."""

    #: values that do not fit the published types, served on demand (`odd`): a session
    #: label `priority` as text ("nested"), a `questionCount` as text ("plain"), a client
    #: whose `id` is an object ("client_key")
    ODD_VALUES = frozenset({"nested", "plain", "client_key"})

    def __init__(
        self, per_day: int = 8, odd: t.Iterable[str] = (), messages_per_session: int | None = None
    ) -> None:
        self.per_day = per_day
        #: every session holds this many messages (None: 0 to 13, some none)
        self.messages_per_session = messages_per_session
        self.odd = frozenset(odd)
        if not self.odd <= self.ODD_VALUES:
            raise ValueError(f"odd values are among {sorted(self.ODD_VALUES)}")
        #: sessions added while the emulator runs (see `JaicpEmulator.schedule_arrivals`)
        self.arrived: list[dict] = []
        self._lock = threading.Lock()

    def sessions_on_utc_day(self, day: dt.date) -> list[dict]:
        """The sessions that started on a UTC day (the first one exactly at midnight)."""
        ordinal = day.toordinal()
        if ordinal % 7 == 3:
            return []
        count = max(1, self.per_day // 2 + (ordinal * 7919) % max(1, self.per_day))
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        return [self._session(ordinal, i, midnight, count) for i in range(count)]

    def _session(self, ordinal: int, i: int, midnight: dt.datetime, count: int) -> dict:
        seed = ordinal * 1009 + i * 31
        # the first session of a day starts exactly at midnight: on a window boundary
        offset_ms = 0 if i == 0 else (i * 86_399_000) // count + seed % 997
        start = midnight + dt.timedelta(milliseconds=offset_ms)
        client = seed % CLIENTS
        messages = 0 if seed % 5 == 0 else 1 + seed % 13
        if self.messages_per_session is not None:
            messages = self.messages_per_session
        session = {
            "sessionId": f"s-{ordinal}-{i:03d}",
            "projectShortName": PROJECT,
            "channelType": CHANNELS[seed % len(CHANNELS)],
            "botId": f"bot-{1 + seed % 3}",
            "client": _client(client),
            "startTime": iso_ms(start),
            "firstQuestion": "Hello" if messages else None,
            "lastQuestion": "Thanks, bye" if messages else None,
            "questionCount": messages,
            "duration": (30 + seed % 1800) * 1000 + seed % 1000,
            "sessionResult": "resolved" if seed % 2 else None,
            "responseData": {},
            "customFields": {"segment": "b2c"} if seed % 6 == 0 else {},
            "sessionData": {"locale": "en-GB"} if seed % 2 else {},
            "isLivechat": seed % 8 == 0,
            "labels": [_session_label(1 + seed % SESSION_LABELS)] if seed % 3 == 0 else [],
        }
        if session["channelType"] == "resterisk":  # telephony sessions carry a call task
            session |= {
                "callTaskId": 500 + seed % 50,
                "isCallIncoming": seed % 2 == 0,
                "audioFileUrl": f"https://records.example/{ordinal}-{i}.wav",
            }
        if seed % 10 == 1:
            session["experimentId"] = 7  # a field the tap does not declare
        if seed % 4 == 2:
            # numbers as text now and then, inside nested objects too
            session["labels"] = [label | {"id": str(label["id"])} for label in session["labels"]]
        if i == 1 and "nested" in self.odd:
            session["labels"] = [_session_label(2) | {"priority": "high"}]
        if i == 1 and "plain" in self.odd:
            session["questionCount"] = f"{session['questionCount']} questions"
        return session

    def sessions(self, first: dt.datetime, last: dt.datetime) -> list[dict]:
        """Sessions that started within first..last (both inclusive), newest first."""
        rows = []
        day = first.date()
        while day <= last.date():
            rows += self.sessions_on_utc_day(day)
            day += dt.timedelta(days=1)
        with self._lock:
            rows += self.arrived
        rows = [s for s in rows if first <= parse_iso_ms(s["startTime"]) <= last]
        return sorted(rows, key=lambda s: (s["startTime"], s["sessionId"]), reverse=True)

    def sessions_on_days(self, first: dt.date, last: dt.date) -> list[dict]:
        """Sessions of the UTC days first..last (ground truth)."""
        start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        return self.sessions(start, end - dt.timedelta(milliseconds=1))

    def add_arrival(self, near: dt.datetime) -> dict:
        """A session that starts just before `near`, arriving now."""
        with self._lock:
            n = len(self.arrived)
            start = near - dt.timedelta(milliseconds=1 + n)
            session = {
                "sessionId": f"late-{n:03d}",
                "projectShortName": PROJECT,
                "channelType": "chatwidget",
                "botId": "bot-1",
                "client": _client(n % CLIENTS),
                "startTime": iso_ms(start),
                "firstQuestion": "Hi",
                "lastQuestion": "Hi",
                "questionCount": 1,
                "duration": 5000,
                "isLivechat": False,
                "labels": [],
            }
            self.arrived.append(session)
            return session

    @staticmethod
    def messages(session: dict) -> list[dict]:
        """The messages of a session, oldest first, as `Message` (by session)."""
        start = parse_iso_ms(session["startTime"])
        rows = []
        for i in range(message_count(session)):
            seed = hash_text(session["sessionId"]) + i * 17
            row = {
                "timestamp": iso_ms(start + dt.timedelta(seconds=5 * i)),
                "questionId": f"{session['sessionId']}-q{i:02d}",
                "isLivechat": session["isLivechat"],
                "question": f"question {i}",
                "textAnswer": f"answer {i}" if seed % 4 else "",
                "nlpInfo": {
                    "nlpState": "/Start" if i == 0 else "/Question",
                    "nlpClass": "/greeting" if i == 0 else "/faq",
                    "confidence": round(0.5 + (seed % 50) / 100, 2),
                    "ruleType": "pattern",
                },
                "processingTime": 100 + seed % 900,
                "labels": [_message_label(1 + seed % 3)] if seed % 5 == 0 else [],
                "cleaned": False,
                "status": STATUSES[seed % len(STATUSES)],
                "sessionId": session["sessionId"],
            }
            if session["isLivechat"] and i == 1:
                row["operatorInfo"] = {"id": f"op-{seed % 7}", "firstName": "Olga"}
            if session["channelType"] == "chatwidget":
                row |= {"pageName": f"/catalog/{i}", "previousPageName": "/" if i else None}
            if seed % 6 == 0:
                row |= {"requestData": {"query": row["question"]}, "data": {}, "responseData": {}}
                row["utterancesJson"] = {"utterances": [row["question"]]}
            if seed % 11 == 0:
                row |= {"event": "timeLimit", "exception": "ScriptTimeout", "comment": "check"}
            if seed % 7 == 0:
                row["nluIntent"] = "/greeting"  # a field the tap does not declare
            rows.append(row)
        return rows

    @classmethod
    def extended_messages(cls, session: dict) -> list[dict]:
        """The messages of a session as `ExtendedMessage` (by filter): with their session's
        project, channel, bot, client, start and labels; `status` is not part of it."""
        context = {
            "projectShortName": session["projectShortName"],
            "channelType": session["channelType"],
            "botId": session["botId"],
            "client": session["client"],
            "sessionStartTime": session["startTime"],
            "sessionLabels": session.get("labels", []),
        }
        rows = []
        for message in cls.messages(session):
            row = {k: v for k, v in message.items() if k != "status"} | context
            if "callTaskId" in session:
                row |= {"callTaskId": session["callTaskId"], "isCallIncoming": True}
            rows.append(row)
        return rows

    def messages_between(self, first: dt.datetime, last: dt.datetime) -> list[dict]:
        """`ExtendedMessage`s whose time is within first..last (both inclusive), newest
        first; a session that started the day before may have messages in the range."""
        sessions = self.sessions(first - dt.timedelta(days=1), last)
        rows = [
            m
            for s in sessions
            for m in self.extended_messages(s)
            if first <= parse_iso_ms(m["timestamp"]) <= last
        ]
        return sorted(rows, key=lambda m: (m["timestamp"], m["questionId"]), reverse=True)

    def messages_on_days(self, first: dt.date, last: dt.date) -> list[dict]:
        """Messages sent on the UTC days first..last (ground truth of `messages` by time)."""
        start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        return self.messages_between(start, end - dt.timedelta(milliseconds=1))

    def session_label_stats(self, first: dt.datetime, last: dt.datetime) -> list[dict]:
        """`SessionLabelStats` of every session label: its sessions per UTC day."""
        sessions = self.sessions(first, last)
        stats = []
        for n in range(1, SESSION_LABELS + 1):
            values = []
            for day in _days(first.date(), last.date()):
                count = sum(
                    1
                    for s in sessions
                    if parse_iso_ms(s["startTime"]).date() == day
                    and any(str(label["id"]) == str(n) for label in s.get("labels", []))
                )
                values.append({"ts": epoch_ms(day), "value": float(count)})
            total = int(sum(v["value"] for v in values))
            stats.append({"label": _session_label(n), "tsToValues": values, "totalCount": total})
        return stats

    def switched_sessions(self, first: dt.date, last: dt.date, method: str) -> list[dict]:
        """Sessions switched to an operator per UTC day (`TimestampToValue`), both ends
        inclusive: by the bot's switch (`SWITCH`: the live-chat sessions) or by its text
        (`TEXT`: a fixed subset of the others)."""
        return [
            {"ts": epoch_ms(day), "value": float(len(self.switched_on_day(day, method)))}
            for day in _days(first, last)
        ]

    def switched_on_day(self, day: dt.date, method: str) -> list[dict]:
        """The sessions of a UTC day switched by `method` (ground truth)."""
        sessions = self.sessions_on_utc_day(day)
        if method == "SWITCH":
            return [s for s in sessions if s["isLivechat"]]
        return [s for s in sessions if not s["isLivechat"] and hash_text(s["sessionId"]) % 9 == 0]

    def clients(self) -> list[dict]:
        """Every client of the project, as `ClientExtendedInfo`."""
        rows = [_client_extended(n) for n in range(CLIENTS)]
        if "client_key" in self.odd:
            rows[5]["id"] = {"value": rows[5]["id"]}
        return rows

    def find_session(self, session_id: str) -> dict | None:
        """The session with this id (from its id's day), or None."""
        with self._lock:
            for session in self.arrived:
                if session["sessionId"] == session_id:
                    return session
        parts = session_id.split("-")
        if len(parts) != 3 or parts[0] != "s":
            return None
        try:
            day = dt.date.fromordinal(int(parts[1]))
        except ValueError:
            return None
        return next(
            (s for s in self.sessions_on_utc_day(day) if s["sessionId"] == session_id), None
        )


def message_count(session: dict) -> int:
    """How many messages a session holds (its `questionCount`, even when served as text)."""
    count = session["questionCount"]
    return int(count.split()[0]) if isinstance(count, str) else count


def epoch_ms(day: dt.date) -> int:
    """The epoch millisecond at which a UTC day begins (`TimestampToValue.ts`)."""
    return int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()) * 1000


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def hash_text(text: str) -> int:
    """A stable small hash (Python's `hash` of a str changes between processes)."""
    return sum((i + 1) * ord(c) for i, c in enumerate(text))


def client_id(n: int) -> str:
    """A client id: digits for messenger users, text for web widget visitors."""
    return str(100_000_000 + n * 7919) if n % 2 else f"{(n * 2_654_435_761) % 2**32:08x}-web"


def _client(n: int) -> dict:
    """`ClientInfo`."""
    return {
        "id": client_id(n),
        "firstName": FIRST_NAMES[n % len(FIRST_NAMES)],
        "lastName": LAST_NAMES[(n // 3) % len(LAST_NAMES)],
        "username": f"user{n:04d}" if n % 3 else None,
    }


def _client_extended(n: int) -> dict:
    """`ClientExtendedInfo`."""
    joined = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=37 * n)
    blocked = n % 9 == 0
    row = _client(n) | {
        "accountId": 4242,
        "projectShortName": PROJECT,
        "channelType": CHANNELS[n % len(CHANNELS)],
        "botId": f"bot-{1 + n % 3}",
        "lastSessionId": f"s-{739000 + n}-000",
        "joinDate": iso_ms(joined),
        "lastVisitDate": iso_ms(joined + dt.timedelta(days=30)),
        "isBlocked": blocked,
    }
    if blocked:
        row |= {"blockReason": "spam", "blockedBy": 77, "blockDate": iso_ms(joined)}
    return row


def _session_label(n: int) -> dict:
    """`SessionLabelDto`."""
    return {"id": n, "name": f"label-{n}", "priority": n}


def _message_label(n: int) -> dict:
    """`MessageLabelDto`, with its group (`MessageLabelGroupDto`)."""
    group = (
        {"id": 1, "name": "topics", "priority": 1}
        if n <= 3
        else {"id": 2, "name": "escalation", "priority": 2}
    )
    return {"id": 10 + n, "name": f"topic-{n}", "priority": n, "group": group}


class JaicpEmulator(EmulatorApp):
    """The Reporter API of one project and token."""

    name = "jaicp"
    LEGACY_PREFIX = "/api/reporter/p/"
    V1_PREFIX = "/api/v1/reporter/"

    def __init__(
        self,
        *,
        api_token: str,
        data: JaicpData | None = None,
        paging_last: bool = False,
        today: dt.date | None = None,
    ) -> None:
        self.api_token = api_token
        self.data = data or JaicpData()
        #: write `paging` after the records array (else members come in a shuffled order)
        self.paging_last = paging_last
        #: the UTC day a body without a time filter ends on (None: the real today)
        self.today = today
        self._arrivals_due = 0
        self._answers = 0
        self._lock = threading.Lock()

    def schedule_arrivals(self, count: int) -> None:
        """After the next first page of sessions, `count` newer sessions arrive in its range."""
        self._arrivals_due = count

    def handle(self, request: Request) -> Reply:
        """Answer a Reporter API request."""
        route = self._authenticate(request)
        if isinstance(route, Reply):
            return route
        routes: dict[str, tuple[str, t.Callable[[Request], Reply]]] = {
            "sessions/filter": ("POST", self._sessions),
            "messages/filter": ("POST", self._messages_by_time),
            "clients/filter": ("POST", self._clients),
            "message/labels": ("GET", self._message_labels),
            "stats/session-labels": ("POST", self._session_label_stats),
            "stats/switched-sessions": ("GET", self._switched_sessions),
        }
        try:
            if route == "messages/by-session":
                return self._messages(request)
            if route not in routes:
                return Reply.json({"error": "Not Found", "path": route}, status=404)
            method, answer = routes[route]
            if request.method != method:
                return Reply.json({"error": "Method Not Allowed"}, status=405)
            return answer(request)
        except ValueError as exc:
            return Reply.json({"error": "Bad Request", "message": str(exc)}, status=400)

    def _authenticate(self, request: Request) -> str | Reply:
        """The route after the credentials, or a 401/404 reply."""
        if request.path.startswith(self.LEGACY_PREFIX):
            token, _, route = request.path[len(self.LEGACY_PREFIX) :].partition("/")
            if unquote(token) != self.api_token:
                return Reply.json({"error": "Unauthorized", "message": "Invalid token"}, 401)
            return route
        if request.path.startswith(self.V1_PREFIX):
            if request.headers.get("authorization") != f"Bearer {self.api_token}":
                return Reply.json({"error": "Unauthorized", "message": "Invalid token"}, 401)
            return request.path[len(self.V1_PREFIX) :]
        return Reply.json({"error": "Not Found"}, status=404)

    def _default_range(self) -> tuple[dt.datetime, dt.datetime]:
        """What a request without a time filter gets: the last `DEFAULT_RANGE_DAYS` days."""
        today = self.today or dt.datetime.now(dt.UTC).date()
        end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        return end - dt.timedelta(days=DEFAULT_RANGE_DAYS), end - dt.timedelta(milliseconds=1)

    def _range(self, request: Request, key: str) -> tuple[dt.datetime, dt.datetime]:
        """The body's range on `key`; the default range when the (optional) body has none."""
        return _time_range(_optional_body(request), key) or self._default_range()

    def _sessions(self, request: Request) -> Reply:
        page, size = _paging(request.query)
        first, last = self._range(request, "SESSION_START_TIME")
        rows = self.data.sessions(first, last)
        if request.query.get("needToReturnSessionLabels") != "true":
            rows = [{k: v for k, v in row.items() if k != "labels"} for row in rows]
        if request.query.get("needToReturnSessionData") != "true":
            rows = [{k: v for k, v in row.items() if k != "sessionData"} for row in rows]
        reply = self._page("sessions", rows, page, size)
        if page == 0 and self._arrivals_due:
            for _ in range(self._arrivals_due):
                self.data.add_arrival(last)
            self._arrivals_due = 0
        return reply

    def _messages_by_time(self, request: Request) -> Reply:
        page, size = _paging(request.query)
        first, last = self._range(request, "MESSAGE_TIME")
        return self._page("messages", self.data.messages_between(first, last), page, size)

    def _clients(self, request: Request) -> Reply:
        _optional_body(request)  # optional, and not used to filter here
        page, size = _paging(request.query)
        return self._page("clients", self.data.clients(), page, size)

    def _messages(self, request: Request) -> Reply:
        """`MessagesForSessionDto`: the session, its messages, the paging."""
        page, size = _paging(request.query)
        if request.path.startswith(self.V1_PREFIX):
            if request.method != "GET":
                return Reply.json({"error": "Method Not Allowed"}, status=405)
            session_id = request.query.get("sessionId")
        else:
            if request.method != "POST":
                return Reply.json({"error": "Method Not Allowed"}, status=405)
            body = request.json()
            session_id = body.get("sessionId") if isinstance(body, dict) else None
        if not session_id:
            raise ValueError("sessionId is required")
        session = self.data.find_session(session_id)
        if session is None:
            return Reply.json({"error": "Not Found", "message": "no such session"}, status=404)
        return self._page("messages", self.data.messages(session), page, size, session=session)

    def _message_labels(self, request: Request) -> Reply:
        """An array of `MessageLabelDto`."""
        labels = [_message_label(n) for n in range(1, MESSAGE_LABELS + 1)]
        return self._reply([self._shuffled(label) for label in labels])

    def _session_label_stats(self, request: Request) -> Reply:
        """`SessionLabelStatsDto`: every session label, its sessions per interval."""
        interval = request.query.get("intervalType", "DAY")
        if interval not in INTERVAL_TYPES:
            raise ValueError(f"intervalType is one of {', '.join(INTERVAL_TYPES)}")
        if interval != "DAY" or request.query.get("step", "1") != "1":
            raise ValueError("this emulator serves intervalType=DAY with step=1 only")
        first, last = self._range(request, "SESSION_START_TIME")
        stats = self.data.session_label_stats(first, last)
        return self._reply({"stats": stats, "filterSetId": self._filter_set_id()})

    def _switched_sessions(self, request: Request) -> Reply:
        """`TimestampToValueStatsDto`: sessions switched to an operator, per day."""
        method = request.query.get("transferToOperatorMethod")
        if method not in TRANSFER_METHODS:
            raise ValueError(f"transferToOperatorMethod is one of {', '.join(TRANSFER_METHODS)}")
        first, last = (_query_date(request.query, name) for name in ("dateFrom", "dateTo"))
        if last < first:
            raise ValueError("dateTo is before dateFrom")
        stats = self.data.switched_sessions(first, last, method)
        total = float(sum(item["value"] for item in stats))
        return self._reply(
            {"stats": stats, "totalCount": total, "filterSetId": self._filter_set_id()}
        )

    def _filter_set_id(self) -> str:
        with self._lock:
            self._answers += 1
            return f"fs-{self._answers:06d}"

    def _shuffled(self, members: dict[str, t.Any]) -> dict[str, t.Any]:
        """The same members in a deterministic, varying order (the spec fixes none)."""
        keys = list(members)
        random.Random(len(keys) * 7919 + self._answers).shuffle(keys)
        return {key: members[key] for key in keys}

    def _reply(self, payload: t.Any) -> Reply:
        return Reply.json(without_nulls(payload))

    def _page(self, member: str, rows: list[dict], page: int, size: int, **extra: t.Any) -> Reply:
        paging = {"pageNum": page, "pageSize": size, "totalCount": len(rows)}
        records = [self._shuffled(row) for row in rows[page * size : (page + 1) * size]]
        envelope = {"filterSetId": self._filter_set_id(), **extra}
        body = self._shuffled({"paging": paging, member: records, **envelope})
        if self.paging_last:
            body = {member: records, **envelope, "paging": paging}
        return self._reply(body)


def without_nulls(value: t.Any) -> t.Any:
    """`value` with every `null` member left out (the spec declares none nullable)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def _optional_body(request: Request) -> t.Any:
    """The JSON body, or None when there is none (`requestBody: required: false`)."""
    if not request.body.strip():
        return None
    try:
        return json.loads(request.body)
    except ValueError:
        raise ValueError("the body is not JSON") from None


def _query_date(query: dict[str, str], name: str) -> dt.date:
    """A required `format: date` query parameter."""
    try:
        return dt.date.fromisoformat(query[name])
    except KeyError:
        raise ValueError(f"{name} is required") from None
    except ValueError:
        raise ValueError(f"{name} must be a date (yyyy-MM-dd), got {query[name]!r}") from None


def _paging(query: dict[str, str]) -> tuple[int, int]:
    try:
        page, size = int(query.get("page", "0")), int(query.get("size", "20"))
    except ValueError:
        raise ValueError("page and size must be integers") from None
    if page < 0 or size < 1:
        raise ValueError("page must be >= 0 and size >= 1")
    return page, size


def _time_range(body: t.Any, key: str) -> tuple[dt.datetime, dt.datetime] | None:
    """The `from`/`to` of the body's DATE_TIME_RANGE filter on `key`, or None without one."""
    if body is None:
        return None
    filters = body.get("filters") if isinstance(body, dict) else None
    if filters is None and isinstance(body, dict):
        return None
    if not isinstance(filters, list):
        raise ValueError("filters must be a list")
    for item in filters:
        if isinstance(item, dict) and item.get("key") == key:
            if item.get("type") != "DATE_TIME_RANGE":
                raise ValueError(f"{key} is a DATE_TIME_RANGE filter")
            first, last = parse_iso_ms(item.get("from")), parse_iso_ms(item.get("to"))
            if last < first:
                raise ValueError("'to' is before 'from'")
            return first, last
    return None


def demo_app(interval: float) -> JaicpEmulator:
    """The emulator with the `dev` environment's made-up token (see meltano.yml).

    JAICP has no documented rate limit, so `interval` is not used.
    """
    return JaicpEmulator(api_token="demo-jaicp-token")
