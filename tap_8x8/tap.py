"""tap-8x8: settings, the two credential groups, and the streams each group serves.

Real-time statistics (`tenant`, `api_token`, `base_url`: basic auth against the tenant's
cluster) give the `agents` and `queues` snapshots. Analytics for Contact Center
(`analytics_api_key`, `analytics_api_secret`: OAuth client credentials of an API key created
in 8x8 Admin Console) give the history. A run needs at least one group; it runs the streams of
the groups configured and says in one line which streams it skipped and why.
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from typing_extensions import override

from tap_8x8.analytics import CALENDAR, CREDENTIALS, DEFAULT_BASE_URL, REGION_PREFIX
from tap_8x8.analytics_streams import ANALYTICS_STREAMS
from tap_8x8.client import RTSTATS_SETTINGS
from tap_8x8.realtime_metrics import REALTIME_STREAMS
from tap_8x8.streams import AgentsStream, QueuesStream
from tapkit.settings import check_base_url, common_properties
from tapkit.tap import VendorTap

#: An id is a login id (text) or a queue number; both are accepted in the lists.
ID_LIST = th.ArrayType(th.CustomType({"type": ["string", "integer"]}))


class Tap8x8(VendorTap):
    """Singer tap for 8x8 Contact Center: real-time statistics and Analytics history."""

    name = "tap-8x8"
    label = "8x8 Contact Center"
    description = (
        "8x8 Contact Center: real-time agent and queue statistics, and the history of "
        "Analytics for Contact Center (interactions, agent status, 30-minute KPIs)"
    )
    keywords = ("8x8", "contact center", "customer service")
    credential_groups = (
        ("tenant", "api_token", "base_url"),
        ("analytics_api_key", "analytics_api_secret"),
    )
    path_settings = ("agent_ids", "queue_ids")
    header_settings = (
        "tenant",
        "api_token",
        "analytics_api_key",
        "analytics_api_secret",
        "tenant_id",
    )
    config_jsonschema = th.PropertiesList(
        th.Property(
            "tenant",
            th.StringType,
            description=(
                "Real-time statistics: 8x8 Contact Center tenant name (the basic-auth user "
                "name). With api_token and base_url: the agents and queues snapshots."
            ),
        ),
        th.Property(
            "api_token",
            th.StringType,
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
        th.Property(
            "analytics_api_key",
            th.StringType,
            secret=True,
            description=(
                "Analytics for Contact Center: the key of an API key (8x8 Admin Console > "
                "API Keys) with the Contact Center analytics product; the OAuth client id."
            ),
        ),
        th.Property(
            "analytics_api_secret",
            th.StringType,
            secret=True,
            description="Analytics for Contact Center: the secret of that API key.",
        ),
        th.Property(
            "analytics_region",
            th.StringType(allowed_values=list(REGION_PREFIX)),
            default="us",
            description=(
                "The region of the Contact Center tenant: us, eu, au or ca (the path "
                "prefix /eu, /au, /ca of the Analytics API)."
            ),
        ),
        th.Property(
            "analytics_base_url",
            th.StringType,
            default=DEFAULT_BASE_URL,
            description=(
                "Host of the Analytics APIs and of their OAuth token endpoint (override for "
                "a proxy or the local emulator; plain http:// only for a loopback host)."
            ),
        ),
        th.Property(
            "tenant_id",
            th.StringType,
            description=(
                "Multi-tenant customers only: the tenant whose data is read, sent as the "
                "X-Tenant-Info header."
            ),
        ),
        th.Property(
            "timezone",
            th.StringType,
            default="UTC",
            description=(
                "IANA time zone of the Analytics reports (their days and 30-minute "
                "intervals); 8x8 accepts only zones configured on the tenant."
            ),
        ),
        th.Property(
            "report_poll_seconds",
            th.NumberType(exclusive_minimum=0, maximum=60),
            default=2,
            description=(
                "First wait between status checks of an Analytics report; doubles up to "
                "30 s (8x8 asks for no tight loop)."
            ),
        ),
        th.Property(
            "report_timeout_seconds",
            th.NumberType(minimum=1),
            default=900,
            description=(
                "Longest wait for one Analytics report to be ready; a report still in "
                "progress after it fails the run, naming the window."
            ),
        ),
        *common_properties(
            default_base_url=None,
            base_url_description=(
                "Real-time statistics: the tenant's cluster, from its login URL, e.g. "
                "https://vcc-na4.8x8.com (or the local emulator; plain http:// only for a "
                "loopback host). The snapshot streams ignore start_date, end_date and "
                "lookback_days."
            ),
        ),
    ).to_dict()

    @override
    def check_settings(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """One complete credential group at least, no half group; listed ids not blank."""
        errors = credential_group_errors(config)
        errors += check_base_url(config.get("analytics_base_url"), "analytics_base_url")
        errors += CALENDAR.check(config)
        for setting in ("agent_ids", "queue_ids"):
            values = config.get(setting) or []
            if any(str(value).strip() == "" for value in values):
                errors.append(f'{setting} holds an empty id; list login/queue ids, e.g. ["jdoe"]')
        return errors

    @override
    def discover_streams(self) -> list[t.Any]:
        """Every stream of both groups (a run reads those of the configured groups)."""
        return [
            AgentsStream(self),
            QueuesStream(self),
            *(stream(self) for stream in ANALYTICS_STREAMS),
            *(stream(self) for stream in REALTIME_STREAMS),
        ]

    @override
    def before_sync(self) -> None:
        """Say in one line which selected streams this run skips, and why."""
        super().before_sync()
        for group, settings in GROUPS.items():
            if all(self.config.get(name) for name in settings):
                continue
            skipped = [
                stream.name
                for stream in self.streams.values()
                if getattr(stream, "credential_group", None) == group and stream.selected
            ]
            if skipped:
                self.logger.info(
                    "Skipping %s: the %s settings (%s) are not set",
                    ", ".join(skipped),
                    GROUP_LABELS[group],
                    ", ".join(settings),
                )


GROUPS = {"rtstats": RTSTATS_SETTINGS, "analytics": CREDENTIALS}
GROUP_LABELS = {
    "rtstats": "real-time statistics",
    "analytics": "Analytics for Contact Center",
}


def credential_group_errors(config: t.Mapping[str, t.Any]) -> list[str]:
    """At least one complete group; a group begun and not finished names what is missing."""
    errors = []
    complete = 0
    for group, settings in GROUPS.items():
        given = [name for name in settings if config.get(name)]
        if len(given) == len(settings):
            complete += 1
        elif given:
            missing = [name for name in settings if name not in given]
            errors.append(
                f"the {GROUP_LABELS[group]} settings are incomplete: set {', '.join(missing)} "
                f"(given: {', '.join(given)})"
            )
    if not complete and not errors:
        errors.append(
            "no credentials: set tenant, api_token and base_url (real-time statistics) "
            "and/or analytics_api_key and analytics_api_secret (Analytics for Contact Center)"
        )
    return errors


if __name__ == "__main__":
    Tap8x8.cli()
