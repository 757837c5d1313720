"""The responses of a real Snipe-IT v8.1.4 (captures/real-snipeit/) read through the public entrypoint.

Each captured list response is served by a small fake that answers every page request by its offset, limit,
sort and filters (the captured rows are the whole instance: `total` is their number), so the retriever pages
through them as it would through the real server. What comes out is compared with `_stored_values.json`, what
that instance's database holds for the same rows, column by column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, urlparse

import pytest
import requests_mock

from airbyte_cdk.test.entrypoint_wrapper import discover

from source_snipeit.run import SourceSnipeit
from unit_tests.conftest import API, make_config, records_of, run_read

CAPTURES = Path(__file__).resolve().parent.parent / "captures" / "real-snipeit"
STORED = json.loads((CAPTURES / "_stored_values.json").read_text())


def body_of(name: str, folder: str = "") -> Any:
    return json.loads((CAPTURES / folder / f"{name}.json").read_text())["body"]


# capture file -> (stream, the pass it belongs to, extra config). The pass is the filter the connector sends for
# that kind of row (hardware: status=Archived / status=Deleted; users, manufacturers: deleted=true; models:
# status=deleted).
LIST_CAPTURES: Dict[str, Tuple[str, Mapping[str, str], Mapping[str, Any]]] = {
    "hardware": ("hardware", {}, {}),
    "hardware_tricky": ("hardware", {}, {}),
    "hardware_sort_updated_desc": ("hardware", {}, {}),
    "hardware_order_upper_ASC": ("hardware", {}, {}),
    "hardware_archived": ("hardware", {"status": "Archived"}, {}),
    "hardware_deleted": ("hardware", {"status": "Deleted"}, {"include_deleted": True}),
    "users": ("users", {}, {}),
    "users_tricky": ("users", {}, {}),
    "users_deleted": ("users", {"deleted": "true"}, {"include_deleted": True}),
    "companies": ("companies", {}, {}),
    "limit_over_max": ("companies", {}, {}),
    "offset_past_end": ("companies", {}, {}),
    "locations": ("locations", {}, {}),
    "categories": ("categories", {}, {}),
    "manufacturers": ("manufacturers", {}, {}),
    "manufacturers_deleted": ("manufacturers", {"deleted": "true"}, {"include_deleted": True}),
    "suppliers": ("suppliers", {}, {}),
    "suppliers_sort_id_ignored": ("suppliers", {}, {}),
    "suppliers_sort_id_desc_ignored": ("suppliers", {}, {}),
    "models": ("models", {}, {}),
    "models_deleted": ("models", {"status": "deleted"}, {"include_deleted": True}),
    "statuslabels": ("status_labels", {}, {}),
    "departments": ("departments", {}, {}),
    "licenses": ("licenses", {}, {}),
    "license_seats": ("license_seats", {}, {}),
    "accessories": ("accessories", {}, {}),
    "consumables": ("consumables", {}, {}),
    "components": ("components", {}, {}),
    "maintenances": ("maintenances", {}, {}),
    "depreciations": ("depreciations", {}, {}),
    "groups": ("groups", {}, {}),
    "fields": ("fields", {}, {}),
    "fieldsets": ("fieldsets", {}, {}),
    "activity": ("activity", {}, {}),
}
# Two more real instances (issue 20): a v8.1.4 with full multiple companies support, m/d/Y, h:iA and
# America/Los_Angeles, and a v7.1.17 with the digit separator 1.234,56, d.m.Y, H:i and Asia/Kolkata. Their list
# captures, by folder; the config says nothing of money or date formats (the rows tell them).
FOLDER_CAPTURES: Dict[str, Dict[str, Tuple[str, Mapping[str, str], Mapping[str, Any]]]] = {
    "fmcs-mdY": {
        "activity_notes": ("activity", {}, {}),
        "activity_by_id_desc": ("activity", {}, {}),
        "hardware_mdY": ("hardware", {}, {}),
        "hardware_autolink_note": ("hardware", {}, {}),  # GET /hardware/2382: one asset, served as a list of one
        "hardware_company_2_viewer": ("hardware", {}, {}),
        "hardware_assets_view_only": ("hardware", {}, {}),
        "companies_company_2_viewer": ("companies", {}, {}),
    },
    "v7-eu": {
        "accessories": ("accessories", {}, {}),
        "components": ("components", {}, {}),
        "groups": ("groups", {}, {}),
        "hardware_eu_money": ("hardware", {}, {}),
        "license_seats": ("license_seats", {}, {}),
        "licenses": ("licenses", {}, {}),
        "maintenances": ("maintenances", {}, {}),
    },
}
FOLDER_CONFIG = {"fmcs-mdY": {"timezone": "America/Los_Angeles"}, "v7-eu": {"timezone": "Asia/Kolkata"}}
RESOURCE = {"status_labels": "statuslabels", "activity": "reports/activity", "license_seats": "licenses"}
PAGE_SIZE = 3  # small pages, so even these captures are read in several requests with the one-row overlap


def every_captured_list() -> List[str]:
    listed = sorted(p.stem for p in CAPTURES.glob("*.json")
                    if not p.stem.startswith("_") and isinstance(body_of(p.stem), dict) and "rows" in body_of(p.stem))
    assert listed, "no captures found"
    return listed


def test_every_captured_list_endpoint_is_replayed():
    assert sorted(LIST_CAPTURES) == every_captured_list()


@pytest.mark.parametrize("folder", sorted(FOLDER_CAPTURES))
def test_every_captured_row_of_the_other_instances_is_replayed(folder):
    # every capture with rows (a list, or one asset); the others are refusals and /users/me, /version (check)
    with_rows = sorted(p.stem for p in (CAPTURES / folder).glob("*.json") if not p.stem.startswith("_")
                       and isinstance(body_of(p.stem, folder), dict)
                       and ("rows" in body_of(p.stem, folder) or "asset_tag" in body_of(p.stem, folder)))
    assert with_rows and sorted(FOLDER_CAPTURES[folder]) == with_rows


class FakeSnipeIt:
    """Answers list requests from a fixed set of rows: each page by its offset and limit (clamped to 500, as the
    real server does), in the requested sort and order, for the requested pass (status / deleted filters)."""

    def __init__(self) -> None:
        self.rows: Dict[Tuple[str, Tuple[Tuple[str, str], ...]], List[Dict[str, Any]]] = {}
        self.requests: List[str] = []

    def add(self, path: str, rows: List[Dict[str, Any]], **filters: str) -> None:
        self.rows[(path, tuple(sorted(filters.items())))] = rows

    def __call__(self, request, context) -> Any:
        url = urlparse(request.url)
        path = url.path[len("/api/v1/"):]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append(f"{path}?{url.query}")
        if path == "fields" and ("fields", ()) not in self.rows:
            return body_of("fields")
        filters = tuple(sorted((k, v) for k, v in query.items() if k not in ("limit", "offset", "sort", "order")))
        rows = list(self.rows.get((path, filters), []))
        sort, descending = query.get("sort"), query.get("order", "asc").lower() == "desc"
        if sort:
            def key(row: Dict[str, Any]) -> Any:
                value = row.get(sort)
                value = value.get("datetime") if isinstance(value, dict) else value
                return (value is None, value if value is not None else 0, row["id"])
            rows.sort(key=key, reverse=descending)
        offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", 50)), 500)
        return {"total": len(rows), "rows": rows[offset:offset + limit]}


def captured_rows(capture: str, folder: str = "") -> List[Dict[str, Any]]:
    body = body_of(capture, folder)
    return body["rows"] if "rows" in body else [body]  # a single row (GET /hardware/2382) is served as a list of one


def replay(capture: str, fake: Optional[FakeSnipeIt] = None, folder: str = "", **config: Any):
    """Read the capture's stream with only the capture's rows on the server; returns (records, output, fake)."""
    stream, pass_filter, extra = (FOLDER_CAPTURES[folder] if folder else LIST_CAPTURES)[capture]
    fake = fake or FakeSnipeIt()
    if folder:  # no /fields of these instances was captured: their custom fields stay in custom_fields
        fake.add("fields", [])
    rows = captured_rows(capture, folder)
    if stream == "license_seats":
        fake.add("licenses", body_of("licenses", folder)["rows"])
        fake.add("licenses/1/seats", rows)
    else:
        fake.add(RESOURCE.get(stream, stream), rows, **pass_filter)
    with requests_mock.Mocker() as m:
        m.get(re.compile(re.escape(API) + "/.*"), json=fake)
        output = run_read(stream, make_config(page_size=PAGE_SIZE, **{**extra, **config}))
    return records_of(output), output, fake


_SCHEMAS: Dict[str, Mapping[str, Any]] = {}


def schema_of(stream: str) -> Mapping[str, Any]:
    """The stream's discovered schema (hardware: with the instance's custom fields from the captured /fields)."""
    if not _SCHEMAS:
        with requests_mock.Mocker() as m:
            m.get(f"{API}/fields", json=body_of("fields"))
            output = discover(SourceSnipeit(config=make_config()), make_config())
        _SCHEMAS.update({s.name: s.json_schema for s in output.catalog.catalog.streams})
    return _SCHEMAS[stream]


# -- the stored values, column by column ------------------------------------------------------------------

CUSTOM_FIELD_FORMATS = {f["db_column"]: f for f in STORED["custom_fields"]}


def expected_column(column: str, stored: Any) -> Tuple[str, Any]:
    """The warehouse column and value for one stored database value (the database keeps text; the warehouse
    keeps the type: numbers, booleans, ISO dates and UTC timestamps)."""
    if stored is None:
        return column, None
    if column == "id":
        return column, int(stored)
    if column in ("eol", "warranty_months"):
        return column, int(stored)
    if column == "purchase_cost":
        return column, float(stored)
    if column == "purchase_date":
        return "purchase_date_date", stored
    if column == "notes":  # Markdown (Parsedown): a typed entity reads back as its character, docs/snipeit.md "Notes"
        return column, markdown_as_read_back(stored)
    if column in ("created_at", "updated_at"):  # naive in APP_TIMEZONE (UTC in these captures)
        assert STORED["app_timezone"] == "UTC"
        return f"{column}_datetime", stored.replace(" ", "T") + "Z"
    field = CUSTOM_FIELD_FORMATS.get(column)
    if field is not None:
        if field["format"] == "numeric":
            return column, float(stored)
        if field["format"] == "boolean":
            return column, stored == "1"
    return column, stored


def markdown_as_read_back(stored: str) -> str:
    """What a Markdown column can hold for a stored note: Parsedown renders a typed "&amp;" (or "&lt;", "&gt;",
    "&quot;") exactly as the typed character, and the connector reads the character (the reading people type)."""
    return (stored.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
            if "&" in stored else stored)


@pytest.mark.parametrize("capture", ["hardware_tricky", "models", "users_tricky"])
def test_records_hold_what_the_instance_stores_column_by_column(capture):
    records, output, _ = replay(capture)
    by_id = {r["id"]: r for r in records}
    stored_rows = STORED[capture]
    assert stored_rows and set(by_id) >= {int(row["id"]) for row in stored_rows}, output.errors
    mismatches = []
    compared = 0
    for stored in stored_rows:
        record = by_id[int(stored["id"])]
        for column, value in stored.items():
            field = CUSTOM_FIELD_FORMATS.get(column)
            if field is not None and field["field_encrypted"] == "1":
                # Stored encrypted; this token may decrypt (the API sends the plain value): the column holds it.
                assert isinstance(record.get(column), str) and record[column], (stored["id"], column)
                continue
            target, expected = expected_column(column, value)
            compared += 1
            got = record.get(target)
            same_type = isinstance(got, (int, float)) and not isinstance(got, bool) if type(expected) is float \
                else type(got) is type(expected)  # a JSON number: 4 and 4.0 are the same value
            if got != expected or not same_type:
                mismatches.append(f"id {stored['id']} {target}: got {record.get(target)!r}, stored {expected!r}")
    assert not mismatches, "\n".join(mismatches)
    assert compared >= 3 * len(stored_rows)


def test_notes_come_back_as_the_markdown_the_user_typed():
    records, _, _ = replay("hardware_tricky")
    notes = {r["id"]: r.get("notes") for r in records}
    assert notes[2598] == "**bold** note with [a link](http://example.com/?a=1&b=2)"
    assert notes[2600] == "Line 1\nLine 2 & <b>x</b>"
    # stored "A&amp;B literal": Parsedown renders a typed "&amp;" as it renders a typed "&" ("A&amp;B"); the reading
    # people type is chosen (issue 20, docs/snipeit.md "Notes"), so this rare literal entity comes back as "&"
    assert notes[2602] == "A&B literal"


def test_custom_date_fields_are_iso_dates_learned_from_the_rows_display_format():
    records, output, _ = replay("hardware_tricky")
    by_id = {r["id"]: r for r in records}
    assert by_id[2598]["_snipeit_decommission_date_13"] == "2030-01-15"  # sent as "Tue Jan 15, 2030"
    assert by_id[2601]["_snipeit_decommission_date_13"] == "2030-04-15"  # "Mon Apr 15, 2030"
    assert not [m for m in output.logs if "date_display_format" in m.log.message]


# -- every captured list: nothing unparsed, nothing sent that comes out empty, every column in the schema ----

DROPPED = {"formatted", "available_actions"}  # presentation and caller-dependent: dropped on purpose


def sent_columns(row: Mapping[str, Any], schema_properties: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """The columns a row's keys become (nested objects joined with "_"), with the value the API sent."""
    out: Dict[str, Any] = {}
    for key, value in row.items():
        if key in DROPPED:
            continue
        name = prefix + key
        kept_whole = name in schema_properties and "object" in schema_properties[name].get("type", [])
        if isinstance(value, dict) and not kept_whole and name != "custom_fields":
            out.update(sent_columns(value, schema_properties, name + "_"))
        else:
            out[name] = value
    return out


