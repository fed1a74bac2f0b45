"""Serve vendor emulators on loopback until interrupted.

    python -m emulators tap-oct8ne=18101 [tap-cobrowser=18102 ...] [--interval 1]

Prints one "ready" line per emulator, then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from emulators import EMULATOR_MODULES, demo_app
from emulators.framework import EmulatorServer


def main(argv: list[str] | None = None) -> int:
    """Start the named emulators and wait."""
    parser = argparse.ArgumentParser(prog="python -m emulators", description=__doc__)
    parser.add_argument("emulators", nargs="+", help="TAP=PORT, e.g. tap-oct8ne=18101")
    parser.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="request interval enforced by rate-limited vendors, in seconds (default 1)",
    )
    args = parser.parse_args(argv)
    servers = []
    for spec in args.emulators:
        tap, _, port = spec.partition("=")
        if tap not in EMULATOR_MODULES or not port.isdigit():
            parser.error(f"expected TAP=PORT with TAP one of {sorted(EMULATOR_MODULES)}: {spec!r}")
        server = EmulatorServer(demo_app(tap, args.interval), port=int(port)).start()
        servers.append(server)
        print(f"ready {tap} {server.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    for server in servers:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
