"""Row transformers reproducing Snipe-IT v8.1.4 ``app/Http/Transformers``."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from .data import CUSTOM_FIELDS, ENCRYPTED_FIELDS, FIELDSETS, DEPRECIATIONS, GROUPS, add_months, months_between
from .parsedown import markdown_inline

APP_URL = "https://snipe.example.com"
# Snipe-IT's localization settings (resources/macros/macros.php): the nine date display formats it offers, and
# the time formats; the real demo (and the captures) use "D M d, Y" / "g:iA" -> "Tue Jan 15, 2030 7:18AM"
DATE_DISPLAY_FORMATS = ("Y-m-d", "D M d, Y", "M j, Y", "d M, Y", "m/d/Y", "n/d/y", "d/m/Y", "d.m.Y", "Y.m.d.")
TIME_DISPLAY_FORMATS = ("g:iA", "h:i A", "H:i", "h:i a")
DEFAULT_DATE_FORMAT = "D M d, Y"
DEFAULT_TIME_FORMAT = "g:iA"
# what AssetsTransformer sends for an encrypted field to a user who is not a superuser
ENCRYPTED_PLACEHOLDER = "ENCRYPTED"

_E_TABLE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#039;"})


def e(v):
    """Laravel e(): htmlspecialchars(ENT_QUOTES, double_encode) ; e(null) -> ''."""
    if v is None:
        return ""
    if v is True:
        return "1"
    if v is False:
        return ""
    return str(v).translate(_E_TABLE)


def en(v):
    """``$x ? e($x) : null`` style fields: null (and empty) stay null."""
    if v is None or v == "":
        return None
    return e(v)


_MD_CACHE = {}


def md(s):
    if s is None or s == "":
        return None
    o = _MD_CACHE.get(s)
    if o is None:
        o = markdown_inline(s)
        if len(_MD_CACHE) < 10000:
            _MD_CACHE[s] = o
    return o


def laravel_json(obj):
    """JsonResponse default flags: escaped slashes, \\uXXXX for non-ASCII."""
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


def pretty_json(obj):
    """JSON_PRETTY_PRINT|JSON_UNESCAPED_SLASHES (used by Laravel's own exception renderer)."""
    return json.dumps(obj, ensure_ascii=True, indent=4)


_PHP_FMT = {
    "Y": "%Y", "y": "%y", "m": "%m", "d": "%d", "H": "%H", "h": "%I", "i": "%M", "s": "%S", "A": "%p",
    "D": "%a", "M": "%b", "F": "%B", "l": "%A",
}


_COMPILED = {}
_NOPAD = {"j": lambda d: str(d.day), "n": lambda d: str(d.month), "g": lambda d: str(int(d.strftime("%I"))),
          "G": lambda d: str(d.hour), "a": lambda d: d.strftime("%p").lower()}


def php_date(fmt, dt):
    """PHP date() for the codes Snipe-IT's display formats use, compiled once per format into one strftime call
    (plus the unpadded codes j, n, g, G and a, substituted after): rendering a page formats thousands of dates."""
    c = _COMPILED.get(fmt)
    if c is None:
        pattern, subs = [], []
        for ch in fmt:
            if ch in _PHP_FMT:
                pattern.append(_PHP_FMT[ch])
            elif ch in _NOPAD:
                pattern.append("\x01%d\x02" % len(subs))
                subs.append(_NOPAD[ch])
            else:
                pattern.append("%%" if ch == "%" else ch)
        c = _COMPILED[fmt] = ("".join(pattern), subs)
    pattern, subs = c
    out = dt.strftime(pattern)
    for i, f in enumerate(subs):
        out = out.replace("\x01%d\x02" % i, f(dt))
    return out


def money(x, number_format="1,234.56"):
    if x is None:
        return None
    s = "{:,.2f}".format(float(x))
    if number_format == "1.234,56":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    elif number_format == "1 234,56":
        s = s.replace(",", " ").replace(".", ",")
    return s


class Ctx:
    """Per-render context: settings + precomputed counts."""

    def __init__(self, ds, settings, counts, now_ts, caches=None, decrypt=True):
        self.ds = ds
        self.decrypt = decrypt  # the token's user may read encrypted custom fields (superuser)
        self.t = ds.tables
        self.s = settings
        self.counts = counts
        self.now = now_ts
        self.tz = ZoneInfo(settings.get("timezone") or "UTC")
        self.date_fmt = settings.get("date_display_format") or DEFAULT_DATE_FORMAT
        self.time_fmt = settings.get("time_display_format") or DEFAULT_TIME_FORMAT
        self.numfmt = settings.get("number_format", "1,234.56")
        caches = caches if caches is not None else {}
        self._dtc = caches.setdefault("dt", {})
        self._refc = caches.setdefault("ref", {})
        self._dfc = caches.setdefault("df", {})

    # dates ------------------------------------------------------------------------------
    def dt(self, ts):
        if ts is None:
            return None
        o = self._dtc.get(ts)
        if o is None:
            d = datetime.fromtimestamp(ts, self.tz)
            if self.date_fmt == "Y-m-d" and self.time_fmt == "h:i A":
                f = d.strftime("%Y-%m-%d %I:%M %p")
            else:
                f = php_date(self.date_fmt + " " + self.time_fmt, d)
            o = {"datetime": d.strftime("%Y-%m-%d %H:%M:%S"), "formatted": f}
            if len(self._dtc) < 200000:
                self._dtc[ts] = o
        return o

    def dt_text(self, ts):
        """Database text of a datetime column (wall clock in APP_TIMEZONE)."""
        if ts is None:
            return None
        return datetime.fromtimestamp(ts, self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def date_formatted(self, s):
        if not s:
            return None
        if self.date_fmt == "Y-m-d":
            return s
        o = self._dfc.get(s)
        if o is None:
            o = php_date(self.date_fmt, datetime(int(s[:4]), int(s[5:7]), int(s[8:10])))
            if len(self._dfc) < 200000:
                self._dfc[s] = o
        return o

    def d(self, s):
        if not s:
            return None
        return {"date": s, "formatted": self.date_formatted(s)}

    def money(self, x):
        return money(x, self.numfmt)

    # refs -------------------------------------------------------------------------------
    def ref(self, res, rid, with_trashed=False):
        if rid is None:
            return None
        k = (res, rid, with_trashed)
        try:
            return self._refc[k]
        except KeyError:
            pass
        r = self.t[res].get(rid)
        if r is None or (not with_trashed and getattr(r, "deleted_at", None) is not None):
            o = None
        else:
            o = {"id": r.id, "name": e(r.name)}
        self._refc[k] = o
        return o

    def user_ref(self, uid):
        """created_by style {id, name(full)} (withTrashed)."""
        if uid is None:
            return None
        u = self.t["users"].get(uid)
        if u is None:
            return None
        return {"id": u.id, "name": e(full_name(u))}

    def cnt(self, key, rid):
        return self.counts.get(key, {}).get(rid, 0)


def full_name(u):
    if u.last_name:
        return "%s %s" % (u.first_name or "", u.last_name)
    return u.first_name or ""


def age(purchase_date, now_ts):
    """Carbon diffForHumans() approximation."""
    if not purchase_date:
        return ""
    pd = datetime(int(purchase_date[:4]), int(purchase_date[5:7]), int(purchase_date[8:10]), tzinfo=timezone.utc)
    now = datetime.fromtimestamp(now_ts, timezone.utc)
    future = pd > now
    a, b = (now, pd) if future else (pd, now)
    months = (b.year - a.year) * 12 + (b.month - a.month)
    if (b.day, b.hour, b.minute, b.second) < (a.day, a.hour, a.minute, a.second):
        months -= 1
    secs = int((b - a).total_seconds())
    if months >= 12:
        n, unit = months // 12, "year"
    elif months >= 1:
        n, unit = months, "month"
    elif secs >= 7 * 86400:
        n, unit = secs // (7 * 86400), "week"
    elif secs >= 86400:
        n, unit = secs // 86400, "day"
    elif secs >= 3600:
        n, unit = secs // 3600, "hour"
    elif secs >= 60:
        n, unit = secs // 60, "minute"
    else:
        n, unit = max(secs, 1), "second"
    s = "%d %s%s" % (n, unit, "" if n == 1 else "s")
    return s + (" from now" if future else " ago")


# ---------------------------------------------------------------------------------------------
# transformers; each returns a dict in the real key order


def t_company(c, r):
    return {
        "id": r.id, "name": e(r.name), "phone": en(r.phone), "fax": en(r.fax), "email": en(r.email),
        "image": (APP_URL + "/uploads/companies/" + e(r.image)) if r.image else None,
        "assets_count": c.cnt("company_assets", r.id), "licenses_count": r.licenses_count or 0,
        "accessories_count": r.accessories_count or 0, "consumables_count": r.consumables_count or 0,
        "components_count": r.components_count or 0, "users_count": c.cnt("company_users", r.id),
        "created_by": c.user_ref(r.created_by), "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": c.cnt("company_assets", r.id) == 0 and c.cnt("company_users", r.id) == 0},
    }


def t_user(c, r, nested=False):
    manager = None
    if r.manager_id is not None:
        m = c.t["users"].get(r.manager_id)
        if m is not None:
            manager = {"id": m.id, "name": e(m.first_name) + " " + e(m.last_name)}
    cnt = (lambda k: 0) if nested else (lambda k: c.cnt(k, r.id))
    name = e(r.first_name) + (" " + e(r.last_name) if r.last_name else "")
    avatar = (APP_URL + "/uploads/avatars/" + e(r.avatar)) if r.avatar else APP_URL + "/uploads/default.png"
    deleted = r.deleted_at is not None
    groups = None
    if r.groups:
        groups = {"total": len(r.groups), "rows": [{"id": g, "name": e(GROUPS.get(g, "Group %d" % g))} for g in r.groups]}
    return {
        "id": r.id, "avatar": avatar, "name": name, "first_name": e(r.first_name), "last_name": e(r.last_name),
        "username": e(r.username), "remote": bool(r.remote), "locale": en(r.locale),
        "employee_num": en(r.employee_num), "manager": manager, "jobtitle": en(r.jobtitle), "vip": bool(r.vip),
        "phone": en(r.phone), "website": en(r.website), "address": en(r.address), "city": en(r.city),
        "state": en(r.state), "country": en(r.country), "zip": en(r.zip), "email": en(r.email),
        "department": c.ref("departments", r.department_id),
        "location": c.ref("locations", r.location_id, with_trashed=True),
        "notes": md(r.notes), "permissions": dict(r.permissions or {}), "activated": bool(r.activated),
        "autoassign_licenses": bool(r.autoassign_licenses), "ldap_import": bool(r.ldap_import),
        "two_factor_enrolled": bool(r.two_factor_enrolled), "two_factor_optin": bool(r.two_factor_optin),
        "assets_count": cnt("user_assets"), "licenses_count": 0, "accessories_count": 0, "consumables_count": 0,
        "manages_users_count": cnt("user_manages_users"), "manages_locations_count": cnt("user_manages_locations"),
        "company": c.ref("companies", r.company_id), "created_by": c.user_ref(r.created_by),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "start_date": c.d(r.start_date), "end_date": c.d(r.end_date), "last_login": c.dt(r.last_login),
        "deleted_at": c.dt(r.deleted_at),
        "available_actions": {"update": not deleted, "delete": not deleted and r.id != 1, "clone": not deleted,
                              "restore": deleted},
        "groups": groups,
    }


def t_location(c, r):
    manager = None
    if r.manager_id is not None:
        m = c.t["users"].get(r.manager_id)
        if m is not None and m.deleted_at is None:
            manager = t_user(c, m, nested=True)
    children = [{"id": ch, "name": c.t["locations"][ch].name} for ch in c.counts.get("loc_children", {}).get(r.id, ())]
    return {
        "id": r.id, "name": e(r.name), "image": (APP_URL + "/uploads/locations/" + e(r.image)) if r.image else None,
        "address": en(r.address), "address2": en(r.address2), "city": en(r.city), "state": en(r.state),
        "country": en(r.country), "zip": en(r.zip), "phone": en(r.phone), "fax": en(r.fax),
        "accessories_count": 0, "assigned_accessories_count": 0,
        "assigned_assets_count": c.cnt("loc_assigned", r.id), "assets_count": c.cnt("loc_assets", r.id),
        "rtd_assets_count": c.cnt("loc_rtd", r.id), "users_count": c.cnt("loc_users", r.id),
        "currency": en(r.currency), "ldap_ou": en(r.ldap_ou), "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "parent": c.ref("locations", r.parent_id), "manager": manager,
        "company": c.ref("companies", r.company_id), "children": children,
        "available_actions": {"update": True, "delete": False, "bulk_selectable": {"delete": False}, "clone": True},
    }


CATEGORY_TYPES = {"asset": "Asset", "accessory": "Accessory", "consumable": "Consumable",
                  "component": "Component", "license": "License"}


def t_category(c, r):
    n = c.cnt("cat_assets", r.id)
    eula = None
    if r.eula_text:
        eula = "<p>" + (md(r.eula_text) or "") + "</p>"
    return {
        "id": r.id, "name": e(r.name), "image": (APP_URL + "/uploads/categories/" + e(r.image)) if r.image else None,
        "category_type": CATEGORY_TYPES.get(r.category_type, r.category_type),
        "has_eula": bool(r.eula_text or r.use_default_eula), "use_default_eula": bool(r.use_default_eula),
        "eula": eula, "checkin_email": bool(r.checkin_email), "require_acceptance": bool(r.require_acceptance),
        "item_count": n, "assets_count": n, "accessories_count": 0, "consumables_count": 0,
        "components_count": 0, "licenses_count": 0, "created_by": c.user_ref(r.created_by), "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": n == 0},
    }


