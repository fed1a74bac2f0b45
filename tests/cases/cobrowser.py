"""tap-cobrowser under the generic suites."""

from __future__ import annotations

import datetime as dt
import email.utils
import typing as t
from zoneinfo import ZoneInfo

from emulators.cobrowser import CoBrowserEmulator
from tap_cobrowser.tap import TapCoBrowser
from tests.tap_cases import CONTRACT_COMMON, TapCase

COBROWSER_USER = "test-cobrowser-user@reports.example"
COBROWSER_KEY = "test-cobrowser-secret-5e1b2d"
#: A half-hour offset: days ago must be counted in the server's calendar, not UTC's.
COBROWSER_TZ = "Asia/Kolkata"

#: stream → (command, key fields)
WINDOWED = {
    "conversations": ("conversations", ("browse_id", "conversation_start")),
    "account_stats_hourly": ("accountspecshourly", ("account_id", "hourBegin_time")),
    "host_stats_hourly": ("hostspecshourly", ("host_id", "hourBegin_time")),
    "emails": ("emails", ("id",)),
    "agent_activity": ("agentactivity", ("activity_id",)),
    "filter_stats_hourly": ("filterstatshourly", ("id", "hourBegin_time")),
    "slots_activity": ("slotsactivity", ("activity_id",)),
    "agent_performance": ("agentperformance", ("agent_id", "session_id", "preset")),
}
FULL_TABLE = {
    "accounts": ("accounts", ("id",)),
    "agents": ("agents", ("id",)),
    "hosts": ("hosts", ("id",)),
    "ccc_agents": ("cccagents", ("id",)),
    "ccc_agent_groups": ("cccagentgroups", ("cccagent_id", "cccgroup_id")),
    "ccc_group_accounts": ("cccgroupaccounts", ("cccgroup_id", "account_id")),
    "ccc_slots_activity": ("cccslotsactivity", ("activity_id",)),
}
TIME_FIELDS = {"conversation_start", "hourBegin_time"}


def typed_key(row: dict, key_fields: t.Sequence[str]) -> tuple:
    """A row's key as the tap emits it: ids as strings, times as ISO 8601 in UTC."""
    return tuple(
        _utc_iso(row[name]) if name in TIME_FIELDS else _id(row[name]) for name in key_fields
    )


def _utc_iso(rfc2822: str) -> str:
    return email.utils.parsedate_to_datetime(rfc2822).astimezone(dt.UTC).isoformat()


def _id(value: t.Any) -> t.Any:
    return str(value)


def _instant(value: t.Any) -> t.Any:
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return value


class InstantKeys(set):
    """Keys compared with time values as instants.

    The tap emits "2026-01-31T04:30:00+00:00"; PostgreSQL gives back a datetime.
    Both name the same instant; every other part of a key must be equal as it is. (As a
    subclass of set with its own `==`, it is compared this way on either side of `==`.)
    """

    def _normal(self, keys: t.Iterable[tuple]) -> set[tuple]:
        return {tuple(_instant(part) for part in key) for key in keys}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (set, frozenset)):
            return NotImplemented
        return len(self) == len(other) and self._normal(self) == self._normal(other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]


def cobrowser_truth(app: CoBrowserEmulator, first: dt.date, last: dt.date) -> dict[str, set[tuple]]:
    """Keys of every windowed stream for the server's local days first..last."""
    return {
        stream: InstantKeys(typed_key(row, keys) for row in app.data.rows(command, first, last))
        for stream, (command, keys) in WINDOWED.items()
    }


def full_table_truth(app: CoBrowserEmulator) -> dict[str, set[tuple]]:
    """Keys of every reference list."""
    return {
        stream: {typed_key(row, keys) for row in app.data.rows(command)}
        for stream, (command, keys) in FULL_TABLE.items()
    }


def server_midnight(day: dt.date, timezone: str = COBROWSER_TZ) -> str:
    """The start of a local day of the server, as a start_date setting."""
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(timezone)).isoformat()


def one_closed_day_a_week(day: dt.date) -> bool:
    """A local day in seven without conversations, so the suites' windows meet empty ones
    (the demo's emulator has no such days)."""
    return day.toordinal() % 7 == 3


def make_app(**changes: t.Any) -> CoBrowserEmulator:
    """The emulator the tests use (a CCC account in the test time zone, a day off a week)."""
    settings: dict[str, t.Any] = {
        "user": COBROWSER_USER,
        "api_key": COBROWSER_KEY,
        "timezone": COBROWSER_TZ,
        "closed_days": one_closed_day_a_week,
    }
    settings.update(changes)
    return CoBrowserEmulator(**settings)


class CoBrowserCase(TapCase):
    """Every export shares one path: the windowed requests are those with a date range."""

    def window_requests(self, server: t.Any) -> int:
        """Requests that carried `start`/`stop` (reference lists carry none)."""
        return sum(1 for r in server.requests if "start" in r.query)


CASE = CoBrowserCase(
    tap="tap-cobrowser",
    tap_class=TapCoBrowser,
    make_app=make_app,
    config=lambda base_url, start: {
        "user": COBROWSER_USER,
        "api_key": COBROWSER_KEY,
        "base_url": base_url,
        "server_timezone": COBROWSER_TZ,
        "start_date": server_midnight(start),
    },
    windowed_streams={stream: keys for stream, (_, keys) in WINDOWED.items()},
    truth=cobrowser_truth,
    zone=lambda config: ZoneInfo(config["server_timezone"]),
    secrets=(COBROWSER_KEY, COBROWSER_USER),
    smallest_window={"window_days": 1},
    bad_settings=[
        ({"window_days": 3}, "window_days"),
        ({"window_days": 0}, "window_days"),
        ({"csv_separator": "\t"}, "csv_separator"),
        ({"server_timezone": "Mars/Olympus_Mons"}, "server_timezone"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"base_url": "http://client.cobrowser.example"}, "base_url"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
        ({"api_key": None}, "api_key"),
    ],
    rejected_credentials=({"api_key": "wrong-cobrowser-key-0000"}, "api_key"),
    contract_settings=CONTRACT_COMMON
    | {"user", "api_key", "csv_separator", "window_days", "server_timezone"},
    secret_settings=frozenset({"api_key"}),
)
COBROWSER = CASE