JSON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict, "array": list}


@pytest.mark.parametrize("capture", sorted(LIST_CAPTURES))
def test_captured_list_is_read_without_unparsed_values_or_emptied_columns(capture):
    assert_read_whole(capture)


# Columns a stream's rows carry that are not written, on purpose (v7 seats: "Seat N", numbered by position in the page)
NOT_WRITTEN = {"license_seats": {"name"}}


def assert_read_whole(capture: str, folder: str = "") -> None:
    stream = (FOLDER_CAPTURES[folder] if folder else LIST_CAPTURES)[capture][0]
    records, output, fake = replay(capture, folder=folder, **(FOLDER_CONFIG.get(folder, {})))
    rows = captured_rows(capture, folder)
    assert not output.errors, output.errors
    assert len(records) == len(rows)
    assert all(f"limit={PAGE_SIZE}" in r for r in fake.requests if not r.startswith("fields"))
    properties = schema_of(stream)["properties"]
    by_id = {r["id"]: r for r in records}
    problems = []
    for row in rows:
        record = by_id[row["id"]]
        if record.get("_snipeit_unparsed"):
            problems.append(f"id {row['id']}: _snipeit_unparsed {record['_snipeit_unparsed']}")
        for column, value in sent_columns(row, properties).items():
            if column in NOT_WRITTEN.get(stream, ()):
                if column in record:
                    problems.append(f"{column} (sent {value!r}) is written")
            elif value is None and column not in properties:  # a null reference or date object: its columns
                if not any(p.startswith(column + "_") for p in properties):
                    problems.append(f"{column} (sent null) is not a column of the {stream} schema")
                elif column in record:
                    problems.append(f"{column}: a null object written as a column of its own")
            elif column not in properties:
                problems.append(f"{column} (sent {value!r}) is not a column of the {stream} schema")
            elif value not in (None, "", [], "None") and record.get(column) is None:
                problems.append(f"id {row['id']} {column}: sent {value!r}, came out null")
        for column, value in record.items():
            types = properties.get(column, {}).get("type", [])
            wanted = tuple(JSON_TYPES[t] for t in ([types] if isinstance(types, str) else types) if t in JSON_TYPES)
            if value is not None and wanted and (not isinstance(value, wanted) or
                                                 (isinstance(value, bool) and bool not in wanted)):
                problems.append(f"id {row['id']} {column}: {value!r} is not {types}")
        if stream == "hardware" and not folder:  # the custom-field columns of this instance's /fields
            for spec in (row.get("custom_fields") or {}).values():
                if spec.get("value") not in (None, "", "ENCRYPTED") and record.get(spec["field"]) is None:
                    problems.append(f"id {row['id']} custom field {spec['field']}: sent {spec['value']!r}, came out null")
    assert not problems, "\n".join(problems)


