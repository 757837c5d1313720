"""Who may read what, decided as Snipe-IT decides it: a token is its user, the user has permission names
(``assets.view``, ``reports.view``, ``admin``, ``superuser``...), each endpoint asks for what its controller
authorizes, and under full multiple companies support a user who is not a superuser sees only the rows of its
company in the lists whose models carry Snipe-IT's company scope.

The table below was read from snipe/snipe-it at the tags v8.1.4 and v7.1.17: each API controller's
``index()``, its ``$this->authorize(...)`` call, the policy that answers it (``app/Policies``: every
``*.view`` check is ``SnipePermissionsPolicy::index()/view()`` = ``hasAccess('<section>.view')``, and
``SnipePermissionsPolicy::before()`` lets the ``admin`` permission through) or the gate
(``app/Providers/AuthServiceProvider.php``; ``Gate::before`` lets a superuser through everything).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Optional, Tuple


@dataclass(frozen=True)
class Rule:
    """A non-superuser may list the endpoint if it holds one of ``any_of`` (or ``admin`` where a policy, whose
    before() lets admin through, answers); ``checked_in`` names the place in Snipe-IT's source."""
    any_of: Tuple[str, ...]
    admin_passes: bool
    checked_in: str


def _policy(section, controller, call):
    return Rule(("%s.view" % section,), True, "app/Http/Controllers/Api/%s::index: %s -> %sPolicy "
                "(SnipePermissionsPolicy::index/view: hasAccess('%s.view'))"
                % (controller, call, _POLICY_NAMES[section], section))


_POLICY_NAMES = {"assets": "Asset", "users": "User", "companies": "Company", "locations": "Location",
                 "categories": "Category", "manufacturers": "Manufacturer", "suppliers": "Supplier",
                 "models": "AssetModel", "statuslabels": "Statuslabel", "departments": "Department",
                 "licenses": "License", "consumables": "Consumable", "components": "Component",
                 "depreciations": "Depreciation", "customfields": "CustomField", "accessories": "Accessory"}

# resource -> what listing it takes (v8.1.4 and v7.1.17 alike, but for the activity report: see ACTIVITY_V7)
ENDPOINT_RULES = {
    "hardware": _policy("assets", "AssetsController", "authorize('index', Asset::class)"),
    "users": _policy("users", "UsersController", "authorize('view', User::class)"),
    "companies": _policy("companies", "CompaniesController", "authorize('view', Company::class)"),
    "locations": _policy("locations", "LocationsController", "authorize('view', Location::class)"),
    "categories": _policy("categories", "CategoriesController", "authorize('view', Category::class)"),
    "manufacturers": _policy("manufacturers", "ManufacturersController", "authorize('view', Manufacturer::class)"),
    "suppliers": _policy("suppliers", "SuppliersController", "authorize('view', Supplier::class)"),
    "models": _policy("models", "AssetModelsController", "authorize('view', AssetModel::class)"),
    "statuslabels": _policy("statuslabels", "StatuslabelsController", "authorize('view', Statuslabel::class)"),
    "departments": _policy("departments", "DepartmentsController", "authorize('view', Department::class)"),
    "licenses": _policy("licenses", "LicensesController", "authorize('view', License::class)"),
    "seats": Rule(("licenses.view",), True, "app/Http/Controllers/Api/LicenseSeatsController::index: "
                  "authorize('view', $license) -> LicensePolicy (hasAccess('licenses.view'); before(): the "
                  "license's company must be the user's)"),
    "accessories": Rule(("accessories.view", "reports.view"), True,
                        "app/Http/Controllers/Api/AccessoriesController::index: if cannot('reports.view'): "
                        "authorize('view', Accessory::class) -> AccessoryPolicy (hasAccess('accessories.view'))"),
    "consumables": _policy("consumables", "ConsumablesController", "authorize('index', Consumable::class)"),
    "components": _policy("components", "ComponentsController", "authorize('view', Component::class)"),
    "maintenances": Rule(("assets.view",), True, "app/Http/Controllers/Api/AssetMaintenancesController::index: "
                         "authorize('view', Asset::class) -> AssetPolicy (hasAccess('assets.view'))"),
    "depreciations": _policy("depreciations", "DepreciationsController", "authorize('view', Depreciation::class)"),
    "groups": Rule((), False, "app/Http/Controllers/Api/GroupsController::index: authorize('superadmin'), a "
                   "gate no provider defines: only Gate::before (isSuperUser) lets a user through"),
    "fields": _policy("customfields", "CustomFieldsController", "authorize('index', CustomField::class)"),
    "fieldsets": Rule(("customfields.view",), True, "app/Http/Controllers/Api/CustomFieldsetsController::index: "
                      "authorize('index', CustomField::class) -> CustomFieldPolicy (hasAccess('customfields.view'))"),
    "activity": Rule(("reports.view", "admin"), False, "app/Http/Controllers/Api/ReportsController::index: "
                     "authorize('activity.view') -> AuthServiceProvider gate 'activity.view': "
                     "hasAccess('reports.view') || hasAccess('admin')"),
}
# v7.1.17's ReportsController::index authorizes the 'reports.view' gate itself: admin alone is not enough there
ACTIVITY_V7 = Rule(("reports.view",), False, "app/Http/Controllers/Api/ReportsController::index (v7.1.17): "
                   "authorize('reports.view') -> AuthServiceProvider gate 'reports.view': hasAccess('reports.view')")
