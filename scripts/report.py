"""The contact-center report: one static HTML page built from the dbt marts.

`make demo` writes it to output/report.html from DuckDB; the browser test builds it from the
test PostgreSQL. The charts are Vega-Lite specs rendered to SVG here, at build time, by
vl-convert (Vega's own renderer compiled into one wheel): the page holds no script and loads
nothing, so it opens the same anywhere, offline included.

Marts are read with plain selects through any DB-API connection that has `execute` (DuckDB's,
psycopg's); everything else is computed in Python, so the SQL is the same on every warehouse.
"""

from __future__ import annotations

import datetime as dt
import html
import statistics
import typing as t
from dataclasses import dataclass
from pathlib import Path

import vl_convert

#: the marts the report reads, and their columns
MART_COLUMNS = {
    "fct_conversations": ("platform", "started_on", "wait_seconds"),
    "fct_agent_days": ("platform", "activity_date", "utilisation"),
    "fct_queue_snapshots": ("queue_name", "snapshot_at", "waiting"),
}
#: one colour per platform on every chart
PLATFORM_COLORS = {
    "domain": ["oct8ne", "cobrowser", "chattonic", "8x8", "jaicp"],
    "range": ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2"],
}
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
#: the whole chart, legend included, fits its card
CHART_WIDTH = 540
CHART_HEIGHT = 260


@dataclass
class Marts:
    """The rows of the marts the report shows, as dicts."""

    conversations: list[dict[str, t.Any]]
    agent_days: list[dict[str, t.Any]]
    queue_snapshots: list[dict[str, t.Any]]


@dataclass
class Chart:
    """One chart of the page: a title, a sentence saying what it shows, a Vega-Lite spec."""

    title: str
    caption: str
    spec: dict[str, t.Any]


def fetch_marts(connection: t.Any, schema: str) -> Marts:
    """Read the report's columns of the marts in `schema`."""

    def rows(table: str) -> list[dict[str, t.Any]]:
        columns = MART_COLUMNS[table]
        cursor = connection.execute(f"select {', '.join(columns)} from {schema}.{table}")
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    return Marts(rows("fct_conversations"), rows("fct_agent_days"), rows("fct_queue_snapshots"))


def as_date(value: t.Any) -> dt.date:
    """A date from a DATE (or a timestamp) column."""
    return value.date() if isinstance(value, dt.datetime) else value


def daily_conversations(marts: Marts, days: int, today: dt.date) -> list[tuple]:
    """(day, platform, conversations, median wait in seconds or None) for the last `days`."""
    first = today - dt.timedelta(days=days - 1)
    groups: dict[tuple[dt.date, str], list[int | None]] = {}
    for row in marts.conversations:
        day = as_date(row["started_on"])
        if first <= day < today + dt.timedelta(days=1):
            groups.setdefault((day, row["platform"]), []).append(row["wait_seconds"])
    table = []
    for (day, platform), waits in sorted(groups.items()):
        known = [int(w) for w in waits if w is not None]
        table.append((day, platform, len(waits), statistics.median(known) if known else None))
    return table


def format_table(rows: list[tuple]) -> str:
    """The daily table as Markdown, the way the demo prints its tables."""
    lines = [
        f"| {'day':<10} | {'platform':<10} | {'conversations':>13} | {'median wait (s)':>15} |",
        f"|{'-' * 12}|{'-' * 12}|{'-' * 15}|{'-' * 17}|",
    ]
    for day, platform, conversations, wait in rows:
        shown = "-" if wait is None else f"{wait:g}"
        lines.append(f"| {day} | {platform:<10} | {conversations:>13,} | {shown:>15} |")
    return "\n".join(lines)


def _spec(data: list[dict[str, t.Any]], **spec: t.Any) -> dict[str, t.Any]:
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "data": {"values": data},
        "autosize": {"type": "fit", "contains": "padding"},
        "config": {"font": "sans-serif", "view": {"stroke": None}},
        **spec,
    }


