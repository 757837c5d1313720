"""scripts/local_sync.py (what `make demo` runs): emulator subprocess -> PyAirbyte -> DuckDB file."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from snipeit_emulator import Dataset, Emulator

from harness import REPO, STREAMS

SCRIPT = REPO / "scripts" / "local_sync.py"


def _emulator(hardware: int, users: int, seed: int) -> Emulator:
    # Same generator and arguments as the emulator subprocess the script starts (CLI defaults otherwise).
    # Built, not started: its truth() covers the later resources (license_seats included), as the script's does.
    from snipeit_emulator.__main__ import DEFAULT_SIZES, EXTRA_DEFAULTS

    sizes = dict(DEFAULT_SIZES, **EXTRA_DEFAULTS, hardware=hardware, users=users)
    return Emulator(dataset=Dataset.generate(seed=seed, **sizes))


def _truth_counts(hardware: int, users: int, seed: int) -> dict:
    emu = _emulator(hardware, users, seed)
    return {stream: sum(1 for r in emu.truth(res) if not r.get("deleted_at")) for stream, res in STREAMS.items()}


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
        # the data is the connector's normalized output, not raw API rows: names as the instance stores them
        # (the API HTML-escapes them; a stored literal "A&amp;B" stays "A&amp;B")
        names = sorted(r[0] for r in con.execute("SELECT name FROM hardware WHERE name IS NOT NULL").fetchall())
        stored = sorted(r["name"] for r in _emulator(300, 60, 3).truth("hardware")
                        if r.get("name") is not None and not r.get("deleted_at"))
        assert names and names == stored
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


# ---------------------------------------------------------------------------------------------------------
# A token that may not read every stream, and failed syncs
# ---------------------------------------------------------------------------------------------------------

from pathlib import Path  # noqa: E402

from snipeit_emulator.data import ALL_RESOURCES  # noqa: E402

NO_GROUPS_TOKEN = "local-no-groups-" + "n" * 48
ALL_CONNECTOR_STREAMS = list(__import__("scripts.local_sync", fromlist=["STREAMS"]).STREAMS)


def _old_duckdb(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE previous_sync AS SELECT 42 AS answer")


def _tables(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _local_sync(tmp_path: Path, config: dict, *extra: str) -> subprocess.CompletedProcess:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    env = dict(__import__("os").environ, AIRBYTE_LOGGING_ROOT=str(tmp_path / "pyairbyte-logs"))
    return subprocess.run([sys.executable, str(SCRIPT), "--duckdb", str(tmp_path / "snipeit.duckdb"),
                           "--config", str(config_path), *extra],
                          cwd=tmp_path, capture_output=True, text=True, timeout=240, env=env)


def _every_output(tmp_path: Path, proc: subprocess.CompletedProcess) -> str:
    logs = [p.read_text(errors="replace") for p in (tmp_path / "pyairbyte-logs").rglob("*") if p.is_file()]
    return proc.stdout + proc.stderr + "".join(logs)


@pytest.fixture
def no_groups_emulator():
    ds = Dataset.generate(seed=4, hardware=60, users=20, companies=3, locations=5, categories=4, manufacturers=4,
                          suppliers=4, models=8, statuslabels=4, departments=4)
    emu = Emulator(dataset=ds, rate_limit=1_000_000,
                   tokens={NO_GROUPS_TOKEN: [r for r in ALL_RESOURCES if r != "groups"]})
    emu.start()
    yield emu
    emu.stop()


def test_local_sync_skips_the_stream_the_token_cannot_read_and_writes_the_others(tmp_path, no_groups_emulator):
    emu = no_groups_emulator
    db = tmp_path / "snipeit.duckdb"
    _old_duckdb(db)
    # pasted with a trailing newline, as copied from a terminal: stripped, and never printed or logged
    config = {"base_url": emu.url, "api_token": NO_GROUPS_TOKEN + "\n", "requests_per_minute": 1_000_000}
    proc = _local_sync(tmp_path, config)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "skipping stream groups" in proc.stderr and "superuser" in proc.stderr, proc.stderr[-2000:]
    tables = _tables(db)
    assert "groups" not in tables
    assert "previous_sync" not in tables, "the old file was not replaced"
    for stream in ALL_CONNECTOR_STREAMS:
        if stream == "groups":
            continue
        resource = {"status_labels": "statuslabels"}.get(stream, stream)
        assert tables.get(stream) == sum(1 for r in emu.truth(resource) if not r.get("deleted_at")), stream
    assert NO_GROUPS_TOKEN not in _every_output(tmp_path, proc)


def test_local_sync_streams_option_syncs_only_those(tmp_path, no_groups_emulator):
    config = {"base_url": no_groups_emulator.url, "api_token": NO_GROUPS_TOKEN, "requests_per_minute": 1_000_000}
    proc = _local_sync(tmp_path, config, "--streams", "companies,departments")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert {t for t in _tables(tmp_path / "snipeit.duckdb") if not t.startswith("_airbyte")} == {"companies", "departments"}


def test_local_sync_failing_mid_read_keeps_the_old_file_and_says_the_connectors_words(tmp_path, no_groups_emulator):
    emu = no_groups_emulator
    db = tmp_path / "snipeit.duckdb"
    _old_duckdb(db)
    emu.add_fault(path="/api/v1/hardware", nth=2, times=10, action="html")
    config = {"base_url": emu.url, "api_token": NO_GROUPS_TOKEN, "requests_per_minute": 1_000_000, "page_size": 10}
    proc = _local_sync(tmp_path, config, "--streams", "hardware,companies")
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("local_sync: error:") and "answered with an HTML page" in last, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert _tables(db) == {"previous_sync": 1}, "a failed sync changed the DuckDB file"
    assert not list(tmp_path.glob(".snipeit.duckdb.partial-*"))
    assert NO_GROUPS_TOKEN not in _every_output(tmp_path, proc)
