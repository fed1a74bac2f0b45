"""tap-8x8's Analytics for Contact Center hard parts, against the emulator.

The OAuth token (one per run, renewed once on a 401), the report flow (status polls that back
off and are bounded, FAILED reports), cursor paging, the 10,000-record cap of summary data,
interactions ongoing on one run and final on the next, granularity, regions, X-Tenant-Info,
a refused time zone, and each credential group alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import subprocess
import tempfile
from pathlib import Path

import pytest

# The cases registry first: it imports every case module, this one's included.
import tests.tap_cases  # noqa: F401
from emulators.eight_by_eight_analytics import (
    AGENTS,
    HISTORICAL,
    QUEUES,
    REALTIME_PATH,
    TOKEN_PATH,
    AnalyticsData,
)
from emulators.framework import EmulatorServer
from tests.cases.eight_by_eight import EIGHT_TENANT, EIGHT_TOKEN
from tests.cases.eight_by_eight_analytics import (
    ANALYTICS_KEY,
    ANALYTICS_SECRET,
    analytics_config,
    make_analytics,
    make_app,
)
from tests.cases.eight_by_eight_analytics import CASE as ANALYTICS_CASE
from tests.support import PinnedDay, TapRun, _parse, tap_command, tap_env

TAP = "tap-8x8"
SUMMARIES = ("queue_intervals", "agent_intervals", "agent_time_on_status")
REALTIME = ("queue_metrics", "agent_metrics", "group_metrics")
ANALYTICS = ("interactions", "agent_status_changes", "survey_responses", *SUMMARIES, *REALTIME)


PIN = PinnedDay(dt.UTC)
pinned_today = PIN.fixture()
today = PIN.today


def busy_day() -> dt.date:
    """The latest day before today with interactions (the emulator leaves every fifth empty)."""
    day = today() - dt.timedelta(days=1)
    while not AnalyticsData().interactions_on(day):
        day -= dt.timedelta(days=1)
    return day


def days_since_a_busy_day() -> int:
    """How far back a run must start to meet interactions, whatever the hour (at 00:05 UTC
    today has none yet)."""
    return (today() - busy_day()).days


def a_moment_with_an_interaction_in_progress(day: dt.date) -> dt.datetime:
    """Halfway through `day`'s longest interaction, and still on `day`."""
    longest = max(AnalyticsData().interactions_on(day), key=lambda i: i.wrapped_up - i.created)
    halfway = longest.created + (longest.wrapped_up - longest.created) / 2
    return min(halfway, dt.datetime.combine(day, dt.time(23, 59), tzinfo=dt.UTC))


def one_day(day: dt.date) -> dict:
    """Settings reading exactly `day` (UTC)."""
    return {
        "start_date": f"{day.isoformat()}T00:00:00Z",
        "end_date": f"{day.isoformat()}T23:59:59Z",
    }


def serve(**changes) -> EmulatorServer:
    from emulators.eight_by_eight import EightByEightEmulator

    app = EightByEightEmulator(
        tenant=EIGHT_TENANT, api_token=EIGHT_TOKEN, analytics=make_analytics(**changes)
    )
    return EmulatorServer(app).start()


@pytest.fixture
def emulator():
    server = EmulatorServer(make_app()).start()
    yield server
    server.stop()


def config(server: EmulatorServer, days_back: int = 2, **changes) -> dict:
    """The Analytics group alone (the case also sets the real-time one, for Meltano)."""
    day = today()
    settings = ANALYTICS_CASE.through(
        analytics_config(server.url, day - dt.timedelta(days=days_back)), day
    )
    for name in ("tenant", "api_token", "base_url"):
        settings.pop(name)
    settings.update(changes)
    return {key: value for key, value in settings.items() if value is not None}


def run(settings: dict, *, streams: tuple[str, ...] = (), state: dict | None = None) -> TapRun:
    """A sync as Meltano runs it; only `streams` selected when given."""
    with tempfile.TemporaryDirectory() as tmp:
        command = tap_command(TAP, settings, state, Path(tmp))
        if streams:
            discover = [*tap_command(TAP, settings, None, Path(tmp)), "--discover"]
            catalog = json.loads(subprocess.run(discover, capture_output=True, check=True).stdout)
            for entry in catalog["streams"]:
                for item in entry["metadata"]:
                    if item["breadcrumb"] == []:
                        item["metadata"]["selected"] = entry["tap_stream_id"] in streams
            path = Path(tmp) / "catalog.json"
            path.write_text(json.dumps(catalog))
            command += ["--catalog", str(path)]
        result = subprocess.run(
            command, capture_output=True, text=True, env=tap_env("INFO"), timeout=300, check=False
        )
    return TapRun(result.returncode, result.stdout, result.stderr, _parse(result.stdout))


