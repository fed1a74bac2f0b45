"""The tap every vendor tap builds on: secrets masked, settings checked, errors readable.

- Secret settings are registered with the scrubber before anything can print them (the
  SDK's own validation messages quote values).
- Settings are checked before the first request; each message names the setting.
- The run reads the clock once, so all streams agree on "today" even across midnight.
- Records are written with msgspec, about twice as fast as the SDK's default writer, and the
  objects that live for the whole run are kept out of the garbage collector's walks.
- A failure the user can act on (credentials, a rejected request, an unreadable response)
  ends the run with one clear ERROR line; the traceback goes to DEBUG.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import os
import sys
import typing as t
from urllib.parse import urlsplit

import requests
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError
from typing_extensions import override

from tapkit import accounts, inputs, logsafe, scrub
from tapkit.datetimes import parse_datetime_setting
from tapkit.errors import StateError
from tapkit.netfailure import connection_failure
from tapkit.runscope import RunScope
from tapkit.sanity import (
    NOTHING_SELECTED,
    foreign_bookmark_warnings,
    future_start_warning,
    unknown_setting_warnings,
    unwrapped_state,
)
from tapkit.sdk_compat import CompatTap
from tapkit.settings import check_common, check_path_and_header_values
from tapkit.signals import stop_on_signal
from tapkit.writer import CleanTextWriter

if t.TYPE_CHECKING:
    import logging

    from singer_sdk.streams import Stream

#: Errors whose message says all a user needs; no traceback at the default log level.
USER_FACING_ERRORS: tuple[type[BaseException], ...] = (
    FatalAPIError,
    RetriableAPIError,  # still failing after max_attempts
    ConfigValidationError,
    StateError,
    requests.exceptions.RequestException,  # unreachable host, timeouts, after max_attempts
)


class VendorTap(CompatTap):
    """Base of every tap of the repository."""

    message_writer_class = CleanTextWriter
    #: settings whose values become a URL path segment (`tapkit.settings.path_segment`)
    path_settings: t.ClassVar[tuple[str, ...]] = ()
    #: settings whose values travel in an HTTP header (Latin-1 only)
    header_settings: t.ClassVar[tuple[str, ...]] = ()
    #: All the taps ship in one distribution; its version is theirs.
    package_name = "chat-taps"

    # What the plugin definitions (`make docs`, scripts/docs.py) say about a tap that its
    # settings schema cannot: Meltano Hub shows the label and description and searches the
    # keywords; each credential group completes the schema's required settings into one
    # valid set (Meltano's settings_group_validation), one group per way to log in.
    label: t.ClassVar[str] = ""
    description: t.ClassVar[str] = ""
    keywords: t.ClassVar[tuple[str, ...]] = ()
    credential_groups: t.ClassVar[tuple[tuple[str, ...], ...]] = ((),)

    def __init__(self, *args: t.Any, config: t.Any = None, **kwargs: t.Any) -> None:
        logsafe.install()
        #: The objects this run's streams share (clock reading, throttles, logins, flags).
        self.run_scope = RunScope()
        if isinstance(config, dict):
            config = numbers_from_strings(config, self.config_jsonschema)
        super().__init__(*args, config=config, **kwargs)
        self.metrics_logger.setLevel(metrics_log_level(self.name))
        install_error_hook(self.logger)

    @property
    @override
    def streams(self) -> dict[str, Stream]:
        """The SDK's streams; with `account` set, each keyed by it (`tapkit.accounts`)."""
        streams = super().streams
        account = accounts.account_of(self.config)
        if account is not None and not self._account_added:
            self._account_added = True
            accounts.add_account(streams.values(), account)
        return streams

    _account_added = False

    @classmethod
    def secret_settings(cls) -> list[str]:
        """Names of the settings marked secret in the schema."""
        properties = cls.config_jsonschema.get("properties", {})
        return [name for name, prop in properties.items() if prop.get("secret")]

    @classmethod
    @override
    def cb_config(cls, ctx: t.Any, param: t.Any, value: tuple[str, ...]) -> t.Any:
        """`--config` files are checked first: a malformed one is named, with the error."""
        for path in value:
            inputs.check_config_file(path)
        return super().cb_config(ctx, param, value)

    @classmethod
    @override
    def invoke(
        cls,
        *,
        state: t.IO[str] | None = None,
        catalog: t.IO[str] | None = None,
        **kwargs: t.Any,
    ) -> None:
        """The SDK's sync, after checking the `--state` and `--catalog` files."""
        state = inputs.checked_file(state, option="--state", check=inputs.check_state_shape)
        catalog = inputs.checked_file(catalog, option="--catalog")
        with settings_errors_reported(cls.logger):
            super().invoke(state=state, catalog=catalog, **kwargs)

    @classmethod
    @override
    def cb_test(cls, ctx: t.Any, param: t.Any, value: str) -> None:
        """`--test`: invalid settings are reported as a run reports them, not as a traceback."""
        with settings_errors_reported(cls.logger):
            super().cb_test(ctx, param, value)

    @override
    def on_termination(self, signum: int, frame: t.Any) -> None:
        """SIGTERM/SIGINT: the last consistent STATE, then exit 143/130 (the SDK exits 0)."""
        stop_on_signal(
            signum,
            write_state=lambda: self.state_writer.write_state(self.state),
            logger=self.logger,
        )

    @override
    def load_state(self, state: dict[str, t.Any]) -> None:
        """The state checked before use (`tapkit.sanity`): a Meltano-wrapped state unwrapped,
        bookmarks of unknown streams or of another replication key set aside, each said.
        """
        state, warnings = unwrapped_state(copy.deepcopy(state))
        keys = {name: stream.replication_key for name, stream in self.streams.items()}
        warnings += foreign_bookmark_warnings(state, keys)
        for warning in warnings:
            self.logger.warning("%s", warning)
        super().load_state(state)

    @override
    def before_sync(self) -> None:
        """Check the catalog and every bookmark before the first request."""
        # Everything built so far (the SDK, the catalog, the streams) lives for the whole run;
        # left in the collected generations, each full collection walked it again while the
        # pages' records were allocated: an eighth of JAICP's time (`make bench`).
        gc.freeze()
        active = [s for s in self.streams.values() if s.selected or s.has_selected_descendents]
        if not active:
            self.logger.warning("%s", NOTHING_SELECTED)
        if any(getattr(stream, "windowing", None) is not None for stream in active):
            start = parse_datetime_setting(self.config.get("start_date"))
            future = future_start_warning(start, self.run_scope.started_at)
            if future:
                self.logger.warning("%s", future)
        for stream in active:
            check = getattr(stream, "checked_bookmark", None)
            if check is not None and not stream.parent_stream_type:
                check()

    @override
    def after_sync(self) -> None:
        """The run's NUL-stripping summary (`tapkit.writer`)."""
        for line in getattr(self.message_writer, "nul_summary", list)():
            self.logger.warning("%s", line)

    def check_settings(self, config: t.Mapping[str, t.Any]) -> list[str]:
        """Vendor-specific checks beyond the schema; each message names the setting."""
        return []

    @override
    def before_config_validation(self) -> None:
        """Secrets are registered before the SDK's validation messages can quote them."""
        for name in self.secret_settings():
            scrub.register_secret(self.config.get(name))
        scrub.install()  # a URL's user-info is masked even with no secret setting given
        # a password in a URL's user-info is a secret wherever it is printed on its own
        with contextlib.suppress(ValueError):
            scrub.register_secret(urlsplit(str(self.config.get("base_url") or "")).password)

    @override
    def extra_config_errors(self) -> list[str]:
        """The common checks and the vendor's, each naming the setting; unknown settings warn."""
        for warning in unknown_setting_warnings(
            self.config, self.config_jsonschema.get("properties", {})
        ):
            self.logger.warning("%s", warning)
        return (
            check_common(self.config)
            + check_path_and_header_values(
                self.config,
                path_settings=self.path_settings,
                header_settings=self.header_settings,
            )
            + accounts.check_account(self.config)
            + self.check_settings(self.config)
        )


