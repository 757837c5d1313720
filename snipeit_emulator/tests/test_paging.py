import pytest

from snipeit_emulator.query import api_limit, api_offset, ServerError, php_intval, php_gt


@pytest.mark.parametrize("raw,expected", [
    (None, 500), ("", 500), ("0", 500), ("abc", 500), ("10", 10), ("10abc", 10), ("2.9", 2), ("1e3", 500),
    ("1000", 500), ("500", 500), ("-5", 5), ("-1000", 1000), ("-499", 499),
])
def test_limit_table(raw, expected):
    assert api_limit(raw, 500) == expected


@pytest.mark.parametrize("raw,expected", [
    (None, 0), ("0", 0), ("5", 5), ("-5", 0), ("42", 42), ("43", 42), ("1000", 42), ("abc", 42),
    ("10abc", 10), ("99abc", 42), ("1e3", 42), ("2.5", 2), ("1e1", 10),
])
def test_offset_table(raw, expected):
    assert api_offset(raw, 42) == expected


@pytest.mark.parametrize("raw,expected", [(None, 0), ("-5", 5), ("5", 5), ("abc", 42), ("100", 42)])
def test_models_offset_table(raw, expected):
    assert api_offset(raw, 42, models=True) == expected


def test_models_offset_type_error():
    with pytest.raises(ServerError):
        api_offset("10abc", 42, models=True)


def test_php_helpers():
    assert php_intval(" 12") == 12 and php_intval("x1") == 0 and php_intval("-3.9") == -3
    assert php_gt("abc", 42) and not php_gt("10abc", 42) and php_gt("99abc", 42) and not php_gt(None, 0)


def test_limit_offset_over_http(client):
    total = client.rows("hardware", limit=1)["total"]
    assert total > 1000
    assert len(client.rows("hardware")["rows"]) == 500             # default = MAX_RESULTS
    assert len(client.rows("hardware", limit=1000)["rows"]) == 500  # clamp
    assert len(client.rows("hardware", limit=-1000)["rows"]) == 1000  # negative bypass
    assert len(client.rows("hardware", limit=-5)["rows"]) == 5
    assert len(client.rows("hardware", limit="abc")["rows"]) == 500
    assert len(client.rows("hardware", limit="10abc")["rows"]) == 10
    d = client.rows("hardware", offset=total + 10)
    assert d == {"total": total, "rows": []}
    assert client.rows("hardware", offset=total)["rows"] == []
    assert client.rows("hardware", offset="abc")["rows"] == []
    a = client.rows("hardware", sort="id", order="asc", limit=5, offset=-5)["rows"]
    b = client.rows("hardware", sort="id", order="asc", limit=5)["rows"]
    assert [x["id"] for x in a] == [x["id"] for x in b]
    # PHP 8 compares "100abc" with the int total as strings: "100abc" < "1088" -> intval -> 100
    assert str(total).startswith("10") and str(total) > "100abc"
    c = client.rows("hardware", sort="id", order="asc", limit=5, offset="100abc")["rows"]
    d2 = client.rows("hardware", sort="id", order="asc", limit=105)["rows"]
    assert [x["id"] for x in c] == [x["id"] for x in d2[100:105]]
    assert client.rows("hardware", offset="10abc")["rows"] == []  # "10abc" > "1088" as strings
    # offset + len(rows) pagination sees every row exactly once
    rows, total2 = client.all_rows("hardware", sort="id", order="asc")
    assert len(rows) == total2 == total and len({r["id"] for r in rows}) == total


def test_models_offset_over_http(client):
    a = client.rows("models", sort="id", order="asc", limit=3, offset=-5)["rows"]
    b = client.rows("models", sort="id", order="asc", limit=8)["rows"]
    assert [x["id"] for x in a] == [x["id"] for x in b[5:8]]
    r = client.get("/api/v1/models", params={"offset": "10abc"})
    assert r.status_code == 500 and r.json() == {"message": "Server Error"}
    assert "X-RateLimit-Limit" in r.headers
    assert client.rows("models", offset="abc")["rows"] == []


def test_max_results_configurable(make_emu):
    emu, c = make_emu(max_results=100)
    assert len(c.rows("hardware")["rows"]) == 100
    assert len(c.rows("hardware", limit=150)["rows"]) == 100
    assert len(c.rows("hardware", limit=-150)["rows"]) == 150
    c.control("POST", "config", {"max_results": 7})
    assert len(c.rows("hardware")["rows"]) == 7
