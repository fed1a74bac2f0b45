"""The bench's reference: a plain `singer-sdk` REST stream with every default left as is.

It reads the same Oct8ne sessions window as tap-oct8ne (same URL, same schema) the way a tap
written straight from the SDK cookbook would: the whole body through `response.json()` and
a JSONPath, the SDK's own type conformance, no throttle, no custom typing. `make bench`
divides each tap's records per second by this stream's.
"""

from __future__ import annotations

import sys
import typing as t
from pathlib import Path

from singer_sdk import RESTStream, Tap
from singer_sdk import typing as th

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tap_oct8ne.streams import SessionsStream

DATE_FORMAT = "%m/%d/%Y"


class PlainSessionsStream(RESTStream):
    """Oct8ne sessions, the SDK's defaults only."""

    name = "sessions"
    path = SessionsStream.path
    primary_keys = ("sessionId",)
    records_jsonpath = "$[*]"
    schema = SessionsStream.schema

    @property
    def url_base(self) -> str:
        """The emulator."""
        return str(self.config["base_url"])

    def get_url_params(self, context: t.Any, next_page_token: t.Any) -> dict:
        """The one day of `start_date`, durations in seconds."""
        day = self.config["start_date"][:10]
        date = f"{day[5:7]}/{day[8:10]}/{day[:4]}"
        return {
            "apiToken": self.config["api_token"],
            "domainId": self.config["domain_id"],
            "startTime": date,
            "endTime": date,
            "utcOffset": self.config.get("utc_offset", 0),
            "durationFormat": 1,
        }


class BaselineTap(Tap):
    """One plain stream."""

    name = "bench-baseline"
    config_jsonschema = th.PropertiesList(
        th.Property("base_url", th.StringType, required=True),
        th.Property("api_token", th.StringType, required=True),
        th.Property("domain_id", th.StringType, required=True),
        th.Property("start_date", th.StringType, required=True),
        th.Property("utc_offset", th.IntegerType),
    ).to_dict()

    def discover_streams(self) -> list:
        """The sessions stream only."""
        return [PlainSessionsStream(self)]


if __name__ == "__main__":
    BaselineTap.cli()