@contextlib.contextmanager
def settings_errors_reported(logger: logging.Logger) -> t.Iterator[None]:
    """Invalid settings end the command with one ERROR line per reason, then one line with
    all of them, and exit 1 (a sync, `--test`, and so `meltano config test`, which shows only
    the last line). The SDK's own report ends with "Config validation failed" and, in JSON
    logs, the whole settings schema; `--test` printed a traceback.
    """
    try:
        yield
    except ConfigValidationError as exc:
        reasons = [scrub.scrub(str(error)) for error in exc.errors] or [str(exc)]
        for reason in reasons:
            logger.error("invalid setting: %s", reason)  # noqa: TRY400 (no traceback: a user error)
        if len(reasons) > 1:
            logger.error("%d invalid settings: %s", len(reasons), "; ".join(reasons))  # noqa: TRY400
        raise SystemExit(1) from None


def metrics_log_level(tap: str, environ: t.Mapping[str, str] = os.environ) -> str:
    """The level of the SDK's METRIC lines: shown at `LOGLEVEL=DEBUG`, else hidden.

    They were a third of a run's log at INFO (a line per request and per stream) and say
    nothing a progress line does not. `METRICS_LOGLEVEL=INFO` (or `TAP_X_METRICS_LOGLEVEL`)
    brings them back, for a log pipeline that reads them.
    """
    prefix = tap.upper().replace("-", "_")
    chosen = environ.get(f"{prefix}_METRICS_LOGLEVEL") or environ.get("METRICS_LOGLEVEL")
    if chosen:
        return chosen.upper()
    level = environ.get(f"{prefix}_LOGLEVEL") or environ.get("LOGLEVEL") or "INFO"
    return "DEBUG" if level.upper() == "DEBUG" else "WARNING"