def charts(marts: Marts) -> list[Chart]:
    """The page's charts, in order."""
    per_day: dict[tuple[str, str], int] = {}
    for row in marts.conversations:
        key = (as_date(row["started_on"]).isoformat(), row["platform"])
        per_day[key] = per_day.get(key, 0) + 1
    platform = {
        "field": "platform",
        "type": "nominal",
        "title": "platform",
        "scale": PLATFORM_COLORS,
    }
    return [
        Chart(
            "Conversations per day",
            "fct_conversations: conversations started per day (UTC), stacked by platform.",
            _spec(
                [{"day": d, "platform": p, "conversations": n} for (d, p), n in per_day.items()],
                mark="bar",
                encoding={
                    "x": {
                        "field": "day",
                        "type": "temporal",
                        "timeUnit": "yearmonthdate",
                        "title": None,
                    },
                    "y": {"field": "conversations", "type": "quantitative", "aggregate": "sum"},
                    "color": platform,
                },
            ),
        ),
        Chart(
            "Wait before an agent answered",
            "fct_conversations.wait_seconds: conversations by wait, in 15-second bins "
            "(vendors that report a wait).",
            _spec(
                [
                    {"platform": r["platform"], "wait": int(r["wait_seconds"])}
                    for r in marts.conversations
                    if r["wait_seconds"] is not None
                ],
                mark="bar",
                encoding={
                    "x": {"field": "wait", "bin": {"step": 15}, "title": "wait (seconds)"},
                    "y": {"aggregate": "count", "title": "conversations"},
                    "color": platform,
                },
            ),
        ),
        Chart(
            "Agent utilisation by day",
            "fct_agent_days.utilisation: handling time / online time, mean over each day's agents.",
            _spec(
                [
                    {
                        "day": as_date(r["activity_date"]).isoformat(),
                        "platform": r["platform"],
                        "utilisation": float(r["utilisation"]),
                    }
                    for r in marts.agent_days
                    if r["utilisation"] is not None
                ],
                mark={"type": "line", "point": {"size": 40}, "strokeWidth": 3},
                encoding={
                    "x": {"field": "day", "type": "temporal", "title": None},
                    "y": {
                        "field": "utilisation",
                        "type": "quantitative",
                        "aggregate": "mean",
                        "axis": {"format": "%"},
                    },
                    "color": platform,
                },
            ),
        ),
        Chart(
            "8x8 queue depth",
            "fct_queue_snapshots: interactions waiting per queue at each snapshot.",
            _spec(
                [
                    {
                        "snapshot": r["snapshot_at"].isoformat(),
                        "queue": r["queue_name"],
                        "waiting": int(r["waiting"] or 0),
                    }
                    for r in marts.queue_snapshots
                ],
                mark={"type": "bar"},
                encoding={
                    "x": {
                        "field": "snapshot",
                        "type": "ordinal",
                        "timeUnit": "yearmonthdatehoursminutes",
                        "title": "snapshot (UTC)",
                    },
                    "xOffset": {"field": "queue"},
                    "y": {"field": "waiting", "type": "quantitative"},
                    "color": {"field": "queue", "type": "nominal"},
                },
            ),
        ),
    ]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Contact center report</title>
<style>
body {{ margin: 0; padding: 24px 32px; background: #eef0f3; color: #1f2328;
       font-family: sans-serif; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
p.lead {{ margin: 0 0 20px; color: #57606a; font-size: 13px; }}
main {{ display: grid; grid-template-columns: repeat(2, 580px); gap: 24px; }}
figure {{ margin: 0; padding: 12px 16px; background: white; border-radius: 6px; }}
figure h2 {{ font-size: 15px; margin: 0 0 2px; }}
figcaption {{ font-size: 12px; color: #57606a; margin-bottom: 6px; }}
table {{ border-collapse: collapse; margin-top: 24px; font-size: 13px; }}
th, td {{ padding: 2px 12px; text-align: right; }}
th {{ font-weight: 600; }}
</style></head>
<body>
<h1>Contact center: conversations, waits, agents, queues</h1>
<p class="lead">Built {built} from the dbt marts ({source}); {platforms}.</p>
<main>
{figures}
</main>
<h2 style="font-size:15px;margin:24px 0 0">Last 7 days</h2>
<table><thead><tr><th>day</th><th>platform</th><th>conversations</th><th>median wait (s)</th></tr>
</thead><tbody>
{rows}
</tbody></table>
</body></html>
"""


def render_figure(chart: Chart) -> str:
    """One chart as a <figure> holding its SVG."""
    svg = vl_convert.vegalite_to_svg(chart.spec)
    return (
        f'<figure class="chart"><h2>{html.escape(chart.title)}</h2>'
        f"<figcaption>{html.escape(chart.caption)}</figcaption>{svg}</figure>"
    )


def write_report(marts: Marts, path: Path, source: str, today: dt.date | None = None) -> int:
    """Write the page to `path`; return the number of charts on it."""
    today = today or dt.datetime.now(dt.UTC).date()
    page_charts = charts(marts)
    table = daily_conversations(marts, 7, today)
    rows = "\n".join(
        f"<tr><td>{day}</td><td>{html.escape(platform)}</td><td>{count:,}</td>"
        f"<td>{'-' if wait is None else f'{wait:g}'}</td></tr>"
        for day, platform, count, wait in table
    )
    platforms = sorted({row["platform"] for row in marts.conversations})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        PAGE.format(
            built=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            source=html.escape(source),
            platforms=html.escape(", ".join(platforms) or "no conversations"),
            figures="\n".join(render_figure(chart) for chart in page_charts),
            rows=rows,
        ),
        encoding="utf-8",
    )
    return len(page_charts)
