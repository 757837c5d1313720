"""The one integration harness: start the emulator, write a config, run a command, parse its Airbyte messages.

Used by every integration test (their pytest fixtures are in `integration_tests/conftest.py`), by `benchmarks/` and
by `scripts/local_sync.py` (`import harness`); it imports no test framework, so tools do not depend on the test suite. The connector and the emulator stay independent: only this harness imports both.

- Streams and API paths come from `manifest.yaml` (`manifest_streams()`); nothing here repeats the list.
  `STREAMS` is the ten core streams (the emulator's `Dataset` resources), `ALL_STREAMS` every stream.
- Emulators run in-process on 127.0.0.1 (free port) and are stopped at teardown (`running_emulator()`; the
  `start_emulator` fixture in conftest.py).
- The connector runs as the platform runs it: a subprocess (`python main.py read --config C --catalog K
  [--state S]`, or any other command line, e.g. `source-declarative-manifest`), its stdout parsed as messages.
- `clean_cdk_venv()`: a virtual environment with only `airbyte-cdk` (what Airbyte's manifest-only image has),
  built once per CDK version under the repo's ignored `.cache/`.
"""

from __future__ import annotations


import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence

import yaml

REPO = Path(__file__).resolve().parent
if str(REPO) not in sys.path:  # scripts/ and benchmarks/ import this file from outside the repo root
    sys.path.insert(0, str(REPO))

from snipeit_emulator import DEFAULT_TOKEN, Dataset, Emulator  # noqa: E402
from snipeit_emulator.data import RESOURCES as CORE_RESOURCES  # noqa: E402

MANIFEST_PATH = REPO / "manifest.yaml"
COMPONENTS_PATH = REPO / "components.py"
CATALOG_PATH = REPO / "integration_tests" / "configured_catalog.json"
ABNORMAL_STATE_PATH = REPO / "integration_tests" / "abnormal_state.json"
INVALID_CONFIG_PATH = REPO / "integration_tests" / "invalid_config.json"
PYTHON = sys.executable
# The connector entry point under test. SNIPEIT_MAIN_PY exists only to debug the tests against a patched
# entry point; CI and `make test` always run the repository's main.py.
MAIN_PY = os.environ.get("SNIPEIT_MAIN_PY") or str(REPO / "main.py")
READ_TIMEOUT = 120


# ---------------------------------------------------------------------------------------------------------
# The manifest: streams and their API paths
# ---------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def manifest_dict() -> Dict[str, Any]:
    return yaml.safe_load(MANIFEST_PATH.read_text())


@dataclass(frozen=True)
class StreamInfo:
    name: str
    path: str  # the list endpoint under /api/v1 the stream reads (license_seats: licenses/{id}/seats)
    resource: str  # what the emulator calls it (its truth() argument and request-log path segment)


@lru_cache(maxsize=1)
def manifest_streams() -> Dict[str, StreamInfo]:
    """Every stream of manifest.yaml, in manifest order, with the API path from its `$parameters.resource` (or, for a
    child stream, the `{{ stream_partition.X }}` path of its requester URL)."""
    out: Dict[str, StreamInfo] = {}
    for stream in manifest_dict()["streams"]:
        params = stream.get("$parameters") or {}
        name, path = params["name"], params["resource"]
        url = ((stream.get("retriever") or {}).get("requester") or {}).get("url", "")
        if "stream_partition" in url:  # e.g. {{ config['api_url'] }}licenses/{{ stream_partition.license_id }}/seats
            child = url.split("}}", 1)[1]
            path = re.sub(r"\{\{\s*stream_partition\.\w+\s*\}\}", "{id}", child)
            resource = name  # the emulator keeps child rows under the stream's name
        else:
            resource = path.rsplit("/", 1)[-1]  # reports/activity -> activity
        out[name] = StreamInfo(name=name, path=path, resource=resource)
    return out


ALL_STREAMS: List[str] = list(manifest_streams())
# connector stream -> emulator resource, for the ten core streams (the emulator's Dataset resources: incremental on
# updated_at, sized by make_dataset); the acceptance catalog declares every stream
STREAMS: Dict[str, str] = {name: info.resource for name, info in manifest_streams().items()
                           if info.resource in CORE_RESOURCES}
# The streams added after the core set (licenses ... activity)
ADDED_STREAMS: List[str] = [name for name in ALL_STREAMS if name not in STREAMS]


def emulator_resource(stream: str) -> str:
    return manifest_streams()[stream].resource


# ---------------------------------------------------------------------------------------------------------
# Emulator and config
# ---------------------------------------------------------------------------------------------------------

# Small everywhere except hardware: >= 1300 so that the bulk-import tie group (> 600 rows sharing one
# updated_at second) exists and hardware spans several 500-row pages.
SIZES = dict(hardware=1300, users=120, companies=5, locations=15, categories=8, manufacturers=10,
             suppliers=12, models=30, statuslabels=8, departments=10)
SEED = 7
# What the runtime tests (standard suite, source-declarative-manifest, PyAirbyte, Builder) read: a few pages.
SMALL_SIZES = dict(hardware=300, users=50, companies=3, locations=6, categories=5, manufacturers=4,
                   suppliers=4, models=10, statuslabels=5, departments=4)


def make_dataset(seed: int = SEED, **overrides: int) -> Dataset:
    return Dataset.generate(seed=seed, **{**SIZES, **overrides})


def small_dataset(seed: int = 1) -> Dataset:
    return Dataset.generate(seed=seed, **SMALL_SIZES)


def new_emulator(dataset: Optional[Dataset] = None, **kwargs: Any) -> Emulator:
    kwargs.setdefault("rate_limit", 1_000_000)  # the throttle has its own test
    emu = Emulator(dataset=dataset or make_dataset(), **kwargs)
    emu.start()
    return emu


