"""How a run's output says the vendor refused its credentials.

A load that failed that way is not retried (`definitions.LOAD_RETRY`): the same credentials
would be refused again, and the retry would cost a Meltano run. The wording is the taps'
own, so the contract suite checks that every tap's refusal matches this pattern
(`tests/core/test_contract.py`); this module imports nothing of Dagster for that reason.
"""

from __future__ import annotations

import re

#: Each wording the taps use: a refused request (tapkit/httperrors.py, CoBrowser), a refused
#: login (Chat-Tonic, tried when its token is refused and a username is set), refused client
#: credentials (8x8's OAuth), a refused access token (tapkit/renewable_token.py)
REFUSED_CREDENTIALS = re.compile(
    r"refused (the credentials|the login of user|the client credentials|the access token)\b"
)


def credentials_refused(output: str) -> bool:
    """Whether a failed run's output says the vendor refused its credentials."""
    return REFUSED_CREDENTIALS.search(output) is not None
