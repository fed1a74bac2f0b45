"""The wheel a production plugin installs holds the taps and their core, never a fixture."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from scripts import registry

ROOT = Path(__file__).resolve().parent.parent
#: the shared core and the package of every tap of [project.scripts]
PRODUCT = registry.product_packages()


def test_the_built_wheel_holds_no_emulator_and_no_test_helper(tmp_path):
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
