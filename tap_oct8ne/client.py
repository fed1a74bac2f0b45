"""Oct8ne's HTTP conventions: token in the query, mm/dd/yyyy local days, one request a minute."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tapkit.converters import naive_local_to_iso, to_seconds
from tapkit.stream import VendorStream
from tapkit.throttle import MinIntervalThrottle, credential_key, shared_throttle
from tapkit.window_walk import UtcOffsetSetting, Windowing, WindowRequest

if t.TYPE_CHECKING:
    from tapkit.window_plan import DateWindow

REGION_HOSTS = {
    "eu": "https://backoffice-eu.oct8ne.com",
    "us": "https://backoffice.oct8ne.com",
}
DATE_FORMAT = "%m/%d/%Y"


class Oct8neStream(VendorStream):
    """An Oct8ne export: whole local days, at most 31 per request, at most a year back."""

    vendor = "Oct8ne"
    auth_settings = ("api_token", "domain_id")
    # The vendor refuses dates before one year ago; one day of margin keeps a run that
    # crosses midnight from asking for a day that has just left the year. Days are the
    # domain's: UTC plus `utc_offset` hours.
    windowing = Windowing(max_days=31, horizon_days=364, calendar=UtcOffsetSetting("utc_offset"))
    #: Timestamp fields sent in the domain's local time, without an offset.
    local_time_fields: tuple[str, ...] = ()
    #: Duration fields (requested in seconds; "hh:mm:ss" is accepted too).
    duration_fields: tuple[str, ...] = ()
    #: Optional filter settings this endpoint accepts: setting name → query parameter.
    filter_params: t.ClassVar[dict[str, str]] = {}

    @property
    @override
    def url_base(self) -> str:
        """`base_url` if set, else the region's host."""
        base_url = self.config.get("base_url") or REGION_HOSTS[self.config.get("region", "eu")]
        return str(base_url).rstrip("/")

    @property
    @override
    def throttle(self) -> MinIntervalThrottle:
        """One request per interval for this token, shared by both streams."""
        return shared_throttle(
            self.run_scope,
            credential_key("oct8ne", self.url_base, self.config["api_token"]),
            float(self.config.get("min_request_interval_seconds", 60)),
        )

    @property
    @override
    def converters(self) -> dict[str, t.Callable[[t.Any], t.Any]]:  # type: ignore[override]
        """Local times gain the domain's offset; durations become seconds."""
        to_iso = naive_local_to_iso(self.window_tz)
        converters: dict[str, t.Callable[[t.Any], t.Any]] = dict.fromkeys(
            self.local_time_fields, to_iso
        )
        converters.update(dict.fromkeys(self.duration_fields, to_seconds))
        return converters

    @override
    def window_request(self, context: t.Any, window: DateWindow, page: t.Any) -> WindowRequest:
        """Credentials, the window's days, the offset, seconds for durations, the filters."""
        params: dict[str, t.Any] = {
            "apiToken": self.config["api_token"],
            "domainId": self.config["domain_id"],
            "startTime": window.first.strftime(DATE_FORMAT),
            "endTime": window.last.strftime(DATE_FORMAT),
            "utcOffset": int(self.config.get("utc_offset", 0)),
            "durationFormat": 1,
        }
        for setting, param in self.filter_params.items():
            if self.config.get(setting) not in (None, ""):
                params[param] = self.config[setting]
        return WindowRequest(params=params)
