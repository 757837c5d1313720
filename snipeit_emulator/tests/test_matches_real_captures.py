"""The emulator answers every captured request of three real Snipe-IT instances as they did.

``captures/real-snipeit/`` holds the answers of a real v8.1.4 (the folder itself), of a v8.1.4 with full multiple
companies support, m/d/Y, h:iA and America/Los_Angeles (``fmcs-mdY/``) and of a v7.1.17 with the ``1.234,56``
digit separator, d.m.Y, H:i and Asia/Kolkata (``v7-eu/``). Each folder has its emulator, configured like that
instance (INSTANCES), with one token per captured ``auth`` (the fmcs-mdY token users are built from its
``_stored_values.json``). For each capture the same request goes to that emulator:

* every 200 JSON body: the two bodies reduced to their key paths with the JSON types seen there must agree. Rows
  are compared as the union of their key paths, so a key that only some rows carry still counts. Types are
  compared where both sides have a non-null value; a path below a value that is null on one side only
  (``"manufacturer": null`` versus an object) is not required on that side. Maps keyed by data (custom fields by
  display name, permissions, changed fields in ``log_meta``) are compared through one wildcard key;
* every answer: the same status, every header Snipe-IT sent (its value too, but for the rate-limit count, the
  date and the host), and the very body of an error.

Further down, the values each reproduced case turns on (notes, money, dates, v7 seats and groups) are checked
against the captured values. The captures are test data only: the emulator package never reads them.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from snipeit_emulator import Dataset, Emulator, DEFAULT_TOKEN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAPTURES = os.path.join(ROOT, "captures", "real-snipeit")
FOLDERS = ("", "fmcs-mdY", "v7-eu")
# objects whose keys are data, not schema: compared through one "*" key
DATA_KEYED = {"rows[].custom_fields", "rows[].permissions", "rows[].log_meta", "permissions", "custom_fields"}
# the no-permission token of the first capture is the emulator's restricted token
NO_PERMISSION_TOKEN = "emulator-no-permission-token"
# headers of the capturing client's connection, the clock and the session, not of Snipe-IT
# (the rate limit: these emulators are opened to 10**6 a minute, so it is compared with their setting)
NOT_COMPARED = {"Host", "Connection", "Date", "Content-Length", "Set-Cookie", "X-RateLimit-Remaining", "Location",
                "X-RateLimit-Limit"}


def _load(folder, name):
    with open(os.path.join(CAPTURES, folder, name), encoding="utf-8") as f:
        return json.load(f)


def _token_spec(user):
    """A token user of fmcs-mdY/_stored_values.json as an emulator token spec (its permissions column as stored)."""
    return {"company_id": int(user["company_id"]), "username": user["username"],
            "permissions": json.loads(user["permissions"])}


def _fmcs_tokens():
    users = {u["username"]: u for u in _load("fmcs-mdY", "_stored_values.json")["token_users"]}
    return {"admin": (DEFAULT_TOKEN, "all"), "no_permission": ("t-noperm", _token_spec(users["t_noperm"])),
            "assets_view_only": ("t-assetsview", _token_spec(users["t_assetsview"])),
            "company_2_viewer": ("t-fmcs", _token_spec(users["t_fmcs"]))}


# folder -> (dataset sizes, emulator settings like that instance's, {auth of the capture: (token, spec)})
INSTANCES = {
    "": (dict(seed=1, hardware=300, users=60), {},
         {"token": (DEFAULT_TOKEN, "all"), "token without permissions": (NO_PERMISSION_TOKEN, "none")}),
    # ids as high as the captured requests name: asset 2382, the 569th log entry; nine companies
    "fmcs-mdY": (dict(seed=3, hardware=2400, users=120, companies=9, activity=700),
                 dict(date_format="m/d/Y", time_format="h:iA", timezone="America/Los_Angeles",
                      full_multiple_companies_support=True), None),
    "v7-eu": (dict(seed=5, hardware=300, users=60),
              dict(version="v7.1.17", digit_separator="1.234,56", date_format="d.m.Y", time_format="H:i",
                   timezone="Asia/Kolkata"), {"admin": (DEFAULT_TOKEN, "all")}),
}


def instance_tokens(folder):
    tokens = INSTANCES[folder][2]
    return tokens if tokens is not None else _fmcs_tokens()


def make_instance(folder, **overrides):
    """An emulator configured like the instance of ``folder`` (not started)."""
    sizes, settings, _ = INSTANCES[folder]
    tokens = {token: spec for token, spec in instance_tokens(folder).values()}
    return Emulator(Dataset.generate(**sizes), tokens=tokens, rate_limit=10 ** 6, **dict(settings, **overrides))


def _token_for(folder, auth):
    tokens = instance_tokens(folder)
    if auth not in tokens and "without permissions" in auth:
        auth = "token without permissions"
    return tokens[auth][0]


def _type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def shape(value, path="", out=None):
    """{key path: set of JSON types seen there}; list items share the path ``<list>[]``."""
    out = {} if out is None else out
    out.setdefault(path, set()).add(_type(value))
    if isinstance(value, dict):
        keyed = path in DATA_KEYED
        for k, v in value.items():
            shape(v, (path + "." if path else "") + ("*" if keyed else k), out)
    elif isinstance(value, list):
        for v in value:
            shape(v, path + "[]", out)
    return out


def _empty(sh, path):
    """Only ever null, an empty array or an empty object there: nothing below to compare with."""
    if path not in sh:
        return False
    return not any(k.startswith(path + ".") or k.startswith(path + "[]") for k in sh)


def _excused(path, other):
    """A path is not required on the other side when an ancestor there was only ever empty (null, [], {})."""
    p = path
    while p:
        cut = max(p.rfind("."), p.rfind("[]"))
        if cut <= 0:
            return False
        p = p[:cut]
        if _empty(other, p):
            return True
    return False


def compare(captured, emulated):
    """List of differences between two bodies' key paths and JSON types (empty: same shape)."""
    a, b = shape(captured), shape(emulated)
    problems = []
    for path in sorted(set(a) | set(b)):
        if path not in b:
            if not _excused(path, b):
                problems.append("%s: missing in the emulator (real: %s)" % (path or "<body>", sorted(a[path])))
            continue
        if path not in a:
            if not _excused(path, a):
                problems.append("%s: not sent by the real server (emulator: %s)" % (path, sorted(b[path])))
            continue
        ta, tb = a[path] - {"null"}, b[path] - {"null"}
        if ta and tb and ta != tb:
            problems.append("%s: real %s, emulator %s" % (path, sorted(ta), sorted(tb)))
    return problems


