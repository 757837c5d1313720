"""scripts/local_sync.py (what `make demo` runs): emulator subprocess -> PyAirbyte -> DuckDB file."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb

from snipeit_emulator import Dataset

from .conftest import REPO, STREAMS

SCRIPT = REPO / "scripts" / "local_sync.py"


def _truth_counts(hardware: int, users: int, seed: int) -> dict:
    # Same generator and arguments as the emulator subprocess the script starts (CLI defaults otherwise).
    from snipeit_emulator.__main__ import DEFAULT_SIZES

    sizes = dict(DEFAULT_SIZES, hardware=hardware, users=users)
    ds = Dataset.generate(seed=seed, **sizes)
    return {stream: sum(1 for r in ds.truth(res) if not r.get("deleted_at")) for stream, res in STREAMS.items()}


def test_local_sync_writes_every_table_with_truth_counts(tmp_path):
    db = tmp_path / "out" / "snipeit.duckdb"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--duckdb", str(db), "--hardware", "300", "--users", "60", "--seed", "3"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert db.exists()
    truth = _truth_counts(300, 60, 3)
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        assert set(STREAMS) <= tables, f"missing tables: {set(STREAMS) - tables}"
        counts = {s: con.execute(f'SELECT count(*) FROM "{s}"').fetchone()[0] for s in STREAMS}
        assert counts == truth
        # the data is the connector's normalized output, not raw API rows
        names = [r[0] for r in con.execute("SELECT name FROM hardware WHERE name IS NOT NULL").fetchall()]
        assert names and not any("&amp;" in n or "&quot;" in n for n in names)
        assert con.execute("SELECT count(DISTINCT id) FROM hardware").fetchone()[0] == truth["hardware"]
    assert "Assets per status label and location" in proc.stdout


def test_local_sync_fails_with_one_line_message(tmp_path):
    config = tmp_path / "config.json"
    # nothing listens on port 9 of 127.0.0.1 (discard): the connection is refused at once
    config.write_text(json.dumps({"base_url": "http://127.0.0.1:9", "api_token": "x" * 64}))
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--duckdb", str(tmp_path / "x.duckdb"), "--config", str(config)],
        cwd=tmp_path, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("local_sync: error:"), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
