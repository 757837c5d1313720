"""Full multiple companies support: a token of a user of company N who is not a superuser (fmcs-mdY captures)."""
import json
import os
import subprocess
import sys

import pytest
import requests

from snipeit_emulator import DEFAULT_TOKEN, Dataset, Emulator
from snipeit_emulator.permissions import COMPANYABLE, VIEW_PERMISSIONS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIEWER = "token-of-a-viewer-of-company-2"
ASSETS_ONLY = "token-of-an-assets-viewer-of-company-1"
# the lists scoped on the captured instance (fmcs-mdY/INDEX.md, checked against its database), and those the
# source scopes too (CompanyableTrait: Accessory, Consumable, Department; CompanyableChildTrait: AssetMaintenance)
SCOPED = ("hardware", "users", "licenses", "components", "activity", "accessories", "consumables", "departments",
          "maintenances")
NOT_SCOPED = ("companies", "locations", "categories", "manufacturers", "suppliers", "models", "statuslabels",
              "depreciations", "fields", "fieldsets")
PATHS = {"activity": "reports/activity"}


def _capture(name):
    with open(os.path.join(ROOT, "captures", "real-snipeit", "fmcs-mdY", name), encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def fmcs():
    emu = Emulator(Dataset.generate(seed=2, hardware=400, users=80, licenses=12, accessories=20, consumables=20,
                                    components=20, maintenances=60, activity=300),
                   full_multiple_companies_support=True, rate_limit=10 ** 6,
                   tokens={DEFAULT_TOKEN: "all",
                           VIEWER: {"company_id": 2, "permissions": list(VIEW_PERMISSIONS), "username": "t_fmcs"},
                           ASSETS_ONLY: {"company_id": 1, "permissions": {"assets.view": "1"}}}).start()
    yield emu
    emu.stop()


def _get(emu, path, token, **params):
    return requests.get(emu.url + "/api/v1/" + path, params=params, timeout=30,
                        headers={"Accept": "application/json", "Authorization": "Bearer " + token})


def _ids(emu, path, token, **params):
    out, offset = [], 0
    while True:
        r = _get(emu, path, token, sort="id", order="asc", limit=500, offset=offset, **params)
        assert r.status_code == 200, (path, r.text[:200])
        body = r.json()
        out.extend(x["id"] for x in body["rows"])
        offset += len(body["rows"])
        # fields/fieldsets answer everything whatever the offset, seats restart at 0 past the end
        if not body["rows"] or offset >= body["total"]:
            return out


def _listed(emu, res, token):
    """Ids the default list shows (hardware also its archived and deleted ones, users also the deleted)."""
    path = PATHS.get(res, res)
    if res == "hardware":
        return set(_ids(emu, path, token)) | set(_ids(emu, path, token, status="Archived")) | \
            set(_ids(emu, path, token, status="Deleted"))
    if res == "users":
        return set(_ids(emu, path, token, all="true"))
    return set(_ids(emu, path, token))


def _live(truth, res):
    if res in ("hardware", "users", "companies", "departments"):
        return {t["id"] for t in truth}
    return {t["id"] for t in truth if not t.get("deleted_at")}


@pytest.mark.parametrize("res", SCOPED)
def test_scoped_lists_hold_only_the_users_company(fmcs, res):
    company = {t["id"]: t.get("company_id") for t in fmcs.truth(res)}
    seen = _listed(fmcs, res, VIEWER)
    assert seen == _live(fmcs.truth(res, token=VIEWER), res)
    assert seen and seen < _listed(fmcs, res, DEFAULT_TOKEN), res
    if res == "maintenances":  # scoped through their asset's company
        assets = {t["id"]: t for t in fmcs.truth("hardware")}
        by_asset = {t["id"]: assets[t["asset_id"]] for t in fmcs.truth(res)}
        assert all(by_asset[i]["company_id"] == 2 and not by_asset[i]["deleted_at"] for i in seen)
    else:
        assert {company[i] for i in seen} == {2}


@pytest.mark.parametrize("res", NOT_SCOPED)
def test_other_lists_are_not_scoped(fmcs, res):
    assert _listed(fmcs, res, VIEWER) == _listed(fmcs, res, DEFAULT_TOKEN) == \
        _live(fmcs.truth(res, token=VIEWER), res)


def test_seats_of_the_users_licenses_only(fmcs):
    licenses = {t["id"]: t for t in fmcs.truth("licenses") if not t["deleted_at"]}
    own = [i for i, t in licenses.items() if t["company_id"] == 2]
    other = [i for i, t in licenses.items() if t["company_id"] != 2]
    assert own and other
    seats = {t["id"]: t["license_id"] for t in fmcs.truth("license_seats", token=VIEWER)}
    for lid in own:
        listed = set(_ids(fmcs, "licenses/%d/seats" % lid, VIEWER))
        assert listed == {s for s, x in seats.items() if x == lid} and listed
    # License::find() is company-scoped: another company's license "does not exist" (200), not a 403
    r = _get(fmcs, "licenses/%d/seats" % other[0], VIEWER)
    assert (r.status_code, r.json()) == (200, {"status": "error", "messages": "License does not exist.",
                                               "payload": None})
    assert set(seats.values()) <= set(own)


def test_single_items_of_another_company_do_not_exist(fmcs):
    other = next(t for t in fmcs.truth("hardware") if t["company_id"] not in (2, None) and not t["deleted_at"])
    r = _get(fmcs, "hardware/%d" % other["id"], VIEWER)
    assert r.json() == {"status": "error", "messages": "Asset does not exist.", "payload": None}
    own = next(t for t in fmcs.truth("hardware", token=VIEWER) if not t["deleted_at"])
    assert _get(fmcs, "hardware/%d" % own["id"], VIEWER).json()["id"] == own["id"]


def test_groups_need_a_superuser(fmcs):
    r = _get(fmcs, "groups", VIEWER)
    assert (r.status_code, r.json()) == (403, _capture("groups_company_2_viewer.json")["body"])
    assert fmcs.truth("groups", token=VIEWER) == []
    assert _get(fmcs, "groups", DEFAULT_TOKEN).status_code == 200


def test_users_me_answers_the_token_user_with_its_company_and_permissions(fmcs):
    me = _get(fmcs, "users/me", VIEWER).json()
    captured = _capture("users_me_company_2_viewer.json")["body"]
    assert me["username"] == "t_fmcs" and me["company"]["id"] == 2 == captured["company"]["id"]
    assert me["permissions"] == {p: 1 for p in VIEW_PERMISSIONS}
    assert set(captured["permissions"]) - set(me["permissions"]) == {"kits.view"}
    assert me["available_actions"] == captured["available_actions"] == \
        {"update": False, "delete": False, "clone": False, "restore": False}
    assert me["id"] == fmcs.token_user(VIEWER) and me["id"] in {t["id"] for t in fmcs.truth("users", token=VIEWER)}


def test_a_view_only_user_can_do_nothing_and_counts_only_its_company(fmcs):
    """hardware_company_2_viewer.json, companies_company_2_viewer.json: every action false; withCount()s of the
    other companies 0."""
    hw = _get(fmcs, "hardware", VIEWER, limit=5).json()["rows"]
    assert hw and all(not any(r["available_actions"].values()) for r in hw)
    companies = {c["id"]: c for c in _get(fmcs, "companies", VIEWER, limit=50).json()["rows"]}
    everyone = {c["id"]: c for c in _get(fmcs, "companies", DEFAULT_TOKEN, limit=50).json()["rows"]}
    assert all(not any(c["available_actions"].values()) for c in companies.values())
    assert companies[2]["assets_count"] == everyone[2]["assets_count"] > 0
    assert companies[2]["users_count"] == everyone[2]["users_count"] > 0
    others = [c for i, c in companies.items() if i != 2]
    assert others and all(c["assets_count"] == c["users_count"] == c["licenses_count"] == 0 for c in others)
    assert any(everyone[c["id"]]["assets_count"] for c in others)


def test_assets_view_only_reads_its_company_hardware_and_nothing_else(fmcs):
    """hardware_assets_view_only.json, users_assets_view_only.json."""
    assert _get(fmcs, "users", ASSETS_ONLY).json() == _capture("users_assets_view_only.json")["body"]
    listed = set(_ids(fmcs, "hardware", ASSETS_ONLY))
    assert listed and {t["company_id"] for t in fmcs.truth("hardware") if t["id"] in listed} == {1}
    assert fmcs.truth("users", token=ASSETS_ONLY) == []
    encrypted = [r["custom_fields"]["Secret Key"]["value"] for r in _get(fmcs, "hardware", ASSETS_ONLY,
                                                                           limit=500).json()["rows"]
                 if "Secret Key" in r["custom_fields"]]
    assert set(encrypted) <= {"ENCRYPTED", ""} and "ENCRYPTED" in encrypted


def test_without_full_company_support_the_same_user_sees_every_row():
    emu = Emulator(Dataset.generate(seed=2, hardware=80, users=20), rate_limit=10 ** 6,
                   tokens={VIEWER: {"company_id": 2, "permissions": list(VIEW_PERMISSIONS)}}).start()
    try:
        for res in ("hardware", "users", "licenses"):
            assert {t["id"] for t in emu.truth(res, token=VIEWER)} == {t["id"] for t in emu.truth(res)}
        shown = [t for t in emu.truth("hardware") if not t["deleted_at"] and not t["archived"]]
        assert _get(emu, "hardware", VIEWER).json()["total"] == len(shown)
        assert len({t["company_id"] for t in shown}) > 2
    finally:
        emu.stop()


def test_the_scoped_models_are_those_with_companyable_trait():
    assert COMPANYABLE == {"hardware", "users", "licenses", "accessories", "consumables", "components",
                           "departments", "activity"}
    assert set(SCOPED) - COMPANYABLE == {"maintenances"}


def test_company_token_from_the_command_line():
    proc = subprocess.Popen([sys.executable, "-m", "snipeit_emulator", "--hardware", "60", "--users", "20",
                             "--full-multiple-companies-support", "--company-token", VIEWER + ":2:view"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[-1]
        h = {"Accept": "application/json", "Authorization": "Bearer " + VIEWER}
        me = requests.get(url + "/api/v1/users/me", headers=h, timeout=10).json()
        assert me["company"]["id"] == 2 and "superuser" not in me["permissions"]
        assert requests.get(url + "/api/v1/groups", headers=h, timeout=10).status_code == 403
        rows = requests.get(url + "/api/v1/hardware", headers=h, params={"limit": 500}, timeout=10).json()["rows"]
        assert rows and {r["company"]["id"] for r in rows} == {2}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
