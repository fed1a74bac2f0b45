"""The Meltano SDK's standard tap tests (discovery, sync, schema and key checks), every tap.

Each tap syncs against its emulator, started once for the module on loopback; one test
class per case of `tests/cases/`.
"""

from __future__ import annotations

import atexit
import datetime as dt

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from emulators.framework import EmulatorServer
from tests.tap_cases import TAP_CASES


def _standard_tests(case):
    server = EmulatorServer(case.make_app()).start()
    atexit.register(server.stop)
    return get_tap_test_class(
        case.tap_class,
        config=case.config(server.url, dt.date.today() - dt.timedelta(days=12)),
        suite_config=SuiteConfig(ignore_no_records_for_streams=list(case.no_records_streams)),
    )


for _case in TAP_CASES:
    _name = "Test" + _case.name.title().replace("-", "").replace("_", "")
    globals()[_name] = _standard_tests(_case)
