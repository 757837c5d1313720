"""Row shape: flattened, unescaped, typed, converted to UTC; nothing presentation-only, nothing lost."""

import json
from pathlib import Path

import pytest
import requests_mock
import yaml

from unit_tests.conftest import API, fixture_row, make_config, mock_page, page, records_of, run_read

STREAM_RESOURCE = {
    "hardware": "hardware", "users": "users", "companies": "companies", "locations": "locations",
    "categories": "categories", "manufacturers": "manufacturers", "suppliers": "suppliers", "models": "models",
    "status_labels": "statuslabels", "departments": "departments",
}


def read_one(stream: str, row: dict, **config) -> dict:
    resource = STREAM_RESOURCE[stream]
    sort = "name" if stream == "suppliers" else "id"
    with requests_mock.Mocker() as m:
        if stream == "hardware":
            mock_page(m, resource, 0, page([]), status="Archived")
        mock_page(m, resource, 0, page([row]), sort=sort)
        output = run_read(stream, make_config(**config))
    records = records_of(output)
    assert len(records) == 1, output.errors
    return records[0]


def walk_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from walk_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk_strings(v)


def test_hardware_row_is_flattened_unescaped_and_typed():
    record = read_one("hardware", fixture_row("hardware"))
    assert record["name"] == "Design Laptop & Dock"
    assert record["model_id"] == 7 and record["model_name"] == 'MacBook Pro 14"'
    assert record["supplier_name"] == "B&H Photo"
    assert record["status_label_status_type"] == "deployable"
    assert record["notes"] == "Bought for **design** team & QA"  # the Markdown the user typed
    assert record["updated_at_datetime"] == "2025-05-20T14:03:11Z"
    assert record["purchase_date_date"] == "2024-01-15"
    assert record["purchase_cost"] == 2499.0
    assert record["assigned_to_username"] == "jdoe"
    assert record["custom_fields"] == {"_snipeit_mac_address_1": "a4:83:e7:00:11:22", "_snipeit_ram_2": None}
    assert not [k for k in record if "formatted" in k or "available_actions" in k]
    assert "age" in record and record.get("book_value") is None


@pytest.mark.parametrize("stream", sorted(STREAM_RESOURCE))
def test_no_html_entity_survives_in_any_stream(stream):
    row = fixture_row(stream)
    row["name"] = "A&amp;B &quot;x&quot; &lt;y&gt; it&#039;s &amp;amp;"
    record = read_one(stream, row)
    assert record["name"] == 'A&B "x" <y> it\'s &amp;'  # e() double-encodes a literal "&amp;": one unescape is exact
    for text in walk_strings(record):
        assert "&amp;" not in text or text == record["name"]
        assert "&#039;" not in text and "&quot;" not in text and "&lt;" not in text


def test_users_nested_groups_are_json_text_and_names_unescaped():
    record = read_one("users", fixture_row("users"))
    assert record["name"] == "Jane O'Brien" and record["last_name"] == "O'Brien"
    assert record["department_name"] == "R&D"
    assert record["groups_total"] == 1
    assert json.loads(record["groups_rows"]) == [{"id": 2, "name": "IT Staff"}]
    assert record["permissions"] == {}


def test_locations_children_names_are_kept_raw():
    row = fixture_row("locations")
    row["children"] = [{"id": 9, "name": "Room &amp; Co"}]  # the API does not escape children: this is literal
    record = read_one("locations", row)
    assert json.loads(record["children"]) == [{"id": 9, "name": "Room &amp; Co"}]


def test_counts_sent_as_strings_become_integers():
    record = read_one("departments", fixture_row("departments"))
    assert record["users_count"] == 14 and record["name"] == "R&D"


def test_empty_strings_from_bare_escaping_become_null():
    record = read_one("suppliers", fixture_row("suppliers"))
    assert record.get("zip") is None and record.get("email") is None and record["name"] == "B&H Photo"


def test_naive_timestamps_are_converted_from_the_instance_time_zone():
    record = read_one("hardware", fixture_row("hardware"), timezone="Europe/Berlin")
    assert record["updated_at_datetime"] == "2025-05-20T12:03:11Z"  # CEST = UTC+2
    assert record["created_at_datetime"] == "2024-01-16T08:12:44Z"  # CET = UTC+1
    assert record["purchase_date_date"] == "2024-01-15"  # dates are not shifted


