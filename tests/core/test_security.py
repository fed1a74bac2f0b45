"""Hostile vendors (or anyone in the path) cannot read a secret, forge a log line, pull a
credential to another host, or expand entities.

Each case runs the tap against a local server that misbehaves on purpose and judges what an
operator and an attacker would see: stderr, the requests each server received.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from emulators.framework import EmulatorServer, Reply, Request
from emulators.jaicp import JaicpEmulator
from tap_8x8.body import parse_records
from tapkit.errors import BodyError
from tapkit.logsafe import install, one_line
from tapkit.redirects import origin
from tests.cases.jaicp import JAICP, JAICP_TOKEN
from tests.support import run_tap


def jaicp_config(server: EmulatorServer, **changes) -> dict:
    today = dt.datetime.now(dt.UTC).date()
    return {**JAICP.config(server.url, today - dt.timedelta(days=1)), **changes}


def test_a_secret_given_as_a_number_is_masked_in_the_validation_error():
    with EmulatorServer(JAICP.make_app()) as server:
        run = run_tap(JAICP.tap, jaicp_config(server, api_token=987654321987), timeout=60)
    assert run.returncode != 0
    assert "api_token" in run.stderr
    assert "987654321987" not in run.output


@pytest.mark.parametrize(
    "token",
    [["list-secret-one-42", "list-secret-two-42"], {"key": "object-secret-42", "n": 987654321}],
)
def test_a_secret_given_as_a_list_or_an_object_is_masked_in_the_validation_error(token):
    with EmulatorServer(JAICP.make_app()) as server:
        run = run_tap(JAICP.tap, jaicp_config(server, api_token=token), timeout=60)
    assert run.returncode != 0
    assert "api_token" in run.stderr
    for leaked in ("secret-one", "secret-two", "object-secret", "987654321"):
        assert leaked not in run.output


@pytest.mark.parametrize(
    "base_url",
    ["ftp://someone:pw-in-url-42@vendor.example", "http://someone:pw-in-url-42@vendor.example"],
)
def test_a_password_in_base_url_is_never_printed(base_url):
    with EmulatorServer(JAICP.make_app()) as server:
        run = run_tap(JAICP.tap, jaicp_config(server, base_url=base_url), timeout=60)
    assert run.returncode != 0
    assert "base_url" in run.stderr
    assert "pw-in-url-42" not in run.output


def test_user_info_in_any_url_is_masked_in_log_lines_and_errors(caplog):
    from tapkit.scrub import install as install_scrubbing
    from tapkit.scrub import scrub, scrub_exception

    install_scrubbing()
    assert scrub("GET https://bob:s3cr3t@host/x failed") == "GET https://***@host/x failed"
    assert scrub("mail bob@example.com") == "mail bob@example.com"
    error = scrub_exception(ValueError("no route to http://u:p4ss@10.0.0.1:8080/api"))
    assert "p4ss" not in str(error)
    with caplog.at_level(logging.INFO):
        logging.getLogger("tap-test").info("proxy %s", "http://u:p4ss@proxy:3128")
    assert "p4ss" not in caplog.text


FORGED = "\n2026-01-01 00:00:00,000 | ERROR    | tap-jaicp | forged line\x1b[2J\x1b[31m"


class Forging(JaicpEmulator):
    """Refuses sessions with an error body that tries to forge log lines and clear the screen."""

    def handle(self, request: Request) -> Reply:
        if "sessions/filter" in request.path:
            return Reply(
                status=400, body=f"bad request{FORGED}".encode(), content_type="text/plain"
            )
        return super().handle(request)


def test_vendor_text_reaches_the_log_escaped_one_line_per_record():
    with EmulatorServer(Forging(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=60)
    assert run.returncode != 0
    assert "\x1b" not in run.stderr
    assert "\\x1b[2J" in run.stderr  # shown, not obeyed
    forged_lines = [line for line in run.stderr.splitlines() if line.startswith("2026-01-01")]
    assert forged_lines == []


def test_one_line_escapes_control_characters_in_every_log_record(caplog):
    install()
    assert one_line("a\nb\r\x1b[0m\u2028") == "a\\nb\\r\\x1b[0m\\u2028"
    with caplog.at_level(logging.INFO):
        logging.getLogger("vendor").info("said: %s", "ok\nERROR forged")
    assert caplog.records[-1].getMessage() == "said: ok\\nERROR forged"


class Redirecting(JaicpEmulator):
    """Redirects every sessions request to another host, path (with the token) and all."""

    def __init__(self, target: str, **kw) -> None:
        super().__init__(**kw)
        self.target = target

    def handle(self, request: Request) -> Reply:
        if "sessions/filter" in request.path:
            return Reply(status=307, headers={"Location": self.target + request.path})
        return super().handle(request)


@pytest.mark.parametrize("scheme_host", ["other host", "same host, other port"])
def test_a_redirect_to_another_origin_is_refused_and_the_credential_never_travels(scheme_host):
    host = "127.0.0.2" if scheme_host == "other host" else "127.0.0.1"
    with EmulatorServer(JAICP.make_app(), host=host) as elsewhere:
        app = Redirecting(elsewhere.url, api_token=JAICP_TOKEN)
        with EmulatorServer(app) as server:
            run = run_tap(JAICP.tap, jaicp_config(server), timeout=60)
        assert run.returncode != 0
        assert "redirected a request to http://" in run.stderr
        assert "not followed" in run.stderr
        assert elsewhere.requests == []
        assert JAICP_TOKEN not in run.output


def test_origins_compare_scheme_host_and_port():
    assert origin("https://A.example.com/x") == origin("https://a.example.com:443/y")
    assert origin("http://a.example.com/") != origin("https://a.example.com/")


@pytest.mark.parametrize(
    "body",
    [
        b'<!-- hi --><!DOCTYPE agents [<!ENTITY e "x">]><agents><agent><a>&e;</a></agent></agents>',
        b'\xef\xbb\xbf<?xml version="1.0"?><!DOCTYPE agents SYSTEM "file:///etc/passwd"><agents/>',
        '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE a [<!ENTITY e "x">]><agents/>'.encode(
            "utf-16"
        ),
    ],
    ids=["comment before the DTD", "external DTD after the declaration", "UTF-16"],
)
def test_xml_with_a_dtd_or_entities_is_refused_however_it_is_hidden(body):
    with pytest.raises(BodyError):
        parse_records(body, singular="agent", plural="agents")
