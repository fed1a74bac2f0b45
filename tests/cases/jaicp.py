"""tap-jaicp under the generic suites."""

from __future__ import annotations

import datetime as dt

from emulators.jaicp import SESSION_LABELS, TRANSFER_METHODS, JaicpEmulator, epoch_ms
from tap_jaicp.tap import TapJaicp
from tests.tap_cases import CONTRACT_COMMON, TapCase

#: characters that change when URL-encoded: the token travels in the path (legacy style)
JAICP_TOKEN = "test-jaicp-secret/4b+9="
#: one-day windows fit one page (the resume checks count one request per window); the
#: default 7-day windows take several pages
JAICP_PAGE_SIZE = 20


def jaicp_truth(
    app: JaicpEmulator, first: dt.date, last: dt.date, *, messages_mode: str = "by_time"
) -> dict[str, set[tuple]]:
    """Sessions of the UTC days first..last, and the messages sent on those days
    (`by_time`, the default) or the messages of those sessions (`by_session`)."""
    sessions = app.data.sessions_on_days(first, last)
    if messages_mode == "by_session":
        messages = {
            (m["sessionId"], m["questionId"]) for s in sessions for m in app.data.messages(s)
        }
    else:
        messages = {
            (m["sessionId"], m["questionId"]) for m in app.data.messages_on_days(first, last)
        }
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return {
        "sessions": {(s["sessionId"],) for s in sessions},
        "messages": messages,
        # every label and every day, a day without labelled sessions included (value 0)
        "session_label_stats": {
            (n, epoch_ms(day)) for n in range(1, SESSION_LABELS + 1) for day in days
        },
        "switched_sessions_daily": {
            (method, day.isoformat()) for method in TRANSFER_METHODS for day in days
        },
    }


CASE = TapCase(
    tap="tap-jaicp",
    tap_class=TapJaicp,
    make_app=lambda: JaicpEmulator(api_token=JAICP_TOKEN),
    config=lambda base_url, start: {
        "api_token": JAICP_TOKEN,
        "base_url": base_url,
        "page_size": JAICP_PAGE_SIZE,
        "start_date": f"{start.isoformat()}T00:00:00Z",
    },
    windowed_streams={
        "sessions": ("sessionId",),
        "messages": ("sessionId", "questionId"),
        "session_label_stats": ("labelId", "ts"),
        "switched_sessions_daily": ("transferToOperatorMethod", "date"),
    },
    truth=jaicp_truth,
    zone=lambda config: dt.UTC,
    secrets=(JAICP_TOKEN,),
    smallest_window={"window_days": 1},
    bad_settings=[
        ({"window_days": 32}, "window_days"),
        ({"window_days": 0}, "window_days"),
        ({"api_style": "v2"}, "api_style"),
        ({"messages_mode": "by_day"}, "messages_mode"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 1001}, "page_size"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"base_url": "http://jaicp.example.com"}, "base_url"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
        ({"api_token": None}, "api_token"),
    ],
    rejected_credentials=({"api_token": "wrong-token-0000"}, "api_token"),
    contract_settings=CONTRACT_COMMON
    | {"api_token", "api_style", "page_size", "window_days", "messages_mode"},
    secret_settings=frozenset({"api_token"}),
    # the resume checks count one request per window: sessions fit one page per day, messages
    # by time take several (their keys are still checked window by window)
    window_paths=("/sessions/filter",),
    small_pages={"page_size": 2},
    # messages are paged by time (in windows) or session by session
    paging_modes=({}, {"messages_mode": "by_session"}),
)
JAICP = CASE
