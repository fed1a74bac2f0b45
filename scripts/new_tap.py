"""Write a new tap from the scaffold: `make new-tap NAME=acme` (`python scripts/new_tap.py acme`).

Writes a tap package (`tap_acme/`: a windowed, paged stream of a made-up vendor), its emulator
(`emulators/acme.py`) and its case under the generic suites (`tests/cases/acme.py`), and
registers the tap: its console script in `[project.scripts]` (the registry every other list
derives from, scripts/registry.py) and its emulator in `emulators.EMULATOR_MODULES`. The
result passes `make lint` and the contract suite as written; what is left to do is the
checklist "A sixth vendor" in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "scaffold"
NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def files_for(name: str) -> dict[Path, str]:
    """Path (from the repository root) → template of every file the scaffold writes."""
    return {
        Path(f"tap_{name}/__init__.py"): "tap_init.py.tmpl",
        Path(f"tap_{name}/client.py"): "tap_client.py.tmpl",
        Path(f"tap_{name}/streams.py"): "tap_streams.py.tmpl",
        Path(f"tap_{name}/tap.py"): "tap_tap.py.tmpl",
        Path(f"emulators/{name}.py"): "emulator.py.tmpl",
        Path(f"tests/cases/{name}.py"): "case.py.tmpl",
    }


def names(name: str) -> dict[str, str]:
    """What the templates substitute: the tap's name, package, class prefix and label."""
    words = name.split("_")
    return {
        "name": name.replace("_", "-"),
        "package": name,
        "cls": "".join(word.capitalize() for word in words),
        "label": " ".join(word.capitalize() for word in words),
    }


def register_console_script(root: Path, name: str, cls: str) -> None:
    """Add the tap to `[project.scripts]`, after the last tap."""
    path = root / "pyproject.toml"
    text = path.read_text()
    section = text.index("[project.scripts]")
    end = text.index("\n[", section + 1)
    line = f'tap-{name.replace("_", "-")} = "tap_{name}.tap:Tap{cls}.cli"\n'
    path.write_text(text[:end].rstrip("\n") + "\n\n" + line + text[end:])


def register_emulator(root: Path, name: str) -> None:
    """Add the emulator to `emulators.EMULATOR_MODULES`."""
    path = root / "emulators" / "__init__.py"
    text = path.read_text()
    anchor = "EMULATOR_MODULES = {\n"
    end = text.index("}\n", text.index(anchor))
    entry = f'    "tap-{name.replace("_", "-")}": "emulators.{name}",\n'
    path.write_text(text[:end] + entry + text[end:])


def scaffold(root: Path, name: str) -> list[Path]:
    """Write the tap `name` into the repository at `root`; the files written."""
    if not NAME.fullmatch(name):
        raise SystemExit(f"NAME must be lower case letters, digits and _ (a Python name): {name!r}")
    files = files_for(name)
    taken = [path for path in files if (root / path).exists()]
    if taken or (root / f"tap_{name}").exists():
        raise SystemExit(f"tap_{name} exists already: {', '.join(map(str, taken))}")
    values = names(name)
    for path, template in files.items():
        text = string.Template((TEMPLATES / template).read_text()).substitute(values)
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    register_console_script(root, name, values["cls"])
    register_emulator(root, name)
    return [*files, Path("pyproject.toml"), Path("emulators/__init__.py")]


def main(argv: list[str]) -> int:
    """`new_tap.py NAME [ROOT]`: scaffold into ROOT (the repository by default)."""
    if len(argv) not in (1, 2):
        raise SystemExit("usage: python scripts/new_tap.py NAME [REPOSITORY_ROOT]")
    root = Path(argv[1]) if len(argv) == 2 else ROOT
    for path in scaffold(root, argv[0]):
        print(f"wrote {path}")
    print("next: the checklist 'A sixth vendor' in docs/ARCHITECTURE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
