"""tap-cobrowser: settings and streams."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from typing_extensions import override

from tap_cobrowser.client import DEFAULT_BASE_URL, SERVER_CALENDAR
from tap_cobrowser.streams import STREAM_TYPES
from tapkit.settings import common_properties
from tapkit.tap import VendorTap


class TapCoBrowser(VendorTap):
    """Singer tap for CoBrowser.net's CSV export API (`csv.php`)."""

    name = "tap-cobrowser"
    label = "CoBrowser.net"
    description = "CoBrowser.net chats, agents and hourly statistics, from the CSV export API"
    keywords = ("cobrowser", "live chat", "customer service")
    config_jsonschema = th.PropertiesList(
        th.Property(
            "user",
            th.StringType,
            required=True,
            description=(
                "CoBrowser user name (e.g. reporting@example.com); it travels in the query "
                "string and is masked in every log line like the key."
            ),
        ),
        th.Property(
            "api_key",
            th.StringType,
            required=True,
            secret=True,
            description="API key of that user (apiKey), requested from CoBrowser.",
        ),
        th.Property(
            "csv_separator",
            th.StringType(allowed_values=[";", ",", ":", "|"]),
            default=";",
            description="Separator CoBrowser is asked to use in the CSV (csvseperator).",
        ),
        th.Property(
            "window_days",
            th.IntegerType(minimum=1, maximum=2),
            default=2,
            description="Days per request (CoBrowser allows at most 2).",
        ),
        th.Property(
            "server_timezone",
            th.StringType,
            default="Europe/Amsterdam",
            description=(
                "IANA time zone of CoBrowser's calendar, in which the API counts whole days "
                "ago (start/stop)."
            ),
        ),
        *common_properties(default_base_url=DEFAULT_BASE_URL),
    ).to_dict()

    @classmethod
    @override
    def secret_settings(cls) -> list[str]:
        """The API key, and the user name: both travel in the query string of every request."""
        return [*super().secret_settings(), "user"]

    @override
    def check_settings(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """`server_timezone` must be an IANA time zone name."""
        return SERVER_CALENDAR.check(config)

    @override
    def discover_streams(self) -> list[t.Any]:
        """The eight dated exports and the seven reference lists."""
        return [stream_type(self) for stream_type in STREAM_TYPES]


if __name__ == "__main__":
    TapCoBrowser.cli()
