"""One registry of the emulated resources: for each, where it is served, what permission it needs, how its
rows are made, shaped, sorted, hidden and paged. The server routes by it; every resource then takes the same
path: rows in ``Dataset.tables`` (data.py / extra.py) -> transformer (render.TRANSFORMERS) -> engine (visibility,
filters, sort allow-list and fallback, PHP limit/offset, ties, cached JSON) -> ``{"total", "rows"}``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import data, engine, extra


@dataclass(frozen=True)
class Resource:
    name: str                 # table name in Dataset.tables (and the truth name, but for seats)
    path: str                 # under /api/v1; "{id}" = the scoping path parameter
    permission: str           # what a token's grant must allow (TokenGrant.allows)
    not_found: str            # the 200 {"status":"error"} message of a missing item
    generator: str            # which generator fills the table
    soft_delete: bool         # deleted rows keep a deleted_at and leave the default list
    paging: str = "php"       # "php" limit/offset; "all" everything, no sort; "wrap" past-end offset -> 0
    truth_name: Optional[str] = None

    @property
    def schema(self):
        return data.SCHEMAS[self.name]

    @property
    def sort_allowed(self):
        return sorted(engine.ALLOWED[self.name])

    @property
    def sort_fallback(self):
        return engine.FALLBACK[self.name]


_CORE_NOT_FOUND = {
    "hardware": "Asset does not exist.",
    "users": "User does not exist or you do not have permission view them.",
    "companies": "Company not found", "locations": "Location not found", "categories": "Category not found",
    "manufacturers": "Manufacturer not found", "suppliers": "Supplier not found", "models": "AssetModel not found",
    "statuslabels": "Statuslabel not found", "departments": "Department not found",
}
_EXTRA_NOT_FOUND = {"licenses": "License does not exist.", "accessories": "Accessory not found",
                    "consumables": "Consumable not found", "components": "Component not found",
                    "maintenances": "Maintenance not found", "depreciations": "Depreciation not found",
                    "groups": "Group not found", "fields": "Field not found", "fieldsets": "Fieldset not found",
                    "activity": "Action log not found"}

REGISTRY = {}
for _name in data.RESOURCES:
    REGISTRY[_name] = Resource(_name, _name, _name, _CORE_NOT_FOUND[_name], "data.Dataset.generate",
                               _name in data.SOFT_DELETE)
for _name in extra.EXTRA_RESOURCES:
    REGISTRY[_name] = Resource(_name, "reports/activity" if _name == "activity" else _name, _name,
                               _EXTRA_NOT_FOUND[_name], "extra.generate", _name in extra.SOFT_DELETE,
                               engine.PAGING.get(_name, "php"))
REGISTRY["seats"] = Resource("seats", "licenses/{id}/seats", "licenses", _EXTRA_NOT_FOUND["licenses"],
                             "extra.generate", False, engine.PAGING["seats"], truth_name="license_seats")
TRUTH_NAMES = {r.truth_name or r.name: r for r in REGISTRY.values()}


def resolve(rest):
    """(Resource, path parameter or None, item id or None) for the path parts after /api/v1, or None."""
    for res in REGISTRY.values():
        pat = res.path.split("/")
        if len(rest) not in (len(pat), len(pat) + 1):
            continue
        param = None
        for want, got in zip(pat, rest):
            if want == "{id}":
                param = got
            elif want != got:
                break
        else:
            item = rest[len(pat)] if len(rest) > len(pat) else None
            if item is not None and (res.name == "activity" or "{id}" in res.path):
                continue  # no single-item route there
            return res, param, item
    return None