def t_manufacturer(c, r):
    deleted = r.deleted_at is not None
    return {
        "id": r.id, "name": e(r.name), "url": e(r.url),
        "image": (APP_URL + "/uploads/manufacturers/" + e(r.image)) if r.image else None,
        "support_url": e(r.support_url), "warranty_lookup_url": e(r.warranty_lookup_url),
        "support_phone": e(r.support_phone), "support_email": e(r.support_email),
        "assets_count": c.cnt("man_assets", r.id), "licenses_count": 0, "consumables_count": 0,
        "accessories_count": 0, "components_count": 0, "notes": md(r.notes),
        "created_by": c.user_ref(r.created_by), "created_at": c.dt(r.created_at),
        "updated_at": c.dt(r.updated_at), "deleted_at": c.dt(r.deleted_at),
        "available_actions": {"update": not deleted, "restore": deleted,
                              "delete": not deleted and c.cnt("man_assets", r.id) == 0},
    }


def t_supplier(c, r, single=False):
    return {
        "id": r.id, "name": e(r.name), "image": (APP_URL + "/uploads/suppliers/" + e(r.image)) if r.image else None,
        "url": e(r.url), "address": e(r.address), "address2": e(r.address2), "city": e(r.city),
        "state": e(r.state), "country": e(r.country), "zip": e(r.zip) if single else "", "fax": e(r.fax),
        "phone": e(r.phone), "email": e(r.email), "contact": e(r.contact),
        "assets_count": c.cnt("sup_assets", r.id), "accessories_count": 0, "licenses_count": 0,
        "consumables_count": 0, "components_count": 0, "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": c.cnt("sup_assets", r.id) == 0},
    }


