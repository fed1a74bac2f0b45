"""The dashboard, opened in headless Chromium: every chart drew, every tile shows the marts' number.

The report reads the marts and computes each KPI itself; the numbers a tile must show are
computed here by SQL on the same marts (the queries of docs/analytics.md, "From tables to
answers"), so a tile that drifts from the marts fails. The same checks run on the real marts in
tests/meltano/test_warehouses.py (all-to-postgres, every tap's rows). Here the marts are hand-made
tables in DuckDB: four weeks of two platforms' queues with a day without traffic, agent days
with and without status time, a bot that took more conversations than anyone, ratings.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from pathlib import Path

import duckdb

from scripts import report
from tests.browser import MIN_COLOURED_SHARE, dumped_dom, rendered_cards, tile_values

TODAY = dt.date(2026, 3, 15)
QUIET_DAY = TODAY - dt.timedelta(days=3)

#: each tile's KPI as one query on the marts over a period's UTC days ({first}, {last});
#: the queue KPIs on the computed rows, as the report (8x8's also has its vendor rows)
KPI_QUERIES = {
    "service_level": """
        select sum(answered_within_sla) * 1.0 / nullif(sum(offered) - sum(short_abandoned), 0)
        from {schema}.fct_queue_intervals
        where cast(interval_start as date) between {first} and {last}
          and metric_source = 'computed'""",
    "asa_seconds": """
        select sum(answered_wait_seconds) * 1.0 / nullif(sum(answered), 0)
        from {schema}.fct_queue_intervals
        where cast(interval_start as date) between {first} and {last}
          and metric_source = 'computed'""",
    "aht_seconds": """
        select sum(handle_seconds) * 1.0 / nullif(sum(answered), 0)
        from {schema}.fct_queue_intervals
        where cast(interval_start as date) between {first} and {last}
          and metric_source = 'computed'""",
    "abandonment_rate": """
        select sum(abandoned) * 1.0 / nullif(sum(offered), 0)
        from {schema}.fct_queue_intervals
        where cast(interval_start as date) between {first} and {last}
          and metric_source = 'computed'""",
    "occupancy": """
        select sum(occupancy * online_seconds) / nullif(sum(online_seconds), 0)
        from {schema}.fct_agent_days
        where activity_date between {first} and {last} and occupancy is not null""",
    "csat": """
        select avg(is_satisfied * 1.0)
        from {schema}.fct_satisfaction
        where cast(responded_at as date) between {first} and {last}""",
}


def expected_tiles(connection: t.Any, schema: str, today: dt.date) -> dict[str, str]:
    """What each tile must show for the period ending `today`, by SQL on the marts."""
    period = report.Period.ending(today, report.PERIOD_DAYS)
    shown = {}
    for kpi in report.KPIS:
        sql = KPI_QUERIES[kpi.key].format(
            schema=schema, first=f"date '{period.first}'", last=f"date '{period.last}'"
        )
        (value,) = connection.execute(sql).fetchone()
        shown[kpi.key] = report.format_kpi(kpi, None if value is None else float(value))
    return shown


def assert_report_matches_marts(connection: t.Any, schema: str, today: dt.date, workdir: Path):
    """Build the report from `schema`, open it in Chromium, check its charts and tiles."""
    page = workdir / "report.html"
    charts = report.write_report(report.fetch_marts(connection, schema), page, "test", today)
    shares, png = rendered_cards(page, workdir)
    assert len(shares) == charts == page.read_text().count("<svg"), (shares, png)
    assert all(share >= MIN_COLOURED_SHARE for share in shares), (shares, png)
    assert tile_values(dumped_dom(page, workdir / "dom-profile")) == expected_tiles(
        connection, schema, today
    )
    return page


def hand_made_marts(connection: duckdb.DuckDBPyConnection) -> None:
    """Four weeks of marts in the `analytics` schema, the marts' columns and types."""
    connection.execute("create schema analytics")
    connection.execute("""create table analytics.fct_queue_intervals (platform varchar,
        queue_id varchar, queue_name varchar, interval_start timestamp, offered bigint,
        answered bigint, abandoned bigint, short_abandoned bigint, answered_within_sla bigint,
        answered_wait_seconds double, handle_seconds double, metric_source varchar)""")
    connection.execute("""create table analytics.fct_agent_days (platform varchar,
        agent_key varchar, activity_date date, online_seconds bigint, busy_seconds bigint,
        handled bigint, handle_seconds_total bigint, occupancy double)""")
    connection.execute("""create table analytics.dim_agents (platform varchar, agent_key varchar,
        agent_name varchar, is_bot boolean)""")
    connection.execute("""create table analytics.fct_satisfaction (platform varchar,
        responded_at timestamp, is_satisfied integer, agent_key varchar)""")
    connection.execute("""create table analytics.fct_conversations (platform varchar,
        started_at timestamp, started_at_local timestamp)""")
    connection.executemany(
        "insert into analytics.dim_agents values (?, ?, ?, ?)",
        [
            ("oct8ne", "oct8ne:1", "Ana Ruiz", False),
            ("oct8ne", "oct8ne:5", "Oct8ne Bot", True),
            ("chattonic", "chattonic:a", "Chamo Operator", False),
        ],
    )
    for n in range(28):
        day = TODAY - dt.timedelta(days=n)
        quiet = day == QUIET_DAY
        for platform, queue, hour in (("oct8ne", "1", 10), ("cobrowser", "11", 15)):
            offered = 0 if quiet else 4 + n % 5
            abandoned = 0 if quiet else 1 + n % 2
            answered = offered - abandoned
            connection.execute(
                "insert into analytics.fct_queue_intervals values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'computed')",
                [
                    platform,
                    queue,
                    f"queue {queue}",
                    dt.datetime.combine(day, dt.time(hour)),
                    offered,
                    answered,
                    abandoned,
                    abandoned // 2,
                    max(0, answered - n % 3),
                    answered * (9 + n % 7),
                    answered * (300 + 10 * n),
                ],
            )
        connection.execute(
            "insert into analytics.fct_agent_days values (?, ?, ?, ?, ?, ?, ?, ?)",
            ["chattonic", "chattonic:a", day, 28800, 9000 + 300 * n, None, None, None],
        )
        connection.execute(
            "insert into analytics.fct_agent_days values (?, ?, ?, null, null, ?, ?, null)",
            ["oct8ne", "oct8ne:1", day, 3, 3 * (500 + n)],
        )
        for i in range(3):
            at = dt.datetime.combine(day, dt.time(9 + i * 4))
            connection.execute(
                "insert into analytics.fct_satisfaction values ('oct8ne', ?, ?, 'oct8ne:1')",
                [at, int((n + i) % 4 != 0)],
            )
            connection.execute(
                "insert into analytics.fct_conversations values ('oct8ne', ?, ?)",
                [at, at + dt.timedelta(hours=1)],
            )
    connection.execute(
        "update analytics.fct_agent_days set occupancy = busy_seconds * 1.0 / online_seconds "
        "where online_seconds > 0"
    )


