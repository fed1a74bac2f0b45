"""tap-oct8ne under the generic suites."""

from __future__ import annotations

import datetime as dt

from emulators.oct8ne import Oct8neData, Oct8neEmulator
from tap_oct8ne.tap import TapOct8ne
from tests.tap_cases import CONTRACT_COMMON, TEST_INTERVAL, TapCase

OCT8NE_TOKEN = "test-oct8ne-secret-7f3a9c"
OCT8NE_DOMAIN = "4242"
OCT8NE_OFFSET = 2


def two_closed_days_a_week(day: dt.date) -> bool:
    """Two UTC days in seven without sessions: a local day is empty at any offset, so the
    suites' short windows meet empty ones (the demo's emulator has no such days)."""
    return day.toordinal() % 7 in (3, 4)


def _oct8ne_truth(app: Oct8neEmulator, first: dt.date, last: dt.date) -> dict[str, set[tuple]]:
    return {
        "sessions": {(s["sessionId"],) for s in app.data.sessions(first, last, OCT8NE_OFFSET)},
        "leads": {(lead["leadId"],) for lead in app.data.leads(first, last, OCT8NE_OFFSET)},
    }


CASE = TapCase(
    tap="tap-oct8ne",
    tap_class=TapOct8ne,
    make_app=lambda: Oct8neEmulator(
        api_token=OCT8NE_TOKEN,
        domain_id=OCT8NE_DOMAIN,
        interval=TEST_INTERVAL,
        data=Oct8neData(closed_days=two_closed_days_a_week),
    ),
    config=lambda base_url, start: {
        "api_token": OCT8NE_TOKEN,
        "domain_id": OCT8NE_DOMAIN,
        "base_url": base_url,
        "utc_offset": OCT8NE_OFFSET,
        "min_request_interval_seconds": TEST_INTERVAL,
        "start_date": f"{start.isoformat()}T00:00:00+{OCT8NE_OFFSET:02d}:00",
    },
    windowed_streams={"sessions": ("sessionId",), "leads": ("leadId",)},
    truth=_oct8ne_truth,
    zone=lambda config: dt.timezone(dt.timedelta(hours=config["utc_offset"])),
    secrets=(OCT8NE_TOKEN,),
    smallest_window={"window_days": 1},
    bad_settings=[
        ({"window_days": 32}, "window_days"),
        ({"window_days": 0}, "window_days"),
        ({"region": "asia"}, "region"),
        ({"attention_filter": 4}, "attention_filter"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"base_url": "http://oct8ne.example.com"}, "base_url"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
        ({"api_token": None}, "api_token"),
    ],
    rejected_credentials=({"api_token": "wrong-token-0000"}, "api_token"),
    contract_settings=CONTRACT_COMMON
    | {
        "api_token",
        "domain_id",
        "region",
        "utc_offset",
        "window_days",
        "min_request_interval_seconds",
        "agent_filter",
        "dept_filter",
        "attention_filter",
        "sale",
        "agent_type",
    },
    secret_settings=frozenset({"api_token"}),
)
OCT8NE = CASE
