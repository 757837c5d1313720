"""scripts/local_sync.py and `make sync`: the daily job, PyAirbyte (running main.py) -> a DuckDB file kept between runs.

Most tests share one emulator and one full `make sync` of it (sync, models, report); each then works on a copy of
that file, so they do not depend on each other's results."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Dict

import duckdb
import pytest

from snipeit_emulator import DEFAULT_TOKEN, Dataset, Emulator
from snipeit_emulator.data import ALL_RESOURCES

from harness import (ALL_STREAMS, REPO, changes_stamped_earlier, make_config, make_dataset,
                     new_emulator, visible_truth)

SCRIPT = REPO / "scripts" / "local_sync.py"
NO_USERS_TOKEN = "local-no-users-" + "u" * 48
NO_GROUPS_TOKEN = "local-no-groups-" + "n" * 48
BOOKKEEPING = {"_airbyte_state", "_airbyte_streams", "_airbyte_destination_state", "_snipeit_syncs"}


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def _env(work: Path) -> dict:
    return dict(os.environ, AIRBYTE_LOGGING_ROOT=str(work / "pyairbyte-logs"))


def _write_config(work: Path, config: dict) -> Path:
    path = work / "config.json"
    path.write_text(json.dumps(config))
    return path


def _local_sync(work: Path, config: dict, db: Path, *extra: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--duckdb", str(db), "--config",
                           str(_write_config(work, config)), *extra],
                          cwd=work, capture_output=True, text=True, timeout=timeout, env=_env(work))


def _make_sync(work: Path, config: dict, db: Path, *variables: str) -> subprocess.CompletedProcess:
    """`make sync` as a user runs it: sync, then the models and the report."""
    return subprocess.run(["make", "--no-print-directory", "sync", f"CONFIG={_write_config(work, config)}",
                           f"DUCKDB={db}", f"REPORT={work / 'report.html'}", *variables],
                          cwd=REPO, capture_output=True, text=True, timeout=400, env=_env(work))


def _tables(path: Path, schema: str = "main") -> Dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                                           [schema]).fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{schema}"."{n}"').fetchone()[0] for n in names}


def _fingerprints(path: Path) -> Dict[str, tuple]:
    """Every table of every schema -> (rows, hash of its rows): equal iff the same rows."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                            "WHERE table_type = 'BASE TABLE'").fetchall()
        return {f"{s}.{n}": con.execute(f'SELECT count(*), bit_xor(hash(t)) FROM "{s}"."{n}" AS t').fetchone()
                for s, n in names}


def _ids(path: Path, stream: str) -> set:
    with duckdb.connect(str(path), read_only=True) as con:
        return {r[0] for r in con.execute(f'SELECT id FROM "{stream}"').fetchall()}


def _assert_equal_to_truth(db: Path, emu: Emulator, streams) -> None:
    for stream in streams:
        assert _ids(db, stream) == set(visible_truth(emu, stream)), stream


def _every_output(work: Path, proc: subprocess.CompletedProcess) -> str:
    logs = [p.read_text(errors="replace") for p in (work / "pyairbyte-logs").rglob("*") if p.is_file()]
    return proc.stdout + proc.stderr + "".join(logs)


