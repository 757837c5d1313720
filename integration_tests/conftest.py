"""End-to-end fixtures: an in-process Snipe-IT emulator and `python main.py read` run as a subprocess.

The connector and the emulator stay independent: only this test code imports both. Each test starts its own
emulator on 127.0.0.1 (free port) and stops it afterwards; the connector is run exactly as the platform runs it
(`python main.py read --config C --catalog K [--state S]`, cwd = repo root) and its stdout is parsed as Airbyte
messages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

import pytest

from snipeit_emulator import DEFAULT_TOKEN, Dataset, Emulator

REPO = Path(__file__).resolve().parent.parent
# The connector entry point under test. SNIPEIT_MAIN_PY exists only to debug the tests against a patched
# entry point; CI and `make test` always run the repository's main.py.
MAIN_PY = os.environ.get("SNIPEIT_MAIN_PY") or str(REPO / "main.py")

# connector stream name -> emulator resource
STREAMS: Dict[str, str] = {
    "hardware": "hardware",
    "users": "users",
    "companies": "companies",
    "locations": "locations",
    "categories": "categories",
    "manufacturers": "manufacturers",
    "suppliers": "suppliers",
    "models": "models",
    "status_labels": "statuslabels",
    "departments": "departments",
}

# Small everywhere except hardware: >= 1300 so that the bulk-import tie group (> 600 rows sharing one
# updated_at second) exists and hardware spans several 500-row pages.
SIZES = dict(hardware=1300, users=120, companies=5, locations=15, categories=8, manufacturers=10,
             suppliers=12, models=30, statuslabels=8, departments=10)
SEED = 7
READ_TIMEOUT = 120


def make_dataset(seed: int = SEED, **overrides: int) -> Dataset:
    return Dataset.generate(seed=seed, **{**SIZES, **overrides})


@pytest.fixture
def start_emulator():
    """Factory: start_emulator(dataset=None, **Emulator kwargs) -> started Emulator; all stopped at teardown."""
    started: List[Emulator] = []

    def _start(dataset: Optional[Dataset] = None, **kwargs: Any) -> Emulator:
        kwargs.setdefault("rate_limit", 1_000_000)  # the throttle has its own test
        emu = Emulator(dataset=dataset or make_dataset(), **kwargs)
        emu.start()
        started.append(emu)
        return emu

    yield _start
    for emu in started:
        emu.stop()


@pytest.fixture
def emu(start_emulator) -> Emulator:
    return start_emulator()


def make_config(emu: Emulator, **overrides: Any) -> Dict[str, Any]:
    config = {
        "base_url": emu.url,
        "api_token": DEFAULT_TOKEN,
        "requests_per_minute": 1_000_000,  # the pacer is not under test here; keep the suite fast
        "rate_limit_window_seconds": 1,
    }
    config.update(overrides)
    return config


def make_catalog(streams: Iterable[str] = tuple(STREAMS), incremental: bool = False) -> Dict[str, Any]:
    out = []
    for name in streams:
        out.append({
            "stream": {
                "name": name,
                "json_schema": {},
                "supported_sync_modes": ["full_refresh", "incremental"],
                "source_defined_cursor": True,
                "default_cursor_field": ["updated_at_datetime"],
                "source_defined_primary_key": [["id"]],
            },
            "sync_mode": "incremental" if incremental else "full_refresh",
            "cursor_field": ["updated_at_datetime"],
            "destination_sync_mode": "append_dedup" if incremental else "overwrite",
            "primary_key": [["id"]],
        })
    return {"streams": out}


def make_state(states: Mapping[str, Mapping[str, Any]]) -> List[Dict[str, Any]]:
    return [{"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": dict(state)}}
            for name, state in states.items()]


@dataclass
class ReadResult:
    returncode: int
    stdout: str
    stderr: str
    messages: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def records(self) -> Dict[str, List[Dict[str, Any]]]:
        out: Dict[str, List[Dict[str, Any]]] = {}
        for m in self.messages:
            if m.get("type") == "RECORD":
                out.setdefault(m["record"]["stream"], []).append(m["record"]["data"])
        return out

    def rows(self, stream: str) -> List[Dict[str, Any]]:
        return self.records.get(stream, [])

    def ids(self, stream: str) -> List[int]:
        return [r["id"] for r in self.rows(stream)]

    @property
    def states(self) -> Dict[str, Dict[str, Any]]:
        """Last STATE per stream."""
        out: Dict[str, Dict[str, Any]] = {}
        for m in self.messages:
            if m.get("type") == "STATE" and m["state"].get("type") == "STREAM":
                s = m["state"]["stream"]
                out[s["stream_descriptor"]["name"]] = s.get("stream_state") or {}
        return out

    @property
    def errors(self) -> List[Dict[str, Any]]:
        return [m["trace"]["error"] for m in self.messages
                if m.get("type") == "TRACE" and m["trace"].get("type") == "ERROR"]

    @property
    def error_text(self) -> str:
        return "\n".join(f"{e.get('message')} | {e.get('internal_message')}" for e in self.errors)

    def stream_status(self, stream: str) -> List[str]:
        return [m["trace"]["stream_status"]["status"] for m in self.messages
                if m.get("type") == "TRACE" and m["trace"].get("type") == "STREAM_STATUS"
                and m["trace"]["stream_status"]["stream_descriptor"]["name"] == stream]

    def describe(self) -> str:
        counts = {k: len(v) for k, v in self.records.items()}
        return (f"rc={self.returncode} records={counts}\nerrors:\n{self.error_text}\n"
                f"stderr tail:\n{self.stderr[-3000:]}")


def run_read(tmp_path: Path, config: Mapping[str, Any], streams: Iterable[str] = tuple(STREAMS),
             state: Optional[Mapping[str, Mapping[str, Any]]] = None, incremental: Optional[bool] = None,
             timeout: float = READ_TIMEOUT) -> ReadResult:
    """`python main.py read` in a subprocess; returns the parsed Airbyte messages."""
    if incremental is None:
        incremental = state is not None
    run_dir = Path(tmp_path) / f"read{len(list(Path(tmp_path).glob('read*')))}"
    run_dir.mkdir(parents=True)
    config_path = run_dir / "config.json"
    catalog_path = run_dir / "catalog.json"
    config_path.write_text(json.dumps(config))
    catalog_path.write_text(json.dumps(make_catalog(streams, incremental=incremental)))
    cmd = [sys.executable, MAIN_PY, "read", "--config", str(config_path), "--catalog", str(catalog_path)]
    if state is not None:
        state_path = run_dir / "state.json"
        state_path.write_text(json.dumps(make_state(state)))
        cmd += ["--state", str(state_path)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    messages = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            messages.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return ReadResult(proc.returncode, proc.stdout, proc.stderr, messages)


@pytest.fixture
def read(tmp_path):
    """read(config, streams=..., state=..., incremental=...) -> ReadResult (files kept under tmp_path)."""

    def _read(config: Mapping[str, Any], **kwargs: Any) -> ReadResult:
        return run_read(tmp_path, config, **kwargs)

    return _read


# ---------------------------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------------------------


def visible_truth(emu: Emulator, stream: str) -> Dict[int, Dict[str, Any]]:
    """Rows a full sync must deliver: every row not soft-deleted (hardware: archived assets included)."""
    return {r["id"]: r for r in emu.truth(STREAMS[stream]) if not r.get("deleted_at")}


def updated_at_by_id(emu: Emulator, stream: str) -> Dict[int, Any]:
    """Each visible row's updated_at, by id: compare two of these to see which rows changed in between."""
    return {i: r["updated_at"] for i, r in visible_truth(emu, stream).items()}


@contextmanager
def changes_stamped_earlier(emu: Emulator, seconds: int = 5):
    """Changes made inside are stamped a few seconds in the past: changes made before a sync, never in the second
    the sync starts (the connector leaves rows of that second to the next sync), however fast the machine is."""
    emu.set_clock(int(time.time()) - seconds)
    try:
        yield
    finally:
        emu.set_clock(None)
