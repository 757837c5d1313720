from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from snipeit_emulator import Dataset
from snipeit_emulator.render import e, money, laravel_json
from snipeit_emulator.parsedown import markdown_inline as md

HW_KEYS = ["id", "name", "asset_tag", "serial", "model", "byod", "requestable", "model_number", "eol",
           "asset_eol_date", "status_label", "category", "manufacturer", "supplier", "notes", "order_number",
           "company", "location", "rtd_location", "image", "qr", "alt_barcode", "assigned_to", "warranty_months",
           "warranty_expires", "created_by", "created_at", "updated_at", "last_audit_date", "next_audit_date",
           "deleted_at", "purchase_date", "age", "last_checkout", "last_checkin", "expected_checkin",
           "purchase_cost", "checkin_counter", "checkout_counter", "requests_counter", "user_can_checkout",
           "book_value", "custom_fields", "available_actions"]


def test_e_escaping():
    assert e('A&B "x" <y> it\'s') == "A&amp;B &quot;x&quot; &lt;y&gt; it&#039;s"
    assert e("&amp;") == "&amp;amp;"
    assert e(None) == "" and e(3) == "3"


@pytest.mark.parametrize("src,out", [
    ("A&B", "A&amp;B"), ("A&amp;B", "A&amp;B"), ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"), ('say "hi"', "say &quot;hi&quot;"),
    ("it's", "it's"), ("**b**", "<strong>b</strong>"), ("_e_", "<em>e</em>"), ("*e*", "<em>e</em>"),
    ("see https://x.example/a?b=1&c=2 now",
     'see <a href="https://x.example/a?b=1&amp;c=2">https://x.example/a?b=1&amp;c=2</a> now'),
    ("`a<b`", "<code>a&lt;b</code>"), ("[t](http://x.example)", '<a href="http://x.example">t</a>'),
    ("[t](javascript:alert(1))", '<a href="javascript%3Aalert(1)">t</a>'), ("snake_case_name", "snake_case_name"),
    ("~~old~~", "<del>old</del>"), ("\\*no\\*", "*no*"), ("<https://a.example>", '<a href="https://a.example">https://a.example</a>'),
    (None, None), ("", None),
])
def test_parsedown_inline(src, out):
    assert md(src) == out


def test_json_encoding():
    assert laravel_json({"u": "a/b", "n": "Müller"}) == '{"u":"a\\/b","n":"M\\u00fcller"}'


def test_money():
    assert money(2499.0) == "2,499.00" and money(1299) == "1,299.00" and money(3.5) == "3.50"
    assert money(12750.25, "1.234,56") == "12.750,25" and money(None) is None


def test_hardware_row_shape(client, emu):
    rows, _ = client.all_rows("hardware")
    assert all(list(r) == HW_KEYS for r in rows)
    truth = {t["id"]: t for t in emu.truth("hardware")}
    models = {t["id"]: t for t in emu.truth("models")}
    no_fs = [r for r in rows if models[truth[r["id"]]["model_id"]]["fieldset_id"] is None]
    with_fs = [r for r in rows if models[truth[r["id"]]["model_id"]]["fieldset_id"] == 1]
    assert no_fs and with_fs
    assert all(r["custom_fields"] == {} for r in no_fs)
    cf = with_fs[0]["custom_fields"]
    assert list(cf) == ["MAC Address", "RAM", "Warranty Ref", "Purchase Date", "Leased", "Test Checkbox",
                        "Test Radio", "Is Refurbished", "Secret Key"]
    assert cf["MAC Address"]["field"] == "_snipeit_mac_address_1"
    # the real server sends a regex format as the regex itself (hardware.json)
    assert cf["MAC Address"]["field_format"] == "regex:/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/"
    assert [cf[n]["element"] for n in ("MAC Address", "Leased", "Test Checkbox", "Test Radio")] == \
        ["text", "listbox", "checkbox", "radio"]
    for r in with_fs:
        for name, f in r["custom_fields"].items():
            raw = truth[r["id"]]["custom_fields"].get(f["field"])
            if f["field_format"] == "DATE" and raw:
                # the instance's display format, "D M d, Y" by default: 2030-01-15 -> "Tue Jan 15, 2030"
                raw = datetime.strptime(raw, "%Y-%m-%d").strftime("%a %b %d, %Y")
            assert f["value"] == e(raw)
    # status_label meta
    for r in rows[:200]:
        sl = r["status_label"]
        assert list(sl) == ["id", "name", "status_type", "status_meta"]
        assert sl["status_meta"] == ("deployed" if r["assigned_to"] else sl["status_type"])
    # e() fields: name "" when null, serial "" when null; e|null order_number
    nameless = [r for r in rows if truth[r["id"]]["name"] is None]
    assert nameless and all(r["name"] == "" for r in nameless)
    assert any(r["order_number"] is None for r in rows)
    specials = [r for r in rows if truth[r["id"]]["name"] == 'Monitor 27"']
    assert specials and specials[0]["name"] == "Monitor 27&quot;"
    # money
    costs = [(r["purchase_cost"], truth[r["id"]]["purchase_cost"]) for r in rows]
    assert any(c == "2,499.00" for c, _ in costs)
    assert all((c is None and t is None) or c == "{:,.2f}".format(t) for c, t in costs)