def t_model(c, r):
    deleted = r.deleted_at is not None
    n = c.cnt("model_assets", r.id)
    fs = FIELDSETS.get(r.fieldset_id) if r.fieldset_id else None
    dfv = []
    if fs:
        for fid in fs[1]:
            name, col, fmt, _el = CUSTOM_FIELDS[fid]
            dfv.append({"name": e(name), "db_column_name": e(col), "default_value": None, "format": e(fmt),
                        "required": False})
    dep = None
    if r.depreciation_id in DEPRECIATIONS:
        dep = {"id": r.depreciation_id, "name": e(DEPRECIATIONS[r.depreciation_id][0])}
    return {
        "id": r.id, "name": e(r.name), "manufacturer": c.ref("manufacturers", r.manufacturer_id),
        "image": (APP_URL + "/uploads/models/" + e(r.image)) if r.image else None,
        "model_number": en(r.model_number), "min_amt": r.min_amt or None,
        "remaining": n - (r.min_amt or 0), "depreciation": dep, "assets_count": n,
        "category": c.ref("categories", r.category_id),
        "fieldset": {"id": r.fieldset_id, "name": e(fs[0])} if fs else None,
        "default_fieldset_values": dfv,
        "eol": ("%d months" % r.eol) if r.eol else "None", "requestable": bool(r.requestable),
        "notes": md(r.notes), "created_by": c.user_ref(r.created_by),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at), "deleted_at": c.dt(r.deleted_at),
        "available_actions": {"update": not deleted, "delete": not deleted and n == 0, "clone": True,
                              "restore": deleted},
    }


