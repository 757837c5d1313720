"""No column silently empty: every key the API sends with a value comes out with a value, in every stream.

End to end (`main.py read` against the emulator) for every stream of the manifest, under two date display formats
and two time zones: the API's own rows are fetched from the emulator next to the sync, flattened the way the
connector names its columns (`model.name` → `model_name`, `updated_at.datetime` → `updated_at_datetime`), and a
column fails when the API sent it non-null in some row but it is null in every record, or when it is missing from
the records altogether (dropped) without being on the short list below.

Needs the emulator's display formats (`Emulator(date_format=..., time_format=...)`, emulator branch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Set

import pytest
import requests
import yaml

from harness import make_config, make_dataset
from snipeit_emulator import DEFAULT_TOKEN

MANIFEST = yaml.safe_load((Path(__file__).resolve().parent.parent / "manifest.yaml").read_text())
STREAMS = {s["$parameters"]["name"]: s["$parameters"] for s in MANIFEST["streams"]}
# The static schema's columns (hardware adds one column per custom field at discover: checked separately below)
SCHEMA_COLUMNS = {name: set(MANIFEST["schemas"][name]["properties"]) for name in STREAMS}

# Keys the connector drops on purpose (docs/snipeit.md, "Column types and conversions"): `formatted` is the
# display-format copy of a date the record keeps as ISO; `available_actions` depends on who asks, not on the row.
DROPPED = frozenset(("formatted", "available_actions"))
# Values that mean "nothing": e(null) is "", models without an EOL send eol "None".
EMPTY = (None, "", [], {}, "None")


def api_rows(emu, resource: str, **params: Any) -> List[Dict[str, Any]]:
    """Every row of one list endpoint, straight from the emulator's API."""
    rows: List[Dict[str, Any]] = []
    while True:
        answer = requests.get(f"{emu.url}/api/v1/{resource}", params={"limit": 500, "offset": len(rows), **params},
                              headers={"Authorization": f"Bearer {DEFAULT_TOKEN}", "Accept": "application/json"},
                              timeout=60).json()
        rows += answer["rows"]
        if not answer["rows"] or len(rows) >= answer["total"]:
            return rows


def rows_the_api_sends(emu, stream: str) -> List[Dict[str, Any]]:
    parameters = STREAMS[stream]
    if stream == "license_seats":
        return [seat for lic in api_rows(emu, "licenses") for seat in api_rows(emu, f"licenses/{lic['id']}/seats")]
    passes = [p for p in (parameters.get("passes") or [{}]) if not p.get("when")]
    return [row for p in passes for row in api_rows(emu, parameters["resource"], **p)]


def sent_columns(row: Mapping[str, Any], kept_whole: Set[str], prefix: str = "") -> Iterable[tuple]:
    for key, value in row.items():
        if key in DROPPED:
            continue
        name = prefix + key
        if isinstance(value, dict) and name not in kept_whole and name != "custom_fields":
            yield from sent_columns(value, kept_whole, name + "_")
        else:
            yield name, value


def has_value(records: List[Dict[str, Any]], column: str) -> bool:
    return any(r.get(column) not in (None, "") for r in records)


@pytest.mark.parametrize("date_format, timezone", [("D M d, Y", "UTC"), ("d/m/Y", "America/New_York"),
                                                   ("n/d/y", "Asia/Kolkata")])
def test_no_column_the_api_fills_comes_out_empty(start_emulator, read, date_format, timezone):
    emu = start_emulator(make_dataset(hardware=150), date_format=date_format, time_format="g:iA", timezone=timezone)
    result = read(make_config(emu, timezone=timezone), streams=list(STREAMS))
    assert result.returncode == 0 and not result.errors, result.describe()
    problems: List[str] = []
    for stream in STREAMS:
        records = result.rows(stream)
        rows = rows_the_api_sends(emu, stream)
        assert rows and len(records) >= len({r["id"] for r in rows}), f"{stream}: {len(records)} records of {len(rows)}"
        kept_whole = {k for r in records for k, v in r.items() if isinstance(v, dict)}
        record_keys = {k for r in records for k in r}
        filled: Dict[str, Any] = {}
        for row in rows:
            for column, value in sent_columns(row, kept_whole):
                if value not in EMPTY:
                    filled.setdefault(column, value)
        for column, example in sorted(filled.items()):
            if column not in record_keys:
                problems.append(f"{stream}.{column}: sent (e.g. {example!r}) but dropped from every record")
            elif not has_value(records, column):
                problems.append(f"{stream}.{column}: sent (e.g. {example!r}) but null in every record")
            if column not in SCHEMA_COLUMNS[stream]:
                problems.append(f"{stream}.{column}: sent (e.g. {example!r}) but not a column of the stream's schema")
        if stream == "hardware":  # each custom field the API fills has a typed column that is filled too
            custom: Dict[str, Any] = {}
            for row in rows:
                for name, spec in (row.get("custom_fields") or {}).items():
                    if spec.get("value") not in ("", None, "ENCRYPTED"):
                        custom.setdefault(spec["field"], (name, spec))
            for column, (name, spec) in sorted(custom.items()):
                if not has_value(records, column):
                    problems.append(f"hardware custom field {name!r} ({column}, {spec.get('field_format')}): "
                                    f"sent (e.g. {spec['value']!r}) but null in every record")
        unparsed = [r["_snipeit_unparsed"] for r in records if r.get("_snipeit_unparsed")]
        if unparsed:
            problems.append(f"{stream}: {len(unparsed)} records with _snipeit_unparsed, e.g. {unparsed[0]}")
    assert not problems, f"{date_format} / {timezone}:\n" + "\n".join(sorted(set(problems))[:60])
