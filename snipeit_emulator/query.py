"""What a list request selects, and in which order: PHP's limit/offset arithmetic, each controller's visibility
rules, exact-match filters, ``search``, hardware's ``filter=``, the sort allow-lists with their fallbacks and
the MySQL-like sort keys. Functions of (dataset, request); the engine caches their results."""
from __future__ import annotations

import json
import re

from .data import CUSTOM_FIELD_BY_COLUMN, FIELDSETS, SCHEMAS, TIMESTAMP_FIELDS
from .render import full_name


class ServerError(Exception):
    """Maps to HTTP 500 {"message": "Server Error"}."""


# --- PHP semantics ------------------------------------------------------------------------------------------

_NUMERIC = re.compile(r'^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$')
_LEADING = re.compile(r'^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?')


def php_is_numeric(s):
    return isinstance(s, str) and bool(_NUMERIC.match(s))


def php_num(s):
    v = float(s)
    if v.is_integer() and "e" not in s.lower() and "." not in s:
        return int(s)
    return v


def php_intval(s):
    if s is None:
        return 0
    if isinstance(s, (int, float)):
        return int(s)
    m = _LEADING.match(s)
    if not m:
        return 0
    try:
        return int(float(m.group(0)))
    except (OverflowError, ValueError):
        return 0


def php_gt(raw, n):
    """PHP 8 ``$raw > $n`` where $raw is a request string (or null) and $n an int."""
    if raw is None:
        return False
    if php_is_numeric(raw):
        return php_num(raw.strip()) > n
    return raw > str(n)  # non-numeric string vs int: compared as strings


def api_limit(raw, max_results):
    li = php_intval(raw)
    if abs(li) > 0 and li <= max_results:
        return abs(li)
    return max_results


def api_offset(raw, total, models=False):
    if php_gt(raw, total):
        return total
    if models:
        if raw is None:
            return 0
        if not php_is_numeric(raw):
            raise ServerError("abs(): Argument #1 ($num) must be of type int|float, string given")
        return max(0, int(abs(php_num(raw.strip()))))
    return max(0, php_intval(raw))


# --- sort allow-lists (each controller's $allowed_columns) and fallbacks --------------------------------------

def _columns(text):
    return {c: c for c in text.split()}


