"""What rendering a row needs: Laravel's e(), Parsedown notes, PHP dates in the display formats, money in the
digit separator, JSON as Laravel encodes it, the render context (Ctx) with the viewer (View) and the withCount()
aggregates the transformers (transformers.py) print."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from .parsedown import markdown_inline
from .permissions import ACTION_ABILITIES, ACTION_SECTIONS

APP_URL = "https://snipe.example.com"
# Snipe-IT's localization settings (resources/macros/macros.php): the nine date display formats it offers, and
# the time formats (g:iA, h:iA, H:i; "h:i A" and "h:i a" are kept for older configurations); the real demo (and
# the first captures) use "D M d, Y" / "g:iA" -> "Tue Jan 15, 2030 7:18AM", fmcs-mdY "m/d/Y" / "h:iA" ->
# "12/07/2026 03:41AM", v7-eu "d.m.Y" / "H:i" -> "07.12.2026 17:54"
DATE_DISPLAY_FORMATS = ("Y-m-d", "D M d, Y", "M j, Y", "d M, Y", "m/d/Y", "n/d/y", "d/m/Y", "d.m.Y", "Y.m.d.")
TIME_DISPLAY_FORMATS = ("g:iA", "h:iA", "H:i", "h:i A", "h:i a")
# Settings -> digit separator (resources/macros/macros.php 'digit_separator'); Helper::formatCurrencyOutput()
# prints every money column with number_format($x, 2, '.', ',') or, for "1.234,56", number_format($x, 2, ',', '.')
DIGIT_SEPARATORS = ("1,234.56", "1.234,56")
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


def laravel_json(obj, unescaped_unicode=False):
    """JsonResponse default flags: escaped slashes, \\uXXXX for non-ASCII (raw UTF-8 with
    JSON_UNESCAPED_UNICODE)."""
    return json.dumps(obj, ensure_ascii=not unescaped_unicode, separators=(",", ":")).replace("/", "\\/")


# ReportsController::index answers with its own Content-Type and JSON_UNESCAPED_UNICODE (activity.json)
UNESCAPED_UNICODE = {"activity": "application/json;charset=utf8"}


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


def money(x, digit_separator="1,234.56"):
    """Helper::formatCurrencyOutput(): two decimals, the instance's digit separator; null stays null."""
    if x is None:
        return None
    s = "{:,.2f}".format(float(x))
    if digit_separator == "1.234,56":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


@dataclass(frozen=True)
class View:
    """How one token's user sees rows (see engine.py). ``grant`` None: a superuser's view, nothing hidden."""
    grant: Optional[Any] = None
    scoped: bool = False  # its company-scoped lists are narrowed to the user's company

    @property
    def decrypt(self):
        return self.grant is None or self.grant.decrypts

    @property
    def key(self):
        """What the rendered JSON of a row depends on for this viewer (None: a superuser's)."""
        if self.grant is None:
            return None
        return (self.decrypt, self.grant.superuser, self.grant.permissions, self.count_company)

    @property
    def count_company(self):
        """The company the withCount() aggregates are narrowed to (the counted models' company scope)."""
        return ("company", self.grant.company_id) if self.scoped else None

    @property
    def scope_key(self):
        return self.count_company


FULL_VIEW = View()


def restrict_actions(res, row, view):
    """available_actions as Gate::allows() answers them for a user who is not a superuser: an action its
    permissions do not hold is false (hardware_company_2_viewer.json, users_me_company_2_viewer.json)."""
    grant = view.grant
    actions = row.get("available_actions") if isinstance(row, dict) else None
    if grant is None or grant.superuser or not actions:
        return row
    section = ACTION_SECTIONS.get(res, res)
    row["available_actions"] = {k: _allowed(v, grant, section, k) for k, v in actions.items()}
    return row


def _allowed(value, grant, section, key):
    ability = ACTION_ABILITIES.get(key, key)
    if isinstance(value, dict):
        return {k: bool(v) and grant.may(section, ability) for k, v in value.items()}
    return bool(value) and grant.may(section, ability)