# -- money: both digit separators, the config silent --------------------------------------------------------

CAPTURES = Path(__file__).resolve().parent.parent / "captures" / "real-snipeit"
MANIFEST = yaml.safe_load((Path(__file__).resolve().parent.parent / "manifest.yaml").read_text())
# Every money column of every stream: the manifest's number columns (not plain_number's "1234.56")
MONEY_COLUMNS = sorted((stream, column) for stream, schema in MANIFEST["schemas"].items()
                       for column, prop in schema["properties"].items()
                       if prop.get("$ref") == "#/definitions/types/number")
MONEY_RESOURCE = {"hardware": "hardware", "licenses": "licenses", "accessories": "accessories",
                  "consumables": "consumables", "components": "components", "maintenances": "maintenances"}
# As Helper::formatCurrencyOutput prints a stored decimal: number_format($x, 2, ...) in each digit separator
# (the values of issue 20 and the v7-eu capture), with what the database stores for it.
MONEY_AS_SENT = [("1.856,10", "1856.10"), ("0,50", "0.50"), ("16,98", "16.98"), ("17.425,02", "17425.02"),
                 ("880,05", "880.05"), ("4.552.289,69", "4552289.69"), ("2,499.00", "2499.00"), ("0.50", "0.50"),
                 ("1,234,567.89", "1234567.89"), ("-1,234.56", "-1234.56"), ("-0,50", "-0.50")]


def read_money_row(stream: str, column: str, sent, **config):
    """The stream's first captured row with ``column`` set to ``sent``, read with a config that says nothing of money."""
    row = json.loads((CAPTURES / f"{stream}.json").read_text())["body"]["rows"][0]
    row[column] = sent
    resource = MONEY_RESOURCE[stream]
    with requests_mock.Mocker() as m:
        m.get(f"{API}/fields", json=page([]))
        if stream == "hardware":
            mock_page(m, resource, 0, page([]), status="Archived")
        mock_page(m, resource, 0, page([row]))
        output = run_read(stream, make_config(**config))
    [record] = records_of(output)
    return record, output


def test_every_money_column_is_covered():
    assert {stream for stream, _ in MONEY_COLUMNS} == set(MONEY_RESOURCE) and len(MONEY_COLUMNS) == 7


@pytest.mark.parametrize("stream, column", MONEY_COLUMNS)
def test_money_is_read_in_either_digit_separator_without_configuration(stream, column):
    for sent, stored in MONEY_AS_SENT:
        record, output = read_money_row(stream, column, sent)
        assert record[column] == float(stored), (sent, record[column])
        assert not record.get("_snipeit_unparsed"), sent
        assert not [l for l in output.logs if l.log.level.name == "WARN" and column in l.log.message], sent


@pytest.mark.parametrize("stream, column", MONEY_COLUMNS)
@pytest.mark.parametrize("sent", ["12.5", "1,234", "1 234,56", "N/A"])
def test_money_that_fits_neither_separator_is_kept_verbatim_with_a_warning(stream, column, sent):
    record, output = read_money_row(stream, column, sent)
    assert record.get(column) is None and record["_snipeit_unparsed"] == {column: sent}
    warnings = [l.log.message for l in output.logs if f"column {column} got {sent!r}" in l.log.message]
    assert len(warnings) == 1 and "1,234.56 or 1.234,56" in warnings[0]


@pytest.mark.parametrize("number_format", ["1,234.56", "1.234,56", "1 234,56"])
def test_a_config_that_still_sets_number_format_is_read_with_a_deprecation_warning(number_format, caplog):
    # the setting is ignored: each value tells its separator, whatever the config says; the normaliser warns once,
    # when the source is built from the config
    for sent, stored in (("1.856,10", "1856.10"), ("2,499.00", "2499.00")):
        caplog.clear()
        record, output = read_money_row("hardware", "purchase_cost", sent, number_format=number_format)
        assert record["purchase_cost"] == float(stored)
        warnings = [r.getMessage() for r in caplog.records if "number_format" in r.getMessage()]
        assert len(warnings) == 1 and "deprecated" in warnings[0] and not output.errors


def test_older_versions_row_shapes_are_read():
    asset = fixture_row("hardware")
    asset["custom_fields"] = []  # before v6.0.13
    assert read_one("hardware", asset)["custom_fields"] == {}
    model = fixture_row("models")
    model["eol"] = {"date": "2027-01-01", "formatted": "2027-01-01"}  # before v6.1
    record = read_one("models", model)
    assert record["eol_date"] == "2027-01-01" and record.get("eol") is None


