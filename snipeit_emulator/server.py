"""HTTP layer (stdlib ThreadingHTTPServer) + the ``Emulator`` Python API."""
from __future__ import annotations

import json
import math
import socket
import threading
import time
from datetime import datetime, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qsl, unquote

from .data import Dataset, RESOURCES, custom_field_definitions, iso_to_ts
from . import extra
from . import registry
from .engine import Engine, SCOPE_KEY, ServerError
from .render import (DATE_DISPLAY_FORMATS, DEFAULT_DATE_FORMAT, DEFAULT_TIME_FORMAT, TIME_DISPLAY_FORMATS,
                     laravel_json, pretty_json)

DEFAULT_TOKEN = ("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.snipeit-emulator-superuser-token."
                 "c2VjcmV0LW5vdC1yZWFsbHktYS1zZWNyZXQtanVzdC1hLXRlc3QtdG9rZW4")
VERSION = "v8.1.4"

NOT_FOUND_MESSAGES = {
    "hardware": "Asset does not exist.",
    "users": "User does not exist or you do not have permission view them.",
    "companies": "Company not found",
    "locations": "Location not found",
    "categories": "Category not found",
    "manufacturers": "Manufacturer not found",
    "suppliers": "Supplier not found",
    "models": "AssetModel not found",
    "statuslabels": "Statuslabel not found",
    "departments": "Department not found",
}
FALLBACK_404 = ("404 endpoint not found. Please check the API reference at https://snipe-it.readme.io/reference "
                "to find a valid API endpoint.")
ROOT_404 = ("404 endpoint not found. This is the root of the API. Please check the API reference at "
            "https://snipe-it.readme.io/reference to find a valid API endpoint.")
LOGIN_HTML = ("<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<title>Snipe-IT Asset Management :: Login</title>\n</head>\n<body class=\"login-page\">\n"
              "<form role=\"form\" method=\"POST\" action=\"/login\">\n"
              "<input type=\"hidden\" name=\"_token\" value=\"emulatorcsrftoken\">\n"
              "<input name=\"username\" type=\"text\"><input name=\"password\" type=\"password\">\n"
              "<button type=\"submit\">Login</button>\n</form>\n</body>\n</html>\n")
HTML_403 = "<!DOCTYPE html>\n<html><head><title>Forbidden</title></head><body>403 | This action is unauthorized.</body></html>\n"

CONFIG_KEYS = {"latency_seconds", "max_results", "rate_limit", "rate_window_seconds", "retry_after_mode",
               "shuffle_ties", "show_archived_in_list", "clock", "timezone", "number_format",
               "custom_fields_empty_as_list", "eol_as_date_object", "date_display_format",
               "time_display_format", "seed", "row_cache_limit", "latency_fixed_seconds",
               "latency_per_row_seconds"}
RENDER_KEYS = {"timezone", "number_format", "custom_fields_empty_as_list", "eol_as_date_object",
               "show_archived_in_list", "clock", "date_display_format", "time_display_format"}


def _expects_json(headers):
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


