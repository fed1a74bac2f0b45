"""Chat-Tonic's stats API on loopback (see docs/vendor-sources.md).

Serves the login (`POST /api/v1/user/login`), the operator statistics and the BigQuery
dashboard of one account (`codename`), from conversations generated deterministically per
UTC hour. Every figure is an aggregate over the conversations inside the range asked, so a
window that is an hour off, or that overlaps its neighbour, shows up as wrong numbers.

What the documentation leaves open, and the emulator (like the tap) assumes:
- `startDate` and `endDate` are both inclusive, to the millisecond (the vendor's own example
  ends at 02:55, before the next midnight). Some conversations start exactly on the hour, so
  a range ending at the next midnight counts them twice.
- Dashboard groups are labelled in UTC (`%Y-%m-%d %H`); an hour with no conversation has no
  row; an hour cut by the range is aggregated over the part inside it.
- Bearer tokens issued by the login may expire after `token_lifetime` accepted requests
  (401 afterwards); the configured `access_token`, if any, never expires.
- Failures inside a 200 answer are `{"status": false, "message": ...}` (`fail_next`).

The same conversations are served one by one as the developer wiki's "Queries" page
describes `GET /api/v1/{codename}/query`: `skip` (default 0) and `limit` (default and
maximum 100), an optional `query={"status": …}` (pending, progress, resolved), a sort on
`createdAt` (-1 or 1), and the answer `{"limit", "skip", "objects": [...]}` whose objects
hold `_id`, `app`, `messageUser`, `message`, `account`, `origins`, `status`, the per-status
`dates`, `search`, `createdAt`, `updatedAt`. What the wiki leaves open, assumed here:
- the sort travels as `sort={"createdAt":-1}` (JSON, like `query`); without it the objects
  come oldest first (MongoDB's natural order);
- a conversation is `pending` from its creation, `progress` once an operator answers
  (`first_response` seconds later), `resolved` once done (`duration` more seconds); one that
  is never resolved stays `pending` (abandoned) or `progress`; `dates` holds the instant
  each status was reached, `updatedAt` the last of them;
- there is no total and no time filter; `history_days` of conversations are kept.
Statuses are computed as of `ChattonicData.until`: moving it later is time passing (new
conversations arrive, open ones progress or get resolved).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import typing as t
from dataclasses import dataclass

from emulators.framework import EmulatorApp, Reply, Request

LOGIN_PATH = "/api/v1/user/login"
HOUR_LABEL = "%Y-%m-%d %H"
API_INSTANT = "%Y-%m-%dT%H:%M:%S.%fZ"
ISSUED_TOKEN_PREFIX = "issued-chattonic-token"
ONE_HOUR = dt.timedelta(hours=1)
#: Users and messages the account had before the emulated history (for the "total" figures).
BASE_USERS = 20_000
BASE_MESSAGES = 400_000
_HISTORY_START_HOUR = int(dt.datetime(2018, 1, 1, tzinfo=dt.UTC).timestamp()) // 3600


@dataclass(frozen=True)
class Operator:
    """One operator of the account."""

    id: str
    given_name: str
    family_name: str
    origins: tuple[str, ...]
    origins_name: str
    profile: int = 500


OPERATORS = (
    Operator("5ed96d95aef725fdfb", "Chamo", "Sac2", ("5ed94dd1fdda89cee4cb61",), "Ventas"),
    Operator("5f286ede4dbdcf209af", "Chamo", "Operator", (), "all"),
    Operator("60a1b2c3d4e5f60718", "Lucía", "Fernández", ("5ed94dd1fdda89cee4cb61",), "Ventas"),
    Operator("60a1b2c3d4e5f60719", "Mateo", "Rossi", ("5ed94dd1fdda89cee4cc72",), "Soporte"),
    Operator("60a1b2c3d4e5f6071a", "Aiko", "Tanaka", (), "all", profile=100),
)


@dataclass(frozen=True)
class Conversation:
    """One conversation: who handled it, when it started (UTC) and how it went."""

    at: dt.datetime
    operator: int
    duration: int
    first_response: int
    resolved: bool
    failed: bool
    nps: int | None
    csat: int | None
    new_user: bool
    received: int
    sent: int


def hour_floor(instant: dt.datetime) -> dt.datetime:
    """The start of the UTC hour holding `instant`."""
    return instant.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


class ChattonicData:
    """Deterministic conversations: the same UTC hour always holds the same ones.

    Two UTC days in every seven are quiet (no conversation), so whatever the time zone some
    local day has no dashboard rows. Nothing happens after `until` (by default the moment
    the data is created): today's figures are incomplete, as on the real service, yet the
    same for every request to one emulator, so its ground truth does not move during a test.
    """

    def __init__(
        self,
        per_hour: int = 4,
        until: dt.datetime | None = None,
        history_days: int = 60,
        seed: int = 0,
    ) -> None:
        self.per_hour = per_hour
        self.until = until or dt.datetime.now(dt.UTC)
        #: how far before `until` the conversation list (`/query`) reaches
        self.history_days = history_days
        self._listed: tuple[dt.datetime, list[dict]] | None = None
        #: another account's data set: the same operators and hours (colliding keys), other
        #: conversations; 0 is the data every other test reads
        self.seed = seed

    def conversations_in_hour(self, hour_start: dt.datetime) -> list[Conversation]:
        """The conversations that started in one UTC hour, in time order."""
        hour = int(hour_start.timestamp()) // 3600 + self.seed * 100_003
        if hour_start.date().toordinal() % 7 in (3, 4) or hour_start > self.until:
            return []
        count = _mix(hour, 1) % (self.per_hour + 1)
        conversations = [self._conversation(hour, i, hour_start, count) for i in range(count)]
        return [c for c in conversations if c.at <= self.until]

    @staticmethod
    def _conversation(hour: int, i: int, hour_start: dt.datetime, count: int) -> Conversation:
        seed = hour * 131 + i * 17
        # About one hour in three (whatever its time of day) opens with a conversation
        # exactly on the hour: a range that includes the next midnight counts it twice.
        on_the_hour = i == 0 and _mix(hour, 2) % 3 == 0
        offset = 0 if on_the_hour else min(3599, (i * 3599) // count + seed % 50)
        duration = 45 + seed % 1500
        resolved = seed % 5 != 0
        return Conversation(
            at=hour_start + dt.timedelta(seconds=offset),
            operator=(seed // 7) % len(OPERATORS),
            duration=duration,
            first_response=5 + seed % 120,
            resolved=resolved,
            failed=not resolved and seed % 2 == 0,
            nps=seed % 11 if seed % 3 == 0 else None,
            csat=1 + seed % 5 if seed % 4 == 0 else None,
            new_user=seed % 4 == 1,
            received=1 + seed % 20,
            sent=1 + seed % 25,
        )

    def conversations(self, start: dt.datetime, end: dt.datetime) -> list[Conversation]:
        """Conversations with start <= at <= end (both ends inclusive, as the API reads them)."""
        found = []
        hour = hour_floor(start)
        while hour <= end:
            found += [c for c in self.conversations_in_hour(hour) if start <= c.at <= end]
            hour += ONE_HOUR
        return found

    # -- what the API answers --------------------------------------------------------------

    def operator_rows(self, start: dt.datetime, end: dt.datetime) -> list[dict]:
        """Every operator of the account, with its figures over start..end."""
        conversations = self.conversations(start, end)
        return [
            operator_row(index, [c for c in conversations if c.operator == index])
            for index in range(len(OPERATORS))
        ]

    def dashboard_rows(self, start: dt.datetime, end: dt.datetime) -> list[dict]:
        """One row per UTC hour that has conversations within start..end."""
        by_hour: dict[dt.datetime, list[Conversation]] = {}
        for conversation in self.conversations(start, end):
            by_hour.setdefault(hour_floor(conversation.at), []).append(conversation)
        return [dashboard_row(hour, rows) for hour, rows in sorted(by_hour.items())]

    def query_objects(self) -> list[dict]:
        """Every conversation of the history as a query object, oldest first, as of `until`."""
        if self._listed is None or self._listed[0] != self.until:
            start = hour_floor(self.until - dt.timedelta(days=self.history_days))
            objects = [
                query_object(c, self.until)
                for c in self.conversations(start, self.until)
                if c.at <= self.until
            ]
            self._listed = (self.until, objects)
        return self._listed[1]

    # -- ground truth ----------------------------------------------------------------------

    def local_day_conversations(self, day: dt.date, tz: dt.tzinfo) -> list[Conversation]:
        """The conversations whose local date in `tz` is `day` (by definition, not by range)."""
        found = []
        hour = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        last_hour = hour + dt.timedelta(days=3)
        while hour <= last_hour:
            found += [
                c for c in self.conversations_in_hour(hour) if c.at.astimezone(tz).date() == day
            ]
            hour += ONE_HOUR
        return found

    def operator_day(self, day: dt.date, tz: dt.tzinfo) -> dict[str, dict]:
        """operator id → that operator's row for one local day."""
        conversations = self.local_day_conversations(day, tz)
        return {
            operator.id: operator_row(index, [c for c in conversations if c.operator == index])
            for index, operator in enumerate(OPERATORS)
        }

    def dashboard_hours(self, first: dt.date, last: dt.date, tz: dt.tzinfo) -> set[dt.datetime]:
        """UTC hours holding a conversation of the local days first..last."""
        hours = set()
        day = first
        while day <= last:
            hours |= {hour_floor(c.at) for c in self.local_day_conversations(day, tz)}
            day += dt.timedelta(days=1)
        return hours

    def dashboard_hour(self, hour: dt.datetime) -> dict:
        """The dashboard row of one whole UTC hour."""
        return dashboard_row(hour, self.conversations_in_hour(hour))


