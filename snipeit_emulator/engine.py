"""Query engine: visibility, filters, sorting, limit/offset and cached row rendering."""
from __future__ import annotations

import json
import random
import re
import threading
from bisect import bisect_right
from collections import OrderedDict
from datetime import datetime, timezone

from .data import SCHEMAS, TIMESTAMP_FIELDS, CUSTOM_FIELD_BY_COLUMN
from .render import Ctx, TRANSFORMERS, compute_counts, laravel_json, t_supplier, full_name
from . import extra

MAX_RESULTS_DEFAULT = 500
PLAIN_HARDWARE = "hardware:no-decrypt"


class ServerError(Exception):
    """Maps to HTTP 500 {"message": "Server Error"}."""


# ---------------------------------------------------------------------------------------------
# PHP semantics

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


# ---------------------------------------------------------------------------------------------
# sorting definitions

def _cnt(key):
    return ("count", key)


ALLOWED = {
    "hardware": {c: c for c in "id name asset_tag serial last_checkout last_checkin notes expected_checkin "
                 "order_number image assigned_to created_at updated_at purchase_date purchase_cost "
                 "last_audit_date next_audit_date warranty_months checkout_counter checkin_counter "
                 "requests_counter byod asset_eol_date requestable".split()},
    "users": {c: c for c in "last_name first_name email jobtitle username employee_num groups activated created_at "
              "updated_at two_factor_enrolled two_factor_optin last_login phone address city state country "
              "zip id ldap_import remote vip start_date end_date autoassign_licenses website locale "
              "notes".split()},
    "companies": {c: c for c in "id name phone fax email created_at updated_at notes licenses_count "
                  "accessories_count consumables_count components_count".split()},
    "locations": {c: c for c in "address address2 city country created_at currency id image ldap_ou "
                  "company_id manager_id name state updated_at zip notes".split()},
    "categories": {c: c for c in "id name category_type use_default_eula eula_text require_acceptance "
                   "checkin_email image notes".split()},
    "manufacturers": {c: c for c in "id name url support_url support_email warranty_lookup_url support_phone "
                      "created_at updated_at image notes".split()},
    "suppliers": {c: c for c in "name address phone contact fax email image url notes".split()},
    "models": {c: c for c in "id image name model_number min_amt eol notes created_at requestable deleted_at "
               "updated_at".split()},
    "statuslabels": {c: c for c in "id name created_at color notes default_label".split()},
    "departments": {c: c for c in "id name image notes".split()},
}
_COUNT_COLS = {
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
for _res, _m in _COUNT_COLS.items():
    for _col, _key in _m.items():
        ALLOWED[_res][_col] = _cnt(_key)
# the later resources: direct columns only, all falling back to created_at (none allows updated_at)
for _res, _cols in extra.ALLOWED.items():
    ALLOWED[_res] = {c: c for c in _cols}
ALLOWED["seats"] = {"updated_at": "updated_at"}  # LicenseSeatsController ignores sort=: always updated_at
ALLOWED["fields"] = ALLOWED["fieldsets"] = {"id": "id"}  # CustomFieldsController: everything, by id

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
    "suppliers": {},
    "models": {"manufacturer": ("rel", "manufacturers", "manufacturer_id", "name"),
               "category": ("rel", "categories", "category_id", "name"),
               "fieldset": ("fieldset",), "created_by": ("user", "created_by")},
    "statuslabels": {"created_by": ("user", "created_by")},
    "departments": {"location": ("rel", "locations", "location_id", "name"), "manager": ("user", "manager_id"),
                    "company": ("rel", "companies", "company_id", "name")},
}
FALLBACK = {"hardware": "created_at", "users": "first_name", "companies": "created_at", "locations": "created_at",
            "categories": "assets_count", "manufacturers": "created_at", "suppliers": "created_at",
            "models": "created_at", "statuslabels": "created_at", "departments": "created_at",
            "seats": "updated_at", "fields": "id", "fieldsets": "id"}
for _res in extra.TABLES:
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
for _res in extra.TABLES:
    EXACT_FILTERS.setdefault(_res, [])
# paging quirks: "all" = no limit/offset/sort (fields, fieldsets); "wrap" = an offset past the end restarts at 0
PAGING = {"fields": "all", "fieldsets": "all", "seats": "wrap"}
# a path parameter that scopes the rows (/licenses/{id}/seats): passed in the query under this key
SCOPE_KEY = "__scope"


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


