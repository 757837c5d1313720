"""CustomFieldColumns: hardware custom_fields keyed by database column, and the promoted columns typed from their
raw values (NUMERIC, BOOLEAN, DATE in the display format, "ENCRYPTED" for a field the token may not decrypt)."""

import json
import logging

from components import ColumnConverter, CustomFieldColumns, DateDisplayFormat
from unit_tests.components.fakes import CAPTURES, capture

CORES, REFURBISHED, DECOMMISSION = "_snipeit_cores_10", "_snipeit_is_refurbished_12", "_snipeit_decommission_date_13"
PROMOTED = [(CORES, "number"), (REFURBISHED, "boolean"), (DECOMMISSION, "date")]


def columns(display=None):
    converter = ColumnConverter(dict(PROMOTED), {}, "hardware")
    return CustomFieldColumns(PROMOTED, converter, display or DateDisplayFormat("D M d, Y"))


def promoted(fields, display=None):
    flat, pending = {"custom_fields": dict(fields)}, {}
    unparsed = columns(display).promote(flat, pending)
    return flat, pending, unparsed


def test_fields_are_keyed_by_database_column_not_display_name():
    fields = CustomFieldColumns.by_column({
        "RAM": {"field": "_snipeit_ram_3", "value": "16", "field_format": "NUMERIC"},
        "Tricky &amp; Notes": {"field": "_snipeit_tricky_9", "value": "A&amp;B &lt;c&gt;"},
        "Empty": {"field": "_snipeit_empty_4", "value": ""},
        "Odd": "R&amp;D"})
    assert fields == {"_snipeit_ram_3": "16", "_snipeit_tricky_9": "A&B <c>", "_snipeit_empty_4": None, "Odd": "R&D"}


def test_raw_values_become_typed_columns():
    flat, pending, unparsed = promoted({CORES: "16", REFURBISHED: "yes", DECOMMISSION: "Tue Jan 15, 2030"})
    assert (flat[CORES], flat[REFURBISHED], flat[DECOMMISSION]) == (16, True, "2030-01-15")
    assert type(flat[CORES]) is int and unparsed is None
    assert flat["custom_fields"][DECOMMISSION] == "2030-01-15"  # the object holds the stored date too
    assert list(pending) == [DECOMMISSION]  # left to the typed pass, which checks the date


def test_a_decimal_stays_a_number():
    assert promoted({CORES: "2.5"})[0][CORES] == 2.5


def test_an_encrypted_or_absent_field_is_null_in_the_column_and_the_object():
    flat, pending, unparsed = promoted({CORES: "ENCRYPTED"})
    assert flat[CORES] is None and flat["custom_fields"][CORES] is None
    assert flat[REFURBISHED] is None and flat[DECOMMISSION] is None and REFURBISHED not in flat["custom_fields"]
    assert unparsed is None and pending == {}


def test_a_value_that_is_not_its_format_is_nulled_and_kept_verbatim(caplog):
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        flat, _, unparsed = promoted({CORES: "four", REFURBISHED: "maybe"})
    assert flat[CORES] is None and flat[REFURBISHED] is None
    assert unparsed == {CORES: "four", REFURBISHED: "maybe"}
    assert f"column {CORES} got 'four'" in caplog.text


def test_an_ambiguous_date_is_not_guessed_and_the_warning_names_the_setting(caplog):
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        flat, _, unparsed = promoted({DECOMMISSION: "03/04/2030"}, DateDisplayFormat())
        promoted({DECOMMISSION: "05/06/2030"}, DateDisplayFormat())
    assert flat[DECOMMISSION] is None and unparsed == {DECOMMISSION: "03/04/2030"}
    assert "set date_display_format to the instance's format" in caplog.text


def test_custom_fields_in_an_unexpected_shape_leave_the_columns_null():
    flat, pending = {"custom_fields": []}, {}
    assert columns().promote(flat, pending) is None
    assert flat[CORES] is None and flat["custom_fields"] == []


def test_a_real_instances_assets_get_the_values_its_database_stores():
    stored = {row["id"]: row for row in json.loads((CAPTURES / "_stored_values.json").read_text())["hardware_tricky"]}
    for row in capture("hardware_tricky")["body"]["rows"]:
        flat, _, unparsed = promoted(CustomFieldColumns.by_column(row["custom_fields"]))
        want = stored[str(row["id"])]
        assert unparsed is None
        assert flat[CORES] == int(want[CORES])
        assert flat[REFURBISHED] is (want[REFURBISHED] == "1")
        assert flat[DECOMMISSION] == want[DECOMMISSION]
        assert flat["custom_fields"]["_snipeit_tricky_text_notes_9"] == want["_snipeit_tricky_text_notes_9"]
