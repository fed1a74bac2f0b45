"""The Meltano SDK's standard tap tests (discovery, sync, schema and key checks) per tap.

Each tap syncs against its emulator, started once for the module on loopback.
"""

from __future__ import annotations

import atexit
import datetime as dt

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_oct8ne.tap import TapOct8ne
from tapkit.emulators.framework import EmulatorServer
from tests.tap_cases import OCT8NE


def _serve(app) -> EmulatorServer:
    server = EmulatorServer(app).start()
    atexit.register(server.stop)
    return server


_oct8ne = _serve(OCT8NE.make_app())

TestTapOct8ne = get_tap_test_class(
    TapOct8ne,
    config=OCT8NE.config(_oct8ne.url, dt.date.today() - dt.timedelta(days=12)),
    suite_config=SuiteConfig(ignore_no_records_for_streams=[]),
)
