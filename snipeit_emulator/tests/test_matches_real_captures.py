"""The emulator answers every captured request of a real Snipe-IT v8.1.4 with a body of the same shape.

For each file of ``captures/real-snipeit/`` that holds a 200 JSON body (a ``{"total", "rows"}`` list or a single
object such as ``/users/me``), the same request (path + query) goes to a started emulator and the two bodies are
reduced to their key paths with the JSON types seen there. Rows are compared as the union of their key paths, so a
key that only some rows carry still counts. Types are compared where both sides have a non-null value; a path below
a value that is null on one side only (``"manufacturer": null`` versus an object) is not required on that side.
Maps keyed by data (custom fields by display name, permissions, changed fields in ``log_meta``) are compared
through one wildcard key.

The captures are test data only: the emulator package never reads them.
"""
from __future__ import annotations

import json
import os
from urllib.parse import parse_qsl, urlsplit

import pytest

from snipeit_emulator import Dataset, Emulator, DEFAULT_TOKEN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAPTURES = os.path.join(ROOT, "captures", "real-snipeit")
# objects whose keys are data, not schema: compared through one "*" key
DATA_KEYED = {"rows[].custom_fields", "rows[].permissions", "rows[].log_meta", "permissions"}
# the no-permission token of the capture is the emulator's restricted token
NO_PERMISSION_TOKEN = "emulator-no-permission-token"


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


def _captures():
    out = []
    for name in sorted(os.listdir(CAPTURES)):
        if not name.endswith(".json") or name.startswith("_"):
            continue
        with open(os.path.join(CAPTURES, name), encoding="utf-8") as f:
            cap = json.load(f)
        if cap["status"] == 200 and isinstance(cap["body"], dict) and cap["body"].get("status") != "error":
            out.append(pytest.param(name, cap, id=name[:-5]))
    return out


@pytest.fixture(scope="module")
def real_like_emu():
    emu = Emulator(Dataset.generate(seed=1, hardware=300, users=60),
                   tokens={DEFAULT_TOKEN: "all", NO_PERMISSION_TOKEN: "none"}, rate_limit=10 ** 6)
    emu.start()
    yield emu
    emu.stop()


def _fetch(emu, request, token):
    import requests
    method, target = request.split(" ", 1)
    parts = urlsplit(target)
    r = requests.request(method, emu.url + parts.path, params=parse_qsl(parts.query, keep_blank_values=True),
                         headers={"Accept": "application/json", "Authorization": "Bearer " + token}, timeout=30)
    assert r.status_code == 200, (request, r.status_code, r.text[:300])
    return r


@pytest.mark.parametrize("name,cap", _captures())
def test_emulator_body_has_the_real_shape(real_like_emu, name, cap):
    token = NO_PERMISSION_TOKEN if "without permissions" in cap["auth"] else DEFAULT_TOKEN
    resp = _fetch(real_like_emu, cap["request"], token)
    body = resp.json()
    if cap["body"].get("rows"):
        assert body["rows"], "the emulator answered %s with no rows: nothing to compare" % cap["request"]
    problems = compare(cap["body"], body)
    assert not problems, "%s (%s):\n  " % (name, cap["request"]) + "\n  ".join(problems)


def _all_captures():
    out = []
    for name in sorted(os.listdir(CAPTURES)):
        if name.endswith(".json") and not name.startswith("_"):
            with open(os.path.join(CAPTURES, name), encoding="utf-8") as f:
                out.append(pytest.param(name, json.load(f), id=name[:-5]))
    return out


@pytest.mark.parametrize("name,cap", _all_captures())
def test_emulator_answers_with_the_real_status_and_rate_limit_headers(real_like_emu, name, cap):
    """Same status code; X-RateLimit-Limit/-Remaining exactly where the real server sent them (every answer
    after authentication, 403 and 404 included; not on a refused token)."""
    import requests
    method, target = cap["request"].split(" ", 1)
    parts = urlsplit(target)
    headers = {"Accept": "application/json"}
    if cap["status"] in (401, 302):
        headers["Authorization"] = "Bearer not-a-valid-token"
        if cap["status"] == 302:
            headers.pop("Accept")
    else:
        headers["Authorization"] = "Bearer " + (NO_PERMISSION_TOKEN if "without permissions" in cap["auth"]
                                                else DEFAULT_TOKEN)
    r = requests.request(method, real_like_emu.url + parts.path, headers=headers, allow_redirects=False,
                         params=parse_qsl(parts.query, keep_blank_values=True), timeout=30)
    assert r.status_code == cap["status"], (cap["request"], r.text[:200])
    for h in ("X-RateLimit-Limit", "X-RateLimit-Remaining"):
        assert (h in r.headers) == (h in cap["headers"]), (cap["request"], h)
    if cap["status"] != 302:
        assert r.json() == cap["body"] or cap["status"] == 200, (cap["request"], r.text[:300])


def test_comparison_catches_a_changed_type_and_a_missing_key():
    real = {"total": 1, "rows": [{"eol": "36 months", "model": {"id": 1, "name": "x"}, "qty": 3}]}
    assert compare(real, real) == []
    drifted = {"total": 1, "rows": [{"eol": 36, "model": {"id": 1}, "qty": None}]}
    problems = compare(real, drifted)
    assert any(p.startswith("rows[].eol: real ['string'], emulator ['number']") for p in problems), problems
    assert any(p.startswith("rows[].model.name: missing") for p in problems), problems
    assert not any("qty" in p for p in problems), "a null on one side must not count as a type difference"


def test_comparison_catches_a_broken_emulator_shape(real_like_emu, monkeypatch):
    """Break one transformer of the running emulator: the capture comparison must then fail for it."""
    from snipeit_emulator import transformers
    with open(os.path.join(CAPTURES, "models.json"), encoding="utf-8") as f:
        cap = json.load(f)
    original = transformers.TRANSFORMERS["models"]

    def broken(c, r):
        row = original(c, r)
        row["eol"] = 36
        row.pop("min_amt")
        return row
    monkeypatch.setitem(transformers.TRANSFORMERS, "models", broken)
    real_like_emu.engine.invalidate_all()
    try:
        problems = compare(cap["body"], _fetch(real_like_emu, cap["request"], DEFAULT_TOKEN).json())
    finally:
        monkeypatch.undo()
        real_like_emu.engine.invalidate_all()
    assert "rows[].eol: real ['string'], emulator ['number']" in problems
    assert any(p.startswith("rows[].min_amt: missing in the emulator") for p in problems), problems


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
