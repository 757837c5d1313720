"""One registry of the emulated resources: for each, where it is served, what listing it takes, how its rows are
made, shaped, sorted, hidden and paged. The server routes by it; every resource then takes the same path: rows in
``Dataset.tables`` (generate.py) -> transformer (transformers.TRANSFORMERS) -> engine (visibility, company scope,
filters, sort allow-list and fallback, PHP limit/offset, ties, cached JSON) -> ``{"total", "rows"}``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import data, query
from .permissions import ENDPOINT_RULES, Rule


@dataclass(frozen=True)
class Resource:
    name: str                 # table name in Dataset.tables (and the truth name, but for seats)
    path: str                 # under /api/v1; "{id}" = the scoping path parameter
    not_found: str            # the 200 {"status":"error"} message of a missing item
    generator: str            # the function of generate.py that fills the table
    soft_delete: bool         # deleted rows keep a deleted_at and leave the default list
    paging: str = "php"       # "php" limit/offset; "all" everything, no sort; "wrap" past-end offset -> 0
    truth_name: Optional[str] = None

    @property
    def rule(self) -> Rule:
        """What a user who is not a superuser needs to list it (permissions.ENDPOINT_RULES, v8.1.4)."""
        return ENDPOINT_RULES[self.name]

    @property
    def permission(self):
        """The permission names any one of which lets a non-superuser list it ("superuser" for groups)."""
        return self.rule.any_of or ("superuser",)

    @property
    def schema(self):
        return data.SCHEMAS[self.name]

    @property
    def sort_allowed(self):
        return sorted(query.ALLOWED[self.name])

    @property
    def sort_fallback(self):
        return query.FALLBACK[self.name]


NOT_FOUND = {
    "hardware": "Asset does not exist.",
    "users": "User does not exist or you do not have permission view them.",
    "companies": "Company not found", "locations": "Location not found", "categories": "Category not found",
    "manufacturers": "Manufacturer not found", "suppliers": "Supplier not found", "models": "AssetModel not found",
    "statuslabels": "Statuslabel not found", "departments": "Department not found",
    "licenses": "License does not exist.", "accessories": "Accessory not found",
    "consumables": "Consumable not found", "components": "Component not found",
    "maintenances": "Maintenance not found", "depreciations": "Depreciation not found",
    "groups": "Group not found", "fields": "Field not found", "fieldsets": "Fieldset not found",
    "activity": "Action log not found",
}
_GENERATORS = {"companies": "generate_companies", "statuslabels": "generate_statuslabels",
               "manufacturers": "generate_manufacturers", "categories": "generate_categories",
               "suppliers": "generate_suppliers", "models": "generate_models", "locations": "generate_locations",
               "departments": "generate_departments", "users": "generate_users", "hardware": "generate_hardware",
               "licenses": "generate_licenses_and_seats", "seats": "generate_licenses_and_seats",
               "accessories": "generate_stock_items", "consumables": "generate_stock_items",
               "components": "generate_stock_items", "maintenances": "generate_maintenances",
               "depreciations": "generate_reference_tables", "groups": "generate_reference_tables",
               "fields": "generate_reference_tables", "fieldsets": "generate_reference_tables",
               "activity": "generate_activity"}

REGISTRY = {}
for _name in data.ALL_RESOURCES:
    REGISTRY[_name] = Resource(_name, "reports/activity" if _name == "activity" else _name, NOT_FOUND[_name],
                               _GENERATORS[_name], _name in data.SOFT_DELETE, query.PAGING.get(_name, "php"))
REGISTRY["seats"] = Resource("seats", "licenses/{id}/seats", NOT_FOUND["licenses"], _GENERATORS["seats"], False,
                             query.PAGING["seats"], truth_name="license_seats")
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
