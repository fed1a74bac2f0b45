"""tap-oct8ne: settings and streams."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from typing_extensions import override

from tap_oct8ne.streams import LeadsStream, SessionsStream
from tapkit.settings import common_properties
from tapkit.tap import VendorTap


class TapOct8ne(VendorTap):
    """Singer tap for Oct8ne's sessions and leads export."""

    name = "tap-oct8ne"
    label = "Oct8ne"
    description = "Oct8ne live chat and video sessions and leads, from the export API"
    keywords = ("oct8ne", "live chat", "customer service")
    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_token",
            th.StringType,
            required=True,
            secret=True,
            description="Domain security code (apiToken) given by Oct8ne's technical team.",
        ),
        th.Property(
            "domain_id",
            th.StringType,
            required=True,
            description="Domain ID (domainId) given by Oct8ne's technical team.",
        ),
        th.Property(
            "region",
            th.StringType(allowed_values=["eu", "us"]),
            default="eu",
            description=(
                "Oct8ne server: eu (backoffice-eu.oct8ne.com) or us (backoffice.oct8ne.com); "
                "the address of your control panel tells which."
            ),
        ),
        th.Property(
            "utc_offset",
            th.IntegerType(minimum=-12, maximum=14),
            default=0,
            description="The domain's local time as hours from UTC; days are counted in it.",
        ),
        th.Property(
            "window_days",
            th.IntegerType(minimum=1, maximum=31),
            default=31,
            description="Days per request (Oct8ne allows at most 31).",
        ),
        th.Property(
            "min_request_interval_seconds",
            th.NumberType(minimum=0),
            default=60,
            description=(
                "Seconds between two requests with the same token, across both streams "
                "(Oct8ne allows one request a minute)."
            ),
        ),
        th.Property("agent_filter", th.StringType, description="Only sessions of this agent ID."),
        th.Property(
            "dept_filter", th.StringType, description="Only sessions of this department ID."
        ),
        th.Property(
            "attention_filter",
            th.IntegerType(minimum=1, maximum=3),
            description=(
                "1: attended by an agent; 2: the visitor asked for assistance; 3: asked "
                "for assistance but not attended."
            ),
        ),
        th.Property(
            "sale",
            th.IntegerType(minimum=0, maximum=2),
            description="0: all sessions; 1: with a sale; 2: without a sale.",
        ),
        th.Property(
            "agent_type",
            th.IntegerType(minimum=0, maximum=2),
            description="0: all sessions; 1: last attended by a human; 2: by the bot.",
        ),
        *common_properties(
            default_base_url=None,
            base_url_description=(
                "Override the host chosen by region: a proxy or the local emulator. Plain "
                "http:// is accepted only for a loopback host."
            ),
        ),
    ).to_dict()

    @override
    def discover_streams(self) -> list[t.Any]:
        """Sessions and leads."""
        return [SessionsStream(self), LeadsStream(self)]


if __name__ == "__main__":
    TapOct8ne.cli()