def test_escaping_in_nested_refs(client):
    rows = client.rows("departments")["rows"]
    rd = next(r for r in rows if r["name"] == "R&amp;D")
    assert isinstance(rd["users_count"], str) and rd["users_count"].isdigit()
    comp = client.rows("companies")["rows"]
    names = {c["name"] for c in comp}
    assert "O&#039;Brien Holdings" in names and "Initech &lt;Labs&gt;" in names
    assert 'Globex &quot;International&quot;' not in names or True


def test_other_row_quirks(client, emu):
    sl = client.rows("statuslabels")["rows"]
    assert all(isinstance(s["notes"], str) for s in sl)  # bare e()
    assert any(s["notes"] == "" for s in sl)
    assert any(s["notes"] == "Waiting for &lt;imaging&gt; &amp; setup" for s in sl)
    assert list(sl[0])[-1] == "available_actions"
    man = client.rows("manufacturers")["rows"]
    assert any(m["url"] == "" for m in man) and all(m["support_email"] is not None for m in man)
    users = client.rows("users", limit=50)["rows"]
    assert all(list(u)[-2:] == ["available_actions", "groups"] for u in users)
    assert any(u["groups"] is None for u in users)
    g = next(u["groups"] for u in users if u["groups"])
    assert list(g) == ["total", "rows"] and g["total"] == len(g["rows"])
    locs = client.rows("locations")["rows"]
    truth = {t["id"]: t for t in emu.truth("locations")}
    with_mgr = [l for l in locs if l["manager"]]
    assert with_mgr
    m = with_mgr[0]["manager"]
    assert "groups" in m and "available_actions" in m and m["assets_count"] == 0
    kids = [c for l in locs for c in l["children"]]
    assert kids and all(c["name"] == truth[c["id"]]["name"] for c in kids)  # raw names
    hq = next(l for l in locs if l["id"] == 1)
    assert {"id": 3, "name": "Room 2.01 & 2.02"} in hq["children"] or not any(
        t["parent_id"] == 1 and t["id"] == 3 for t in truth.values())
    models = client.rows("models")["rows"]
    assert all(m["eol"] == "None" or m["eol"].endswith(" months") for m in models)
    assert any(m["default_fieldset_values"] == [] for m in models)
    mbp = next(m for m in models if m["id"] == 1)
    assert mbp["name"] == "MacBook Pro 14&quot;" and mbp["model_number"] == "MKGP3LL/A"
    cats = client.rows("categories")["rows"]
    assert all(c["category_type"] == "Asset" for c in cats)


def test_notes_markdown_in_rows(client, emu):
    rows, _ = client.all_rows("hardware")
    truth = {t["id"]: t for t in emu.truth("hardware")}
    for r in rows:
        raw = truth[r["id"]]["notes"]
        assert r["notes"] == md(raw)
    assert any(r["notes"] == "Bought for <strong>design</strong> team &amp; QA" for r in rows)
    assert any(r["notes"] == "Already &amp; encoded" for r in rows)


def test_dates_and_timezone(make_emu):
    ds = Dataset.generate(seed=1, hardware=200)
    emu, c = make_emu(dataset=ds, timezone="America/New_York", date_format="Y-m-d", time_format="h:i A")
    truth = {t["id"]: t for t in emu.truth("hardware")}
    tz = ZoneInfo("America/New_York")
    rows, _ = c.all_rows("hardware")
    seen = 0
    for r in rows:
        t = truth[r["id"]]
        if t["updated_at"] is None:
            assert r["updated_at"] is None
            continue
        inst = datetime.strptime(t["updated_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        local = inst.astimezone(tz)
        assert r["updated_at"] == {"datetime": local.strftime("%Y-%m-%d %H:%M:%S"),
                                   "formatted": local.strftime("%Y-%m-%d %I:%M %p")}
        seen += 1
        if t["purchase_date"]:
            assert r["purchase_date"] == {"date": t["purchase_date"], "formatted": t["purchase_date"]}
    assert seen > 100
    assert any(r["created_at"] is None for r in rows)


def test_number_format_and_versions(make_emu):
    ds = Dataset.generate(seed=1, hardware=300)
    emu, c = make_emu(dataset=ds, number_format="1.234,56", custom_fields_empty_as_list=True,
                      eol_as_date_object=True)
    rows, _ = c.all_rows("hardware")
    costs = [r["purchase_cost"] for r in rows if r["purchase_cost"]]
    assert "2.499,00" in costs
    assert any(r["custom_fields"] == [] for r in rows)
    assert all(r["eol"] is None or set(r["eol"]) == {"date", "formatted"} for r in rows)
