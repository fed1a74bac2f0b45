"""Pins the SDK behaviour `tapkit/sdk_compat.py` and `tapkit/sdk_compat_records.py` rely on,
one test per private name.

An SDK upgrade that renames or changes one of them fails here, by name, instead of silently
corrupting state or output. The last test keeps every other module off private SDK names.
"""

from __future__ import annotations

import ast
import datetime as dt
import decimal
import hashlib
import importlib
import inspect
import io
import json
import re
import signal
import typing as t
from pathlib import Path

import backoff
import pytest
import requests
import singer_sdk
import singer_sdk.singerlib as singer
from singer_sdk import RESTStream, Stream
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.exceptions import ConfigValidationError, RetriableAPIError

from tapkit.sdk_compat import (
    RETRIABLE_REQUEST_FAILURES,
    SDK_SOURCES_MIRRORED,
    CompatStream,
    CompatTap,
    RecordLineWriter,
)
from tapkit.writer import RECORD_BUFFER_BYTES
from tests.cases import oct8ne

ROOT = Path(__file__).resolve().parents[2]
#: the only modules allowed private SDK names (the fence, split by job)
COMPAT_MODULES = (ROOT / "tapkit" / "sdk_compat.py", ROOT / "tapkit" / "sdk_compat_records.py")


class RowsStream(CompatStream):
    """Records from a list instead of HTTP, so the SDK's own sync loop can be observed."""

    name = "rows"
    url_base = "http://127.0.0.1:9"
    path = "/rows"
    primary_keys = ("id",)
    replication_key = "updated"
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType), th.Property("updated", th.DateTimeType)
    ).to_dict()
    rows: t.ClassVar[list[dict[str, t.Any]]] = [
        {"id": 1, "updated": "2026-01-02T00:00:00+00:00"},
        {"id": 2, "updated": "2026-01-03T00:00:00+00:00"},
    ]

    def get_records(self, context: t.Any) -> t.Iterable[dict[str, t.Any]]:
        for row in self.rows:
            yield {**row, "parent_id": row["id"]}

    def get_child_context(self, record: dict[str, t.Any], context: t.Any) -> dict[str, t.Any]:
        return {"parent_id": record["id"]}


class ChildStream(CompatStream):
    name = "children"
    url_base = "http://127.0.0.1:9"
    path = "/children"
    parent_stream_type = RowsStream
    schema = th.PropertiesList(th.Property("parent_id", th.IntegerType)).to_dict()

    def get_records(self, context: t.Any) -> t.Iterable[dict[str, t.Any]]:
        yield {"parent_id": context["parent_id"]}


class RowsTap(CompatTap):
    name = "tap-rows"
    config_jsonschema = th.PropertiesList(th.Property("a", th.StringType, required=True)).to_dict()
    extra: t.ClassVar[list[str]] = []
    child_class: t.ClassVar[type[CompatStream]] = ChildStream

    def extra_config_errors(self) -> list[str]:
        return list(self.extra)

    def discover_streams(self) -> list[CompatStream]:
        return [RowsStream(self), self.child_class(self)]


def sync(tap: RowsTap, capsys: pytest.CaptureFixture[str]) -> list[dict[str, t.Any]]:
    capsys.readouterr()
    tap.sync_all()
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_extra_config_errors_are_reported_with_the_schemas_at_construction():
    """`Tap._validate_config(raise_errors=...)` is what `Tap.__init__` validates with."""

    class Checked(RowsTap):
        extra: t.ClassVar = ["b: must be set with a"]

    with pytest.raises(ConfigValidationError) as raised:
        Checked(config={}, validate_config=True)
    errors = " ".join(raised.value.errors)
    assert "'a' is a required property" in errors and "b: must be set with a" in errors