def test_unconvertible_values_are_nulled_and_kept_verbatim():
    row = fixture_row("hardware")
    row["updated_at"] = "2024-13-45 (Invalid datetime value.)"
    row["checkout_counter"] = "many"
    record = read_one("hardware", row)
    assert record.get("updated_at_datetime") is None and record.get("checkout_counter") is None
    assert record["_snipeit_unparsed"] == {"updated_at_datetime": "2024-13-45 (Invalid datetime value.)",
                                           "checkout_counter": "many"}


@pytest.mark.parametrize("text", [
    "Design Laptop &amp; Dock", "MacBook Pro 14&quot;", "O&#039;Brien &lt;IT&gt;", "&amp;lt;b&amp;gt;",
    "&amp;amp;", "AT&T", "caf&eacute; &nbsp;x", "&#39;quoted&#39;", "&#x27;hex&#x27;", "&copy 2024", "&amp",
    "&lt", "a & b; c", "&&amp;;", "&#039", "no entities",
])
def test_text_is_unescaped_exactly_once_as_html_unescape_does(text):
    """Strings holding only e()'s five entities take a replace-based fast path; its result must equal
    html.unescape for any text, including entities e() never writes and the same entity escaped twice."""
    import html

    expected = html.unescape(text) or None
    record = read_one("companies", {"id": 1, "name": text})
    assert record["name"] == expected


@pytest.mark.parametrize("rendered, typed", [
    ("Line 2 &amp; &lt;b&gt;x&lt;/b&gt; &quot;q&quot; it's", "Line 2 & <b>x</b> \"q\" it's"),
    # Parsedown renders a typed "A&B" and a typed "A&amp;B" alike: read as the one people type (issue 20)
    ("A&amp;B literal", "A&B literal"), ("R&amp;D, Q&amp;A", "R&D, Q&A"),
    ("&amp;amp; &amp;lt;", "&amp; &lt;"),  # unescaped once: a typed "&amp;amp;" reads as "&amp;"
    ("caf&eacute; &#039;x&#039;", "caf&eacute; &#039;x&#039;"),  # Parsedown writes neither: the user typed them
    ("a &amp;", "a &"),
    ("<strong>b</strong> <em>i</em> <code>a &amp;&amp; b &lt;c&gt;</code> <del>d</del>", "**b** *i* `a && b <c>` ~~d~~"),
    ('see <a href="https://x.org/?a=1&amp;b=2" title="T">the &amp; site</a>', 'see [the & site](https://x.org/?a=1&b=2 "T")'),
    ('<a href="https://x.org/a">https://x.org/a</a> <a href="mailto:me@x.org">me@x.org</a>', "https://x.org/a <me@x.org>"),
    ('<img src="https://x.org/i.png" alt="pic" />', "![pic](https://x.org/i.png)"),
    ("one<br />\ntwo", "one  \ntwo"),  # typed with two trailing spaces
    ("<p>para one</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>x</li>\n<li>y</li>\n</ol>",
     "para one\n\n- a\n- b\n\n1. x\n2. y"),
    ("<ul>\n<li><strong>a</strong> <em>b</em></li>\n</ul>\n<p>x</p>", "- **a** *b*\n\nx"),
    ("<h2>T</h2>\n<blockquote>\n<p>q</p>\n</blockquote>\n<pre><code class=\"language-sh\">a &lt; b\n</code></pre>\n<hr />",
     "## T\n\n> q\n\n```sh\na < b\n```\n\n---"),
])
def test_rendered_notes_become_the_markdown_the_user_typed(rendered, typed):
    record = read_one("companies", {"id": 1, "name": "n", "notes": rendered})
    assert record["notes"] == typed


def test_fast_unescape_path_agrees_with_html_unescape_on_generated_text():
    import html
    import random

    from components import _unescape

    pieces = ["&", "amp;", "lt;", "gt;", "quot;", "#039;", "#39;", "&amp;", "&lt;", "&gt;", "&quot;", "&#039;",
              "nbsp;", "copy", ";", "a", " ", "<", '"', "'", "#", "&#x27;", "AMP;", "&amp", "é"]
    rng = random.Random(20261128)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert _unescape(text) == html.unescape(text), text
