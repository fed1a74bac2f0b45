"""The files a run is given (config, state, catalog), checked before the SDK reads them.

A malformed file made the SDK print a 30-line traceback that names neither the file nor the
option; a state whose shape is wrong failed later, mid-run. Here each file is parsed first,
and a problem is one message naming the option, the file and the position of the error.
"""

from __future__ import annotations

import io
import json
import typing as t
from pathlib import Path

import click


def _parse_object(text: str, *, option: str, name: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(
            f"the file {name} is not valid JSON ({exc})", param_hint=option
        ) from None
    if not isinstance(value, dict):
        raise click.BadParameter(
            f"the file {name} holds a JSON {type(value).__name__}, not an object",
            param_hint=option,
        )
    return value


def check_config_file(path: str) -> None:
    """A `--config` file must exist and hold a JSON object (`ENV` is not a file)."""
    if path == "ENV":
        return
    file = Path(path)
    if not file.is_file():
        raise click.BadParameter(f"the file {path} does not exist", param_hint="--config")
    _parse_object(file.read_text(encoding="utf-8"), option="--config", name=path)


def check_state_shape(state: dict, name: str) -> None:
    """A state is `{"bookmarks": {stream: {...}}}` (other members are left alone)."""
    bookmarks = state.get("bookmarks", {})
    problem = None
    if not isinstance(bookmarks, dict):
        problem = f"its 'bookmarks' is a JSON {type(bookmarks).__name__}, not an object"
    else:
        bad = [stream for stream, entry in bookmarks.items() if not isinstance(entry, dict)]
        if bad:
            problem = f"the bookmark of stream {bad[0]!r} is not an object"
    if problem:
        raise click.BadParameter(
            f"the state file {name} is not a Singer state: {problem}. Fix it, or clear the "
            "state (meltano state clear <state-id>)",
            param_hint="--state",
        )


def checked_file(
    file: t.IO[str] | None,
    *,
    option: str,
    check: t.Callable[[dict, str], None] | None = None,
) -> t.IO[str] | None:
    """`file` read and checked, handed on as a fresh text stream for the SDK to read."""
    if file is None:
        return None
    name = getattr(file, "name", option)
    text = file.read()
    value = _parse_object(text, option=option, name=name)
    if check is not None:
        check(value, name)
    return io.StringIO(text)