def test_every_chart_draws_and_every_tile_shows_the_marts_number(tmp_path: Path):
    with duckdb.connect() as connection:
        hand_made_marts(connection)
        page = assert_report_matches_marts(connection, "analytics", TODAY, tmp_path)
        marts = report.fetch_marts(connection, "analytics")
    shown = page.read_text()
    # people only: the bot never ranks; an agent without status time shows no occupancy
    assert "Ana Ruiz" in shown and "Oct8ne Bot" not in shown
    # a day without traffic is a zero on the chart, not a gap
    window = report.Period.ending(TODAY, report.TREND_DAYS)
    quiet = [r for r in report.daily_series(marts, window) if r["day"] == QUIET_DAY.isoformat()]
    assert quiet and all(r["offered"] == 0 and r["service_level"] is None for r in quiet)
    assert "Newest data: chattonic 2026-03-15" in shown


def test_a_report_whose_charts_have_no_data_is_judged_blank(tmp_path: Path):
    page = tmp_path / "report.html"
    charts = report.write_report(report.Marts(), page, "no data", TODAY, "UTC")
    shares, png = rendered_cards(page, tmp_path)
    assert len(shares) == charts == 7, (shares, png)
    assert all(share < MIN_COLOURED_SHARE for share in shares), (shares, png)
    assert set(tile_values(page.read_text()).values()) == {"n/a"}
