"""The core's token renewal (`tapkit.renewable_token`), shared by Chat-Tonic's login and
8x8's client-credentials token: what a run's requests carry, and when a refusal ends the run.

The vendors' own tests (tests/taps/test_tap_chattonic.py,
tests/taps/test_tap_8x8_analytics.py) prove the same through their emulators; these pin the
rules every future vendor gets for free.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import threading

import pytest
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tapkit.renewable_token import RenewableToken, Send, TokenAnswer, read_token_answer

TOKEN_URL = "http://127.0.0.1:9/token"


class CountingToken(RenewableToken):
    """Hands out `token-1`, `token-2`... and counts the tokens requested."""

    def __init__(self, *, renewable: bool = True, token: str | None = None) -> None:
        super().__init__(
            token_url=TOKEN_URL,
            vendor="Acme",
            settings=("client_id", "client_secret"),
            logger=logging.getLogger("test"),
            token=token,
        )
        self.renewable = renewable
        self.issued = 0

    @property
    def can_renew(self) -> bool:
        return self.renewable

    def request_token(self, send: Send) -> str:
        self.issued += 1
        return f"token-{self.issued}"


def never_sent(request: requests.Request) -> requests.Response:
    raise AssertionError("the test's token needs no request")


def authorization(token: RenewableToken, url: str) -> str | None:
    prepared = requests.Request("GET", url).prepare()
    return token(prepared).headers.get("Authorization")


def test_every_request_but_the_token_request_carries_the_current_token():
    token = CountingToken()
    assert token.ensure(never_sent) == "token-1"
    assert authorization(token, "http://127.0.0.1:9/data") == "Bearer token-1"
    assert authorization(token, TOKEN_URL) is None


def test_streams_refused_with_the_same_token_at_once_cause_one_new_token():
    token = CountingToken()
    old = token.ensure(never_sent)
    barrier = threading.Barrier(4)
    renewed: list[bool] = []

    def stream_meets_a_401() -> None:
        barrier.wait()
        renewed.append(token.refused(old))
        token.ensure(never_sent)

    threads = [threading.Thread(target=stream_meets_a_401) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert renewed == [True] * 4
    assert token.issued == 2
    assert authorization(token, "http://127.0.0.1:9/data") == "Bearer token-2"


def test_a_token_just_obtained_and_refused_again_ends_the_run():
    token = CountingToken()
    assert token.refused(token.ensure(never_sent))
    fresh = token.ensure(never_sent)
    assert not token.refused(fresh)


def test_once_a_renewed_token_is_accepted_a_later_refusal_renews_it_again():
    token = CountingToken()
    assert token.refused(token.ensure(never_sent))
    fresh = token.ensure(never_sent)
    token.accepted(fresh)
    assert token.refused(fresh)
    assert token.ensure(never_sent) == "token-3"


def test_a_given_token_without_a_way_to_renew_it_is_refused_for_good():
    token = CountingToken(renewable=False, token="given")
    assert authorization(token, "http://127.0.0.1:9/data") == "Bearer given"
    assert not token.refused("given")
    assert token.issued == 0


# -- the token answer's ladder, one for every vendor (`read_token_answer`) ----------------

PLAIN = TokenAnswer(vendor="Acme", request="the token request", refused="the key", settings="key")
STRICT = dataclasses.replace(
    PLAIN,
    refused_statuses=frozenset({400, 401, 403}),
    rejected_hint="; check base_url",
    refuses_html=True,
    max_bytes=1024,
)


def answered(status: int, body: bytes, content_type: str = "application/json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers["Content-Type"] = content_type
    response.raw = io.BytesIO(body)
    return response


@pytest.mark.parametrize(
    ("answer", "status", "body", "content_type", "error", "said"),
    [
        (PLAIN, 200, b'{"token": "t"}', "application/json", None, ""),
        (PLAIN, 401, b"no", "text/plain", FatalAPIError, "refused the key (HTTP 401): check "),
        (PLAIN, 400, b"bad", "text/plain", FatalAPIError, "rejected the token request (HTTP 400):"),
        (STRICT, 400, b"bad", "text/plain", FatalAPIError, "refused the key (HTTP 400)"),
        (STRICT, 404, b"?", "text/plain", FatalAPIError, "(HTTP 404); check base_url: ?"),
        (PLAIN, 503, b"busy", "text/plain", RetriableAPIError, "HTTP 503 to the token request"),
        (PLAIN, 429, b"slow", "text/plain", RetriableAPIError, "HTTP 429 to the token request"),
        (PLAIN, 200, b"<html>{}</html>", "text/html", RetriableAPIError, "not JSON"),
        (STRICT, 200, b"{}", "text/html", RetriableAPIError, "with an HTML page"),
        (
            STRICT,
            200,
            b'{"token": "' + b"x" * 2000 + b'"}',
            "",
            RetriableAPIError,
            "more than 1 KiB",
        ),
        (PLAIN, 200, b"[" * 5000 + b"]" * 5000, "", RetriableAPIError, "not JSON"),
        (PLAIN, 200, b"[]", "application/json", RetriableAPIError, "with no token"),
    ],
)
def test_a_token_answer_is_read_by_one_ladder_whose_differences_are_data(
    answer, status, body, content_type, error, said
):
    response = answered(status, body, content_type)
    if error is None:
        assert read_token_answer(response, answer) == {"token": "t"}
        return
    with pytest.raises(error) as raised:
        read_token_answer(response, answer)
    assert said in str(raised.value) and str(raised.value).startswith("Acme ")