def _captures(only_ok_bodies):
    out = []
    for folder in FOLDERS:
        for name in sorted(os.listdir(os.path.join(CAPTURES, folder))):
            if not name.endswith(".json") or name.startswith("_"):
                continue
            cap = _load(folder, name)
            ok_body = cap["status"] == 200 and isinstance(cap["body"], dict) and cap["body"].get("status") != "error"
            if ok_body or not only_ok_bodies:
                out.append(pytest.param(folder, name, cap, id=(folder + "/" if folder else "") + name[:-5]))
    return out


@pytest.fixture(scope="module")
def instances():
    started = {folder: make_instance(folder).start() for folder in FOLDERS}
    yield started
    for emu in started.values():
        emu.stop()


@pytest.fixture(scope="module")
def real_like_emu(instances):
    return instances[""]


def _fetch(emu, request, token, expect=200):
    method, target = request.split(" ", 1)
    parts = urlsplit(target)
    r = requests.request(method, emu.url + parts.path, params=parse_qsl(parts.query, keep_blank_values=True),
                         headers={"Accept": "application/json", "Authorization": "Bearer " + token}, timeout=30)
    assert r.status_code == expect, (request, r.status_code, r.text[:300])
    return r


@pytest.mark.parametrize("folder,name,cap", _captures(only_ok_bodies=True))
def test_emulator_body_has_the_real_shape(instances, folder, name, cap):
    body = _fetch(instances[folder], cap["request"], _token_for(folder, cap["auth"])).json()
    if cap["body"].get("rows"):
        assert body["rows"], "the emulator answered %s with no rows: nothing to compare" % cap["request"]
    problems = compare(cap["body"], body)
    assert not problems, "%s/%s (%s):\n  " % (folder, name, cap["request"]) + "\n  ".join(problems)


