"""tap-chattonic: settings and streams."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from typing_extensions import override

from tap_chattonic.client import CALENDAR
from tap_chattonic.conversations import ConversationsStream
from tap_chattonic.streams import DashboardHourlyStream, OperatorStatsDailyStream
from tapkit.settings import common_properties
from tapkit.tap import VendorTap


class TapChattonic(VendorTap):
    """Singer tap for Chat-Tonic's operator statistics, dashboard and conversations."""

    name = "tap-chattonic"
    label = "Chat-Tonic"
    description = "Chat-Tonic operator statistics and the hourly dashboard"
    keywords = ("chattonic", "chat-tonic", "live chat", "customer service")
    credential_groups = (("access_token",), ("username", "password"))
    path_settings = ("codename",)
    header_settings = ("access_token",)
    config_jsonschema = th.PropertiesList(
        th.Property(
            "codename",
            th.StringType,
            required=True,
            description="The account's codename, given by the Chat-Tonic team.",
        ),
        th.Property(
            "access_token",
            th.StringType,
            secret=True,
            description=(
                "Bearer token. Either this, or username and password (the tap then logs in "
                "and renews the token itself)."
            ),
        ),
        th.Property(
            "username",
            th.StringType,
            description="User to log in with (POST /api/v1/user/login), with password.",
        ),
        th.Property(
            "password",
            th.StringType,
            secret=True,
            description="Password of username.",
        ),
        th.Property(
            "timezone",
            th.StringType,
            default="UTC",
            description=(
                "IANA time zone (e.g. Europe/Madrid) whose local days the daily statistics "
                "are counted in; a DST change makes a 23- or 25-hour day."
            ),
        ),
        th.Property(
            "window_days",
            th.IntegerType(minimum=1, maximum=31),
            default=7,
            description=(
                "Days per dashboard request (1-31). operator_stats_daily always asks one "
                "day at a time."
            ),
        ),
        th.Property(
            "open_conversation_days",
            th.IntegerType(minimum=0, maximum=366),
            default=7,
            description=(
                "conversations: how far back (days before now) a run re-reads to follow "
                "conversations that were still pending or in progress at the previous run, "
                "so their final status arrives. 0: only lookback_days. A conversation "
                "resolved later than this keeps its last status read until a full refresh."
            ),
        ),
        *common_properties(
            default_base_url=None,
            base_url_required=True,
            base_url_description=(
                "The account's Chat-Tonic server, given by the Chat-Tonic team (or the local "
                "emulator). Plain http:// is accepted only for a loopback host."
            ),
        ),
    ).to_dict()

    @override
    def check_settings(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """Credentials given one way or the other; a time zone that exists."""
        return check_credentials(config) + CALENDAR.check(config)

    @override
    def discover_streams(self) -> list[t.Any]:
        """Operator statistics per day, the hourly dashboard, and the conversations."""
        return [
            OperatorStatsDailyStream(self),
            DashboardHourlyStream(self),
            ConversationsStream(self),
        ]


def check_credentials(config: t.Mapping[str, t.Any]) -> list[str]:
    """access_token, or username with password."""
    username, password = config.get("username"), config.get("password")
    if username and not password:
        return ["password is required with username (or give access_token instead)"]
    if password and not username:
        return ["username is required with password (or give access_token instead)"]
    if not config.get("access_token") and not username:
        return ["give either access_token, or username and password: none is set"]
    return []


if __name__ == "__main__":
    TapChattonic.cli()