def t_statuslabel(c, r):
    n = c.cnt("status_assets", r.id)
    return {
        "id": r.id, "name": e(r.name), "type": r.type, "color": en(r.color), "show_in_nav": bool(r.show_in_nav),
        "default_label": bool(r.default_label), "assets_count": n, "notes": e(r.notes),
        "created_by": c.user_ref(r.created_by), "created_at": c.dt(r.created_at),
        "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": n == 0},
    }


def t_department(c, r):
    manager = None
    if r.manager_id is not None:
        m = c.t["users"].get(r.manager_id)
        if m is not None and m.deleted_at is None:
            manager = {"id": m.id, "name": e(full_name(m)), "first_name": e(m.first_name),
                       "last_name": e(m.last_name)}
    n = c.cnt("dept_users", r.id)
    return {
        "id": r.id, "name": e(r.name), "phone": en(r.phone), "fax": en(r.fax),
        "image": (APP_URL + "/uploads/departments/" + e(r.image)) if r.image else None,
        "company": c.ref("companies", r.company_id), "manager": manager,
        "location": c.ref("locations", r.location_id), "users_count": e(n), "notes": md(r.notes),
        "created_at": c.dt(r.created_at), "updated_at": c.dt(r.updated_at),
        "available_actions": {"update": True, "delete": n == 0},
    }


