"""Restricted tokens (#14), one throttle window per user, newest-first activity and the real-server cost model
(#13)."""
import json
import os
import threading

import requests

from snipeit_emulator import DEFAULT_TOKEN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NO_GROUPS = "token-of-a-user-without-groups-" + "x" * 20
NOBODY = "token-of-a-user-without-any-permission-" + "y" * 10


def _capture(name):
    with open(os.path.join(ROOT, "captures", "real-snipeit", name), encoding="utf-8") as f:
        return json.load(f)


def test_excluded_endpoint_answers_the_real_403_and_users_me_still_answers(make_emu):
    emu, c = make_emu(tokens={DEFAULT_TOKEN: "all", NO_GROUPS: {"exclude": ["groups"], "user_id": 2},
                              NOBODY: "none"})
    r = c.get("/api/v1/groups", token=NO_GROUPS)
    assert (r.status_code, r.json()) == (403, _capture("error_403_no_permission.json")["body"])
    assert r.headers["X-RateLimit-Limit"] and r.headers["X-RateLimit-Remaining"]
    assert c.get("/api/v1/hardware", token=NO_GROUPS, params={"limit": 1}).status_code == 200
    assert c.get("/api/v1/groups", token=DEFAULT_TOKEN).status_code == 200
    me = c.get("/api/v1/users/me", token=NO_GROUPS)
    assert me.status_code == 200 and me.json()["id"] == 2
    for path in ("/api/v1/hardware", "/api/v1/licenses/1/seats", "/api/v1/reports/activity"):
        assert c.get(path, token=NOBODY).status_code == 403, path
    assert c.get("/api/v1/users/me", token=NOBODY).json()["id"] == 1


