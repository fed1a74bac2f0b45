"""The wheel a production plugin installs holds the taps and their core, never a fixture."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

from scripts import registry

ROOT = Path(__file__).resolve().parents[2]
#: the shared core and the package of every tap of [project.scripts]
PRODUCT = registry.product_packages()


def test_the_built_wheel_holds_no_emulator_and_no_test_helper_and_imports_none(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            str(ROOT),
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("chat_taps-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names if name.endswith(".py")}
    assert packages == PRODUCT
    assert not [name for name in names if "emulator" in name.lower()]
    assert "tapkit/sdk_compat.py" in names
    with zipfile.ZipFile(wheel) as archive:
        imported = {
            (name, module)
            for name in names
            if name.endswith(".py")
            for module in top_level_imports(archive.read(name))
        }
    development = {"emulators", "tests", "scripts", "loaders"}
    assert {(name, module) for name, module in imported if module in development} == set()


def top_level_imports(source: bytes) -> set[str]:
    """The top-level packages a module imports (absolute imports, at any depth of the code)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module.split(".")[0])
    return modules
