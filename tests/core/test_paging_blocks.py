"""The building blocks of paging the taps share: an inclusive-end window's bounds, Basic auth
with its secret masked, a page envelope stating the total and the next cursor.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
import zoneinfo

import pytest
import requests

from tapkit.basicauth import MaskedBasicAuth, basic_authorization
from tapkit.page_envelope import PageEnvelope
from tapkit.paging import Page
from tapkit.scrub import MASK, scrub
from tapkit.window_plan import DateWindow
from tapkit.windowbounds import inclusive_range, inclusive_window, utc_milliseconds

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


# -- inclusive-end window bounds ----------------------------------------------------------


def test_consecutive_windows_neither_overlap_nor_leave_a_gap():
    first = inclusive_window(DateWindow(dt.date(2026, 3, 28), dt.date(2026, 3, 29)), MADRID)
    second = inclusive_window(DateWindow(dt.date(2026, 3, 30), dt.date(2026, 3, 30)), MADRID)
    # the window over the DST change lasts 47 hours; its last millisecond abuts the next start
    assert first == ("2026-03-27T23:00:00.000Z", "2026-03-29T21:59:59.999Z")
    assert second == ("2026-03-29T22:00:00.000Z", "2026-03-30T21:59:59.999Z")


def test_instants_are_written_in_utc_to_the_millisecond_with_four_digit_years():
    instant = dt.datetime(999, 1, 2, 3, 4, 5, 678_900, tzinfo=dt.UTC)
    assert utc_milliseconds(instant) == "0999-01-02T03:04:05.678Z"
    assert utc_milliseconds(dt.datetime(2026, 1, 2, 1, tzinfo=MADRID)) == "2026-01-02T00:00:00.000Z"
    start = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    assert inclusive_range(start, start + dt.timedelta(hours=1)) == (
        "2026-01-02T00:00:00.000Z",
        "2026-01-02T00:59:59.999Z",
    )


# -- Basic auth ---------------------------------------------------------------------------


def test_basic_auth_sends_the_pair_and_masks_both_spellings_of_the_secret():
    auth = MaskedBasicAuth("acme-tenant", "tok-3141592653")
    request = requests.Request("GET", "http://127.0.0.1:9/x", auth=auth).prepare()
    header = request.headers["Authorization"]
    encoded = base64.b64encode(b"acme-tenant:tok-3141592653").decode()
    assert header == f"Basic {encoded}"
    line = scrub(f"sent {header} with token tok-3141592653")
    assert encoded not in line and "tok-3141592653" not in line
    assert line.count(MASK) == 2


def test_basic_authorization_encodes_utf8_as_rfc_7617_says():
    header = basic_authorization("client-é", "secret-ü-42")
    assert base64.b64decode(header.removeprefix("Basic ")) == "client-é:secret-ü-42".encode()
    assert "secret-ü-42" not in scrub("secret-ü-42")


# -- page envelopes -----------------------------------------------------------------------


def response_of(body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.raw = io.BytesIO(body)
    return response


def read(envelope: PageEnvelope, body: bytes, caplog: pytest.LogCaptureFixture | None = None):
    page = Page(context=None, token=None)
    logger = logging.getLogger("test_paging_blocks")
    records = list(envelope.read(response_of(body), page, stream="things", logger=logger))
    return records, page


@pytest.mark.parametrize(
    "body",
    [
        b'{"paging": {"pageNum": 0, "totalCount": 7}, "things": [{"id": 1}, {"id": 2}]}',
        b'{"things": [{"id": 1}, {"id": 2}], "paging": {"totalCount": "7"}}',
    ],
    ids=["total-first", "total-last"],
)
def test_the_total_is_read_before_or_after_the_records(body):
    records, page = read(PageEnvelope(array_key="things", total_at=("paging", "totalCount")), body)
    assert records == [{"id": 1}, {"id": 2}]
    assert page.total == 7
    assert page.cursor is None


def test_a_total_that_is_not_a_whole_number_is_ignored_and_said(caplog):
    envelope = PageEnvelope(array_key="data", total_at=("total",))
    with caplog.at_level(logging.WARNING):
        records, page = read(envelope, b'{"data": [{"id": 1}], "total": 2.5}')
    assert records == [{"id": 1}] and page.total is None
    assert "things: total is not a whole number (2.5); ignored" in caplog.text
    _, page = read(envelope, b'{"data": [], "note": "no total"}')
    assert page.total is None


def test_the_cursor_of_the_next_page_is_read_from_the_body():
    envelope = PageEnvelope(array_key="chats", cursor_at=("next_page_id",))
    records, page = read(envelope, b'{"chats": [{"id": "a"}], "next_page_id": "MTIz"}')
    assert records == [{"id": "a"}] and page.cursor == "MTIz"
    for last in (b'{"chats": [], "next_page_id": ""}', b'{"chats": [], "next_page_id": null}'):
        assert read(envelope, last)[1].cursor is None
