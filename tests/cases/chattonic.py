"""tap-chattonic under the generic suites: logging in with username and password, Madrid days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from emulators.chattonic import ISSUED_TOKEN_PREFIX, ChattonicEmulator
from tap_chattonic.tap import TapChattonic
from tests.tap_cases import CONTRACT_COMMON, TapCase

CHATTONIC_CODENAME = "acme-test"
CHATTONIC_USER = "test-chattonic-user"
CHATTONIC_PASSWORD = "test-chattonic-secret-4b8e21"
#: A zone with DST: a 30-day run ending in late November crosses the October change.
CHATTONIC_TZ = "Europe/Madrid"


def make_app(**changes) -> ChattonicEmulator:
    """The emulator of the test account; issued tokens expire now and then."""
    settings = {
        "codename": CHATTONIC_CODENAME,
        "username": CHATTONIC_USER,
        "password": CHATTONIC_PASSWORD,
        "token_lifetime": 7,
        **changes,
    }
    return ChattonicEmulator(**settings)


def chattonic_config(base_url: str, start: dt.date) -> dict:
    """Config logging in as the test user, from local midnight of `start`."""
    midnight = dt.datetime.combine(start, dt.time(), tzinfo=ZoneInfo(CHATTONIC_TZ))
    return {
        "base_url": base_url,
        "codename": CHATTONIC_CODENAME,
        "username": CHATTONIC_USER,
        "password": CHATTONIC_PASSWORD,
        "timezone": CHATTONIC_TZ,
        "start_date": midnight.isoformat(),
    }


def chattonic_truth(app: ChattonicEmulator, first: dt.date, last: dt.date) -> dict[str, set]:
    """Every operator on every local day; every UTC hour with a conversation on those days;
    every conversation created since the first day's local midnight (`/query` has no end)."""
    tz = ZoneInfo(CHATTONIC_TZ)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    since = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    return {
        "conversations": {
            (row["_id"],)
            for row in app.data.query_objects()
            if dt.datetime.fromisoformat(row["createdAt"]) >= since
        },
        "dashboard_hourly": {
            (hour.isoformat(),) for hour in app.data.dashboard_hours(first, last, tz)
        },
        "operator_stats_daily": {
            (operator_id, day.isoformat())
            for day in days
            for operator_id in app.data.operator_day(day, tz)
        },
    }


CASE = TapCase(
    tap="tap-chattonic",
    tap_class=TapChattonic,
    make_app=make_app,
    config=chattonic_config,
    # the dashboard first: it is the stream with empty days
    windowed_streams={
        "dashboard_hourly": ("hour",),
        "operator_stats_daily": ("operator_id", "date"),
    },
    whole_streams={"conversations": ("_id",)},
    truth=chattonic_truth,
    zone=lambda config: ZoneInfo(config["timezone"]),
    secrets=(CHATTONIC_PASSWORD, ISSUED_TOKEN_PREFIX),
    smallest_window={"window_days": 1},
    bad_settings=[
        ({"username": None, "password": None}, "access_token"),
        ({"password": None}, "password"),
        ({"open_conversation_days": -1}, "open_conversation_days"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"codename": None}, "codename"),
        ({"base_url": None}, "base_url"),
        ({"base_url": "http://chattonic.example.com"}, "base_url"),
        ({"window_days": 32}, "window_days"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
    ],
    # a refused login costs that one request: the password is not tried again
    rejected_credentials=({"password": "wrong-password-0000"}, "password"),
    rejected_credentials_requests=1,
    contract_settings=CONTRACT_COMMON
    | {"codename", "access_token", "username", "password", "timezone", "open_conversation_days"},
    secret_settings=frozenset({"access_token", "password"}),
    # the logins are not window requests
    window_paths=("/stats/",),
)
CHATTONIC = CASE
