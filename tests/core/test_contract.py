"""The contract every tap keeps (docs/contract.md), checked against each tap's emulator.

Each tap runs as Meltano runs it: a subprocess with a config (and state) file. The outcome
is judged as a user would: the keys that reached stdout against the emulator's ground truth,
the STATE messages, the exit code, what was printed, the requests the emulator received.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
import sys
from pathlib import Path

import pytest

from emulators.framework import EmulatorServer, Fault
from orchestrate.refusals import credentials_refused
from tests.support import BIN, run_tap, run_tap_killed_after_states
from tests.tap_cases import TAP_CASES, TapCase

DAYS = 9


@pytest.fixture(params=TAP_CASES, ids=lambda case: case.name)
def case(request: pytest.FixtureRequest) -> TapCase:
    return request.param


@pytest.fixture
def emulator(case: TapCase):
    with EmulatorServer(case.make_app()) as server:
        yield server


def windowed_only(case: TapCase) -> None:
    if not case.windowed:
        pytest.skip(f"{case.tap} takes snapshots: the date-window checks do not apply")


def config_for(case: TapCase, server: EmulatorServer, days: int = DAYS, **changes) -> dict:
    today = case.today(case.config(server.url, dt.date.today()))
    config = case.through(case.config(server.url, today - dt.timedelta(days=days)), today)
    config.update(changes)
    return {key: value for key, value in config.items() if value is not None}


def pinned_day(case: TapCase, config: dict) -> dt.date:
    """The day `config_for` pinned the runs to (today taken again could be a day later)."""
    end = config.get("end_date")
    return dt.datetime.fromisoformat(end).date() if end else case.today(config)


def truth_for(case: TapCase, server: EmulatorServer, config: dict, days: int = DAYS):
    today = pinned_day(case, config)
    return case.truth(server.app, today - dt.timedelta(days=days), today)


def assert_complete(case: TapCase, run, truth) -> None:
    assert run.returncode == 0, run.stderr[-3000:]
    for stream, key_fields in {**case.windowed_streams, **case.whole_streams}.items():
        assert run.keys(stream, key_fields) == truth[stream], f"{stream}: keys differ from truth"


def test_a_run_reads_exactly_the_emulators_rows(case: TapCase, emulator: EmulatorServer):
    config = config_for(case, emulator)
    run = run_tap(case.tap, config)
    truth = truth_for(case, emulator, config)
    assert all(truth.values()), "the ground truth should not be empty"
    assert_complete(case, run, truth)
    assert run.schema_violations() == [], "every record fits its stream's SCHEMA"


def test_empty_windows_do_not_end_a_stream(case: TapCase, emulator: EmulatorServer):
    windowed_only(case)
    config = config_for(case, emulator, **case.smallest_window)
    today = pinned_day(case, config)
    days = [today - dt.timedelta(days=n) for n in range(DAYS, -1, -1)]
    per_day = [case.truth(emulator.app, day, day) for day in days]
    stream = next(iter(case.windowed_streams))
    empty = [i for i, truth in enumerate(per_day) if not truth[stream]]
    assert empty and empty[0] < len(days) - 1, "the data must hold an empty day before the end"

    run = run_tap(case.tap, config)

    assert_complete(case, run, truth_for(case, emulator, config))
    later = set().union(*(truth[stream] for truth in per_day[empty[0] + 1 :]))
    assert later and later <= run.keys(stream, case.windowed_streams[stream])


def test_a_state_message_follows_every_window(case: TapCase, emulator: EmulatorServer):
    windowed_only(case)
    config = config_for(case, emulator, **case.smallest_window)
    run = run_tap(case.tap, config)
    assert run.returncode == 0, run.stderr[-3000:]
    for stream in case.windowed_streams:
        bookmarks = run.bookmarks(stream)
        # one window per day from start to today, each followed by its own bookmark
        assert len(bookmarks) >= DAYS, (
            f"{stream}: {len(bookmarks)} bookmarks for {DAYS + 1} windows"
        )
        assert bookmarks == sorted(bookmarks, key=dt.datetime.fromisoformat)


def test_the_bookmark_never_passes_the_open_day(case: TapCase, emulator: EmulatorServer):
    windowed_only(case)
    config = config_for(case, emulator)
    run = run_tap(case.tap, config)
    today = pinned_day(case, config)
    # a run that crossed the local midnight found the pinned day closed: bookmarked at its end
    expected = {today} if case.today(config) == today else {today, today + dt.timedelta(days=1)}
    for stream in case.windowed_streams:
        final = dt.datetime.fromisoformat(run.bookmarks(stream)[-1])
        assert final.date() in expected, "the bookmark is the start of today, re-read next run"


def test_a_run_killed_after_its_second_state_resumes_with_no_key_missing(
    case: TapCase, emulator: EmulatorServer
):
    windowed_only(case)
    check_resume_after_kill(case, emulator)


def check_resume_after_kill(case: TapCase, emulator: EmulatorServer) -> None:
    """A run killed after its second STATE, resumed from that STATE: no key is missing, and
    the resumed run re-reads nothing its bookmarks cover.

    The count is exact: every request of a full run, less one for each window that lies
    before a stream's bookmark (a window costs at least one request; the other requests, of
    reference lists and logins, are the same in every run). With no lookback, a resumed run
    that asks for any bookmarked window again (let alone one that ignores its state) exceeds
    it.
    """
    config = config_for(case, emulator, lookback_days=0, **case.smallest_window)
    run_tap(case.tap, config)
    full_run_requests = len(emulator.requests)
    killed = run_tap_killed_after_states(case.tap, config, states=2, streams=case.windowed_streams)
    assert killed.returncode != 0
    state = killed.states()[-1]
    requests_before = len(emulator.requests)

    resumed = run_tap(case.tap, config, state=state)

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    truth = truth_for(case, emulator, config)
    for stream, key_fields in case.windowed_streams.items():
        got = killed.keys(stream, key_fields) | resumed.keys(stream, key_fields)
        assert got == truth[stream], f"{stream}: keys missing after resume"
    bookmarked = bookmarked_windows(case, config, state)
    assert bookmarked > 0, "the killed run should have bookmarked a window"
    resumed_requests = len(emulator.requests) - requests_before
    assert resumed_requests <= full_run_requests - bookmarked, (
        f"the resumed run sent {resumed_requests} requests; a full run sends "
        f"{full_run_requests} and {bookmarked} window(s) were bookmarked: it started over "
        "instead of from the bookmark"
    )


def bookmarked_windows(case: TapCase, config: dict, state: dict) -> int:
    """Windows of `smallest_window` length that lie before each stream's bookmark in `state`."""
    start = dt.datetime.fromisoformat(config["start_date"])
    window_days = int(config.get("window_days", 1))
    windows = 0
    for stream in case.windowed_streams:
        bookmark = state.get("bookmarks", {}).get(stream, {}).get("replication_key_value")
        if bookmark:
            # rounded: a window across a DST change lasts 23 or 25 hours
            days = round((dt.datetime.fromisoformat(bookmark) - start) / dt.timedelta(days=1))
            windows += days // window_days
    return windows


