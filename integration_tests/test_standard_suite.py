"""airbyte-cdk's standard test suite (DeclarativeSourceTestSuite) against the in-process emulator.

How the suite works (airbyte-cdk 7.39.1, airbyte_cdk/test/standard_tests/):
- connector root = first parent of this file with metadata.yaml/manifest.yaml/acceptance-test-config.yml (the repo).
- manifest = <root>/manifest.yaml, passed as source_config; components = <root>/components.py, injected into the
  config as __injected_components_py (+ md5), which the CDK registers as `source_declarative_manifest.components`.
  components.py is at the root, where the suite looks for it: it loads the committed manifest and components the
  way the platform does, not through this package's imports.
- scenarios = one per config_path listed under spec/connection/discovery/basic_read/full_refresh of
  acceptance-test-config.yml (the `incremental` section is NOT collected; tested explicitly below). Configs are read
  from disk when a test runs; `secrets/config.json` and `integration_tests/invalid_config.json` are redirected to
  files generated for the emulator (see get_scenarios).
- The Docker image tests inherited from DockerConnectorTestSuite are not collected here: there is no Docker daemon,
  and `docker build` of the image is outside this suite (docs/building-the-image.md).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from airbyte_cdk.models import Status, SyncMode
from airbyte_cdk.test.entrypoint_wrapper import discover as ew_discover, read as ew_read
from airbyte_cdk.test.entrypoint_wrapper import _run_command
from airbyte_cdk.test.standard_tests import DeclarativeSourceTestSuite
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401 (pytest hook)

from boltons.typeutils import classproperty

from harness import (
    ABNORMAL_STATE_PATH,
    CATALOG_PATH,
    COMPONENTS_PATH,
    INVALID_CONFIG_PATH,
    REPO,
    make_config,
    new_emulator,
    small_dataset,
    write_json,
)
from source_snipeit.run import SourceSnipeit

# Collected before any fixture runs, so the paths are fixed at import and filled in by the fixture below.
_RUNTIME_DIR = Path(tempfile.mkdtemp(prefix="snipeit-standard-suite-"))
VALID_CONFIG = _RUNTIME_DIR / "config.json"
INVALID_CONFIG = _RUNTIME_DIR / "invalid_config.json"
REDIRECTS = {
    Path("secrets/config.json"): VALID_CONFIG,
    # invalid_config.json points at 127.0.0.1:9 and fails only after ~70 s of connection retries; its wrong token
    # against the emulator fails the check at once (401), which is the same scenario without the wait.
    Path("integration_tests/invalid_config.json"): INVALID_CONFIG,
}


@pytest.fixture(scope="module", autouse=True)
def emulator():
    emu = new_emulator(small_dataset(), rate_limit=100_000)
    try:
        write_json(VALID_CONFIG, make_config(emu))
        invalid = json.loads(INVALID_CONFIG_PATH.read_text())
        write_json(INVALID_CONFIG, {**invalid, "base_url": emu.url})
        yield emu
    finally:
        emu.stop()
        shutil.rmtree(_RUNTIME_DIR, ignore_errors=True)


class TestSnipeitStandardSuite(DeclarativeSourceTestSuite):
    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return REPO

    @classproperty
    def components_py_path(cls) -> Path:
        return COMPONENTS_PATH

    @classmethod
    def get_scenarios(cls):
        scenarios = super().get_scenarios()
        redirected = []
        for scenario in scenarios:
            target = REDIRECTS.get(scenario.config_path) if scenario.config_path else None
            redirected.append(scenario.model_copy(update={"config_path": target}) if target else scenario)
        # What acceptance-test-config.yml must keep declaring for this file to test anything.
        by_path = {s.config_path: s for s in redirected}
        assert VALID_CONFIG in by_path and INVALID_CONFIG in by_path, sorted(map(str, by_path))
        assert by_path[VALID_CONFIG].runs("check", "discover", "read")
        assert by_path[INVALID_CONFIG].status == "failed"
        return redirected

    # Docker image tests: no daemon here (see module docstring). Not collected rather than skipped.
    test_docker_image_build_and_spec = None
    test_docker_image_spec_backward_compatibility = None
    test_docker_image_build_and_check = None
    test_docker_image_build_and_config_matches_spec = None
    test_docker_image_build_and_discover = None
    test_docker_image_build_and_read = None


# --------------------------------------------------------------------------------------------------------------
# Explicit equivalents of the acceptance-test-config.yml entries the suite does not run.
# --------------------------------------------------------------------------------------------------------------


def _config():
    return json.loads(VALID_CONFIG.read_text())


def _catalog(sync_mode: SyncMode):
    from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer

    raw = json.loads(CATALOG_PATH.read_text())
    for s in raw["streams"]:
        if sync_mode.value in s["stream"]["supported_sync_modes"]:  # license_seats: full refresh only
            s["sync_mode"] = sync_mode.value
    return ConfiguredAirbyteCatalogSerializer.load(raw)


def _cursors():
    """stream -> its cursor field, for the catalog's incremental streams (activity: created_at_datetime)."""
    return {s["stream"]["name"]: s["cursor_field"][0] for s in json.loads(CATALOG_PATH.read_text())["streams"]
            if s["sync_mode"] == "incremental"}