# -- months, numbers, encrypted values ---------------------------------------------------------------------

def test_eol_and_warranty_are_months_and_none_is_null():
    models, _, _ = replay("models")
    assert {r["id"]: r["eol"] for r in models}[19] == 48
    deleted, _, _ = replay("models_deleted")
    assert len(deleted) == 1 and deleted[0].get("eol") is None  # the API sends "None"
    assert not deleted[0].get("_snipeit_unparsed")
    hardware, _, _ = replay("hardware_tricky")
    assert {r["eol"] for r in hardware} == {48} and {r["warranty_months"] for r in hardware} == {24}
    depreciations, _, _ = replay("depreciations")
    assert all(isinstance(r["months"], int) for r in depreciations)


def test_purchase_cost_numeric_is_a_number():
    records, _, _ = replay("licenses")
    assert [r["purchase_cost_numeric"] for r in records][:1] == [299.99]


def test_purchase_cost_numeric_ignores_the_money_format():
    records, _, _ = replay("licenses", number_format="1.234,56")
    assert [r["purchase_cost_numeric"] for r in records][:1] == [299.99]


def test_encrypted_value_the_token_cannot_read_is_null_not_unparsed():
    fake = FakeSnipeIt()
    rows = body_of("hardware_tricky")["rows"]
    for row in rows:
        row["custom_fields"]["Secret Key"]["value"] = "ENCRYPTED"
    fake.add("hardware", rows)
    with requests_mock.Mocker() as m:
        m.get(re.compile(re.escape(API) + "/.*"), json=fake)
        records = records_of(run_read("hardware", make_config()))
    assert len(records) == len(rows)
    assert all(r.get("_snipeit_secret_key_14") is None and not r.get("_snipeit_unparsed") for r in records)