def test_records_do_not_move_the_bookmark_when_told_not_to(capsys, monkeypatch):
    """`_increment_stream_state` is the SDK's one per-record bookmark step."""
    moved = [m for m in sync(RowsTap(config={"a": "x"}), capsys) if m["type"] == "STATE"]
    bookmark = moved[-1]["value"]["bookmarks"]["rows"]
    assert bookmark["replication_key_value"] == "2026-01-03T00:00:00+00:00"

    monkeypatch.setattr(RowsStream, "records_move_bookmark", lambda self: False)
    kept = [m for m in sync(RowsTap(config={"a": "x"}), capsys) if m["type"] == "STATE"]
    assert "replication_key_value" not in kept[-1]["value"]["bookmarks"].get("rows", {})


def test_write_state_now_writes_a_state_message_even_without_new_records(capsys):
    """`_write_state_message` writes only while `state_manager.is_flushed` is False."""
    stream = RowsTap(config={"a": "x"}).streams["rows"]
    capsys.readouterr()
    for day in ("2026-01-01", "2026-01-02"):
        stream.get_context_state(None)["replication_key_value"] = day
        stream.write_state_now()
    states = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [m["value"]["bookmarks"]["rows"]["replication_key_value"] for m in states] == [
        "2026-01-01",
        "2026-01-02",
    ]


@pytest.mark.parametrize("once", [True, False])
def test_a_child_writes_its_schema_once_per_run_when_told(capsys, monkeypatch, once):
    """`_write_schema_message` is called for the child on every parent record."""
    monkeypatch.setattr(ChildStream, "schema_once_per_run", once)
    messages = sync(RowsTap(config={"a": "x"}), capsys)
    schemas = [m for m in messages if m["type"] == "SCHEMA" and m["stream"] == "children"]
    records = [m for m in messages if m["type"] == "RECORD" and m["stream"] == "children"]
    assert len(records) == 2
    assert len(schemas) == (1 if once else 2), "the SDK no longer repeats a child's SCHEMA?"


def test_the_record_fast_path_writes_what_the_sdks_path_writes():
    """`_generate_record_messages` and `_stream_version`, with every property selected."""
    stream = RowsTap(config={"a": "x"}).streams["rows"]
    record = {"id": 1, "updated": "2026-01-02T00:00:00+00:00"}
    fast = list(stream._generate_record_messages(dict(record)))
    sdk = list(RESTStream._generate_record_messages(stream, dict(record)))
    assert [(m.stream, m.record, m.version) for m in fast] == [
        (m.stream, m.record, m.version) for m in sdk
    ]
    assert all(m.time_extracted is not None for m in fast)


class FakeSession(requests.Session):
    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: t.Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        response = requests.Response()
        response.status_code = self.status
        response.raw = io.BytesIO(b"[]")
        response.request = request
        return response