ALLOWED = {
    "hardware": _columns("id name asset_tag serial last_checkout last_checkin notes expected_checkin order_number "
                         "image assigned_to created_at updated_at purchase_date purchase_cost last_audit_date "
                         "next_audit_date warranty_months checkout_counter checkin_counter requests_counter byod "
                         "asset_eol_date requestable"),
    "users": _columns("last_name first_name email jobtitle username employee_num groups activated created_at "
                      "updated_at two_factor_enrolled two_factor_optin last_login phone address city state country "
                      "zip id ldap_import remote vip start_date end_date autoassign_licenses website locale notes"),
    "companies": _columns("id name phone fax email created_at updated_at notes licenses_count accessories_count "
                          "consumables_count components_count"),
    "locations": _columns("address address2 city country created_at currency id image ldap_ou company_id "
                          "manager_id name state updated_at zip notes"),
    "categories": _columns("id name category_type use_default_eula eula_text require_acceptance checkin_email "
                           "image notes"),
    "manufacturers": _columns("id name url support_url support_email warranty_lookup_url support_phone created_at "
                              "updated_at image notes"),
    "suppliers": _columns("name address phone contact fax email image url notes"),
    "models": _columns("id image name model_number min_amt eol notes created_at requestable deleted_at updated_at"),
    "statuslabels": _columns("id name created_at color notes default_label"),
    "departments": _columns("id name image notes"),
    # the later resources: direct columns only (relation sorts omitted: not used), none allows updated_at
    "licenses": _columns("id name purchase_cost expiration_date purchase_order order_number notes purchase_date "
                         "serial license_name license_email seats termination_date depreciation_id min_amt"),
    "accessories": _columns("id name model_number eol notes created_at min_amt company_id qty"),
    "consumables": _columns("id name order_number min_amt purchase_date purchase_cost model_number item_no qty image"),
    "components": _columns("id name min_amt order_number model_number serial purchase_date purchase_cost qty image "
                           "notes"),
    "maintenances": _columns("id title asset_maintenance_time asset_maintenance_type cost start_date "
                             "completion_date notes is_warranty"),
    "depreciations": _columns("id name months depreciation_min depreciation_type created_at"),
    "groups": _columns("id name created_at"),
    "activity": _columns("id created_at target_id created_by action_type note remote_ip user_agent target_type "
                         "item_type action_source action_date"),
    "seats": _columns("updated_at"),  # LicenseSeatsController ignores sort=: always updated_at (v8), id (v7)
    "fields": _columns("id"), "fieldsets": _columns("id"),  # CustomFieldsController: everything, by id
}
_COUNT_COLUMNS = {
    "users": {"assets_count": "user_assets", "manages_users_count": "user_manages_users",
              "manages_locations_count": "user_manages_locations", "licenses_count": None,
              "consumables_count": None, "accessories_count": None},
    "companies": {"assets_count": "company_assets", "users_count": "company_users"},
    "locations": {"assets_count": "loc_assets", "rtd_assets_count": "loc_rtd", "assigned_assets_count": "loc_assigned",
                  "users_count": "loc_users", "accessories_count": None, "assigned_accessories_count": None},
    "categories": {"assets_count": "cat_assets", "accessories_count": None, "consumables_count": None,
                   "components_count": None, "licenses_count": None},
    "manufacturers": {"assets_count": "man_assets", "consumables_count": None, "components_count": None,
                      "licenses_count": None},
    "suppliers": {"assets_count": "sup_assets", "licenses_count": None, "accessories_count": None,
                  "components_count": None, "consumables_count": None},
    "models": {"assets_count": "model_assets"},
    "statuslabels": {"assets_count": "status_assets"},
    "departments": {"users_count": "dept_users"},
}
for _res, _m in _COUNT_COLUMNS.items():
    for _col, _key in _m.items():
        ALLOWED[_res][_col] = ("count", _key)

SPECIAL = {
    "hardware": {"model": ("rel", "models", "model_id", "name"),
                 "model_number": ("rel", "models", "model_id", "model_number"),
                 "category": ("rel2", "models", "model_id", "categories", "category_id"),
                 "manufacturer": ("rel2", "models", "model_id", "manufacturers", "manufacturer_id"),
                 "company": ("rel", "companies", "company_id", "name"),
                 "location": ("multi", ("rel", "locations", "location_id", "name"),
                              ("rel", "locations", "rtd_location_id", "name")),
                 "rtd_location": ("rel", "locations", "rtd_location_id", "name"),
                 "status_label": ("rel", "statuslabels", "status_id", "name"),
                 "supplier": ("rel", "suppliers", "supplier_id", "name"),
                 "assigned_to": ("user", "assigned_to"),
                 "created_by": ("user", "created_by")},
    "users": {"manager": ("user", "manager_id"), "location": ("rel", "locations", "location_id", "name"),
              "department": ("rel", "departments", "department_id", "name"), "created_by": ("user", "created_by"),
              "company": ("rel", "companies", "company_id", "name"),
              "first_name": ("cols", "first_name", "last_name"), "last_name": ("cols", "last_name", "first_name")},
    "companies": {"created_by": ("user", "created_by")},
    "locations": {"parent": ("rel", "locations", "parent_id", "name"), "manager": ("user", "manager_id"),
                  "company": ("rel", "companies", "company_id", "name")},
    "categories": {"created_by": ("user", "created_by")},
    "manufacturers": {"created_by": ("user", "created_by")},
    "models": {"manufacturer": ("rel", "manufacturers", "manufacturer_id", "name"),
               "category": ("rel", "categories", "category_id", "name"),
               "fieldset": ("fieldset",), "created_by": ("user", "created_by")},
    "statuslabels": {"created_by": ("user", "created_by")},
    "departments": {"location": ("rel", "locations", "location_id", "name"), "manager": ("user", "manager_id"),
                    "company": ("rel", "companies", "company_id", "name")},
}
FALLBACK = {"hardware": "created_at", "users": "first_name", "categories": "assets_count", "seats": "updated_at",
            "fields": "id", "fieldsets": "id"}  # every other resource: created_at
