"""The connector's own read with its normaliser timed in place: thread CPU time spent in
RecordNormalizer.normalize, summed over every row, written to stderr as ``NORMALISE <rows> <cpu_ns>``.

    python benchmarks/timed_read.py -- read --config C --catalog K > /dev/null

In place, on freshly decoded pages and next to the CDK's threads, a row costs more than in a warm loop over
the same rows; this is the figure to set against the plain loop. The timer itself adds ~1 µs per row.
"""
from __future__ import annotations

import atexit
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    args = sys.argv[sys.argv.index("--") + 1:]
    from source_snipeit.layout import install

    components = install()
    from source_snipeit.run import run

    normalize = components.RecordNormalizer.normalize
    totals = [0, 0]

    def timed_normalize(self, row, _clock=time.thread_time_ns):
        started = _clock()
        out = normalize(self, row)
        totals[0] += _clock() - started
        totals[1] += 1
        return out

    components.RecordNormalizer.normalize = timed_normalize
    # stderr may be redirected into the CDK's print buffer: write to the file descriptor
    atexit.register(lambda: os.write(2, f"NORMALISE {totals[1]} {totals[0]}\n".encode()))
    run(args)


if __name__ == "__main__":
    main()
