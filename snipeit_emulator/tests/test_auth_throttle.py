import time

import requests

from snipeit_emulator import DEFAULT_TOKEN


def test_401_json(client):
    for tok in (None, "wrong"):
        r = client.get("/api/v1/hardware", token=tok)
        assert r.status_code == 401
        assert r.json() == {"error": "Unauthorized or unauthenticated."}
        assert "X-RateLimit-Limit" not in r.headers
    r = client.get("/api/v1/hardware", token=None,
                   headers={"Accept": "text/html", "X-Requested-With": "XMLHttpRequest"})
    assert r.status_code == 302  # XHR only counts when any content type is accepted
    r = client.get("/api/v1/hardware", token=None, headers={"Accept": "*/*", "X-Requested-With": "XMLHttpRequest"})
    assert r.status_code == 401
    r = client.get("/api/v1/hardware", token=None, headers={"Accept": "application/vnd.api+json"})
    assert r.status_code == 401


def test_302_without_json_accept(client, emu):
    r = requests.get(emu.url + "/api/v1/hardware", allow_redirects=False, headers={"Accept": "text/html"})
    assert r.status_code == 302
    assert r.headers["Location"] == emu.url + "/login"
    r2 = requests.get(emu.url + "/api/v1/hardware")  # follows the redirect
    assert r2.status_code == 200 and "text/html" in r2.headers["Content-Type"] and "<form" in r2.text


def test_403_for_missing_permission(make_emu):
    emu, c = make_emu(tokens={DEFAULT_TOKEN: "all", "limited-token-" + "x" * 40: ["hardware"]})
    lim = "limited-token-" + "x" * 40
    assert c.get("/api/v1/hardware", token=lim, params={"limit": 1}).status_code == 200
    r = c.get("/api/v1/users", token=lim)
    assert r.status_code == 403
    assert r.json() == {"message": "This action is unauthorized."}
    assert r.headers["X-RateLimit-Limit"]


def test_throttle_v814(make_emu):
    emu, c = make_emu(rate_limit=5, rate_window_seconds=1.0)
    time.sleep(0.05)
    rem = []
    for _ in range(5):
        r = c.get("/api/v1/version")
        assert r.status_code == 200
        assert r.headers["X-RateLimit-Limit"] == "5"
        rem.append(int(r.headers["X-RateLimit-Remaining"]))
    assert rem == [4, 3, 2, 1, 0]
    r = c.get("/api/v1/version")
    assert r.status_code == 429
    assert r.json() == {"status": "error", "messages": "Too many requests", "payload": None}
    for h in ("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert h not in r.headers
    # unauthenticated requests never touch the limiter
    assert c.get("/api/v1/version", token=None).status_code == 401
    time.sleep(1.05)
    r = c.get("/api/v1/version")
    assert r.status_code == 200 and r.headers["X-RateLimit-Remaining"] == "4"


def test_throttle_rejected_not_counted(make_emu):
    emu, c = make_emu(rate_limit=2, rate_window_seconds=1.0)
    for _ in range(2):
        c.get("/api/v1/version")
    for _ in range(5):
        assert c.get("/api/v1/version").status_code == 429
    time.sleep(1.05)
    assert [c.get("/api/v1/version").status_code for _ in range(3)] == [200, 200, 429]


def test_throttle_retry_after_mode(make_emu):
    emu, c = make_emu(rate_limit=2, rate_window_seconds=3, retry_after_mode=True)
    c.get("/api/v1/version")
    c.get("/api/v1/version")
    r = c.get("/api/v1/version")
    assert r.status_code == 429
    s = int(r.headers["Retry-After"])
    assert 1 <= s <= 3
    assert r.headers["X-RateLimit-Limit"] == "2" and r.headers["X-RateLimit-Remaining"] == "0"
    assert r.json() == {"status": "error", "messages": "Too many requests. Try again in %d seconds" % s,
                        "payload": {"requests_per_minute": 2, "retry-after": s}}


def test_throttle_config_runtime(make_emu):
    emu, c = make_emu()
    c.control("POST", "config", {"rate_limit": 1, "rate_window_seconds": 30})
    assert c.get("/api/v1/version").status_code == 200
    assert c.get("/api/v1/version").status_code == 429
    cfg = c.control("GET", "config")
    assert cfg["rate_limit"] == 1
