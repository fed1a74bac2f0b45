"""The snippets a user pastes from the README and docs/ run as written (tests/snippets.py).

Only values change: made-up credentials and hosts become the emulator's and a test
PostgreSQL's. Where a snippet leaves a setting to its production default (the vendor's real
host, its request interval, 30 days of history), the test gives the emulator's in the
process environment first, as a user's shell would hold it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tests.tap_cases  # noqa: F401  (the registry imports every case module)
from emulators.framework import EmulatorServer
from tests.cases.oct8ne import OCT8NE, OCT8NE_DOMAIN, OCT8NE_TOKEN
from tests.meltano_support import checkout_sys_dir, warehouse_keys
from tests.snippets import blocks, snippet

ROOT = Path(__file__).resolve().parents[2]
#: Each runnable snippet and the test that runs it.
RUN_BY = {
    "real-account": "tests/meltano/test_snippets.py",
    "install": "tests/meltano/test_meltano_native.py (its project is built by running it)",
}
EXPORT = re.compile(r"\b([A-Z][A-Z0-9_]*)=(\S+)")


def test_every_sh_block_is_a_tested_snippet_or_says_why_not():
    unmarked = [
        f"{block.document}: {block.body.splitlines()[0]}"
        for block in blocks()
        if block.name is None and "<!-- untested: " not in block.marks
    ]
    assert unmarked == [], "mark each: <!-- snippet: NAME --> or <!-- untested: REASON -->"


def test_every_marked_snippet_is_run_by_a_test():
    assert sorted(block.name for block in blocks() if block.name) == sorted(RUN_BY)


def with_values(text: str, values: dict[str, str]) -> str:
    """The snippet with each `NAME=value` it exports set to the test's value."""
    exported = set(EXPORT.findall(text))
    unknown = {name for name, _ in exported} - set(values)
    assert not unknown, f"the snippet sets variables this test does not know: {unknown}"
    return EXPORT.sub(lambda m: f"{m.group(1)}={values[m.group(1)]}", text)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.e2e
def test_the_real_account_snippet_loads_into_postgres_and_leaves_meltano_yml_alone(
    postgres, tmp_path
):
    postgres.create_database("analytics_snippet")
    before = digest(ROOT / "meltano.yml")
    with EmulatorServer(OCT8NE.make_app()) as emulator:
        today = OCT8NE.today(OCT8NE.config(emulator.url, dt.date.today()))
        first = today - dt.timedelta(days=3)
        # the emulator stands in for Oct8ne: its host, pace and domain's calendar, a few days
        # read through `today` and no further: the truth covers the same days if the run
        # crosses the domain's midnight
        config = OCT8NE.through(OCT8NE.config(emulator.url, first), today)
        given = ("base_url", "min_request_interval_seconds", "utc_offset", "start_date")
        given += ("end_date",)
        text = with_values(
            snippet("real-account"),
            {
                "MELTANO_ENVIRONMENT": "prod",
                "TAP_OCT8NE_DOMAIN_ID": OCT8NE_DOMAIN,
                "TAP_OCT8NE_API_TOKEN": OCT8NE_TOKEN,
                "TARGET_POSTGRES_HOST": "127.0.0.1",
                "TARGET_POSTGRES_PORT": str(postgres.port),
                "TARGET_POSTGRES_DATABASE": "analytics_snippet",
                "TARGET_POSTGRES_USER": postgres.user,
                "TARGET_POSTGRES_PASSWORD": "unused-with-trust-auth",
            },
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}
        env = {k: v for k, v in env.items() if not k.startswith("MELTANO_")}
        env |= {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
            "MELTANO_SYS_DIR_ROOT": str(checkout_sys_dir(tmp_path / "meltano-sys")),
            **{f"TAP_OCT8NE_{name.upper()}": str(config[name]) for name in given},
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        }
        result = subprocess.run(
            ["bash", "-e", "-c", text],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        truth = OCT8NE.truth(emulator.app, first, today)
    assert result.returncode == 0, result.stderr[-4000:]
    assert digest(ROOT / "meltano.yml") == before, "the snippet rewrote meltano.yml"
    for stream, key_fields in OCT8NE.windowed_streams.items():
        loaded = warehouse_keys(postgres, "analytics_snippet", "tap_oct8ne", stream, key_fields)
        assert sorted(loaded) == sorted(truth[stream]), stream
