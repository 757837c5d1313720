"""What the CDK itself costs for the hardware stream: the connector's own entrypoint with the retriever
replaced by one that yields N prebuilt records (no HTTP, no JSON decoding, no normalisation).

    python benchmarks/cdk_floor.py N ROWS.json -- read --config C --catalog K > /dev/null

ROWS.json holds already-normalised rows; record i is a copy of row i % len(rows), wrapped exactly as
SnipeItRetriever wraps its records (a Record with the slice whose hash is cached). Everything else is the
real path: imports, manifest, config checks, the /fields request of the schema loader, the concurrent
source (worker thread, queue, cursor), message building, serialisation and stdout. N=0 leaves the startup.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    count, rows_path = int(sys.argv[1]), sys.argv[2]
    args = sys.argv[sys.argv.index("--") + 1:]
    rows = json.loads(Path(rows_path).read_text())

    from airbyte_cdk.sources.types import Record, StreamSlice

    from source_snipeit.layout import install

    components = install()
    from source_snipeit.run import run

    def prebuilt_records(self, records_schema, stream_slice=None):
        stream_slice = components._SliceWithCachedHash(stream_slice or StreamSlice(partition={}, cursor_slice={}))
        for i in range(count):
            yield Record(data=dict(rows[i % len(rows)]), stream_name=self.name, associated_slice=stream_slice)

    components.SnipeItRetriever.read_records = prebuilt_records
    run(args)


if __name__ == "__main__":
    main()
