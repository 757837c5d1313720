"""The Connector Builder's backend (`python -m airbyte_cdk.connector_builder.main`) on the committed manifest and
components, against the emulator, from the CDK-only environment (what the Builder runs: it passes the manifest as
`__injected_declarative_manifest` and components.py as `__injected_components_py` + checksum in the config).

- `resolve_manifest` loads the manifest with its components and returns every stream.
- `test_read` honours the record, page and slice limits of `__test_read_config` (checked on the emulator's request
  log, not only on what the Builder shows) and shows each page with its request URL and response body, the records
  of a page being rows of that page's response.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List
from urllib.parse import parse_qsl, urlsplit

import pytest

from harness import (
    ALL_STREAMS,
    COMPONENTS_PATH,
    clean_cdk_venv,
    clean_env,
    make_catalog,
    make_config,
    manifest_dict,
    md5_text,
    run_command,
    running_emulator,
    small_dataset,
    write_json,
)


@pytest.fixture(scope="module")
def emu():
    with running_emulator(small_dataset(), rate_limit=100_000) as emu:
        yield emu


@pytest.fixture(scope="module")
def builder(tmp_path_factory):
    """builder(command, config, stream=None) -> the handler's one output message (RECORD data or TRACE)."""
    python = str(clean_cdk_venv() / "bin" / "python")
    tmp = tmp_path_factory.mktemp("builder")
    components = COMPONENTS_PATH.read_text()

    def run(command: str, config: Dict[str, Any], stream: str = "hardware", **limits: int) -> Dict[str, Any]:
        n = len(list(tmp.iterdir()))
        full_config = {
            **config,
            "__command": command,
            "__injected_declarative_manifest": manifest_dict(),
            "__injected_components_py": components,
            "__injected_components_py_checksums": {"md5": md5_text(components)},
            "__test_read_config": limits,
        }
        config_path = write_json(tmp / f"config{n}.json", full_config)
        catalog_path = write_json(tmp / f"catalog{n}.json", make_catalog([stream]))
        result = run_command(
            [python, "-m", "airbyte_cdk.connector_builder.main", "read", "--config", str(config_path),
             "--catalog", str(catalog_path)],
            cwd=tmp, env=clean_env(AIRBYTE_ENABLE_UNSAFE_CODE="true"),
        )
        outputs = [m for m in result.messages if m.get("type") in ("RECORD", "TRACE")]
        assert result.returncode == 0 and len(outputs) == 1, result.describe()
        assert outputs[0]["type"] == "RECORD", json.dumps(outputs[0])[:3000]
        return outputs[0]["record"]["data"]

    return run


def _api_requests(emu, path: str) -> List[Dict[str, Any]]:
    return [r for r in emu.requests() if r["path"] == f"/api/v1/{path}"]


def _pages(stream_read: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [page for s in stream_read["slices"] for page in s["pages"]]


def _records(stream_read: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [record for page in _pages(stream_read) for record in page["records"]]


def test_resolve_manifest_loads_the_committed_manifest_with_its_components(builder, emu):
    resolved = builder("resolve_manifest", make_config(emu))["manifest"]
    assert [s["name"] for s in resolved["streams"]] == ALL_STREAMS
    retriever = resolved["streams"][0]["retriever"]
    assert retriever["class_name"] == "source_declarative_manifest.components.SnipeItRetriever"


def test_test_read_stops_at_the_page_limit_and_shows_every_page(builder, emu):
    emu.clear_requests()
    # 300 assets at 40 a page need 8+ pages: the page limit (3) is what stops the read.
    stream_read = builder("test_read", make_config(emu, page_size=40), max_pages_per_slice=3, max_records=1000)
    sent = _api_requests(emu, "hardware")
    pages = _pages(stream_read)
    assert 1 <= len(sent) <= 3, [r["query"] for r in sent]
    assert len(pages) == len(sent), "every request the connector sent is shown as a page, and only those"
    assert stream_read["test_read_limit_reached"] is True
    for page, request in zip(pages, sent):
        url = urlsplit(page["request"]["url"])
        assert url.path == "/api/v1/hardware"
        assert dict(parse_qsl(url.query)) == request["query"]
        body = json.loads(page["response"]["body"])
        response_ids = {row["id"] for row in body["rows"]}
        # A page's records are rows of that page's response (the overlap row re-read is not emitted twice).
        assert page["records"] and {r["id"] for r in page["records"]} <= response_ids
    ids = [r["id"] for r in _records(stream_read)]
    assert len(ids) == len(set(ids))


def test_test_read_stops_at_the_record_limit(builder, emu):
    emu.clear_requests()
    stream_read = builder("test_read", make_config(emu, page_size=40), max_records=25, max_pages_per_slice=5)
    records = _records(stream_read)
    assert len(records) == 25
    assert stream_read["test_read_limit_reached"] is True
    # It stops requesting once the limit is reached: the last page sent was needed for the 25th record.
    pages = _pages(stream_read)
    assert len(pages) == len(_api_requests(emu, "hardware"))
    assert sum(len(p["records"]) for p in pages[:-1]) < 25 <= sum(len(p["records"]) for p in pages)


def test_test_read_of_license_seats_honours_the_slice_limit(builder, emu):
    emu.clear_requests()
    stream_read = builder("test_read", make_config(emu, page_size=2), stream="license_seats",
                          max_slices=2, max_pages_per_slice=3, max_records=1000)
    seats = _records(stream_read)
    assert seats
    licenses = {r["license_id"] for r in seats}
    assert len(licenses) <= 2
    seat_requests = [r for r in emu.requests() if r["path"].endswith("/seats")]
    assert {r["path"] for r in seat_requests} == {f"/api/v1/licenses/{i}/seats" for i in licenses}
    for path in {r["path"] for r in seat_requests}:  # each license is a slice, with its own page limit
        assert len([r for r in seat_requests if r["path"] == path]) <= 3
    # The /licenses pages the partitions come from are shown as auxiliary requests, not as pages of seats.
    parent = [a for a in stream_read["auxiliary_requests"] if "/api/v1/licenses?" in a["request"]["url"]]
    assert parent and all(a["title"].startswith("Parent stream") for a in parent)
    assert all("/seats" in p["request"]["url"] for p in _pages(stream_read))

