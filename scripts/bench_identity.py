"""Bench check: the taps' output byte for byte against the taps of a reference commit."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import typing as t
from pathlib import Path

from bench_common import BIN, ROOT, Row
from bench_throughput import busy_day, one_day_config

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorServer,
)
from tests.cases import chattonic, cobrowser, eight_by_eight_analytics, jaicp, oct8ne

# -- output identity: the tap as optimised against the tap before ------------------------------

#: The commit whose taps the identity check compares against (`--reference` to pick
#: another): main before the renovation of issue 24 (the core split, one retry budget), the
#: first commit with every stream of round three. The earlier reference (9c2dc0f, the record
#: path before the optimisations of round two) predates streams added since, so it could no
#: longer tell a change of output from a new stream.
REFERENCE = "d65b823"
IDENTITY_CASES = (
    oct8ne.CASE,
    cobrowser.CASE,
    jaicp.CASE,
    chattonic.CASE,
    eight_by_eight_analytics.CASE,
)


def frozen_app(case: t.Any, now: dt.datetime) -> t.Any:
    """The case's emulator, its clock stopped at `now` where it has one (8x8's Analytics:
    its real-time figures change every 10 s, so two runs apart in time would differ)."""
    app = case.make_app()
    analytics = getattr(app, "analytics", None)
    if analytics is not None:
        analytics.now = lambda: now
    return app


def normalised_output(data: bytes) -> list:
    """Every message of a tap's stdout, without what depends on the run's clock."""
    messages = []
    for line in data.splitlines():
        message = json.loads(line)
        message.pop("time_extracted", None)
        if message["type"] in ("RECORD", "ACTIVATE_VERSION"):
            message.pop("version", None)
        if message["type"] == "RECORD":
            # tap-8x8's snapshots carry the run's clock, as time_extracted does
            message["record"].pop("snapshot_at", None)
        if message["type"] == "STATE":
            message = {"type": "STATE", "value": without_signposts(message["value"])}
        messages.append(message)
    return messages


def without_signposts(value: t.Any) -> t.Any:
    """STATE without the run clock's signposts."""
    if isinstance(value, dict):
        return {k: without_signposts(v) for k, v in value.items() if "signpost" not in k}
    if isinstance(value, list):
        return [without_signposts(v) for v in value]
    return value


def reference_tree(rev: str, directory: Path) -> Path | None:
    """The taps' packages as of `rev`, unpacked into `directory` (None: no such commit)."""
    packages = ["tapkit", *sorted(p.name for p in ROOT.glob("tap_*") if p.is_dir())]
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, *packages], capture_output=True
    )
    if archive.returncode != 0:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    return directory


def tap_output(command: list[str], config: dict, cwd: Path | None = None) -> bytes:
    """A tap's whole stdout for `config`, run in `cwd` (where `python -c` imports from)."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        result = subprocess.run(
            [*command, "--config", str(config_path)], capture_output=True, cwd=cwd
        )
    if result.returncode != 0:
        sys.exit(f"bench: {command[0]} failed:\n{result.stderr.decode()[-3000:]}")
    return result.stdout


def output_identity(reference: str) -> list[Row]:
    """Each tap's whole output (every stream, one past day of its emulator's data) against
    the same tap at `reference`, imported from an unpacked copy of that commit; only
    `time_extracted`, table versions and the run clock's signposts may differ."""
    day = busy_day()
    now = dt.datetime.now(dt.UTC)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = reference_tree(reference, Path(tmp))
        if tree is None:
            return [
                Row(
                    "output identical to the taps at " + reference,
                    "commit not found (a shallow clone?): not checked",
                    "identical",
                    False,
                )
            ]
        for case in IDENTITY_CASES:
            cls = case.tap_class
            reference_command = [
                sys.executable,
                "-c",
                # the reference must import from the unpacked commit, not from this checkout
                f"import tapkit; assert tapkit.__file__.startswith({str(tree)!r}); "
                f"from {cls.__module__} import {cls.__name__} as T; T.cli()",
            ]
            outputs = []
            for command, cwd in ((reference_command, tree), ([str(BIN / case.tap)], None)):
                with EmulatorServer(frozen_app(case, now)) as server:
                    config = one_day_config(case, server.url, day)
                    outputs.append(normalised_output(tap_output(command, config, cwd)))
            same = outputs[0] == outputs[1]
            records = sum(1 for m in outputs[1] if m["type"] == "RECORD")
            streams = sorted({m["stream"] for m in outputs[1] if m["type"] == "RECORD"})
            rows.append(
                Row(
                    f"output of {case.tap} identical to the tap at {reference} (all but "
                    "`time_extracted`), one day of the emulator",
                    f"{'identical' if same else '**DIFFERENT**'}: {len(outputs[1]):,} messages, "
                    f"{records:,} records of {len(streams)} stream(s) ({', '.join(streams)})",
                    "identical",
                    same,
                )
            )
    return rows