for _res in ALLOWED:
    SPECIAL.setdefault(_res, {})
    FALLBACK.setdefault(_res, "created_at")

EXACT_FILTERS = {
    "hardware": "status_id asset_tag serial model_id location_id rtd_location_id supplier_id company_id "
                "order_number byod assigned_to".split(),
    "users": "activated company_id location_id created_by email username first_name last_name employee_num "
             "state country website zip department_id manager_id ldap_import remote vip locale "
             "two_factor_enrolled two_factor_optin autoassign_licenses".split(),
    "companies": "name email created_by".split(),
    "locations": "name address address2 city zip country manager_id company_id".split(),
    "categories": "name category_type use_default_eula require_acceptance checkin_email created_by".split(),
    "manufacturers": "name url support_url warranty_lookup_url support_phone support_email".split(),
    "suppliers": "name address address2 city zip country fax email url notes".split(),
    "models": "name model_number notes category_id depreciation_id".split(),
    "statuslabels": "name".split(),
    "departments": "name company_id manager_id location_id".split(),
}
# paging quirks: "all" = no limit/offset/sort (fields, fieldsets); "wrap" = an offset past the end restarts at 0
PAGING = {"fields": "all", "fieldsets": "all", "seats": "wrap"}
# a path parameter that scopes the rows (/licenses/{id}/seats): passed in the query under this key
SCOPE_KEY = "__scope"


# --- visibility -------------------------------------------------------------------------------------------

def visible_rows(ds, res, q, show_archived_in_list=False):
    """The rows a list starts from: soft-deleted ones hidden (or only them, where a parameter asks)."""
    rows = ds.tables[res].values()
    if res == "hardware":
        return _visible_assets(ds, rows, q, show_archived_in_list)
    if res == "users":
        if q.get("deleted") == "true":
            return [r for r in rows if r.deleted_at is not None]
        if q.get("all") == "true":
            return list(rows)
        return [r for r in rows if r.deleted_at is None]
    if (res == "manufacturers" and q.get("deleted") == "true") or (res == "models" and q.get("status") == "deleted") \
            or (res == "licenses" and q.get("deleted") == "true"):
        return [r for r in rows if r.deleted_at is not None]
    if res in ("companies", "departments"):
        return list(rows)
    if res == "seats":
        lic = int(q[SCOPE_KEY])
        return [r for r in rows if r.license_id == lic]
    return [r for r in rows if r.deleted_at is None]


def _visible_assets(ds, rows, q, show_archived_in_list):
    status = q.get("status")
    labels = ds.tables["statuslabels"]
    if status == "Deleted":
        return [r for r in rows if r.deleted_at is not None]
    live = [r for r in rows if r.deleted_at is None]

    def typ(r):
        s = labels.get(r.status_id)
        return s.type if s is not None else None
    by_status = {
        "Pending": lambda r: r.assigned_to is None and typ(r) == "pending",
        "RTD": lambda r: r.assigned_to is None and typ(r) == "deployable",
        "Undeployable": lambda r: typ(r) == "undeployable",
        "Archived": lambda r: typ(r) == "archived",
        "Requestable": lambda r: r.requestable and typ(r) in ("deployable", "pending"),
        "Deployed": lambda r: bool(r.assigned_to),
        "byod": lambda r: bool(r.byod),
    }
    if status in by_status:
        return [r for r in live if by_status[status](r)]
    if q.get("status_id") or show_archived_in_list:
        return [r for r in live if r.status_id in labels]
    return [r for r in live if r.status_id in labels and labels[r.status_id].type != "archived"]


# --- filters ----------------------------------------------------------------------------------------------

def _norm(v):
    """MySQL-ish comparable: NULL first; strings case-insensitive."""
    if v is None:
        return (0, 0)
    if isinstance(v, str):
        return (1, v.casefold())
    if isinstance(v, bool):
        return (1, int(v))
    return (1, v)