def report_requests(server: EmulatorServer, suffix: str = "") -> list:
    return [r for r in server.served(HISTORICAL) if r.path.endswith(suffix)]


# -- the token -----------------------------------------------------------------------------


def test_one_token_serves_the_whole_run_and_is_never_printed(emulator: EmulatorServer):
    result = run(config(emulator, days_back=3))

    assert result.returncode == 0, result.stderr[-3000:]
    assert len(emulator.served(TOKEN_PATH)) == 1
    assert len(report_requests(emulator)) > 40
    assert all(r.status != 401 for r in emulator.requests)
    tokens = emulator.app.analytics.tokens
    assert all(token not in result.output for token in tokens)
    assert ANALYTICS_SECRET not in result.output


def test_a_revoked_token_is_renewed_once_and_the_run_completes():
    with serve(revoke_after=3) as server:
        result = run(config(server, days_back=1), streams=("interactions",))
        truth = server.app.analytics.interaction_ids(
            today() - dt.timedelta(days=1), today(), dt.UTC
        )

    assert result.returncode == 0, result.stderr[-3000:]
    assert len(server.served(TOKEN_PATH)) == 2
    assert [r.status for r in server.requests].count(401) == 1
    assert result.keys("interactions", ("interactionId",)) == {(i,) for i in truth}


def test_a_new_token_refused_again_fails_naming_the_settings():
    with serve(accept_tokens=False) as server:
        result = run(config(server), streams=("interactions",))

    assert result.returncode != 0
    assert "analytics_api_key and analytics_api_secret" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(server.served(TOKEN_PATH)) == 2, "renewed once, not more"


def test_a_token_is_renewed_shortly_before_it_expires():
    # 3-second tokens (renewed 0.3 s before they expire) and a run that lasts longer
    with serve(token_lifetime=3, polls_before_done=2) as server:
        result = run(
            config(server, days_back=3, report_poll_seconds=0.3), streams=("queue_intervals",)
        )

    assert result.returncode == 0, result.stderr[-3000:]
    assert all(r.status != 401 for r in server.requests), "a token was used after it expired"
    assert len(server.served(TOKEN_PATH)) >= 2


# -- the report flow -----------------------------------------------------------------------


def test_status_polls_back_off_until_done():
    with serve(polls_before_done=4) as server:
        result = run(
            config(server, days_back=0, report_poll_seconds=0.1), streams=("queue_intervals",)
        )

    assert result.returncode == 0, result.stderr[-3000:]
    polls = report_requests(server, "/status")
    assert len(polls) == 5, "IN_PROGRESS four times, then DONE"
    gaps = [b.at - a.at for a, b in itertools.pairwise(polls)]
    assert gaps[0] >= 0.09
    assert gaps[-1] > 2 * gaps[0], f"the waits did not grow: {gaps}"


def test_a_report_that_never_finishes_fails_naming_the_window_within_the_bound():
    with serve() as server:
        server.app.analytics.fail_next_reports("NEVER")
        result = run(
            config(server, days_back=0, report_poll_seconds=0.05, report_timeout_seconds=1),
            streams=("queue_intervals",),
        )

    assert result.returncode != 0
    window = today().isoformat()
    assert f"queue_intervals {window}..{window}" in result.stderr
    assert "report_timeout_seconds" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.bookmarks("queue_intervals") == []
    assert len(report_requests(server, "/status")) < 10, "the polls backed off"