@pytest.mark.parametrize("status", [200, 503])
def test_send_request_authenticates_each_attempt_and_validates_the_answer(status, monkeypatch):
    """`_request(prepared_request, context)` applies the authenticator, then validates."""
    stream = RowsTap(config={"a": "x"}).streams["rows"]
    session = FakeSession(status)
    stamps = iter(["first", "second"])

    def stamp(request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = next(stamps)
        return request

    stream._requests_session = session
    monkeypatch.setattr(RowsStream, "authenticator", property(lambda self: stamp))
    prepared = requests.Request("GET", "http://127.0.0.1:9/rows").prepare()
    if status == 200:
        assert stream.send_request(prepared, None).status_code == 200
    else:
        with pytest.raises(RetriableAPIError):
            stream.send_request(prepared, None)
    assert [r.headers["Authorization"] for r in session.sent] == ["first"]


@pytest.fixture
def signal_handlers_restored():
    kept = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    yield
    for number, handler in kept.items():
        signal.signal(number, handler)


def test_sigterm_and_sigint_reach_on_termination(signal_handlers_restored):
    """`Tap.__init__` installs `_handle_termination` as the SIGTERM and SIGINT handler."""
    seen: list[int] = []

    class Stopped(RowsTap):
        def on_termination(self, signum: int, frame: t.Any) -> None:
            seen.append(signum)

    Stopped(config={"a": "x"})
    for number in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(number)
        assert callable(handler)
        handler(number, None)
    assert seen == [signal.SIGTERM, signal.SIGINT]


def test_the_sdks_own_answer_to_sigterm_writes_state_and_exits_0(signal_handlers_restored, capsys):
    """`Tap._handle_termination` writes a STATE message, then exits 0 (what we change)."""
    RowsTap(config={"a": "x"})
    handler = signal.getsignal(signal.SIGTERM)
    assert callable(handler)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        handler(signal.SIGTERM, None)
    assert exited.value.code == 0
    assert [json.loads(line)["type"] for line in capsys.readouterr().out.splitlines()] == ["STATE"]


# -- the record path's fast lines (`_write_record_message`, `_process_record`) ------------
# RECORD lines are the SDK's, byte for byte (but the clock): written without the SDK's
# per-record message objects when nothing needs them; a stream map or a deselected property
# still goes through the SDK's path; the skipped record step does nothing where it is
# skipped.

RECORD = {
    "sessionId": 7,
    "startDate": "2026-11-20T10:00:00+02:00",
    "agentName": 'Ann ñ "quoted"',
    "saleAmount": 12.5,
    "sale": True,
    "rating": None,
    "_extra": {"new": [1, {"a": None}]},
}
CLOCK = re.compile(rb'"time_extracted":"[^"]+"')


def sessions_stream(**config_changes):
    config = oct8ne.CASE.config("http://127.0.0.1:9", dt.date(2026, 11, 20)) | config_changes
    tap = oct8ne.CASE.tap_class(config=config, parse_env_config=False)
    return tap.streams["sessions"]


def written_line(stream, capfd) -> bytes:
    capfd.readouterr()
    stream._write_record_message(dict(RECORD))
    stream._tap.message_writer.flush_records()
    return capfd.readouterr().out.encode()


def sdk_line(stream, record: dict) -> bytes:
    message = singer.RecordMessage(
        stream=stream.name,
        record=record,
        version=stream._stream_version,
        time_extracted=dt.datetime.now(dt.UTC),
    )
    return bytes(MsgSpecWriter().format_message(message))


def test_a_record_line_is_the_sdks_own_line(capfd):
    """`_write_record_message` writes one RECORD line; `_stream_version` is its version."""
    stream = sessions_stream()
    for version in (None, 1764000000):
        stream._stream_version = version
        line = written_line(stream, capfd)
        assert CLOCK.sub(b"", line) == CLOCK.sub(b"", sdk_line(stream, dict(RECORD)))
        assert CLOCK.search(line)  # the same clock format, too
        assert json.loads(line)["time_extracted"].endswith("Z")


def test_a_stream_map_takes_the_sdks_path(capfd):
    stream = sessions_stream(stream_maps={"sessions": {"agentName": None}})
    record = json.loads(written_line(stream, capfd))["record"]
    assert "agentName" not in record
    assert record["sessionId"] == 7


def test_a_deselected_property_takes_the_sdks_path(capfd):
    stream = sessions_stream()
    stream.mask[("properties", "agentName")] = False
    record = json.loads(written_line(stream, capfd))["record"]
    assert "agentName" not in record


def test_the_sdks_record_step_does_nothing_for_a_stream_without_children_or_partitions():
    """`CompatStream._process_record` skips the SDK's step there: it must have no effect."""

    stream = sessions_stream()
    assert not stream.child_streams
    record = dict(RECORD)
    Stream._process_record(stream, record, child_context=None, partition_context=None)
    assert record == RECORD
    Stream._process_record(stream, record, child_context=None, partition_context={"k": 1})
    assert record == RECORD | {"k": 1}, "with a partition the SDK's step runs (and is kept)"
    record = dict(RECORD)
    stream._process_record(record, partition_context={"k": 1})
    assert record == RECORD | {"k": 1}


@pytest.mark.parametrize("child_selected", [True, False])
def test_a_child_is_read_for_each_parent_record_only_when_selected(capsys, child_selected):
    """The SDK's per-record step is skipped for a parent whose children are all deselected."""
    catalog = RowsTap(config={"a": "x"}).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == [] and entry["tap_stream_id"] == "children":
                metadata["metadata"]["selected"] = child_selected
    messages = sync(RowsTap(config={"a": "x"}, catalog=catalog), capsys)
    streams = [m["stream"] for m in messages if m["type"] == "RECORD"]
    assert streams.count("rows") == 2
    assert streams.count("children") == (2 if child_selected else 0)


def test_a_record_with_nul_is_cleaned_and_counted_by_the_writer(capfd):
    stream = sessions_stream()
    capfd.readouterr()
    stream._write_record_message(dict(RECORD) | {"agentName": "Ann\x00 Smith"})
    stream._tap.message_writer.flush_records()
    line = capfd.readouterr().out
    assert json.loads(line)["record"]["agentName"] == "Ann Smith"
    assert stream._tap.message_writer.nul_removed["sessions"] == 1


def test_record_lines_wait_for_the_next_message_and_come_before_it(capfd):
    """Held lines are written before any other message, so a STATE follows its records."""
    stream = sessions_stream()
    capfd.readouterr()
    for number in range(3):
        stream._write_record_message(dict(RECORD) | {"sessionId": number})
    assert capfd.readouterr().out == "", "one write per piece of lines, not per record"
    stream.write_state_now()
    messages = [json.loads(line) for line in capfd.readouterr().out.splitlines()]
    assert [m["type"] for m in messages] == ["RECORD"] * 3 + ["STATE"]
    assert [m["record"]["sessionId"] for m in messages[:3]] == [0, 1, 2]


def test_record_lines_are_written_once_a_piece_is_full(capfd):
    stream = sessions_stream()
    capfd.readouterr()
    line_bytes = len(written_line(stream, capfd))
    count = 2 * RECORD_BUFFER_BYTES // line_bytes
    for number in range(count):
        stream._write_record_message(dict(RECORD) | {"sessionId": number})
    out = capfd.readouterr().out
    assert RECORD_BUFFER_BYTES <= len(out) <= 2 * RECORD_BUFFER_BYTES
    stream._tap.message_writer.flush_records()
    lines = (out + capfd.readouterr().out).splitlines()
    assert [json.loads(line)["record"]["sessionId"] for line in lines] == list(range(count))


def test_a_failed_run_still_writes_the_records_read_before_the_failure(capfd, monkeypatch):
    stream = sessions_stream()

    def read_one_then_fail(tap: t.Any) -> None:
        stream._write_record_message(dict(RECORD))
        raise RuntimeError("the vendor went away")

    monkeypatch.setattr(singer_sdk.Tap, "sync_all", read_one_then_fail)
    capfd.readouterr()
    with pytest.raises(RuntimeError):
        stream._tap.sync_all()
    lines = capfd.readouterr().out.splitlines()
    assert [json.loads(line)["record"]["sessionId"] for line in lines] == [7]


# -- SDK logic mirrored in the compat module ---------------------------------------------
# A copy of an SDK function's logic is pinned by the source of the original: when the SDK
# changes it, the test names the copy to review. Recorded from singer-sdk 0.54.

PINNED_SOURCES = {
    "singer_sdk.streams.rest._HTTPStream.request_records": "54132e0f89b6a9a7",
    "singer_sdk.streams.rest._HTTPStream.request_decorator": "874876c6f423d34f",
    "singer_sdk.contrib.msgspec.serialize_jsonl": "0ed6a3e279467f0d",
}


def sdk_object(dotted: str) -> t.Any:
    """The SDK object a dotted path names (a module, then attributes)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: t.Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(dotted)


def source_digest(function: t.Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def test_every_copy_of_sdk_logic_is_pinned():
    assert set(PINNED_SOURCES) == set(SDK_SOURCES_MIRRORED)


@pytest.mark.parametrize("original", sorted(PINNED_SOURCES))
def test_the_sdk_original_of_each_copy_is_unchanged(original):
    """The copies in `tapkit/sdk_compat.py` mirror these SDK functions as they are in 0.54."""
    digest = source_digest(sdk_object(original))
    assert digest == PINNED_SOURCES[original], (
        f"the SDK changed {original}: review {SDK_SOURCES_MIRRORED[original]}, then record "
        f"its new digest {digest} here"
    )


def sdk_retried_failures() -> set[type]:
    """The exception classes the SDK's `request_decorator` hands `backoff.on_exception`."""
    function = RESTStream.request_decorator
    tree = ast.parse(inspect.cleandoc("\n" + inspect.getsource(function)))
    call = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "backoff.on_exception"
    )
    retried = call.args[1]
    assert isinstance(retried, ast.Tuple)
    namespace = vars(importlib.import_module(function.__module__))
    return {eval(ast.unparse(element), namespace) for element in retried.elts}


