"""Local emulators of the vendor APIs (see framework.py), one module per vendor.

Each vendor module defines `demo_app(interval)`: its emulator with the made-up credentials
of meltano.yml's `dev` environment, rate limits (if any) shortened to `interval` seconds.
`python -m emulators` serves them on loopback for the demo and Meltano runs.
"""

from __future__ import annotations

import importlib

from emulators.framework import EmulatorApp, EmulatorServer, Fault, Reply, Request

#: tap name → module of its emulator
EMULATOR_MODULES = {
    "tap-oct8ne": "emulators.oct8ne",
    "tap-cobrowser": "emulators.cobrowser",
    "tap-chattonic": "emulators.chattonic",
    "tap-8x8": "emulators.eight_by_eight",
    "tap-jaicp": "emulators.jaicp",
}


def demo_app(tap: str, interval: float) -> EmulatorApp:
    """The emulator of `tap` as the demo serves it."""
    if tap not in EMULATOR_MODULES:
        raise KeyError(f"no emulator for {tap!r}; known: {sorted(EMULATOR_MODULES)}")
    return importlib.import_module(EMULATOR_MODULES[tap]).demo_app(interval)


__all__ = [
    "EMULATOR_MODULES",
    "EmulatorApp",
    "EmulatorServer",
    "Fault",
    "Reply",
    "Request",
    "demo_app",
]
