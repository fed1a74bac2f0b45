"""The taps under the generic suites: one `TapCase` each, in `tests/cases/<vendor>.py`.

A case tells the contract suite, the SDK standard tests, the project checks and the
end-to-end test how to start the tap's emulator at test speed, how to configure the tap
against it, which strings are secret, which settings are invalid, and the ground truth (the
keys the emulator holds for a range of days). A new tap joins every suite by adding its
module under `tests/cases/` that defines `CASE`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import typing as t
from dataclasses import dataclass, field

if t.TYPE_CHECKING:
    from emulators.framework import EmulatorApp

#: Interval the rate-limited emulators enforce in tests (tests never wait a real minute).
TEST_INTERVAL = 0.05


@dataclass
class TapCase:
    """What the contract suite needs to know about one tap."""

    tap: str
    #: the tap class (for the SDK's standard tests)
    tap_class: type
    make_app: t.Callable[[], EmulatorApp]
    #: config for an emulator at `base_url`, reading from `start` (a local date)
    config: t.Callable[[str, dt.date], dict]
    #: stream → key fields compared with the ground truth
    windowed_streams: dict[str, tuple[str, ...]]
    #: (app, first local day, last local day) → stream → set of keys
    truth: t.Callable[[t.Any, dt.date, dt.date], dict[str, set[tuple]]]
    #: the time zone of the tap's calendar, from its config
    zone: t.Callable[[dict], dt.tzinfo]
    secrets: tuple[str, ...]
    #: setting and value that make windows as short as the vendor allows
    smallest_window: dict = field(default_factory=dict)
    #: (settings to change, the setting the error must name)
    bad_settings: list[tuple[dict, str]] = field(default_factory=list)
    #: settings with rejected credentials, and the setting the error must name
    rejected_credentials: tuple[dict, str] = ({}, "")
    #: requests a run with rejected credentials makes before failing (a login flow may
    #: log in, be refused, and log in once more)
    rejected_credentials_requests: int = 1
    #: the contract's setting names for this tap (common ones included), and the secret ones
    contract_settings: frozenset[str] = frozenset()
    secret_settings: frozenset[str] = frozenset()
    #: False for snapshot taps: the date-window checks do not apply
    windowed: bool = True
    #: the name of the case in test ids (default: the tap's name); a tap may have several
    label: str = ""
    #: streams that yield no records with this case's settings (a credential group not set)
    no_records_streams: tuple[str, ...] = ()
    #: streams of a windowed case that are snapshots (each run appends one more)
    snapshot_streams: tuple[str, ...] = ()
    #: path fragments of the windowed requests, when a tap also makes others (child
    #: streams, logins): request counts in resume checks count only these; empty = all
    window_paths: tuple[str, ...] = ()
    #: settings that make every paged stream's pages hold 1-2 records (empty: the vendor
    #: sends each list whole)
    small_pages: dict = field(default_factory=dict)
    #: settings that choose each way the tap pages (read once each with `small_pages`)
    paging_modes: tuple[dict, ...] = ({},)
    #: streams read whole (or by their own stop rule) rather than in date windows, whose
    #: keys a complete run is also compared with: stream → key fields
    whole_streams: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def today(self, config: dict) -> dt.date:
        """The local "today" of the tap's calendar."""
        return dt.datetime.now(self.zone(config)).date()

    def through_today(self, config: dict) -> dict:
        """`config` read up to the end of the tap's local today and no further: a test whose
        ground truth ends today stays right when the run crosses the tap's midnight."""
        return self.through(config, self.today(config))

    def through(self, config: dict, last: dt.date) -> dict:
        """`config` read up to the end of the local day `last` and no further: a test that
        takes "today" once, before its runs, pins every run and its ground truth to it."""
        end = dt.datetime.combine(last, dt.time(23, 59, 59), self.zone(config))
        return {**config, "end_date": end.isoformat()}

    @property
    def name(self) -> str:
        """The case in test ids."""
        return self.label or self.tap

    def window_requests(self, server: t.Any) -> int:
        """How many requests of the windowed streams `server` has received (a request refused
        with 401 and sent again with a renewed token counts once)."""
        return sum(
            1
            for r in server.requests
            if r.status != 401
            and (not self.window_paths or any(part in r.path for part in self.window_paths))
        )


CONTRACT_COMMON = frozenset(
    {
        "start_date",
        "end_date",
        "lookback_days",
        "base_url",
        "request_timeout",
        "max_attempts",
        # the "no single row stops a pipeline" and "a renamed API is caught" clauses
        "on_invalid_key",
        "on_schema_drift",
    }
)


def _load_cases() -> list[TapCase]:
    import tests.cases as package

    modules = sorted(m.name for m in pkgutil.iter_modules(package.__path__))
    return [importlib.import_module(f"tests.cases.{name}").CASE for name in modules]


def __getattr__(name: str) -> t.Any:
    # Loaded on first use, not at import: each case module imports this one, so loading
    # them while this module is still initialising would be circular.
    if name == "TAP_CASES":
        cases = _load_cases()
        globals()["TAP_CASES"] = cases
        return cases
    raise AttributeError(name)
