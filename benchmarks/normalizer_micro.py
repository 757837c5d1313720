"""Micro-benchmark of RecordNormalizer.normalize vs the optimised variant proposed in PROFILE.md.

    python benchmarks/normalizer_micro.py [--rows 20000] [--repeat 3]

Starts the emulator in-process, pulls the hardware pages once, then times normalize() over the same rows
with the connector's RecordNormalizer and with FastRecordNormalizer (below: the PROFILE.md proposal as a
subclass) and checks that both give identical records. Also times the CDK's per-record cursor parse.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
import requests  # noqa: E402
import yaml  # noqa: E402

from snipeit_emulator import DEFAULT_TOKEN, Dataset, Emulator  # noqa: E402
from source_snipeit import components as C  # noqa: E402


class FastRecordNormalizer(C.RecordNormalizer):
    """Same output as RecordNormalizer; per-stream work hoisted out of the per-record path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = self.kinds
        # "<x>" arriving as a plain string where the schema has "<x>_datetime" / "<x>_date": computed once.
        self._dt_renames = [(k[:-9], k) for k in kinds if k.endswith("_datetime")]
        self._d_renames = [(k[:-5], k) for k in kinds if k.endswith("_date")]
        self._object_cols = frozenset(k for k, v in kinds.items() if v == "object")

    def normalize(self, row: Mapping[str, Any]) -> Dict[str, Any]:
        flat: Dict[str, Any] = {}
        self._flatten(row, "", flat)
        unparsed: Optional[Dict[str, Any]] = None
        kinds = self.kinds
        convert = self._convert
        for key, value in flat.items():
            if value is None:
                continue
            kind = kinds.get(key)
            if kind is None:
                continue
            t = type(value)
            # identity conversions, the overwhelming majority: skip the call
            if t is str:
                if kind == "string" and value:
                    continue
                if kind == "date" and len(value) == 10 and C._DATE.match(value):
                    try:
                        date.fromisoformat(value)  # C; the regex already fixed the shape
                        continue
                    except ValueError:
                        pass
            elif t is int:
                if kind == "integer" or kind == "number":
                    continue
            elif t is bool:
                if kind == "boolean":
                    continue
            elif t is float:
                if kind == "number":
                    continue
            converted = convert(kind, value)
            if converted is C._FAIL:
                if unparsed is None:
                    unparsed = {}
                unparsed[key] = value
                flat[key] = None
                self._warn(key, value)
            else:
                flat[key] = converted
        if unparsed:
            flat["_snipeit_unparsed"] = unparsed
        return flat

    def _flatten(self, obj: Mapping[str, Any], prefix: str, out: Dict[str, Any]) -> None:
        kinds = self.kinds
        html_fields = self.html_fields
        dropped = C._DROPPED_KEYS
        unescape = C._unescape
        for key, value in obj.items():
            if key in dropped:
                continue
            name = prefix + key if prefix else key
            t = type(value)
            if t is str:
                if "<" in value and name in html_fields:
                    value = C._TAG.sub("", value)
                out[name] = unescape(value) if "&" in value else value
            elif t is dict:
                if name == "custom_fields":
                    out[name] = self._custom_fields(value)
                elif name in self._object_cols:
                    out[name] = C._unescape_deep(value)
                elif ("datetime" in value or "date" in value) and len(value) <= 2 and name + "_datetime" not in kinds \
                        and name + "_date" not in kinds and name in kinds:
                    out[name] = value.get("datetime") or value.get("date")
                else:
                    self._flatten(value, name + "_", out)
            elif t is list:
                if name == "custom_fields":
                    out[name] = {}
                else:
                    out[name] = C.json.dumps(value if name in self.raw_fields else C._unescape_deep(value),
                                             ensure_ascii=False, separators=(",", ":"))
            elif isinstance(value, (str, dict, list)):  # subclasses: keep the original semantics
                C.RecordNormalizer._flatten(self, {key: value}, prefix, out)
            else:
                out[name] = value
        if not prefix:
            for renames in (self._dt_renames, self._d_renames):
                for base, target in renames:
                    v = out.get(base)
                    if v is not None and type(v) is str:
                        out[target] = out.pop(base)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=20000)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    schemas = manifest["schemas"]
    types = manifest["definitions"]["types"]

    def resolve(schema):
        props = {k: types[v["$ref"].rsplit("/", 1)[1]] if "$ref" in v else v for k, v in schema["properties"].items()}
        return {**schema, "properties": props}

    schema = resolve(schemas["hardware"])
    config = {"timezone": "UTC", "number_format": "1,234.56"}
    with Emulator(dataset=Dataset.generate(seed=1, hardware=a.rows, users=300)) as emu:
        emu.warm()
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + DEFAULT_TOKEN
        rows, offset, pages = [], 0, []
        while True:
            r = s.get(emu.url + "/api/v1/hardware", params={"sort": "id", "order": "asc", "limit": 500, "offset": offset})
            pages.append(r.content)
            body = orjson.loads(r.content)
            if not body["rows"]:
                break
            rows += body["rows"]
            offset += len(body["rows"])
            if offset >= body["total"]:
                break
    orig = C.RecordNormalizer(schema, config, "hardware", html_fields=["notes"])
    fast = FastRecordNormalizer(schema, config, "hardware", html_fields=["notes"])
    a_out = [orig.normalize(r) for r in rows]
    b_out = [fast.normalize(r) for r in rows]
    same = a_out == b_out
    print(f"{len(rows):,} rows; outputs identical: {same}")
    if not same:
        for x, y in zip(a_out, b_out):
            if x != y:
                print(" first diff:", {k: (x.get(k), y.get(k)) for k in set(x) | set(y) if x.get(k) != y.get(k)})
                break

    def bench(label, fn):
        best = min(_timed(fn) for _ in range(a.repeat))
        print(f"  {label:44} {best:6.3f} s  {len(rows)/best:>10,.0f} rows/s  {best/len(rows)*1e6:6.1f} us/row")
        return best

    def _timed(fn):
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    t_orig = bench("RecordNormalizer.normalize", lambda: [orig.normalize(r) for r in rows])
    t_fast = bench("FastRecordNormalizer.normalize (proposal)", lambda: [fast.normalize(r) for r in rows])
    bench("orjson.loads of the pages", lambda: [orjson.loads(pg) for pg in pages])
    from airbyte_cdk.sources.declarative.datetime.datetime_parser import DatetimeParser
    parser = DatetimeParser()
    vals = [r.get("updated_at_datetime") or "1970-01-01T00:00:00Z" for r in a_out]
    bench("CDK cursor parse (strptime) per record", lambda: [parser.parse(v, "%Y-%m-%dT%H:%M:%SZ") for v in vals])
    from datetime import datetime
    bench("  vs datetime.fromisoformat per record", lambda: [datetime.fromisoformat(v) for v in vals])
    bench("orjson.dumps of the records", lambda: [orjson.dumps(d) for d in a_out])
    print(f"normalize speed-up: {t_orig / t_fast:.2f}x")


if __name__ == "__main__":
    main()
