"""The contact-center dashboard: one static HTML page built from the dbt marts.

A manager's five morning questions, for the chosen period (the last 7 days by default) against
the 7 days before: KPI tiles (service level, speed of answer, handle time, abandonment,
occupancy, CSAT) with their change, the same KPIs as daily trends, an hour-of-day x weekday
heatmap in the reporting time zone, a per-agent table (people only: bots never rank) and a
per-queue table, and a freshness line (the newest row per source).

`make demo` writes it to output/report.html from DuckDB; the tests build it from DuckDB and
from the test PostgreSQL. The charts are Vega-Lite specs rendered to SVG here, at build time,
by vl-convert (Vega's own renderer compiled into one wheel): the page holds no script and loads
nothing, so it opens the same anywhere, offline included.

Marts are read with plain selects through any DB-API connection that has `execute` (DuckDB's,
psycopg's). The KPIs are the marts' own formulas (transform/macros/kpis.sql: each a ratio of
sums) applied to the summed columns of the period, so a tile and a query on the marts agree.
"""

from __future__ import annotations

import datetime as dt
import html
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import vl_convert
import yaml

ROOT = Path(__file__).resolve().parent.parent
#: the marts the report reads, and their columns
MART_COLUMNS = {
    "fct_queue_intervals": (
        "platform",
        "queue_id",
        "queue_name",
        "interval_start",
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "answered_within_sla",
        "answered_wait_seconds",
        "handle_seconds",
        "metric_source",
    ),
    "fct_agent_days": (
        "platform",
        "agent_key",
        "activity_date",
        "online_seconds",
        "busy_seconds",
        "handled",
        "handle_seconds_total",
    ),
    "dim_agents": ("platform", "agent_key", "agent_name", "is_bot"),
    "fct_satisfaction": ("platform", "responded_at", "is_satisfied", "agent_key"),
    "fct_conversations": ("platform", "started_at", "started_at_local"),
}
#: one colour per platform on every chart
PLATFORM_COLORS = {
    "domain": ["oct8ne", "cobrowser", "chattonic", "8x8", "jaicp"],
    "range": ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2"],
}
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
#: the whole chart, legend included, fits its card
CHART_WIDTH = 540
CHART_HEIGHT = 240
#: days in the tiles' period and in the trends
PERIOD_DAYS = 7
TREND_DAYS = 28
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Marts:
    """The rows of the marts the report shows, as dicts."""

    queue_intervals: list[dict[str, t.Any]] = field(default_factory=list)
    agent_days: list[dict[str, t.Any]] = field(default_factory=list)
    agents: list[dict[str, t.Any]] = field(default_factory=list)
    satisfaction: list[dict[str, t.Any]] = field(default_factory=list)
    conversations: list[dict[str, t.Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    """Whole UTC days, first to last included."""

    first: dt.date
    last: dt.date

    @classmethod
    def ending(cls, last: dt.date, days: int) -> Period:
        """The `days` days up to `last`."""
        return cls(last - dt.timedelta(days=days - 1), last)

    def before(self) -> Period:
        """The period of the same length just before this one."""
        length = (self.last - self.first).days + 1
        return Period.ending(self.first - dt.timedelta(days=1), length)

    def days(self) -> list[dt.date]:
        """Each day of the period."""
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def __contains__(self, value: object) -> bool:
        return isinstance(value, dt.date) and self.first <= as_date(value) <= self.last


@dataclass(frozen=True)
class Kpi:
    """A tile: what it measures, how its value and its change are written."""

    key: str
    label: str
    unit: str  # "%" (a 0-1 share, shown in percent) or "s"
    better: str  # "up" or "down": which change is good news
    fed_by: str


KPIS = (
    Kpi("service_level", "Service level", "%", "up", "answered within 20 s / offered"),
    Kpi("asa_seconds", "Speed of answer (ASA)", "s", "down", "queue wait of answered"),
    Kpi("aht_seconds", "Handle time (AHT)", "s", "down", "accept to finish"),
    Kpi("abandonment_rate", "Abandonment", "%", "down", "abandoned / offered"),
    Kpi("occupancy", "Occupancy", "%", "up", "busy / logged-in time"),
    Kpi("csat", "CSAT", "%", "up", "ratings in the top two points"),
)


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

    return Marts(
        queue_intervals=rows("fct_queue_intervals"),
        agent_days=rows("fct_agent_days"),
        agents=rows("dim_agents"),
        satisfaction=rows("fct_satisfaction"),
        conversations=rows("fct_conversations"),
    )


def reporting_timezone() -> str:
    """The dbt project's reporting time zone (its started_at_local), for the heatmap's title."""
    project = yaml.safe_load((ROOT / "transform" / "dbt_project.yml").read_text())
    return str(project["vars"].get("contact_center__reporting_timezone", "UTC"))


def as_date(value: t.Any) -> dt.date:
    """A date from a DATE (or a timestamp) column."""
    return value.date() if isinstance(value, dt.datetime) else value


# -- the KPIs: the marts' formulas over summed columns ---------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """macros/kpis.sql kpi_ratio: null when the denominator is 0 or unknown."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return float(numerator) / float(denominator)


def total(rows: t.Iterable[dict[str, t.Any]], column: str) -> float | None:
    """The sum of a column; unknown (None) as soon as one row with traffic is unknown."""
    values = [row[column] for row in rows if row.get("offered", 1)]
    if any(value is None for value in values):
        return None
    return float(sum(values))


def chosen_intervals(rows: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """The computed intervals, and a vendor's own only where nothing is computed for it (an
    interval would otherwise count twice)."""
    computed = {row["platform"] for row in rows if row["metric_source"] == "computed"}
    return [r for r in rows if r["metric_source"] == "computed" or r["platform"] not in computed]


def queue_kpis(intervals: list[dict[str, t.Any]]) -> dict[str, float | None]:
    """Service level, ASA, AHT and abandonment of some interval rows, and their volume."""
    offered = total(intervals, "offered")
    short = total(intervals, "short_abandoned")
    within = total(intervals, "answered_within_sla")
    answered = total(intervals, "answered")
    return {
        "offered": offered,
        "service_level": ratio(within, None if short is None else (offered or 0) - short),
        "asa_seconds": ratio(total(intervals, "answered_wait_seconds"), answered),
        "aht_seconds": ratio(total(intervals, "handle_seconds"), answered),
        "abandonment_rate": ratio(total(intervals, "abandoned"), offered),
    }


def occupancy(agent_days: list[dict[str, t.Any]]) -> float | None:
    """macros/kpis.sql kpi_occupancy over days: busy (at most logged-in) / logged-in time."""
    known = [
        d for d in agent_days if d["busy_seconds"] is not None and d["online_seconds"] is not None
    ]
    busy = sum(min(d["busy_seconds"], d["online_seconds"]) for d in known)
    return ratio(busy, sum(d["online_seconds"] for d in known)) if known else None


def csat(responses: list[dict[str, t.Any]]) -> float | None:
    """Satisfied responses / responses."""
    return ratio(sum(r["is_satisfied"] for r in responses), len(responses))


def period_kpis(marts: Marts, period: Period) -> dict[str, float | None]:
    """Every KPI of a period, across the platforms that feed it."""
    intervals = [
        r for r in chosen_intervals(marts.queue_intervals) if as_date(r["interval_start"]) in period
    ]
    return {
        **queue_kpis(intervals),
        "occupancy": occupancy([d for d in marts.agent_days if d["activity_date"] in period]),
        "csat": csat([r for r in marts.satisfaction if as_date(r["responded_at"]) in period]),
    }


def format_kpi(kpi: Kpi, value: float | None) -> str:
    """A KPI's value as a tile shows it."""
    if value is None:
        return "n/a"
    return f"{value * 100:.1f} %" if kpi.unit == "%" else f"{value:.1f} s"


def format_change(kpi: Kpi, now: float | None, before: float | None) -> tuple[str, str]:
    """The change against the previous period, and whether it is good, bad or neither."""
    if now is None or before is None:
        return "no comparison", "flat"
    delta = (now - before) * (100 if kpi.unit == "%" else 1)
    unit = "pts" if kpi.unit == "%" else "s"
    if round(delta, 1) == 0:
        return f"= 0.0 {unit}", "flat"
    good = (delta > 0) == (kpi.better == "up")
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {delta:+.1f} {unit}", "good" if good else "bad"


# -- the tables --------------------------------------------------------------------------------


def agent_table(marts: Marts, period: Period) -> list[dict[str, t.Any]]:
    """People (never bots) active in the period: conversations, AHT, occupancy, CSAT."""
    people = {a["agent_key"]: a for a in marts.agents if not a["is_bot"]}
    rows = []
    for key, agent in people.items():
        days = [
            d for d in marts.agent_days if d["agent_key"] == key and d["activity_date"] in period
        ]
        responses = [
            r
            for r in marts.satisfaction
            if r["agent_key"] == key and as_date(r["responded_at"]) in period
        ]
        if not days and not responses:
            continue
        handled = [d["handled"] for d in days if d["handled"] is not None]
        handle = [d["handle_seconds_total"] for d in days if d["handle_seconds_total"] is not None]
        rows.append(
            {
                "platform": agent["platform"],
                "agent": agent["agent_name"] or key,
                "conversations": sum(handled) if handled else None,
                "aht_seconds": ratio(sum(handle), sum(handled)) if handled else None,
                "occupancy": occupancy(days),
                "csat": csat(responses),
                "responses": len(responses),
            }
        )
    return sorted(rows, key=lambda r: (-(r["conversations"] or 0), r["platform"], r["agent"]))


def queue_table(marts: Marts, period: Period) -> list[dict[str, t.Any]]:
    """Each queue's volume and queue KPIs over the period."""
    groups: dict[tuple[str, str], list[dict[str, t.Any]]] = {}
    for row in chosen_intervals(marts.queue_intervals):
        if as_date(row["interval_start"]) in period:
            name = row["queue_name"] or row["queue_id"]
            groups.setdefault((row["platform"], name), []).append(row)
    rows = [
        {"platform": platform, "queue": name, **queue_kpis(intervals)}
        for (platform, name), intervals in groups.items()
    ]
    return sorted(rows, key=lambda r: (-(r["offered"] or 0), r["platform"], r["queue"]))


def freshness(marts: Marts) -> list[tuple[str, str, str]]:
    """(platform, newest row, which mart) per source."""
    newest: dict[str, tuple[t.Any, str]] = {}

    def see(platform: str, value: t.Any, mart: str) -> None:
        if value is None:
            return
        key = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        if platform not in newest or key > newest[platform][0]:
            newest[platform] = (key, mart)

    for row in marts.conversations:
        see(row["platform"], row["started_at"], "conversations")
    for row in marts.agent_days:
        see(row["platform"], row["activity_date"], "agent days")
    for row in marts.satisfaction:
        see(row["platform"], row["responded_at"], "ratings")
    return [
        (platform, value.strftime("%Y-%m-%d %H:%M UTC"), mart)
        for platform, (value, mart) in sorted(newest.items())
    ]


# -- the charts --------------------------------------------------------------------------------


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


def daily_series(marts: Marts, window: Period) -> list[dict[str, t.Any]]:
    """Per platform and day of the window: every KPI, and a day without traffic as 0 offered."""
    intervals: dict[tuple[str, dt.date], list[dict[str, t.Any]]] = {}
    for row in chosen_intervals(marts.queue_intervals):
        day = as_date(row["interval_start"])
        if day in window:
            intervals.setdefault((row["platform"], day), []).append(row)
    platforms = sorted({platform for platform, _ in intervals})
    series = []
    for platform in platforms:
        for day in window.days():
            kpis = queue_kpis(intervals.get((platform, day), []))
            series.append(
                {"platform": platform, "day": day.isoformat(), **kpis, "offered": kpis["offered"]}
            )
    return series


def daily_people_series(marts: Marts, window: Period) -> list[dict[str, t.Any]]:
    """Per day of the window: occupancy (all agents) and CSAT (all responses), where known."""
    series = []
    for day in window.days():
        days = [d for d in marts.agent_days if d["activity_date"] == day]
        responses = [r for r in marts.satisfaction if as_date(r["responded_at"]) == day]
        for label, value in (("occupancy", occupancy(days)), ("CSAT", csat(responses))):
            if value is not None:
                series.append({"day": day.isoformat(), "kpi": label, "value": value})
    return series


def heatmap_cells(marts: Marts, window: Period) -> list[dict[str, t.Any]]:
    """Conversations started per local hour and weekday in the window (empty cells as 0)."""
    counts: dict[tuple[int, int], int] = {}
    for row in marts.conversations:
        local = row["started_at_local"]
        if local is not None and as_date(row["started_at"]) in window:
            counts[(local.weekday(), local.hour)] = counts.get((local.weekday(), local.hour), 0) + 1
    if not counts:
        return []
    return [
        {"weekday": WEEKDAYS[w], "hour": h, "conversations": counts.get((w, h), 0)}
        for w in range(7)
        for h in range(24)
    ]


def colors(series: list[dict[str, t.Any]]) -> dict[str, list[str]]:
    """The platforms' colours, the same on every chart, for the platforms in `series` only (a
    legend lists no platform without data)."""
    present = {row["platform"] for row in series}
    pairs = [
        (name, color)
        for name, color in zip(PLATFORM_COLORS["domain"], PLATFORM_COLORS["range"], strict=True)
        if name in present
    ]
    return {"domain": [name for name, _ in pairs], "range": [color for _, color in pairs]}


def charts(marts: Marts, window: Period, timezone: str) -> list[Chart]:
    """The page's charts, in order."""
    series = daily_series(marts, window)
    platform = {
        "field": "platform",
        "type": "nominal",
        "title": "platform",
        "scale": colors(series),
    }
    day_axis = {"field": "day", "type": "temporal", "title": "day (UTC)"}
    share_axis = {"format": "%"}

    def line(y: str, title: str, **axis: t.Any) -> dict[str, t.Any]:
        return {
            "mark": {"type": "line", "point": {"size": 40}, "strokeWidth": 2.5},
            "encoding": {
                "x": day_axis,
                "y": {"field": y, "type": "quantitative", "title": title, **axis},
                "color": platform,
            },
        }

    cells = heatmap_cells(marts, window)
    return [
        Chart(
            "Conversations offered per day",
            "fct_queue_intervals.offered: conversations that asked for an agent; "
            "a day without any is drawn at 0.",
            _spec(series, **line("offered", "conversations offered")),
        ),
        Chart(
            "Service level per day",
            "answered within 20 s / (offered - short abandons); no point on a day without traffic.",
            _spec(series, **line("service_level", "service level (% of offered)", axis=share_axis)),
        ),
        Chart(
            "Abandonment per day",
            "abandoned (short abandons included) / offered.",
            _spec(series, **line("abandonment_rate", "abandoned (% of offered)", axis=share_axis)),
        ),
        Chart(
            "Speed of answer (ASA) per day",
            "mean queue wait of the answered conversations, seconds.",
            _spec(series, **line("asa_seconds", "average speed of answer (seconds)")),
        ),
        Chart(
            "Handle time (AHT) per day",
            "mean handle time of the answered conversations (accept to finish), seconds.",
            _spec(series, **line("aht_seconds", "average handle time (seconds)")),
        ),
        Chart(
            "Occupancy and CSAT per day",
            "occupancy: busy / logged-in time of all agents (Chat-Tonic, CoBrowser, 8x8); "
            "CSAT: ratings in the top two points (Oct8ne).",
            _spec(
                daily_people_series(marts, window),
                mark={"type": "line", "point": {"size": 40}, "strokeWidth": 2.5},
                encoding={
                    "x": day_axis,
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": "share (%)",
                        "axis": share_axis,
                    },
                    "color": {
                        "field": "kpi",
                        "type": "nominal",
                        "title": "KPI",
                        "scale": {"range": ["#54a24b", "#b279a2"]},
                    },
                },
            ),
        ),
        Chart(
            f"Conversations by hour and weekday ({timezone})",
            f"fct_conversations.started_at_local, every platform, the last {TREND_DAYS} days.",
            _spec(
                cells,
                mark="rect",
                encoding={
                    "x": {"field": "hour", "type": "ordinal", "title": f"hour of day ({timezone})"},
                    "y": {
                        "field": "weekday",
                        "type": "ordinal",
                        "sort": list(WEEKDAYS),
                        "title": "weekday",
                    },
                    "color": {
                        "field": "conversations",
                        "type": "quantitative",
                        "title": "count",
                        "scale": {"scheme": "blues"},
                        **({} if cells else {"legend": None}),
                    },
                },
            ),
        ),
    ]


# -- the page ----------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Contact center report</title>
<style>
body {{ margin: 0; padding: 24px 32px; background: #eef0f3; color: #1f2328;
       font-family: sans-serif; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
h2.section {{ font-size: 16px; margin: 24px 0 8px; }}
p.lead, p.fresh {{ margin: 0 0 12px; color: #57606a; font-size: 13px; }}
div.tiles {{ display: grid; grid-template-columns: repeat(6, 188px); gap: 12px; }}
div.tile {{ background: white; border-radius: 6px; padding: 8px 12px; height: 92px;
            box-sizing: border-box; }}
div.tile .label {{ font-size: 12px; color: #57606a; }}
div.tile .value {{ font-size: 24px; font-weight: 600; margin: 2px 0; }}
div.tile .change {{ font-size: 12px; }}
div.tile .good {{ color: #1a7f37; }} div.tile .bad {{ color: #cf222e; }}
div.tile .flat {{ color: #57606a; }}
main {{ display: grid; grid-template-columns: repeat(2, 580px); gap: 24px; }}
figure {{ margin: 0; padding: 12px 16px; background: white; border-radius: 6px; }}
figure h2 {{ font-size: 15px; margin: 0 0 2px; }}
figcaption {{ font-size: 12px; color: #57606a; margin-bottom: 6px; }}
table {{ border-collapse: collapse; font-size: 13px; }}
th, td {{ padding: 2px 12px; text-align: right; }}
th {{ font-weight: 600; }} td.name, th.name {{ text-align: left; }}
</style></head>
<body>
<h1>Contact center: service level, speed, handle time, abandonment, occupancy, CSAT</h1>
<p class="lead">{period_text}. Built {built} from the dbt marts ({source}).</p>
<p class="fresh">Newest data: {freshness}</p>
<div class="tiles">
{tiles}
</div>
<h2 class="section">Daily trends, the last {trend_days} days</h2>
<main>
{figures}
</main>
<h2 class="section">Agents, {period_short} (people only)</h2>
<table class="agents"><thead><tr><th class="name">agent</th><th class="name">platform</th>
<th>conversations</th><th>AHT (s)</th><th>occupancy</th><th>CSAT</th><th>ratings</th></tr>
</thead><tbody>
{agent_rows}
</tbody></table>
<h2 class="section">Queues, {period_short}</h2>
<table class="queues"><thead><tr><th class="name">queue</th><th class="name">platform</th>
<th>offered</th><th>service level</th><th>ASA (s)</th><th>AHT (s)</th><th>abandonment</th></tr>
</thead><tbody>
{queue_rows}
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


def render_tile(kpi: Kpi, now: float | None, before: float | None) -> str:
    """One KPI tile: its value for the period and its change against the one before."""
    change, mood = format_change(kpi, now, before)
    return (
        f'<div class="tile" data-kpi="{kpi.key}"><div class="label">{html.escape(kpi.label)}'
        f'</div><div class="value">{format_kpi(kpi, now)}</div><div class="change {mood}">'
        f'{html.escape(change)}</div><div class="change flat">before: {format_kpi(kpi, before)}'
        "</div></div>"
    )


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{value * 100:.1f} %"
    return f"{value:,.0f}" if unit == "n" else f"{value:.1f}"


def write_report(
    marts: Marts,
    path: Path,
    source: str,
    today: dt.date | None = None,
    timezone: str | None = None,
) -> int:
    """Write the page to `path`; return the number of charts on it."""
    today = today or dt.datetime.now(dt.UTC).date()
    period = Period.ending(today, PERIOD_DAYS)
    now, before = period_kpis(marts, period), period_kpis(marts, period.before())
    page_charts = charts(marts, Period.ending(today, TREND_DAYS), timezone or reporting_timezone())
    agent_rows = "\n".join(
        f'<tr><td class="name">{html.escape(str(r["agent"]))}</td>'
        f'<td class="name">{html.escape(r["platform"])}</td>'
        f"<td>{_cell(r['conversations'], 'n')}</td><td>{_cell(r['aht_seconds'], 's')}</td>"
        f"<td>{_cell(r['occupancy'], '%')}</td><td>{_cell(r['csat'], '%')}</td>"
        f"<td>{r['responses']}</td></tr>"
        for r in agent_table(marts, period)
    )
    queue_rows = "\n".join(
        f'<tr><td class="name">{html.escape(str(r["queue"]))}</td>'
        f'<td class="name">{html.escape(r["platform"])}</td>'
        f"<td>{_cell(r['offered'], 'n')}</td><td>{_cell(r['service_level'], '%')}</td>"
        f"<td>{_cell(r['asa_seconds'], 's')}</td><td>{_cell(r['aht_seconds'], 's')}</td>"
        f"<td>{_cell(r['abandonment_rate'], '%')}</td></tr>"
        for r in queue_table(marts, period)
    )
    fresh = " · ".join(f"{p} {when} ({mart})" for p, when, mart in freshness(marts))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        PAGE.format(
            period_text=(
                f"KPIs for {period.first} to {period.last} (UTC days) against "
                f"{period.before().first} to {period.before().last}"
            ),
            period_short=f"{period.first} to {period.last}",
            built=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            source=html.escape(source),
            freshness=html.escape(fresh or "no rows"),
            tiles="\n".join(render_tile(k, now[k.key], before[k.key]) for k in KPIS),
            trend_days=TREND_DAYS,
            figures="\n".join(render_figure(chart) for chart in page_charts),
            agent_rows=agent_rows,
            queue_rows=queue_rows,
        ),
        encoding="utf-8",
    )
    return len(page_charts)


def kpi_table(marts: Marts, today: dt.date) -> str:
    """The period's KPIs per platform and for all, as Markdown (the demo prints it)."""
    period = Period.ending(today, PERIOD_DAYS)
    platforms = sorted(
        {r["platform"] for r in marts.queue_intervals}
        | {r["platform"] for r in marts.agent_days}
        | {r["platform"] for r in marts.satisfaction}
    )
    header = ["platform", "offered", *(k.label for k in KPIS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for name in [*platforms, "all"]:

        def mine(rows: list[dict[str, t.Any]], name: str = name) -> list[dict[str, t.Any]]:
            return rows if name == "all" else [r for r in rows if r["platform"] == name]

        subset = Marts(
            mine(marts.queue_intervals), mine(marts.agent_days), [], mine(marts.satisfaction)
        )
        kpis = period_kpis(subset, period)
        offered = "-" if not kpis["offered"] else f"{kpis['offered']:,.0f}"
        cells = [name, offered, *(format_kpi(k, kpis[k.key]) for k in KPIS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
