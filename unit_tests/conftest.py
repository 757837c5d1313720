"""Shared helpers: build the source from manifest.yaml and read it through the CDK's public entrypoint."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional
from urllib.parse import urlencode

import pytest

from airbyte_cdk.models import AirbyteStateMessage, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder, ConfiguredAirbyteStreamBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder

from source_snipeit import layout

layout.install()  # components.py under the names the manifest resolves, before anything imports it

from components import SyncContext  # noqa: E402
from source_snipeit.run import SourceSnipeit

# Long on purpose: the CDK masks secrets in logs, and a short one would mangle unrelated text.
TOKEN = "unit-test-token-7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d"
BASE_URL = "https://snipe.example.com"
API = f"{BASE_URL}/api/v1"
FIXTURES = Path(__file__).parent / "resource" / "http" / "response"


def make_config(**overrides: Any) -> Dict[str, Any]:
    config = {"base_url": BASE_URL, "api_token": TOKEN, "rate_limit_window_seconds": 1}
    config.update(overrides)
    return config


def fixture_row(stream: str) -> Dict[str, Any]:
    """The API's sample row for a stream (resource/http/response/<stream>.json)."""
    return json.loads((FIXTURES / f"{stream}.json").read_text())["rows"][0]


def rows_like(stream: str, ids: Iterable[int], **fields: Any) -> List[Dict[str, Any]]:
    """Copies of the sample row with the given ids (and fields)."""
    template = fixture_row(stream)
    out = []
    for i in ids:
        row = copy.deepcopy(template)
        row["id"] = i
        row.update({k: (v(i) if callable(v) else v) for k, v in fields.items()})
        out.append(row)
    return out


def page(rows: List[Dict[str, Any]], total: Optional[int] = None) -> Dict[str, Any]:
    return {"total": len(rows) if total is None else total, "rows": rows}


def list_url(path: str, offset: int, limit: int = 500, sort: str = "id", order: str = "asc", **extra: Any) -> str:
    query = {"offset": offset, "limit": limit, "sort": sort, "order": order, **extra}
    return f"{API}/{path}?{urlencode(query)}"


def mock_page(mocker, path: str, offset: int, body: Any, http_status: int = 200, headers: Optional[Mapping] = None, **query: Any):
    """Register exactly one page request (offset, limit, sort, order and any extra parameter must all match)."""
    return mocker.get(list_url(path, offset, **query), json=body, status_code=http_status, headers=headers or {}, complete_qs=True)


def catalog_for(*streams: str, sync_mode: SyncMode = SyncMode.full_refresh):
    builder = CatalogBuilder()
    for name in streams:
        builder.with_stream(ConfiguredAirbyteStreamBuilder().with_name(name).with_sync_mode(sync_mode).with_primary_key([["id"]]))
    return builder.build()


def state_for(stream: str, cursor: str) -> List[AirbyteStateMessage]:
    return StateBuilder().with_stream_state(stream, {"updated_at_datetime": cursor}).build()


def run_read(stream: str, config: Optional[Dict[str, Any]] = None, state: Optional[List[AirbyteStateMessage]] = None,
             sync_mode: Optional[SyncMode] = None, expect_failure: bool = False) -> EntrypointOutput:
    config = config or make_config()
    if sync_mode is None:
        sync_mode = SyncMode.incremental if state else SyncMode.full_refresh
    catalog = catalog_for(stream, sync_mode=sync_mode)
    source = SourceSnipeit(catalog=catalog, config=config, state=state)
    return read(source, config, catalog, state, expecting_exception=expect_failure)


def records_of(output: EntrypointOutput) -> List[Dict[str, Any]]:
    return [message.record.data for message in output.records]


def final_state(output: EntrypointOutput, stream: str) -> Optional[Dict[str, Any]]:
    states = [m.state.stream.stream_state for m in output.state_messages
              if m.state.stream and m.state.stream.stream_descriptor.name == stream]
    return states[-1].__dict__ if states and hasattr(states[-1], "__dict__") else (states[-1] if states else None)


@pytest.fixture(autouse=True)
def _fresh_pacer():
    """Each test gets its own request pacer (it is shared per process and instance URL in real runs)."""
    SyncContext.reset()
    yield
    SyncContext.reset()
