"""Local emulators of the vendor APIs (see framework.py), one module per vendor.

`VENDORS` maps a vendor name to a factory that builds its emulator from the demo/test
settings; `python -m tapkit.emulators` serves them on loopback for the demo and Meltano runs.
"""

from __future__ import annotations

import typing as t

from tapkit.emulators.framework import EmulatorApp, EmulatorServer, Fault, Reply, Request

#: Credentials the emulators accept by default (demo and tests; not real credentials).
DEMO_SECRETS = {
    "oct8ne": {"api_token": "demo-oct8ne-token", "domain_id": "1001"},
}


def _oct8ne(interval: float) -> EmulatorApp:
    from tapkit.emulators.oct8ne import Oct8neEmulator

    return Oct8neEmulator(**DEMO_SECRETS["oct8ne"], interval=interval)


#: vendor name → factory(interval seconds for vendors with a rate limit)
VENDORS: dict[str, t.Callable[[float], EmulatorApp]] = {
    "oct8ne": _oct8ne,
}

__all__ = ["DEMO_SECRETS", "VENDORS", "EmulatorApp", "EmulatorServer", "Fault", "Reply", "Request"]
