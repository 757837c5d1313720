"""The one integration harness: start the emulator, write a config, run a command, parse its Airbyte messages.

Used by every integration test (their pytest fixtures are in `integration_tests/conftest.py`), by `benchmarks/` and
by `scripts/local_sync.py` (`import harness`); it imports no test framework, so tools do not depend on the test suite. The connector and the emulator stay independent: only this harness imports both.

- Streams and API paths come from `manifest.yaml` (`manifest_streams()`); nothing here repeats the list.
  `STREAMS` is the ten core streams (the emulator's `Dataset` resources), `ALL_STREAMS` every stream.
- Emulators run in-process on 127.0.0.1 (free port) and are stopped at teardown (`running_emulator()`; the
  `start_emulator` fixture in conftest.py); `free_port()` is a port nothing listens on (a dead host, a server's).
- The connector runs as the platform runs it: a subprocess (`python main.py read --config C --catalog K
  [--state S]`, or any other command line, e.g. `source-declarative-manifest`), its stdout parsed as messages:
  `run_read`, `run_connector` (any command, optionally returning at a timeout instead of raising), `run_command`
  (a whole command line), `read_and_kill` (SIGKILL at the n-th RECORD line: a power cut at a counted point).
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
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

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


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (just now): for a server to start on, or a URL that refuses."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_config(emu: Union[Emulator, str], **overrides: Any) -> Dict[str, Any]:
    """A valid config for the emulator `emu` (or any server, given its base URL), the pacer out of the way."""
    config = {
        "base_url": emu if isinstance(emu, str) else emu.url,
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
    wall: float = 0.0  # seconds from start to exit
    timed_out: bool = False  # killed at the timeout (run_command(raise_on_timeout=False))
    killed: bool = False  # killed on purpose mid-read (read_and_kill)

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

    @property
    def connection_status(self) -> Optional[Dict[str, Any]]:
        """check's last CONNECTION_STATUS ({"status": "SUCCEEDED" | "FAILED", "message": ...}), or None."""
        found = [m["connectionStatus"] for m in self.of_type("CONNECTION_STATUS")]
        return found[-1] if found else None

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
                timeout: float = READ_TIMEOUT, raise_on_timeout: bool = True) -> ReadResult:
    """Run any connector command line; returns its exit code, output and parsed Airbyte messages. At `timeout` the
    command is killed: subprocess.TimeoutExpired is raised, or, with raise_on_timeout=False, what it printed until
    then is returned with `timed_out` set (for tests whose point is that a command ends within a bound)."""
    started = time.monotonic()
    proc = subprocess.Popen(list(cmd), cwd=str(cwd), env=dict(env) if env is not None else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        if raise_on_timeout:
            raise subprocess.TimeoutExpired(list(cmd), timeout, stdout, stderr) from None
        timed_out = True
    return ReadResult(proc.returncode, stdout, stderr, parse_messages(stdout), wall=time.monotonic() - started,
                      timed_out=timed_out)


def write_inputs(run_dir: Path, command: str, config: Union[Mapping[str, Any], str, None] = None,
                 streams: Iterable[str] = tuple(STREAMS), state: Optional[Mapping[str, Mapping[str, Any]]] = None,
                 incremental: Optional[bool] = None) -> List[str]:
    """The files `command` takes (config.json; read: catalog.json and state.json) in run_dir; returns the command's
    args (`check --config ...`, `read --config ... --catalog ... [--state ...]`, `spec`). A str config is written as
    it is (raw text)."""
    args = [command]
    if command == "spec":
        return args
    config_path = Path(run_dir) / "config.json"
    if isinstance(config, str):
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(config)
    else:
        write_json(config_path, config)
    args += ["--config", str(config_path)]
    if command == "read":
        if incremental is None:
            incremental = state is not None
        catalog_path = write_json(Path(run_dir) / "catalog.json", make_catalog(streams, incremental=incremental))
        args += ["--catalog", str(catalog_path)]
        if state is not None:
            args += ["--state", str(write_json(Path(run_dir) / "state.json", make_state(state)))]
    return args


def write_read_inputs(run_dir: Path, config: Mapping[str, Any], streams: Iterable[str] = tuple(STREAMS),
                      state: Optional[Mapping[str, Mapping[str, Any]]] = None,
                      incremental: Optional[bool] = None) -> List[str]:
    """config.json, catalog.json (and state.json) in run_dir; returns the `read --config ... --catalog ...` args."""
    return write_inputs(run_dir, "read", config, streams, state, incremental)


_RUN_DIRS = threading.Lock()


def new_run_dir(tmp_path: Path, prefix: str = "read") -> Path:
    """tmp_path/<prefix><n>, the next n: one folder per command, also for commands started from several threads."""
    with _RUN_DIRS:
        n = len(list(Path(tmp_path).glob(prefix + "*")))
        while (Path(tmp_path) / f"{prefix}{n}").exists():
            n += 1
        run_dir = Path(tmp_path) / f"{prefix}{n}"
        run_dir.mkdir(parents=True)
    return run_dir


def run_connector(tmp_path: Path, command: str, config: Union[Mapping[str, Any], str, None] = None,
                  streams: Iterable[str] = tuple(STREAMS), state: Optional[Mapping[str, Mapping[str, Any]]] = None,
                  incremental: Optional[bool] = None, timeout: float = READ_TIMEOUT,
                  entrypoint: Optional[Sequence[str]] = None, cwd: Path = REPO,
                  env: Optional[Mapping[str, str]] = None, raise_on_timeout: bool = True) -> ReadResult:
    """`python main.py <command>` (spec, check, discover, read; or `entrypoint` + the command) in a subprocess, its
    input files under a new folder of tmp_path; returns the parsed Airbyte messages (see run_command on timeouts)."""
    args = write_inputs(new_run_dir(tmp_path, command), command, config, streams, state, incremental)
    return run_command([*(entrypoint or [PYTHON, MAIN_PY]), *args], cwd=cwd, env=env, timeout=timeout,
                       raise_on_timeout=raise_on_timeout)


def run_read(tmp_path: Path, config: Mapping[str, Any], streams: Iterable[str] = tuple(STREAMS),
             state: Optional[Mapping[str, Mapping[str, Any]]] = None, incremental: Optional[bool] = None,
             timeout: float = READ_TIMEOUT, entrypoint: Optional[Sequence[str]] = None,
             cwd: Path = REPO, env: Optional[Mapping[str, str]] = None) -> ReadResult:
    """`python main.py read` (or `entrypoint` + `read ...`) in a subprocess; returns the parsed Airbyte messages."""
    return run_connector(tmp_path, "read", config, streams, state, incremental, timeout, entrypoint, cwd, env)


def is_record_line(line: str) -> bool:
    return line.startswith("{") and '"type":"RECORD"' in line.replace(" ", "")


def read_and_kill(tmp_path: Path, config: Mapping[str, Any], kill_after: int, streams: Iterable[str] = tuple(STREAMS),
                  state: Optional[Mapping[str, Mapping[str, Any]]] = None, incremental: Optional[bool] = None,
                  timeout: float = READ_TIMEOUT, env: Optional[Mapping[str, str]] = None) -> ReadResult:
    """`python main.py read`, SIGKILLed when its `kill_after`-th RECORD line arrives (a power cut, an OOM kill).

    Deterministic in what the caller is given: the result holds exactly the lines up to and including that RECORD
    (`killed` set, returncode -9); what the connector had written to the pipe after it is dropped, as if the platform
    had read no further. A read with fewer records runs to its end (`killed` False). At `timeout` it is killed
    whatever it printed (`timed_out` set)."""
    args = write_inputs(new_run_dir(tmp_path, "kill"), "read", config, streams, state, incremental)
    run_dir = Path(args[2]).parent
    started = time.monotonic()
    with open(run_dir / "stderr", "w") as err:
        proc = subprocess.Popen([PYTHON, MAIN_PY, *args], cwd=str(REPO), stdout=subprocess.PIPE, stderr=err, text=True,
                                bufsize=1, env=dict(env) if env is not None else None)
        guard = threading.Timer(timeout, proc.kill)
        guard.start()
        lines: List[str] = []
        records, killed = 0, False
        try:
            for line in proc.stdout:
                if not line.endswith("\n"):
                    break  # a half-written last line (the process died mid-write) is not a message
                lines.append(line)
                if is_record_line(line):
                    records += 1
                    if records >= kill_after:
                        proc.send_signal(signal.SIGKILL)
                        killed = True
                        break
            proc.stdout.close()
            proc.wait(timeout=30)
        finally:
            guard.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    timed_out = not killed and proc.returncode == -signal.SIGKILL
    stdout = "".join(lines)
    return ReadResult(proc.returncode, stdout, (run_dir / "stderr").read_text(), parse_messages(stdout),
                      wall=time.monotonic() - started, timed_out=timed_out, killed=killed)


# ---------------------------------------------------------------------------------------------------------
# A virtual environment with only airbyte-cdk (the manifest-only runtime)
# ---------------------------------------------------------------------------------------------------------

CDK_VERSION = importlib.metadata.version("airbyte-cdk")
CACHE_DIR = REPO / ".cache"


def base_image() -> str:
    """`connectorBuildOptions.baseImage` of metadata.yaml: `docker.io/airbyte/source-declarative-manifest:X@sha256:…`."""
    return yaml.safe_load((REPO / "metadata.yaml").read_text())["data"]["connectorBuildOptions"]["baseImage"]


def base_image_cdk_version() -> str:
    """The airbyte-cdk of the base image: source-declarative-manifest:X.Y.Z is built from airbyte-cdk X.Y.Z."""
    return base_image().split("@", 1)[0].rsplit(":", 1)[1]


@dataclass(frozen=True)
class Runtime:
    """An interpreter and an airbyte-cdk version, for a venv with nothing else (what the manifest-only image has)."""
    python: str  # "3.13"
    cdk: str  # "7.34.0"

    @property
    def label(self) -> str:
        return f"py{self.python}-cdk{self.cdk}"


# The image's own runtime (the base image runs Python 3.13 with the airbyte-cdk of its tag) and this project's
# (Python 3.11, the airbyte-cdk the project venv has): the runtime tests run on both.
IMAGE_RUNTIME = Runtime("3.13", base_image_cdk_version())
PROJECT_RUNTIME = Runtime(f"{sys.version_info.major}.{sys.version_info.minor}", CDK_VERSION)


def find_python(version: str) -> Optional[List[str]]:
    """A command that starts Python `version` (`3.13`), with the environment it needs, or None: this
    interpreter, `python3.13` on PATH, or pyenv's newest 3.13.x (its shim needs PYENV_VERSION)."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return [sys.executable]
    candidates = [[f"python{version}"]]
    try:
        installed = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        installed = ""
    for name in sorted((v.strip() for v in installed.split() if v.strip().startswith(version + ".")),
                       key=lambda v: [int(x) if x.isdigit() else 0 for x in v.split(".")], reverse=True):
        candidates.append(["env", f"PYENV_VERSION={name}", f"python{version}"])
    for command in candidates:
        try:
            probe = subprocess.run([*command, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                   capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return command
    return None


def cdk_only_venv(runtime: Runtime = PROJECT_RUNTIME) -> Path:
    """`pip install airbyte-cdk==<runtime.cdk>` into a fresh venv of `runtime.python`, nothing else; cached by
    runtime under `.cache/`. Built once (~1-2 min with a warm pip cache) and reused; a half-built one (no marker) is
    rebuilt; a file lock keeps two test processes from building it at once. Raises LookupError when that Python is
    not on this machine."""
    venv = CACHE_DIR / f"cdk-only-venv-{runtime.label}"
    marker = venv / ".complete"
    if marker.exists():
        return venv
    python = find_python(runtime.python)
    if python is None:
        raise LookupError(f"Python {runtime.python} is not installed here (neither python{runtime.python} on PATH "
                          "nor a pyenv version): the runtime tests of the image need it")
    CACHE_DIR.mkdir(exist_ok=True)
    with open(CACHE_DIR / ".cdk-only-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            subprocess.run([*python, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            f"airbyte-cdk=={runtime.cdk}"], check=True, timeout=1200, capture_output=True)
            marker.write_text(runtime.label)
    return venv


def clean_cdk_venv() -> Path:
    """The project's runtime (this interpreter, this airbyte-cdk) with only airbyte-cdk installed."""
    return cdk_only_venv(PROJECT_RUNTIME)


# ---------------------------------------------------------------------------------------------------------
# The image, as files: Airbyte's manifest-only template on its base image
# ---------------------------------------------------------------------------------------------------------

# What Airbyte's manifest-only template (airbytehq/airbyte docker-images/Dockerfile.manifest-only-connector, the
# Dockerfile `airbyte-cdk image build` writes) does on top of airbyte/source-declarative-manifest:
#   base image  /airbyte/integration_code/main.py runs source_declarative_manifest.run.run(), which hands every
#               command to handle_local_manifest_command when source_declarative_manifest/manifest.yaml exists;
#               source_declarative_manifest/ holds __init__.py, run.py (a copy of the CDK's _run.py), spec.json.
#   template    COPY . ./ through its .dockerignore (`*` then these names re-included), then copies manifest.yaml and
#               components.py (if any) into source_declarative_manifest/; WORKDIR /airbyte/integration_code.
TEMPLATE_INCLUDED_FILES = ("setup.py", "pyproject.toml", "poetry.lock", "poetry.toml", "manifest.yaml", "components.py",
                           "requirements.txt", "README.md", "metadata.yaml", "build_customization.py")
TEMPLATE_INCLUDED_PREFIXES = ("source_", "destination_")
IMAGE_ROOT = "/airbyte/integration_code"
# The base image's main.py calls run(), which takes the local-manifest path only when the absolute path
# /airbyte/integration_code/source_declarative_manifest/manifest.yaml exists; a layout elsewhere calls the handler
# that run() dispatches to.
IMAGE_MAIN_PY = ("import sys\n\nfrom source_declarative_manifest.run import handle_local_manifest_command\n\n"
                 "if __name__ == \"__main__\":\n    handle_local_manifest_command(sys.argv[1:])\n")


def tracked_files(repo: Path = REPO) -> List[str]:
    """The files a clean checkout of `repo` has (what CI clones), as paths relative to it."""
    out = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, text=True, check=True).stdout
    return [f for f in out.split("\0") if f]


