import html
import os
import signal
import subprocess
import sys
from datetime import datetime

import requests

from snipeit_emulator import RESOURCES, DEFAULT_TOKEN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _dt(obj):
    if obj is None:
        return None
    return datetime.strptime(obj["datetime"], "%Y-%m-%d %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%SZ")


def test_truth_matches_api(client):
    for res in RESOURCES:
        truth = client.control("GET", "truth/" + res)
        assert isinstance(truth, list) and truth
        by_id = {t["id"]: t for t in truth}
        params = {"hardware": [{}, {"status": "Archived"}, {"status": "Deleted"}], "users": [{"all": "true"}],
                  "manufacturers": [{}, {"deleted": "true"}], "models": [{}, {"status": "deleted"}]}.get(res, [{}])
        seen = set()
        for p in params:
            # a stable sort is needed: ties (bulk import) are shuffled between requests
            p = dict(p, sort="name" if res == "suppliers" else "id", order="asc")
            rows, _ = client.all_rows(res, **p)
            for r in rows:
                t = by_id[r["id"]]
                seen.add(r["id"])
                assert _dt(r["updated_at"]) == t["updated_at"], (res, r["id"])
                assert _dt(r["created_at"]) == t["created_at"]
                if res == "users":
                    assert html.unescape(r["first_name"]) == t["first_name"]
                else:
                    assert html.unescape(r["name"]) == (t["name"] or ""), (res, r["id"])
                if res == "hardware":
                    assert (r["deleted_at"] is not None) == (t["deleted_at"] is not None)
                    assert (r["status_label"]["status_type"] == "archived") == t["archived"]
        live = {t["id"] for t in truth if t.get("deleted_at") is None}
        if res not in ("locations", "categories", "suppliers", "statuslabels"):
            assert seen == set(by_id), res
        else:
            assert seen == live, res


def test_unstable_default_sort_loses_rows(client):
    """Paging the default (created_at DESC) order across the bulk-import tie group is unsafe."""
    rows, total = client.all_rows("hardware")
    assert len(rows) == total
    assert len({r["id"] for r in rows}) < total


def test_truth_formats(client):
    hw = client.control("GET", "truth/hardware")
    t = next(x for x in hw if x["custom_fields"] and x["purchase_cost"] and x["updated_at"])
    assert t["updated_at"].endswith("Z") and len(t["updated_at"]) == 20
    assert isinstance(t["purchase_cost"], (int, float))
    assert any(k.startswith("_snipeit_") for k in t["custom_fields"])
    assert isinstance(t["archived"], bool)
    assert any(x["updated_at"] is None for x in hw)
    assert all("deleted_at" not in x for x in client.control("GET", "truth/companies"))
    # bulk import group
    from collections import Counter
    top = Counter(x["updated_at"] for x in hw).most_common(1)[0][1]
    assert top > 600


def test_request_log(make_emu):
    emu, c = make_emu()
    c.get("/api/v1/hardware", params={"limit": 2, "offset": 4})
    c.get("/api/v1/users", token=None)
    log = c.control("GET", "requests")
    assert [(e["method"], e["path"], e["status"]) for e in log] == [("GET", "/api/v1/hardware", 200),
                                                                   ("GET", "/api/v1/users", 401)]
    assert log[0]["query"] == {"limit": "2", "offset": "4"} and isinstance(log[0]["time"], float)
    c.control("DELETE", "requests")
    assert emu.requests() == []


def test_cli():
    env = dict(os.environ, PYTHONPATH=ROOT)
    p = subprocess.Popen([sys.executable, "-m", "snipeit_emulator", "--port", "0", "--hardware", "50",
                          "--users", "20", "--rate-limit", "1000"], stdout=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        line = p.stdout.readline().decode()
        assert line.startswith("snipeit-emulator listening on http://127.0.0.1:")
        url = line.split(" on ")[1].strip()
        r = requests.get(url + "/api/v1/hardware", headers={"Authorization": "Bearer " + DEFAULT_TOKEN,
                                                            "Accept": "application/json"})
        assert r.status_code == 200 and r.json()["total"] > 0
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0


def test_truth_holds_the_stored_values_the_api_renders(client, emu):
    """Ground truth = what the database stores: months as integers, Markdown as typed, raw custom values."""
    from snipeit_emulator.render import md
    truth = {t["id"]: t for t in emu.truth("hardware")}
    rows, _ = client.all_rows("hardware", sort="id", order="asc")
    months = [(r, truth[r["id"]]) for r in rows if r["eol"]]
    assert months and all(r["eol"] == "%d months" % t["eol"] for r, t in months)
    assert all(r["warranty_months"] == ("%d months" % t["warranty_months"] if t["warranty_months"] else None)
               for r in rows for t in [truth[r["id"]]])
    typed = [(r, truth[r["id"]]) for r in rows if truth[r["id"]]["notes"] and "**" in truth[r["id"]]["notes"]]
    assert typed and all(r["notes"] == md(t["notes"]) and r["notes"] != t["notes"] for r, t in typed)
    assert any(t["custom_fields"].get("_snipeit_purchase_date_4") == "2030-01-15" for t in truth.values())
    models = {t["id"]: t for t in emu.truth("models")}
    for m in client.rows("models", limit=500)["rows"]:
        eol = models[m["id"]]["eol"]
        assert m["eol"] == ("%d months" % eol if eol else "None")
    assert client.control("GET", "settings") == {"date_display_format": "D M d, Y", "time_display_format": "g:iA",
                                                  "app_timezone": "UTC", "number_format": "1,234.56",
                                                  "digit_separator": "1,234.56", "version": "v8.1.4",
                                                  "full_multiple_companies_support": False}
    fields = client.control("GET", "custom_fields")
    assert {f["element"] for f in fields} >= {"text", "listbox", "checkbox", "radio"}
    assert {f["format"] for f in fields} >= {"ANY", "NUMERIC", "DATE", "BOOLEAN"}
    assert [f["db_column"] for f in fields if f["field_encrypted"]] == ["_snipeit_secret_key_9"]
