"""`make orchestrate`: the Dagster UI on loopback over the demo (emulators, Meltano, DuckDB).

Starts the vendor emulators as `make demo` does, then `dagster dev` on http://127.0.0.1:3000
with the code location of orchestrate/ (its own environment, .venv-orchestrate) and the
instance settings of orchestrate/dagster.yaml (one run per credential). Ctrl-C stops both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from demo import start_emulators  # scripts/demo.py, on the path as this script's folder

ROOT = Path(__file__).resolve().parent.parent
DAGSTER = ROOT / ".venv-orchestrate" / "bin" / "dagster"


def main() -> int:
    home = ROOT / ".dagster" / "home"
    home.mkdir(parents=True, exist_ok=True)
    # DuckDB admits one writer: the demo runs one load at a time (production: 8, a warehouse
    # that takes concurrent loads)
    instance = (ROOT / "orchestrate" / "dagster.yaml").read_text()
    (home / "dagster.yaml").write_text(
        instance.replace("max_concurrent_runs: 8", "max_concurrent_runs: 1")
    )
    (ROOT / "output").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "MELTANO_ENVIRONMENT": "dev",
        "CHAT_TAPS_LOADER": "target-duckdb",
        "DBT_DUCKDB_PATH": str(ROOT / "output" / "demo.duckdb"),
    }
    print("Starting the vendor emulators on loopback")
    emulators = start_emulators()
    try:
        print("Dagster UI: http://127.0.0.1:3000 (Ctrl-C to stop)")
        command = [str(DAGSTER), "dev", "-m", "orchestrate.definitions"]
        return subprocess.call([*command, "-h", "127.0.0.1", "-p", "3000"], cwd=ROOT, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        emulators.terminate()
        emulators.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
