"""Hostile or odd values follow the typing rule instead of being invented, rounded or fatal.

Units for the strict converters (`tapkit.value_checks`), the CSV reader's limits and renames
(`tapkit.csvbody`), and a JAICP server sending a NUL, a fraction in an integer, an integer
above 2^64, `1e309`, and a start time that is not a date: judged by the records emitted,
`_extra`, the exit code and the log line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from emulators.framework import EmulatorServer, Reply
from emulators.jaicp import JaicpEmulator
from tapkit.converters import any_to_iso, rfc2822_to_iso, to_float, to_int
from tapkit.csvbody import iter_csv_records
from tapkit.errors import (
    BodyError,
    DoesNotFitError,
    KeyTypeError,
    LimitExceededError,
    NumberOverflowError,
)
from tapkit.records import RecordTyper
from tapkit.value_checks import strip_nul
from tests.cases.jaicp import JAICP, JAICP_TOKEN
from tests.support import run_tap


@pytest.mark.parametrize(
    "value", [4.6, "4.6", 2**63, "99999999999999999999", float("nan"), "NaN", "Infinity", "1e309"]
)
def test_integers_that_do_not_fit_are_refused_not_rounded(value):
    with pytest.raises(ValueError):
        to_int(value)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "1e309", float("inf")])
def test_non_finite_numbers_are_refused(value):
    with pytest.raises(ValueError):
        to_float(value)


def test_whole_numbers_still_pass():
    assert (to_int("42"), to_int(5.0), to_int(-(2**63)), to_float("1,5")) == (42, 5, -(2**63), 1.5)


@pytest.mark.parametrize("value", ["10", "Tuesday", "10:00 CET", "2026", "next week"])
def test_dates_are_not_guessed(value):
    with pytest.raises(ValueError):
        any_to_iso(value)
    with pytest.raises(ValueError):
        rfc2822_to_iso(value)


def test_documented_date_formats_still_parse():
    assert any_to_iso("2026-01-05T10:00:00Z") == "2026-01-05T10:00:00+00:00"
    assert rfc2822_to_iso("Wed, 14 Mar 2012 16:16:11 +0100") == "2012-03-14T16:16:11+01:00"


def test_the_typing_rule_keeps_odd_values_in_extra_and_stops_on_a_key():
    schema = {
        "properties": {
            "id": {"type": ["integer"]},
            "n": {"type": ["integer", "null"]},
            "x": {"type": ["number", "null"]},
            "_extra": {"type": ["object"]},
        }
    }
    typer = RecordTyper(schema, stream_name="s", key_fields=("id",))
    row = typer({"id": "1", "n": 4.6, "x": float("inf")})
    assert row == {"id": 1, "n": None, "x": None, "_extra": {"n": 4.6, "x": "Infinity"}}
    with pytest.raises(KeyTypeError, match=r"key field 'id'.*JSON string"):
        typer({"id": "Tuesday"})
    assert issubclass(DoesNotFitError, ValueError)


def test_strip_nul_cleans_every_string_and_counts():
    assert strip_nul({"a\x00": ["x\x00y", {"b": "\x00"}], "n": 1}) == (
        {"a": ["xy", {"b": ""}], "n": 1},
        3,
    )


# -- CSV ----------------------------------------------------------------------------------


def csv_rows(text: str, **kw) -> list[dict]:
    return list(iter_csv_records([text.encode()], delimiter=";", **kw))


def test_a_repeated_csv_header_is_renamed_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        rows = csv_rows("id;name;name;name_2\n1;a;b;c\n")
    assert rows == [{"id": "1", "name": "a", "name_3": "b", "name_2": "c"}]
    assert "repeats the column 'name'" in caplog.text


def test_a_csv_value_over_the_old_128_kib_limit_loads_and_one_over_max_field_mb_is_clear():
    big = "x" * (200 * 1024)
    assert csv_rows(f"id;note\n1;{big}\n")[0]["note"] == big
    with pytest.raises(LimitExceededError, match="max_field_mb"):
        csv_rows(f"id;note\n1;{big}\n", max_field_mb=0.1)


def test_a_csv_line_longer_than_max_csv_line_mb_is_refused_without_buffering_it_all():
    def chunks():
        yield b"id;note\n1;"
        for _ in range(10_000):  # 640 MB if read whole; refused after about 1 MiB
            yield b"x" * 65536

    with pytest.raises(LimitExceededError, match="max_csv_line_mb"):
        list(iter_csv_records(chunks(), delimiter=";", max_csv_line_mb=1))
    assert issubclass(LimitExceededError, Exception) and not issubclass(
        LimitExceededError, BodyError
    )


# -- a hostile JAICP ---------------------------------------------------------------------------


class OddValues(JaicpEmulator):
    """The first sessions of each page carry values a lenient parser would invent or lose."""

    def __init__(self, *, bad_key: bool = False, **kw) -> None:
        super().__init__(**kw)
        self.bad_key = bad_key

    def _page(self, member: str, rows: list[dict], page: int, size: int, **extra) -> Reply:
        reply = super()._page(member, rows, page, size, **extra)
        if member != "sessions" or not rows:
            return reply
        body = json.loads(reply.body_bytes())
        sessions = body["sessions"]
        if self.bad_key:
            sessions[0]["startTime"] = "Tuesday"
        else:
            sessions[0].update(questionCount=4.6, firstQuestion="hi\x00there")
            if len(sessions) > 2:
                sessions[1]["questionCount"] = "__BIG__"
                sessions[2]["questionCount"] = "__INF__"
        text = json.dumps(body).replace('"__BIG__"', str(2**70)).replace('"__INF__"', "1e309")
        return Reply(body=text.encode())


def jaicp_config(server: EmulatorServer, today: dt.date | None = None) -> dict:
    """Settings reading yesterday and today (`today` if given) and no further."""
    today = today or dt.datetime.now(dt.UTC).date()
    config = JAICP.through(JAICP.config(server.url, today - dt.timedelta(days=1)), today)
    return {**config, "window_days": 2}


def test_odd_values_are_kept_in_extra_and_nul_is_removed_with_a_count():
    today = dt.datetime.now(dt.UTC).date()  # once, before the run
    with EmulatorServer(OddValues(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server, today), timeout=120)
        assert run.returncode == 0, run.stderr[-3000:]
        sessions = run.records("sessions")
        first, second, third = sessions[:3]
        assert first["questionCount"] is None and first["_extra"]["questionCount"] == 4.6
        assert first["firstQuestion"] == "hithere"
        assert second["questionCount"] is None and second["_extra"]["questionCount"] == 2**70
        assert third["questionCount"] is None and third["_extra"]["questionCount"] == float("inf")
        assert "\\u0000" not in run.stdout
        assert "sessions: removed 1 NUL character(s)" in run.stderr
        # nothing lost: every session the server holds was emitted
        truth = JAICP.truth(server.app, today - dt.timedelta(days=1), today)["sessions"]
        assert run.keys("sessions", ["sessionId"]) == truth


def test_a_key_that_is_not_a_date_stops_the_stream_before_writing_it_when_told_to():
    with EmulatorServer(OddValues(api_token=JAICP_TOKEN, bad_key=True)) as server:
        config = {**jaicp_config(server), "on_invalid_key": "fail"}
        run = run_tap(JAICP.tap, config, timeout=120)
        assert run.returncode != 0
        assert "key field 'startTime'" in run.stderr and "'Tuesday'" in run.stderr
        assert "Traceback" not in run.stderr
        assert all(r["startTime"] != "Tuesday" for r in run.records("sessions"))


def test_a_key_that_is_not_a_date_skips_only_its_row_by_default():
    with EmulatorServer(OddValues(api_token=JAICP_TOKEN, bad_key=True)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=120)
        assert run.returncode == 0, run.stderr[-3000:]
        sessions = run.records("sessions")
        assert sessions and all(r["startTime"] != "Tuesday" for r in sessions)
        assert "rows skipped for an unusable key (on_invalid_key: skip): startTime (" in run.stderr
        # the example is masked: the key's type and length, the other fields' names only
        assert "startTime a JSON string of 7 characters in a row of {" in run.stderr
        assert "'Tuesday'" not in run.stderr


def test_a_number_beyond_64_bits_switches_to_the_exact_parser_instead_of_failing(monkeypatch):
    from tapkit import jsonbody, jsonparsers

    monkeypatch.setattr(jsonparsers, "_parsers", jsonparsers._parsers)  # restored after the test
    monkeypatch.setattr(jsonparsers, "_use_float", jsonparsers._use_float)
    body = b'[{"a": 1180591620717411303424, "b": 1e309}]'
    with pytest.raises(NumberOverflowError):
        list(jsonbody.iter_json_records([body]))
    (record,) = jsonbody.iter_json_records([body])  # the page, read again
    assert record["a"] == 2**70 and str(record["b"]) == "1E+309"


class SessionWithBadId(JaicpEmulator):
    """The first session of every page has its id removed, null, empty or only blanks."""

    def __init__(self, *, how: str = "missing", **kw) -> None:
        super().__init__(**kw)
        self.how = how
        if how == "padded":  # the padded spelling is that session's own id here
            find = self.data.find_session
            self.data.find_session = lambda session_id: find(session_id.strip())  # type: ignore[method-assign]

    def _page(self, member: str, rows: list[dict], page: int, size: int, **extra) -> Reply:
        reply = super()._page(member, rows, page, size, **extra)
        if member != "sessions" or not rows:
            return reply
        body = json.loads(reply.body_bytes())
        first = body["sessions"][0]
        if self.how == "missing":
            del first["sessionId"]
        else:
            padded = f" {first['sessionId']} "
            first["sessionId"] = {"null": None, "empty": "", "blank": " \t ", "padded": padded}[
                self.how
            ]
        return Reply.json(body)


@pytest.mark.parametrize("how", ["missing", "null", "empty", "blank"])
def test_a_row_without_a_usable_key_stops_the_stream_with_one_line_when_told_to(how):
    with EmulatorServer(SessionWithBadId(api_token=JAICP_TOKEN, how=how)) as server:
        config = {**jaicp_config(server), "on_invalid_key": "fail"}
        run = run_tap(JAICP.tap, config, timeout=120)
        assert run.returncode != 0
        assert "a row came with" in run.stderr and "key field 'sessionId'" in run.stderr
        assert "on_invalid_key: skip" in run.stderr, "the way out is named"
        assert "Traceback" not in run.stderr


@pytest.mark.parametrize("how", ["missing", "null", "empty", "blank"])
def test_a_row_without_a_usable_key_no_longer_stops_the_pipeline(how):
    """Issue 22: one such row, served on every run, stopped the pipeline for good."""
    with EmulatorServer(SessionWithBadId(api_token=JAICP_TOKEN, how=how)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=120)
        assert run.returncode == 0, run.stderr[-3000:]
        sessions = run.records("sessions")
        assert sessions and all(str(r["sessionId"]).strip() for r in sessions)
        skipped = [line for line in run.stderr.splitlines() if "rows skipped" in line]
        assert len(skipped) == 1 and "WARNING" in skipped[0], skipped
        example = {"missing": "missing", "null": "null", "empty": "''", "blank": "' \\t '"}
        assert f"sessionId {example[how]} in a row of {{" in skipped[0], skipped[0]


def test_a_key_with_blanks_around_is_emitted_and_asked_for_exactly_as_sent():
    """Issue 22: a stripped id asked `by_session` for another session, whose messages were lost."""
    with EmulatorServer(SessionWithBadId(api_token=JAICP_TOKEN, how="padded")) as server:
        config = {**jaicp_config(server), "messages_mode": "by_session"}
        run = run_tap(JAICP.tap, config, timeout=120)
        asked = [r.json().get("sessionId") for r in server.served("/messages/by-session")]
    assert run.returncode == 0, run.stderr[-3000:]
    padded = [
        r["sessionId"] for r in run.records("sessions") if r["sessionId"] != r["sessionId"].strip()
    ]
    assert padded, "the padded id is emitted as sent"
    assert all(f"{p}" in asked for p in padded), "and asked for exactly as sent"
    assert all(p.strip() not in asked for p in padded), "never its stripped spelling"


class DeepLabels(JaicpEmulator):
    """One session's labels nest 5,000 levels deep."""

    def _page(self, member: str, rows: list[dict], page: int, size: int, **extra) -> Reply:
        reply = super()._page(member, rows, page, size, **extra)
        if member != "sessions" or not rows:
            return reply
        body = json.loads(reply.body_bytes())
        body["sessions"][0]["labels"] = "__DEEP__"
        deep = "[" * 5000 + "]" * 5000
        return Reply(body=json.dumps(body).replace('"__DEEP__"', deep).encode())


def test_a_value_nested_thousands_deep_is_one_clear_error_not_a_traceback():
    with EmulatorServer(DeepLabels(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=120)
        assert run.returncode != 0
        assert "nests values too deep to be written" in run.stderr
        assert "Traceback" not in run.stderr