def _mix(number: int, salt: int) -> int:
    """A deterministic scramble of `number`, so that patterns do not follow the time of day."""
    return ((number * 2654435761 + salt * 40503) >> 7) % 1_000_003


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 2) if values else 0


def operator_row(index: int, conversations: list[Conversation]) -> dict:
    """An operator's row as the API sends it, over the given conversations."""
    operator = OPERATORS[index]
    resolved = [c for c in conversations if c.resolved]
    scores = [c.nps for c in conversations if c.nps is not None]
    last = max((c.at for c in conversations), default=None)
    row: dict[str, t.Any] = {
        "name": {"givenName": operator.given_name, "familyName": operator.family_name},
        "origins": list(operator.origins),
        "profile": operator.profile,
        "_id": operator.id,
        "displayName": f"{operator.given_name} {operator.family_name}",
        "onlineTime": sum(c.duration for c in conversations) + 300 * len(conversations),
        "awayTime": 60 * sum(1 for c in conversations if not c.resolved),
        "freeTime": 120 * len(conversations),
        "queriesResolved": len(resolved),
        "avgDurationResolved": _mean([c.duration for c in resolved]),
        "queriesAssigned": len(conversations),
        "sumDuration": sum(c.duration for c in conversations),
        "nps": _mean(scores),
        "lastConnection": last.strftime("%Y-%m-%dT%H:%M:%S.000Z") if last else None,
        "numberOfResponsesNps": len(scores),
        "queryInProgress": 0,
        "originsName": operator.origins_name,
    }
    if index == 1:
        row["status"] = "online"  # present only for connected operators
    if index == 2:
        row["department"] = "Ventas online"  # a field the tap does not declare
    return row