def _slug(s):
    out = []
    for ch in s.lower():
        out.append(ch if ch.isalnum() else "-")
    return "-".join(p for p in "".join(out).split("-") if p)


_months_between = months_between


def book_value(c, r, model):
    if model is None or model.depreciation_id not in DEPRECIATIONS or r.purchase_cost is None or not r.purchase_date:
        return None
    months = DEPRECIATIONS[model.depreciation_id][1]
    now = datetime.fromtimestamp(c.now, timezone.utc).strftime("%Y-%m-%d")
    elapsed = max(0, _months_between(r.purchase_date, now))
    v = r.purchase_cost - r.purchase_cost * min(elapsed, months) / months
    return c.money(round(max(v, 0.0), 2))


def t_asset(c, r):
    t = c.t
    m = t["models"].get(r.model_id)
    s = t["statuslabels"].get(r.status_id)
    status = None
    if s is not None:
        status = {"id": s.id, "name": e(s.name), "status_type": e(s.type),
                  "status_meta": "deployed" if r.assigned_to else e(s.type)}
    category = manufacturer = None
    if m is not None:
        category = c.ref("categories", m.category_id)
        manufacturer = c.ref("manufacturers", m.manufacturer_id)
    image = None
    if r.image:
        image = APP_URL + "/uploads/assets/" + e(r.image)
    elif m is not None and m.image:
        image = APP_URL + "/uploads/models/" + e(m.image)
    assigned = None
    if r.assigned_to is not None:
        if r.assigned_type == "user":
            u = t["users"].get(r.assigned_to)
            if u is not None:
                assigned = {"id": u.id, "username": e(u.username), "name": e(full_name(u)),
                            "first_name": e(u.first_name), "last_name": en(u.last_name), "email": en(u.email),
                            "employee_number": en(u.employee_num), "type": "user"}
        elif r.assigned_type == "location":
            l = t["locations"].get(r.assigned_to)
            if l is not None:
                assigned = {"id": l.id, "name": e(l.name), "type": "location"}
        elif r.assigned_type == "asset":
            a = t["hardware"].get(r.assigned_to)
            if a is not None:
                am = t["models"].get(a.model_id)
                assigned = {"id": a.id, "name": e("%s (%s) - %s" % (a.name or "", a.asset_tag, am.name if am else "")),
                            "type": "asset"}
    eol = None
    if c.s.get("eol_as_date_object"):
        eol = c.d(add_months(r.purchase_date, m.eol if m else None))
    elif r.purchase_date and r.asset_eol_date:
        eol = "%d months" % _months_between(r.purchase_date, r.asset_eol_date)
    deleted = r.deleted_at is not None
    cf = {}
    if m is not None and m.fieldset_id in FIELDSETS and FIELDSETS[m.fieldset_id][1]:
        vals = r.custom_fields or {}
        for fid in FIELDSETS[m.fieldset_id][1]:
            name, col, fmt, el = CUSTOM_FIELDS[fid]
            v = vals.get(col)
            if fid in ENCRYPTED_FIELDS and v and not c.decrypt:
                v = ENCRYPTED_PLACEHOLDER
            elif fmt == "DATE" and v:
                v = c.date_formatted(v)
            cf[name] = {"field": col, "value": e(v), "field_format": fmt, "element": el}
    elif c.s.get("custom_fields_empty_as_list"):
        cf = []
    stype = s.type if s is not None else None
    return {
        "id": r.id, "name": e(r.name), "asset_tag": e(r.asset_tag), "serial": e(r.serial),
        "model": c.ref("models", r.model_id, with_trashed=True), "byod": bool(r.byod),
        "requestable": bool(r.requestable), "model_number": en(m.model_number) if m is not None else None,
        "eol": eol, "asset_eol_date": c.d(r.asset_eol_date), "status_label": status,
        "category": category, "manufacturer": manufacturer, "supplier": c.ref("suppliers", r.supplier_id),
        "notes": md(r.notes), "order_number": en(r.order_number), "company": c.ref("companies", r.company_id),
        "location": c.ref("locations", r.location_id), "rtd_location": c.ref("locations", r.rtd_location_id),
        "image": image, "qr": None,
        "alt_barcode": APP_URL + "/uploads/barcodes/-" + _slug(r.asset_tag or "") + ".png",
        "assigned_to": assigned,
        "warranty_months": ("%d months" % r.warranty_months) if r.warranty_months else None,
        "warranty_expires": c.d(add_months(r.purchase_date, r.warranty_months)) if r.warranty_months else None,
        "created_by": c.user_ref(r.created_by), "created_at": c.dt(r.created_at),
        "updated_at": c.dt(r.updated_at), "last_audit_date": c.dt(r.last_audit_date),
        "next_audit_date": c.d(r.next_audit_date), "deleted_at": c.dt(r.deleted_at),
        "purchase_date": c.d(r.purchase_date), "age": age(r.purchase_date, c.now),
        "last_checkout": c.dt(r.last_checkout), "last_checkin": c.dt(r.last_checkin),
        "expected_checkin": c.d(r.expected_checkin), "purchase_cost": c.money(r.purchase_cost),
        "checkin_counter": r.checkin_counter or 0, "checkout_counter": r.checkout_counter or 0,
        "requests_counter": r.requests_counter or 0,
        "user_can_checkout": bool(stype == "deployable" and not r.assigned_to and not deleted),
        "book_value": book_value(c, r, m), "custom_fields": cf,
        "available_actions": {"checkout": bool(stype == "deployable" and not r.assigned_to and not deleted),
                              "checkin": bool(r.assigned_to) and not deleted, "clone": True, "restore": deleted,
                              "update": not deleted, "audit": not deleted,
                              "delete": not deleted and not r.assigned_to},
    }


