"""One registry of resources: all 21 go through the same rows -> transformer -> engine path."""
import pytest

from snipeit_emulator import registry
from snipeit_emulator.transformers import TRANSFORMERS

PATHS = {"hardware", "users", "companies", "locations", "categories", "manufacturers", "suppliers", "models",
         "statuslabels", "departments", "licenses", "licenses/{id}/seats", "accessories", "consumables",
         "components", "maintenances", "depreciations", "groups", "fields", "fieldsets", "reports/activity"}


def test_registry_names_every_endpoint_once():
    assert {r.path for r in registry.REGISTRY.values()} == PATHS
    for r in registry.REGISTRY.values():
        assert r.name in TRANSFORMERS and r.schema and r.sort_fallback, r.name


def test_each_table_has_its_function_in_the_one_generator():
    from snipeit_emulator import generate
    for r in registry.REGISTRY.values():
        assert callable(getattr(generate, r.generator, None)), (r.name, r.generator)
        assert r.generator.startswith("generate_"), r.generator
    # generate.py is the only generator: no other module of the package fills tables
    import os
    package = os.path.dirname(generate.__file__)
    others = [n for n in os.listdir(package) if n.endswith(".py") and n not in ("generate.py",)
              and "def generate_" in open(os.path.join(package, n), encoding="utf-8").read()]
    assert others == []


def test_every_resource_is_listed_and_cached_by_the_engine(client, emu):
    for spec in registry.REGISTRY.values():
        path = spec.path.replace("{id}", "1")
        body = client.rows(path, limit=2)
        assert body["rows"] and body["total"] >= len(body["rows"]), path
        assert emu.engine.caches.rows[spec.name], "%s was not rendered through the engine" % spec.name


def test_later_resources_answer_single_items_and_search_like_the_first_ten(client, emu):
    lic = emu.truth("licenses")[0]
    assert client.get("/api/v1/licenses/%d" % lic["id"]).json()["id"] == lic["id"]
    missing = client.get("/api/v1/accessories/999999").json()
    assert missing == {"status": "error", "messages": "Accessory not found", "payload": None}
    found = client.rows("licenses", search="Slack")["rows"]
    assert found and all("Slack" in r["name"] for r in found)


def test_paging_quirks_come_from_the_registry(client, emu):
    assert registry.REGISTRY["fields"].paging == "all"
    every = client.rows("fields", limit=1, offset=3)
    assert len(every["rows"]) == every["total"] == len(emu.truth("fields"))
    seats = client.rows("licenses/1/seats", limit=2, offset=100000)
    assert seats["rows"], "an offset past the end restarts at 0 on seats"


def test_later_resources_are_read_only(emu):
    with pytest.raises(KeyError, match="unknown resource 'licenses'"):
        emu.mutate("licenses", "update", ids=[1], fields={"name": "x"})


def test_sizes_of_the_later_resources_are_chosen_like_the_first_ten(make_emu):
    from snipeit_emulator import Dataset
    emu, c = make_emu(dataset=Dataset.generate(hardware=40, users=10, activity=750, licenses=3))
    assert c.rows("reports/activity", limit=1)["total"] == len(emu.truth("activity")) == 750
    assert c.rows("licenses")["total"] == len([r for r in emu.truth("licenses") if not r["deleted_at"]]) == 2
    newest = c.rows("reports/activity", sort="id", order="desc", limit=2)["rows"]
    assert [r["id"] for r in newest] == [750, 749]