QUERY_STATUSES = ("pending", "progress", "resolved")
APP_ID = "59cbf49fd6976e583b5df5d2"
ACCOUNT_ID = "5820d77d24270e7142e2da34"


def api_instant(instant: dt.datetime) -> str:
    """`2019-10-10T00:00:00.000Z`, as the wiki's examples write instants."""
    return instant.astimezone(dt.UTC).strftime(API_INSTANT)[:-4] + "Z"


def query_id(conversation: Conversation) -> str:
    """A 24-hex-digit id, like MongoDB's ObjectId: its creation second, then a counter."""
    seconds = int(conversation.at.timestamp())
    return f"{seconds:08x}{(seconds * 7919 + conversation.duration) % 16**16:016x}"


def query_dates(conversation: Conversation, as_of: dt.datetime) -> dict[str, dt.datetime]:
    """The instant each status was reached, up to `as_of`."""
    answered = conversation.at + dt.timedelta(seconds=conversation.first_response)
    done = answered + dt.timedelta(seconds=conversation.duration)
    dates = {"pending": conversation.at}
    if not conversation.failed and answered <= as_of:
        dates["progress"] = answered
    if conversation.resolved and done <= as_of:
        dates["resolved"] = done
    return dates


def query_object(conversation: Conversation, as_of: dt.datetime) -> dict:
    """A conversation as `GET /query` lists it, its status as of `as_of`."""
    dates = query_dates(conversation, as_of)
    status = next(s for s in reversed(QUERY_STATUSES) if s in dates)
    operator = OPERATORS[conversation.operator]
    user = int(conversation.at.timestamp()) % 9973
    row = {
        "_id": query_id(conversation),
        "app": APP_ID,
        "messageUser": {
            "_id": f"{user:024x}",
            "firstName": f"User{user}",
            "lastName": "Example",
            "platform": ("telegram", "whatsapp", "webchat")[user % 3],
            "pausedBot": False,
            "blocked": False,
        },
        "message": {"text": "Hola", "receivedAt": api_instant(conversation.at)},
        "account": {"_id": ACCOUNT_ID},
        "origins": list(operator.origins),
        "status": status,
        "dates": {name: api_instant(at) for name, at in dates.items()},
        "search": f"user{user} example",
        "createdAt": api_instant(conversation.at),
        "updatedAt": api_instant(max(dates.values())),
    }
    if conversation.nps is not None:
        row["originCodename"] = "ventas"  # a field the wiki's current example does not list
    return row