@pytest.mark.parametrize("folder,name,cap", _captures(only_ok_bodies=False))
def test_emulator_answers_with_the_real_status_headers_and_error_body(instances, folder, name, cap):
    """Same status code; every header Snipe-IT sent, with its value (X-RateLimit-Remaining: where the real server
    sent it, every answer after authentication, 403 and 404 included; not on a refused token); an error's body
    exactly (403s, 404s, 401, the 200 "does not exist")."""
    emu = instances[folder]
    method, target = cap["request"].split(" ", 1)
    parts = urlsplit(target)
    headers = {"Accept": "application/json"}
    if cap["status"] in (401, 302):
        headers["Authorization"] = "Bearer not-a-valid-token"
        if cap["status"] == 302:
            headers.pop("Accept")
    else:
        headers["Authorization"] = "Bearer " + _token_for(folder, cap["auth"])
    r = requests.request(method, emu.url + parts.path, headers=headers, allow_redirects=False,
                         params=parse_qsl(parts.query, keep_blank_values=True), timeout=30)
    assert r.status_code == cap["status"], (cap["request"], r.text[:200])
    assert ("X-RateLimit-Remaining" in r.headers) == ("X-RateLimit-Remaining" in cap["headers"]), cap["request"]
    for h, v in cap["headers"].items():
        if h not in NOT_COMPARED:
            assert r.headers.get(h) == v, (cap["request"], h, r.headers.get(h), v)
    if "X-RateLimit-Limit" in cap["headers"]:
        assert r.headers["X-RateLimit-Limit"] == str(emu.settings["rate_limit"])
    if "Location" in cap["headers"]:
        assert urlsplit(r.headers["Location"]).path == urlsplit(cap["headers"]["Location"]).path
    if cap["status"] != 302 and (cap["status"] != 200 or cap["body"].get("status") == "error"):
        assert r.json() == cap["body"], (cap["request"], r.text[:300])


def test_default_rate_limit_is_the_captured_instances():
    limits = {_load(folder, name)["headers"].get("X-RateLimit-Limit") for folder in FOLDERS
              for name in os.listdir(os.path.join(CAPTURES, folder)) if name.endswith(".json") and name[0] != "_"}
    emu = Emulator(Dataset.generate(hardware=5, users=3))
    assert limits - {None} == {str(emu.settings["rate_limit"])} == {"120"}


def test_comparison_catches_a_changed_type_and_a_missing_key():
    real = {"total": 1, "rows": [{"eol": "36 months", "model": {"id": 1, "name": "x"}, "qty": 3}]}
    assert compare(real, real) == []
    drifted = {"total": 1, "rows": [{"eol": 36, "model": {"id": 1}, "qty": None}]}
    problems = compare(real, drifted)
    assert any(p.startswith("rows[].eol: real ['string'], emulator ['number']") for p in problems), problems
    assert any(p.startswith("rows[].model.name: missing") for p in problems), problems
    assert not any("qty" in p for p in problems), "a null on one side must not count as a type difference"