# -- the nine display formats ------------------------------------------------------------------------------

# created_at 2026-12-01 07:19:28 and the custom date 2030-01-15 (a Tuesday) as each format writes them (g:iA time)
NINE_FORMATS = {
    "Y-m-d": ("2026-12-01 7:19AM", "2030-01-15"),
    "D M d, Y": ("Tue Dec 01, 2026 7:19AM", "Tue Jan 15, 2030"),
    "M j, Y": ("Dec 1, 2026 7:19AM", "Jan 15, 2030"),
    "d M, Y": ("01 Dec, 2026 7:19AM", "15 Jan, 2030"),
    "m/d/Y": ("12/01/2026 7:19AM", "01/15/2030"),
    "n/d/y": ("12/01/26 7:19AM", "1/15/30"),
    "d/m/Y": ("01/12/2026 7:19AM", "15/01/2030"),
    "d.m.Y": ("01.12.2026 7:19AM", "15.01.2030"),
    "Y.m.d.": ("2026.12.01. 7:19AM", "2030.01.15."),
}


def asset_in_display_format(created_formatted: str, decommission: str, created: str = "2026-12-01 07:19:28"):
    """The first tricky asset, its dates re-written in another display format (other date objects lose their
    'formatted', so only created_at/updated_at show the format)."""
    row = body_of("hardware_tricky")["rows"][0]
    for key, value in list(row.items()):
        if isinstance(value, dict) and "formatted" in value:
            value.pop("formatted")
    row["created_at"] = {"datetime": created, "formatted": created_formatted}
    row["updated_at"] = dict(row["created_at"])
    row["custom_fields"]["Decommission Date"]["value"] = decommission
    return row