def _hardware_requests(emu: Emulator) -> list:
    return [r for r in emu.requests() if r["path"] == "/api/v1/hardware"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# One instance, synced in full once: the daily job's starting point
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def daily(tmp_path_factory):
    # 1,300 assets: hardware spans three 500-row pages; three tokens of one instance
    emu = new_emulator(make_dataset(), tokens={DEFAULT_TOKEN: "all", NO_USERS_TOKEN: {"exclude": ["users"]},
                                               NO_GROUPS_TOKEN: {"exclude": ["groups"]}})
    work = tmp_path_factory.mktemp("daily")
    db = work / "snipeit.duckdb"
    started = time.monotonic()
    proc = _make_sync(work, make_config(emu), db)
    seconds = time.monotonic() - started
    try:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        yield SimpleNamespace(emu=emu, db=db, work=work, full_sync=proc, seconds=seconds)
    finally:
        emu.stop()


def _copy(daily, tmp_path: Path) -> Path:
    db = tmp_path / "snipeit.duckdb"
    shutil.copy(daily.db, db)
    return db


def test_full_sync_writes_every_stream_equal_to_the_truth_and_the_report(daily):
    _assert_equal_to_truth(daily.db, daily.emu, ALL_STREAMS)
    # the connector's normalized output, not raw API rows: names as the instance stores them (the API HTML-escapes
    # them; a stored literal "A&amp;B" stays "A&amp;B")
    with duckdb.connect(str(daily.db), read_only=True) as con:
        names = dict(con.execute("select id, name from hardware").fetchall())
    assert names == {i: r.get("name") for i, r in visible_truth(daily.emu, "hardware").items()}
    assert (daily.work / "report.html").exists()
    marts = _tables(daily.db, "analytics")
    assert {"asset_inventory", "counts_by_location", "stream_coverage"} <= set(marts)
    with duckdb.connect(str(daily.db), read_only=True) as con:
        mode, replaced = con.execute("select mode, streams_replaced from _snipeit_syncs").fetchone()
    assert mode == "incremental" and replaced == ["license_seats"]  # a first incremental sync reads all
    print(f"full make sync (1,300 assets, 21 streams, models, report): {daily.seconds:.1f} s")


def test_daily_sync_after_three_changed_assets_reads_three_hardware_pages(daily, tmp_path):
    db = _copy(daily, tmp_path)
    # first of the tests that change the instance: only these three assets changed since the fixture's sync
    truth_before = {i: r["name"] for i, r in visible_truth(daily.emu, "hardware").items()}
    targets = sorted(truth_before)[100:103]
    with changes_stamped_earlier(daily.emu):
        for n, asset_id in enumerate(targets):
            daily.emu.mutate("hardware", "update", ids=[asset_id], fields={"name": f"changed {n}"})
    daily.emu.clear_requests()
    started = time.monotonic()
    proc = _local_sync(tmp_path, make_config(daily.emu), db)
    seconds = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    hardware = _hardware_requests(daily.emu)
    # the connector's check asks one row; the read: archived, default list, archived again, newest first
    assert len(hardware) <= 4, [r["query"] for r in hardware]
    assert not [r for r in hardware if int(r["query"].get("offset", 0)) > 0], "the read went past the first page"
    with duckdb.connect(str(db), read_only=True) as con:
        names = dict(con.execute("select id, name from hardware where id in (select unnest(?))", [targets]).fetchall())
        assert con.execute("select count(*), count(distinct id) from hardware").fetchone() == (len(truth_before),) * 2
        records = json.loads(con.execute("select records from _snipeit_syncs order by finished_at desc").fetchone()[0])
    assert names == {asset_id: f"changed {n}" for n, asset_id in enumerate(targets)}
    assert records["hardware"] == 3
    _assert_equal_to_truth(db, daily.emu, ALL_STREAMS)
    print(f"daily incremental sync after 3 changed assets: {len(hardware)} hardware requests, {seconds:.1f} s")


def test_streams_hardware_keeps_every_other_table_and_mart(daily, tmp_path):
    db = _copy(daily, tmp_path)
    before = _fingerprints(db)
    with changes_stamped_earlier(daily.emu):
        changed = daily.emu.mutate("hardware", "update", ids=[7], fields={"name": "renamed for STREAMS=hardware"})
    proc = _local_sync(tmp_path, make_config(daily.emu), db, "--streams", "hardware")
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = _fingerprints(db)
    untouched = {t for t in before if t.split(".")[1] not in {"hardware"} | BOOKKEEPING}
    assert untouched and {t for t in untouched if t.startswith("analytics.")}, "the fixture has no marts"
    assert {t: after.get(t) for t in untouched} == {t: before[t] for t in untouched}
    assert after["main.hardware"] != before["main.hardware"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select name from hardware where id = ?", changed).fetchone() == (
            "renamed for STREAMS=hardware",)
    _assert_equal_to_truth(db, daily.emu, ["hardware"])


def test_killed_sync_leaves_the_previous_file_as_it_was(daily, tmp_path):
    db = _copy(daily, tmp_path)
    fingerprint = _sha256(db)
    # the read's first full hardware page takes a while: long enough to kill the job in the middle of the read
    daily.emu.add_fault(path="/api/v1/hardware", query={"limit": "500"}, action="latency", seconds=6, times=1)
    daily.emu.clear_requests()
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "--duckdb", str(db), "--config",
                             str(_write_config(tmp_path, make_config(daily.emu))), "--full-refresh"],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(tmp_path),
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not [r for r in _hardware_requests(daily.emu) if r["query"].get("limit") == "500"]:
            assert proc.poll() is None and time.monotonic() < deadline, "the sync ended before its hardware read"
            time.sleep(0.1)
        assert list(tmp_path.glob(".snipeit.duckdb.partial-*")), "no copy being written: not mid-sync"
        os.killpg(proc.pid, signal.SIGKILL)  # the job and the connector it started, as a power cut or OOM kill
        proc.wait(timeout=30)
    finally:
        daily.emu.clear_faults()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert _sha256(db) == fingerprint
    assert not Path(f"{db}.wal").exists()
    assert _tables(db) == _tables(daily.db)  # readable, every table there