def test_the_retried_request_failures_are_the_sdks():
    assert set(RETRIABLE_REQUEST_FAILURES) == sdk_retried_failures()


@pytest.mark.parametrize("failure", [*RETRIABLE_REQUEST_FAILURES, ValueError])
def test_the_sdks_request_decorator_retries_exactly_those_failures(failure, monkeypatch):
    stream = RowsTap(config={"a": "x"}).streams["rows"]
    monkeypatch.setattr(RowsStream, "backoff_wait_generator", lambda self: backoff.constant(0))
    monkeypatch.setattr(RowsStream, "backoff_max_tries", lambda self: 2)
    calls: list[int] = []

    def fail(*args: t.Any) -> None:
        calls.append(1)
        raise failure("no") if failure is not RetriableAPIError else failure("no", None)

    with pytest.raises(failure):
        RESTStream.request_decorator(stream, fail)(None, None)
    assert len(calls) == (1 if failure is ValueError else 2)


@pytest.mark.parametrize("failure", [*RETRIABLE_REQUEST_FAILURES, ValueError])
def test_the_compat_request_decorator_retries_as_the_sdks_each_attempt_around(failure, monkeypatch):
    """`CompatStream.request_decorator` (the copy) retries what the SDK's retries."""
    stream = RowsTap(config={"a": "x"}).streams["rows"]
    monkeypatch.setattr(RowsStream, "backoff_wait_generator", lambda self: backoff.constant(0))
    monkeypatch.setattr(RowsStream, "backoff_max_tries", lambda self: 3)
    attempts: list[int] = []

    def around(self: t.Any, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        def attempt(*args: t.Any) -> t.Any:
            attempts.append(1)
            return func(*args)

        return attempt

    monkeypatch.setattr(RowsStream, "around_attempt", around)
    results = iter([failure, failure, "answer"])

    def send(*args: t.Any) -> str:
        result = next(results)
        if isinstance(result, str):
            return result
        raise result("no") if result is not RetriableAPIError else result("no", None)

    if failure is ValueError:
        with pytest.raises(ValueError):
            stream.request_decorator(send)(None, None)
        assert len(attempts) == 1
    else:
        assert stream.request_decorator(send)(None, None) == "answer"
        assert len(attempts) == 3


class BodyBrokeError(Exception):
    """A failure the page loop adds to a request's retries (a body cut short)."""


def test_a_failure_added_to_the_request_attempts_spends_the_same_budget(monkeypatch):
    """`request_attempts(also_retried)`: the SDK's retries, one budget for both kinds."""
    stream = RowsTap(config={"a": "x"}).streams["rows"]
    monkeypatch.setattr(RowsStream, "backoff_wait_generator", lambda self: backoff.constant(0))
    monkeypatch.setattr(RowsStream, "backoff_max_tries", lambda self: 3)
    failures = iter([RetriableAPIError("no", None), BodyBrokeError(), BodyBrokeError(), "answer"])
    tries: list[str] = []
    with pytest.raises(BodyBrokeError):
        for attempt in stream.request_attempts((BodyBrokeError,)):
            with attempt:
                failure = next(failures)
                tries.append(type(failure).__name__)
                raise t.cast(Exception, failure)
    assert tries == ["RetriableAPIError", "BodyBrokeError", "BodyBrokeError"]


def test_a_line_encoded_like_the_sdk_is_the_sdks_line():
    """`RecordLineWriter.encode_like_sdk` is `MsgSpecWriter.serialize_message` minus the newline."""
    message = singer.RecordMessage(
        stream="s",
        record=RECORD | {"amount": decimal.Decimal("1.10"), "at": dt.date(2026, 1, 2)},
        version=3,
        time_extracted=dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC),
    )
    line = bytearray()
    RecordLineWriter().encode_like_sdk(message.to_dict(), line)
    assert bytes(line) + b"\n" == bytes(MsgSpecWriter().serialize_message(message))