def _mysql_num(v):
    if v is None:
        return None
    m = _LEADING.match(str(v))
    return float(m.group(0)) if m else 0.0


def _value_matches(v, q):
    if isinstance(v, bool):
        return q.lower() in (("1", "true") if v else ("0", "false"))
    if v is None:
        return False
    if isinstance(v, str):
        return v.casefold() == q.casefold()
    return str(v) == q


def filter_rows(ds, res, q, rows, ctx):
    for p in EXACT_FILTERS.get(res, ()):
        v = q.get(p)
        if v is None or v == "":
            continue
        rows = [r for r in rows if _value_matches(getattr(r, p), v)]
    if res == "hardware":
        rows = _filter_assets(ds, q, rows)
        flt = _json_filter(q)
        if flt:
            for k, v in flt.items():
                rows = _like_filter(ds, res, rows, k, v, ctx)
            return rows
    if res == "users" and q.get("group_id"):
        g = php_intval(q["group_id"])
        rows = [r for r in rows if g in (r.groups or ())]
    if res == "statuslabels" and q.get("status_type"):
        st = q["status_type"].lower()
        if st in ("pending", "archived", "deployable", "undeployable"):
            rows = [r for r in rows if r.type == st]
    if res == "categories":
        for p in ("created_at", "updated_at"):
            if q.get(p):
                rows = [r for r in rows if ctx.dt_text(getattr(r, p)) == q[p]]
    if q.get("search") and res not in PAGING:
        rows = _search(res, rows, q["search"])
    return rows


def _filter_assets(ds, q, rows):
    models = ds.tables["models"]
    if q.get("requestable") == "true":
        rows = [r for r in rows if r.requestable]
    for p in ("category_id", "manufacturer_id"):
        v = q.get(p)
        if v:
            rows = [r for r in rows if r.model_id in models and _value_matches(getattr(models[r.model_id], p), v)]
    if q.get("assigned_type") and q.get("assigned_to"):
        typ = q["assigned_type"].rsplit("\\", 1)[-1].lower()
        rows = [r for r in rows if r.assigned_type == typ]
    for col in CUSTOM_FIELD_BY_COLUMN:
        v = q.get(col)
        if v:
            rows = [r for r in rows if r.custom_fields and _value_matches(r.custom_fields.get(col), v)]
    return rows


def _json_filter(q):
    if not q.get("filter"):
        return None
    try:
        flt = json.loads(q["filter"])
    except ValueError:
        return None
    return flt if isinstance(flt, dict) and flt else None


_LIKE_RELATIONS = {"model": ("models", "model_id"), "company": ("companies", "company_id"),
                   "location": ("locations", "location_id"), "rtd_location": ("locations", "rtd_location_id"),
                   "status_label": ("statuslabels", "status_id"), "supplier": ("suppliers", "supplier_id")}


def _like_filter(ds, res, rows, k, v, ctx):
    """One key of hardware's filter={...}: LIKE %v% on the column's database text."""
    needle = str(v).casefold()
    t = ds.tables
    if k in _LIKE_RELATIONS:
        tab, col = _LIKE_RELATIONS[k]
        ok = {i for i, x in t[tab].items() if needle in (x.name or "").casefold()}
        return [r for r in rows if getattr(r, col) in ok]
    if k in ("category", "manufacturer"):
        tab = "categories" if k == "category" else "manufacturers"
        ok = {i for i, x in t[tab].items() if needle in (x.name or "").casefold()}
        okm = {i for i, m in t["models"].items() if getattr(m, k + "_id") in ok}
        return [r for r in rows if r.model_id in okm]
    if k in CUSTOM_FIELD_BY_COLUMN:
        return [r for r in rows if r.custom_fields and r.custom_fields.get(k) is not None
                and needle in str(r.custom_fields[k]).casefold()]
    if k not in SCHEMAS[res] or k in ("custom_fields", "assigned_type"):
        raise ServerError("Unknown column '%s'" % k)
    out = []
    for r in rows:
        x = getattr(r, k)
        if x is None:
            continue
        if k in TIMESTAMP_FIELDS:
            x = ctx.dt_text(x)
        elif isinstance(x, bool):
            x = "1" if x else "0"
        elif isinstance(x, float):
            x = "%.2f" % x
        if needle in str(x).casefold():
            out.append(r)
    return out


