"""Running Meltano against a test PostgreSQL and reading what it loaded."""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import shutil
import string
import subprocess
import sys
import typing as t
from pathlib import Path

import psycopg
import yaml

ROOT = Path(__file__).resolve().parent.parent
MELTANO = Path(sys.executable).parent / "meltano"


#: what `make .meltano/.installed` installs into the checkout's `.meltano/`
PLUGIN_KINDS = ("extractors", "loaders", "utilities")


def utility_command(utility_name: str, command_name: str) -> list[str]:
    """One of a utility's commands in meltano.yml as Meltano runs it: its executable in the
    utility's venv (the command's own, else the utility's), then its arguments,
    `$MELTANO_PROJECT_ROOT` expanded. Tests and benches run what the project's jobs run, not
    a copy of it."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    utility = next(u for u in project["plugins"]["utilities"] if u["name"] == utility_name)
    command = utility["commands"][command_name]
    executable = command.get("executable", utility["executable"])
    venv_bin = ROOT / ".meltano" / "utilities" / utility_name / "venv" / "bin"
    return [
        str(venv_bin / executable),
        *(
            string.Template(arg).substitute(MELTANO_PROJECT_ROOT=ROOT)
            for arg in shlex.split(command["args"])
        ),
    ]


def checkout_sys_dir(directory: Path) -> Path:
    """`directory` made a Meltano system directory (`.meltano`) for this checkout's project:
    the installed plugins, linked, and nothing else. Pass it as MELTANO_SYS_DIR_ROOT.

    Meltano keeps a run's catalog, state file and plugin configs in `.meltano/run/<plugin>/`,
    one directory per plugin: two tests running one tap from the checkout at the same time
    (on two pytest-xdist workers) would read each other's state and catalog. With its own
    system directory, each run of a test has its own.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for kind in PLUGIN_KINDS:
        link = directory / kind
        if not link.exists():
            link.symlink_to(ROOT / ".meltano" / kind)
    return directory


def meltano_env(case, config: dict, postgres, database: str, system_db: Path) -> dict:
    """Settings as Meltano reads them from the environment (they override meltano.yml).

    Meltano's system database is the SQLite file `system_db`; its system directory (run
    directories) is `meltano-sys` beside it (`checkout_sys_dir`).
    """
    prefix = case.tap.upper().replace("-", "_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}
    env.update(
        {
            f"{prefix}_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
            for name, value in config.items()
        }
    )
    env.update(
        {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DATABASE_URI": f"sqlite:///{system_db}",
            "MELTANO_SYS_DIR_ROOT": str(checkout_sys_dir(system_db.parent / "meltano-sys")),
            "TARGET_POSTGRES_HOST": "127.0.0.1",
            "TARGET_POSTGRES_PORT": str(postgres.port),
            "TARGET_POSTGRES_USER": postgres.user,
            "TARGET_POSTGRES_PASSWORD": "",
            "TARGET_POSTGRES_DATABASE": database,
        }
    )
    return env


def meltano_run(case, env: dict, target: str = "target-postgres") -> subprocess.CompletedProcess:
    """`meltano run TAP TARGET`, which must succeed."""
    result = subprocess.run(
        [str(MELTANO), "run", case.tap, target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def warehouse_keys(postgres, database: str, schema: str, table: str, key_fields) -> list[tuple]:
    """The key columns of every row of a loaded table, as the tap emitted them (see below)."""
    columns = ", ".join(f'"{field}"' for field in key_fields)
    with psycopg.connect(postgres.url(database)) as connection:
        return [
            tuple(as_emitted(value) for value in row)
            for row in connection.execute(f'select {columns} from "{schema}"."{table}"').fetchall()
        ]


def as_emitted(value: object) -> object:
    """A date or timestamp key read back from PostgreSQL, in the ISO text the tap emitted.

    A DATE comes back as `date`, a TIMESTAMP (stored in UTC) as a naive `datetime`; the
    ground truth holds what the tap emits: `2026-11-20` and `2026-11-20T03:00:00+00:00`.
    """
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def assert_tables_hold_the_truth(
    case,
    truth: dict[str, set[tuple]],
    rows: dict[str, int],
    keys_of: t.Callable[[str, tuple[str, ...]], list[tuple]],
) -> None:
    """Each stream's table has exactly the emulator's rows, once each, whatever the warehouse.

    `rows` is table → row count; `keys_of(table, fields)` reads those key columns back (as
    the tap emitted them, see `as_emitted`).
    """
    assert set(truth) <= set(rows), f"{case.tap}: tables missing: {set(truth) - set(rows)}"
    for stream, keys in truth.items():
        assert rows[stream] == len(keys), f"{case.tap}.{stream}: {rows[stream]} rows, {len(keys)}"
        if stream in case.windowed_streams:
            loaded = keys_of(stream, case.windowed_streams[stream])
            assert set(loaded) == keys, f"{case.tap}.{stream}: rows differ from the emulator's"
    # streams without a ground truth (e.g. tap-jaicp's clients) must not be silently empty
    assert all(rows.values()), f"{case.tap}: empty tables: {rows}"


def assert_rerun_added_only_snapshots(cases, first: dict, second: dict) -> None:
    """tap → table → rows after two runs: a windowed tap's rerun added nothing (its keys make
    the target upsert), a snapshot tap's added exactly one snapshot (its key holds
    snapshot_at)."""
    snapshots: dict[str, set[str]] = {}
    for case in cases:
        # a tap may have several cases (tap-8x8: snapshots, analytics), all in one table set
        every_stream_is_a_snapshot = not case.windowed and not case.snapshot_streams
        of_case = case.windowed_streams if every_stream_is_a_snapshot else case.snapshot_streams
        snapshots.setdefault(case.tap, set()).update(of_case)
    for tap, streams in snapshots.items():
        expected = {
            table: 2 * rows if table in streams else rows for table, rows in first[tap].items()
        }
        assert second[tap] == expected, f"{tap}: not exactly one more snapshot"


def checkout_copy(destination: Path, tag: str | None = None) -> Path:
    """This checkout's files (as `git add -A` would take them) in a new repository, committed
    (and tagged `tag`); its own git identity, so later commits there need none from outside."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    commands = [["init", "-q", "-b", "main"]]
    for key, value in (
        ("user.name", "Release Test"),
        ("user.email", "release@example.com"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ):
        commands.append(["config", key, value])
    commands += [["add", "-A"], ["commit", "-qm", tag or "copy"]]
    if tag:
        commands.append(["tag", tag])
    for command in commands:
        subprocess.run(["git", *command], cwd=destination, check=True, capture_output=True)
    return destination
