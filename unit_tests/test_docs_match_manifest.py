"""docs/snipeit.md describes this connector: every stream, config field and column type of manifest.yaml is in it.

Adding a stream, a config field or a column type to the manifest without documenting it fails here, and so does a
stream row whose API path, permission, sync modes, cursor or server-computed columns disagree with the manifest.
"""

import json
import re
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yaml").read_text())
DOCS = (ROOT / "docs" / "snipeit.md").read_text()
# Columns Snipe-IT computes when it answers (counts, what is left, checkout state, an asset's age and book value):
# they change without the row's updated_at, which the docs must say per stream.
SERVER_COMPUTED = re.compile(r"(_count|_total)$|^remaining(_qty)?$|^(book_value|age|user_can_checkout)$")


def _table(header_start: str) -> Dict[str, List[str]]:
    """The markdown table whose header row starts with header_start: first cell (without backticks) -> cells."""
    lines = DOCS.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(header_start)), None)
    assert start is not None, f"docs/snipeit.md has no table starting {header_start!r}"
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for key in re.findall(r"`([^`]+)`", cells[0]) or [cells[0]]:
            rows[key] = cells
    return rows


def _streams():
    for stream in MANIFEST["streams"]:
        params = stream.get("$parameters", {})
        incremental = "incremental_sync" in stream or stream.get("$ref", "").endswith("/incremental_stream")
        yield params["name"], params, incremental


STREAM_TABLE = _table("| Stream | API path |")


def test_every_manifest_stream_has_a_row_in_the_stream_table():
    missing = [name for name, _, _ in _streams() if name not in STREAM_TABLE]
    assert not missing, f"streams missing from docs/snipeit.md: {missing}"
    assert len(STREAM_TABLE) == len(MANIFEST["streams"]), "the stream table lists streams the manifest does not have"


@pytest.mark.parametrize("name, params, incremental", list(_streams()), ids=[n for n, _, _ in _streams()])
def test_stream_row_matches_the_manifest(name, params, incremental):
    stream, path, permission, modes, cursor, changing = STREAM_TABLE[name]
    expected_path = "/api/v1/licenses/{id}/seats" if name == "license_seats" else f"/api/v1/{params['resource']}"
    assert f"`{expected_path}`" in path
    assert f"`{params['permission']}`" in permission
    assert modes == ("Full Refresh, Incremental" if incremental else "Full Refresh")
    assert cursor == (f"`{params.get('cursor_field', 'updated_at_datetime')}`" if incremental else "—")
    computed = [c for c in MANIFEST["schemas"][name]["properties"] if SERVER_COMPUTED.search(c)]
    documented = re.findall(r"`([^`]+)`", changing)
    assert sorted(documented) == sorted(computed), f"{name}: columns that change without updated_at"


def test_every_config_field_is_in_the_config_table():
    fields = _table("| Field | Required |")
    properties = MANIFEST["spec"]["connection_specification"]["properties"]
    missing = [p for p in properties if p not in fields]
    assert not missing, f"config fields missing from docs/snipeit.md: {missing}"
    for name, spec in properties.items():
        required = name in MANIFEST["spec"]["connection_specification"].get("required", [])
        assert fields[name][1] == ("yes" if required else "no"), name
        if "default" in spec:
            assert f"`{json.dumps(spec['default']).strip(chr(34))}`" in fields[name][2], f"{name}: default"


def test_every_column_type_of_the_manifest_is_in_the_type_table():
    types = _table("| Manifest type | JSON Schema |")
    definitions = MANIFEST["definitions"]["types"]
    used = set()
    for schema in MANIFEST["schemas"].values():
        for prop in schema["properties"].values():
            ref = prop.get("$ref", "") if isinstance(prop, dict) else ""
            assert ref.startswith("#/definitions/types/"), f"a column without a declared type: {prop}"
            used.add(ref.rsplit("/", 1)[1])
    missing = sorted(used - set(types))
    assert not missing, f"column types missing from docs/snipeit.md: {missing}"
    for key in used:
        definition, row = definitions[key], " ".join(types[key][1:2])
        kinds = definition["type"] if isinstance(definition["type"], list) else [definition["type"]]
        for kind in kinds:
            assert f'"{kind}"' in row or f"`{kind}`" in row, f"{key}: type {kind} not in {row}"
        for extra in ("format", "airbyte_type"):
            if extra in definition:
                assert definition[extra] in row, f"{key}: {extra} {definition[extra]} not documented"


def test_documentation_urls_point_at_this_projects_docs():
    metadata = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
    url = metadata["documentationUrl"]
    assert url == MANIFEST["spec"]["documentation_url"]
    assert "docs.airbyte.com" not in url, "the connector is not in Airbyte's catalog: that page does not exist"
    assert url.endswith("/docs/snipeit.md") and (ROOT / "docs" / "snipeit.md").exists()
    assert metadata["externalDocumentationUrls"] and "connectorTestSuitesOptions" in metadata
