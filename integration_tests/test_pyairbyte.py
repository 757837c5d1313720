"""PyAirbyte runs the manifest in-process (DeclarativeExecutor) and loads every stream into DuckDB.

How PyAirbyte 0.71 resolves custom components: with `source_manifest=<Path>` it looks for `components.py` next to
the manifest and injects its text as `__injected_components_py` (+ md5 checksum) into the config; the CDK execs it
as module `components` (needs AIRBYTE_ENABLE_UNSAFE_CODE=true). So the manifest's class names must be
`components.X`: the test writes manifest.yaml (rewritten) + components.py into a temp dir, exactly as
docs/snipeit.md shows.
"""

from __future__ import annotations


import pytest

from integration_tests.runtime_fixtures import emulator_fixture, reference_read, write_injectable_connector


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from emulator_fixture(tmp_path_factory)


def test_pyairbyte_reads_every_stream_into_duckdb(env, tmp_path, monkeypatch):
    monkeypatch.setenv("AIRBYTE_OFFLINE_MODE", "1")
    monkeypatch.setenv("AIRBYTE_ENABLE_UNSAFE_CODE", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    expected = {stream: len(rows) for stream, rows in reference_read(env["config_path"])["records"].items()}

    manifest_path = write_injectable_connector(tmp_path / "source-snipeit")  # manifest.yaml + components.py
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