BROKEN = {  # folder, capture, resource, how its transformer is broken, a problem the comparison must report
    "models": ("", "models.json", "models", lambda row: dict(row, eol=36), "rows[].eol: real ['string'], emulator"),
    "v7 groups": ("v7-eu", "groups.json", "groups", lambda row: dict(row, permissions={"admin": "1"}),
                  "rows[].permissions: real ['string'], emulator ['object']"),
    "v7 seats": ("v7-eu", "license_seats.json", "seats", lambda row: dict(row, updated_at=None, name=1),
                 "rows[].name: real ['string'], emulator ['number']"),
    "v7 accessories": ("v7-eu", "accessories.json", "accessories", lambda row: dict(row, remaining=1),
                       "rows[].remaining: not sent by the real server"),
    "fmcs users/me": ("fmcs-mdY", "users_me_company_2_viewer.json", "users",
                      lambda row: {k: v for k, v in row.items() if k != "company"}, "company.id: missing"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_comparison_catches_a_broken_emulator_shape(instances, monkeypatch, case):
    """Break one transformer of a running emulator: the capture comparison must then fail for it."""
    from snipeit_emulator import transformers
    folder, name, res, breaking, expected = BROKEN[case]
    cap = _load(folder, name)
    emu = instances[folder]
    original = transformers.TRANSFORMERS[res]
    monkeypatch.setitem(transformers.TRANSFORMERS, res, lambda c, r, **kw: breaking(original(c, r, **kw)))
    emu.engine.invalidate_all()
    try:
        problems = compare(cap["body"], _fetch(emu, cap["request"], _token_for(folder, cap["auth"])).json())
        assert compare(cap["body"], cap["body"]) == []
    finally:
        monkeypatch.undo()
        emu.engine.invalidate_all()
    assert any(p.startswith(expected) for p in problems), problems
    assert not compare(cap["body"], _fetch(emu, cap["request"], _token_for(folder, cap["auth"])).json())


def _stored():
    with open(os.path.join(CAPTURES, "_stored_values.json"), encoding="utf-8") as f:
        return json.load(f)


def _body(name):
    with open(os.path.join(CAPTURES, name), encoding="utf-8") as f:
        return json.load(f)["body"]


def test_notes_render_like_the_real_server():
    """The Markdown users typed (stored values) renders to the very HTML the real server sent."""
    from snipeit_emulator.render import md
    stored = _stored()
    checked = 0
    for key, name in (("hardware_tricky", "hardware_tricky.json"), ("users_tricky", "users_tricky.json"),
                      ("models", "models.json")):
        rows = {r["id"]: r for r in _body(name)["rows"]}
        for s in stored[key]:
            if int(s["id"]) in rows:
                assert md(s["notes"]) == rows[int(s["id"])]["notes"], (key, s["id"], s["notes"])
                checked += 1
    assert checked >= 12


def test_custom_field_values_render_like_the_real_server():
    """Stored custom-field values, escaped and (DATE) in the display format, are what the real server sent."""
    from datetime import datetime
    from snipeit_emulator.render import e, php_date
    stored = _stored()
    fmt = stored["settings"]["date_display_format"]
    encrypted = {f["db_column"] for f in stored["custom_fields"] if f["field_encrypted"] == "1"}
    rows = {r["id"]: r for r in _body("hardware_tricky.json")["rows"]}
    checked = 0
    for s in stored["hardware_tricky"]:
        fields = {f["field"]: f for f in rows[int(s["id"])]["custom_fields"].values()}
        for col, raw in s.items():
            if not col.startswith("_snipeit_") or col in encrypted:
                continue
            f = fields[col]
            want = php_date(fmt, datetime.strptime(raw, "%Y-%m-%d")) if f["field_format"] == "DATE" else e(raw)
            assert f["value"] == want, (s["id"], col, raw)
            checked += 1
    assert checked >= 40


def test_emulator_package_does_not_read_the_captures_nor_name_machine_paths():
    package = os.path.join(ROOT, "snipeit_emulator")
    for name in sorted(os.listdir(package)):
        path = os.path.join(package, name)
        if not os.path.isfile(path) or not name.endswith((".py", ".md")):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if name.endswith(".py"):  # comments may cite a capture; code must not open one
            code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
            assert "captures" not in code and "real-snipeit" not in code, name
        # the folder this checkout lies in (whatever machine it is on), and the usual home and temp folders
        for prefix in (os.path.dirname(ROOT) + os.sep, "/tmp/", "/home/", "/root/", "C:\\"):
            assert prefix not in text, "%s names a machine path (%s)" % (name, prefix)


# --- the values each reproduced case turns on -------------------------------------------------------------------

@contextmanager
def running(folder, **overrides):
    """A private emulator like the instance of ``folder``, for tests that change its rows."""
    emu = make_instance(folder, **overrides).start()
    try:
        yield emu
    finally:
        emu.stop()


def _all_rows(emu, path, token=DEFAULT_TOKEN, **params):
    out, offset = [], 0
    while True:
        query = "&".join("%s=%s" % kv for kv in dict(params, sort="id", order="asc", limit=500,
                                                         offset=offset).items())
        rows = _fetch(emu, "GET /api/v1/%s?%s" % (path, query), token).json()["rows"]
        if not rows:
            return out
        out.extend(rows)
        offset += len(rows)


def _captured_rows(folder, name):
    return _load(folder, name)["body"]["rows"]


def test_activity_note_is_served_like_the_real_server(instances):
    """fmcs-mdY: the stored note "c&o <note>" comes back "c&amp;o &lt;note&gt;" (activity_notes.json,
    activity_by_id_desc.json): every log entry of the emulator storing that note is served so."""
    stored = _load("fmcs-mdY", "_stored_values.json")["action_logs_note"]
    served = {}
    for name in ("activity_notes.json", "activity_by_id_desc.json"):
        for row in _captured_rows("fmcs-mdY", name):
            if str(row["id"]) in stored:
                served.setdefault(stored[str(row["id"])], set()).add(row["note"])
    assert served == {"c&o <note>": {"c&amp;o &lt;note&gt;"}}
    emu = instances["fmcs-mdY"]
    truth = {t["id"]: t for t in emu.truth("activity")}
    checked = [r for r in _all_rows(emu, "reports/activity") if truth[r["id"]]["note"] in served]
    assert len(checked) >= 10
    assert all({r["note"]} == served[truth[r["id"]]["note"]] for r in checked)


def test_activity_note_goes_through_parsedown_as_actionlogs_transformer_renders_it(instances):
    """The capture's note cannot tell plain escaping from Parsedown (both give c&amp;o &lt;note&gt;);
    ActionlogsTransformer (v7.1.17 and v8.1.4: Helper::parseEscapedMarkedownInline($actionlog->note)) decides:
    a Markdown note comes back rendered."""
    from snipeit_emulator.render import md
    emu = instances["fmcs-mdY"]
    truth = {t["id"]: t for t in emu.truth("activity")}
    rows = [r for r in _all_rows(emu, "reports/activity") if truth[r["id"]]["note"] == "Moved to **HQ** & tagged"]
    assert rows and {r["note"] for r in rows} == {"Moved to <strong>HQ</strong> &amp; tagged"}
    assert md("c&o <note>") == "c&amp;o &lt;note&gt;"


def test_bare_url_in_a_markdown_note_is_autolinked_like_the_real_server():
    """hardware_autolink_note.json: Parsedown links a bare URL, the link's text the escaped URL; the database
    keeps what was typed."""
    typed = _load("fmcs-mdY", "_stored_values.json")["assets_notes"]["2382"]
    captured = _load("fmcs-mdY", "hardware_autolink_note.json")["body"]["notes"]
    assert "https://example.org/auto?q=a&amp;b=c</a>" in captured
    with running("fmcs-mdY") as emu:
        emu.mutate("hardware", "update", ids=[2382], fields={"notes": typed})
        assert _fetch(emu, "GET /api/v1/hardware/2382", DEFAULT_TOKEN).json()["notes"] == captured
        assert next(t for t in emu.truth("hardware") if t["id"] == 2382)["notes"] == typed


def _eu_number(s):
    return float(s.replace(".", "").replace(",", "."))


def test_money_in_the_eu_digit_separator_like_the_real_v7():
    """v7-eu: number_format($x, 2, ',', '.') in every money column captured; the stored 1856.10 and 299.99
    come back "1.856,10" and "299,99" (purchase_cost_numeric keeps the point)."""
    from snipeit_emulator.render import money
    captured = [row[col] for name, cols in (("hardware_eu_money.json", ("purchase_cost", "book_value")),
                                            ("licenses.json", ("purchase_cost",)), ("accessories.json", ("purchase_cost",)),
                                            ("components.json", ("purchase_cost",)), ("maintenances.json", ("cost",)))
                for row in _captured_rows("v7-eu", name) for col in cols if row[col] is not None]
    assert len(captured) >= 12 and any(len(v) > 10 for v in captured)  # "4.552.289,69": two thousands groups
    assert all(money(_eu_number(v), "1.234,56") == v for v in captured), captured
    stored = _load("v7-eu", "_stored_values.json")
    licenses = {r["id"]: r for r in _captured_rows("v7-eu", "licenses.json")}
    for rid, value in stored["licenses_purchase_cost"].items():
        assert licenses[int(rid)]["purchase_cost"] == money(float(value), "1.234,56")
        assert licenses[int(rid)]["purchase_cost_numeric"] == value
    assets = {r["id"]: r for r in _captured_rows("v7-eu", "hardware_eu_money.json")}
    with running("v7-eu") as emu:
        for rid, value in stored["assets_purchase_cost"].items():
            emu.mutate("hardware", "update", ids=[int(rid)], fields={"purchase_cost": value})
            got = _fetch(emu, "GET /api/v1/hardware/%s" % rid, DEFAULT_TOKEN).json()["purchase_cost"]
            assert got == assets[int(rid)]["purchase_cost"], (rid, got)
            assert next(t for t in emu.truth("hardware") if t["id"] == int(rid))["purchase_cost"] == float(value)


MONEY_COLUMNS = {"hardware": ("purchase_cost", "book_value"), "licenses": ("purchase_cost",),
                 "accessories": ("purchase_cost",), "consumables": ("purchase_cost",),
                 "components": ("purchase_cost",), "maintenances": ("cost",)}
MONEY_PATTERN = {"1,234.56": r"^\d{1,3}(,\d{3})*\.\d{2}$", "1.234,56": r"^\d{1,3}(\.\d{3})*,\d{2}$"}


@pytest.mark.parametrize("separator", sorted(MONEY_PATTERN))
def test_every_money_column_of_every_stream_follows_the_digit_separator(separator):
    """Each money column of each stream in the instance's digit separator; the truth keeps the number."""
    import re
    from snipeit_emulator.render import money
    emu = Emulator(Dataset.generate(hardware=300, users=20, licenses=20, accessories=20, consumables=20,
                                    components=20, maintenances=30), digit_separator=separator,
                   rate_limit=10 ** 6).start()
    try:
        seen = {}
        for res, cols in MONEY_COLUMNS.items():
            truth = {t["id"]: t for t in emu.truth(res)}
            for row in _all_rows(emu, res):
                for col in cols:
                    if row[col] is None:
                        continue
                    assert re.match(MONEY_PATTERN[separator], row[col]), (res, col, row[col])
                    if col != "book_value":
                        assert row[col] == money(truth[row["id"]][col], separator), (res, row["id"], col)
                    seen.setdefault((res, col), []).append(_eu_number(row[col]) if separator == "1.234,56"
                                                           else float(row[col].replace(",", "")))
    finally:
        emu.stop()
    assert set(seen) == {(res, col) for res, cols in MONEY_COLUMNS.items() for col in cols}
    assert max(max(v) for v in seen.values()) >= 1000, "no value with a thousands separator"


@pytest.mark.parametrize("folder,name", [("fmcs-mdY", "hardware_mdY.json"), ("v7-eu", "hardware_eu_money.json")])
def test_dates_and_times_in_the_instances_display_formats_and_time_zone(folder, name):
    """m/d/Y + h:iA in America/Los_Angeles, d.m.Y + H:i in Asia/Kolkata: an asset given the captured stamps (the
    database's naive wall-clock times in APP_TIMEZONE) is served with the captured {datetime, formatted}."""
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(INSTANCES[folder][1]["timezone"])
    row = _captured_rows(folder, name)[0]
    fields = {}
    for col in ("created_at", "updated_at"):
        naive = datetime.strptime(row[col]["datetime"], "%Y-%m-%d %H:%M:%S")
        fields[col] = naive.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    for col in ("purchase_date", "asset_eol_date"):
        fields[col] = row[col]["date"] if row[col] else None
    with running(folder) as emu:
        emu.mutate("hardware", "update", ids=[row["id"]], fields=fields)
        got = _fetch(emu, "GET /api/v1/hardware/%d" % row["id"], DEFAULT_TOKEN).json()
    for col in ("created_at", "updated_at", "purchase_date", "asset_eol_date"):
        assert got[col] == row[col], (col, got[col], row[col])


def test_v7_seats_are_named_by_their_position_in_the_page_and_have_no_updated_at(instances):
    """v7-eu/license_seats.json: "Seat 1".."Seat 5" for the first page; ordered by id; no updated_at."""
    captured = _captured_rows("v7-eu", "license_seats.json")
    assert [r["name"] for r in captured] == ["Seat %d" % n for n in range(1, len(captured) + 1)]
    assert all("updated_at" not in r for r in captured)
    emu = instances["v7-eu"]
    seats = {}
    for t in emu.truth("license_seats"):
        seats.setdefault(t["license_id"], []).append(t["id"])
    license_id = next(lid for lid, ids in sorted(seats.items()) if len(ids) >= 4)
    pages = [_fetch(emu, "GET /api/v1/licenses/%d/seats?limit=2&offset=%d&order=asc" % (license_id, offset),
                    DEFAULT_TOKEN).json()["rows"] for offset in (0, 2)]
    assert [[r["name"] for r in page] for page in pages] == [["Seat 1", "Seat 2"]] * 2
    assert [r["id"] for page in pages for r in page] == sorted(seats[license_id])[:4]
    assert all("updated_at" not in r and "created_at" not in (r["assigned_user"] or {}) for p in pages for r in p)


def test_v7_groups_permissions_are_the_json_string_the_database_holds(instances):
    """v7-eu/groups.json sends the string the database holds (the stored value, MySQL-escaped in the capture);
    v8 decodes it into the object (groups.json)."""
    stored = _load("v7-eu", "_stored_values.json")["groups_permissions"]["1"].replace("\\\\", "\\")
    captured = _captured_rows("v7-eu", "groups.json")[0]["permissions"]
    assert json.loads(stored) == captured and isinstance(json.loads(captured), dict)
    assert isinstance(_captured_rows("", "groups.json")[0]["permissions"], dict)
    for folder, kind in (("v7-eu", str), ("", dict)):
        emu = instances[folder]
        truth = {t["id"]: t["permissions"] for t in emu.truth("groups")}
        for row in _all_rows(emu, "groups"):
            assert isinstance(row["permissions"], kind), folder
            got = json.loads(row["permissions"]) if kind is str else row["permissions"]
            assert got == truth[row["id"]], (folder, row["id"])


@pytest.mark.parametrize("folder", ["", "v7-eu"])
def test_version_answers_as_captured(instances, folder):
    cap = _load(folder, "version.json")
    assert _fetch(instances[folder], cap["request"], DEFAULT_TOKEN).json() == cap["body"]
