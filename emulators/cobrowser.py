"""CoBrowser.net's CSV export API on loopback (see docs/vendor-sources.md).

Enforces what the documentation promises: `user` + `apiKey` in the query string, `start` /
`stop` as whole days ago counted in the server's calendar (start >= stop, at most 2 days per
request), the `csvseperator` option (; , : |), and the CCC-only commands refused for an
account that is not a CCC account. Errors come back the way old CSV endpoints send them:
status 200, a plain-text line starting with "Error:" instead of CSV.

The data is deterministic: the same local day always holds the same rows. It carries what
makes CSV hard: values holding the separator, quotes and newlines, non-ASCII names, a BOM,
empty values, RFC 2822 times in the server's offset (which changes with DST), and a column the
documentation does not list. The traffic is shaped like a web shop's (`emulators/realism.py`):
busy afternoons, quiet nights, lighter weekends; a visitor's own request (ask_reactive) waits
for an agent's accept (decisionTime), mostly within 20 s, and about one in ten is never
assigned (a fifth of those within 5 s); an agent's numChats counts the chats assigned to them.
No day is empty unless asked for (`closed_days`: a test's window that meets empty ones).
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import io
import typing as t
from zoneinfo import ZoneInfo

from emulators.framework import EmulatorApp, Reply, Request
from emulators.realism import (
    abandon_wait_seconds,
    answer_wait_seconds,
    daily_volume,
    second_of_day,
    unit,
)

PATH = "/generic/api/csv.php"
MAX_RANGE_DAYS = 2
SEPARATORS = (";", ",", ":", "|")
BOM = "\ufeff"

ACCOUNTS = [
    {"id": 11, "name": "Shop Nederland", "postfix": "shop.nl", "reseller_id": 900},
    {"id": 12, "name": "Boutique Française; Paris", "postfix": "boutique.fr", "reseller_id": 900},
    {"id": 13, "name": 'Kundendienst "Süd" GmbH', "postfix": "kd.de", "reseller_id": 901},
]
HOSTS = [
    {"id": 101, "account_id": 11, "hostname": "www.shop.nl", "multiple_acc_id": ""},
    {"id": 102, "account_id": 11, "hostname": "m.shop.nl", "multiple_acc_id": ""},
    {"id": 103, "account_id": 12, "hostname": "boutique.fr", "multiple_acc_id": "2"},
    {"id": 104, "account_id": 13, "hostname": "kd.de", "multiple_acc_id": ""},
]
_AGENT_NAMES = [
    ("Anna", "de Vries"),
    ("Bram", "Jansen"),
    ("Chloé", "Lefèvre"),
    ("Jürgen", "Müller"),
    ("Sofía", "Núñez"),
    ("Taro", "山田"),
    ("Eva", "Bakker, jr."),
    ("Noah", "O'Brien"),
]
AGENTS = [
    {
        "id": 201 + i,
        "username": first.lower().replace("é", "e").replace("ü", "u").replace("í", "i"),
        "firstname": first,
        "lastname": last,
        "email": f"agent{201 + i}@{ACCOUNTS[i % 3]['postfix']}",
        "account_id": ACCOUNTS[i % 3]["id"],
        "cccagent_id": str(301 + i % 4) if i % 2 == 0 else "",
        "disabled": "1" if i == 7 else "0",
    }
    for i, (first, last) in enumerate(_AGENT_NAMES)
]
CCC_ACCOUNT = 500
CCC_AGENTS = [
    {
        "id": 301 + i,
        "username": f"ccc{i + 1}",
        "firstname": first,
        "lastname": last,
        "email": f"ccc{i + 1}@ccc.example",
        "cccaccount_id": CCC_ACCOUNT,
    }
    for i, (first, last) in enumerate(_AGENT_NAMES[:4])
]
CCC_GROUPS = {401: "Tier 1", 402: "Nachtdienst; NL", 403: 'Escalations "VIP"'}
CCC_AGENT_GROUPS = [
    {"cccagent_id": agent, "cccgroup_id": group, "cccgroup_name": CCC_GROUPS[group]}
    for agent, group in [(301, 401), (302, 401), (302, 402), (303, 402), (304, 403)]
]
CCC_GROUP_ACCOUNTS = [
    {"cccgroup_id": group, "account_id": account, "cccgroup_name": CCC_GROUPS[group]}
    for group, account in [(401, 11), (401, 12), (402, 11), (403, 13)]
]
FILTERS = {31: "Checkout > 60 s", 32: "Returning visitor; NL", 33: "Pricing page"}
PRESETS = ("Sales", "Support")


def _rfc(instant: dt.datetime, tz: dt.tzinfo) -> str:
    return email.utils.format_datetime(instant.astimezone(tz))


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of a local day's midnight and the next (23 or 25 hours on DST days)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return start, end


class CoBrowserData:
    """Deterministic rows of every command; windowed ones are generated per local day."""

    WINDOWED = (
        "conversations",
        "accountspecshourly",
        "hostspecshourly",
        "emails",
        "agentactivity",
        "filterstatshourly",
        "slotsactivity",
        "agentperformance",
    )
    CCC_ONLY = ("cccagents", "cccagentgroups", "cccgroupaccounts", "cccslotsactivity")

    #: values that do not fit the tap's types, served on demand (`odd`): a conversation's
    #: `num_messages` as "n/a" ("plain"), a `conversation_start` that is no date ("key")
    ODD_VALUES = frozenset({"plain", "key"})

    def __init__(
        self,
        tz: dt.tzinfo,
        per_day: int = 12,
        odd: t.Iterable[str] = (),
        closed_days: t.Callable[[dt.date], bool] | None = None,
    ) -> None:
        self.tz = tz
        self.per_day = per_day
        self.closed_days = closed_days or (lambda day: False)
        self.odd = frozenset(odd)
        if not self.odd <= self.ODD_VALUES:
            raise ValueError(f"odd values are among {sorted(self.ODD_VALUES)}")

    # -- ground truth --------------------------------------------------------------------

    def rows(
        self, command: str, first: dt.date | None = None, last: dt.date | None = None
    ) -> t.Iterator[dict]:
        """Rows of a command (windowed: of the local days first..last), as served."""
        if command in self.WINDOWED:
            assert first is not None and last is not None
            day = first
            while day <= last:
                yield from getattr(self, f"_{command}")(day)
                day += dt.timedelta(days=1)
            return
        yield from getattr(self, f"_{command}")()

    def columns(self, command: str) -> list[str]:
        """The header of a command (also sent when there are no rows)."""
        if command not in self.WINDOWED:
            return list(next(iter(self.rows(command))))
        day = dt.date(2026, 1, 1)
        while self.conversation_count(day) == 0:
            day += dt.timedelta(days=1)
        return list(next(iter(self.rows(command, day, day))))

    def conversation_count(self, day: dt.date) -> int:
        """Conversations on a local day (none on a closed day)."""
        if self.closed_days(day):
            return 0
        return daily_volume(self.per_day, day)

    # -- windowed commands ---------------------------------------------------------------

    def _spread(self, day: dt.date, count: int, i: int) -> dt.datetime:
        """The i-th of `count` moments of a local day, more of them in its busy hours."""
        start, end = day_bounds(day, self.tz)
        span = int((end - start).total_seconds()) - 1
        local = second_of_day(day.toordinal() + i, i, max(count, 1))
        return start + dt.timedelta(seconds=min(span, local))

    @staticmethod
    def _request(seed: int, hour: int) -> tuple[str, bool, int]:
        """(requestType, assigned to an agent, decisionTime) of a conversation.

        A proactive invitation is the agent's: always assigned, decided by the visitor in up
        to 40 s. A visitor's own request waits for an agent; one in ten is never assigned.
        """
        if seed % 3:
            return "ask_proactive", True, seed % 40
        if unit(seed, "unassigned") < 0.1:
            return "ask_reactive", False, abandon_wait_seconds(seed)
        return "ask_reactive", True, answer_wait_seconds(seed, hour)

    def _assigned_agent(self, day: dt.date, i: int) -> dict | None:
        """The agent first assigned to the day's i-th conversation (None: never assigned)."""
        seed = day.toordinal() * 1009 + i * 31
        _, assigned, _ = self._request(seed, 0)
        return AGENTS[seed % len(AGENTS)] if assigned else None

    def _hours(self, day: dt.date) -> t.Iterator[tuple[int, dt.datetime]]:
        start, end = day_bounds(day, self.tz)
        hour = start
        while hour < end:
            yield hour.astimezone(self.tz).hour, hour
            hour += dt.timedelta(hours=1)

    def _conversations(self, day: dt.date) -> t.Iterator[dict]:
        count = self.conversation_count(day)
        ordinal = day.toordinal()
        for i in range(count):
            seed = ordinal * 1009 + i * 31
            agent = AGENTS[seed % len(AGENTS)]
            host = HOSTS[seed % len(HOSTS)]
            started = self._spread(day, count, i)
            request_type, assigned, decision = self._request(seed, started.astimezone(self.tz).hour)
            row = {
                "conversation_start": _rfc(started, self.tz),
                "browse_id": ordinal * 100000 + i,
                "account_id": host["account_id"],
                "num_messages": 2 + seed % 40,
                "duration_secs": 30 + seed % 1800,
                "avgMessageLength": f"{20 + seed % 50}.{seed % 100:02d}",
                "maxMessageLength": 80 + seed % 200,
                "last_agent_id": agent["id"],
                "reseller_id": 900,
                "visitor_id": 700000 + seed % 5000,
                "requestType": request_type,
                "assigned_agent_id": agent["id"] if assigned else "",
                "acceptUrl": f"https://{host['hostname']}/p?id={seed % 90};ref=a,b|c:d",
                "accept_host_id": host["id"],
                "decisionTime": decision,
                "firstResponseTime": seed % 25,
                "transcriptUrl": f"https://client.cobrowser.example/t/{ordinal}-{i}",
                "avgResponseTime": f"{seed % 30}.5",
                "maxResponseTime": 30 + seed % 90,
                "successcode": str(seed % 4),
                "firstReplyTime": seed % 20 if seed % 7 else "",
                "chat_language": ("nl", "fr", "de")[seed % 3],  # not in the documentation
            }
            if i == 1 and "plain" in self.odd:
                row["num_messages"] = "n/a"
            if i == 2 and "key" in self.odd:
                row["conversation_start"] = "yesterday"
            yield row

    def _stats_row(self, day: dt.date, hour_of_day: int, begin: dt.datetime, seed: int) -> dict:
        visits = (seed * 37) % 120
        return {
            "hourBegin_time": _rfc(begin, self.tz),
            "hourEnd_time": _rfc(begin + dt.timedelta(minutes=59, seconds=59), self.tz),
            "hourOfDay": hour_of_day,
            "num_vists": visits,
            "num_pageviews": visits * 3 + seed % 7,
            "num_visitors": visits - visits // 5,
            "num_reactive": seed % 6,
            "num_reactive_accepted": seed % 6 // 2,
            "num_proactive": seed % 9,
            "num_proactive_accepted": seed % 9 // 3,
        }

    def _accountspecshourly(self, day: dt.date) -> t.Iterator[dict]:
        for hour_of_day, begin in self._hours(day):
            for account in ACCOUNTS:
                seed = day.toordinal() * 31 + hour_of_day * 7 + account["id"]
                yield {
                    "account_id": account["id"],
                    **self._stats_row(day, hour_of_day, begin, seed),
                }

    def _hostspecshourly(self, day: dt.date) -> t.Iterator[dict]:
        for hour_of_day, begin in self._hours(day):
            for host in HOSTS:
                seed = day.toordinal() * 29 + hour_of_day * 5 + host["id"]
                row = {"host_id": host["id"], **self._stats_row(day, hour_of_day, begin, seed)}
                row["account_id"] = host["account_id"]
                yield row

    def _filterstatshourly(self, day: dt.date) -> t.Iterator[dict]:
        for hour_of_day, begin in self._hours(day):
            for index, (filter_id, name) in enumerate(FILTERS.items()):
                seed = day.toordinal() * 17 + hour_of_day * 3 + filter_id
                yield {
                    "account_id": ACCOUNTS[index]["id"],
                    "hourBegin_time": _rfc(begin, self.tz),
                    "hourEnd_time": _rfc(begin + dt.timedelta(minutes=59, seconds=59), self.tz),
                    "hourOfDay": hour_of_day,
                    "id": filter_id,
                    "filtername": name,
                    "num_proactive": seed % 11,
                    "num_proactive_accepted": seed % 11 // 3,
                    "num_proactive_declined": seed % 11 // 4,
                    "num_proactive_match": seed % 11 + seed % 5,
                    "num_proactive_cancelled": seed % 2,
                    "num_proactive_no_availability": seed % 3 // 2,
                    "num_proactive_expired": seed % 4 // 3,
                    "num_proactive_ignored": seed % 5 // 4,
                }

    def _emails(self, day: dt.date) -> t.Iterator[dict]:
        count = self.conversation_count(day) // 3
        ordinal = day.toordinal()
        for i in range(count):
            seed = ordinal * 13 + i
            agent = AGENTS[seed % len(AGENTS)]
            yield {
                "browse_id": ordinal * 100000 + i * 3,
                "id": ordinal * 1000 + i,
                "timestamp": _rfc(self._spread(day, count, i) + dt.timedelta(minutes=5), self.tz),
                "agent_id": agent["id"],
                "to": f"visitor{seed % 500}@mail.example",
                "bcc": "archive@shop.nl" if seed % 2 else "",
                "subject": f'Transcript; "chat" {i} with {agent["firstname"]}\nThank you, | :)',
                "from": agent["email"],
                "account_id": agent["account_id"],
            }

    def _agentactivity(self, day: dt.date) -> t.Iterator[dict]:
        start, end = day_bounds(day, self.tz)
        ordinal = day.toordinal()
        for index, agent in enumerate(AGENTS):
            online_at = start + dt.timedelta(hours=7, minutes=index * 5)
            offline_at = online_at + dt.timedelta(hours=8, minutes=ordinal % 30)
            for j, (state, begin, finish) in enumerate(
                [("online", online_at, offline_at), ("offline", offline_at, end)]
            ):
                yield {
                    "agent_id": agent["id"],
                    "time_start": _rfc(begin, self.tz),
                    "time_end": _rfc(finish, self.tz),
                    "state": state,
                    "duration_secs": int((finish - begin).total_seconds()),
                    "account_id": agent["account_id"],
                    "activity_id": ordinal * 100 + index * 2 + j,
                }

    def _slotsactivity(self, day: dt.date) -> t.Iterator[dict]:
        count = self.conversation_count(day)
        ordinal = day.toordinal()
        for i in range(count):
            seed = ordinal * 7 + i
            agent = AGENTS[seed % len(AGENTS)]
            yield {
                "agent_id": agent["id"],
                "time_start": _rfc(self._spread(day, count, i) + dt.timedelta(seconds=20), self.tz),
                "action": "add" if i % 2 == 0 else "remove",
                "account_id": agent["account_id"],
                "browse_id": ordinal * 100000 + i,
                "session_id": ordinal * 10 + seed % 4,
                "activity_id": ordinal * 100000 + i,
                "numslots_used": 1 + seed % 3,
                "numslots_max": 4,
                "open_duration": seed % 600,
                "closed_duration": seed % 60,
                "new_duration": seed % 30,
                "sleeping_duration": seed % 90,
                "burning_duration": seed % 15,
                "presetName": PRESETS[seed % 2],
            }

    def _agentperformance(self, day: dt.date) -> t.Iterator[dict]:
        start, _ = day_bounds(day, self.tz)
        ordinal = day.toordinal()
        # the chats assigned to each agent that day, split over the two presets; open time is
        # their durations (up to the time online), as if one chat at a time
        chats: dict[tuple[int, int], list[int]] = {}
        for i in range(self.conversation_count(day)):
            agent = self._assigned_agent(day, i)
            if agent is not None:
                duration = 30 + (ordinal * 1009 + i * 31) % 1800
                chats.setdefault((agent["id"], i % 2), []).append(duration)
        for index, agent in enumerate(AGENTS[:4]):
            for preset_index, preset in enumerate(PRESETS):
                seed = ordinal * 3 + index + len(preset)
                online = 3600 * 7 + seed % 3600
                durations = chats.get((agent["id"], preset_index), [])
                yield {
                    "agent_id": agent["id"],
                    "session_id": ordinal * 10 + index,
                    "preset": preset,
                    "session_start": _rfc(start + dt.timedelta(hours=8, minutes=index), self.tz),
                    "numChats": len(durations),
                    "numBreaks": seed % 4,
                    "numIgnored": seed % 3,
                    "numAbandoned": seed % 2,
                    "avgConcurrency": f"{1 + seed % 3}.{seed % 10}",
                    "firstResponseDuration": seed % 900,
                    "openDuration": min(online, sum(durations)),
                    "closedDuration": seed % 5000,
                    "newDuration": seed % 800,
                    "sleepingDuration": seed % 3000,
                    "burningDuration": seed % 400,
                    "onlineDuration": online,
                    "offlineDuration": 1800 + seed % 600,
                    "availableDuration": online - 600,
                    "idleDuration": seed % 1200,
                    "sessionDuration": online + 1800 + seed % 600,
                }

    # -- reference lists -----------------------------------------------------------------

    def _accounts(self) -> list[dict]:
        return ACCOUNTS

    def _agents(self) -> list[dict]:
        return AGENTS

    def _hosts(self) -> list[dict]:
        return HOSTS

    def _cccagents(self) -> list[dict]:
        return CCC_AGENTS

    def _cccagentgroups(self) -> list[dict]:
        return [{**row, "cccaccount_id": CCC_ACCOUNT} for row in CCC_AGENT_GROUPS]

    def _cccgroupaccounts(self) -> list[dict]:
        return [{**row, "cccaccount_id": CCC_ACCOUNT} for row in CCC_GROUP_ACCOUNTS]

    def _cccslotsactivity(self) -> list[dict]:
        base = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
        return [
            {
                "cccagent_id": 301 + i % 4,
                "time_start": _rfc(base + dt.timedelta(minutes=17 * i), self.tz),
                "action": "add" if i % 2 == 0 else "remove",
                "account_id": ACCOUNTS[i % 3]["id"],
                "browse_id": 5000 + i,
                "session_id": 6000 + i // 2,
                "activity_id": 9000 + i,
                "numslots_used": 1 + i % 3,
                "numslots_max": 3,
            }
            for i in range(25)
        ]