def read_assets(rows, **config):
    fake = FakeSnipeIt()
    fake.add("hardware", rows)
    with requests_mock.Mocker() as m:
        m.get(re.compile(re.escape(API) + "/.*"), json=fake)
        output = run_read("hardware", make_config(**config))
    return records_of(output), output


@pytest.mark.parametrize("display_format", sorted(NINE_FORMATS))
def test_custom_date_is_read_in_each_of_the_nine_display_formats(display_format):
    created, decommission = NINE_FORMATS[display_format]
    [record], _ = read_assets([asset_in_display_format(created, decommission)])
    assert record["_snipeit_decommission_date_13"] == "2030-01-15"
    assert not record.get("_snipeit_unparsed")


def test_ambiguous_day_month_is_never_guessed():
    # 12/12/2026 fits m/d/Y and d/m/Y alike; 03/04/2030 is 4 March or 3 April
    row = asset_in_display_format("12/12/2026 7:19AM", "03/04/2030", created="2026-12-12 07:19:28")
    [record], output = read_assets([row])
    assert record.get("_snipeit_decommission_date_13") is None
    assert record["_snipeit_unparsed"] == {"_snipeit_decommission_date_13": "03/04/2030"}
    warnings = [m.log.message for m in output.logs if "date_display_format" in m.log.message]
    assert len(warnings) == 1 and "d/m/Y" in warnings[0] and "m/d/Y" in warnings[0]


def test_ambiguous_day_month_is_decided_by_the_config():
    row = asset_in_display_format("12/12/2026 7:19AM", "03/04/2030", created="2026-12-12 07:19:28")
    [record], _ = read_assets([row], date_display_format="d/m/Y")
    assert record["_snipeit_decommission_date_13"] == "2030-04-03" and not record.get("_snipeit_unparsed")


def test_ambiguous_day_month_is_decided_by_a_later_row():
    rows = [asset_in_display_format("12/12/2026 7:19AM", "15/01/2030", created="2026-12-12 07:19:28"),
            asset_in_display_format("01/12/2026 7:19AM", "03/04/2030")]  # 1 December: proves d/m/Y
    rows[1]["id"] += 1
    records, _ = read_assets(rows)
    # "15/01/2030" has one reading even before the format is known; "03/04/2030" then follows d/m/Y
    assert [r["_snipeit_decommission_date_13"] for r in records] == ["2030-01-15", "2030-04-03"]


def test_what_the_rows_prove_wins_over_a_wrong_config():
    row = asset_in_display_format("Tue Dec 01, 2026 7:19AM", "Tue Jan 15, 2030")
    [record], output = read_assets([row], date_display_format="m/d/Y")
    assert record["_snipeit_decommission_date_13"] == "2030-01-15"
    assert [m for m in output.logs if "date_display_format is 'm/d/Y'" in m.log.message]


def test_unknown_date_display_format_is_a_config_error_naming_it():
    _, output = read_assets([], date_display_format="YYYY/MM/DD")
    errors = " ".join(m.trace.error.message for m in output.errors)
    assert "YYYY/MM/DD" in errors and "D M d, Y" in errors  # refused by the spec's enum, with the nine listed
    assert records_of(output) == []


# -- check, and what errors may say ------------------------------------------------------------------------

import tempfile  # noqa: E402

from airbyte_cdk.models import AirbyteMessageSerializer, SyncMode  # noqa: E402
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, _run_command, read  # noqa: E402

from unit_tests.conftest import TOKEN, catalog_for  # noqa: E402

COOKIE = "snipeit_session=eyJpdiI6IkN5c2Vzc2lvbi1zZWNyZXQtdmFsdWUifQ"