def test_a_failed_report_is_created_again_and_a_report_failing_every_time_is_an_error():
    with serve() as server:
        server.app.analytics.fail_next_reports("FAILED", 1)
        result = run(
            config(server, days_back=days_since_a_busy_day()), streams=("agent_intervals",)
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ended FAILED; creating it again" in result.stderr
    assert result.records("agent_intervals")

    with serve() as server:
        server.app.analytics.fail_next_reports("FAILED", 20)
        result = run(config(server, days_back=0), streams=("interactions",))
    assert result.returncode != 0
    assert "ended FAILED 3 time(s)" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(report_requests(server, "/detailed-reports")) == 3


# -- paging and the cap --------------------------------------------------------------------


def test_detailed_reports_are_read_page_by_page_with_the_cursor():
    day = busy_day()
    with serve(data=AnalyticsData(per_day=2600)) as server:
        result = run(config(server, **one_day(day)), streams=("interactions",))
        truth = server.app.analytics.interaction_ids(day, day, dt.UTC)

    assert result.returncode == 0, result.stderr[-3000:]
    pages = report_requests(server, "/data")
    assert len(truth) > 1000
    assert len(pages) == -(-len(truth) // 1000)
    assert "lastDocumentId" not in pages[0].query
    assert all(page.query.get("lastDocumentId") for page in pages[1:])
    keys = [r["interactionId"] for r in result.records("interactions")]
    assert len(keys) == len(set(keys)) == len(truth)


def test_a_summary_window_at_the_json_cap_fails_instead_of_losing_rows():
    data = AnalyticsData.many_queues(queues=800, per_day=30000)
    day = busy_day()
    with serve(data=data) as server:
        result = run(config(server, **one_day(day)), streams=("queue_intervals",))

    assert result.returncode != 0
    assert "10,000" in result.stderr
    assert f"queue_intervals {day.isoformat()}" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.records("queue_intervals") == []
    assert result.bookmarks("queue_intervals") == []


# -- ongoing interactions --------------------------------------------------------------------


def test_an_ongoing_interaction_is_read_again_and_its_final_values_replace_it():
    with serve() as server:
        analytics = server.app.analytics
        # the emulator's "now": on a busy day, halfway through its longest interaction
        day = busy_day()
        analytics.offset = a_moment_with_an_interaction_in_progress(day) - dt.datetime.now(dt.UTC)
        first = run(config(server, lookback_days=1, **one_day(day)), streams=("interactions",))
        analytics.advance(26 * 3600)
        second = run(
            config(server, lookback_days=1, **one_day(day)),
            streams=("interactions",),
            state=first.states()[-1],
        )

    assert first.returncode == 0 and second.returncode == 0, second.stderr[-3000:]
    partial = {r["interactionId"]: r for r in first.records("interactions") if r["ongoing"]}
    assert partial, "the first run should meet interactions still in progress"
    assert all(r["finishedTime"] is None for r in partial.values())
    final = {r["interactionId"]: r for r in second.records("interactions")}
    for key, row in partial.items():
        assert final[key]["ongoing"] is False
        assert final[key]["finishedTime"] is not None
        assert final[key]["interactionDuration"] >= row["interactionDuration"]


# -- report definitions ----------------------------------------------------------------------


def test_summary_reports_ask_30_minutes_for_one_day_and_detailed_ones_the_ongoing(
    emulator: EmulatorServer,
):
    result = run(config(emulator, days_back=3))

    assert result.returncode == 0, result.stderr[-3000:]
    summaries = [
        r.json()
        for r in report_requests(emulator)
        if r.method == "POST" and r.path.rstrip("/").endswith(HISTORICAL)
    ]
    assert len(summaries) == 3 * 4
    for body in summaries:
        start = dt.datetime.fromisoformat(body["dateRange"]["start"])
        end = dt.datetime.fromisoformat(body["dateRange"]["end"])
        assert body["granularity"] == "30m"
        assert dt.timedelta(0) < end - start < dt.timedelta(days=1)
        assert body["groupBy"]["name"] in {"queue", "agent"}
    details = [r.json() for r in report_requests(emulator, "/detailed-reports")]
    interactions = [b for b in details if b["type"] == "detailed-reports-interaction-details"]
    assert all(b["includeParticipants"] for b in interactions)
    assert all(b["reportSettings"]["showOngoingInteractions"] for b in interactions)
    assert all(r.status == 200 for r in emulator.requests)


def test_the_emulator_refuses_30_minutes_over_more_than_a_week():
    analytics = make_analytics()
    analytics.tokens["t"] = dt.datetime.max.replace(tzinfo=dt.UTC)
    from emulators.framework import Request

    body = {
        "type": "queue-interactions-summary",
        "title": "t",
        "granularity": "30m",
        "dateRange": {"start": "2026-11-01T00:00:00.000Z", "end": "2026-11-09T00:00:00.000Z"},
    }
    request = Request(
        "POST", HISTORICAL, {}, {"authorization": "Bearer t"}, json.dumps(body).encode(), 0
    )
    reply = analytics.handle(request)
    assert reply.status == 400
    assert b"granularity" in reply.body_bytes()


# -- region, tenant, time zone ---------------------------------------------------------------


def test_the_region_prefixes_every_report_path_but_not_the_token():
    with serve(region="eu") as server:
        result = run(config(server, days_back=0, analytics_region="eu"), streams=("interactions",))
    assert result.returncode == 0, result.stderr[-3000:]
    paths = [r.path for r in server.requests]
    assert TOKEN_PATH in paths
    assert all(p.startswith("/eu" + HISTORICAL) for p in paths if p != TOKEN_PATH)

    with serve(region="eu") as server:
        result = run(config(server, days_back=0), streams=("interactions",))
    assert result.returncode != 0
    assert "analytics_region" in result.stderr
    assert "Traceback" not in result.stderr


def test_x_tenant_info_is_sent_and_its_absence_is_named():
    with serve(tenant_ids=("tenant-42", "tenant-43")) as server:
        result = run(config(server, days_back=0, tenant_id="tenant-43"), streams=("interactions",))
    assert result.returncode == 0, result.stderr[-3000:]
    assert all(r.headers.get("x-tenant-info") == "tenant-43" for r in report_requests(server))

    with serve(tenant_ids=("tenant-42",)) as server:
        result = run(config(server, days_back=0), streams=("interactions",))
    assert result.returncode != 0
    assert "tenant_id" in result.stderr
    assert "X-Tenant-Info header is missing" in result.stderr


def test_a_time_zone_the_tenant_refuses_fails_naming_the_setting():
    with serve(timezones=("UTC", "America/New_York")) as server:
        refused = run(
            config(server, days_back=0, timezone="Europe/Paris"), streams=("interactions",)
        )
        accepted = run(
            config(server, days_back=1, timezone="America/New_York"), streams=("interactions",)
        )
        bodies = [r.json() for r in report_requests(server, "/detailed-reports")]

    assert refused.returncode != 0
    assert "timezone" in refused.stderr and "Europe/Paris" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert accepted.returncode == 0, accepted.stderr[-3000:]
    new_york = [b for b in bodies if b["timezone"] == "America/New_York"]
    assert new_york
    for body in new_york:
        start = dt.datetime.fromisoformat(body["dateRange"]["start"])
        assert start.hour in (4, 5), "the window starts at New York's midnight"


# -- credential groups -----------------------------------------------------------------------


def test_each_credential_group_alone_runs_its_streams_and_names_the_others():
    emulator = serve()
    rtstats = {
        "tenant": EIGHT_TENANT,
        "api_token": EIGHT_TOKEN,
        "base_url": emulator.url,
        "start_date": f"{today().isoformat()}T00:00:00Z",
    }
    realtime_only = run(rtstats)
    assert realtime_only.returncode == 0, realtime_only.stderr[-3000:]
    assert realtime_only.records("agents") and realtime_only.records("queues")
    assert not any(realtime_only.records(stream) for stream in ANALYTICS)
    assert emulator.served(HISTORICAL) == [] and emulator.served(TOKEN_PATH) == []
    skipped = [line for line in realtime_only.stderr.splitlines() if "are not set" in line]
    assert len(skipped) == 1
    assert all(stream in skipped[0] for stream in ANALYTICS)
    assert "analytics_api_key" in skipped[0]

    emulator.reset()
    analytics_only = run(config(emulator, days_back=days_since_a_busy_day()))
    assert analytics_only.returncode == 0, analytics_only.stderr[-3000:]
    assert analytics_only.records("interactions")
    assert not analytics_only.records("agents") and not analytics_only.records("queues")
    assert emulator.served("/api/rtstats") == []
    skipped = [line for line in analytics_only.stderr.splitlines() if "are not set" in line]
    assert len(skipped) == 1 and "agents, queues" in skipped[0]

    emulator.reset()
    both = run({**rtstats, **config(emulator, days_back=days_since_a_busy_day())})
    emulator.stop()
    assert both.returncode == 0, both.stderr[-3000:]
    assert both.records("agents") and both.records("interactions")
    assert "are not set" not in both.stderr


def test_half_a_credential_group_is_refused_before_any_request(emulator: EmulatorServer):
    result = run(config(emulator, analytics_api_secret=None, tenant=EIGHT_TENANT))
    assert result.returncode != 0
    assert "analytics_api_secret" in result.stderr
    assert "api_token" in result.stderr
    assert emulator.requests == []
    assert ANALYTICS_KEY not in result.output


# -- the Real-time Metrics API v5 ------------------------------------------------------------


def test_real_time_metrics_are_snapshots_with_typed_pivoted_metrics(emulator: EmulatorServer):
    result = run(config(emulator, days_back=0), streams=REALTIME)

    assert result.returncode == 0, result.stderr[-3000:]
    assert {r["id"] for r in result.records("queue_metrics")} == {q[0] for q in QUEUES}
    agents = result.records("agent_metrics")
    assert {r["id"] for r in agents} == {a[0] for a in AGENTS}
    assert all(r["groupId"] in {"108", "109"} for r in agents)
    assert {r["id"] for r in result.records("group_metrics")} == {"108", "109"}
    # percentages 8x8 sends as strings arrive as numbers
    percentages = [r["abandonedPercentage__today"] for r in result.records("queue_metrics")]
    assert all(isinstance(value, (int, float)) for value in percentages)
    assert all(r["_extra"] is None for stream in REALTIME for r in result.records(stream))
    snapshots = {r["snapshot_at"] for r in result.records("queue_metrics")}
    assert len(snapshots) == 1
    requests = emulator.served(REALTIME_PATH)
    assert len(requests) == 3, "one page each"
    assert all(r.query["size"] == "1000" and r.query["page"] == "0" for r in requests)
    assert len(emulator.served(TOKEN_PATH)) == 1


# -- post-call surveys -----------------------------------------------------------------------


def test_every_survey_answer_arrives_skipped_and_invalid_ones_included():
    # a busy tenant: a few hundred answers, so every kind of answer occurs
    with serve(data=AnalyticsData(per_day=150)) as server:
        result = run(config(server, days_back=3), streams=("survey_responses", "interactions"))
        first = today() - dt.timedelta(days=3)
        truth = server.app.analytics.survey_keys(first, today(), dt.UTC)

    assert result.returncode == 0, result.stderr[-3000:]
    rows = result.records("survey_responses")
    key = ("SurveyId", "interactionId", "QuestionId", "StartTime")
    assert len(rows) == len(truth) == len(result.keys("survey_responses", key))
    assert result.keys("survey_responses", key) == truth
    # each survey follows an interaction the interactions stream delivered
    calls = {r["interactionId"] for r in result.records("interactions")}
    assert {r["interactionId"] for r in rows} <= calls
    assert all(r["InteractionIds"] == [r["interactionId"]] for r in rows)
    kinds = {r["AnswerType"] for r in rows}
    assert kinds == {"Valid", "Invalid", "Skipped", "Recorded"}, kinds
    assert all(r["AnswerDigit"] is None for r in rows if r["AnswerType"] == "Skipped")
    for row in rows:
        if row["QuestionType"] == "scale":
            assert (row["ScaleMin"], row["ScaleMax"]) == (1, 5)
            if row["AnswerType"] == "Valid":
                assert 1 <= int(row["AnswerDigit"]) <= 5
            if row["AnswerType"] == "Invalid":
                assert not ("1" <= row["AnswerDigit"] <= "5")
    # the survey's score counts only the valid scale answers
    surveys: dict[tuple, list] = {}
    for row in rows:
        surveys.setdefault((row["interactionId"], row["StartTime"]), []).append(row)
    for answers in surveys.values():
        valid = [int(r["AnswerDigit"]) for r in answers
                 if r["QuestionType"] == "scale" and r["AnswerType"] == "Valid"]  # fmt: skip
        assert {r["actualScore"] for r in answers} == {sum(valid)}
        assert {r["achievableScore"] for r in answers} == {5 * len(valid)}
    assert all(isinstance(r["SurveyDuration"], int) for r in rows)
    assert all(r["_extra"] is None for r in rows)


class SameInstantSurveys(AnalyticsData):
    """Every survey of a day starts at the same millisecond (a busy tenant's worst case)."""

    def survey_of(self, interaction):
        survey = super().survey_of(interaction)
        if survey is None:
            return None
        late = dt.datetime.combine(interaction.created.date(), dt.time(23), tzinfo=dt.UTC)
        return dataclasses.replace(survey, start=late)


def test_surveys_started_in_the_same_millisecond_stay_apart_by_their_call():
    day = busy_day()
    with serve(data=SameInstantSurveys(per_day=40)) as server:
        result = run(config(server, **one_day(day)), streams=("survey_responses",))
        truth = server.app.analytics.survey_keys(day, day, dt.UTC)

    assert result.returncode == 0, result.stderr[-3000:]
    rows = result.records("survey_responses")
    without_call = {(r["SurveyId"], r["QuestionId"], r["StartTime"]) for r in rows}
    assert len(without_call) < len(rows), "the day should hold surveys started together"
    key = ("SurveyId", "interactionId", "QuestionId", "StartTime")
    assert result.keys("survey_responses", key) == truth
    assert len(truth) == len(rows)
