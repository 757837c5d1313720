"""Helpers shared by the runtime tests (standard suite, source-declarative-manifest, PyAirbyte, image layout).

Every test module starts its own in-process emulator on 127.0.0.1 (free port) with a small dataset and
stops it at the end of the module. Nothing here is a pytest conftest: import what you need.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `source_snipeit` and `snipeit_emulator` are not installed in the venv
    sys.path.insert(0, str(REPO_ROOT))

from snipeit_emulator import DEFAULT_TOKEN, Dataset, Emulator  # noqa: E402

MANIFEST_PATH = REPO_ROOT / "manifest.yaml"
COMPONENTS_PATH = REPO_ROOT / "source_snipeit" / "components.py"
CATALOG_PATH = REPO_ROOT / "integration_tests" / "configured_catalog.json"
ABNORMAL_STATE_PATH = REPO_ROOT / "integration_tests" / "abnormal_state.json"
INVALID_CONFIG_PATH = REPO_ROOT / "integration_tests" / "invalid_config.json"
PYTHON = sys.executable
SDM_SCRIPT = Path(sys.executable).with_name("source-declarative-manifest")

# The class-name prefix the repo's manifest uses, and the module name the CDK registers custom components under
# when they come from --components-path or __injected_components_py.
REPO_COMPONENTS_PREFIX = "source_snipeit.components."
INJECTED_COMPONENTS_PREFIX = "components."

SUBPROCESS_TIMEOUT = 120


def start_emulator() -> Emulator:
    ds = Dataset.generate(
        seed=1, hardware=300, users=50, companies=3, locations=6, categories=5, manufacturers=4,
        suppliers=4, models=10, statuslabels=5, departments=4,
    )
    # A high throttle: a module runs several full reads and must not spend time in 429 back-offs.
    emu = Emulator(dataset=ds, host="127.0.0.1", port=0, rate_limit=100000)
    emu.start()
    return emu


def emulator_config(emu: Emulator, **overrides: Any) -> Dict[str, Any]:
    # requests_per_minute matches the emulator's raised throttle, so the connector's pacer does not slow reads.
    config: Dict[str, Any] = {"base_url": emu.url, "api_token": DEFAULT_TOKEN, "requests_per_minute": 100000}
    config.update(overrides)
    return config


def write_json(path: Path, obj: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))
    return path


def manifest_dict() -> Dict[str, Any]:
    return yaml.safe_load(MANIFEST_PATH.read_text())


def rewrite_class_names(manifest_text: str, new_prefix: str = INJECTED_COMPONENTS_PREFIX) -> str:
    out = manifest_text.replace(REPO_COMPONENTS_PREFIX, new_prefix)
    assert "source_snipeit" not in out, "manifest still references source_snipeit after the rewrite"
    return out


def write_injectable_connector(directory: Path, new_prefix: str = INJECTED_COMPONENTS_PREFIX) -> Path:
    """manifest.yaml (class names rewritten to `<new_prefix>X`) + components.py side by side; returns the manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.yaml").write_text(rewrite_class_names(MANIFEST_PATH.read_text(), new_prefix))
    (directory / "components.py").write_text(COMPONENTS_PATH.read_text())
    return directory / "manifest.yaml"