def capture_response(name: str, **extra_headers: str) -> Dict[str, Any]:
    """A captured response for requests-mock, with the session cookie the capture had removed put back."""
    capture = json.loads((CAPTURES / f"{name}.json").read_text())
    headers = {**capture["headers"], "Set-Cookie": f"{COOKIE}; expires=Tue, 01 Dec 2026 09:35:11 GMT; path=/; httponly",
               **extra_headers}
    body = capture["body"]
    if isinstance(body, str):
        return {"status_code": capture["status"], "text": body, "headers": headers}
    return {"status_code": capture["status"], "json": body, "headers": headers}


def run_check(config: Dict[str, Any]) -> EntrypointOutput:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(config))
        return _run_command(SourceSnipeit(config=config), ["check", "--config", str(path)])


def everything_said(output: EntrypointOutput, caplog=None, capsys=None) -> str:
    said = [json.dumps(AirbyteMessageSerializer.dump(m)) for m in output.get_message_iterator()]
    said += [caplog.text if caplog else "", *(capsys.readouterr() if capsys else ())]
    return "\n".join(said)


def assert_nothing_leaked(text: str) -> None:
    for secret in (COOKIE, "snipeit_session", "Set-Cookie", "X-RateLimit", "Feature-Policy", "Response (headers)",
                   "Request (body)", "Response (body)", TOKEN):
        assert secret not in text, f"{secret!r} was written out"


STREAM_PERMISSIONS = {  # from the manifest's $parameters, as Snipe-IT's controllers authorize them
    "hardware": "assets.view", "maintenances": "assets.view", "users": "users.view", "groups": "superuser",
    "licenses": "licenses.view", "license_seats": "licenses.view", "fields": "customfields.view",
    "activity": "activity.view", "status_labels": "statuslabels.view",
}


def test_check_succeeds_for_a_token_without_permissions_and_names_what_each_stream_needs(caplog, capsys):
    config = make_config()
    with requests_mock.Mocker() as m:
        me = m.get(f"{API}/users/me", **capture_response("users_me_no_permission"))
        m.get(re.compile(re.escape(API) + "/(?!users/me).*"), **capture_response("error_403_no_permission"))
        output = run_check(config)
    statuses = [m.connectionStatus for m in output.get_message_iterator() if m.connectionStatus]
    assert [s.status.value for s in statuses] == ["SUCCEEDED"], everything_said(output)
    assert me.call_count == 1
    warnings = [m.log.message for m in output.logs if m.log.message.startswith("Check: the token cannot read")]
    named = [re.match(r"Check: the token cannot read stream (\w+)\.", w).group(1) for w in warnings]
    assert len(named) == len(set(named)) == 20, warnings  # every stream once; license_seats with licenses
    for stream, permission in STREAM_PERMISSIONS.items():
        assert [w for w in warnings if (f"stream {stream}." in w or f"fail this stream and {stream} " in w)
                and f"'{permission}' permission" in w], stream
    assert_nothing_leaked(everything_said(output, caplog, capsys))


def test_check_with_a_full_token_reports_nothing_unreadable():
    config = make_config()
    with requests_mock.Mocker() as m:
        m.get(f"{API}/users/me", **capture_response("users_me"))
        m.get(re.compile(re.escape(API) + "/(?!users/me).*"), json={"total": 0, "rows": []})
        output = run_check(config)
    assert [m.connectionStatus.status.value for m in output.get_message_iterator() if m.connectionStatus] == ["SUCCEEDED"]
    assert not [m for m in output.logs if "cannot read" in m.log.message]
    assert [m for m in output.logs if "as Snipe-IT user 'admin'" in m.log.message]


@pytest.mark.parametrize("capture, said", [
    ("error_401_bad_token", "refused the API token"),
    ("error_302_bad_token_no_accept", "redirects to http://127.0.0.1:8089/login"),
])
def test_check_fails_for_a_refused_token_naming_the_cause(capture, said, caplog, capsys):
    with requests_mock.Mocker() as m:
        m.get(re.compile(re.escape(API) + "/.*"), **capture_response(capture))
        output = run_check(make_config())
    [status] = [m.connectionStatus for m in output.get_message_iterator() if m.connectionStatus]
    assert status.status.value == "FAILED" and said in status.message
    assert_nothing_leaked(everything_said(output, caplog, capsys))


@pytest.mark.parametrize("capture", ["error_403_no_permission", "error_401_bad_token", "error_302_bad_token_no_accept",
                                     "endpoint_missing"])
def test_a_refused_read_says_status_url_and_the_api_message_only(capture, caplog, capsys):
    with requests_mock.Mocker() as m:
        m.get(re.compile(re.escape(API) + "/.*"), **capture_response(capture))
        output = run_read("companies", expect_failure=True)
    text = everything_said(output, caplog, capsys)
    assert_nothing_leaked(text)
    [trace] = [e.trace.error for e in output.errors if "companies" in (e.trace.error.internal_message or "")] or \
        [output.errors[0].trace.error]
    status = json.loads((CAPTURES / f"{capture}.json").read_text())["status"]
    assert f"HTTP {status} on GET {API}/companies" in text
    assert "offset=" not in (trace.internal_message or "") + (trace.stack_trace or "")


