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


# resource, the 200 {"status":"error"} message of a missing item, the function of generate.py that fills it
_ROWS = (
    ("hardware", "Asset does not exist.", "generate_hardware"),
    ("users", "User does not exist or you do not have permission view them.", "generate_users"),
    ("companies", "Company not found", "generate_companies"),
    ("locations", "Location not found", "generate_locations"),
    ("categories", "Category not found", "generate_categories"),
    ("manufacturers", "Manufacturer not found", "generate_manufacturers"),
    ("suppliers", "Supplier not found", "generate_suppliers"),
    ("models", "AssetModel not found", "generate_models"),
    ("statuslabels", "Statuslabel not found", "generate_statuslabels"),
    ("departments", "Department not found", "generate_departments"),
    ("licenses", "License does not exist.", "generate_licenses_and_seats"),
    ("accessories", "Accessory not found", "generate_stock_items"),
    ("consumables", "Consumable not found", "generate_stock_items"),
    ("components", "Component not found", "generate_stock_items"),
    ("maintenances", "Maintenance not found", "generate_maintenances"),
    ("depreciations", "Depreciation not found", "generate_reference_tables"),
    ("groups", "Group not found", "generate_reference_tables"),
    ("fields", "Field not found", "generate_reference_tables"),
    ("fieldsets", "Fieldset not found", "generate_reference_tables"),
    ("activity", "Action log not found", "generate_activity"),
)
_TABLE = {name: (missing, generator) for name, missing, generator in _ROWS}

REGISTRY = {}
for _name in data.ALL_RESOURCES:
    REGISTRY[_name] = Resource(_name, "reports/activity" if _name == "activity" else _name, *_TABLE[_name],
                               _name in data.SOFT_DELETE, query.PAGING.get(_name, "php"))
# seats: a license's, under its license; a missing license answers as licenses do
REGISTRY["seats"] = Resource("seats", "licenses/{id}/seats", *_TABLE["licenses"], False, query.PAGING["seats"],
                             truth_name="license_seats")
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