TRANSFORMERS = {
    "hardware": t_asset, "users": t_user, "companies": t_company, "locations": t_location,
    "categories": t_category, "manufacturers": t_manufacturer, "suppliers": t_supplier, "models": t_model,
    "statuslabels": t_statuslabel, "departments": t_department,
}


def compute_counts(ds, show_archived_in_list=False):
    """withCount()-style aggregates over non-deleted rows."""
    t = ds.tables
    labels = t["statuslabels"]
    archived = {k for k, s in labels.items() if s.type == "archived"}
    models = t["models"]
    c = {k: {} for k in ("company_assets", "company_users", "loc_assets", "loc_rtd", "loc_assigned", "loc_users",
                         "cat_assets", "man_assets", "sup_assets", "model_assets", "status_assets", "dept_users",
                         "user_assets", "user_manages_users", "user_manages_locations")}
    ca, la, lr, lass, cat, man, sup, mo, st, ua = (c["company_assets"], c["loc_assets"], c["loc_rtd"],
                                                   c["loc_assigned"], c["cat_assets"], c["man_assets"],
                                                   c["sup_assets"], c["model_assets"], c["status_assets"],
                                                   c["user_assets"])
    for a in t["hardware"].values():
        if a.deleted_at is not None:
            continue
        arch = a.status_id in archived
        if a.company_id is not None and (show_archived_in_list or not arch):
            ca[a.company_id] = ca.get(a.company_id, 0) + 1
        if a.location_id is not None:
            la[a.location_id] = la.get(a.location_id, 0) + 1
        if a.rtd_location_id is not None:
            lr[a.rtd_location_id] = lr.get(a.rtd_location_id, 0) + 1
        if a.assigned_to is not None:
            if a.assigned_type == "location":
                lass[a.assigned_to] = lass.get(a.assigned_to, 0) + 1
            elif a.assigned_type == "user":
                ua[a.assigned_to] = ua.get(a.assigned_to, 0) + 1
        if a.supplier_id is not None:
            sup[a.supplier_id] = sup.get(a.supplier_id, 0) + 1
        if a.status_id is not None:
            st[a.status_id] = st.get(a.status_id, 0) + 1
        if a.model_id is not None:
            mo[a.model_id] = mo.get(a.model_id, 0) + 1
            m = models.get(a.model_id)
            if m is not None:
                if m.category_id is not None and not arch:
                    cat[m.category_id] = cat.get(m.category_id, 0) + 1
                if m.manufacturer_id is not None:
                    man[m.manufacturer_id] = man.get(m.manufacturer_id, 0) + 1
    for u in t["users"].values():
        if u.deleted_at is not None:
            continue
        for key, rid in (("company_users", u.company_id), ("loc_users", u.location_id),
                         ("dept_users", u.department_id), ("user_manages_users", u.manager_id)):
            if rid is not None:
                c[key][rid] = c[key].get(rid, 0) + 1
    children = {}
    for l in sorted(t["locations"].values(), key=lambda x: x.id):
        if l.deleted_at is not None:
            continue
        if l.manager_id is not None:
            c["user_manages_locations"][l.manager_id] = c["user_manages_locations"].get(l.manager_id, 0) + 1
        if l.parent_id is not None:
            children.setdefault(l.parent_id, []).append(l.id)
    c["loc_children"] = children
    return c
