

def ids(d):
    return [r["id"] for r in d["rows"]]


def _created(r):
    return r["created_at"]["datetime"] if r["created_at"] else None


def test_sort_id_asc_desc(client):
    a = ids(client.rows("companies", sort="id", order="asc"))
    assert a == sorted(a)
    d = ids(client.rows("companies", sort="id", order="desc"))
    assert d == sorted(d, reverse=True)


def test_order_case_sensitive(client):
    for o in ("ASC", "Asc", "", "bogus"):
        d = ids(client.rows("companies", sort="id", order=o))
        assert d == sorted(d, reverse=True), o


def test_default_sort_created_at_desc_nulls_last(client):
    rows = client.rows("locations")["rows"]
    vals = [_created(r) for r in rows]
    non_null = [v for v in vals if v is not None]
    assert non_null == sorted(non_null, reverse=True)
    assert vals[len(non_null):] == [None] * (len(vals) - len(non_null))  # NULLs last in DESC
    asc = [_created(r) for r in client.rows("locations", order="asc")["rows"]]
    assert asc[0] is None  # NULLs first in ASC


def test_suppliers_id_not_sortable(client, emu):
    rows = client.rows("suppliers", sort="id")["rows"]
    vals = [_created(r) for r in rows]
    nn = [v for v in vals if v]
    assert nn == sorted(nn, reverse=True)  # fell back to created_at DESC
    assert [r["id"] for r in rows] != sorted(r["id"] for r in rows)


def test_suppliers_fallback_keeps_order_param(client):
    # the sort column falls back, the order param is still honoured
    rows = client.rows("suppliers", sort="id", order="asc")["rows"]
    by_fallback = client.rows("suppliers", sort="bogus", order="asc")["rows"]
    assert [_created(r) for r in rows] == [_created(r) for r in by_fallback]


def test_categories_default_assets_count(client):
    rows = client.rows("categories")["rows"]
    counts = [r["assets_count"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    for s in ("created_at", "updated_at"):
        rows = client.rows("categories", sort=s, order="asc")["rows"]
        counts = [r["assets_count"] for r in rows]
        assert counts == sorted(counts), s


def test_statuslabels_departments_no_updated_at(client):
    for res in ("statuslabels", "departments"):
        rows = client.rows(res, sort="updated_at", order="asc")["rows"]
        vals = [_created(r) for r in rows]
        nn = [v for v in vals if v]
        assert nn == sorted(nn), res


def test_users_default_first_name_and_case_insensitive(client):
    rows = client.rows("users", limit=-300)["rows"]
    names = [r["first_name"] for r in rows]
    import html
    keys = [html.unescape(n).casefold() for n in names]
    assert keys == sorted(keys, reverse=True)
    r = client.get("/api/v1/users", params={"sort": "groups"})
    assert r.status_code == 500 and r.json() == {"message": "Server Error"}


def test_hardware_special_sorts(client):
    rows = client.rows("hardware", sort="model", order="asc", limit=200)["rows"]
    import html
    names = [html.unescape(r["model"]["name"]).casefold() for r in rows]
    assert names == sorted(names)
    rows = client.rows("hardware", sort="custom_fields._snipeit_ram_2", order="desc", limit=50)["rows"]
    rams = [int(r["custom_fields"]["RAM"]["value"]) for r in rows]
    assert rams == sorted(rams, reverse=True)


def test_ties_shuffled_between_requests(client):
    # the bulk-import group (> 600 rows) shares created_at/updated_at
    first = client.rows("hardware", sort="updated_at", order="desc", limit=50, offset=100)
    seen = {tuple(ids(first))}
    for _ in range(4):
        seen.add(tuple(ids(client.rows("hardware", sort="updated_at", order="desc", limit=50, offset=100))))
    assert len(seen) > 1
    # the tied values are all identical
    vals = {r["updated_at"]["datetime"] for r in first["rows"]}
    assert len(vals) == 1


def test_ties_by_id_when_shuffle_off(make_emu):
    emu, c = make_emu(shuffle_ties=False)
    a = ids(c.rows("hardware", sort="updated_at", order="desc", limit=100, offset=100))
    b = ids(c.rows("hardware", sort="updated_at", order="desc", limit=100, offset=100))
    assert a == b == sorted(a)
    c.control("POST", "config", {"shuffle_ties": True})
    seen = {tuple(ids(c.rows("hardware", sort="updated_at", order="desc", limit=100, offset=100)))
            for _ in range(3)}
    assert len(seen) > 1


def test_shuffle_reproducible(make_emu):
    runs = []
    for _ in range(2):
        emu, c = make_emu()
        runs.append([ids(c.rows("hardware", limit=30, offset=10)) for _ in range(3)])
    assert runs[0] == runs[1]
