import json


def ids(d):
    return {r["id"] for r in d["rows"]}


def test_hardware_archived_and_deleted(client, emu):
    truth = emu.truth("hardware")
    live = [t for t in truth if t["deleted_at"] is None]
    archived = {t["id"] for t in live if t["archived"]}
    deleted = {t["id"] for t in truth if t["deleted_at"] is not None}
    assert archived and deleted
    default, total = client.all_rows("hardware")
    assert total == len(live) - len(archived)
    got = {r["id"] for r in default}
    assert not (got & archived) and not (got & deleted)
    arch, _ = client.all_rows("hardware", status="Archived")
    assert {r["id"] for r in arch} == archived
    assert all(r["status_label"]["status_type"] == "archived" for r in arch)
    dele, _ = client.all_rows("hardware", status="Deleted")
    assert {r["id"] for r in dele} == deleted
    assert all(r["deleted_at"] is not None for r in dele)
    # case-sensitive: lowercase is ignored -> default list
    assert client.rows("hardware", status="deleted", limit=1)["total"] == total
    assert client.rows("hardware", status="archived", limit=1)["total"] == total
    # status_id disables the archived filter
    arch_label = next(t["status_id"] for t in live if t["archived"])
    d = client.rows("hardware", status_id=arch_label, limit=-1000)
    assert d["total"] == len([t for t in live if t["status_id"] == arch_label])


def test_show_archived_in_list(make_emu):
    emu, c = make_emu(show_archived_in_list=True)
    live = [t for t in emu.truth("hardware") if t["deleted_at"] is None]
    assert c.rows("hardware", limit=1)["total"] == len(live)


def test_users_deleted_all(client, emu):
    truth = emu.truth("users")
    deleted = {t["id"] for t in truth if t["deleted_at"]}
    assert deleted
    assert client.rows("users", limit=1)["total"] == len(truth) - len(deleted)
    assert ids(client.rows("users", deleted="true")) == deleted
    assert client.rows("users", all="true", limit=1)["total"] == len(truth)
    assert client.rows("users", deleted="1", limit=1)["total"] == len(truth) - len(deleted)


def test_manufacturers_and_models_deleted(client, emu):
    for res, params in (("manufacturers", {"deleted": "true"}), ("models", {"status": "deleted"})):
        truth = emu.truth(res)
        deleted = {t["id"] for t in truth if t["deleted_at"]}
        assert deleted, res
        assert ids(client.rows(res, **params)) == deleted
        assert client.rows(res)["total"] == len(truth) - len(deleted)
    assert client.rows("models", status="Deleted")["total"] == client.rows("models")["total"]


def test_soft_deleted_model_still_referenced_by_asset(client, emu):
    deleted_models = {t["id"] for t in emu.truth("models") if t["deleted_at"]}
    rows, _ = client.all_rows("hardware")
    hits = [r for r in rows if r["model"] and r["model"]["id"] in deleted_models]
    assert hits  # model relation is withTrashed


def test_soft_deleted_location_ref_is_null(client, emu):
    del_locs = {t["id"] for t in emu.truth("locations") if t["deleted_at"]}
    assert del_locs
    truth = {t["id"]: t for t in emu.truth("hardware")}
    rows, _ = client.all_rows("hardware")
    n = 0
    for r in rows:
        if truth[r["id"]]["location_id"] in del_locs:
            assert r["location"] is None
            n += 1
    assert n


def test_filters(client, emu):
    truth = emu.truth("hardware")
    r = truth[10]
    d = client.rows("hardware", asset_tag=r["asset_tag"])
    assert [x["id"] for x in d["rows"]] == [r["id"]] and d["total"] == 1
    flt = json.dumps({"updated_at": "2025-05-13"})
    d = client.rows("hardware", filter=flt, limit=-2000)
    assert d["total"] > 600
    assert all("2025-05-13" in x["updated_at"]["datetime"] for x in d["rows"])
    r2 = client.get("/api/v1/hardware", params={"filter": json.dumps({"nope": "x"})})
    assert r2.status_code == 500
    assert client.rows("statuslabels", status_type="ARCHIVED")["total"] >= 1
    d = client.rows("hardware", search="A-000001")
    assert d["total"] >= 1


def test_companies_departments_hard_delete(make_emu):
    emu, c = make_emu()
    assert c.control("POST", "mutate", {"resource": "companies", "op": "delete", "ids": [1]}) == {"ids": [1]}
    assert 1 not in {t["id"] for t in emu.truth("companies")}
    assert c.get("/api/v1/companies/1").json()["messages"] == "Company not found"
    rows, _ = c.all_rows("hardware")
    truth = {t["id"]: t for t in emu.truth("hardware")}
    assert any(truth[r["id"]]["company_id"] == 1 for r in rows)
    assert all(r["company"] is None for r in rows if truth[r["id"]]["company_id"] == 1)