# the permission of the section each resource's available_actions are decided by (Gate::allows(<verb>, Model))
ACTION_SECTIONS = {"hardware": "assets", "maintenances": "assets", "seats": "licenses", "fields": "customfields",
                   "fieldsets": "customfields"}
# available_actions key -> the policy ability behind it (SnipePermissionsPolicy: <section>.<ability>)
ACTION_ABILITIES = {"update": "edit", "delete": "delete", "clone": "create", "restore": "create",
                    "checkout": "checkout", "checkin": "checkin", "audit": "audit", "bulk_selectable": "delete"}
# every permission a "view everything" user holds (the fmcs-mdY capture's company-2 viewer, kits.view aside)
VIEW_PERMISSIONS = ("reports.view", "assets.view", "accessories.view", "consumables.view", "licenses.view",
                    "components.view", "users.view", "models.view", "categories.view", "departments.view",
                    "statuslabels.view", "customfields.view", "suppliers.view", "manufacturers.view",
                    "depreciations.view", "locations.view", "companies.view")
# the resource names of the older token specs (lists of resources) and the permission each stands for
RESOURCE_PERMISSION = {res: rule.any_of[0] for res, rule in ENDPOINT_RULES.items() if rule.any_of}


def rule_for(resource, version):
    if resource == "activity" and version.startswith("v7"):
        return ACTIVITY_V7
    return ENDPOINT_RULES[resource]


@dataclass(frozen=True)
class TokenGrant:
    """One bearer token's user: its permissions, whether it is a superuser, its company.

    ``user_id`` None: the emulator creates the user (a token user, as an admin creates one for an API token).
    """
    user_id: Optional[int] = 1
    superuser: bool = True
    permissions: FrozenSet[str] = frozenset()
    company_id: Optional[int] = None
    username: Optional[str] = None
    sets_company: bool = False  # the spec names the user's company (written into its row)

    @classmethod
    def parse(cls, token, spec):
        """Token specs: "all" (a superuser), "none" (no permission), a dict of permissions, company and user
        (see README), or the older resource lists: [resources], {"only": [...]}, {"exclude": [...]}."""
        if spec == "all":
            return cls()
        if spec == "none":
            return cls(superuser=False)
        if isinstance(spec, (list, tuple, set, frozenset)):
            return cls(superuser=False, permissions=_resource_permissions(spec, None))
        if not isinstance(spec, dict):
            raise ValueError('a token spec is "all", "none", a list of resources or a dict, not %r' % (spec,))
        unknown = set(spec) - {"only", "exclude", "user_id", "superuser", "permissions", "company_id", "username"}
        if unknown:
            raise ValueError("token spec keys must be permissions/company_id/user_id/superuser/username "
                             "(or only/exclude), got %s" % sorted(unknown))
        if "permissions" in spec:
            return _parse_permission_spec(spec)
        only, exclude = spec.get("only"), tuple(spec.get("exclude", ()))
        superuser = spec.get("superuser")
        if superuser is None:
            superuser = only is None and not exclude
        return cls(user_id=spec.get("user_id", 1), superuser=bool(superuser),
                   permissions=_resource_permissions(only, exclude))

    def may_list(self, resource, version="v8.1.4"):
        if self.superuser:
            return True
        rule = rule_for(resource, version)
        return any(p in self.permissions for p in rule.any_of) or (rule.admin_passes and "admin" in self.permissions)

    def may(self, section, ability):
        """Gate::allows(<ability>, <Model>) of a policy-backed action (available_actions)."""
        return self.superuser or "admin" in self.permissions or "%s.%s" % (section, ability) in self.permissions

    @property
    def decrypts(self):
        """Gate 'assets.view.encrypted_custom_fields': a superuser or that permission."""
        return self.superuser or "assets.view.encrypted_custom_fields" in self.permissions

    def stored_permissions(self):
        """The user's permissions column as the API sends it back (/users/me)."""
        out = {p: 1 for p in sorted(self.permissions)}
        if self.superuser:
            out["superuser"] = 1
        return out


