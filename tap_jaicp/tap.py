"""tap-jaicp: settings and streams."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from typing_extensions import override

from tap_jaicp.client import DEFAULT_BASE_URL, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from tap_jaicp.streams import (
    MAX_PARALLEL_REQUESTS,
    ClientsStream,
    MessageLabelsStream,
    MessagesBySessionStream,
    MessagesByTimeStream,
    SessionLabelStatsStream,
    SessionsStream,
    SwitchedSessionsDailyStream,
)
from tapkit.settings import common_properties
from tapkit.tap import VendorTap


class TapJaicp(VendorTap):
    """Singer tap for the JAICP Reporter API: sessions, their messages, clients, message
    labels, and daily session-label and bot-to-operator statistics.
    """

    name = "tap-jaicp"
    label = "JAICP"
    description = "JAICP (Just AI) Reporter API: chatbot sessions, their messages, clients"
    keywords = ("jaicp", "just ai", "chatbot", "customer service")
    path_settings = ("api_token",)
    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_token",
            th.StringType,
            required=True,
            secret=True,
            description="Project API token (Project properties > API tokens).",
        ),
        th.Property(
            "api_style",
            th.StringType(allowed_values=["legacy", "v1"]),
            default="legacy",
            description=(
                "legacy: the token in the URL path (/api/reporter/p/{token}/..., as JAICP's "
                "doc shows); v1: an Authorization: Bearer header and /api/v1/reporter/..."
            ),
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=DEFAULT_PAGE_SIZE,
            description="Records per request (size); sessions, messages and clients are paged.",
        ),
        th.Property(
            "window_days",
            th.IntegerType(minimum=1, maximum=SessionsStream.windowing.max_days),
            default=7,
            description=(
                "Days per window of sessions (by start time), of messages by time and of "
                "the daily statistics (one STATE each)."
            ),
        ),
        th.Property(
            "messages_mode",
            th.StringType(allowed_values=["by_time", "by_session"]),
            default="by_time",
            description=(
                "by_time: messages by the time they were sent (POST .../messages/filter with a "
                "MESSAGE_TIME range), paged, in windows, with their own bookmark: a few "
                "requests per window. by_session: the messages of each session read, one "
                "request or more per session (for accounts where the filter is refused)."
            ),
        ),
        th.Property(
            "max_parallel_requests",
            th.IntegerType(minimum=1, maximum=MAX_PARALLEL_REQUESTS),
            default=4,
            description=(
                "With messages_mode by_session, messages requests in flight at once: the "
                "messages of a page of sessions are read ahead while records are emitted in "
                "order (JAICP documents no rate limit). 1 reads one session at a time."
            ),
        ),
        th.Property(
            "transfer_text",
            th.StringType,
            description=(
                "switched_sessions_daily, method TEXT: the bot answer that counts as a "
                "transfer to an operator (sent as textForTransfer; unset: not sent, the "
                "server's default applies)."
            ),
        ),
        *common_properties(default_base_url=DEFAULT_BASE_URL),
    ).to_dict()

    @override
    def discover_streams(self) -> list[t.Any]:
        """Sessions, messages (by time or per session, per `messages_mode`), clients, the
        message label catalog, and the daily statistics.
        """
        by_session = self.config.get("messages_mode") == "by_session"
        messages = MessagesBySessionStream(self) if by_session else MessagesByTimeStream(self)
        return [
            SessionsStream(self),
            messages,
            ClientsStream(self),
            MessageLabelsStream(self),
            SessionLabelStatsStream(self),
            SwitchedSessionsDailyStream(self),
        ]


if __name__ == "__main__":
    TapJaicp.cli()
