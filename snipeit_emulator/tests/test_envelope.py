
from snipeit_emulator import DEFAULT_TOKEN, RESOURCES


def test_default_token_long():
    assert len(DEFAULT_TOKEN) >= 40


def test_envelope_all_resources(client):
    for res in RESOURCES:
        r = client.get("/api/v1/" + res, params={"limit": 3})
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("application/json")
        d = r.json()
        assert list(d) == ["total", "rows"], res
        assert isinstance(d["total"], int) and isinstance(d["rows"], list)
        assert len(d["rows"]) == min(3, d["total"])
        assert r.text.startswith('{"total":')


def test_json_escaping_like_laravel(client):
    r = client.get("/api/v1/hardware", params={"limit": 50})
    assert "https:\\/\\/snipe.example.com\\/uploads" in r.text
    assert "/" not in r.text.replace("\\/", "")
    r.text.encode("ascii")  # non-ASCII must be \uXXXX escaped
    r = client.get("/api/v1/companies")
    assert "M\\u00fcller &amp; S\\u00f6hne GmbH" in r.text
    assert "Müller &amp; Söhne GmbH" in [c["name"] for c in r.json()["rows"]]


def test_version_and_fallbacks(client):
    r = client.get("/api/v1/version")
    assert r.status_code == 200 and r.json() == {"version": "v8.1.4"}
    r = client.get("/api/v1/nonsense")
    assert r.status_code == 404
    d = r.json()
    assert list(d) == ["status", "message", "payload"] and d["status"] == "error" and d["payload"] is None
    assert d["message"].startswith("404 endpoint not found")
    r = client.get("/api/v1/")
    assert r.status_code == 404 and "message" in r.json()


def test_single_item_and_not_found(client, emu):
    r = client.get("/api/v1/companies/1")
    assert r.status_code == 200 and r.json()["id"] == 1
    msgs = {"companies": "Company not found", "models": "AssetModel not found",
            "statuslabels": "Statuslabel not found", "hardware": "Asset does not exist.",
            "users": "User does not exist or you do not have permission view them."}
    for res, msg in msgs.items():
        r = client.get("/api/v1/%s/999999" % res)
        assert r.status_code == 200
        assert r.json() == {"status": "error", "messages": msg, "payload": None}


def test_supplier_zip_empty_in_list_but_not_single(client, emu):
    rows = client.rows("suppliers")["rows"]
    assert all(s["zip"] == "" for s in rows)
    truth = {t["id"]: t for t in emu.truth("suppliers")}
    with_zip = [s for s in rows if truth[s["id"]]["zip"]]
    assert with_zip
    one = client.get("/api/v1/suppliers/%d" % with_zip[0]["id"]).json()
    assert one["zip"] == truth[with_zip[0]["id"]]["zip"]


def test_method_not_allowed(client):
    r = client.s.post(client.emu.url + "/api/v1/hardware",
                      headers={"Authorization": "Bearer " + DEFAULT_TOKEN, "Accept": "application/json"})
    assert r.status_code == 405
    assert r.json() == {"status": "error", "messages": "Method not allowed", "payload": None}


def test_unknown_api_prefix_is_plain_404(client):
    r = client.get("/api/v2/hardware", token=None)
    assert r.status_code == 404
    assert r.json() == {"status": "error", "messages": "404 endpoint not found", "payload": None}