def test_the_resume_check_fails_a_tap_that_ignores_its_state(tmp_path: Path):
    """The resume check can fail: a tap started without its state file reads everything."""
    case = next(c for c in TAP_CASES if c.tap == "tap-jaicp")
    forgetful = tmp_path / "tap-forgets-state"
    forgetful.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "args = sys.argv[1:]\n"
        "if '--state' in args:\n"
        "    at = args.index('--state')\n"
        "    del args[at : at + 2]\n"
        f"os.execv({str(BIN / case.tap)!r}, [{case.tap!r}, *args])\n"
    )
    forgetful.chmod(0o755)
    broken = dataclasses.replace(case, tap=str(forgetful))
    with (
        EmulatorServer(case.make_app()) as server,
        pytest.raises(AssertionError, match="started over instead of from the bookmark"),
    ):
        check_resume_after_kill(broken, server)


RETRIABLE_FAULTS = {
    "429 with Retry-After": Fault(kind="status", status=429, retry_after=1, times=2),
    "500": Fault(kind="status", status=500, times=2),
    "503": Fault(kind="status", status=503, times=2),
    "connection reset": Fault(kind="reset", times=2),
    "body cut mid-transfer": Fault(kind="truncate", times=2),
    "truncated JSON": Fault(kind="cut_json", times=2),
    "HTML with status 200": Fault(kind="html", times=2),
}


@pytest.mark.parametrize("fault", RETRIABLE_FAULTS.values(), ids=RETRIABLE_FAULTS.keys())
def test_a_retriable_fault_ends_in_the_full_record_set(
    case: TapCase, emulator: EmulatorServer, fault: Fault
):
    # A copy: the emulator uses up the fault it is given, and the parameter is shared by
    # every tap's case. `after=1` lets the first request through: the fault hits mid-run.
    fault = dataclasses.replace(fault, after=1)
    emulator.inject(fault)
    config = config_for(case, emulator)

    run = run_tap(case.tap, config)

    assert emulator.faults == [], "the fault was not served"
    assert_complete(case, run, truth_for(case, emulator, config))


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="status", status=500, times=100),
        Fault(kind="cut_json", times=100),
        Fault(kind="html", times=100),
    ],
    ids=["500", "truncated JSON", "HTML with status 200"],
)
def test_a_fault_that_persists_fails_the_run_instead_of_leaving_a_gap(
    case: TapCase, emulator: EmulatorServer, fault: Fault
):
    emulator.inject(dataclasses.replace(fault))  # a copy: the parameter is shared by every tap
    config = config_for(case, emulator, max_attempts=2)

    run = run_tap(case.tap, config)

    assert run.returncode != 0
    assert "ERROR" in run.stderr
    assert "Traceback" not in run.stderr, "a clear error line, not a traceback"
    for stream in case.windowed_streams:
        # Records of a half-read window may have been sent, but no bookmark may cover it:
        # the next run reads that window again.
        assert run.bookmarks(stream) == [], f"{stream}: a failed window was bookmarked"


