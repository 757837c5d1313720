"""RecordNormalizer: one nested, HTML-escaped Snipe-IT row -> a flat, typed record, driven by the stream's schema;
what cannot be converted losslessly is null in its column and verbatim in _snipeit_unparsed."""

import json

import pytest

from components import RecordNormalizer, SyncContext
from unit_tests.components.fakes import CAPTURES, capture, manifest_schema

NULLABLE = lambda kind, **more: {"type": ["null", kind], **more}  # noqa: E731
SCHEMA = {"properties": {
    "id": {"type": "integer"}, "name": NULLABLE("string"), "notes": NULLABLE("string"),
    "model_id": NULLABLE("integer"), "model_name": NULLABLE("string"),
    "company_id": NULLABLE("integer"), "company_name": NULLABLE("string"),
    "updated_at_datetime": NULLABLE("string", format="date-time"), "purchase_date_date": NULLABLE("string", format="date"),
    "purchase_cost": NULLABLE("number"), "users_count": NULLABLE("integer"), "groups": NULLABLE("string"),
    "children": NULLABLE("string"), "eol": NULLABLE("integer", **{"x-snipeit-unit": "months"}),
    "eol_date": NULLABLE("string", format="date"), "location": NULLABLE("string"),
    "custom_fields": NULLABLE("object"),
}}
# HardwareSchemaWithCustomFields adds one column per custom field
WITH_CUSTOM_FIELD = {"properties": {**SCHEMA["properties"],
                                    "_snipeit_cores_10": NULLABLE("number", **{"x-snipeit-custom-field": True})}}


@pytest.fixture
def config():
    return {"timezone": "UTC", SyncContext.TOKEN_KEY: "record-normalizer-test"}


def normalize(row, config, **kwargs):
    return RecordNormalizer(SCHEMA, config, "hardware", **kwargs).normalize(row)


def test_nested_references_become_underscore_columns_and_a_null_one_writes_none(config):
    record = normalize({"id": 1, "model": {"id": 7, "name": "MacBook Pro 14&quot;"}, "company": None}, config)
    assert record == {"id": 1, "model_id": 7, "model_name": 'MacBook Pro 14"'}


def test_every_string_is_unescaped_exactly_once(config):
    assert normalize({"id": 1, "name": "A&amp;amp;B &lt;b&gt;"}, config)["name"] == "A&amp;B <b>"


def test_notes_become_the_markdown_typed_and_other_columns_do_not(config):
    row = {"id": 1, "notes": "Bought for <strong>design</strong> &amp; QA", "name": "<strong>x</strong>"}
    record = normalize(row, config)
    assert record["notes"] == "Bought for **design** & QA" and record["name"] == "<strong>x</strong>"
    assert normalize(row, config, html_fields=())["notes"] == "Bought for <strong>design</strong> & QA"


def test_formatted_and_available_actions_are_dropped_and_formatted_teaches_the_display_format(config):
    row = {"id": 1, "updated_at": {"datetime": "2024-05-01 09:12:03", "formatted": "Wed May 01, 2024 9:12AM"},
           "purchase_date": {"date": "2024-01-10", "formatted": "Wed Jan 10, 2024"}, "available_actions": {"update": True}}
    record = normalize(row, config)
    assert record == {"id": 1, "updated_at_datetime": "2024-05-01T09:12:03Z", "purchase_date_date": "2024-01-10"}
    assert SyncContext.of(config).dates.learned == "D M d, Y"


def test_lists_become_json_text_unescaped_unless_kept_raw(config):
    row = {"id": 1, "groups": [{"id": 2, "name": "IT &amp; Ops"}], "children": [{"name": "A&amp;B"}]}
    record = normalize(row, config, raw_fields=("children",))
    assert json.loads(record["groups"]) == [{"id": 2, "name": "IT & Ops"}]
    assert json.loads(record["children"]) == [{"name": "A&amp;B"}]


def test_counts_money_and_lifetimes_are_typed(config):
    record = normalize({"id": 1, "users_count": "5", "purchase_cost": "1.234,56", "eol": "36 months"}, config)
    assert (record["users_count"], record["purchase_cost"], record["eol"]) == (5, 1234.56, 36)


def test_an_empty_string_is_null(config):
    assert normalize({"id": 1, "name": "", "purchase_cost": ""}, config) == {"id": 1, "name": None, "purchase_cost": None}


def test_older_versions_shapes_are_read(config):
    row = {"id": 1, "updated_at": "2024-05-01 09:12:03",  # a plain string where v8 sends {"datetime", "formatted"}
           "location": {"datetime": "2024-05-01 09:12:03", "formatted": "x"},  # an object where a string is expected
           "eol": {"date": "2027-01-01", "formatted": "Fri Jan 01, 2027"}}  # models before v6.1
    record = normalize(row, config)
    assert record["updated_at_datetime"] == "2024-05-01T09:12:03Z" and "updated_at" not in record
    assert record["location"] == "2024-05-01 09:12:03"
    assert record["eol_date"] == "2027-01-01" and record["eol"] is None


def test_values_without_a_lossless_conversion_are_null_and_kept_verbatim(config):
    record = normalize({"id": 1, "purchase_cost": "12.5", "users_count": "many", "name": "ok"}, config)
    assert record["purchase_cost"] is None and record["users_count"] is None and record["name"] == "ok"
    assert record["_snipeit_unparsed"] == {"purchase_cost": "12.5", "users_count": "many"}


def test_hardware_custom_fields_fill_their_promoted_columns(config):
    row = {"id": 1, "custom_fields": {"Cores": {"field": "_snipeit_cores_10", "value": "4", "field_format": "NUMERIC"}}}
    normalizer = RecordNormalizer(WITH_CUSTOM_FIELD, config, "hardware")
    record = normalizer.normalize(row)
    assert record["_snipeit_cores_10"] == 4 and record["custom_fields"] == {"_snipeit_cores_10": "4"}
    no_fieldset = normalizer.normalize({"id": 2, "custom_fields": []})  # pre-v6.0.13: [] for an asset without one
    assert no_fieldset["custom_fields"] == {} and no_fieldset["_snipeit_cores_10"] is None


def test_a_real_instances_assets_come_out_as_its_database_stores_them(config):
    stored = json.loads((CAPTURES / "_stored_values.json").read_text())["hardware_tricky"]
    rows = {str(r["id"]): r for r in capture("hardware_tricky")["body"]["rows"]}
    normalizer = RecordNormalizer(manifest_schema("hardware"), config, "hardware")
    for want in stored:
        if want["notes"] == "A&amp;B literal":  # typed as an entity: Parsedown sends it as a typed "&"
            continue
        record = normalizer.normalize(rows[want["id"]])
        assert (record["name"], record["asset_tag"], record["serial"], record["notes"]) == \
            (want["name"], want["asset_tag"], want["serial"], want["notes"])
        assert record["purchase_cost"] == float(want["purchase_cost"])
        assert record["purchase_date_date"] == want["purchase_date"]
        assert record["warranty_months"] == int(want["warranty_months"])
        assert record["updated_at_datetime"] == want["updated_at"].replace(" ", "T") + "Z"
        assert "_snipeit_unparsed" not in record
