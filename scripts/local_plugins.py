"""Plugin definitions that install the taps and the loaders (DuckDB, PostgreSQL) from this clone.

    python3 scripts/local_plugins.py [DIR]   # `make local-plugins` (DIR: dist/local-plugins)

Writes every definition of `plugins/` to DIR with its `pip_url` naming this clone's path
instead of the published release, so a Meltano project installs from here before anything is
published: `meltano add --plugin-type extractor tap-oct8ne --from-ref
DIR/extractors/tap-oct8ne.yml`.
The standard library only: it runs in a fresh clone, before any virtual environment exists.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_URL = re.compile(r"^pip_url: (.*)$", re.MULTILINE)


def local_pip_url(definition: Path, published: str) -> str:
    """The pip_url installing from this clone: the taps' project, or the loader's folder
    (`loaders/<definition's stem>`) after the loader's PyPI requirements, if any (the published
    pip_url's last item is our git URL)."""
    if definition.parent.name == "extractors":
        return shlex.quote(str(ROOT))
    requirements = shlex.split(published)[:-1]
    return shlex.join([*requirements, str(ROOT / "loaders" / definition.stem)])


def local_definition(definition: Path) -> str:
    """The text of `definition` with its pip_url swapped (a JSON string is valid YAML)."""
    text = definition.read_text()
    match = PIP_URL.search(text)
    if not match:
        raise SystemExit(f"{definition}: no pip_url line")
    pip_url = json.dumps(local_pip_url(definition, match.group(1)))
    return text[: match.start(1)] + pip_url + text[match.end(1) :]


def main(argv: list[str]) -> int:
    """Write the local definitions; print where."""
    directory = Path(argv[0]) if argv else ROOT / "dist" / "local-plugins"
    for definition in sorted((ROOT / "plugins").glob("*/*.yml")):
        target = directory / definition.parent.name / definition.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(local_definition(definition))
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