def test_lines_encoded_at_once_like_the_sdk_are_the_sdks_lines():
    """`RecordLineWriter.encode_lines_like_sdk` is `MsgSpecWriter.serialize_message` of each."""
    messages = [
        singer.RecordMessage(
            stream="s",
            record=RECORD | {"sessionId": number, "amount": decimal.Decimal("1.10")},
            version=None if number % 2 else 3,
            time_extracted=dt.datetime(2026, 1, 2, 3, 4, 5, number, tzinfo=dt.UTC),
        )
        for number in range(5)
    ]
    lines = RecordLineWriter().encode_lines_like_sdk([m.to_dict() for m in messages])
    assert lines == b"".join(bytes(MsgSpecWriter().serialize_message(m)) for m in messages)


def test_a_record_with_nul_among_many_is_cleaned_in_its_place(capfd):
    """A batch of lines holding one NUL is written line by line, in order, that one cleaned."""
    stream = sessions_stream()
    capfd.readouterr()
    names = [f"Ann {number}" for number in range(300)]
    names[150] = "Ann\x00 150"
    for number, name in enumerate(names):
        stream._write_record_message(dict(RECORD) | {"sessionId": number, "agentName": name})
    stream.write_state_now()
    messages = [json.loads(line) for line in capfd.readouterr().out.splitlines()]
    assert [m["type"] for m in messages] == ["RECORD"] * 300 + ["STATE"]
    assert [m["record"]["sessionId"] for m in messages[:300]] == list(range(300))
    assert messages[150]["record"]["agentName"] == "Ann 150"
    assert stream._tap.message_writer.nul_removed["sessions"] == 1