def build_image_layout(dest: Path, venv: Path, repo: Path = REPO) -> Path:
    """/airbyte/integration_code of the image the template builds from `repo`, under `dest`, with the base image's
    files taken from `venv`'s airbyte-cdk. Returns the folder (the image's WORKDIR)."""
    import shutil

    root = Path(dest) / "integration_code"
    package = root / "source_declarative_manifest"
    package.mkdir(parents=True)
    cdk_sdm = next((venv / "lib").glob("python3*/site-packages/airbyte_cdk/cli/source_declarative_manifest"))
    (package / "__init__.py").write_text("")
    shutil.copy(cdk_sdm / "_run.py", package / "run.py")
    shutil.copy(cdk_sdm / "spec.json", package / "spec.json")
    (root / "main.py").write_text(IMAGE_MAIN_PY)
    for name in tracked_files(repo):
        top = name.split("/", 1)[0]
        if ("/" not in name and name in TEMPLATE_INCLUDED_FILES) or ("/" in name and top.startswith(TEMPLATE_INCLUDED_PREFIXES)):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(repo / name, root / name)
    shutil.copy(root / "manifest.yaml", package / "manifest.yaml")
    if (root / "components.py").exists():
        shutil.copy(root / "components.py", package / "components.py")
    return root


# A fork server: an interpreter that has imported the CDK once and forks a child per command. The child runs the
# entry point as `python <script> <args>` would (its own process, stdout and stderr on files, sys.excepthook and
# exit code as at a normal exit), without the ~1.5 s of imports each: for tables of many short commands.
_FORK_SERVER = r"""
import json, os, runpy, signal, sys, traceback
import airbyte_cdk.entrypoint, airbyte_cdk.cli.source_declarative_manifest._run  # noqa: F401  (the slow imports)
import airbyte_cdk.sources.declarative.concurrent_declarative_source, airbyte_cdk.sources.declarative.parsers.model_to_component_factory  # noqa: F401,E501
import airbyte_cdk.sources.declarative.yaml_declarative_source, requests, yaml  # noqa: F401
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel; their exit code goes to a file
script = sys.argv[1]
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid:
        print(pid, flush=True)
        continue
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.chdir(job["cwd"])
    for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    sys.stdin = open(os.devnull)
    sys.argv = [script, *job["args"]]
    sys.path[0] = os.path.dirname(script)
    code = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    with open(job["stdout"] + ".rc.tmp", "w") as f:
        f.write(str(code))
    os.rename(job["stdout"] + ".rc.tmp", job["stdout"] + ".rc")
    os._exit(code)
"""