def test_restricted_token_from_the_command_line():
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "snipeit_emulator", "--hardware", "20", "--users", "5",
                             "--restricted-token", NO_GROUPS + ":groups,users"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[-1]
        h = {"Accept": "application/json", "Authorization": "Bearer " + NO_GROUPS}
        assert requests.get(url + "/api/v1/groups", headers=h, timeout=10).status_code == 403
        assert requests.get(url + "/api/v1/users", headers=h, timeout=10).status_code == 403
        assert requests.get(url + "/api/v1/users/me", headers=h, timeout=10).status_code == 200
        assert requests.get(url + "/api/v1/hardware", headers=h, timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_encrypted_field_is_shown_only_to_a_superuser(make_emu):
    emu, c = make_emu(tokens={DEFAULT_TOKEN: "all", NO_GROUPS: {"exclude": ["groups"]}})
    t = next(t for t in emu.truth("hardware") if t["custom_fields"].get("_snipeit_secret_key_9") and
             not t["deleted_at"] and not t["archived"])
    admin = c.get("/api/v1/hardware/%d" % t["id"]).json()["custom_fields"]["Secret Key"]["value"]
    other = c.get("/api/v1/hardware/%d" % t["id"], token=NO_GROUPS).json()["custom_fields"]["Secret Key"]["value"]
    assert admin == t["custom_fields"]["_snipeit_secret_key_9"].replace("&", "&amp;").replace("<", "&lt;") \
        .replace(">", "&gt;")
    assert other == "ENCRYPTED"
    listed = c.get("/api/v1/hardware", token=NO_GROUPS, params={"limit": 500}).json()["rows"]
    assert {r["custom_fields"]["Secret Key"]["value"] for r in listed if "Secret Key" in r["custom_fields"]} <= \
        {"ENCRYPTED", ""}


def test_throttle_window_is_shared_by_the_tokens_of_one_user(make_emu):
    other_user = "token-of-user-3-" + "z" * 30
    emu, c = make_emu(rate_limit=10, tokens={DEFAULT_TOKEN: "all", NO_GROUPS: {"exclude": ["groups"]},
                                            other_user: {"user_id": 3}})
    for _ in range(3):
        c.get("/api/v1/version")
    # a second "sync" with another token of the same user, on a new connection
    second = requests.Session()
    r = second.get(emu.url + "/api/v1/version", headers={"Accept": "application/json",
                                                         "Authorization": "Bearer " + NO_GROUPS})
    assert r.headers["X-RateLimit-Remaining"] == "6"
    r = second.get(emu.url + "/api/v1/version", headers={"Accept": "application/json",
                                                         "Authorization": "Bearer " + other_user})
    assert r.headers["X-RateLimit-Remaining"] == "9"


def test_activity_reads_newest_first_by_id_or_created_at(make_emu):
    emu, c = make_emu(sizes={"hardware": 50, "users": 10})
    emu.mutate("hardware", "update", ids=[3], fields={"name": "changed"})
    by_id = c.rows("reports/activity", sort="id", order="desc", limit=500)["rows"]
    ids = [r["id"] for r in by_id]
    assert ids == sorted(ids, reverse=True) and by_id[0]["item"]["id"] == 3
    by_created = c.rows("reports/activity", sort="created_at", order="desc", limit=500)["rows"]
    stamps = [r["created_at"]["datetime"] for r in by_created]
    assert stamps == sorted(stamps, reverse=True)
    asc = c.rows("reports/activity", sort="id", order="asc", limit=5)["rows"]
    assert [r["id"] for r in asc] == [1, 2, 3, 4, 5]


def test_hardware_accepts_a_limit_up_to_max_results(make_emu):
    emu, c = make_emu(sizes={"hardware": 1200}, max_results=1000)
    assert len(c.rows("hardware", limit=900)["rows"]) == 900
    assert len(c.rows("hardware", limit=5000)["rows"]) == 1000


def test_cost_model_charges_fixed_plus_per_row_time(make_emu):
    emu, c = make_emu(sizes={"hardware": 100}, latency_fixed_seconds=0.01, latency_per_row_seconds=0.001)
    assert len(c.rows("hardware", limit=40)["rows"]) == 40
    assert abs(emu.server_seconds - (0.01 + 40 * 0.001)) < 1e-9
    c.get("/api/v1/version")
    assert abs(emu.server_seconds - (0.02 + 40 * 0.001)) < 1e-9


def test_cost_model_serves_at_most_workers_requests_at_once(make_emu):
    emu, c = make_emu(sizes={"hardware": 100}, latency_fixed_seconds=0.05, workers=2)
    h = {"Accept": "application/json", "Authorization": "Bearer " + DEFAULT_TOKEN}
    threads = [threading.Thread(target=requests.get, args=(emu.url + "/api/v1/hardware",),
                                kwargs={"headers": h, "timeout": 30}) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 <= emu.peak_in_flight <= 2
    assert len([e for e in emu.requests() if e["status"] == 200]) == 8


def test_remaining_is_read_after_the_request_was_served_like_laravel(make_emu):
    # ThrottleRequests: hit, $next($request), then retriesLeft(): a request hit while another is served counts
    # in that one's X-RateLimit-Remaining too.
    emu, c = make_emu(sizes={"hardware": 30}, rate_limit=10, latency_fixed_seconds=0.4)
    h = {"Accept": "application/json", "Authorization": "Bearer " + DEFAULT_TOKEN}
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=requests.get(emu.url + "/api/v1/version", headers=h, timeout=30)))
    t.start()
    while not any(e.get("counted") for e in emu.requests()):
        pass
    quick = requests.get(emu.url + "/api/v1/version", headers=h, timeout=30)  # hit while the first is served
    t.join()
    assert quick.headers["X-RateLimit-Remaining"] == slow["r"].headers["X-RateLimit-Remaining"] == "8"
    log = sorted(emu.requests(), key=lambda e: e["counted"])
    assert [e["remaining"] for e in log] == ["8", "8"] and all(e["time"] <= e["counted"] <= e["finished"] for e in log)


def test_cost_model_is_off_by_default(make_emu):
    emu, c = make_emu(sizes={"hardware": 30})
    c.rows("hardware")
    assert emu.server_seconds == 0.0 and emu.workers == 0


def test_bad_token_spec_and_workers_are_refused_by_name():
    import pytest
    from snipeit_emulator import Dataset, Emulator
    ds = Dataset.generate(hardware=10, users=5)
    with pytest.raises(ValueError, match="a token spec is \"all\", \"none\", a list of resources or a dict"):
        Emulator(ds, tokens={"t": "everything"})
    with pytest.raises(ValueError, match=r"token spec keys must be permissions/company_id/user_id/superuser/username \(or only/exclude\), got \[.exlude.\]"):
        Emulator(ds, tokens={"t": {"exlude": ["groups"]}})
    with pytest.raises(ValueError, match="workers must be 0"):
        Emulator(ds, workers=-1)