def _check(config_path: Path):
    config = json.loads(config_path.read_text())
    return _run_command(SourceSnipeit(config=config), ["check", "--config", str(config_path)])


def test_check_valid_config_succeeds():
    out = _check(VALID_CONFIG)
    assert [m.connectionStatus.status for m in out.connection_status_messages] == [Status.SUCCEEDED]


def test_check_invalid_token_fails():
    out = _check(INVALID_CONFIG)
    assert [m.connectionStatus.status for m in out.connection_status_messages] == [Status.FAILED]


def test_discover_lists_catalog_streams():
    out = ew_discover(SourceSnipeit(config=_config()), _config())
    assert not out.errors
    discovered = {s.name: s for s in out.catalog.catalog.streams}
    wanted = {s["stream"]["name"] for s in json.loads(CATALOG_PATH.read_text())["streams"]}
    assert wanted <= set(discovered)
    for name in _cursors():
        assert SyncMode.incremental in discovered[name].supported_sync_modes, name


def test_full_refresh_reads_every_stream():
    catalog = _catalog(SyncMode.full_refresh)
    out = ew_read(SourceSnipeit(config=_config(), catalog=catalog), _config(), catalog)
    assert not out.errors, out.get_formatted_error_message()
    streams = {r.record.stream for r in out.records}
    assert streams == {s.stream.name for s in catalog.streams}


def test_incremental_with_future_state_is_read_as_if_it_had_none():
    """acceptance-test-config.yml `incremental.future_state`: abnormal_state.json (2099 cursors, later than the
    instance's clock). Issue 20: a stream is read as if it had no state, with a warning naming it and its cursor, and
    its state comes back to the newest row read (the retired CAT check expected no records and the 2099 cursor
    kept: a stream that would never sync again)."""
    from airbyte_cdk.models import AirbyteStateMessageSerializer

    catalog = _catalog(SyncMode.incremental)
    state = [AirbyteStateMessageSerializer.load(m) for m in json.loads(ABNORMAL_STATE_PATH.read_text())]
    out = ew_read(SourceSnipeit(config=_config(), catalog=catalog, state=state), _config(), catalog, state=state)
    assert not out.errors, out.get_formatted_error_message()
    final = {}
    for m in out.state_messages:
        s = m.state.stream
        final[s.stream_descriptor.name] = s.stream_state.__dict__ if s.stream_state else {}
    assert set(final) == {s.stream.name for s in catalog.streams}, sorted(final)
    warnings = [m.log.message for m in out.logs if "later than the instance's clock" in m.log.message]
    for name, cursor in _cursors().items():
        records = [r.record.data for r in out.records if r.record.stream == name]
        assert records, f"{name}: nothing read with a future state"
        newest = max(r[cursor] for r in records if r.get(cursor))
        assert final[name].get(cursor) == newest, (name, final[name])
        assert [w for w in warnings if w.startswith(f"Stream {name}:") and "2099-01-01T00:00:00Z" in w], name


def test_incremental_without_state_then_with_its_final_state():
    """A first incremental read returns records; a second one from its final state returns none (no changes)."""
    catalog = _catalog(SyncMode.incremental)
    first = ew_read(SourceSnipeit(config=_config(), catalog=catalog), _config(), catalog)
    assert not first.errors, first.get_formatted_error_message()
    assert first.records
    state = first.most_recent_state
    assert state is not None
    states = []
    latest = {}
    for m in first.state_messages:
        latest[m.state.stream.stream_descriptor.name] = m.state
    states = list(latest.values())
    second = ew_read(SourceSnipeit(config=_config(), catalog=catalog, state=states), _config(), catalog, state=states)
    assert not second.errors, second.get_formatted_error_message()
    # Records at exactly the cursor may be re-emitted (inclusive lower bound); nothing older may be.
    first_ids = {(r.record.stream, r.record.data.get("id")) for r in first.records}
    assert len(second.records) < len(first.records)
    assert {(r.record.stream, r.record.data.get("id")) for r in second.records} <= first_ids
