"""The record path the core shortens: RECORD lines are the SDK's, byte for byte (but the clock).

`VendorStream._write_record_message` (a private SDK name) writes RECORD lines without the
SDK's per-record message objects when nothing needs them, and `_process_record` skips the
SDK's record step for a stream without children or partition keys: these tests pin that the
line is what the SDK's own writer makes of the same record, that a stream map or a
deselected property still goes through the SDK's path, and that the skipped step does
nothing there.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys

import singer_sdk.singerlib as singer
from singer_sdk.contrib.msgspec import MsgSpecWriter

from tests.cases import oct8ne

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
    sys.stdout.flush()
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
    """`VendorStream._process_record` skips the SDK's step there: it must have no effect."""
    from singer_sdk import Stream

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


def test_a_record_with_nul_is_cleaned_and_counted_by_the_writer(capfd):
    stream = sessions_stream()
    capfd.readouterr()
    stream._write_record_message(dict(RECORD) | {"agentName": "Ann\x00 Smith"})
    sys.stdout.flush()
    line = capfd.readouterr().out
    assert json.loads(line)["record"]["agentName"] == "Ann Smith"
    assert stream._tap.message_writer.nul_removed["sessions"] == 1