def dashboard_row(hour: dt.datetime, conversations: list[Conversation]) -> dict:
    """A dashboard group as the API sends it, over the given conversations of one hour."""
    hours_since_start = int(hour.timestamp()) // 3600 - _HISTORY_START_HOUR
    resolved = [c for c in conversations if c.resolved]
    failed = sum(1 for c in conversations if c.failed)
    first_responses = [c.first_response for c in conversations]
    durations = [c.duration for c in resolved]
    return {
        "date": hour.strftime(HOUR_LABEL),
        "totalUsers": BASE_USERS + 2 * hours_since_start,
        "newUsers": sum(1 for c in conversations if c.new_user),
        "activeUsers": len(conversations),
        "totalMessagesReceived": BASE_MESSAGES + 23 * hours_since_start,
        "messagesReceived": sum(c.received for c in conversations),
        "totalMessagesSent": BASE_MESSAGES + 29 * hours_since_start,
        "messagesSent": sum(c.sent for c in conversations),
        "pending": len(conversations) - len(resolved) - failed,
        "progress": 0,
        "resolved": len(resolved),
        "failed": failed,
        "userEfficiency": round(len(resolved) / len(conversations), 4) if conversations else 0,
        "attention": _mean(first_responses),
        "resolution": _mean(durations),
        "attentionAndResolution": _mean([c.first_response + c.duration for c in resolved]),
        "nps": _mean([c.nps for c in conversations if c.nps is not None]),
        "csat": _mean([c.csat for c in conversations if c.csat is not None]),
    }


