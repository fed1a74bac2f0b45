"""8x8's HTTP conventions: basic auth with the tenant, snapshots stamped on arrival.

The real-time statistics API keeps no history, so each stream is a snapshot: one request per
run (or one per id listed in `agent_ids` / `queue_ids`), every row of a response stamped with
the same `snapshot_at` (the UTC time the response arrived). Run on a schedule, the rows keyed
by id and `snapshot_at` build the history the API does not keep.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from functools import cached_property
from http import HTTPStatus

from typing_extensions import override

from tap_8x8.body import parse_records, snake_case
from tapkit.basicauth import MaskedBasicAuth
from tapkit.converters import to_int
from tapkit.pageguard import too_deep
from tapkit.responseguard import read_whole
from tapkit.settings import path_segment
from tapkit.stream import VendorStream

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from tapkit.paging import Page

STATS_PATH = "/api/rtstats/stats"
#: the real-time statistics credential group
RTSTATS_SETTINGS = ("tenant", "api_token", "base_url")


def utc_seconds_to_iso(value: t.Any) -> str | None:
    """UTC seconds → ISO 8601; -1 ("no record since the system restarted") → None.

    A value too large for seconds (after the year 5000) is read as milliseconds.
    """
    seconds = to_int(value)
    if seconds is None or seconds < 0:
        return None
    if seconds > 10**11:
        seconds //= 1000
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def minus_one_is_null(convert: t.Callable[[t.Any], t.Any]) -> t.Callable[[t.Any], t.Any]:
    """A converter that reads the documented "-1: no data" as null."""

    def converter(value: t.Any) -> t.Any:
        converted = convert(value)
        return None if converted == -1 else converted

    return converter


class EightByEightStream(VendorStream):
    """A real-time snapshot of agents or queues: the list endpoint, or one request per id."""

    vendor = "8x8"
    auth_settings = ("tenant", "api_token")
    credential_group = "rtstats"
    #: JSON/XML element of one item ("agent") and of the list ("agents").
    singular: str = ""
    plural: str = ""
    #: The setting listing the ids to fetch one by one ("agent_ids").
    ids_setting: str = ""
    #: Documented codes: code field → (label field, {code: label}).
    code_labels: t.ClassVar[dict[str, tuple[str, dict[int, str]]]] = {}
    #: Code fields whose list each tenant extends: a code beyond the documented ones is
    #: expected there, and its label is left empty without a warning.
    tenant_code_fields: t.ClassVar[frozenset[str]] = frozenset()

    @property
    @override
    def authenticator(self) -> MaskedBasicAuth:
        """Basic auth: the tenant name as user, the API token as password (both spellings
        of the token masked).
        """
        return MaskedBasicAuth(str(self.config["tenant"]), str(self.config["api_token"]))

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        """Never: an ACTIVATE_VERSION would make targets delete the earlier snapshots."""
        return False

    @property
    def ids(self) -> list[str]:
        """The ids listed in the stream's ids setting (empty: the whole list)."""
        return [str(value) for value in self.config.get(self.ids_setting) or []]

    @property
    @override
    def partitions(self) -> list[dict[str, t.Any]] | None:
        """One partition per listed id, else none (one request for the list)."""
        return [{"id": value} for value in self.ids] or None

    @property
    @override
    def path(self) -> str:  # type: ignore[override]
        """The list endpoint (`/api/rtstats/stats/agents.json`)."""
        return f"{STATS_PATH}/{self.plural}.json"

    @override
    def get_url(self, context: Context | None) -> str:
        """The list endpoint, or `/agent/{id}.json` for a listed id."""
        if context and context.get("id") is not None:
            one = path_segment(context["id"])
            return f"{self.url_base}{STATS_PATH}/{self.singular}/{one}.json"
        return f"{self.url_base}{self.path}"

    @override
    def request_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """Nothing when the real-time statistics settings are not set (the tap says so)."""
        if not all(self.config.get(name) for name in RTSTATS_SETTINGS):
            return iter(())
        return super().request_records(context)

    @override
    def validate_response(self, response: requests.Response) -> None:
        """As every stream, except that a listed id 8x8 does not know is skipped, not fatal
        (with ids listed, every request is for one id: see `partitions`).
        """
        if response.status_code == HTTPStatus.NOT_FOUND and self.ids:
            return
        super().validate_response(response)

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """The page's items; a listed id 8x8 does not know (404) is skipped, saying so."""
        if response.status_code == HTTPStatus.NOT_FOUND:
            self.logger.warning(
                "%s: 8x8 does not know %s %r (HTTP 404); check the setting %s. Skipped.",
                self.name,
                self.singular,
                (page.context or {}).get("id"),
                self.ids_setting,
            )
            return ()
        return self.parse_response(response)

    @override
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        """The response's items, each stamped with the moment the response arrived."""
        snapshot_at = dt.datetime.now(dt.UTC).isoformat()
        # The whole body is read at once: see tap_8x8/body.py for why that is bounded.
        body = read_whole(response, self.limits, vendor=self.vendor, stream=self.name)
        try:
            items = parse_records(body, singular=self.singular, plural=self.plural)
        except RecursionError:
            raise too_deep(self.name) from None
        for item in items:
            row = {snake_case(name): value for name, value in item.items()}
            row["snapshot_at"] = snapshot_at
            yield row

    @cached_property
    def _warned_codes(self) -> set[tuple[str, t.Any]]:
        return set()

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Typed by the schema; each documented code gains its label."""
        record = super().post_process(row, context)
        if record is None:
            return None
        for field, (label_field, labels) in self.code_labels.items():
            code = record.get(field)
            record[label_field] = labels.get(code) if code is not None else None
            if code is not None and code not in labels and field not in self.tenant_code_fields:
                self._warn_unknown_code(field, code)
        return record

    def _warn_unknown_code(self, field: str, code: t.Any) -> None:
        if (field, code) not in self._warned_codes:
            self._warned_codes.add((field, code))
            self.logger.warning(
                "%s: %s %r is not in 8x8's documented codes; its label is left empty",
                self.name,
                field,
                code,
            )
