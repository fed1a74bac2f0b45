"""The shell snippets the README and docs/ tell a user to paste, as the tests run them.

A ```sh block preceded by `<!-- snippet: NAME -->` is run by a test (tests/meltano/test_snippets.py
says which); one preceded by `<!-- untested: REASON -->` says why it is not. Every ```sh block
carries one of the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: One ```sh block with the HTML comments right above it.
BLOCK = re.compile(r"((?:^<!--[^\n]*-->\n)*)^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
NAME = re.compile(r"<!-- snippet: ([\w-]+) -->")


@dataclass(frozen=True)
class Block:
    """A ```sh block of a document."""

    document: str
    marks: str
    body: str

    @property
    def name(self) -> str | None:
        """The snippet's name when it is marked to be run."""
        match = NAME.search(self.marks)
        return match.group(1) if match else None


def documents() -> list[Path]:
    """The README and every page of docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks() -> list[Block]:
    """Every ```sh block of the documents."""
    return [
        Block(str(path.relative_to(ROOT)), marks, body)
        for path in documents()
        for marks, body in BLOCK.findall(path.read_text())
    ]


def snippet(name: str) -> str:
    """The text of the snippet marked `name` (exactly one)."""
    (found,) = [block.body for block in blocks() if block.name == name]
    return found
