"""The README's hand-run path works as written: its commands, run one by one against the bundled emulator.

The block between ``<!-- hand-run:start -->`` and ``<!-- hand-run:end -->`` is read from README.md. ``make install``
is what created this venv, and the emulator line is replaced by an in-process emulator on a free port (8080 may be
taken); every other line runs as written through bash, with only the sample config's port and the output files
moved into the test's directory.
"""

from __future__ import annotations

import json
import subprocess
import sys

from snipeit_emulator import DEFAULT_TOKEN, Dataset

from harness import REPO, parse_messages

SAMPLE_CONFIG = REPO / "integration_tests" / "sample_config.json"


def _hand_run_commands():
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- hand-run:start -->", 1)[1].split("<!-- hand-run:end -->", 1)[0]
    lines = [l.strip() for l in block.splitlines() if l.strip() and not l.startswith("```")]
    return [l.split("   #", 1)[0].strip() for l in lines]


def test_sample_config_is_the_emulators_and_holds_its_token():
    config = json.loads(SAMPLE_CONFIG.read_text())
    assert config["api_token"] == DEFAULT_TOKEN
    assert config["base_url"] == "http://127.0.0.1:8080"
    assert any("--port 8080" in c for c in _hand_run_commands())


def test_readme_hand_run_commands_work_as_written(tmp_path, start_emulator):
    emu = start_emulator(Dataset.generate(seed=2, hardware=120, users=30), rate_limit=100000)
    config = dict(json.loads(SAMPLE_CONFIG.read_text()), base_url=emu.url)
    (tmp_path / "sample_config.json").write_text(json.dumps(config))
    outputs = []
    for command in _hand_run_commands():
        if command == "make install" or "-m snipeit_emulator" in command:
            continue
        line = (command.replace(".venv/bin/python", sys.executable)
                .replace("integration_tests/sample_config.json", str(tmp_path / "sample_config.json"))
                .replace("messages.jsonl", str(tmp_path / "messages.jsonl"))
                .replace("state.json", str(tmp_path / "state.json")))
        proc = subprocess.run(["bash", "-c", f"set -euo pipefail; {line}"], cwd=REPO, capture_output=True,
                              text=True, timeout=180)
        assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        out = (tmp_path / "messages.jsonl").read_text() if "> messages.jsonl" in command else proc.stdout
        outputs.append((command, out))
    by_command = {c.split(" --")[0].split()[-1] + (" --state" if "--state" in c else ""): o for c, o in outputs}
    assert '"status":"SUCCEEDED"' in by_command["check"]
    assert '"type":"CATALOG"' in by_command["discover"]
    first = [m for m in parse_messages(by_command["read"]) if m["type"] == "RECORD"]
    second = [m for m in parse_messages(by_command["read --state"]) if m["type"] == "RECORD"]
    state = json.loads((tmp_path / "state.json").read_text())
    assert {s["stream"]["stream_descriptor"]["name"] for s in state} >= {"hardware", "users", "activity"}
    assert len({r["record"]["stream"] for r in first}) == 21
    # nothing changed between the two reads: only rows at the cursor's second (and full-refresh license_seats) again
    hardware = [r for r in first if r["record"]["stream"] == "hardware"]
    hardware_again = [r for r in second if r["record"]["stream"] == "hardware"]
    assert len(second) < len(first) and len(hardware_again) < len(hardware) / 2, (len(hardware_again), len(hardware))


def test_state_from_messages_keeps_the_last_state_of_each_stream(tmp_path):
    messages = tmp_path / "m.jsonl"
    messages.write_text("\n".join([
        "not json",
        json.dumps({"type": "STATE", "state": {"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "users"}, "stream_state": {"updated_at_datetime": "2024-01-01T00:00:00Z"}}}}),
        json.dumps({"type": "RECORD", "record": {"stream": "users", "data": {"id": 1}, "emitted_at": 1}}),
        json.dumps({"type": "STATE", "state": {"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "users"}, "stream_state": {"updated_at_datetime": "2025-01-01T00:00:00Z"}}}}),
    ]))
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "state_from_messages.py"), str(messages)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [{"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "users"}, "stream_state": {"updated_at_datetime": "2025-01-01T00:00:00Z"}}}]
    empty = subprocess.run([sys.executable, str(REPO / "scripts" / "state_from_messages.py"), "-"], input="",
                           capture_output=True, text=True, timeout=30)
    assert empty.returncode == 1 and "no STATE message" in empty.stderr