def md5_text(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def clean_env(**extra: str) -> Dict[str, str]:
    """Environment for connector subprocesses: no PYTHONPATH (so `source_snipeit` is not importable outside the
    repo), no inherited AIRBYTE_ENABLE_UNSAFE_CODE unless asked for."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AIRBYTE_ENABLE_UNSAFE_CODE")}
    env.update(extra)
    return env


def run_cli(args: List[str], *, cwd: Path, env: Optional[Mapping[str, str]] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=str(cwd), env=dict(env) if env is not None else clean_env(), capture_output=True, text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )


def parse_messages(stdout: str) -> List[Dict[str, Any]]:
    messages = []
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    return messages


def error_traces(messages: List[Dict[str, Any]]) -> List[str]:
    return [
        str(m["trace"]["error"].get("message")) + "\n" + str(m["trace"]["error"].get("stack_trace", ""))[-2000:]
        for m in messages
        if m.get("type") == "TRACE" and (m.get("trace") or {}).get("type") == "ERROR"
    ]


def records_by_stream(messages: List[Dict[str, Any]]) -> Dict[str, List[str]]:
    """Record data per stream, each as canonical JSON (sorted keys)."""
    out: Dict[str, List[str]] = {}
    for m in messages:
        if m.get("type") == "RECORD":
            rec = m["record"]
            out.setdefault(rec["stream"], []).append(json.dumps(rec["data"], sort_keys=True))
    return out


def as_sets(records: Mapping[str, List[str]]) -> Dict[str, Set[str]]:
    return {stream: set(rows) for stream, rows in records.items()}


def assert_successful_read(proc: subprocess.CompletedProcess, label: str) -> List[Dict[str, Any]]:
    messages = parse_messages(proc.stdout)
    errors = error_traces(messages)
    assert proc.returncode == 0 and not errors, (
        f"{label} failed (exit {proc.returncode}):\n" + "\n".join(errors) + "\nstderr:\n" + proc.stderr[-3000:]
    )
    return messages


MAIN_PY_EQUIVALENT = (
    # What main.py read does, with the catalog read by the Source classmethod (run.py calls
    # AirbyteEntrypoint.read_catalog, which airbyte-cdk 7.39.1 does not have). Used only as a stand-in reference
    # while main.py read is broken, so that the other runtimes are still compared; test_main_py_read fails then.
    "import sys\n"
    "from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch\n"
    "from source_snipeit.run import SourceSnipeit, _read_json\n"
    "p = AirbyteEntrypoint.parse_args(sys.argv[1:])\n"
    "launch(SourceSnipeit(catalog=SourceSnipeit.read_catalog(p.catalog), config=_read_json(p.config), state=None),"
    " sys.argv[1:])\n"
)


def main_py_read_proc(config_path: Path, catalog_path: Path = CATALOG_PATH) -> subprocess.CompletedProcess:
    """`python main.py read` from the repo root: the reference every runtime is compared to."""
    return run_cli(
        [PYTHON, "main.py", "read", "--config", str(config_path), "--catalog", str(catalog_path)], cwd=REPO_ROOT
    )


def check_reference(records: Mapping[str, List[str]], catalog_path: Path = CATALOG_PATH) -> None:
    catalog_streams = {s["stream"]["name"] for s in json.loads(catalog_path.read_text())["streams"]}
    assert set(records) == catalog_streams, f"the reference read returned records for {sorted(records)} only"
    for stream, rows in records.items():
        assert len(rows) == len(set(rows)), f"the reference read emitted duplicate records in {stream}"


def reference_read(config_path: Path, catalog_path: Path = CATALOG_PATH) -> Dict[str, Any]:
    """main.py read's records; if main.py read fails, the stand-in's records and main.py's failure."""
    proc = main_py_read_proc(config_path, catalog_path)
    try:
        records = records_by_stream(assert_successful_read(proc, "main.py read"))
        main_py_error = None
    except AssertionError as exc:
        main_py_error = str(exc)
        stand_in = run_cli(
            [PYTHON, "-c", MAIN_PY_EQUIVALENT, "read", "--config", str(config_path), "--catalog", str(catalog_path)],
            cwd=REPO_ROOT,
        )
        records = records_by_stream(assert_successful_read(stand_in, "main.py-equivalent read"))
    check_reference(records, catalog_path)
    return {"records": records, "main_py_error": main_py_error}


def emulator_fixture(tmp_path_factory) -> Iterator[Dict[str, Any]]:
    """Generator for a module-scoped fixture: a running emulator, a config file for it, and main.py's records."""
    emu = start_emulator()
    try:
        tmp = tmp_path_factory.mktemp("snipeit-runtime")
        config = emulator_config(emu)
        config_path = write_json(tmp / "config.json", config)
        yield {"emu": emu, "config": config, "config_path": config_path, "tmp": tmp}
    finally:
        emu.stop()