# A user without users.view is no superuser, so /groups (GroupsController wants a superuser) is refused to it too.
@pytest.mark.parametrize("token, missing", [(NO_USERS_TOKEN, {"users": "users.view", "groups": "superuser"}),
                                            (NO_GROUPS_TOKEN, {"groups": "superuser"})], ids=["no-users", "no-groups"])
def test_make_sync_with_a_token_that_cannot_read_a_stream(daily, tmp_path, token, missing):
    db = tmp_path / "snipeit.duckdb"
    # pasted with a trailing newline, as copied from a terminal: stripped by the connector, never printed or logged
    proc = _make_sync(tmp_path, make_config(daily.emu, api_token=token + "\n"), db)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    report = (tmp_path / "report.html").read_text()
    for stream, permission in missing.items():
        assert f"skipping stream {stream}" in output and permission in output, output[-3000:]
        assert stream not in _tables(db)
        assert f"{stream} (the token lacks {permission})" in report.split("not synced: ", 1)[-1]
    _assert_equal_to_truth(db, daily.emu, [s for s in ALL_STREAMS if s not in missing])
    assert token not in _every_output(tmp_path, proc)


# ---------------------------------------------------------------------------------------------------------
# Failures (the bundled emulator's path, no --config, is what test_analytics.py syncs)
# ---------------------------------------------------------------------------------------------------------


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
    # the connector's own check answers, naming the host
    assert last.startswith("local_sync: error:") and "127.0.0.1:9" in last, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.duckdb").exists()


def _old_duckdb(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE previous_sync AS SELECT 42 AS answer")


@pytest.fixture
def no_groups_emulator(start_emulator):
    ds = Dataset.generate(seed=4, hardware=60, users=20, companies=3, locations=5, categories=4, manufacturers=4,
                          suppliers=4, models=8, statuslabels=4, departments=4)
    return start_emulator(ds, tokens={NO_GROUPS_TOKEN: [r for r in ALL_RESOURCES if r != "groups"]})


def test_local_sync_failing_mid_read_keeps_the_old_file_and_says_the_connectors_words(tmp_path, no_groups_emulator):
    emu = no_groups_emulator
    db = tmp_path / "snipeit.duckdb"
    _old_duckdb(db)
    fingerprint = _sha256(db)
    emu.add_fault(path="/api/v1/hardware", nth=2, times=10, action="html")
    config = {"base_url": emu.url, "api_token": NO_GROUPS_TOKEN, "requests_per_minute": 1_000_000, "page_size": 10}
    proc = _local_sync(tmp_path, config, db, "--streams", "hardware,companies")
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("local_sync: error:") and "answered with an HTML page" in last, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert _sha256(db) == fingerprint, "a failed sync changed the DuckDB file"
    assert not list(tmp_path.glob(".snipeit.duckdb.partial-*"))
    assert NO_GROUPS_TOKEN not in _every_output(tmp_path, proc)
