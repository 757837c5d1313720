"""The ``Emulator``: one running fake Snipe-IT instance (its settings, tokens, dataset and server thread) and its
Python control API."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timezone

from . import registry
from .api import Throttle
from .data import ALL_RESOURCES, RESOURCES, Dataset, custom_field_definitions, iso_to_ts
from .engine import Engine
from .faults import FaultRules
from .handler import Handler, Server
from .mutations import add_token_user
from .permissions import TokenGrant
from .render import (DATE_DISPLAY_FORMATS, DEFAULT_DATE_FORMAT, DEFAULT_TIME_FORMAT, DIGIT_SEPARATORS,
                     TIME_DISPLAY_FORMATS, View)

DEFAULT_TOKEN = ("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.snipeit-emulator-superuser-token."
                 "c2VjcmV0LW5vdC1yZWFsbHktYS1zZWNyZXQtanVzdC1hLXRlc3QtdG9rZW4")
VERSION = "v8.1.4"
VERSIONS = ("v8.1.4", "v7.1.17")  # the releases whose answers the emulator reproduces

CONFIG_KEYS = {"latency_seconds", "max_results", "rate_limit", "rate_window_seconds", "retry_after_mode",
               "shuffle_ties", "show_archived_in_list", "clock", "timezone", "number_format", "digit_separator",
               "custom_fields_empty_as_list", "eol_as_date_object", "date_display_format",
               "time_display_format", "seed", "row_cache_limit", "latency_fixed_seconds",
               "latency_per_row_seconds"}
RENDER_KEYS = {"timezone", "number_format", "digit_separator", "custom_fields_empty_as_list", "eol_as_date_object",
               "show_archived_in_list", "clock", "date_display_format", "time_display_format"}


class InstanceControls:
    """The Python control API of an Emulator (what /__emulator__/ offers over HTTP, control.py): truth, settings,
    the request log, faults, mutations, the clock and run-time configuration."""

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

    def requests(self):
        with self.lock:
            return [dict(e) for e in self._log]

    def clear_requests(self):
        with self.lock:
            self._log.clear()

    def log_request(self, entry):
        with self.lock:
            self._log.append(entry)

    def truth(self, resource, token=None):
        """The stored rows of ``resource`` (see README "Truth"); with ``token``: only those that token's user
        sees in its lists (its company's under full multiple companies support; none without the permission)."""
        if resource not in registry.TRUTH_NAMES:
            raise KeyError("unknown resource %r (known: %s)" % (resource, ", ".join(sorted(registry.TRUTH_NAMES))))
        if token is None:
            return self.ds.truth(resource)
        grant = self.grant(token)
        if grant is None:
            raise KeyError("unknown token")
        if not grant.may_list(registry.TRUTH_NAMES[resource].name, self.version):
            return []
        return self.ds.truth(resource, rows=self.engine.visible_ids(resource, self.view(grant)))

    def stored_settings(self):
        """The instance settings a connector must undo to get stored values back: display formats, time zone,
        digit separator (like _stored_values.json "settings" and "app_timezone"), plus version and company mode."""
        s = self.settings
        return {"date_display_format": s["date_display_format"], "time_display_format": s["time_display_format"],
                "app_timezone": s["timezone"], "number_format": s["digit_separator"],
                "digit_separator": s["digit_separator"], "version": s["version"],
                "full_multiple_companies_support": s["full_multiple_companies_support"]}

    def custom_fields(self):
        """The custom-field definitions as stored: db_column, name, format, element, field_values, encrypted."""
        return custom_field_definitions()

    def add_fault(self, rule=None, **kw):
        self.fault_rules.add(dict(rule or {}, **kw))

    def clear_faults(self):
        self.fault_rules.clear()

    def faults(self):
        return self.fault_rules.listing()

    def mutate(self, resource, op, ids=None, count=None, fields=None):
        with self.engine.lock:
            out = self.ds.mutate(resource, op, ids=ids, count=count, fields=fields, now=self.engine.now_ts())
            self.engine.invalidate_rows(resource, out)
            return out

    def set_clock(self, dt):
        """Fix 'now' (datetime, ISO string or epoch); None = real time."""
        self.configure(clock=dt)

    def configure(self, **kw):
        """Change settings at run time (the keys of CONFIG_KEYS, as POST /__emulator__/config)."""
        with self.engine.lock:
            changed = apply_config(self.settings, kw)
            if changed & RENDER_KEYS:
                self.engine.invalidate_all()
        if changed & {"rate_limit", "rate_window_seconds"}:
            self.throttle.reset()

    def config(self):
        d = dict(self.settings)
        if d.get("clock") is not None:
            d["clock"] = datetime.fromtimestamp(d["clock"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return d


class Emulator(InstanceControls):
    """A running fake Snipe-IT instance (v8.1.4, or v7.1.17 with ``version="v7.1.17"``). See README.md."""

    def __init__(self, dataset=None, tokens=None, host="127.0.0.1", port=0, max_results=500, rate_limit=120,
                 rate_window_seconds=60, retry_after_mode=False, timezone="UTC", digit_separator=None,
                 number_format=None, shuffle_ties=True, show_archived_in_list=False, latency_seconds=0,
                 custom_fields_empty_as_list=False, eol_as_date_object=False, seed=1, row_cache_limit=300000,
                 date_format=DEFAULT_DATE_FORMAT, time_format=DEFAULT_TIME_FORMAT, latency_fixed_seconds=0.0,
                 latency_per_row_seconds=0.0, workers=0, version=VERSION, full_multiple_companies_support=False,
                 scope_locations_fmcs=False):
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the emulator only binds 127.0.0.1")
        separator = _check_settings(date_format, time_format, digit_separator or number_format or "1,234.56",
                                    version, workers)
        self.ds = dataset if dataset is not None else Dataset.generate()
        self.ledger = WorkerLedger(int(workers))
        self.host = "127.0.0.1"
        self.port = port
        self.settings = dict(
            max_results=max_results, rate_limit=rate_limit, rate_window_seconds=rate_window_seconds,
            retry_after_mode=retry_after_mode, timezone=timezone, digit_separator=separator, number_format=separator,
            shuffle_ties=shuffle_ties, show_archived_in_list=show_archived_in_list, latency_seconds=latency_seconds,
            clock=None, seed=seed, custom_fields_empty_as_list=custom_fields_empty_as_list,
            eol_as_date_object=eol_as_date_object, date_display_format=date_format, time_display_format=time_format,
            row_cache_limit=row_cache_limit, latency_fixed_seconds=float(latency_fixed_seconds),
            latency_per_row_seconds=float(latency_per_row_seconds), version=version,
            full_multiple_companies_support=bool(full_multiple_companies_support),
            # Settings -> scope locations by company (v8 only): off by default, as on the fmcs-mdY instance
            scope_locations_fmcs=bool(scope_locations_fmcs) and not version.startswith("v7"))
        self.engine = Engine(self.ds, self.settings)
        self.lock = threading.RLock()
        self.throttle = Throttle(self.settings)
        self.fault_rules = FaultRules()
        self._log = []
        self._server = None
        self._thread = None
        self.token_book = TokenBook(self.ds, tokens if tokens is not None else {DEFAULT_TOKEN: "all"},
                                    self.settings)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def version(self):
        return self.settings["version"]

    def start(self):
        handler = type("EmulatorHandler", (Handler,), {"emulator": self})
        self._server = Server((self.host, self.port), handler)
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

    # -- tokens ------------------------------------------------------------------------------
    def grant(self, token):
        """The TokenGrant of a known token (also one added to ``emu.tokens`` after start), or None."""
        return self.token_book.grant(token)

    def view(self, grant):
        """How ``grant``'s user sees the rows (see engine.py)."""
        return self.token_book.view(grant)

    def token_user(self, token):
        """The id of the user a token authenticates as."""
        return self.grant(token).user_id

    # -- the cost model (api.serve_with_cost) --------------------------------------------------
    @property
    def workers(self):
        return self.ledger.workers

    @property
    def peak_in_flight(self):
        """Most requests ever served at once (never above ``workers`` when set)."""
        return self.ledger.peak_in_flight

    @property
    def server_seconds(self):
        """Total modelled server time charged so far."""
        return self.ledger.server_seconds


class TokenBook:
    """The instance's tokens: each spec parsed once into its TokenGrant, its user made a row where the spec
    describes one (mutations.add_token_user)."""

    def __init__(self, ds, tokens, settings):
        self.ds = ds
        self.settings = settings
        self.tokens = dict(tokens)
        self._grants = {}
        for token in self.tokens:
            self.grant(token)

    def grant(self, token):
        grant = self._grants.get(token)
        if grant is None and token in self.tokens:
            grant = TokenGrant.parse(token, self.tokens[token])
            if grant.user_id is None or grant.sets_company or grant.username:
                grant = add_token_user(self.ds, grant, token)
            else:  # the company it is scoped to is its user's
                user = self.ds.tables["users"].get(grant.user_id)
                grant = replace(grant, company_id=user.company_id if user is not None else None)
            self._grants[token] = grant
        return grant

    def view(self, grant):
        if grant is None or grant.superuser:
            return View()
        return View(grant, scoped=bool(self.settings["full_multiple_companies_support"]))


class WorkerLedger:
    """A real server with N PHP workers serves N requests at once (the others wait for a free worker): the
    slots, and what was served at once and charged."""

    def __init__(self, workers):
        self.workers = workers
        self.slots = threading.BoundedSemaphore(workers) if workers else None
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak_in_flight = 0
        self.server_seconds = 0.0

    def enter(self):
        with self._lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def leave(self):
        with self._lock:
            self._in_flight -= 1

    def charge(self, seconds):
        with self._lock:
            self.server_seconds += seconds


def apply_config(settings, kw):
    """Validate and apply run-time settings; returns the names of those set."""
    unknown = set(kw) - CONFIG_KEYS
    if unknown:
        raise KeyError("unknown config keys: %s" % sorted(unknown))
    kw = dict(kw)
    separator = kw.pop("digit_separator", kw.pop("number_format", settings["digit_separator"]))
    _check_settings(kw.get("date_display_format", settings["date_display_format"]),
                    kw.get("time_display_format", settings["time_display_format"]), separator,
                    settings["version"], 0)
    kw["digit_separator"] = kw["number_format"] = separator
    for k, v in kw.items():
        settings[k] = _clock(v) if k == "clock" else v
    return set(kw)


def _clock(v):
    if isinstance(v, datetime):
        return int((v if v.tzinfo else v.replace(tzinfo=timezone.utc)).timestamp())
    return iso_to_ts(v)


def _check_settings(date_format, time_format, digit_separator, version, workers):
    """The settings value that must be one of Snipe-IT's choices; returns the digit separator."""
    if date_format not in DATE_DISPLAY_FORMATS:
        raise ValueError("date_format %r is not one of Snipe-IT's display formats %s"
                         % (date_format, ", ".join(DATE_DISPLAY_FORMATS)))
    if time_format not in TIME_DISPLAY_FORMATS:
        raise ValueError("time_format %r is not one of Snipe-IT's time formats %s"
                         % (time_format, ", ".join(TIME_DISPLAY_FORMATS)))
    if digit_separator not in DIGIT_SEPARATORS:
        raise ValueError("digit_separator %r is not one of Snipe-IT's %s" % (digit_separator, DIGIT_SEPARATORS))
    if not str(version).startswith(("v7.", "v8.")):
        raise ValueError("version %r: the emulator reproduces %s" % (version, " and ".join(VERSIONS)))
    if workers is None or int(workers) < 0:
        raise ValueError("workers must be 0 (no limit) or a positive number, not %r" % (workers,))
    return digit_separator


__all__ = ["Emulator", "DEFAULT_TOKEN", "VERSION", "VERSIONS", "ALL_RESOURCES"]