class Ctx:
    """Per-render context: settings + precomputed counts."""

    def __init__(self, ds, settings, counts, now_ts, caches=None, view=FULL_VIEW):
        self.ds = ds
        self.view = view
        self.decrypt = view.decrypt  # the token's user may read encrypted custom fields (superuser)
        self.t = ds.tables
        self.s = settings
        self.counts = counts
        self.now = now_ts
        self.v7 = str(settings.get("version") or "v8").startswith("v7")
        self.tz = ZoneInfo(settings.get("timezone") or "UTC")
        self.date_fmt = settings.get("date_display_format") or DEFAULT_DATE_FORMAT
        self.time_fmt = settings.get("time_display_format") or DEFAULT_TIME_FORMAT
        self.digit_separator = settings.get("digit_separator", "1,234.56")
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
        return money(x, self.digit_separator)

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

    def free_seats(self, license_id):
        return self.counts["license_free_seats"].get(license_id, 0)


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


def compute_counts(ds, show_archived_in_list=False, company=None):
    """withCount()-style aggregates over rows that are not deleted; ``company`` ("company", id): only assets and
    users of that company count, as the counted models' company scope narrows withCount() under full multiple
    companies support (companies_company_2_viewer.json: every other company counts 0)."""
    t = ds.tables
    counts = {}
    in_scope = (lambda r: True) if company is None else (lambda r: r.company_id == company[1])
    _count_assets(t, counts, show_archived_in_list, in_scope)
    _count_users(t, counts, in_scope)
    _count_locations(t, counts)
    free = counts["license_free_seats"] = {}
    for seat in t["seats"].values():
        if not seat.assigned_to and not seat.asset_id:
            free[seat.license_id] = free.get(seat.license_id, 0) + 1
    return counts


def _bump(counter, key):
    if key is not None:
        counter[key] = counter.get(key, 0) + 1


def _count_assets(t, counts, show_archived_in_list, in_scope):
    names = ("company_assets", "loc_assets", "loc_rtd", "loc_assigned", "cat_assets", "man_assets", "sup_assets",
             "model_assets", "status_assets", "user_assets")
    c = {k: counts.setdefault(k, {}) for k in names}
    archived = {k for k, s in t["statuslabels"].items() if s.type == "archived"}
    models = t["models"]
    for a in t["hardware"].values():
        if a.deleted_at is not None or not in_scope(a):
            continue
        is_archived = a.status_id in archived
        if show_archived_in_list or not is_archived:
            _bump(c["company_assets"], a.company_id)
        _bump(c["loc_assets"], a.location_id)
        _bump(c["loc_rtd"], a.rtd_location_id)
        if a.assigned_to is not None:
            _bump(c["loc_assigned" if a.assigned_type == "location" else "user_assets"],
                  a.assigned_to if a.assigned_type in ("location", "user") else None)
        _bump(c["sup_assets"], a.supplier_id)
        _bump(c["status_assets"], a.status_id)
        if a.model_id is not None:
            _bump(c["model_assets"], a.model_id)
            m = models.get(a.model_id)
            if m is not None:
                if not is_archived:
                    _bump(c["cat_assets"], m.category_id)
                _bump(c["man_assets"], m.manufacturer_id)


def _count_users(t, counts, in_scope):
    for key in ("company_users", "loc_users", "dept_users", "user_manages_users"):
        counts.setdefault(key, {})
    for u in t["users"].values():
        if u.deleted_at is not None or not in_scope(u):
            continue
        _bump(counts["company_users"], u.company_id)
        _bump(counts["loc_users"], u.location_id)
        _bump(counts["dept_users"], u.department_id)
        _bump(counts["user_manages_users"], u.manager_id)


def _count_locations(t, counts):
    managers = counts.setdefault("user_manages_locations", {})
    children = counts["loc_children"] = {}
    for location in sorted(t["locations"].values(), key=lambda x: x.id):
        if location.deleted_at is not None:
            continue
        _bump(managers, location.manager_id)
        if location.parent_id is not None:
            children.setdefault(location.parent_id, []).append(location.id)