def numbers_from_strings(config: dict[str, t.Any], schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """Numeric settings given as text ("0.5", from an environment variable) become numbers.

    Meltano passes a setting without a `kind` through as text when it comes from the
    environment; the schema would then reject "30" for a number. Text that is not a number
    is left alone for the schema to reject, naming the setting.
    """
    converted = dict(config)
    for name, prop in schema.get("properties", {}).items():
        value = converted.get(name)
        types = prop.get("type", [])
        types = [types] if isinstance(types, str) else types
        if not isinstance(value, str) or not {"integer", "number"} & set(types):
            continue
        try:
            number = float(value)
        except ValueError:
            continue
        converted[name] = int(number) if "integer" in types and number.is_integer() else number
    return converted


def install_error_hook(logger: logging.Logger) -> None:
    """Print user-facing failures as one ERROR line; anything else as the SDK does. Masked."""
    previous = sys.excepthook
    if getattr(previous, "__vendor_tap__", False):
        return

    def excepthook(exc_type: type[BaseException], exc: BaseException, tb: t.Any) -> None:
        scrub.scrub_exception(exc)
        if isinstance(exc, USER_FACING_ERRORS):
            logger.error("%s", describe_error(exc))
            logger.debug("Traceback of the error above", exc_info=(exc_type, exc, tb))
            return
        previous(exc_type, exc, tb)

    excepthook.__vendor_tap__ = True  # type: ignore[attr-defined]
    sys.excepthook = excepthook


def describe_error(exc: BaseException) -> str:
    """The one line a user reads when a run fails."""
    if isinstance(exc, RetriableAPIError):
        return f"giving up after the last allowed attempt (max_attempts): {exc}"
    if isinstance(exc, requests.exceptions.RequestException) and not isinstance(
        exc, requests.exceptions.HTTPError
    ):
        return (
            f"could not reach the API after the last allowed attempt (max_attempts): "
            f"{connection_failure(exc)}; check base_url and the network"
        )
    return str(exc)