def test_read_fails_only_the_stream_the_token_cannot_read(caplog, capsys):
    config = make_config()
    companies = body_of("companies")
    catalog = catalog_for("companies", "groups", sync_mode=SyncMode.full_refresh)
    with requests_mock.Mocker() as m:
        m.get(f"{API}/companies", json={"total": len(companies["rows"]), "rows": companies["rows"]})
        m.get(f"{API}/groups", **capture_response("error_403_no_permission"))
        output = read(SourceSnipeit(catalog=catalog, config=config, state=None), config, catalog, None,
                      expecting_exception=True)
    assert sorted(r.record.data["id"] for r in output.records) == sorted(r["id"] for r in companies["rows"])
    errors = " ".join(e.trace.error.message for e in output.errors)
    assert "'superuser' permission" in errors and "deselect the groups stream" in errors
    assert_nothing_leaked(everything_said(output, caplog, capsys))


def test_check_probes_every_stream_of_the_manifest():
    import yaml

    manifest = yaml.safe_load((Path(__file__).resolve().parent.parent / "manifest.yaml").read_text())
    names = [s["$parameters"]["name"] for s in manifest["streams"]]
    # license_seats is asked through licenses (its slices are licenses; same permission, named in that warning)
    assert sorted(manifest["check"]["stream_names"] + ["license_seats"]) == sorted(names) and len(names) == 21


@pytest.mark.parametrize("stream, resource", [("status_labels", "statuslabels"), ("companies", "companies")])
def test_bare_escaped_notes_are_unescaped_and_markdown_notes_converted(stream, resource):
    # statuslabels notes are e($notes) (StatuslabelsTransformer); companies notes are Parsedown's line()
    fake = FakeSnipeIt()
    fake.add(resource, [{"id": 1, "name": "n", "notes": "Don&#039;t &lt;b&gt; &amp;amp;"}])
    with requests_mock.Mocker() as m:
        m.get(re.compile(re.escape(API) + "/.*"), json=fake)
        [record] = records_of(run_read(stream, make_config()))
    # Markdown: "&amp;" is a typed "&" (Parsedown writes no "&#039;": typed, kept); e(): every entity unescaped once
    expected = {"status_labels": "Don't <b> &amp;", "companies": "Don&#039;t <b> &amp;"}[stream]
    assert record["notes"] == expected


def test_check_accepts_snipeits_error_envelope_from_an_instance_without_users_me():
    # an older instance routes /users/me to /users/{id}: 200 {"status": "error"}, after the token was accepted
    with requests_mock.Mocker() as m:
        m.get(f"{API}/users/me", **capture_response("item_missing"))
        m.get(re.compile(re.escape(API) + "/(?!users/me).*"), json={"total": 0, "rows": []})
        output = run_check(make_config())
    assert [m.connectionStatus.status.value for m in output.get_message_iterator() if m.connectionStatus] == ["SUCCEEDED"]


# -- the other two real instances: fmcs-mdY (v8.1.4) and v7-eu (v7.1.17), against what their databases store -----

FOLDER_STORED = {folder: json.loads((CAPTURES / folder / "_stored_values.json").read_text()) for folder in FOLDER_CAPTURES}


@pytest.mark.parametrize("folder, capture", [(f, c) for f in sorted(FOLDER_CAPTURES) for c in sorted(FOLDER_CAPTURES[f])])
def test_the_other_instances_lists_are_read_without_unparsed_values_or_emptied_columns(folder, capture):
    assert_read_whole(capture, folder)


def read_folder(folder: str, capture: str) -> Tuple[Dict[int, Dict[str, Any]], Any]:
    records, output, _ = replay(capture, folder=folder, **FOLDER_CONFIG[folder])
    assert not output.errors, output.errors
    return {r["id"]: r for r in records}, output


def test_activity_notes_hold_what_the_database_stores():
    # the API sends "c&amp;o &lt;note&gt;" for the stored "c&o <note>" (ActionlogsTransformer: Parsedown's line())
    stored = FOLDER_STORED["fmcs-mdY"]["action_logs_note"]
    by_id, _ = read_folder("fmcs-mdY", "activity_notes")
    assert stored and {i: by_id[int(i)]["note"] for i in stored} == stored


def test_a_bare_url_parsedown_autolinked_comes_back_as_typed():
    stored = FOLDER_STORED["fmcs-mdY"]["assets_notes"]
    by_id, _ = read_folder("fmcs-mdY", "hardware_autolink_note")
    assert stored and {i: by_id[int(i)]["notes"] for i in stored} == stored