class Engine:
    def __init__(self, ds, settings):
        self.ds = ds
        self.settings = settings
        self.lock = threading.RLock()
        self._row_cache = {r: {} for r in ds.tables}
        # assets as a user who may not decrypt encrypted custom fields sees them (rendered apart, cached apart)
        self._row_cache[PLAIN_HARDWARE] = {}
        self._query_cache = OrderedDict()
        self._counts = None
        self._caches = {}
        self._seen_version = ds.version
        self._cache_day = None
        self.request_counter = 0

    # -- cache management -------------------------------------------------------------------
    def now_ts(self):
        clk = self.settings.get("clock")
        if clk is not None:
            return int(clk)
        return int(datetime.now(timezone.utc).timestamp())

    def invalidate_all(self):
        for c in self._row_cache.values():
            c.clear()
        self._reset_queries()

    def invalidate_rows(self, res, ids):
        """After a mutation of ``ids`` in ``res``: only hardware rows are cached per row independently."""
        if res != "hardware":
            return self.invalidate_all()
        for key in ("hardware", PLAIN_HARDWARE):
            hc = self._row_cache[key]
            for i in ids:
                hc.pop(i, None)
        for r, c in self._row_cache.items():
            if r not in ("hardware", PLAIN_HARDWARE):
                c.clear()
        self._reset_queries()

    def _reset_queries(self):
        self._query_cache.clear()
        self._counts = None
        self._caches = {}
        self._seen_version = self.ds.version

    def _check(self):
        if self.ds.version != self._seen_version:
            self.invalidate_all()
        day = self.now_ts() // 86400
        if day != self._cache_day:
            self._row_cache["hardware"].clear()  # 'age'/book_value depend on today
            self._row_cache[PLAIN_HARDWARE].clear()
            self._cache_day = day

    def counts(self):
        if self._counts is None:
            self._counts = compute_counts(self.ds, bool(self.settings.get("show_archived_in_list")))
        return self._counts

    def ctx(self, decrypt=True):
        return Ctx(self.ds, self.settings, self.counts(), self.now_ts(), self._caches, decrypt=decrypt)

    # -- visibility and filters ---------------------------------------------------------------
    def _visible(self, res, q):
        t = self.ds.tables[res]
        rows = t.values()
        if res == "hardware":
            status = q.get("status")
            labels = self.ds.tables["statuslabels"]
            if status == "Deleted":
                return [r for r in rows if r.deleted_at is not None]
            live = [r for r in rows if r.deleted_at is None]

            def typ(r):
                s = labels.get(r.status_id)
                return s.type if s is not None else None
            if status == "Pending":
                return [r for r in live if r.assigned_to is None and typ(r) == "pending"]
            if status == "RTD":
                return [r for r in live if r.assigned_to is None and typ(r) == "deployable"]
            if status == "Undeployable":
                return [r for r in live if typ(r) == "undeployable"]
            if status == "Archived":
                return [r for r in live if typ(r) == "archived"]
            if status == "Requestable":
                return [r for r in live if r.requestable and typ(r) in ("deployable", "pending")]
            if status == "Deployed":
                return [r for r in live if r.assigned_to]
            if status == "byod":
                return [r for r in live if r.byod]
            if q.get("status_id") or self.settings.get("show_archived_in_list"):
                return [r for r in live if r.status_id in labels]
            return [r for r in live if r.status_id in labels and labels[r.status_id].type != "archived"]
        if res == "users":
            if q.get("deleted") == "true":
                return [r for r in rows if r.deleted_at is not None]
            if q.get("all") == "true":
                return list(rows)
            return [r for r in rows if r.deleted_at is None]
        if res == "manufacturers" and q.get("deleted") == "true":
            return [r for r in rows if r.deleted_at is not None]
        if res == "models" and q.get("status") == "deleted":
            return [r for r in rows if r.deleted_at is not None]
        if res in ("companies", "departments"):
            return list(rows)
        if res == "seats":
            lic = int(q[SCOPE_KEY])
            return [r for r in rows if r.license_id == lic]
        if res == "licenses" and q.get("deleted") == "true":
            return [r for r in rows if r.deleted_at is not None]
        return [r for r in rows if r.deleted_at is None]

    def _filter(self, res, q, rows, ctx):
        for p in EXACT_FILTERS[res]:
            v = q.get(p)
            if v is None or v == "":
                continue
            rows = [r for r in rows if _value_matches(getattr(r, p), v)]
        t = self.ds.tables
        if res == "hardware":
            if q.get("requestable") == "true":
                rows = [r for r in rows if r.requestable]
            for p, col in (("category_id", "category_id"), ("manufacturer_id", "manufacturer_id")):
                v = q.get(p)
                if v:
                    rows = [r for r in rows if r.model_id in t["models"]
                            and _value_matches(getattr(t["models"][r.model_id], col), v)]
            if q.get("assigned_type") and q.get("assigned_to"):
                typ = q["assigned_type"].rsplit("\\", 1)[-1].lower()
                rows = [r for r in rows if r.assigned_type == typ]
            for col in CUSTOM_FIELD_BY_COLUMN:
                v = q.get(col)
                if v:
                    rows = [r for r in rows if r.custom_fields and _value_matches(r.custom_fields.get(col), v)]
            flt = None
            if q.get("filter"):
                try:
                    flt = json.loads(q["filter"])
                except ValueError:
                    flt = None
            if isinstance(flt, dict) and flt:
                for k, v in flt.items():
                    rows = self._like_filter(res, rows, k, v, ctx)
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
            rows = self._search(res, rows, q["search"])
        return rows

    def _like_filter(self, res, rows, k, v, ctx):
        needle = str(v).casefold()
        t = self.ds.tables
        rel = {"model": ("models", "model_id"), "company": ("companies", "company_id"),
               "location": ("locations", "location_id"), "rtd_location": ("locations", "rtd_location_id"),
               "status_label": ("statuslabels", "status_id"), "supplier": ("suppliers", "supplier_id")}
        if k in rel:
            tab, col = rel[k]
            ok = {i for i, x in t[tab].items() if needle in (x.name or "").casefold()}
            return [r for r in rows if getattr(r, col) in ok]
        if k in ("category", "manufacturer"):
            tab = "categories" if k == "category" else "manufacturers"
            col = k + "_id"
            ok = {i for i, x in t[tab].items() if needle in (x.name or "").casefold()}
            okm = {i for i, m in t["models"].items() if getattr(m, col) in ok}
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

    def _search(self, res, rows, s):
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

    # -- sorting --------------------------------------------------------------------------
    def _sort_spec(self, res, sort):
        if res == "hardware" and sort and sort.startswith("custom_fields."):
            sort = sort[len("custom_fields."):]
        sp = SPECIAL[res].get(sort)
        if sp is not None:
            return sp
        if res == "hardware" and sort in CUSTOM_FIELD_BY_COLUMN:
            return ("custom", sort)
        col = ALLOWED[res].get(sort) if sort else None
        if col is None:
            fb = FALLBACK[res]
            sp = SPECIAL[res].get(fb)
            if sp is not None and res != "users":
                return sp
            if res == "users":
                return ("col", "first_name")
            col = ALLOWED[res].get(fb, fb)
        if res == "users" and col == "groups":
            raise ServerError("Unknown column 'groups' in 'order clause'")
        if isinstance(col, tuple):
            return col
        return ("col", col)

    def _key_func(self, res, spec, counts):
        t = self.ds.tables
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
            tab, col, attr = spec[1], spec[2], spec[3]
            tt = t[tab]

            def f(r):
                x = tt.get(getattr(r, col))
                return _norm(getattr(x, attr) if x is not None else None)
            return f
        if kind == "rel2":
            mt = t[spec[1]]
            tt = t[spec[3]]
            col1, col2 = spec[2], spec[4]

            def f(r):
                m = mt.get(getattr(r, col1))
                x = tt.get(getattr(m, col2)) if m is not None else None
                return _norm(x.name if x is not None else None)
            return f
        if kind == "user":
            col = spec[1]
            ut = t["users"]

            def f(r):
                u = ut.get(getattr(r, col))
                if u is None:
                    return ((0, 0), (0, 0))
                return (_norm(u.first_name), _norm(u.last_name))
            return f
        if kind == "multi":
            fs = [self._key_func(res, s, counts) for s in spec[1:]]
            return lambda r: tuple(g(r) for g in fs)
        if kind == "custom":
            col = spec[1]
            numeric = CUSTOM_FIELD_BY_COLUMN[col][3] == "NUMERIC"
            if numeric:
                return lambda r: _norm(_mysql_num((r.custom_fields or {}).get(col)) if r.custom_fields else None)
            return lambda r: _norm((r.custom_fields or {}).get(col) if r.custom_fields else None)
        if kind == "fieldset":
            from .data import FIELDSETS
            return lambda r: _norm(FIELDSETS[r.fieldset_id][0] if r.fieldset_id in FIELDSETS else None)
        raise ValueError(spec)

    def _ordered(self, res, q, ctx):
        """Cached (ids, tie_starts, tie_ends) of the filtered+sorted result."""
        order = "asc" if q.get("order") == "asc" else "desc"
        if PAGING.get(res) == "all":
            order = "asc"
        spec = self._sort_spec(res, q.get("sort") if res not in PAGING else None)
        fkey = tuple(sorted((k, v) for k, v in q.items() if k not in ("limit", "offset", "order", "sort")))
        key = (res, fkey, spec, order, bool(self.settings.get("show_archived_in_list")))
        hit = self._query_cache.get(key)
        if hit is not None:
            self._query_cache.move_to_end(key)
            return hit
        rows = self._visible(res, q)
        rows = self._filter(res, q, rows, ctx)
        rows.sort(key=lambda r: r.id)
        kf = self._key_func(res, spec, ctx.counts)
        keyed = [(kf(r), r.id) for r in rows]
        # stable sort: ties keep id-ascending order in both directions
        keyed.sort(key=lambda x: x[0], reverse=(order == "desc"))
        ids = [i for _, i in keyed]
        starts, ends = [], []
        i, n = 0, len(keyed)
        while i < n:
            j = i + 1
            k0 = keyed[i][0]
            while j < n and keyed[j][0] == k0:
                j += 1
            if j - i > 1:
                starts.append(i)
                ends.append(j)
            i = j
        hit = (ids, starts, ends)
        self._query_cache[key] = hit
        if len(self._query_cache) > 64:
            self._query_cache.popitem(last=False)
        return hit

    # -- rendering ---------------------------------------------------------------------------
    def _render_json(self, res, rid, ctx):
        cache = self._row_cache[res if ctx.decrypt or res != "hardware" else PLAIN_HARDWARE]
        s = cache.get(rid)
        if s is None:
            row = self.ds.tables[res][rid]
            s = laravel_json(TRANSFORMERS[res](ctx, row))
            if len(cache) < self.settings.get("row_cache_limit", 300000):
                cache[rid] = s
        return s

    def list(self, res, q):
        """Returns the JSON text of a list response (raises ServerError)."""
        return self.list_page(res, q)[0]

    def list_page(self, res, q, decrypt=True):
        """(JSON text of a list response, number of rows in it); raises ServerError."""
        with self.lock:
            self._check()
            self.request_counter += 1
            ctx = self.ctx(decrypt)
            ids, starts, ends = self._ordered(res, q, ctx)
            total = len(ids)
            max_results = int(self.settings.get("max_results", MAX_RESULTS_DEFAULT))
            limit = api_limit(q.get("limit") or None, max_results)
            offset = api_offset(q.get("offset") or None, total, models=(res == "models"))
            paging = PAGING.get(res)
            if paging == "all":
                limit, offset = total, 0
            elif paging == "wrap" and offset >= total:
                offset = 0
            end = min(offset + limit, total)
            page = ids[offset:end]
            if starts and self.settings.get("shuffle_ties", True) and page:
                rng = random.Random(int(self.settings.get("seed", 1)) * 1000003 + self.request_counter)
                gi = bisect_right(starts, offset) - 1
                if gi < 0:
                    gi = 0
                while gi < len(starts) and starts[gi] < end:
                    gs, ge = starts[gi], ends[gi]
                    if ge > offset:
                        grp = ids[gs:ge]
                        rng.shuffle(grp)
                        lo, hi = max(gs, offset), min(ge, end)
                        page[lo - offset:hi - offset] = grp[lo - gs:hi - gs]
                    gi += 1
            parts = [self._render_json(res, rid, ctx) for rid in page]
            return '{"total":%d,"rows":[%s]}' % (total, ",".join(parts)), len(parts)

    def me(self, user_id):
        """The /users/me row of ``user_id`` (the token's own user), or None."""
        with self.lock:
            self._check()
            row = self.ds.tables["users"].get(user_id)
            if row is None:
                return None
            return TRANSFORMERS["users"](self.ctx(), row)

    def single(self, res, rid, decrypt=True):
        """Returns a JSON-able dict (row) or None when not found."""
        with self.lock:
            self._check()
            try:
                rid = int(rid)
            except ValueError:
                return None
            row = self.ds.tables[res].get(rid)
            if row is None:
                return None
            if res not in ("hardware", "users", "companies", "departments") and row.get("deleted_at") is not None:
                return None
            ctx = self.ctx(decrypt)
            if res == "suppliers":
                return t_supplier(ctx, row, single=True)
            return TRANSFORMERS[res](ctx, row)
