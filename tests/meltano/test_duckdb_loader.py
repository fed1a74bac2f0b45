"""The demo's DuckDB loader keeps every row, including a batch's first one.

target-duckdb 0.8 lets DuckDB guess a CSV header and loses the first row of a batch that
starts with a quoted value holding a comma (an `_extra` object, for instance); meltano.yml
runs it through `loaders/target-duckdb-headerfix`. This feeds that loader such a batch.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
LOADER = ROOT / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin"


#: A real batch (tap-8x8 against its emulator): its first row starts with an `_extra` object
#: holding a comma, and with these columns DuckDB's sniffer takes that row for a header.
BATCH = Path(__file__).resolve().parents[1] / "data" / "agents_batch.jsonl"


def test_a_batch_starting_with_a_json_value_loads_every_row(tmp_path: Path):
    database = tmp_path / "loader.duckdb"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"filepath": str(database), "default_target_schema": "t"}))
    subprocess.run(
        [str(LOADER / "target-duckdb-headerfix"), "--config", str(config)],
        input=BATCH.read_text(),
        text=True,
        capture_output=True,
        check=True,
    )
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute("select agent_id, _extra from t.agents").fetchall()
    sent = [json.loads(line) for line in BATCH.read_text().splitlines()]
    sent_ids = sorted(m["record"]["agent_id"] for m in sent if m["type"] == "RECORD")
    assert sorted(row[0] for row in rows) == sent_ids
    assert any(row[1] and "sales,support" in row[1] for row in rows)
