"""tap-8x8: settings and streams."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from typing_extensions import override

from tap_8x8.streams import AgentsStream, QueuesStream
from tapkit.settings import common_properties
from tapkit.tap import VendorTap

#: An id is a login id (text) or a queue number; both are accepted in the lists.
ID_LIST = th.ArrayType(th.CustomType({"type": ["string", "integer"]}))


class Tap8x8(VendorTap):
    """Singer tap for 8x8 Contact Center real-time statistics (agents and queues)."""

    name = "tap-8x8"
    label = "8x8 Contact Center"
    description = "8x8 Contact Center real-time statistics of agents and queues"
    keywords = ("8x8", "contact center", "customer service")
    path_settings = ("agent_ids", "queue_ids")
    header_settings = ("tenant", "api_token")
    config_jsonschema = th.PropertiesList(
        th.Property(
            "tenant",
            th.StringType,
            required=True,
            description="8x8 Contact Center tenant name (the basic-auth user name).",
        ),
        th.Property(
            "api_token",
            th.StringType,
            required=True,
            secret=True,
            description=(
                "Data Request Token (Configuration Manager > Integration > API Token), "
                "the basic-auth password."
            ),
        ),
        th.Property(
            "agent_ids",
            ID_LIST,
            description=(
                "Only these agents (login ids), one request each via /agent/{id}; "
                "default: every agent in one request."
            ),
        ),
        th.Property(
            "queue_ids",
            ID_LIST,
            description=(
                "Only these queues (ids as on the CM queues tab), one request each via "
                "/queue/{id}; default: every queue in one request."
            ),
        ),
        *common_properties(
            default_base_url=None,
            base_url_required=True,
            base_url_description=(
                "The tenant's cluster, from its login URL, e.g. https://vcc-na4.8x8.com "
                "(or the local emulator; plain http:// only for a loopback host). The "
                "snapshot streams ignore start_date, end_date and lookback_days."
            ),
        ),
    ).to_dict()

    @override
    def check_settings(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """Listed ids must not be blank (they become a URL path)."""
        errors = []
        for setting in ("agent_ids", "queue_ids"):
            values = config.get(setting) or []
            if any(str(value).strip() == "" for value in values):
                errors.append(f'{setting} holds an empty id; list login/queue ids, e.g. ["jdoe"]')
        return errors

    @override
    def discover_streams(self) -> list[t.Any]:
        """Agents and queues."""
        return [AgentsStream(self), QueuesStream(self)]


if __name__ == "__main__":
    Tap8x8.cli()
