"""Run `main.py <args>` in-process under cProfile, profiling EVERY thread (the CDK reads partitions in worker
threads; plain `python -m cProfile main.py` only sees the main thread, which mostly waits on a queue).

    python benchmarks/profile_connector.py OUT.prof -- read --config C --catalog K > /dev/null

Each thread gets its own cProfile.Profile; at exit all are merged into OUT.prof (pstats format).
"""
from __future__ import annotations

import cProfile
import os
import pstats
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    out = sys.argv[1]
    args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[2:]
    sys.path.insert(0, ROOT)
    profiles = []
    lock = threading.Lock()
    original_run = threading.Thread.run

    def profiled_run(self):
        prof = cProfile.Profile()
        with lock:
            profiles.append(prof)
        prof.enable()
        try:
            original_run(self)
        finally:
            prof.disable()

    threading.Thread.run = profiled_run
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from source_snipeit.run import run  # noqa: E402

    main_prof = cProfile.Profile()
    profiles.append(main_prof)
    main_prof.enable()
    try:
        run(args)
    finally:
        main_prof.disable()
        sys.stdout.flush()
        with lock:
            stats = None
            for prof in profiles:
                try:
                    prof.create_stats()
                except Exception:
                    continue
                if not prof.stats:
                    continue
                if stats is None:
                    stats = pstats.Stats(prof)
                else:
                    stats.add(prof)
            if stats is not None:
                stats.dump_stats(out)


if __name__ == "__main__":
    main()
