"""tap-8x8 with Analytics for Contact Center credentials: the historical report streams.

The emulator serves the real-time statistics and the Analytics APIs on one port, as
`make demo` does. Both credential groups point at it (Meltano's dev environment sets the
real-time one, and an empty variable does not unset a setting), and every date-window check
of the contract applies to the six report streams. Each group alone is tested in
tests/taps/test_tap_8x8_analytics.py.
"""

from __future__ import annotations

import datetime as dt

from emulators.eight_by_eight import EightByEightEmulator
from emulators.eight_by_eight_analytics import AnalyticsEmulator
from tap_8x8.tap import Tap8x8
from tests.tap_cases import CONTRACT_COMMON, TapCase

ANALYTICS_KEY = "test-8x8-analytics-key-7c21"
ANALYTICS_SECRET = "test-8x8-analytics-secret-93fa0d"
RT_TENANT = "test-tenant-analytics"
RT_TOKEN = "test-8x8-rt-secret-51d0aa"
#: every issued access token starts with this (the emulator's own prefix)
ISSUED_TOKEN_PREFIX = "emu8x8tok-"


def make_analytics(**changes) -> AnalyticsEmulator:
    """The Analytics emulator of the test tenant; reports ready after two status checks."""
    settings = {"api_key": ANALYTICS_KEY, "api_secret": ANALYTICS_SECRET, **changes}
    return AnalyticsEmulator(**settings)


def make_app(**changes) -> EightByEightEmulator:
    """Both 8x8 APIs on one port (the real-time credentials are not used by this case)."""
    return EightByEightEmulator(
        tenant=RT_TENANT, api_token=RT_TOKEN, analytics=make_analytics(**changes)
    )


def analytics_config(base_url: str, start: dt.date) -> dict:
    """Analytics credentials only, reports polled fast, from UTC midnight of `start`."""
    return {
        # Meltano's dev environment sets the real-time group (a blank variable does not unset
        # it): pointed at this emulator, the snapshots are read too; the Analytics streams
        # are the ones this case checks
        "tenant": RT_TENANT,
        "api_token": RT_TOKEN,
        "base_url": base_url,
        "analytics_api_key": ANALYTICS_KEY,
        "analytics_api_secret": ANALYTICS_SECRET,
        "analytics_base_url": base_url,
        "report_poll_seconds": 0.01,
        "start_date": f"{start.isoformat()}T00:00:00Z",
    }


def analytics_truth(app: EightByEightEmulator, first: dt.date, last: dt.date) -> dict[str, set]:
    """Every interaction and status change created on the UTC days first..last, by now."""
    analytics = app.analytics
    assert analytics is not None
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    now = analytics.now()
    changes = analytics.data.status_changes_between(start, min(end, now))
    return {
        "interactions": {(i,) for i in analytics.interaction_ids(first, last, dt.UTC)},
        "agent_status_changes": {
            (c.agent[0], c.at.isoformat(), c.status) for c in changes if c.at < end
        },
        "survey_responses": analytics.survey_keys(first, last, dt.UTC),
        **{
            stream: analytics.interval_keys(report_type, first, last, dt.UTC)
            for stream, report_type in SUMMARIES.items()
        },
    }


SUMMARIES = {
    "queue_intervals": "queue-interactions-summary",
    "agent_intervals": "agent-interactions-summary",
    "agent_time_on_status": "agent-status-time-on-status",
}

CASE = TapCase(
    tap="tap-8x8",
    label="tap-8x8-analytics",
    tap_class=Tap8x8,
    make_app=make_app,
    config=analytics_config,
    windowed_streams={
        "interactions": ("interactionId",),
        "agent_status_changes": ("agentId", "time", "status"),
        "survey_responses": ("SurveyId", "interactionId", "QuestionId", "StartTime"),
        "queue_intervals": ("queueId", "startTime"),
        "agent_intervals": ("agentId", "startTime"),
        "agent_time_on_status": ("agentId", "startTime"),
    },
    truth=analytics_truth,
    zone=lambda config: dt.UTC,
    secrets=(ANALYTICS_SECRET, ANALYTICS_KEY, ISSUED_TOKEN_PREFIX, RT_TOKEN),
    smallest_window={},
    bad_settings=[
        ({"analytics_api_secret": None}, "analytics_api_secret"),
        ({"analytics_api_key": None}, "analytics_api_key"),
        ({"analytics_region": "mars"}, "analytics_region"),
        ({"analytics_base_url": "http://api.8x8.com"}, "analytics_base_url"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"api_token": None}, "api_token"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"report_poll_seconds": 0}, "report_poll_seconds"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
    ],
    # the token request is refused: nothing else is sent (agent_intervals is read first)
    rejected_credentials=({"analytics_api_secret": "wrong-secret-0000"}, "analytics_api_secret"),
    rejected_credentials_requests=1,
    contract_settings=CONTRACT_COMMON
    | {
        "analytics_api_key",
        "analytics_api_secret",
        "analytics_region",
        "analytics_base_url",
        "tenant_id",
        "timezone",
    },
    secret_settings=frozenset({"api_token", "analytics_api_key", "analytics_api_secret"}),
    # token requests and status checks are not window requests
    window_paths=("/data",),
    snapshot_streams=("agents", "queues", "queue_metrics", "agent_metrics", "group_metrics"),
)
