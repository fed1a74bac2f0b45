"""Looking at the report as a person would: Debian's Chromium, headless, and its screenshot.

The report's charts sit on white cards on a grey page (scripts/report.py). In a screenshot a
card is a large connected area that is not the page's grey; a rendered chart inside it has
coloured marks, a blank one only white and text (the KPI tiles are white too, but far smaller
than a card; the tables sit on the page itself). The tiles' numbers are read from the page as
Chromium has it (`--dump-dom`). `scripts/ensure_chromium.sh` (run by `make test`) installs the
browser.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

#: the page's background (scripts/report.py, `body { background }`)
PAGE_BACKGROUND = (0xEE, 0xF0, 0xF3)
#: screenshot cells: the page is looked at in squares of this many pixels
CELL = 4
#: a card is at least this large, in pixels (a heading's words are far smaller)
MIN_CARD = (300, 200)

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    """The Chromium binary; a clear failure when it is missing."""
    binary = shutil.which("chromium")
    if binary is None:
        raise AssertionError("chromium is missing: run `make test` or scripts/ensure_chromium.sh")
    return binary


def screenshot(page: Path, png: Path, profile: Path, size: tuple[int, int]) -> Image.Image:
    """Open `page` in a fresh headless Chromium profile and screenshot `size` pixels of it."""
    result = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and png.exists(), result.stderr[-2000:]
    return Image.open(png).convert("RGB")


@dataclass(frozen=True)
class Box:
    """A rectangle of the screenshot, in pixels."""

    left: int
    top: int
    right: int
    bottom: int


def card_boxes(image: Image.Image) -> list[Box]:
    """The large areas that are not page background, top to bottom, left to right."""
    width, height = image.size[0] // CELL, image.size[1] // CELL
    pixels = image.load()

    def is_page(x: int, y: int) -> bool:
        # a cell is page background when its four corners and centre all are
        points = ((0, 0), (CELL - 1, 0), (0, CELL - 1), (CELL - 1, CELL - 1), (CELL // 2,) * 2)
        return all(pixels[x * CELL + dx, y * CELL + dy] == PAGE_BACKGROUND for dx, dy in points)

    content = [[not is_page(x, y) for x in range(width)] for y in range(height)]
    seen = [[False] * width for _ in range(height)]
    boxes = []
    for y in range(height):
        for x in range(width):
            if content[y][x] and not seen[y][x]:
                box = _flood(content, seen, x, y)
                if (box.right - box.left) * CELL >= MIN_CARD[0] and (
                    box.bottom - box.top
                ) * CELL >= MIN_CARD[1]:
                    boxes.append(
                        Box(box.left * CELL, box.top * CELL, box.right * CELL, box.bottom * CELL)
                    )
    return sorted(boxes, key=lambda b: (b.top // 50, b.left))


def _flood(content: list[list[bool]], seen: list[list[bool]], x: int, y: int) -> Box:
    """The bounding box (in cells) of the connected content around (x, y)."""
    left, top, right, bottom = x, y, x + 1, y + 1
    stack = [(x, y)]
    seen[y][x] = True
    while stack:
        cx, cy = stack.pop()
        left, top = min(left, cx), min(top, cy)
        right, bottom = max(right, cx + 1), max(bottom, cy + 1)
        for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
            inside = 0 <= ny < len(content) and 0 <= nx < len(content[0])
            if inside and content[ny][nx] and not seen[ny][nx]:
                seen[ny][nx] = True
                stack.append((nx, ny))
    return Box(left, top, right, bottom)


def coloured_share(image: Image.Image, box: Box) -> float:
    """Share of a box's pixels that are coloured (chart marks), not white, grey or black text."""
    region = image.convert("RGB").crop((box.left, box.top, box.right, box.bottom)).reduce(2)
    # raw RGB bytes: the same on every Pillow (getdata is deprecated in Pillow 13)
    data = region.tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    coloured = sum(1 for rgb in pixels if max(rgb) - min(rgb) > 60)
    return coloured / len(pixels)


#: a chart whose card has less than this share of coloured pixels shows nothing (a line
#: chart's lines and points cover about 1 %; a blank chart, its legend hidden, none)
MIN_COLOURED_SHARE = 0.003
#: the report's width, and a height that holds its cards (scripts/report.py's layout)
WINDOW = (1280, 2000)


def rendered_cards(page: Path, workdir: Path) -> tuple[list[float], Path]:
    """The coloured share of each card of `page` as Chromium draws it, and the screenshot."""
    png = workdir / "report.png"
    image = screenshot(page, png, workdir / "chromium-profile", WINDOW)
    return [coloured_share(image, box) for box in card_boxes(image)], png


def dumped_dom(page: Path, profile: Path) -> str:
    """The page's DOM as headless Chromium built it."""
    result = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "<html" in result.stdout, result.stderr[-2000:]
    return result.stdout


def tile_values(dom: str) -> dict[str, str]:
    """KPI key → the value its tile shows (the `data-kpi` tiles of scripts/report.py)."""
    tiles = re.findall(
        r'data-kpi="([a-z_]+)"><div class="label">[^<]*</div><div class="value">([^<]*)<', dom
    )
    return dict(tiles)
