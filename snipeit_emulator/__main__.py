"""CLI: python -m snipeit_emulator [options]"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from .data import DEFAULT_SIZES as ALL_SIZES, RESOURCES, Dataset
from .render import (DATE_DISPLAY_FORMATS, DEFAULT_DATE_FORMAT, DEFAULT_TIME_FORMAT, DIGIT_SEPARATORS,
                     TIME_DISPLAY_FORMATS)
from .server import DEFAULT_TOKEN, VERSION, VERSIONS, Emulator

# the sizes of the ten core tables, and of the later ones (--activity 100000 makes a long action log)
DEFAULT_SIZES = {k: v for k, v in ALL_SIZES.items() if k in RESOURCES}
EXTRA_DEFAULTS = {k: v for k, v in ALL_SIZES.items() if k not in RESOURCES}


def parser():
    p = argparse.ArgumentParser(prog="python -m snipeit_emulator", description="Snipe-IT API emulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token", action="append", help="bearer token with full access (repeatable); "
                   "default: the built-in DEFAULT_TOKEN")
    p.add_argument("--seed", type=int, default=1)
    for res, n in ALL_SIZES.items():
        p.add_argument("--" + res, type=int, default=n, metavar="N")
    p.add_argument("--max-results", type=int, default=500)
    p.add_argument("--rate-limit", type=int, default=120)
    p.add_argument("--rate-window", type=float, default=60)
    p.add_argument("--retry-after-mode", action="store_true")
    p.add_argument("--timezone", default="UTC")
    p.add_argument("--digit-separator", "--number-format", dest="digit_separator", default="1,234.56",
                   choices=DIGIT_SEPARATORS, help="Settings -> digit separator of every money column")
    p.add_argument("--snipeit-version", default=VERSION, choices=VERSIONS, help="whose answers to reproduce")
    p.add_argument("--full-multiple-companies-support", action="store_true",
                   help="scope the companyable lists of every user who is not a superuser to its company")
    p.add_argument("--latency", type=float, default=0)
    p.add_argument("--no-shuffle-ties", action="store_true")
    p.add_argument("--show-archived-in-list", action="store_true")
    p.add_argument("--warm", action="store_true", help="pre-render all rows before announcing readiness")
    p.add_argument("--date-format", default=DEFAULT_DATE_FORMAT, choices=DATE_DISPLAY_FORMATS,
                   help="the instance's date display format (default %(default)s, like the real demo)")
    p.add_argument("--time-format", default=DEFAULT_TIME_FORMAT, choices=TIME_DISPLAY_FORMATS)
    p.add_argument("--restricted-token", action="append", default=[], metavar="TOKEN:RES[,RES...]",
                   help="a token of a non-superuser with the view permission of every resource but these (403 "
                        "there; /users/me still answers); 'TOKEN:' with nothing after the colon: no permission")
    p.add_argument("--company-token", action="append", default=[], metavar="TOKEN:COMPANY:PERM[,PERM...]",
                   help="a token of a non-superuser of company COMPANY with these permissions (e.g. "
                        "T:2:assets.view,users.view; 'T:2:view' for every *.view permission)")
    p.add_argument("--latency-fixed", type=float, default=0.0, metavar="SECONDS",
                   help="server time per request (a real v8.1.4: ~0.06)")
    p.add_argument("--latency-per-row", type=float, default=0.0, metavar="SECONDS",
                   help="server time per returned row (a real v8.1.4: ~0.0011 per asset)")
    p.add_argument("--workers", type=int, default=0,
                   help="requests served at once, the rest queue (a real server's PHP workers; 0: no limit)")
    return p


def token_specs(p, a):
    """{token: spec} of the --token, --restricted-token and --company-token options."""
    from .permissions import VIEW_PERMISSIONS
    tokens = {t: "all" for t in (a.token or [DEFAULT_TOKEN])}
    for spec in a.restricted_token:
        token, sep, rest = spec.partition(":")
        if not sep or not token:
            p.error("--restricted-token takes TOKEN:RES[,RES...] (for example T:groups), got %r" % spec)
        excluded = [r for r in rest.split(",") if r]
        tokens[token] = {"exclude": excluded} if excluded else "none"
    for spec in a.company_token:
        token, company, perms = (spec.split(":", 2) + ["", ""])[:3]
        if not token or not company.isdigit():
            p.error("--company-token takes TOKEN:COMPANY:PERM[,PERM...] (for example T:2:view), got %r" % spec)
        names = [x for x in perms.split(",") if x]
        tokens[token] = {"company_id": int(company),
                         "permissions": list(VIEW_PERMISSIONS) if names == ["view"] else names}
    return tokens


def main(argv=None):
    p = parser()
    a = p.parse_args(argv)
    if a.host not in ("127.0.0.1", "localhost"):
        p.error("only 127.0.0.1 is allowed for --host")
    if a.workers < 0:
        p.error("--workers must be 0 (no limit) or more")
    ds = Dataset.generate(seed=a.seed, **{r: getattr(a, r) for r in ALL_SIZES})
    emu = Emulator(ds, tokens=token_specs(p, a), port=a.port, max_results=a.max_results, rate_limit=a.rate_limit,
                   rate_window_seconds=a.rate_window, retry_after_mode=a.retry_after_mode, timezone=a.timezone,
                   digit_separator=a.digit_separator, latency_seconds=a.latency, shuffle_ties=not a.no_shuffle_ties,
                   show_archived_in_list=a.show_archived_in_list, seed=a.seed, date_format=a.date_format,
                   time_format=a.time_format, latency_fixed_seconds=a.latency_fixed,
                   latency_per_row_seconds=a.latency_per_row, workers=a.workers, version=a.snipeit_version,
                   full_multiple_companies_support=a.full_multiple_companies_support)
    done = threading.Event()

    def stop(*_):
        done.set()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if a.warm:
        emu.warm()
    emu.start()
    sys.stdout.write("snipeit-emulator listening on %s\n" % emu.url)
    sys.stdout.flush()
    while not done.wait(0.5):
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
