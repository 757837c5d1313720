"""Baseline for benchmark section 1: a plain `requests` loop doing the connector's per-row work.

    python benchmarks/plain_reader.py URL TOKEN [--resource hardware] [--limit 500] [--stdlib-json] [--fetch-only]

Fetches the same pages the connector fetches for the hardware stream (pass ``status=Archived`` first, then
the default list; ``sort=id&order=asc&limit=500``, plain offset paging), and per row: JSON decode (orjson,
like the connector; ``--stdlib-json`` for ``json``), flattening of nested objects into underscore columns,
``html.unescape`` of strings, dropping ``formatted``/``available_actions``, datetime → UTC ISO, money
parsing, ``custom_fields`` re-keying to ``{db_column: value}``, and one AirbyteMessage-like JSON line per
record on stdout. No schema, no framework: the floor the connector is compared against.
``--fetch-only`` stops after paging and JSON decoding (no per-row work, no output): what HTTP + decode cost.
"""
from __future__ import annotations

import argparse
import html
import json
import sys
import time

import requests

try:
    import orjson
except ImportError:  # pragma: no cover
    orjson = None

DROPPED = frozenset(("formatted", "available_actions"))
MONEY = frozenset(("purchase_cost", "book_value"))


def unescape(s):
    return html.unescape(s) if "&" in s else s


def to_utc_iso(value):
    # instance timezone UTC: "2025-05-20 14:03:11" -> "2025-05-20T14:03:11Z"
    if isinstance(value, str) and len(value) == 19:
        return value[:10] + "T" + value[11:] + "Z"
    return value


def money(value):
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            return None
    return value


def flatten(obj, prefix, out):
    for key, value in obj.items():
        if key in DROPPED:
            continue
        name = prefix + key
        if isinstance(value, str):
            out[name] = unescape(value)
        elif isinstance(value, dict):
            if name == "custom_fields":
                out[name] = {(spec.get("field") or dn) if isinstance(spec, dict) else dn:
                             (unescape(spec.get("value")) if isinstance(spec.get("value"), str) else spec.get("value"))
                             if isinstance(spec, dict) else spec
                             for dn, spec in value.items()}
            else:
                flatten(value, name + "_", out)
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            out[name] = value


def normalize(row):
    flat = {}
    flatten(row, "", flat)
    for key, value in flat.items():
        if key.endswith("_datetime"):
            flat[key] = to_utc_iso(value)
        elif key in MONEY:
            flat[key] = money(value)
    return flat


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("token")
    p.add_argument("--resource", default="hardware")
    p.add_argument("--stream", default="hardware")
    p.add_argument("--limit", type=int, default=500)
    p.add_argument("--stdlib-json", action="store_true")
    p.add_argument("--fetch-only", action="store_true", help="page and decode only: no per-row work, no output")
    a = p.parse_args(argv)
    loads = json.loads if (a.stdlib_json or orjson is None) else orjson.loads
    if a.stdlib_json or orjson is None:
        def dumps(m):
            return json.dumps(m, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        dumps = orjson.dumps
    session = requests.Session()
    session.headers.update({"Authorization": "Bearer " + a.token, "Accept": "application/json"})
    out = sys.stdout.buffer
    seen = set()
    endpoint = a.url.rstrip("/") + "/api/v1/" + a.resource
    for extra in ({"status": "Archived"}, {}):
        offset = 0
        while True:
            params = {**extra, "sort": "id", "order": "asc", "limit": a.limit, "offset": offset}
            r = session.get(endpoint, params=params)
            r.raise_for_status()
            body = loads(r.content)
            rows = body["rows"]
            if not rows:
                break
            for row in rows:
                if row["id"] in seen:
                    continue
                if extra:
                    seen.add(row["id"])
                if a.fetch_only:
                    continue
                msg = {"type": "RECORD", "record": {"stream": a.stream, "data": normalize(row),
                                                    "emitted_at": int(time.time() * 1000)}}
                out.write(dumps(msg))
                out.write(b"\n")
            offset += len(rows)
            if offset >= body["total"]:
                break
    out.flush()


if __name__ == "__main__":
    main()
