"""`python main.py` for the benchmarks, with a shim for a bug in source_snipeit/run.py at the time of writing:
run() calls AirbyteEntrypoint.read_catalog / read_state, which airbyte-cdk 7.x does not have (they are
Source.read_catalog / Source.read_state), so `python main.py read ...` exits with AttributeError. The shim adds
them only if missing, then calls source_snipeit.run.run() unchanged: once run.py is fixed it is a no-op, and
run.py --direct makes the benchmarks call main.py itself.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from airbyte_cdk.entrypoint import AirbyteEntrypoint  # noqa: E402
from airbyte_cdk.sources.source import Source  # noqa: E402

if not hasattr(AirbyteEntrypoint, "read_catalog"):
    AirbyteEntrypoint.read_catalog = staticmethod(Source.read_catalog)
if not hasattr(AirbyteEntrypoint, "read_state"):
    AirbyteEntrypoint.read_state = staticmethod(Source.read_state)

from source_snipeit.run import run  # noqa: E402

if __name__ == "__main__":
    run(sys.argv[1:])