class Emulator:
    """A running fake Snipe-IT v8.1.4 instance."""

    def __init__(self, dataset=None, tokens=None, host="127.0.0.1", port=0, max_results=500, rate_limit=120,
                 rate_window_seconds=60, retry_after_mode=False, timezone="UTC", number_format="1,234.56",
                 shuffle_ties=True, show_archived_in_list=False, latency_seconds=0,
                 custom_fields_empty_as_list=False, eol_as_date_object=False, seed=1, row_cache_limit=300000,
                 date_format=DEFAULT_DATE_FORMAT, time_format=DEFAULT_TIME_FORMAT, latency_fixed_seconds=0.0,
                 latency_per_row_seconds=0.0, workers=0):
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the emulator only binds 127.0.0.1")
        _check_formats(date_format, time_format)
        if workers is None or int(workers) < 0:
            raise ValueError("workers must be 0 (no limit) or a positive number, not %r" % (workers,))
        self.ds = dataset if dataset is not None else Dataset.generate()
        self.tokens = dict(tokens) if tokens is not None else {DEFAULT_TOKEN: "all"}
        self._grants = {t: TokenGrant.parse(t, spec) for t, spec in self.tokens.items()}
        # a real server with N PHP workers serves N requests at once; the others wait for a free worker
        self.workers = int(workers)
        self._workers = threading.BoundedSemaphore(self.workers) if self.workers else None
        self._in_flight = 0
        self.peak_in_flight = 0  # most requests ever served at once (never above ``workers`` when set)
        self.server_seconds = 0.0  # total modelled server time charged so far (the cost model's ledger)
        self.host = "127.0.0.1"
        self.port = port
        self.settings = {
            "max_results": max_results, "rate_limit": rate_limit, "rate_window_seconds": rate_window_seconds,
            "retry_after_mode": retry_after_mode, "timezone": timezone, "number_format": number_format,
            "shuffle_ties": shuffle_ties, "show_archived_in_list": show_archived_in_list,
            "latency_seconds": latency_seconds, "clock": None, "seed": seed,
            "custom_fields_empty_as_list": custom_fields_empty_as_list,
            "eol_as_date_object": eol_as_date_object,
            "date_display_format": date_format, "time_display_format": time_format,
            "row_cache_limit": row_cache_limit, "latency_fixed_seconds": float(latency_fixed_seconds),
            "latency_per_row_seconds": float(latency_per_row_seconds),
        }
        extra.ensure(self.ds)  # the later resources' tables exist before the engine sizes its caches
        self.engine = Engine(self.ds, self.settings)
        self.lock = threading.RLock()
        self._log = []
        self._faults = []
        self._throttle = {}
        self._server = None
        self._thread = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def start(self):
        emu = self

        class Handler(_Handler):
            emulator = emu
        self._server = _Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="snipeit-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def warm(self, resources=None):
        """Pre-render every row's JSON into the cache (optional; speeds up the first full scan)."""
        eng = self.engine
        with eng.lock:
            eng._check()
            ctx = eng.ctx()
            for res in resources or RESOURCES:
                for rid in list(self.ds.tables[res]):
                    eng._render_json(res, rid, ctx)
        return self

    # -- control API ------------------------------------------------------------------------
    def requests(self):
        with self.lock:
            return [dict(e) for e in self._log]

    def clear_requests(self):
        with self.lock:
            self._log.clear()

    def truth(self, resource):
        if resource not in registry.TRUTH_NAMES:
            raise KeyError("unknown resource %r (known: %s)" % (resource, ", ".join(sorted(registry.TRUTH_NAMES))))
        if resource not in RESOURCES:
            with self.engine.lock:
                return extra.truth(self.ds, resource)
        with self.engine.lock:
            return self.ds.truth(resource)

    def stored_settings(self):
        """The instance settings a connector must undo to get stored values back: display formats, time zone,
        number format (like _stored_values.json "settings" and "app_timezone")."""
        return {"date_display_format": self.settings["date_display_format"],
                "time_display_format": self.settings["time_display_format"],
                "app_timezone": self.settings["timezone"], "number_format": self.settings["number_format"]}

    def custom_fields(self):
        """The custom-field definitions as stored: db_column, name, format, element, field_values, encrypted."""
        return custom_field_definitions()

    def add_fault(self, rule=None, **kw):
        rule = dict(rule or {}, **kw)
        if rule.get("action") not in ("status", "drop", "truncate", "stall", "error200", "html", "latency",
                                      "mutate"):
            raise ValueError("unknown fault action %r" % rule.get("action"))
        with self.lock:
            self._faults.append({"rule": rule, "seen": 0, "applied": 0})

    def clear_faults(self):
        with self.lock:
            self._faults.clear()

    def faults(self):
        with self.lock:
            return [dict(f["rule"], _seen=f["seen"], _applied=f["applied"]) for f in self._faults]

    def mutate(self, resource, op, ids=None, count=None, fields=None):
        with self.engine.lock:
            now = self.engine.now_ts()
            out = self.ds.mutate(resource, op, ids=ids, count=count, fields=fields, now=now)
            extra.log_mutation(self.ds, resource, op, out, now)
            self.engine.invalidate_rows(resource, out)
            return out

    def set_clock(self, dt):
        """Fix 'now' (datetime, ISO string or epoch); None = real time."""
        self.configure(clock=dt)

    def configure(self, **kw):
        unknown = set(kw) - CONFIG_KEYS
        if unknown:
            raise KeyError("unknown config keys: %s" % sorted(unknown))
        _check_formats(kw.get("date_display_format", self.settings["date_display_format"]),
                       kw.get("time_display_format", self.settings["time_display_format"]))
        with self.engine.lock:
            for k, v in kw.items():
                if k == "clock":
                    if isinstance(v, datetime):
                        if v.tzinfo is None:
                            v = v.replace(tzinfo=timezone.utc)
                        v = int(v.timestamp())
                    else:
                        v = iso_to_ts(v)
                self.settings[k] = v
            if set(kw) & RENDER_KEYS:
                self.engine.invalidate_all()
        if "rate_limit" in kw or "rate_window_seconds" in kw:
            with self.lock:
                self._throttle.clear()

    def config(self):
        d = dict(self.settings)
        if d.get("clock") is not None:
            d["clock"] = datetime.fromtimestamp(d["clock"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return d

    # -- internals ------------------------------------------------------------------------------
    def _match_fault(self, path, query):
        with self.lock:
            for f in self._faults:
                r = f["rule"]
                if r.get("path") and not path.startswith(r["path"]):
                    continue
                rq = r.get("query") or {}
                if any(query.get(k) != str(v) for k, v in rq.items()):
                    continue
                if r.get("times") is not None and f["applied"] >= int(r["times"]):
                    continue
                f["seen"] += 1
                if r.get("nth") is not None and f["seen"] != int(r["nth"]):
                    continue
                f["applied"] += 1
                return r
        return None

    def _throttle_hit(self, key):
        """Returns (allowed, limit, remaining, retry_after). ``key`` is the token's user: Laravel's api throttle
        counts per user id, so two tokens (or connections, or processes) of one user share one window."""
        limit = int(self.settings["rate_limit"])
        window = float(self.settings["rate_window_seconds"])
        now = time.monotonic()
        with self.lock:
            st = self._throttle.get(key)
            if st is None or now - st[0] >= window:
                st = self._throttle[key] = [now, 0]
            retry = max(1, int(math.ceil(st[0] + window - now)))
            if st[1] >= limit:
                return False, limit, 0, retry
            st[1] += 1
            return True, limit, limit - st[1], retry

    def _throttle_remaining(self, key):
        """What ``X-RateLimit-Remaining`` says once the request has been served: Laravel's ThrottleRequests hits
        before ``$next($request)`` and reads ``retriesLeft()`` after it, so the header counts every request of
        that user hit while this one was being served (and a window that expired meanwhile counts none)."""
        limit = int(self.settings["rate_limit"])
        window = float(self.settings["rate_window_seconds"])
        with self.lock:
            st = self._throttle.get(key)
            if st is None or time.monotonic() - st[0] >= window:
                return limit
            return max(0, limit - st[1])

    def handle_api(self, method, path, query, headers):
        """Full API pipeline (auth -> throttle -> route). Returns a Response."""
        if not (path == "/api/v1" or path.startswith("/api/v1/")):
            # no route matched -> no auth middleware ran; Snipe's handler renders a JSON 404
            return json_response(404, {"status": "error", "messages": "404 endpoint not found", "payload": None})
        auth = headers.get("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        if token is None or token not in self.tokens:
            if _expects_json(headers):
                return json_response(401, {"error": "Unauthorized or unauthenticated."})
            loc = self.url + "/login"
            body = ('<!DOCTYPE html>\n<html>\n    <head>\n        <meta charset="UTF-8" />\n'
                    '        <meta http-equiv="refresh" content="0;url=\'%s\'" />\n\n'
                    '        <title>Redirecting to %s</title>\n    </head>\n    <body>\n'
                    '        Redirecting to <a href="%s">%s</a>.\n    </body>\n</html>' % (loc, loc, loc, loc))
            return Response(302, body, [("Location", loc)], ctype="text/html; charset=utf-8")
        grant = self._grants.get(token)
        if grant is None:  # a token added to emu.tokens after start
            grant = self._grants[token] = TokenGrant.parse(token, self.tokens[token])
        ok, limit, remaining, retry = self._throttle_hit(grant.user_id)
        if not ok:
            if self.settings.get("retry_after_mode"):
                body = {"status": "error", "messages": "Too many requests. Try again in %d seconds" % retry,
                        "payload": {"requests_per_minute": limit, "retry-after": retry}}
                return json_response(429, body, [("Retry-After", str(retry)), ("X-RateLimit-Limit", str(limit)),
                                                 ("X-RateLimit-Remaining", "0")])
            return json_response(429, {"status": "error", "messages": "Too many requests", "payload": None})
        resp = self._route(method, path, query, headers, grant)
        resp.throttle_key = grant.user_id
        resp.headers.append(("X-RateLimit-Limit", str(limit)))
        resp.headers.append(("X-RateLimit-Remaining", str(self._throttle_remaining(grant.user_id))))
        return resp

    def _route(self, method, path, query, headers, grant):
        parts = [p for p in path.split("/") if p != ""]
        # parts[0] == "api"
        if len(parts) < 2 or parts[1] != "v1":
            return json_response(404, {"status": "error", "messages": "404 endpoint not found", "payload": None})
        if len(parts) == 2:
            return json_response(404, {"status": "error", "message": ROOT_404, "payload": None})
        res = parts[2]
        if res == "version" and len(parts) == 3:
            if method != "GET":
                return json_response(405, {"status": "error", "messages": "Method not allowed", "payload": None})
            return json_response(200, {"version": VERSION})
        if parts[2:] == ["users", "me"]:
            # any valid token may read its own user, whatever its permissions (users_me_no_permission.json)
            if method != "GET":
                return json_response(405, {"status": "error", "messages": "Method not allowed", "payload": None})
            row = self.engine.me(grant.user_id)
            if row is None:
                return json_response(200, {"status": "error", "messages": NOT_FOUND_MESSAGES["users"],
                                           "payload": None})
            return json_response(200, row)
        found = registry.resolve(parts[2:])
        if found is None:
            return json_response(404, {"status": "error", "message": FALLBACK_404, "payload": None})
        spec, param, item = found
        if method != "GET":
            return json_response(405, {"status": "error", "messages": "Method not allowed", "payload": None})
        if not grant.allows(spec.permission):
            return _forbidden(headers)
        res = spec.name
        try:
            if param is not None:  # /licenses/{id}/seats: the license must exist and not be deleted
                lic = self.engine.single("licenses", unquote(param))
                if lic is None:
                    return json_response(200, {"status": "error", "messages": spec.not_found, "payload": None})
                query = dict(query, **{SCOPE_KEY: str(lic["id"])})
            if item is None:
                text, n = self.engine.list_page(res, query, decrypt=grant.superuser)
                return Response(200, text, rows=n)
            row = self.engine.single(res, unquote(item), decrypt=grant.superuser)
            if row is None:
                return json_response(200, {"status": "error", "messages": spec.not_found, "payload": None})
            return json_response(200, row)
        except ServerError:
            return Response(500, pretty_json({"message": "Server Error"}))

    def serve_with_cost(self, method, path, query, headers, entry=None):
        """handle_api() inside the real server's cost model: a worker (of ``workers``) is held for the request,
        which costs ``latency_fixed_seconds`` plus ``latency_per_row_seconds`` per row it returns (a v8.1.4 with 4
        PHP workers: about 0.06 s + 1.1 ms per asset row), the emulator's own time included. Requests beyond
        ``workers`` queue for a free one; the throttle is counted inside the worker, as Laravel's middleware is."""
        sem = self._workers
        if sem is not None:
            sem.acquire()
        started = time.monotonic()
        if entry is not None:
            entry["counted"] = time.time()  # a worker took it: the throttle counts it now
        with self.lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            try:
                resp = self.handle_api(method, path, query, headers)
            except Exception:  # pragma: no cover - defensive, mirrors Laravel's 500
                resp = Response(500, pretty_json({"message": "Server Error"}))
            cost = float(self.settings.get("latency_fixed_seconds") or 0) + \
                resp.rows * float(self.settings.get("latency_per_row_seconds") or 0)
            if cost > 0:
                with self.lock:
                    self.server_seconds += cost
                time.sleep(max(0.0, cost - (time.monotonic() - started)))
                if resp.throttle_key is not None:  # read after the request's work, as Laravel does
                    left = str(self._throttle_remaining(resp.throttle_key))
                    resp.headers = [(k, left if k == "X-RateLimit-Remaining" else v) for k, v in resp.headers]
            return resp
        finally:
            with self.lock:
                self._in_flight -= 1
            if sem is not None:
                sem.release()

    def handle_control(self, method, path, query, body):
        sub = path[len("/__emulator__/"):].strip("/")
        try:
            data = json.loads(body) if body else None
        except ValueError:
            return Response(400, json.dumps({"error": "invalid JSON body"}))

        def ok(obj, status=200):
            return Response(status, json.dumps(obj))
        try:
            if sub.startswith("truth/") and method == "GET":
                res = sub[len("truth/"):]
                if res not in registry.TRUTH_NAMES:
                    return ok({"error": "unknown resource %s" % res}, 404)
                return ok(self.truth(res))
            if sub == "settings" and method == "GET":
                return ok(self.stored_settings())
            if sub == "custom_fields" and method == "GET":
                return ok(self.custom_fields())
            if sub == "requests":
                if method == "GET":
                    return ok(self.requests())
                if method == "DELETE":
                    self.clear_requests()
                    return ok({"cleared": True})
            if sub == "faults":
                if method == "GET":
                    return ok(self.faults())
                if method == "POST":
                    rules = data if isinstance(data, list) else [data]
                    for r in rules:
                        self.add_fault(r)
                    return ok({"added": len(rules), "faults": self.faults()})
                if method == "DELETE":
                    self.clear_faults()
                    return ok({"cleared": True})
            if sub == "mutate" and method == "POST":
                ids = self.mutate(data["resource"], data["op"], ids=data.get("ids"), count=data.get("count"),
                                  fields=data.get("fields"))
                return ok({"ids": ids})
            if sub == "config":
                if method == "POST":
                    self.configure(**(data or {}))
                return ok(self.config())
        except (KeyError, ValueError, TypeError) as exc:
            return ok({"error": str(exc)}, 400)
        return ok({"error": "unknown control endpoint"}, 404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    emulator: Emulator = None

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):  # quiet
        pass

    def version_string(self):
        return "Apache"

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_HEAD(self):
        self._handle("HEAD")

    def date_time_string(self, timestamp=None):
        # send_response's Date header follows the same clock as the rows' timestamps (a clock override moves
        # both, as on a real server, where PHP stamps updated_at and the web server the Date header)
        return formatdate(self.emulator.engine.now_ts() if timestamp is None else timestamp, usegmt=True)

    # -- writing --------------------------------------------------------------------------
    def _send(self, resp, mode="normal", seconds=0.0):
        try:
            self.send_response(resp.status)
            for k, v in resp.headers:
                self.send_header(k, v)
            if resp.status != 302 and resp.headers and resp.headers[0][1].startswith("application/json"):
                self.send_header("Cache-Control", "no-cache, private")
            self.send_header("Content-Length", str(len(resp.body)))
            if mode != "normal":
                self.send_header("Connection", "close")
            body = resp.body if self.command != "HEAD" else b""
            if mode == "normal":
                # one write for headers + body (avoids Nagle/delayed-ACK stalls)
                self._headers_buffer.append(b"\r\n")
                self._headers_buffer.append(body)
                self.flush_headers()
                return
            self.end_headers()
            half = body[: len(body) // 2]
            self.wfile.write(half)
            self.wfile.flush()
            if mode == "stall":
                time.sleep(float(seconds))
            self._kill()
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            self.close_connection = True

    def _kill(self):
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- dispatch -------------------------------------------------------------------------
    def _handle(self, method):
        emu = self.emulator
        parts = urlsplit(self.path)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        if path.startswith("/__emulator__/"):
            self._send(emu.handle_control(method, path, query, body))
            return
        if path in ("/login", "/login/"):
            self._send(Response(200, LOGIN_HTML, ctype="text/html; charset=UTF-8"))
            return
        if not (path == "/api" or path.startswith("/api/")):
            self._send(Response(404, "<!DOCTYPE html><html><body>404 | Not Found</body></html>",
                                ctype="text/html; charset=UTF-8"))
            return
        entry = {"method": method, "path": path, "query": query, "status": None, "time": time.time(),
                 "finished": None, "fault": None}
        with emu.lock:
            emu._log.append(entry)
        try:
            self._serve_api(emu, method, path, query, entry)
        finally:
            entry["finished"] = time.time()  # with "time": how many requests were served at once

    def _serve_api(self, emu, method, path, query, entry):
        rule = emu._match_fault(path, query)
        action = rule.get("action") if rule else None
        entry["fault"] = action
        if action == "drop":
            self._kill()
            return
        if action == "status":
            code = int(rule.get("status", 500))
            b = rule.get("body")
            if b is None:
                if code == 429:
                    b = {"status": "error", "messages": "Too many requests", "payload": None}
                elif code >= 500:
                    b = {"message": "Server Error"}
                else:
                    b = {"status": "error", "messages": code, "payload": None}
            if isinstance(b, (dict, list)):
                resp = Response(code, laravel_json(b))
            else:
                resp = Response(code, str(b), ctype=rule.get("content_type", "text/html; charset=UTF-8"))
            for k, v in (rule.get("headers") or {}).items():
                resp.headers.append((k, str(v)))
            entry["status"] = code
            self._send(resp)
            return
        if action == "error200":
            entry["status"] = 200
            self._send(json_response(200, {"status": "error", "messages": rule.get("message", "An error occurred"),
                                           "payload": None}))
            return
        if action == "html":
            entry["status"] = 200
            self._send(Response(200, LOGIN_HTML, ctype="text/html; charset=UTF-8"))
            return
        delay = float(emu.settings.get("latency_seconds") or 0)
        if action == "latency":
            delay += float(rule.get("seconds", 1.0))
        if delay > 0:
            time.sleep(delay)
        headers = {k: v for k, v in self.headers.items()}
        resp = emu.serve_with_cost(method, path, query, _CaseInsensitive(headers), entry)
        entry["status"] = resp.status
        entry["remaining"] = next((v for k, v in resp.headers if k == "X-RateLimit-Remaining"), None)
        entry["rows"] = resp.rows  # what the cost model charged per row (benchmarks compute their floor from it)
        if action == "truncate":
            self._send(resp, mode="truncate")
            return
        if action == "stall":
            self._send(resp, mode="stall", seconds=float(rule.get("seconds", 5.0)))
            return
        self._send(resp)
        if action == "mutate":
            m = rule.get("mutation") or {}
            try:
                emu.mutate(m["resource"], m["op"], ids=m.get("ids"), count=m.get("count"), fields=m.get("fields"))
            except Exception as exc:  # recorded for debugging
                entry["mutation_error"] = str(exc)


class _CaseInsensitive(dict):
    def __init__(self, d):
        super().__init__((k.lower(), v) for k, v in d.items())

    def get(self, k, default=None):
        return super().get(k.lower(), default)


def _forbidden(headers):
    if _expects_json(headers):
        return Response(403, pretty_json({"message": "This action is unauthorized."}))
    return Response(403, HTML_403, ctype="text/html; charset=utf-8")


def _check_formats(date_format, time_format):
    if date_format not in DATE_DISPLAY_FORMATS:
        raise ValueError("date_format %r is not one of Snipe-IT's display formats %s"
                         % (date_format, ", ".join(DATE_DISPLAY_FORMATS)))
    if time_format not in TIME_DISPLAY_FORMATS:
        raise ValueError("time_format %r is not one of Snipe-IT's time formats %s"
                         % (time_format, ", ".join(TIME_DISPLAY_FORMATS)))


class TokenGrant:
    """What one bearer token may do, as a Snipe-IT user's permissions decide it.

    Token specs (``Emulator(tokens={token: spec})``):
    ``"all"`` a superuser (reads everything, sees encrypted custom fields decrypted);
    ``"none"`` a user without any permission (only ``/users/me`` and ``/version`` answer, the rest is 403);
    a list of resources: only those; ``{"exclude": [...]}`` everything but those; ``{"only": [...]}``;
    dicts may add ``"user_id"`` (default 1; the throttle window is per user) and ``"superuser"``
    (default: true only when nothing is excluded). Resource names are the API paths (``hardware``, ``groups``,
    ``activity``, ``licenses`` also for license seats).
    """

    __slots__ = ("user_id", "only", "exclude", "superuser")

    def __init__(self, user_id=1, only=None, exclude=(), superuser=None):
        self.user_id = int(user_id)
        self.only = None if only is None else frozenset(only)
        self.exclude = frozenset(exclude)
        self.superuser = bool(superuser) if superuser is not None else (self.only is None and not self.exclude)

    @classmethod
    def parse(cls, token, spec):
        if spec == "all":
            return cls()
        if spec == "none":
            return cls(only=())
        if isinstance(spec, (list, tuple, set, frozenset)):
            return cls(only=spec)
        if isinstance(spec, dict):
            unknown = set(spec) - {"only", "exclude", "user_id", "superuser"}
            if unknown:
                raise ValueError("token spec keys must be only/exclude/user_id/superuser, got %s" % sorted(unknown))
            return cls(user_id=spec.get("user_id", 1), only=spec.get("only"), exclude=spec.get("exclude", ()),
                       superuser=spec.get("superuser"))
        raise ValueError('a token spec is "all", "none", a list of resources or a dict, not %r' % (spec,))

    def allows(self, resource):
        if resource in self.exclude:
            return False
        return self.only is None or resource in self.only