class _ForkServer:
    def __init__(self, python: str, script: str, env: Mapping[str, str]) -> None:
        self.proc = subprocess.Popen([python, "-c", _FORK_SERVER, script], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=dict(env))
        self.lock = __import__("threading").Lock()
        self.spool = Path(__import__("tempfile").mkdtemp(prefix="fork-server-"))
        self.count = 0

    def run(self, args: Sequence[str], cwd: Path, timeout: float) -> ReadResult:
        with self.lock:
            self.count += 1
            out = self.spool / f"{self.count}.out"
            self.proc.stdin.write(json.dumps({"args": list(args), "cwd": str(cwd), "stdout": str(out),
                                              "stderr": str(out) + ".err"}) + "\n")
            self.proc.stdin.flush()
            pid = int(self.proc.stdout.readline())
        rc_file, deadline = Path(str(out) + ".rc"), time.monotonic() + timeout
        while not rc_file.exists():
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
                raise subprocess.TimeoutExpired(list(args), timeout)
            time.sleep(0.02)
        stdout, stderr = out.read_text(errors="replace"), Path(str(out) + ".err").read_text(errors="replace")
        return ReadResult(int(rc_file.read_text()), stdout, stderr, parse_messages(stdout))

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        __import__("shutil").rmtree(self.spool, ignore_errors=True)


