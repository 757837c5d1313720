"""The /api pipeline of one request: authentication -> throttle -> route -> permission -> engine, inside the real
server's cost model. Answers are ``Response`` values; the HTTP handler (server.py) only writes them."""
from __future__ import annotations

import math
import threading
import time
from urllib.parse import unquote

from . import registry
from .query import SCOPE_KEY, ServerError
from .render import UNESCAPED_UNICODE, laravel_json, pretty_json

FALLBACK_404 = ("404 endpoint not found. Please check the API reference at https://snipe-it.readme.io/reference "
                "to find a valid API endpoint.")
ROOT_404 = ("404 endpoint not found. This is the root of the API. Please check the API reference at "
            "https://snipe-it.readme.io/reference to find a valid API endpoint.")
HTML_403 = ("<!DOCTYPE html>\n<html><head><title>Forbidden</title></head><body>403 | This action is unauthorized."
            "</body></html>\n")
USER_NOT_FOUND = "User does not exist or you do not have permission view them."


class Response:
    __slots__ = ("status", "headers", "body", "rows", "throttle_key")

    def __init__(self, status, body=b"", headers=None, ctype="application/json", rows=0):
        self.status = status
        self.rows = rows  # rows in a list answer: what the per-row server cost is charged on
        self.throttle_key = None  # the user whose window X-RateLimit-Remaining reports (set by handle_api)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.headers = [("Content-Type", ctype)] if ctype else []
        if headers:
            self.headers.extend(headers)


def json_response(status, obj, headers=None):
    return Response(status, laravel_json(obj), headers)


def error_200(message):
    """Snipe-IT's formatStandardApiResponse('error', ...) sent with HTTP 200 (a missing item)."""
    return json_response(200, {"status": "error", "messages": message, "payload": None})


def method_not_allowed():
    return json_response(405, {"status": "error", "messages": "Method not allowed", "payload": None})


def expects_json(headers):
    """Laravel's $request->expectsJson(): the most wanted Accept type is JSON, or an XHR that accepts anything."""
    accept = headers.get("Accept") or ""
    types = []
    for i, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    pass
        types.append((-q, i, bits[0].lower()))
    types.sort()
    first = types[0][2] if types else None
    wants_json = bool(first and ("/json" in first or "+json" in first))
    ajax = (headers.get("X-Requested-With") or "") == "XMLHttpRequest"
    accepts_any = first is None or first in ("*/*", "*")
    return wants_json or (ajax and accepts_any)


def forbidden(headers):
    if expects_json(headers):
        return Response(403, pretty_json({"message": "This action is unauthorized."}))
    return Response(403, HTML_403, ctype="text/html; charset=utf-8")


def refused(emu, headers):
    """A token that authenticates no one: 401 JSON, or a 302 to the login page for a client that wants HTML."""
    if expects_json(headers):
        return json_response(401, {"error": "Unauthorized or unauthenticated."})
    loc = emu.url + "/login"
    body = ('<!DOCTYPE html>\n<html>\n    <head>\n        <meta charset="UTF-8" />\n'
            '        <meta http-equiv="refresh" content="0;url=\'%s\'" />\n\n'
            '        <title>Redirecting to %s</title>\n    </head>\n    <body>\n'
            '        Redirecting to <a href="%s">%s</a>.\n    </body>\n</html>' % (loc, loc, loc, loc))
    return Response(302, body, [("Location", loc)], ctype="text/html; charset=utf-8")


