"""Round two of the hostile probes (issue 27): the low-severity items, each as a user sees it.

A total that shrinks between pages, a codename or token that would leave its URL segment,
years below 1000, deep JSON, a secret that cannot travel in a header, a far-future
`start_date`, a body with two lists, a flood of undeclared field names: each ends in the
rows the vendor has, or in one readable line, never a traceback or a silent loss.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t

import pytest

from emulators.chattonic import ChattonicEmulator
from emulators.eight_by_eight import EightByEightEmulator
from emulators.framework import EmulatorServer, Reply, Request
from emulators.jaicp import JaicpEmulator
from tapkit.errors import BodyError
from tapkit.jsonbody import iter_json_records
from tapkit.settings import path_segment
from tests.cases.chattonic import CASE as CHATTONIC
from tests.cases.chattonic import CHATTONIC_CODENAME, CHATTONIC_PASSWORD, CHATTONIC_USER
from tests.cases.eight_by_eight import CASE as EIGHT
from tests.cases.eight_by_eight import EIGHT_TENANT, EIGHT_TOKEN
from tests.cases.jaicp import JAICP, JAICP_TOKEN
from tests.cases.oct8ne import CASE as OCT8NE
from tests.support import run_tap

DAYS = 3


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def jaicp_config(server: EmulatorServer, last: dt.date | None = None, **changes: t.Any) -> dict:
    """Settings reading `DAYS` days before `last` (default: today)."""
    start = (last or today()) - dt.timedelta(days=DAYS)
    return {**JAICP.config(server.url, start), **changes}


class ShrinkingTotal(JaicpEmulator):
    """From the second page on, `totalCount` says the list ends with the page asked for."""

    def _page(self, member: str, rows: list[dict], page: int, size: int) -> Reply:
        reply = super()._page(member, rows, page, size)
        if member != "sessions" or page == 0:
            return reply
        body = json.loads(reply.body_bytes())
        body["paging"]["totalCount"] = min(len(rows), (page + 1) * size)
        return Reply.json(body)


def test_a_total_that_shrinks_between_pages_does_not_end_the_walk_early():
    app = ShrinkingTotal(api_token=JAICP_TOKEN)
    day = today()  # once: the run and the truth cover the same days across midnight
    with EmulatorServer(app) as server:
        config = JAICP.through(jaicp_config(server, day, page_size=2, window_days=31), day)
        run = run_tap(JAICP.tap, config, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
    truth = JAICP.truth(app, day - dt.timedelta(days=DAYS), day)
    assert len(truth["sessions"]) > 4, "the window spans more than two pages"
    assert run.keys("sessions", ("sessionId",)) == truth["sessions"]
    assert "totalCount went down from" in run.stderr


DEEP = b'{"agent": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


class DeepEightByEight(EightByEightEmulator):
    """Answers the agents list with JSON nested 100,000 levels deep."""

    def handle(self, request: Request) -> Reply:
        if request.path.endswith("/agents.json"):
            return Reply(body=DEEP)
        return super().handle(request)


def test_8x8_json_nested_too_deep_ends_in_one_line_not_a_traceback():
    app = DeepEightByEight(tenant=EIGHT_TENANT, api_token=EIGHT_TOKEN)
    with EmulatorServer(app) as server:
        run = run_tap(EIGHT.tap, EIGHT.config(server.url, today()), timeout=120)
    assert run.returncode != 0
    assert "nests values too deep" in run.stderr
    assert "Traceback" not in run.stderr


class DeepLogin(ChattonicEmulator):
    """Answers the login with JSON nested 100,000 levels deep."""

    def handle(self, request: Request) -> Reply:
        if request.path.endswith("/user/login"):
            # 40 KB: under the login's size cap, far beyond what Python's parser recurses
            return Reply(body=b'{"token": ' + b"[" * 20_000 + b"]" * 20_000 + b"}")
        return super().handle(request)


def test_a_chattonic_login_nested_too_deep_ends_in_one_line_not_a_traceback():
    app = DeepLogin(
        codename=CHATTONIC_CODENAME, username=CHATTONIC_USER, password=CHATTONIC_PASSWORD
    )
    with EmulatorServer(app) as server:
        config = {**CHATTONIC.config(server.url, today()), "max_attempts": 2}
        run = run_tap(CHATTONIC.tap, config, timeout=120)
    assert run.returncode != 0
    assert "nested too deep" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_start_date_in_year_9999_with_a_utc_offset_is_said_not_a_traceback():
    with EmulatorServer(OCT8NE.make_app()) as server:
        config = {
            **OCT8NE.config(server.url, today()),
            "start_date": "9999-12-31T23:00:00Z",
            "utc_offset": 5,
        }
        run = run_tap(OCT8NE.tap, config, timeout=120)
        assert server.requests == []
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert "start_date (9999-12-31T23:00:00+00:00) is later than now" in run.stderr


@pytest.mark.parametrize(
    ("case", "setting"),
    [("8x8", "api_token"), ("8x8", "tenant"), ("chattonic", "access_token")],
)
def test_a_setting_a_header_cannot_carry_is_refused_before_any_request(case, setting):
    tap_case = {"8x8": EIGHT, "chattonic": CHATTONIC}[case]
    with EmulatorServer(tap_case.make_app()) as server:
        config = {**tap_case.config(server.url, today()), setting: "tökén-Ω-секрет-42"}
        run = run_tap(tap_case.tap, config, timeout=120)
        assert server.requests == []
    assert run.returncode != 0
    assert f"{setting} holds characters an HTTP header cannot carry" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("case", "setting", "value"),
    [
        ("chattonic", "codename", ".."),
        ("jaicp", "api_token", ".."),
        ("jaicp", "api_token", "."),
        ("8x8", "agent_ids", ["ok", ".."]),
    ],
)
def test_a_path_value_that_would_leave_its_url_segment_is_refused(case, setting, value):
    tap_case = {"8x8": EIGHT, "chattonic": CHATTONIC, "jaicp": JAICP}[case]
    with EmulatorServer(tap_case.make_app()) as server:
        config = {**tap_case.config(server.url, today()), setting: value}
        run = run_tap(tap_case.tap, config, timeout=120)
        assert server.requests == []
    assert run.returncode != 0
    assert f"{setting} must not be '.' or '..'" in run.stderr


def test_a_codename_or_token_with_a_slash_stays_in_its_segment():
    assert path_segment("a/../b") == "a%2F..%2Fb"
    assert path_segment("..x") == "..x"
    with pytest.raises(ValueError, match="path segment"):
        path_segment("..")


class ManyFields(JaicpEmulator):
    """Adds 20,000 undeclared fields to the first session of each page."""

    def _page(self, member: str, rows: list[dict], page: int, size: int) -> Reply:
        reply = super()._page(member, rows, page, size)
        if member != "sessions":
            return reply
        body = json.loads(reply.body_bytes())
        if body["sessions"]:
            body["sessions"][0].update({f"customField{i:05d}": i for i in range(20_000)})
        return Reply.json(body)


def test_a_flood_of_undeclared_field_names_makes_no_giant_log_line():
    with EmulatorServer(ManyFields(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "undeclared fields kept in _extra:" in run.stderr
    assert "customField" in run.stderr
    assert max(len(line) for line in run.stderr.splitlines()) < 5000


def test_an_object_body_with_two_lists_is_refused_not_half_read():
    body = b'{"chats": [{"id": 1}, {"id": 2}], "more": [{"id": 3}]}'
    records = iter_json_records([body])
    assert [next(records), next(records)] == [{"id": 1}, {"id": 2}]
    with pytest.raises(BodyError, match="more than one list \\(also 'more'\\)"):
        next(records)
    # one list, whatever else the object holds, is read as before
    assert list(iter_json_records([b'{"total": 1, "data": [{"id": 1}]}'])) == [{"id": 1}]
