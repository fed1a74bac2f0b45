"""The taps under the contract suite: one `TapCase` each; a new tap joins with one entry.

A case tells the suite how to start the tap's emulator at test speed, how to configure the
tap against it, which strings are secret, which settings are invalid, and the ground truth
(the keys the emulator holds for a range of days).
"""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass, field

from tapkit.emulators.framework import EmulatorApp
from tapkit.emulators.oct8ne import Oct8neEmulator

#: Interval the rate-limited emulators enforce in tests (tests never wait a real minute).
TEST_INTERVAL = 0.05


@dataclass
class TapCase:
    """What the contract suite needs to know about one tap."""

    tap: str
    make_app: t.Callable[[], EmulatorApp]
    #: config for an emulator at `base_url`, reading from `start` (a local date)
    config: t.Callable[[str, dt.date], dict]
    #: stream → primary-key fields, for the windowed streams
    windowed_streams: dict[str, tuple[str, ...]]
    #: (app, first local day, last local day) → stream → set of keys
    truth: t.Callable[[t.Any, dt.date, dt.date], dict[str, set[tuple]]]
    #: the local "today" of the tap's calendar
    today: t.Callable[[dict], dt.date]
    secrets: tuple[str, ...]
    #: setting and value that make windows as short as the vendor allows
    smallest_window: dict = field(default_factory=dict)
    #: (settings to change, the setting the error must name)
    bad_settings: list[tuple[dict, str]] = field(default_factory=list)
    #: settings with rejected credentials, and the setting the error must name
    rejected_credentials: tuple[dict, str] = ({}, "")


OCT8NE_TOKEN = "test-oct8ne-secret-7f3a9c"
OCT8NE_DOMAIN = "4242"
OCT8NE_OFFSET = 2


def _oct8ne_truth(app: Oct8neEmulator, first: dt.date, last: dt.date) -> dict[str, set[tuple]]:
    return {
        "sessions": {(s["sessionId"],) for s in app.data.sessions(first, last, OCT8NE_OFFSET)},
        "leads": {(lead["leadId"],) for lead in app.data.leads(first, last, OCT8NE_OFFSET)},
    }


OCT8NE = TapCase(
    tap="tap-oct8ne",
    make_app=lambda: Oct8neEmulator(
        api_token=OCT8NE_TOKEN, domain_id=OCT8NE_DOMAIN, interval=TEST_INTERVAL
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
    today=lambda config: (
        dt.datetime.now(dt.UTC) + dt.timedelta(hours=config["utc_offset"])
    ).date(),
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
)

TAP_CASES = [OCT8NE]