class CoBrowserEmulator(EmulatorApp):
    """`csv.php` for one user and API key, in the server's calendar."""

    name = "cobrowser"

    def __init__(
        self,
        *,
        user: str,
        api_key: str,
        ccc: bool = True,
        timezone: str = "Europe/Amsterdam",
        per_day: int = 12,
        max_range_days: int = MAX_RANGE_DAYS,
        clock: t.Callable[[], dt.datetime] | None = None,
        content_type: str = "text/csv",
        closed_days: t.Callable[[dt.date], bool] | None = None,
    ) -> None:
        self.user = user
        #: What CSV and error lines are labelled (a PHP script may say text/html for both).
        self.content_type = content_type
        self.api_key = api_key
        self.ccc = ccc
        self.tz = ZoneInfo(timezone)
        self.data = CoBrowserData(self.tz, per_day=per_day, closed_days=closed_days)
        self.max_range_days = max_range_days
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def today(self) -> dt.date:
        """The server's local date now."""
        return self.clock().astimezone(self.tz).date()

    def handle(self, request: Request) -> Reply:
        """Answer one `csv.php` request."""
        if request.path != PATH:
            return Reply(status=404, body=b"Not found", content_type="text/plain")
        q = request.query
        if q.get("user") != self.user or q.get("apiKey") != self.api_key:
            return self._error("Invalid user or apiKey")
        command = q.get("c", "")
        separator = q.get("csvseperator", ";")
        if separator not in SEPARATORS:
            return self._error("csvseperator must be one of ; , : |")
        if command in CoBrowserData.CCC_ONLY and not self.ccc:
            return self._error("This command only works for CCC Agents")
        if command in CoBrowserData.WINDOWED:
            try:
                first, last = self.days(q)
            except ValueError as exc:
                return self._error(str(exc))
            rows = self.data.rows(command, first, last)
        elif command in CoBrowserData.CCC_ONLY or command in {"accounts", "agents", "hosts"}:
            rows = self.data.rows(command)
        else:
            return self._error(f"Unknown command {command!r}")
        body = _csv_chunks(rows, self.data.columns(command), separator)
        # No charset, as many CSV endpoints send it: the body is UTF-8 all the same.
        return Reply(body=body, content_type=self.content_type)

    def _error(self, message: str) -> Reply:
        """A refusal: status 200 and a line of text instead of CSV."""
        return Reply(status=200, body=f"Error: {message}".encode(), content_type=self.content_type)

    def days(self, q: dict[str, str]) -> tuple[dt.date, dt.date]:
        """The local days asked for by `start`/`stop` (days ago, both default 0)."""
        try:
            start, stop = int(q.get("start") or 0), int(q.get("stop") or 0)
        except ValueError:
            raise ValueError("start and stop must be whole numbers of days ago") from None
        if start < 0 or stop < 0 or start < stop:
            raise ValueError("start must be greater than or equal to stop (days ago)")
        if start - stop + 1 > self.max_range_days:
            raise ValueError(
                f"The allowed range between start and stop is {self.max_range_days} days"
            )
        today = self.today()
        return today - dt.timedelta(days=start), today - dt.timedelta(days=stop)


def _csv_chunks(
    rows: t.Iterable[dict], columns: t.Sequence[str], separator: str, batch: int = 500
) -> t.Iterator[bytes]:
    """The CSV body, produced as it is sent: BOM, quoted header, quoted rows (in batches)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=separator, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    buffered = 0
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
        buffered += 1
        if buffered >= batch:
            yield _drain(out)
            buffered = 0
    yield _drain(out)


def _drain(out: io.StringIO) -> bytes:
    data = out.getvalue().encode()
    out.seek(0)
    out.truncate()
    return data


def demo_app(interval: float) -> CoBrowserEmulator:
    """The emulator with the `dev` environment's made-up credentials (see meltano.yml), and
    a team's traffic: 48 conversations a weekday across its eight agents."""
    return CoBrowserEmulator(
        user="demo@cobrowser.example", api_key="demo-cobrowser-key", per_day=48
    )