def _parse_permission_spec(spec):
    perms = spec["permissions"]
    if isinstance(perms, dict):  # {"assets.view": "1", "users.view": "-1"}: granted are the "1"s
        perms = [p for p, v in perms.items() if str(v) == "1"]
    perms = frozenset(perms)
    superuser = bool(spec.get("superuser", "superuser" in perms))
    company = spec.get("company_id")
    return TokenGrant(user_id=spec.get("user_id"), superuser=superuser, permissions=perms - {"superuser"},
                      company_id=None if company is None else int(company), username=spec.get("username"),
                      sets_company="company_id" in spec)


def _resource_permissions(only, exclude):
    """The older specs named resources: each stands for the permission its endpoint asks for."""
    names = set(only) if only is not None else set(RESOURCE_PERMISSION) | {"groups"}
    if only is not None and "groups" in names:
        raise ValueError("groups can only be read by a superuser (GroupsController::index authorizes "
                         "'superadmin'): use the spec \"all\" for such a token")
    unknown = (names | set(exclude or ())) - set(ENDPOINT_RULES)
    if unknown:
        raise ValueError("unknown resources in a token spec: %s" % sorted(unknown))
    granted = {RESOURCE_PERMISSION[r] for r in names if r in RESOURCE_PERMISSION}
    return frozenset(granted - {RESOURCE_PERMISSION[r] for r in (exclude or ()) if r in RESOURCE_PERMISSION})


# Models with CompanyableTrait (app/Models, v8.1.4 and v7.1.17: Accessory, Actionlog, Asset, Component, Consumable,
# Department, License, User; Location too in v8, but only when the setting scope_locations_fmcs is on): under full
# multiple companies support Company::scopeCompanyables narrows each query on them to ``company_id = <the user's>``
# (``whereNull`` for a user without a company) for every user but a superuser.
COMPANYABLE = frozenset({"hardware", "users", "licenses", "accessories", "consumables", "components", "departments",
                         "activity"})


def company_scope(ds, resource, grant, fmcs, scope_locations=False):
    """The predicate a row of ``resource`` must pass to be seen by ``grant``'s user, or None (unscoped)."""
    if not fmcs or grant is None or grant.superuser:
        return None
    company = grant.company_id
    if resource in COMPANYABLE or (resource == "locations" and scope_locations):
        return lambda r: r.company_id == company
    assets = ds.tables["hardware"]

    def asset_in_company(asset_id):
        # whereHas('asset'): the asset's own scopes apply too (not soft-deleted, the user's company)
        a = assets.get(asset_id) if asset_id else None
        return a is not None and a.deleted_at is None and a.company_id == company
    if resource == "maintenances":  # AssetMaintenance: CompanyableChildTrait, parent 'asset'
        return lambda r: asset_in_company(r.asset_id)
    if resource == "seats":  # LicenseSeat: CompanyableChildTrait, parents 'asset' and 'license'
        licenses = ds.tables["licenses"]

        def seat_visible(r):
            lic = licenses.get(r.license_id)
            return (lic is not None and lic.company_id == company) or asset_in_company(r.asset_id)
        return seat_visible
    return None
