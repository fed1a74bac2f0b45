"""tap-8x8 under the generic suites: a snapshot tap (no date windows)."""

from __future__ import annotations

import datetime as dt

from emulators.eight_by_eight import EightByEightEmulator
from tap_8x8.tap import Tap8x8
from tests.tap_cases import CONTRACT_COMMON, TapCase

EIGHT_TENANT = "test-tenant"
EIGHT_TOKEN = "test-8x8-secret-4b9e21"


def _truth(app: EightByEightEmulator, first: dt.date, last: dt.date) -> dict[str, set[tuple]]:
    # A snapshot holds every agent and queue, whatever the dates.
    return {
        "agents": {(agent_id,) for agent_id in app.data.agent_ids()},
        "queues": {(str(queue_id),) for queue_id in app.data.queue_ids()},
    }


CASE = TapCase(
    tap="tap-8x8",
    tap_class=Tap8x8,
    make_app=lambda: EightByEightEmulator(tenant=EIGHT_TENANT, api_token=EIGHT_TOKEN),
    config=lambda base_url, start: {
        "tenant": EIGHT_TENANT,
        "api_token": EIGHT_TOKEN,
        "base_url": base_url,
        "start_date": f"{start.isoformat()}T00:00:00Z",
    },
    windowed_streams={"agents": ("agent_id",), "queues": ("queue_id",)},
    truth=_truth,
    zone=lambda config: dt.UTC,
    secrets=(EIGHT_TOKEN,),
    smallest_window={},
    bad_settings=[
        ({"tenant": None}, "tenant"),
        ({"api_token": None}, "api_token"),
        ({"base_url": None}, "base_url"),
        ({"base_url": "http://vcc-na4.8x8.com"}, "base_url"),
        ({"agent_ids": "ag1001"}, "agent_ids"),
        ({"queue_ids": [""]}, "queue_ids"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"request_timeout": 0}, "request_timeout"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
    ],
    rejected_credentials=({"api_token": "wrong-token-0000"}, "api_token"),
    contract_settings=CONTRACT_COMMON | {"tenant", "api_token", "agent_ids", "queue_ids"},
    secret_settings=frozenset({"api_token", "analytics_api_key", "analytics_api_secret"}),
    windowed=False,
    # the Analytics streams need their own credentials (tests/cases/eight_by_eight_analytics.py)
    no_records_streams=(
        "interactions",
        "agent_status_changes",
        "survey_responses",
        "queue_intervals",
        "agent_intervals",
        "agent_time_on_status",
        "queue_metrics",
        "agent_metrics",
        "group_metrics",
    ),
)