def _search(res, rows, s):
    needle = s.casefold()
    fields = [f for f in SCHEMAS[res] if f not in TIMESTAMP_FIELDS and not f.endswith("_id")
              and f not in ("id", "custom_fields", "permissions", "groups")]
    out = []
    for r in rows:
        for f in fields:
            x = getattr(r, f)
            if isinstance(x, str) and needle in x.casefold():
                out.append(r)
                break
        else:
            if res == "users" and needle in full_name(r).casefold():
                out.append(r)
    return out


# --- sorting ----------------------------------------------------------------------------------------------

def sort_spec(res, sort, v7=False):
    """What a ``sort=`` value sorts by: ("col", c), ("count", key), a relation, ...; unknown -> the fallback."""
    if res == "seats" and v7:
        return ("col", "id")  # v7's LicenseSeatsController orders by id (v8: updated_at)
    if res == "hardware" and sort and sort.startswith("custom_fields."):
        sort = sort[len("custom_fields."):]
    sp = SPECIAL[res].get(sort)
    if sp is not None:
        return sp
    if res == "hardware" and sort in CUSTOM_FIELD_BY_COLUMN:
        return ("custom", sort)
    col = ALLOWED[res].get(sort) if sort else None
    if col is None:
        if res == "users":
            return ("col", "first_name")
        fb = FALLBACK[res]
        sp = SPECIAL[res].get(fb)
        if sp is not None:
            return sp
        col = ALLOWED[res].get(fb, fb)
    if res == "users" and col == "groups":
        raise ServerError("Unknown column 'groups' in 'order clause'")
    if isinstance(col, tuple):
        return col
    return ("col", col)


def key_func(ds, spec, counts):
    """The sort key of a row under ``spec``."""
    t = ds.tables
    kind = spec[0]
    if kind == "col":
        col = spec[1]
        return lambda r: _norm(getattr(r, col))
    if kind == "count":
        m = counts.get(spec[1], {}) if spec[1] else {}
        return lambda r: (1, m.get(r.id, 0))
    if kind == "cols":
        a, b = spec[1], spec[2]
        return lambda r: (_norm(getattr(r, a)), _norm(getattr(r, b)))
    if kind == "rel":
        return _relation_key(t[spec[1]], spec[2], spec[3])
    if kind == "rel2":
        mt, tt, col1, col2 = t[spec[1]], t[spec[3]], spec[2], spec[4]

        def through_model(r):
            m = mt.get(getattr(r, col1))
            x = tt.get(getattr(m, col2)) if m is not None else None
            return _norm(x.name if x is not None else None)
        return through_model
    if kind == "user":
        return _user_key(t["users"], spec[1])
    if kind == "multi":
        fs = [key_func(ds, s, counts) for s in spec[1:]]
        return lambda r: tuple(g(r) for g in fs)
    if kind == "custom":
        col = spec[1]
        if CUSTOM_FIELD_BY_COLUMN[col][3] == "NUMERIC":
            return lambda r: _norm(_mysql_num((r.custom_fields or {}).get(col)) if r.custom_fields else None)
        return lambda r: _norm((r.custom_fields or {}).get(col) if r.custom_fields else None)
    if kind == "fieldset":
        return lambda r: _norm(FIELDSETS[r.fieldset_id][0] if r.fieldset_id in FIELDSETS else None)
    raise ValueError(spec)


def _relation_key(table, col, attr):
    def related(r):
        x = table.get(getattr(r, col))
        return _norm(getattr(x, attr) if x is not None else None)
    return related


def _user_key(users, col):
    def user_name(r):
        u = users.get(getattr(r, col))
        if u is None:
            return ((0, 0), (0, 0))
        return (_norm(u.first_name), _norm(u.last_name))
    return user_name
