"""The core's token renewal (`tapkit.renewable_token`), shared by Chat-Tonic's login and
8x8's client-credentials token: what a run's requests carry, and when a refusal ends the run.

The vendors' own tests (tests/taps/test_tap_chattonic.py,
tests/taps/test_tap_8x8_analytics.py) prove the same through their emulators; these pin the
rules every future vendor gets for free.
"""

from __future__ import annotations

import logging
import threading

import requests

from tapkit.renewable_token import RenewableToken, Send

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
