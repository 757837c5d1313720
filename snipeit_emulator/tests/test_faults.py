import http.client
import time

import pytest
import requests

from snipeit_emulator import DEFAULT_TOKEN

H = {"Authorization": "Bearer " + DEFAULT_TOKEN, "Accept": "application/json"}


def test_status_fault_nth_and_times(make_emu):
    emu, c = make_emu()
    c.control("POST", "faults", [{"path": "/api/v1/hardware", "query": {"offset": "500"}, "nth": 2,
                                  "action": "status", "status": 503, "headers": {"Retry-After": "2"}}])
    assert c.get("/api/v1/hardware", params={"offset": 500, "limit": 1}).status_code == 200
    assert c.get("/api/v1/hardware", params={"offset": 0, "limit": 1}).status_code == 200  # not matching
    r = c.get("/api/v1/hardware", params={"offset": 500, "limit": 1})
    assert r.status_code == 503 and r.headers["Retry-After"] == "2" and r.json() == {"message": "Server Error"}
    assert c.get("/api/v1/hardware", params={"offset": 500, "limit": 1}).status_code == 200
    c.control("DELETE", "faults")
    emu.add_fault(path="/api/v1/users", action="status", status=429, times=2)
    codes = [c.get("/api/v1/users", params={"limit": 1}).status_code for _ in range(3)]
    assert codes == [429, 429, 200]
    emu.clear_faults()
    emu.add_fault(action="status", status=502, body={"oops": True})
    r = c.get("/api/v1/companies")
    assert r.status_code == 502 and r.json() == {"oops": True}


def test_drop(make_emu):
    emu, c = make_emu()
    emu.add_fault(path="/api/v1/hardware", action="drop", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(emu.url + "/api/v1/hardware", headers=H)
    assert requests.get(emu.url + "/api/v1/hardware", headers=H, params={"limit": 1}).status_code == 200
    log = c.control("GET", "requests")
    assert log[0]["fault"] == "drop" and log[0]["status"] is None


def test_truncate(make_emu):
    emu, c = make_emu()
    emu.add_fault(action="truncate", times=1)
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    conn.request("GET", "/api/v1/hardware?limit=50", headers=H)
    resp = conn.getresponse()
    assert resp.status == 200
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    with pytest.raises(requests.exceptions.RequestException):
        emu.add_fault(action="truncate", times=1)
        requests.get(emu.url + "/api/v1/hardware", headers=H).json()


def test_stall(make_emu):
    emu, c = make_emu()
    emu.add_fault(action="stall", seconds=2, times=1)
    t = time.time()
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(emu.url + "/api/v1/hardware", headers=H, timeout=0.5).json()
    assert time.time() - t < 1.5


def test_error200_html_latency(make_emu):
    emu, c = make_emu()
    emu.add_fault(action="error200", message="Something odd", times=1)
    r = c.get("/api/v1/hardware")
    assert r.status_code == 200 and r.json() == {"status": "error", "messages": "Something odd", "payload": None}
    emu.add_fault(action="html", times=1)
    r = c.get("/api/v1/hardware")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    emu.add_fault(action="latency", seconds=0.3, times=1)
    t = time.time()
    assert c.get("/api/v1/version").status_code == 200
    assert time.time() - t >= 0.3
    c.control("POST", "config", {"latency_seconds": 0.2})
    t = time.time()
    c.get("/api/v1/version")
    assert time.time() - t >= 0.2


def test_mutate_between_pages(make_emu):
    emu, c = make_emu(shuffle_ties=False)
    # inserting a newer row after page 1 shifts the created_at DESC ordering by one
    emu.add_fault(path="/api/v1/hardware", query={"offset": "0"}, action="mutate", times=1,
                  mutation={"resource": "hardware", "op": "insert", "count": 1})
    p1 = c.rows("hardware", offset=0, limit=100)
    p2 = c.rows("hardware", offset=100, limit=100)
    assert p2["total"] == p1["total"] + 1
    assert p2["rows"][0]["id"] == p1["rows"][-1]["id"]  # duplicate across the page boundary
    new_id = max(t["id"] for t in emu.truth("hardware"))
    assert c.rows("hardware", limit=1)["rows"][0]["id"] == new_id


def test_mutate_api(make_emu):
    emu, c = make_emu()
    emu.set_clock("2025-06-01T12:00:00Z")
    ids = c.control("POST", "mutate", {"resource": "hardware", "op": "update", "ids": [5],
                                       "fields": {"name": "A&B <new>", "custom_fields": {"_snipeit_ram_2": "128"}}})["ids"]
    assert ids == [5]
    row = c.get("/api/v1/hardware/5").json()
    assert row["name"] == "A&amp;B &lt;new&gt;"
    assert row["updated_at"]["datetime"] == "2025-06-01 12:00:00"
    t = next(t for t in emu.truth("hardware") if t["id"] == 5)
    assert t["name"] == "A&B <new>" and t["updated_at"] == "2025-06-01T12:00:00Z"
    if t["custom_fields"]:
        assert t["custom_fields"]["_snipeit_ram_2"] == "128"
    got = emu.mutate("hardware", "delete", count=3)
    assert len(got) == 3
    deleted = {r["id"] for r in c.all_rows("hardware", status="Deleted")[0]}
    assert set(got) <= deleted
    assert emu.mutate("hardware", "restore", ids=got) == got
    arch = emu.mutate("hardware", "archive", count=2)
    assert set(arch) <= {r["id"] for r in c.all_rows("hardware", status="Archived")[0]}
    emu.mutate("hardware", "hard_delete", ids=[arch[0]])
    assert arch[0] not in {t["id"] for t in emu.truth("hardware")}
    u = emu.mutate("users", "update", ids=[2], fields={"first_name": "Renamed"})
    assert c.get("/api/v1/users/2").json()["first_name"] == "Renamed"
    r = requests.post(emu.url + "/__emulator__/mutate", json={"resource": "nope", "op": "update"})
    assert r.status_code == 400
