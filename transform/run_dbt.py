"""dbt's command line as its own `dbt` script starts it, with dbt's modules kept out of the
garbage collector's work: what meltano.yml's dbt commands run, under the utility's Python.

    python transform/run_dbt.py build --exclude tag:whole_history   # = dbt build ...

Importing dbt leaves about 130,000 objects that live until the process ends (modules,
classes, functions, the serializers mashumaro generates for dbt's dataclasses). CPython's
collector walks all of them again in every full collection of the run, and at exit it tears
them down one by one: in a daily `dbt build` on the bench machine, 0.25 s of collections
during the import, 0.8-0.9 s during the run and 1.0 s at exit; 0.55 s and 0.25 s this way
(docs/incremental.md, "Where a daily run's time goes"). `gc.freeze()`, Python's documented
way to exempt long-lived objects, moves them to a permanent generation once dbt is imported.
Everything dbt builds afterwards (the manifest, the nodes, the connections) is collected as
before, and the exit still runs every `atexit` handler (dbt-duckdb closes its database
there). The collector is off during the import only: it would free 2,000 objects (1.4 MB)
there, which stay.
"""

from __future__ import annotations

import gc
import os
import sys


def main() -> None:
    """Run dbt's command line on this process's arguments; exit with its status."""
    here = os.path.dirname(os.path.abspath(__file__))
    # transform/ is dbt's project folder, not a package: its folders (models, tests, macros)
    # must not shadow a module dbt imports
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == here:
        del sys.path[0]
    gc.disable()
    try:
        from dbt.cli.main import cli  # noqa: PLC0415 (imported with the collector off)
    finally:
        gc.freeze()
        gc.enable()
    # as the `dbt` script beside this Python would show itself (click's usage lines)
    sys.argv[0] = os.path.join(os.path.dirname(sys.executable), "dbt")
    sys.exit(cli())


if __name__ == "__main__":
    main()