def test_secrets_never_appear_in_any_output_even_at_debug(case: TapCase, emulator: EmulatorServer):
    for kind in ("reset", "truncate"):
        emulator.inject(Fault(kind=kind, after=1))
    emulator.inject(Fault(kind="status", status=500, after=2))
    runs = [run_tap(case.tap, config_for(case, emulator), loglevel="DEBUG")]
    bad_key, _ = case.rejected_credentials
    runs.append(run_tap(case.tap, config_for(case, emulator, **bad_key), loglevel="DEBUG"))
    runs.append(
        run_tap(
            case.tap,
            config_for(
                case, emulator, base_url=f"http://127.0.0.1:{closed_port()}", max_attempts=2
            ),
            loglevel="DEBUG",
        )
    )
    assert runs[0].returncode == 0 and runs[1].returncode != 0 and runs[2].returncode != 0
    assert "urllib3" in runs[0].stderr, "DEBUG logging should have been on"
    secrets = case.secrets + tuple(bad_key.values())
    for run in runs:
        for secret in secrets:
            assert secret not in run.output


BAD_SETTINGS = [
    pytest.param(case, changes, setting, id=f"{case.tap}-{index}-{setting}")
    for case in TAP_CASES
    for index, (changes, setting) in enumerate(case.bad_settings)
]


@pytest.mark.parametrize(("case", "changes", "setting"), BAD_SETTINGS)
def test_bad_settings_fail_before_any_request_naming_the_setting(
    case: TapCase, emulator: EmulatorServer, changes: dict, setting: str
):
    run = run_tap(case.tap, config_for(case, emulator, **changes))
    assert run.returncode != 0
    assert setting in run.stderr
    assert "Traceback" not in run.stderr
    assert emulator.requests == [], "a request was sent before the settings were checked"


def test_every_paged_stream_reads_the_same_rows_one_small_page_at_a_time(
    case: TapCase, emulator: EmulatorServer
):
    """Pages of 1-2 records: every stream of the discovered catalog (streams added later
    included), in each of the tap's paging modes, gives the same keys as with the case's page
    size, none twice, and pages beyond the first are asked for.
    """
    if not case.small_pages:
        pytest.skip(f"{case.tap}'s vendor sends each list whole (no page size setting)")
    for mode in case.paging_modes:
        config = config_for(case, emulator, days=2, **mode)
        requests_before = len(emulator.requests)
        normal = run_tap(case.tap, config)
        normal_requests = len(emulator.requests) - requests_before
        small = run_tap(case.tap, {**config, **case.small_pages})

        assert normal.returncode == 0, normal.stderr[-3000:]
        assert small.returncode == 0, small.stderr[-3000:]
        for stream, key_fields in catalog_keys(case, config).items():
            keys = [tuple(r[k] for k in key_fields) for r in small.records(stream)]
            assert len(keys) > 2, f"{mode}: {stream}: too few rows to need a second page"
            assert len(keys) == len(set(keys)), f"{mode}: {stream}: a row read twice"
            assert set(keys) == normal.keys(stream, key_fields), f"{mode}: {stream}: keys differ"
        small_requests = len(emulator.requests) - requests_before - normal_requests
        assert small_requests > normal_requests, f"{mode}: small pages took no more requests"


def catalog_keys(case: TapCase, config: dict) -> dict[str, tuple[str, ...]]:
    """Stream → key properties, from the tap's discovered catalog."""
    tap = case.tap_class(config=config, parse_env_config=False, validate_config=False)
    return {
        entry["tap_stream_id"]: tuple(entry["key_properties"])
        for entry in tap.catalog_dict["streams"]
        if entry.get("key_properties")
    }


def test_rejected_credentials_fail_at_once_naming_the_setting(
    case: TapCase, emulator: EmulatorServer
):
    changes, setting = case.rejected_credentials
    run = run_tap(case.tap, config_for(case, emulator, **changes))
    assert run.returncode != 0
    assert setting in run.stderr
    assert "Traceback" not in run.stderr
    assert len(emulator.requests) == case.rejected_credentials_requests, (
        "a refused credential must not be retried"
    )
    # the Dagster code location reads this wording to skip the retry of such a load
    assert credentials_refused(run.stderr), run.stderr[-1500:]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