@dataclass
class Door:
    """How a command reaches the connector: `main.py` of this checkout, or the image's handler in its layout."""
    name: str
    argv: Sequence[str]  # interpreter, script; followed by the command's own arguments
    cwd: Path
    env: Mapping[str, str]
    _warm: Optional[_ForkServer] = None

    def run(self, args: Sequence[str], timeout: float = READ_TIMEOUT, cwd: Optional[Path] = None) -> ReadResult:
        if self._warm is not None:
            return self._warm.run(args, cwd or self.cwd, timeout)
        return run_command([*self.argv, *args], cwd=cwd or self.cwd, env=self.env, timeout=timeout)

    @contextmanager
    def warm(self) -> Iterator["Door"]:
        """Commands inside run as children of a fork server that has the CDK imported (see _FORK_SERVER)."""
        server = _ForkServer(self.argv[0], self.argv[1], self.env)
        self._warm = server
        try:
            yield self
        finally:
            self._warm = None
            server.close()


def main_py_door() -> Door:
    return Door("main.py", [PYTHON, MAIN_PY], REPO, clean_env())


def image_door(dest: Path, runtime: Runtime = IMAGE_RUNTIME) -> Door:
    """The image's handler in the template's layout (built under `dest`), run by an airbyte-cdk-only venv of the
    image's Python, from the image's WORKDIR, without AIRBYTE_ENABLE_UNSAFE_CODE (bundled components are trusted)."""
    venv = cdk_only_venv(runtime)
    root = build_image_layout(dest, venv)
    return Door(f"image ({runtime.label})", [str(venv / "bin" / "python"), str(root / "main.py")], root, clean_env())


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
