"""The bench's reference: a plain `singer-sdk` REST stream with every default left as is.

`make bench` points it at the body a tap has just read (the emulator replays it under
`/_bench/replay`) and gives it that tap stream's schema. It reads the body the way a tap
written straight from the SDK cookbook would: JSON through `response.json()` and a JSONPath
(CSV through `csv.DictReader`), the SDK's own type conformance, no custom typing. Each tap's
records per second are divided by this stream's on the same body.
"""

from __future__ import annotations

import csv
import io
import typing as t

from singer_sdk import RESTStream, Tap
from singer_sdk import typing as th

REPLAY_PATH = "/_bench/replay"


class PlainStream(RESTStream):
    """One endpoint, the SDK's defaults only."""

    name = "baseline"
    path = REPLAY_PATH

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap, schema=tap.config["schema"], name=tap.config["stream"])

    @property
    def records_jsonpath(self) -> str:  # type: ignore[override]
        """Where the records are in the JSON body."""
        return str(self.config.get("records_jsonpath", "$[*]"))

    @property
    def url_base(self) -> str:
        """The emulator."""
        return str(self.config["base_url"])

    def parse_response(self, response: t.Any) -> t.Iterable[dict]:
        """JSON the SDK's way; CSV with the standard library's reader."""
        if self.config.get("csv_delimiter"):
            text = io.StringIO(response.text)
            yield from csv.DictReader(text, delimiter=self.config["csv_delimiter"])
            return
        yield from super().parse_response(response)


class BaselineTap(Tap):
    """One plain stream, configured by the bench."""

    name = "bench-baseline"
    config_jsonschema = th.PropertiesList(
        th.Property("base_url", th.StringType, required=True),
        th.Property("stream", th.StringType, required=True),
        th.Property("schema", th.ObjectType(), required=True),
        th.Property("records_jsonpath", th.StringType),
        th.Property("csv_delimiter", th.StringType),
    ).to_dict()

    def discover_streams(self) -> list:
        """The one stream."""
        return [PlainStream(self)]


if __name__ == "__main__":
    BaselineTap.cli()
