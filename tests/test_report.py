"""The report's browser check can fail: a page whose charts have no data is caught.

The check itself (tests/browser.py) runs on the real report in tests/test_warehouses.py, built
from the marts dbt-postgres made of every tap's rows. Here the same report code gets marts
with no rows: the page still has its four cards, and each one must be judged blank.
"""

from __future__ import annotations

from pathlib import Path

from scripts import report
from tests.browser import MIN_COLOURED_SHARE, rendered_cards


def test_a_report_whose_charts_have_no_data_is_judged_blank(tmp_path: Path):
    page = tmp_path / "report.html"
    charts = report.write_report(report.Marts([], [], []), page, "no data")
    shares, png = rendered_cards(page, tmp_path)
    assert len(shares) == charts == 4, (shares, png)
    assert all(share < MIN_COLOURED_SHARE for share in shares), (shares, png)
