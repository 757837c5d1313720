"""The query engine: one list or item request -> its JSON, through the cached steps visibility -> company scope
-> filters -> sort -> PHP limit/offset -> ties shuffled -> rows rendered (one cached JSON text per row and view).

A *view* is how one token's user sees rows (render.View): a superuser's view hides nothing; any other user's
view hides encrypted custom fields, turns off the available_actions its permissions do not allow, and under full
multiple companies support narrows the company-scoped lists (permissions.company_scope) and their counts.
"""
from __future__ import annotations

import random
import threading
from bisect import bisect_right
from collections import OrderedDict
from datetime import datetime, timezone

from .permissions import company_scope
from .query import PAGING, api_limit, api_offset, filter_rows, key_func, sort_spec, visible_rows
from .render import FULL_VIEW, UNESCAPED_UNICODE, Ctx, compute_counts, laravel_json, restrict_actions
from .transformers import TRANSFORMERS, t_supplier

MAX_RESULTS_DEFAULT = 500
# the tables whose rows are cached per row across mutations (their JSON depends on little else)
_ROW_STABLE = ("hardware",)


class Caches:
    """What the engine keeps between requests, and when it is dropped: one JSON text per row and view (a
    superuser's view keyed by the resource name alone), the sorted id lists of the last 64 queries, the
    withCount() aggregates per company scope, per-view render caches; all dropped when the dataset changes, the
    hardware rows also when the day changes (their age and book value)."""

    def __init__(self, ds, settings):
        self.ds = ds
        self.settings = settings
        self.rows = {r: {} for r in ds.tables}
        self.queries = OrderedDict()
        self.counts = {}
        self.render = {}
        self._seen_version = ds.version
        self._day = None

    def row_cache(self, res, view):
        return self.rows.setdefault(res if view.key is None else (res, view.key), {})

    def invalidate_all(self):
        for c in self.rows.values():
            c.clear()
        self._reset_queries()

    def invalidate_rows(self, res, ids):
        """After a mutation of ``ids`` in ``res``: only hardware rows are cached per row independently."""
        if res not in _ROW_STABLE:
            return self.invalidate_all()
        for key, cache in self.rows.items():
            if _cache_resource(key) == res:
                for i in ids:
                    cache.pop(i, None)
            else:
                cache.clear()
        self._reset_queries()

    def _reset_queries(self):
        self.queries.clear()
        self.counts = {}
        self.render = {}
        self._seen_version = self.ds.version

    def check(self, now_ts):
        if self.ds.version != self._seen_version:
            self.invalidate_all()
        day = now_ts // 86400
        if day != self._day:
            for key, cache in self.rows.items():  # 'age'/book_value depend on today
                if _cache_resource(key) == "hardware":
                    cache.clear()
            self._day = day

    def remember_query(self, key, hit):
        self.queries[key] = hit
        if len(self.queries) > 64:
            self.queries.popitem(last=False)

    def recall_query(self, key):
        hit = self.queries.get(key)
        if hit is not None:
            self.queries.move_to_end(key)
        return hit


