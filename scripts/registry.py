"""The taps this repository builds, read from one place: `[project.scripts]` in pyproject.toml.

Every other list of taps derives from it: the Makefile's compile list (`python
scripts/registry.py packages`), the docs generator, the packaging and project tests. A tap
joins them all by its console script line; its label, keywords and credential groups are
attributes of its tap class (`tapkit.tap.VendorTap`).
"""

from __future__ import annotations

import importlib
import sys
import tomllib
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def console_scripts() -> dict[str, str]:
    """Tap executable → its entry point (`package.module:Class.cli`)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(project["scripts"])


def project_taps() -> list[str]:
    """The taps' executables, in the order pyproject.toml lists them."""
    return list(console_scripts())


def tap_packages() -> list[str]:
    """The taps' top-level packages (`tap_oct8ne`...)."""
    return [entry.split(":")[0].split(".")[0] for entry in console_scripts().values()]


def product_packages() -> set[str]:
    """Every package the wheel ships: the shared core and the taps."""
    return {"tapkit", *tap_packages()}


def tap_class(tap: str) -> t.Any:
    """The tap class behind a tap's console script."""
    module, _, attribute = console_scripts()[tap].partition(":")
    return getattr(importlib.import_module(module), attribute.removesuffix(".cli"))


if __name__ == "__main__":
    if sys.argv[1:] == ["packages"]:
        print(" ".join(tap_packages()))
    elif sys.argv[1:] == ["taps"]:
        print(" ".join(project_taps()))
    else:
        raise SystemExit("usage: python scripts/registry.py packages|taps")
