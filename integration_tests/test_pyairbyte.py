"""PyAirbyte runs the manifest in-process (DeclarativeExecutor) and loads every stream into DuckDB.

How PyAirbyte 0.71 resolves custom components: with `source_manifest=<Path>` it looks for `components.py` next to
the manifest and injects its text as `__injected_components_py` (+ md5 checksum) into the config; the CDK execs it
and registers it as `components` and `source_declarative_manifest.components` (needs AIRBYTE_ENABLE_UNSAFE_CODE=true),
which is what the manifest's class names use. The test copies the committed manifest.yaml and components.py, unchanged,
into one directory, exactly as docs/snipeit.md shows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness import (COMPONENTS_PATH, MANIFEST_PATH, STREAMS, clean_env, make_config, run_read, running_emulator,
                       small_dataset)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with running_emulator(small_dataset(), rate_limit=100_000) as emu:
        yield {"emu": emu, "config": make_config(emu), "tmp": tmp_path_factory.mktemp("pyairbyte")}


def test_pyairbyte_reads_every_stream_into_duckdb(env, tmp_path, monkeypatch):
    monkeypatch.setenv("AIRBYTE_OFFLINE_MODE", "1")
    monkeypatch.setenv("AIRBYTE_ENABLE_UNSAFE_CODE", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    reference = run_read(env["tmp"], env["config"], streams=STREAMS, env=clean_env())
    assert reference.ok, reference.describe()
    expected = {stream: len(rows) for stream, rows in reference.records.items()}

    connector_dir = tmp_path / "source-snipeit"
    connector_dir.mkdir()
    manifest_path = Path(shutil.copy(MANIFEST_PATH, connector_dir / "manifest.yaml"))
    shutil.copy(COMPONENTS_PATH, connector_dir / "components.py")
    source = ab.get_source("source-snipeit", config=env["config"], source_manifest=manifest_path)
    source.check()
    source.select_streams(list(expected))  # the reference read covers the first ten streams
    cache = DuckDBCache(db_path=tmp_path / "snipeit.duckdb", cache_dir=tmp_path / "cache")
    result = source.read(cache=cache)

    counts = {name: len(dataset) for name, dataset in result.streams.items()}
    assert counts == expected
    with cache.get_sql_engine().connect() as conn:
        import sqlalchemy

        for stream, n in expected.items():
            table = cache.processor.normalizer.normalize(stream)
            got = conn.execute(sqlalchemy.text(f'SELECT COUNT(*) FROM "{cache.schema_name}"."{table}"')).scalar()
            assert got == n, (stream, got, n)