class ChattonicEmulator(EmulatorApp):
    """The Chat-Tonic stats endpoints of one account, behind a login."""

    name = "chattonic"

    def __init__(
        self,
        *,
        codename: str,
        username: str,
        password: str,
        access_token: str | None = None,
        token_lifetime: int | None = None,
        data: ChattonicData | None = None,
        ignore_sort: bool = False,
    ) -> None:
        self.codename = codename
        self.username = username
        self.password = password
        self.access_token = access_token
        self.token_lifetime = token_lifetime
        self.data = data or ChattonicData()
        #: list conversations oldest first whatever `sort` says (a server without the sort)
        self.ignore_sort = ignore_sort
        #: after the next page of conversations, this much time passes (`ChattonicData.until`)
        self.time_passes_after_page: dt.timedelta | None = None
        self._uses: dict[str, int] = {}
        self._issued = 0
        self._status_false: list[str] = []
        self._lock = threading.Lock()

    @property
    def prefix(self) -> str:
        """The path under which the account's endpoints live."""
        return f"/api/v1/{self.codename}/stats/"

    @property
    def query_path(self) -> str:
        """The account's conversation list."""
        return f"/api/v1/{self.codename}/query"

    def fail_next(self, times: int, message: str = "BigQuery job failed") -> None:
        """Answer the next `times` stats requests with HTTP 200 and `status: false`."""
        with self._lock:
            self._status_false += [message] * times

    def handle(self, request: Request) -> Reply:
        """Answer a login or a stats request."""
        if request.path == LOGIN_PATH:
            return self._login(request)
        if not request.path.startswith("/api/v1/"):
            return Reply.json({"status": False, "message": "Not found"}, status=404)
        if not self._authorized(request.headers.get("authorization", "")):
            return Reply.json({"status": False, "message": "Unauthorized"}, status=401)
        if request.path.rstrip("/") == self.query_path:
            return self._queries(request)
        if not request.path.startswith(self.prefix):
            return Reply.json({"status": False, "message": "Unknown codename"}, status=404)
        with self._lock:
            failure = self._status_false.pop(0) if self._status_false else None
        if failure:
            return Reply.json({"status": False, "message": failure})
        try:
            start, end = self._range(request.query)
        except ValueError as exc:
            return Reply.json({"status": False, "message": str(exc)}, status=400)
        endpoint = request.path[len(self.prefix) :].strip("/")
        if endpoint == "operator":
            rows = self.data.operator_rows(start, end)
            return Reply.json({"status": True, "operators": rows, "queryPending": 0})
        if endpoint == "bigquery":
            return self._dashboard(request.query, start, end)
        return Reply.json({"status": False, "message": "Not found"}, status=404)

    def _queries(self, request: Request) -> Reply:
        """`GET /query`: a page of conversations, optionally of one status, sorted."""
        if request.method != "GET":
            return Reply.json({"status": False, "message": "Method not allowed"}, status=405)
        q = request.query
        try:
            skip, limit = int(q.get("skip", "0")), int(q.get("limit", "100"))
            query = json.loads(q["query"]) if q.get("query") else {}
            sort = json.loads(q["sort"]) if q.get("sort") else {}
        except ValueError:
            return Reply.json({"status": False, "message": "Bad skip, limit, query or sort"}, 400)
        if skip < 0 or not 1 <= limit <= 100:
            return Reply.json({"status": False, "message": "limit is 1..100, skip >= 0"}, 400)
        if not isinstance(query, dict) or query.get("status", "pending") not in QUERY_STATUSES:
            return Reply.json({"status": False, "message": "Invalid status"}, status=400)
        if not isinstance(sort, dict) or sort.get("createdAt", 1) not in (1, -1):
            return Reply.json({"status": False, "message": "createdAt sorts by -1 or 1"}, 400)
        objects = self.data.query_objects()
        if "status" in query:
            objects = [o for o in objects if o["status"] == query["status"]]
        if sort.get("createdAt") == -1 and not self.ignore_sort:
            objects = objects[::-1]
        page = objects[skip : skip + limit]
        with self._lock:
            passing, self.time_passes_after_page = self.time_passes_after_page, None
        if passing:
            self.data.until += passing
        return Reply.json({"limit": limit, "skip": skip, "objects": page})

    def _login(self, request: Request) -> Reply:
        try:
            body = request.json()
        except ValueError:
            body = None
        if request.method != "POST" or not isinstance(body, dict):
            return Reply.json({"status": False, "message": "Expected a JSON body"}, status=400)
        if body.get("username") != self.username or body.get("password") != self.password:
            return Reply.json(
                {"status": False, "message": "Invalid username or password"}, status=401
            )
        with self._lock:
            self._issued += 1
            token = f"{ISSUED_TOKEN_PREFIX}-{self._issued:04d}-{(self._issued * 7919) % 99991:05d}"
            self._uses[token] = 0
        return Reply.json({"status": True, "token": token})

    def _authorized(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        if self.access_token and token == self.access_token:
            return True
        with self._lock:
            if token not in self._uses:
                return False
            if self.token_lifetime is not None and self._uses[token] >= self.token_lifetime:
                return False
            self._uses[token] += 1
            return True

    @property
    def logins(self) -> int:
        """How many tokens the login has issued."""
        return self._issued

    @staticmethod
    def _range(q: dict[str, str]) -> tuple[dt.datetime, dt.datetime]:
        instants = []
        for name in ("startDate", "endDate"):
            if not q.get(name):
                raise ValueError(f"{name} is required")
            try:
                instants.append(dt.datetime.strptime(q[name], API_INSTANT).replace(tzinfo=dt.UTC))
            except ValueError:
                raise ValueError(
                    f"{name} must be a UTC date string like 2021-11-01T03:00:00.000Z, "
                    f"got {q[name]!r}"
                ) from None
        start, end = instants
        if end < start:
            raise ValueError("endDate is before startDate")
        return start, end

    def _dashboard(self, q: dict[str, str], start: dt.datetime, end: dt.datetime) -> Reply:
        if q.get("queryName") != "dashboard":
            return Reply.json({"status": False, "message": "Unknown queryName"}, status=400)
        if q.get("dateFormatGroup") != HOUR_LABEL:
            # Without the hourly grouping the dashboard is one total, labelled "0".
            rows = [dashboard_row(hour_floor(start), self.data.conversations(start, end))]
            rows[0]["date"] = "0"
            return Reply.json(rows)
        return Reply.json(self.data.dashboard_rows(start, end))


def demo_app(interval: float) -> ChattonicEmulator:
    """The emulator with the `dev` environment's made-up credentials (see meltano.yml).

    Chat-Tonic has no documented rate limit, so `interval` is not used; issued tokens expire
    after 25 requests so the demo shows a login renewed mid-run.
    """
    return ChattonicEmulator(
        codename="demo",
        username="demo-chattonic-user",
        password="demo-chattonic-password",
        token_lifetime=25,
    )
