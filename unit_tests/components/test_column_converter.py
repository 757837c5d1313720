"""ColumnConverter: a value as Snipe-IT displays it -> its column's type, or _FAIL when no lossless conversion exists
(the caller nulls it and keeps it in _snipeit_unparsed)."""

import logging

import pytest

from components import _FAIL, ColumnConverter

KINDS = {"updated_at_datetime": "date-time", "purchase_cost": "number", "eol": "months", "users_count": "integer",
         "requestable": "boolean", "purchase_date": "date", "permissions": "object", "name": "string",
         "purchase_cost_numeric": "plain_number", "anything": "unknown"}


def convert(column, value, timezone="UTC"):
    return ColumnConverter(KINDS, {"timezone": timezone}, "hardware").by_column[column](value)


CASES = [
    ("updated_at_datetime", "2024-05-01 09:12:03", "2024-05-01T09:12:03Z", "naive-utc"),
    ("updated_at_datetime", "", None, "empty-timestamp"),
    ("updated_at_datetime", "2024-05-01T09:12:03Z", _FAIL, "not-the-naive-shape"),
    ("updated_at_datetime", "2024-13-01 09:12:03", _FAIL, "no-such-month"),
    ("purchase_cost", "1,234.56", 1234.56, "money-point"),
    ("purchase_cost", "1.234,56", 1234.56, "money-comma"),
    ("purchase_cost", "0,50", 0.5, "money-comma-small"),
    ("purchase_cost", "-2,499.00", -2499.0, "money-negative"),
    ("purchase_cost", "1500", 1500.0, "money-plain-integer"),
    ("purchase_cost", "12.5", _FAIL, "money-one-decimal"),
    ("purchase_cost", "1,234", _FAIL, "money-no-decimals-grouped"),
    ("purchase_cost", "1 234,56", _FAIL, "money-space-grouped"),
    ("purchase_cost", "", None, "money-empty"),
    ("purchase_cost", True, _FAIL, "money-bool"),
    ("purchase_cost", 12, 12, "money-already-a-number"),
    ("eol", "36 months", 36, "months-english"),
    ("eol", "36 Monate", 36, "months-translated"),
    ("eol", "None", None, "months-none"),
    ("eol", "soon", _FAIL, "months-words"),
    ("users_count", "5", 5, "count-as-string"),
    ("users_count", "-3", -3, "negative-count"),
    ("users_count", "1,000", _FAIL, "count-grouped"),
    ("users_count", 4.0, 4, "whole-float"),
    ("users_count", 4.5, _FAIL, "fractional-float"),
    ("users_count", True, 1, "bool-count"),
    ("requestable", "1", True, "bool-one"),
    ("requestable", 0, False, "bool-zero"),
    ("requestable", "TRUE", True, "bool-word"),
    ("requestable", "yes", _FAIL, "bool-yes-is-not-the-apis"),
    ("purchase_date", "2024-01-10", "2024-01-10", "date"),
    ("purchase_date", "2024-02-30", _FAIL, "no-such-date"),
    ("purchase_date", "", None, "empty-date"),
    ("permissions", '{"reports.view": "1", "assets.view": "1"}', {"reports.view": "1", "assets.view": "1"},
     "v7-permissions-json-text"),
    ("permissions", "[]", {}, "no-permissions-stored-as-list"),
    ("permissions", "[1]", _FAIL, "list-not-empty"),
    ("permissions", "{broken", _FAIL, "broken-json"),
    ("name", "", None, "string-empty-is-null"),
    ("name", {"a": "é"}, '{"a":"é"}', "string-from-object"),
    ("name", False, "false", "string-from-bool"),
    ("name", 7, "7", "string-from-number"),
    ("purchase_cost_numeric", "1234.56", 1234.56, "plain-number"),
    ("purchase_cost_numeric", "1.234,56", _FAIL, "plain-number-is-not-money"),
    ("anything", ["x"], ["x"], "unknown-kind-as-is"),
]


@pytest.mark.parametrize("column, value, expected", [pytest.param(*c[:3], id=c[3]) for c in CASES])
def test_values_are_converted_to_their_column_kind(column, value, expected):
    result = convert(column, value)
    if expected is _FAIL:
        assert result is _FAIL
    else:
        assert (result, type(result)) == (expected, type(expected))


@pytest.mark.parametrize("timezone, expected", [
    ("Europe/Berlin", "2024-05-01T07:12:03Z"),  # CEST, +02:00
    ("America/New_York", "2024-05-01T13:12:03Z"),
    ("Etc/UTC", "2024-05-01T09:12:03Z"),
])
def test_naive_timestamps_are_read_in_the_instance_time_zone(timezone, expected):
    assert convert("updated_at_datetime", "2024-05-01 09:12:03", timezone) == expected


def test_only_columns_whose_type_a_string_is_not_are_converted_from_strings():
    converter = ColumnConverter(KINDS, {}, "hardware")
    assert "name" not in converter.converted_from_str
    assert {"users_count", "requestable", "purchase_cost", "eol", "permissions"} <= converter.converted_from_str


def test_a_value_that_cannot_be_converted_is_warned_about_once_per_column(caplog):
    converter = ColumnConverter(KINDS, {}, "hardware")
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        converter.warn("purchase_cost", "12.5")
        converter.warn("purchase_cost", "13.5")
        converter.warn("eol", "soon")
    assert caplog.text.count("column purchase_cost got '12.5'") == 1 and "13.5" not in caplog.text
    assert "(Snipe-IT sends money as 1,234.56 or 1.234,56, with two decimals)" in caplog.text
    assert "column eol got 'soon'" in caplog.text