class PagedRows(RowsStream):
    """A stream whose requests carry parameters, headers and a body, to compare requests."""

    name = "paged"
    http_method = "POST"
    payload_as_json = True

    @property
    def http_headers(self) -> dict[str, str]:
        return {"X-Tenant": "t1"}

    def get_url_params(self, context: t.Any, next_page_token: t.Any) -> dict[str, t.Any]:
        return {"page": next_page_token or 1, "q": "a b/ñ", "many": ["x", "y"]}

    def prepare_request_payload(self, context: t.Any, next_page_token: t.Any) -> dict[str, t.Any]:
        return {"from": "2026-01-01", "page": next_page_token, "context": context}

    def calculate_sync_cost(self, request: t.Any, response: t.Any, context: t.Any) -> dict:
        return {"calls": 1}


def sent_by_sdk(stream: PagedRows, context: t.Any) -> requests.PreparedRequest:
    """The request the SDK's own `request_records` sends for a stream's first page."""
    session = FakeSession(200)
    stream._requests_session = session
    assert list(RESTStream.request_records(stream, context)) == []
    assert len(session.sent) == 1
    return session.sent[0]


def same_request(a: requests.PreparedRequest, b: requests.PreparedRequest) -> bool:
    return (a.method, a.url, a.body, dict(a.headers)) == (b.method, b.url, b.body, dict(b.headers))


