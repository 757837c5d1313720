"""The HTTP layer: a stdlib ThreadingHTTPServer (HTTP/1.1 keep-alive) whose handler routes each request to the
control API, the login page or the /api pipeline (api.py) with the injected faults (faults.py) applied."""
from __future__ import annotations

import socket
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .api import Response, json_response, serve_with_cost
from .control import handle_control
from .faults import status_fault_body
from .render import laravel_json

# what Snipe-IT's middleware (NoSessionStore, SecurityHeaders, CORS) adds to every answer (every capture's headers)
SNIPEIT_HEADERS = (
    ("Cache-Control", "max-age=0, must-revalidate, no-cache, no-store, private"), ("Vary", "Origin"),
    ("Pragma", "no-cache"), ("Expires", "Sun, 02 Jan 1990 00:00:00 GMT"), ("X-Content-Type-Options", "nosniff"),
    ("X-XSS-Protection", "1; mode=block"),
    ("Feature-Policy", "accelerometer 'none';autoplay 'none';camera 'none';display-capture 'none';"
                       "document-domain 'none';encrypted-media 'none';fullscreen 'none';geolocation 'none';"
                       "sync-xhr 'none';usb 'none';xr-spatial-tracking 'none'"),
    ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"))
LOGIN_HTML = ("<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<title>Snipe-IT Asset Management :: Login</title>\n</head>\n<body class=\"login-page\">\n"
              "<form role=\"form\" method=\"POST\" action=\"/login\">\n"
              "<input type=\"hidden\" name=\"_token\" value=\"emulatorcsrftoken\">\n"
              "<input name=\"username\" type=\"text\"><input name=\"password\" type=\"password\">\n"
              "<button type=\"submit\">Login</button>\n</form>\n</body>\n</html>\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""
    emulator = None  # the Emulator this server belongs to (set on a subclass per emulator)

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
    def _send(self, resp, mode="normal", seconds=0.0, app=True):
        try:
            self.send_response(resp.status)
            for k, v in resp.headers:
                self.send_header(k, v)
            for k, v in SNIPEIT_HEADERS if app else ():
                self.send_header(k, v)
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
            self._send(handle_control(emu, method, path, query, body), app=False)
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
        emu.log_request(entry)
        try:
            self._serve_api(emu, method, path, query, entry)
        finally:
            if entry["finished"] is None:  # with "time": how many requests were served at once
                entry["finished"] = time.time()

    def _serve_api(self, emu, method, path, query, entry):
        rule = emu.fault_rules.match(path, query)
        action = rule.get("action") if rule else None
        entry["fault"] = action
        if action == "drop":
            self._kill()
            return
        immediate = _immediate_fault_response(rule)
        if immediate is not None:
            entry["status"] = immediate.status
            self._send(immediate)
            return
        delay = float(emu.settings.get("latency_seconds") or 0)
        if action == "latency":
            delay += float(rule.get("seconds", 1.0))
        if delay > 0:
            time.sleep(delay)
        headers = {k: v for k, v in self.headers.items()}
        resp = serve_with_cost(emu, method, path, query, _CaseInsensitive(headers), entry)
        entry["status"] = resp.status
        entry["remaining"] = next((v for k, v in resp.headers if k == "X-RateLimit-Remaining"), None)
        entry["rows"] = resp.rows  # what the cost model charged per row (benchmarks compute their floor from it)
        if action == "truncate":
            self._send(resp, mode="truncate")
            return
        if action == "stall":
            self._send(resp, mode="stall", seconds=float(rule.get("seconds", 5.0)))
            return
        # stamped before the answer leaves: a client that reads the request log once it has its answer finds it
        entry["finished"] = time.time()
        self._send(resp)
        if action == "mutate":
            m = rule.get("mutation") or {}
            try:
                emu.mutate(m["resource"], m["op"], ids=m.get("ids"), count=m.get("count"), fields=m.get("fields"))
            except Exception as exc:  # recorded for debugging
                entry["mutation_error"] = str(exc)


def _immediate_fault_response(rule):
    """The answer of a fault that replaces the server's (status, error200, html), or None."""
    action = rule.get("action") if rule else None
    if action == "status":
        code, body, ctype = status_fault_body(rule)
        resp = Response(code, laravel_json(body)) if isinstance(body, (dict, list)) else \
            Response(code, str(body), ctype=ctype)
        for k, v in (rule.get("headers") or {}).items():
            resp.headers.append((k, str(v)))
        return resp
    if action == "error200":
        return json_response(200, {"status": "error", "messages": rule.get("message", "An error occurred"),
                                   "payload": None})
    if action == "html":
        return Response(200, LOGIN_HTML, ctype="text/html; charset=UTF-8")
    return None


class _CaseInsensitive(dict):
    def __init__(self, d):
        super().__init__((k.lower(), v) for k, v in d.items())

    def get(self, k, default=None):
        return super().get(k.lower(), default)