@contextlib.contextmanager
def running_emulator(dataset: Optional[Dataset] = None, **kwargs: Any) -> Iterator[Emulator]:
    """An emulator for the `with` block (module-scoped fixtures, scripts)."""
    emu = new_emulator(dataset, **kwargs)
    try:
        yield emu
    finally:
        emu.stop()


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


def write_json(path: Path, obj: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))
    return path


def md5_text(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Running a command and parsing its messages
# ---------------------------------------------------------------------------------------------------------


def parse_messages(stdout: str) -> List[Dict[str, Any]]:
    messages = []
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            messages.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return messages


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

    def canonical_records(self) -> Dict[str, List[str]]:
        """Each stream's records as sorted canonical JSON: equal iff the same records, whatever the order."""
        return {stream: sorted(json.dumps(r, sort_keys=True) for r in rows) for stream, rows in self.records.items()}

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

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.errors

    def of_type(self, message_type: str) -> List[Dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == message_type]

    def stream_status(self, stream: str) -> List[str]:
        return [m["trace"]["stream_status"]["status"] for m in self.messages
                if m.get("type") == "TRACE" and m["trace"].get("type") == "STREAM_STATUS"
                and m["trace"]["stream_status"]["stream_descriptor"]["name"] == stream]

    def describe(self) -> str:
        counts = {k: len(v) for k, v in self.records.items()}
        return (f"rc={self.returncode} records={counts}\nerrors:\n{self.error_text}\n"
                f"stderr tail:\n{self.stderr[-3000:]}")


def clean_env(**extra: str) -> Dict[str, str]:
    """Environment for connector subprocesses: no PYTHONPATH (so `source_snipeit` is not importable outside the
    repo), no inherited AIRBYTE_ENABLE_UNSAFE_CODE unless asked for."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AIRBYTE_ENABLE_UNSAFE_CODE")}
    env.update(extra)
    return env


def run_command(cmd: Sequence[str], *, cwd: Path = REPO, env: Optional[Mapping[str, str]] = None,
                timeout: float = READ_TIMEOUT) -> ReadResult:
    """Run any connector command line; returns its exit code, output and parsed Airbyte messages."""
    proc = subprocess.run(list(cmd), cwd=str(cwd), env=dict(env) if env is not None else None,
                          capture_output=True, text=True, timeout=timeout)
    return ReadResult(proc.returncode, proc.stdout, proc.stderr, parse_messages(proc.stdout))


def write_read_inputs(run_dir: Path, config: Mapping[str, Any], streams: Iterable[str] = tuple(STREAMS),
                      state: Optional[Mapping[str, Mapping[str, Any]]] = None,
                      incremental: Optional[bool] = None) -> List[str]:
    """config.json, catalog.json (and state.json) in run_dir; returns the `read --config ... --catalog ...` args."""
    if incremental is None:
        incremental = state is not None
    config_path = write_json(Path(run_dir) / "config.json", config)
    catalog_path = write_json(Path(run_dir) / "catalog.json", make_catalog(streams, incremental=incremental))
    args = ["read", "--config", str(config_path), "--catalog", str(catalog_path)]
    if state is not None:
        args += ["--state", str(write_json(Path(run_dir) / "state.json", make_state(state)))]
    return args


def new_run_dir(tmp_path: Path, prefix: str = "read") -> Path:
    run_dir = Path(tmp_path) / f"{prefix}{len(list(Path(tmp_path).glob(prefix + '*')))}"
    run_dir.mkdir(parents=True)
    return run_dir


def run_read(tmp_path: Path, config: Mapping[str, Any], streams: Iterable[str] = tuple(STREAMS),
             state: Optional[Mapping[str, Mapping[str, Any]]] = None, incremental: Optional[bool] = None,
             timeout: float = READ_TIMEOUT, entrypoint: Optional[Sequence[str]] = None,
             cwd: Path = REPO, env: Optional[Mapping[str, str]] = None) -> ReadResult:
    """`python main.py read` (or `entrypoint` + `read ...`) in a subprocess; returns the parsed Airbyte messages."""
    args = write_read_inputs(new_run_dir(tmp_path), config, streams, state, incremental)
    return run_command([*(entrypoint or [PYTHON, MAIN_PY]), *args], cwd=cwd, env=env, timeout=timeout)


# ---------------------------------------------------------------------------------------------------------
# A virtual environment with only airbyte-cdk (the manifest-only runtime)
# ---------------------------------------------------------------------------------------------------------

CDK_VERSION = importlib.metadata.version("airbyte-cdk")
CACHE_DIR = REPO / ".cache"


def clean_cdk_venv() -> Path:
    """`pip install airbyte-cdk==<the version under test>` into a fresh venv, nothing else; cached by version.

    Built once (~1-2 min with a warm pip cache) and reused; a half-built one (no marker) is rebuilt. A file lock
    keeps two test processes from building it at once."""
    venv = CACHE_DIR / f"cdk-only-venv-{CDK_VERSION}-py{sys.version_info.major}{sys.version_info.minor}"
    marker = venv / ".complete"
    if marker.exists():
        return venv
    CACHE_DIR.mkdir(exist_ok=True)
    with open(CACHE_DIR / ".cdk-only-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            f"airbyte-cdk=={CDK_VERSION}"], check=True, timeout=1200, capture_output=True)
            marker.write_text(CDK_VERSION)
    return venv


# ---------------------------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------------------------


def visible_truth(emu: Emulator, stream: str) -> Dict[int, Dict[str, Any]]:
    """Rows a full sync must deliver: every row not soft-deleted (hardware: archived assets included)."""
    return {r["id"]: r for r in emu.truth(emulator_resource(stream)) if not r.get("deleted_at")}


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
