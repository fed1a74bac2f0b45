"""The bench's reference: a plain `singer-sdk` REST stream with every default left as is.

`make bench` points it at the bodies a tap has just read (the emulator replays a single
response under `/_bench/replay`; JAICP pages are served again at their own paths) and gives
it that tap stream's schema. It reads the body the way a tap written straight from the SDK
cookbook would: JSON through `response.json()` and a JSONPath (CSV through `csv.DictReader`),
pages through an SDK page-number paginator, a child stream through the SDK's parent
context, the SDK's own type conformance, no custom typing. Each tap's records per second
are divided by this program's on the same bodies.
"""

from __future__ import annotations

import csv
import io
import typing as t

from singer_sdk import RESTStream, Tap
from singer_sdk import typing as th
from singer_sdk.pagination import BasePageNumberPaginator

REPLAY_PATH = "/_bench/replay"


class FullPagePaginator(BasePageNumberPaginator):
    """Page numbers from 0, while a page comes back full (the SDK's own paginator)."""

    def __init__(self, page_size: int, records_jsonpath: str) -> None:
        super().__init__(0)
        self.page_size = page_size
        self.member = records_jsonpath.split(".")[1].split("[")[0]

    def has_more(self, response: t.Any) -> bool:
        """A full page may have a next one."""
        return len(response.json()[self.member]) >= self.page_size


class PlainStream(RESTStream):
    """One endpoint, the SDK's defaults only."""

    def __init__(self, tap: Tap, settings: dict) -> None:
        self.settings = settings
        super().__init__(tap, schema=settings["schema"], name=settings["stream"])
        self.path = settings.get("path", REPLAY_PATH)
        if "payload" in settings or "page_size" in settings:
            self.http_method = "POST"

    @property
    def records_jsonpath(self) -> str:  # type: ignore[override]
        """Where the records are in the JSON body."""
        return str(self.settings.get("records_jsonpath", "$[*]"))

    @property
    def url_base(self) -> str:
        """The emulator."""
        return str(self.config["base_url"])

    def get_new_paginator(self) -> t.Any:
        """Pages when the endpoint pages."""
        if "page_size" in self.settings:
            return FullPagePaginator(self.settings["page_size"], self.records_jsonpath)
        return super().get_new_paginator()

    def get_url_params(self, context: t.Any, next_page_token: t.Any) -> dict:
        """`page` and `size` when paged."""
        if "page_size" not in self.settings:
            return {}
        return {"page": next_page_token or 0, "size": self.settings["page_size"]}

    def prepare_request_payload(self, context: t.Any, next_page_token: t.Any) -> dict | None:
        """The configured body, and the parent's key for a child."""
        payload = dict(self.settings.get("payload", {}))
        return payload | dict(context or {}) if "page_size" in self.settings else None

    def parse_response(self, response: t.Any) -> t.Iterable[dict]:
        """JSON the SDK's way; CSV with the standard library's reader."""
        if self.settings.get("csv_delimiter"):
            text = io.StringIO(response.text)
            yield from csv.DictReader(text, delimiter=self.settings["csv_delimiter"])
            return
        yield from super().parse_response(response)


class ParentStream(PlainStream):
    """A stream whose records each start a read of the child stream."""

    def get_child_context(self, record: dict, context: t.Any) -> dict:
        """A child reads per parent key."""
        return {"sessionId": record["sessionId"]}


class ChildStream(PlainStream):
    """Read once per parent record, with the parent's key in its request body."""

    parent_stream_type = ParentStream


class BaselineTap(Tap):
    """One plain stream (and its child, if configured), set up by the bench."""

    name = "bench-baseline"
    config_jsonschema = th.PropertiesList(
        th.Property("base_url", th.StringType, required=True),
        th.Property("stream", th.StringType, required=True),
        th.Property("schema", th.ObjectType(), required=True),
        th.Property("path", th.StringType),
        th.Property("payload", th.ObjectType()),
        th.Property("page_size", th.IntegerType),
        th.Property("records_jsonpath", th.StringType),
        th.Property("csv_delimiter", th.StringType),
        th.Property("child", th.ObjectType()),
    ).to_dict()

    def discover_streams(self) -> list:
        """The stream, and its child stream if any (emitted after each parent record)."""
        child_settings = self.config.get("child")
        if not child_settings:
            return [PlainStream(self, dict(self.config))]
        return [ParentStream(self, dict(self.config)), ChildStream(self, dict(child_settings))]


if __name__ == "__main__":
    BaselineTap.cli()
