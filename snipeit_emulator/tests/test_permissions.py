"""Each endpoint asks for the permission Snipe-IT's controller authorizes (permissions.ENDPOINT_RULES), by the
names Snipe-IT uses; a token of a user without it gets the real 403."""
import json
import os

import pytest
import requests

from snipeit_emulator import DEFAULT_TOKEN, Dataset, Emulator, registry
from snipeit_emulator.permissions import ENDPOINT_RULES, VIEW_PERMISSIONS, TokenGrant

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# endpoint -> the permission names any one of which lets a user who is not a superuser list it, as read from
# snipe/snipe-it v8.1.4 (the controllers' authorize() calls, the policies and gates: see permissions.py)
EXPECTED = {
    "hardware": {"assets.view"}, "users": {"users.view"}, "companies": {"companies.view"},
    "locations": {"locations.view"}, "categories": {"categories.view"}, "manufacturers": {"manufacturers.view"},
    "suppliers": {"suppliers.view"}, "models": {"models.view"}, "statuslabels": {"statuslabels.view"},
    "departments": {"departments.view"}, "licenses": {"licenses.view"}, "seats": {"licenses.view"},
    "accessories": {"accessories.view", "reports.view"}, "consumables": {"consumables.view"},
    "components": {"components.view"}, "maintenances": {"assets.view"}, "depreciations": {"depreciations.view"},
    "groups": set(), "fields": {"customfields.view"}, "fieldsets": {"customfields.view"},
    "activity": {"reports.view", "admin"},
}
SINGLE = ["assets.view", "users.view", "companies.view", "locations.view", "categories.view", "manufacturers.view",
          "suppliers.view", "models.view", "statuslabels.view", "departments.view", "licenses.view",
          "accessories.view", "consumables.view", "components.view", "depreciations.view", "customfields.view",
          "reports.view", "admin", "kits.view"]


def _forbidden_body():
    with open(os.path.join(ROOT, "captures", "real-snipeit", "fmcs-mdY", "activity_no_permission.json"),
              encoding="utf-8") as f:
        return json.load(f)["body"]


def _token(permission):
    return "token-with-only-" + permission


def _emulator(version):
    tokens = {DEFAULT_TOKEN: "all", "token-with-nothing": "none"}
    tokens.update({_token(p): {"permissions": [p]} for p in SINGLE})
    return Emulator(Dataset.generate(hardware=30, users=10), tokens=tokens, rate_limit=10 ** 6,
                    version=version).start()


@pytest.fixture(scope="module")
def v8():
    emu = _emulator("v8.1.4")
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def v7():
    emu = _emulator("v7.1.17")
    yield emu
    emu.stop()


def _status(emu, res, token):
    path = registry.REGISTRY[res].path.replace("{id}", "1")
    return requests.get(emu.url + "/api/v1/" + path, params={"limit": 1}, timeout=30,
                        headers={"Accept": "application/json", "Authorization": "Bearer " + token})


def test_the_table_is_snipeits():
    assert {res: set(rule.any_of) for res, rule in ENDPOINT_RULES.items()} == EXPECTED
    assert set(ENDPOINT_RULES) == set(registry.REGISTRY)
    assert "activity.view" not in {p for rule in ENDPOINT_RULES.values() for p in rule.any_of}


@pytest.mark.parametrize("res", sorted(EXPECTED))
def test_each_endpoint_answers_exactly_the_permissions_of_its_controller(v8, res):
    """Every single permission: 200 where the rule (or a policy letting admin through) allows it, else the
    real 403 body."""
    allowed = EXPECTED[res] | ({"admin"} if ENDPOINT_RULES[res].admin_passes else set())
    for permission in SINGLE:
        r = _status(v8, res, _token(permission))
        if permission in allowed:
            assert r.status_code == 200, (res, permission, r.text[:200])
        else:
            assert (r.status_code, r.json()) == (403, _forbidden_body()), (res, permission)
    assert _status(v8, res, DEFAULT_TOKEN).status_code == 200
    assert _status(v8, res, "token-with-nothing").status_code == 403


def test_v7_guards_the_activity_report_with_reports_view_alone(v7):
    """v7.1.17's ReportsController authorizes the 'reports.view' gate: admin is not enough there."""
    assert _status(v7, "activity", _token("reports.view")).status_code == 200
    assert _status(v7, "activity", _token("admin")).status_code == 403
    assert _status(v7, "hardware", _token("admin")).status_code == 200


def test_groups_need_a_superuser_even_with_every_permission():
    everything = {"permissions": list(VIEW_PERMISSIONS) + ["admin"]}
    emu = Emulator(Dataset.generate(hardware=10, users=5), tokens={"t": everything, DEFAULT_TOKEN: "all"}).start()
    try:
        assert _status(emu, "groups", "t").status_code == 403
        assert _status(emu, "groups", DEFAULT_TOKEN).status_code == 200
        assert _status(emu, "activity", "t").status_code == 200
    finally:
        emu.stop()


def test_the_older_resource_specs_stand_for_these_permissions():
    assert TokenGrant.parse("t", ["hardware", "activity"]).permissions == {"assets.view", "reports.view"}
    excluded = TokenGrant.parse("t", {"exclude": ["suppliers"]})
    assert not excluded.superuser and "suppliers.view" not in excluded.permissions
    assert excluded.permissions == set(VIEW_PERMISSIONS) - {"suppliers.view"}
    with pytest.raises(ValueError, match="groups can only be read by a superuser"):
        TokenGrant.parse("t", ["groups"])
    grant = TokenGrant.parse("t", {"permissions": {"assets.view": "1", "users.view": "-1"}, "company_id": 3})
    assert grant.permissions == {"assets.view"} and grant.company_id == 3 and not grant.superuser
