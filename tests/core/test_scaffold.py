"""`make new-tap NAME=x` gives a tap that passes `make lint` and the contract suite as written.

The scaffold runs in a copy of the repository (its tracked and new files), never in the
repository itself. The copy gets a virtual environment of its own that reuses this one's
packages (no install: a `.pth` file), with the new tap's console script, so the contract
suite runs the new tap as Meltano would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from tests.support import BIN

ROOT = Path(__file__).resolve().parents[2]
NAME = "acme"


def copy_of_the_repository(target: Path) -> Path:
    """The repository's tracked and untracked (not ignored) files, and mypy's cache."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    if (ROOT / ".mypy_cache").is_dir():  # mypy then checks only what changed
        shutil.copytree(ROOT / ".mypy_cache", target / ".mypy_cache")
    return target


def environment_for(copy: Path, venv: Path, tap: str, tap_class: str) -> Path:
    """A virtual environment whose path starts at `copy`, then this one's packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = sysconfig.get_path("purelib")
    Path(purelib, "_scaffold_copy.pth").write_text(
        f"{copy}\nimport site; site.addsitedir({ours!r})\n"
    )
    module, _, attribute = tap_class.partition(":")
    script = venv / "bin" / tap
    script.write_text(
        f"#!{python}\nfrom {module} import {attribute.removesuffix('.cli')} as tap\ntap.cli()\n"
    )
    script.chmod(0o755)
    return python


def run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


def test_a_new_tap_from_the_scaffold_passes_lint_and_the_contract_suite(tmp_path: Path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the copy is made of the files git lists: this is not a git checkout")
    started = time.monotonic()
    copy = copy_of_the_repository(tmp_path / "repository")

    run([sys.executable, "scripts/new_tap.py", NAME], cwd=copy)

    pyproject = (copy / "pyproject.toml").read_text()
    tap = f"tap-{NAME}"
    entry = f"tap_{NAME}.tap:Tap{NAME.capitalize()}.cli"
    assert f'{tap} = "{entry}"' in pyproject, "the tap is registered in [project.scripts]"
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]):
        run([str(BIN / command[0]), *command[1:]], cwd=copy)
    linted = time.monotonic()
    python = environment_for(copy, tmp_path / "venv", tap, entry)
    suite = [
        str(python),
        "-m",
        "pytest",
        "tests/core/test_contract.py",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    run([*suite, "-k", tap], cwd=copy)
    done = time.monotonic()
    print(
        f"scaffold to a passing contract suite: {done - started:.0f} s "
        f"(copy, scaffold and lint {linted - started:.0f} s, contract suite {done - linted:.0f} s)"
    )
