"""Hardware custom fields as typed columns named by their database column (stable across renames)."""

import requests_mock

from airbyte_cdk.test.entrypoint_wrapper import discover

from source_snipeit.run import SourceSnipeit
from unit_tests.conftest import API, fixture_row, make_config, mock_page, page, records_of, run_read

FIELDS = {"total": 4, "rows": [
    {"id": 1, "name": "MAC Address", "db_column_name": "_snipeit_mac_address_1", "format": "MAC"},
    {"id": 2, "name": "RAM", "db_column_name": "_snipeit_ram_2", "format": "NUMERIC"},
    {"id": 3, "name": "On loan", "db_column_name": "_snipeit_on_loan_3", "format": "BOOLEAN"},
    {"id": 4, "name": "Bought &amp; paid", "db_column_name": "_snipeit_bought_4", "format": "DATE"},
]}


def hardware_columns(mocker_setup):
    with requests_mock.Mocker() as m:
        mocker_setup(m)
        output = discover(SourceSnipeit(config=make_config()), make_config())
    streams = {s.name: s for s in output.catalog.catalog.streams}
    return streams["hardware"].json_schema["properties"]


def read_one_asset(row):
    """A hardware read of one asset (no archived ones) with FIELDS as the instance's fields; (output, mocker)."""
    with requests_mock.Mocker() as m:
        m.get(f"{API}/fields", json=FIELDS)
        mock_page(m, "hardware", 0, page([]), status="Archived")
        mock_page(m, "hardware", 0, page([row]))
        output = run_read("hardware")
    return output, m


def test_discover_types_each_custom_field_from_its_format():
    props = hardware_columns(lambda m: m.get(f"{API}/fields", json=FIELDS))
    assert props["_snipeit_mac_address_1"]["type"] == ["null", "string"]
    assert props["_snipeit_ram_2"]["type"] == ["null", "number"]
    assert props["_snipeit_on_loan_3"]["type"] == ["null", "boolean"]
    assert props["_snipeit_bought_4"]["format"] == "date"
    assert "Bought & paid" in props["_snipeit_bought_4"]["description"]


def test_without_permission_for_fields_the_static_schema_is_used():
    props = hardware_columns(lambda m: m.get(f"{API}/fields", status_code=403, json={"message": "This action is unauthorized."}))
    assert "custom_fields" in props and not [k for k in props if k.startswith("_snipeit_") and k != "_snipeit_unparsed"]


def test_custom_field_values_are_typed_columns_and_encrypted_ones_null():
    row = fixture_row("hardware")
    row["custom_fields"] = {
        "MAC Address": {"field": "_snipeit_mac_address_1", "value": "a4:83:e7:00:11:22", "field_format": "MAC", "element": "text"},
        "RAM (GB)": {"field": "_snipeit_ram_2", "value": "16", "field_format": "NUMERIC", "element": "text"},  # renamed
        "On loan": {"field": "_snipeit_on_loan_3", "value": "ENCRYPTED", "field_format": "BOOLEAN", "element": "checkbox"},
        "Bought": {"field": "_snipeit_bought_4", "value": "someday", "field_format": "DATE", "element": "text"},
    }
    output, m = read_one_asset(row)
    [record] = records_of(output)
    assert record["_snipeit_mac_address_1"] == "a4:83:e7:00:11:22"
    assert record["_snipeit_ram_2"] == 16.0
    assert record.get("_snipeit_on_loan_3") is None
    assert record.get("_snipeit_bought_4") is None and record["_snipeit_unparsed"] == {"_snipeit_bought_4": "someday"}
    assert [r.path for r in m.request_history].count("/api/v1/fields") == 1  # once per sync, not per pass


def test_custom_fields_in_a_shape_the_api_never_sends_are_kept_verbatim_not_a_crash():
    row = fixture_row("hardware")
    row["custom_fields"] = "not an object"
    output, _ = read_one_asset(row)
    [record] = records_of(output)
    assert record.get("custom_fields") is None and record["_snipeit_unparsed"] == {"custom_fields": "not an object"}
    assert record.get("_snipeit_ram_2") is None
    assert not output.errors