def test_money_in_the_other_digit_separator_holds_what_the_database_stores_without_configuration():
    stored = FOLDER_STORED["v7-eu"]
    assert stored["settings"]["digit_separator"] == "1.234,56"
    for capture, key in (("hardware_eu_money", "assets_purchase_cost"), ("licenses", "licenses_purchase_cost")):
        by_id, output = read_folder("v7-eu", capture)
        assert {i: by_id[int(i)]["purchase_cost"] for i in stored[key]} == {i: float(v) for i, v in stored[key].items()}
        assert not [l for l in output.logs if "number_format" in l.log.message or "_snipeit_unparsed" in l.log.message]


def test_every_money_cell_of_the_v7_instance_is_its_value_in_the_other_separator():
    # each captured cell, read back into the separator the instance prints (1.234,56): the same text again
    compared = 0
    for capture, (stream, _, _) in FOLDER_CAPTURES["v7-eu"].items():
        by_id, _ = read_folder("v7-eu", capture)
        for row in captured_rows(capture, "v7-eu"):
            for column in ("purchase_cost", "book_value", "cost"):
                if isinstance(row.get(column), str) and row[column]:
                    as_printed = f"{by_id[row['id']][column]:,.2f}".translate(str.maketrans(",.", ".,"))
                    assert as_printed == row[column], (capture, row["id"], column)
                    compared += 1
    assert compared >= 15


def stored_json_text(value: str) -> Any:
    """A JSON text column as _stored_values.json shows it (the MySQL client's batch output doubles each backslash):
    the v7 group's permissions are stored as a JSON string holding the JSON object."""
    text = json.loads(value.replace("\\\\", "\\"))
    return json.loads(text) if isinstance(text, str) else text


def test_v7_group_permissions_sent_as_a_json_string_are_the_stored_object():
    stored = FOLDER_STORED["v7-eu"]["groups_permissions"]
    by_id, _ = read_folder("v7-eu", "groups")
    expected = {i: stored_json_text(v) for i, v in stored.items()}
    assert all(isinstance(v, dict) and v for v in expected.values())
    assert {i: by_id[int(i)]["permissions"] for i in stored} == expected


def test_v8_group_permissions_object_is_kept():
    records, _, _ = replay("groups")
    assert records and [r["permissions"] for r in records] == [row["permissions"] for row in body_of("groups")["rows"]]


def test_v7_license_seats_without_updated_at_and_with_positional_names_are_read_whole():
    rows = captured_rows("license_seats", "v7-eu")
    assert all("updated_at" not in r and r["name"].startswith("Seat ") for r in rows)  # the v7 shape
    by_id, _ = read_folder("v7-eu", "license_seats")
    assert sorted(by_id) == sorted(r["id"] for r in rows)
    for record in by_id.values():
        assert record.get("updated_at_datetime") is None  # not sent by v7: null, not a failure
        assert "name" not in record  # "Seat N" is the seat's position in the page served, not stored


def test_v8_columns_missing_on_v7_are_null_and_read_does_not_fail():
    for capture, missing in (("accessories", ("min_amt", "remaining")), ("licenses", ("remaining",))):
        rows = captured_rows(capture, "v7-eu")
        assert all(column not in row for row in rows for column in missing)  # the v7 shape
        by_id, _ = read_folder("v7-eu", capture)
        assert len(by_id) == len(rows) and all(r.get(c) is None for r in by_id.values() for c in missing)


def test_notes_rendered_by_parsedown_come_back_as_the_markdown_typed_on_both_versions():
    # the same note was typed on both instances; each stream renders it with Parsedown's line()
    expected = ("**Bold** and `inline code` for A&B, a literal & here\nsecond line\n\n- item one\n"
                '- item [docs](https://example.com/a?x=1&y=2 "Title & more")\n\n1. first\n2. second')
    by_id, _ = read_folder("fmcs-mdY", "companies_company_2_viewer")
    assert by_id[9]["notes"] == expected
    for capture, row_id in (("components", 5), ("maintenances", 1)):
        by_id, _ = read_folder("v7-eu", capture)
        assert by_id[row_id]["notes"] == expected
    by_id, _ = read_folder("v7-eu", "accessories")
    assert by_id[5]["notes"] == "Plain A&B and R&D only"


def test_timestamps_of_the_other_instances_are_their_time_zones_wall_clock_in_utc():
    by_id, _ = read_folder("fmcs-mdY", "hardware_mdY")  # America/Los_Angeles, PST (UTC-8) in December
    assert by_id[1]["created_at_datetime"] == "2026-12-07T11:32:49Z"  # sent "2026-12-07 03:32:49"
    by_id, _ = read_folder("v7-eu", "hardware_eu_money")  # Asia/Kolkata, UTC+05:30
    assert by_id[1]["created_at_datetime"] == "2026-12-07T12:24:17Z"  # sent "2026-12-07 17:54:17"
