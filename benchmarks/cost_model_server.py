"""The bundled emulator with a real server's cost per request, for the benchmarks.

    python benchmarks/cost_model_server.py --hardware 100000 --latency-fixed 0.06 --latency-per-row 0.0011 \
        --workers 4 [--activity 100000] [--rate-limit 120] [--warm]

Why: a real Snipe-IT v8.1.4 on a 2-core machine answered a 500-asset page in 0.5-0.85 s, about 0.06 s per request
plus 1.1 ms per row it renders, with 4 PHP workers (requests beyond 4 wait for one); the connector spends ~55 ms
of CPU on such a page, so the server sets the pace. Each API request here holds one of `--workers` slots for
fixed + per-row seconds (the emulator's own rendering time included), after the token's rate limit is counted,
as Laravel's throttle runs inside the PHP worker. If snipeit_emulator's Emulator takes these settings itself
(latency_fixed_seconds, latency_per_row_seconds, workers), they are passed to it and nothing is wrapped.
Also: `--activity N` generates an activity log of N entries (the emulator's default is 60).
Prints "snipeit-emulator listening on <url>" like `python -m snipeit_emulator`.
"""
from __future__ import annotations

import argparse
import inspect
import json
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from snipeit_emulator import extra  # noqa: E402
from snipeit_emulator.__main__ import DEFAULT_SIZES  # noqa: E402
from snipeit_emulator.data import RESOURCES, Dataset  # noqa: E402
from snipeit_emulator.server import DEFAULT_TOKEN, Emulator  # noqa: E402

# snipeit_emulator may take the cost model itself (the emulator's maintainers are adding it): then it is used, and
# this class only counts the rows served.
NATIVE = {"latency_fixed_seconds", "latency_per_row_seconds", "workers"} <= set(
    inspect.signature(Emulator.__init__).parameters)


class _NoSlot:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_SLOT = _NoSlot()


class CostModelEmulator(Emulator):
    """Emulator whose API answers cost ``fixed + per_row × rows`` seconds of one of ``workers`` slots."""

    def __init__(self, *args, latency_fixed_seconds=0.0, latency_per_row_seconds=0.0, workers=0, **kwargs):
        if NATIVE:
            kwargs.update(latency_fixed_seconds=latency_fixed_seconds, latency_per_row_seconds=latency_per_row_seconds,
                          workers=workers)
            latency_fixed_seconds = latency_per_row_seconds = workers = 0
        super().__init__(*args, **kwargs)
        self.cost = (float(latency_fixed_seconds), float(latency_per_row_seconds))
        self.slots = threading.BoundedSemaphore(workers) if workers else None
        self.served = []

    def handle_api(self, method, path, query, headers):
        with self.slots or _NO_SLOT:
            started = time.monotonic()
            response = super().handle_api(method, path, query, headers)
            rows = 0
            if response.status == 200 and response.body[:1] == b"{":
                try:
                    rows = len(json.loads(response.body).get("rows") or ())
                except (ValueError, AttributeError):
                    rows = 0
            fixed, per_row = self.cost
            time.sleep(max(0.0, fixed + per_row * rows - (time.monotonic() - started)))
            with self.lock:
                self.served.append(rows)
            return response

    served: list

    def handle_control(self, method, path, query, body):
        """``GET /__emulator__/served``: rows of every API answer since the last ``DELETE`` (the benchmark's floor)."""
        if path.rstrip("/").endswith("/served"):
            from snipeit_emulator.server import Response
            with self.lock:
                if method == "DELETE":
                    self.served.clear()
                return Response(200, json.dumps(list(self.served)))
        return super().handle_control(method, path, query, body)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    for res in RESOURCES:
        p.add_argument("--" + res, type=int, default=DEFAULT_SIZES[res], metavar="N")
    p.add_argument("--activity", type=int, default=None, help="activity log entries (emulator default: 60)")
    p.add_argument("--max-results", type=int, default=500)
    p.add_argument("--rate-limit", type=int, default=120)
    p.add_argument("--rate-window", type=float, default=60)
    p.add_argument("--latency", type=float, default=0, help="extra fixed latency before the request is served")
    p.add_argument("--latency-fixed", type=float, default=0.0)
    p.add_argument("--latency-per-row", type=float, default=0.0)
    p.add_argument("--workers", type=int, default=0, help="requests served at once (0: unbounded)")
    p.add_argument("--warm", action="store_true")
    a = p.parse_args(argv)
    ds = Dataset.generate(seed=a.seed, **{r: getattr(a, r) for r in RESOURCES})
    if a.activity is not None:
        ds.extra = extra.generate(ds, activity=a.activity)
    kwargs = dict(tokens={DEFAULT_TOKEN: "all"}, port=a.port, max_results=a.max_results, rate_limit=a.rate_limit,
                  rate_window_seconds=a.rate_window, latency_seconds=a.latency, seed=a.seed,
                  latency_fixed_seconds=a.latency_fixed, latency_per_row_seconds=a.latency_per_row, workers=a.workers)
    emu = CostModelEmulator(ds, **kwargs)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
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