class Throttle:
    """Laravel's api throttle: a fixed window per user (two tokens of one user share it), rejected requests not
    counted."""

    def __init__(self, settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._windows = {}

    def reset(self):
        with self._lock:
            self._windows.clear()

    def hit(self, key):
        """Returns (allowed, limit, remaining, retry_after)."""
        limit = int(self.settings["rate_limit"])
        window = float(self.settings["rate_window_seconds"])
        now = time.monotonic()
        with self._lock:
            st = self._windows.get(key)
            if st is None or now - st[0] >= window:
                st = self._windows[key] = [now, 0]
            retry = max(1, int(math.ceil(st[0] + window - now)))
            if st[1] >= limit:
                return False, limit, 0, retry
            st[1] += 1
            return True, limit, limit - st[1], retry

    def remaining(self, key):
        """What ``X-RateLimit-Remaining`` says once the request has been served: Laravel's ThrottleRequests hits
        before ``$next($request)`` and reads ``retriesLeft()`` after it, so the header counts every request of
        that user hit while this one was being served (and a window that expired meanwhile counts none)."""
        limit = int(self.settings["rate_limit"])
        window = float(self.settings["rate_window_seconds"])
        with self._lock:
            st = self._windows.get(key)
            if st is None or time.monotonic() - st[0] >= window:
                return limit
            return max(0, limit - st[1])


def handle_api(emu, method, path, query, headers):
    """Full API pipeline (auth -> throttle -> route). Returns a Response."""
    if not (path == "/api/v1" or path.startswith("/api/v1/")):
        # no route matched -> no auth middleware ran; Snipe's handler renders a JSON 404
        return json_response(404, {"status": "error", "messages": "404 endpoint not found", "payload": None})
    auth = headers.get("Authorization") or ""
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    grant = emu.grant(token) if token else None
    if grant is None:
        return refused(emu, headers)
    ok, limit, remaining, retry = emu.throttle.hit(grant.user_id)
    if not ok:
        if emu.settings.get("retry_after_mode"):
            body = {"status": "error", "messages": "Too many requests. Try again in %d seconds" % retry,
                    "payload": {"requests_per_minute": limit, "retry-after": retry}}
            return json_response(429, body, [("Retry-After", str(retry)), ("X-RateLimit-Limit", str(limit)),
                                             ("X-RateLimit-Remaining", "0")])
        return json_response(429, {"status": "error", "messages": "Too many requests", "payload": None})
    resp = route(emu, method, path, query, headers, grant)
    resp.throttle_key = grant.user_id
    resp.headers.append(("X-RateLimit-Limit", str(limit)))
    resp.headers.append(("X-RateLimit-Remaining", str(emu.throttle.remaining(grant.user_id))))
    return resp


def route(emu, method, path, query, headers, grant):
    parts = [p for p in path.split("/") if p != ""]  # parts[0] == "api"
    if len(parts) < 2 or parts[1] != "v1":
        return json_response(404, {"status": "error", "messages": "404 endpoint not found", "payload": None})
    if len(parts) == 2:
        return json_response(404, {"status": "error", "message": ROOT_404, "payload": None})
    if parts[2:] == ["version"]:  # routes/api.php: {"version": config('version.app_version')}, any user
        return method_not_allowed() if method != "GET" else json_response(200, {"version": emu.version})
    if parts[2:] == ["users", "me"]:
        # any valid token may read its own user, whatever its permissions (users_me_no_permission.json)
        if method != "GET":
            return method_not_allowed()
        row = emu.engine.me(grant.user_id, emu.view(grant))
        return json_response(200, row) if row is not None else error_200(USER_NOT_FOUND)
    found = registry.resolve(parts[2:])
    if found is None:
        return json_response(404, {"status": "error", "message": FALLBACK_404, "payload": None})
    spec, param, item = found
    if method != "GET":
        return method_not_allowed()
    try:
        return _read(emu, spec, param, item, query, headers, grant)
    except ServerError:
        return Response(500, pretty_json({"message": "Server Error"}))


def _read(emu, spec, param, item, query, headers, grant):
    view = emu.view(grant)
    if param is not None:
        # LicenseSeatsController::index: License::find() (company-scoped) first, authorize('view', $license)
        # after, so a license the user cannot see is "does not exist" (200), not a 403
        lic = emu.engine.single("licenses", unquote(param), view)
        if lic is None:
            return error_200(spec.not_found)
        query = dict(query, **{SCOPE_KEY: str(lic["id"])})
    if not grant.may_list(spec.name, emu.version):
        return forbidden(headers)
    if item is None:
        text, n = emu.engine.list_page(spec.name, query, view)
        return Response(200, text, rows=n, ctype=UNESCAPED_UNICODE.get(spec.name, "application/json"))
    row = emu.engine.single(spec.name, unquote(item), view)
    return json_response(200, row) if row is not None else error_200(spec.not_found)


def serve_with_cost(emu, method, path, query, headers, entry=None):
    """handle_api() inside the real server's cost model: a worker (of ``workers``) is held for the request,
    which costs ``latency_fixed_seconds`` plus ``latency_per_row_seconds`` per row it returns (a v8.1.4 with 4
    PHP workers: about 0.06 s + 1.1 ms per asset row), the emulator's own time included. Requests beyond
    ``workers`` queue for a free one; the throttle is counted inside the worker, as Laravel's middleware is."""
    ledger = emu.ledger
    sem = ledger.slots
    if sem is not None:
        sem.acquire()
    started = time.monotonic()
    if entry is not None:
        entry["counted"] = time.time()  # a worker took it: the throttle counts it now
    ledger.enter()
    try:
        try:
            resp = handle_api(emu, method, path, query, headers)
        except Exception:  # pragma: no cover - defensive, mirrors Laravel's 500
            resp = Response(500, pretty_json({"message": "Server Error"}))
        cost = float(emu.settings.get("latency_fixed_seconds") or 0) + \
            resp.rows * float(emu.settings.get("latency_per_row_seconds") or 0)
        if cost > 0:
            ledger.charge(cost)
            time.sleep(max(0.0, cost - (time.monotonic() - started)))
            if resp.throttle_key is not None:  # read after the request's work, as Laravel does
                left = str(emu.throttle.remaining(resp.throttle_key))
                resp.headers = [(k, left if k == "X-RateLimit-Remaining" else v) for k, v in resp.headers]
        return resp
    finally:
        ledger.leave()
        if sem is not None:
            sem.release()