class Engine:
    def __init__(self, ds, settings):
        self.ds = ds
        self.settings = settings
        self.lock = threading.RLock()
        self.caches = Caches(ds, settings)
        self.request_counter = 0

    def now_ts(self):
        clk = self.settings.get("clock")
        if clk is not None:
            return int(clk)
        return int(datetime.now(timezone.utc).timestamp())

    def invalidate_all(self):
        self.caches.invalidate_all()

    def invalidate_rows(self, res, ids):
        self.caches.invalidate_rows(res, ids)

    def _check(self):
        self.caches.check(self.now_ts())

    def counts(self, view=FULL_VIEW):
        counts = self.caches.counts
        if view.count_company not in counts:
            counts[view.count_company] = compute_counts(
                self.ds, bool(self.settings.get("show_archived_in_list")), view.count_company)
        return counts[view.count_company]

    def ctx(self, view=FULL_VIEW):
        return Ctx(self.ds, self.settings, self.counts(view), self.now_ts(),
                   self.caches.render.setdefault(view.key, {}), view=view)

    def scope(self, res, view):
        return company_scope(self.ds, res, view.grant, bool(self.settings.get("full_multiple_companies_support")),
                             bool(self.settings.get("scope_locations_fmcs")))

    # -- ordering -------------------------------------------------------------------------------
    def _ordered(self, res, q, ctx, view):
        """Cached (ids, tie_starts, tie_ends) of the filtered+sorted result."""
        order = "asc" if q.get("order") == "asc" else "desc"
        if PAGING.get(res) == "all":
            order = "asc"
        spec = sort_spec(res, q.get("sort") if res not in PAGING else None, ctx.v7)
        fkey = tuple(sorted((k, v) for k, v in q.items() if k not in ("limit", "offset", "order", "sort")))
        key = (res, fkey, spec, order, bool(self.settings.get("show_archived_in_list")), view.scope_key)
        hit = self.caches.recall_query(key)
        if hit is not None:
            return hit
        rows = visible_rows(self.ds, res, q, bool(self.settings.get("show_archived_in_list")))
        scope = self.scope(res, view)
        if scope is not None:
            rows = [r for r in rows if scope(r)]
        rows = filter_rows(self.ds, res, q, rows, ctx)
        rows.sort(key=lambda r: r.id)
        kf = key_func(self.ds, spec, ctx.counts)
        keyed = [(kf(r), r.id) for r in rows]
        # stable sort: ties keep id-ascending order in both directions
        keyed.sort(key=lambda x: x[0], reverse=(order == "desc"))
        hit = ([i for _, i in keyed],) + _tie_groups(keyed)
        self.caches.remember_query(key, hit)
        return hit

    # -- rendering ---------------------------------------------------------------------------
    def _render_json(self, res, rid, ctx):
        cache = self.caches.row_cache(res, ctx.view)
        s = cache.get(rid)
        if s is None:
            s = laravel_json(self._render(res, self.ds.tables[res][rid], ctx), res in UNESCAPED_UNICODE)
            if len(cache) < self.settings.get("row_cache_limit", 300000):
                cache[rid] = s
        return s

    @staticmethod
    def _render(res, row, ctx, **kw):
        out = TRANSFORMERS[res](ctx, row, **kw)
        return restrict_actions(res, out, ctx.view)

    def list_page(self, res, q, view=FULL_VIEW):
        """(JSON text of a list response, number of rows in it); raises ServerError."""
        with self.lock:
            self._check()
            self.request_counter += 1
            ctx = self.ctx(view)
            ids, starts, ends = self._ordered(res, q, ctx, view)
            total = len(ids)
            max_results = int(self.settings.get("max_results", MAX_RESULTS_DEFAULT))
            limit = api_limit(q.get("limit") or None, max_results)
            offset = api_offset(q.get("offset") or None, total, models=(res == "models"))
            paging = PAGING.get(res)
            if paging == "all":
                limit, offset = total, 0
            elif paging == "wrap" and offset >= total:
                offset = 0
            page = ids[offset:min(offset + limit, total)]
            if starts and self.settings.get("shuffle_ties", True) and page:
                rng = random.Random(int(self.settings.get("seed", 1)) * 1000003 + self.request_counter)
                page = shuffle_ties(ids, starts, ends, offset, min(offset + limit, total), rng)
            if res == "seats" and ctx.v7:  # named by position in this page: not cacheable per row
                table = self.ds.tables["seats"]
                parts = [laravel_json(self._render(res, table[rid], ctx, position=n))
                         for n, rid in enumerate(page, 1)]
            else:
                parts = [self._render_json(res, rid, ctx) for rid in page]
            return '{"total":%d,"rows":[%s]}' % (total, ",".join(parts)), len(parts)

    def me(self, user_id, view=FULL_VIEW):
        """The /users/me row of ``user_id`` (the token's own user), or None."""
        with self.lock:
            self._check()
            row = self.ds.tables["users"].get(user_id)
            if row is None:
                return None
            return self._render("users", row, self.ctx(view))

    def single(self, res, rid, view=FULL_VIEW):
        """Returns a JSON-able dict (row) or None when not found (or not in the viewer's company)."""
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
            scope = self.scope(res, view)
            if scope is not None and not scope(row):
                return None
            ctx = self.ctx(view)
            if res == "suppliers":
                return restrict_actions(res, t_supplier(ctx, row, single=True), view)
            return self._render(res, row, ctx)

    def visible_ids(self, res, view):
        """Ids of every row of ``res`` the view's company scope lets through (soft-deleted ones included); seats:
        those of the licenses it sees (LicenseSeatsController finds the license through its company scope)."""
        with self.lock:
            if res == "license_seats":
                licenses = self.visible_ids("licenses", view)
                return {i for i, r in self.ds.tables["seats"].items() if r.license_id in licenses}
            scope = self.scope(res, view)
            return {i for i, r in self.ds.tables[res].items() if scope is None or scope(r)}


def shuffle_ties(ids, starts, ends, offset, end, rng):
    """The page ids[offset:end] with every group of equal sort keys in arbitrary order, as MySQL returns them
    without a tie-breaker (``rng`` seeded by the request counter: another order on every request)."""
    page = ids[offset:end]
    gi = max(bisect_right(starts, offset) - 1, 0)
    while gi < len(starts) and starts[gi] < end:
        gs, ge = starts[gi], ends[gi]
        if ge > offset:
            grp = ids[gs:ge]
            rng.shuffle(grp)
            lo, hi = max(gs, offset), min(ge, end)
            page[lo - offset:hi - offset] = grp[lo - gs:hi - gs]
        gi += 1
    return page


def _cache_resource(key):
    return key if isinstance(key, str) else key[0]


def _tie_groups(keyed):
    """(starts, ends) of the runs of equal sort keys longer than one row."""
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
    return starts, ends