@pytest.mark.parametrize("as_json", [True, False])
def test_a_page_request_is_the_one_the_sdk_sends(as_json, monkeypatch):
    """`build_page_request` builds through `_prepare_request(context=, page=)`."""
    monkeypatch.setattr(PagedRows, "payload_as_json", as_json)
    stream = PagedRows(RowsTap(config={"a": "x"}))
    context = {"parent_id": 4}
    built = stream.build_page_request(context, None)
    assert same_request(built, sent_by_sdk(stream, context))
    assert "q=a+b%2F%C3%B1" in str(built.url) and built.headers["X-Tenant"] == "t1"
    later = stream.build_page_request(context, 7)
    body = later.body.decode() if isinstance(later.body, bytes) else str(later.body)
    assert "page=7" in str(later.url) and ('"page": 7' if as_json else "page=7") in body


class RecordingCounter:
    def __init__(self) -> None:
        self.context: t.Any = "unset"
        self.count = 0

    def __enter__(self) -> RecordingCounter:
        return self

    def __exit__(self, *exc: t.Any) -> None:
        return None

    def with_context(self, context: t.Any) -> None:
        self.context = context

    def increment(self) -> None:
        self.count += 1


@pytest.mark.parametrize("counted", [True, False])
def test_page_requests_are_counted_and_costed_as_the_sdk_does(counted, monkeypatch):
    """What the SDK's `request_records` does with each request, `page_requests` does too."""
    stream = PagedRows(RowsTap(config={"a": "x"}))
    sent_by_sdk(stream, None)
    assert stream._sync_costs == {"calls": 1}, "the SDK costs each request"
    counter = RecordingCounter()
    monkeypatch.setattr(stream, "get_http_request_counter", lambda: counter)
    session = FakeSession(200)
    stream._requests_session = session
    with stream.page_requests({"parent_id": 4}, counted=counted) as sender:
        for token in (None, 2):
            assert sender.send(sender.build(token)).status_code == 200
    assert len(session.sent) == 2
    assert stream._sync_costs == {"calls": 3}
    assert (counter.count, counter.context) == ((2, {"parent_id": 4}) if counted else (0, "unset"))


# -- the rest of the code base stays off private SDK names --------------------------------

_DEFINED = re.compile(
    r"def\s+(_[a-z]\w*)\s*\(|self\.(_[a-z]\w*)\s*(?::|=(?!=))|^\s+(_[a-z]\w*)\s*(?::|=(?!=))",
    re.MULTILINE,
)
_USED = re.compile(r"\.(_[a-z]\w*)\b|def (_[a-z]\w*)\(|(from singer_sdk\S*\._)|\.(is_flushed)\b")


def _defined_names(paths: t.Iterable[Path]) -> set[str]:
    return {
        name for p in paths for group in _DEFINED.findall(p.read_text()) for name in group if name
    }


def private_sdk_touches(paths: list[Path]) -> list[str]:
    """Lines using a private name of the SDK (or its `state_manager.is_flushed`)."""
    sdk_names = _defined_names(Path(singer_sdk.__file__).parent.rglob("*.py"))
    touches = []
    for path in paths:
        own = _defined_names([path])
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in _USED.finditer(line):
                name = match.group(1) or match.group(2)
                overridden = match.group(2) is not None or "super()." in line
                sdk_private = (
                    match.group(3)
                    or match.group(4)
                    or (name in sdk_names and (overridden or name not in own))
                )
                if sdk_private:
                    touches.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return touches


def test_private_sdk_names_appear_only_in_the_compat_modules():
    product = [p for d in ["tapkit", *sorted(ROOT.glob("tap_*"))] for p in (ROOT / d).rglob("*.py")]
    assert len(product) > 10
    for module in COMPAT_MODULES:
        assert private_sdk_touches([module]), f"the scan no longer sees the touches of {module}"
    assert private_sdk_touches([p for p in product if p not in COMPAT_MODULES]) == []
