"""Make a release in one command.

    python scripts/release.py X.Y.Z        # what `make release VERSION=X.Y.Z` runs

A release, from a clean work tree:

1. CHANGELOG.md: `## [Unreleased]` becomes `## [X.Y.Z] - <today, UTC>` under a new, empty
   `## [Unreleased]` (an empty Unreleased section is refused: a release says what changed);
2. `scripts/docs.py write`: the plugin definitions' `pip_url`, the `meltano add` lines and the
   README's install lines now name the tag `vX.Y.Z`;
3. one commit, "Release X.Y.Z", and the annotated tag `vX.Y.Z` on it;
4. `python -m build` (sdist and wheel, version X.Y.Z from the tag by setuptools-scm) into
   `dist/`, `twine check` on both, and the plugin definitions copied to `dist/plugins/`.

Nothing leaves the machine: it prints the push and upload commands to run after a look.
(`scripts/local_plugins.py` writes the definitions installing a clone instead.)
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import docs

ROOT = docs.ROOT
DIST = ROOT / "dist"
CHANGELOG = ROOT / "CHANGELOG.md"
#: The note CHANGELOG.md carries while nothing is released; the first release removes it.
UNRELEASED_NOTE = re.compile(r"^No version is released yet.*?\n\n", re.MULTILINE | re.DOTALL)


def run(*command: str | Path) -> str:
    """Run a command in the repository; its failure ends the release with its output."""
    result = subprocess.run(
        [str(part) for part in command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{shlex.join(map(str, command))} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def check_can_release(version: str) -> None:
    """Refuse a malformed or already used version, and a work tree with changes."""
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise SystemExit(f"VERSION must be X.Y.Z (digits), got {version!r}")
    if run("git", "tag", "--list", f"v{version}").strip():
        raise SystemExit(f"the tag v{version} exists already")
    if run("git", "status", "--porcelain", "--untracked-files=no").strip():
        raise SystemExit("the work tree has uncommitted changes: commit or stash them first")


def changelog_with_release(text: str, version: str, day: dt.date) -> str:
    """CHANGELOG.md with its Unreleased section turned into `version`."""
    head, marker, rest = text.partition("## [Unreleased]\n")
    if not marker:
        raise SystemExit("CHANGELOG.md has no '## [Unreleased]' section")
    body = UNRELEASED_NOTE.sub("", rest.lstrip("\n"), count=1)
    if body.startswith("## ") or not body.strip():
        raise SystemExit("CHANGELOG.md: [Unreleased] is empty; say what changed first")
    return f"{head}{marker}\n## [{version}] - {day.isoformat()}\n\n{body}"


def build_artefacts(version: str) -> list[Path]:
    """The sdist and the wheel of the tagged commit in dist/, checked by twine."""
    shutil.rmtree(DIST, ignore_errors=True)
    run(sys.executable, "-m", "build", "--outdir", DIST, ROOT)
    artefacts = sorted(DIST.glob(f"chat_taps-{version}*"))
    if len(artefacts) != 2:
        raise SystemExit(f"expected an sdist and a wheel of {version} in dist/, got {artefacts}")
    run(sys.executable, "-m", "twine", "check", "--strict", *artefacts)
    for definition in (ROOT / "plugins").glob("*/*.yml"):
        target = DIST / "plugins" / definition.parent.name / definition.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(definition, target)
    return artefacts


def release(version: str) -> None:
    """Changelog, generated docs, commit, tag and artefacts of `version`."""
    check_can_release(version)
    CHANGELOG.write_text(changelog_with_release(CHANGELOG.read_text(), version, dt.date.today()))
    run(sys.executable, ROOT / "scripts" / "docs.py", "write")
    run("git", "commit", "-q", "-a", "-m", f"Release {version}")
    run("git", "tag", "-a", f"v{version}", "-m", f"chat-taps {version}")
    artefacts = build_artefacts(version)
    print(f"Tagged v{version}; built and checked:")
    for path in [*artefacts, *sorted(DIST.glob("plugins/*/*.yml"))]:
        print(f"  {path.relative_to(ROOT)}")
    print(f"Publish with: git push origin HEAD v{version}")
    print("and, for PyPI: twine upload dist/*.whl dist/*.tar.gz")


def main(argv: list[str]) -> int:
    """Command line entry point."""
    if len(argv) == 1:
        release(argv[0])
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
