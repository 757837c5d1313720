"""Sync every Snipe-IT stream into a local DuckDB file with PyAirbyte (what `make demo` / `make sync` run).

    python scripts/local_sync.py [--duckdb snipeit.duckdb] [--config secrets/config.json] [--streams a,b]
                                 [--hardware 5000]

Without --config a bundled Snipe-IT emulator is started as a subprocess on 127.0.0.1 (free port) and stopped
at the end, and the table row counts are printed next to the emulator's ground truth. With --config the
instance it names is synced. A stream the token may not read (HTTP 403, e.g. groups without superuser) is
skipped with a warning naming it; the others are written. The DuckDB file is replaced only by a sync that wrote
rows (written to a temporary file, then renamed). Exits non-zero with the connector's one-line message on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
MANIFEST = REPO / "manifest.yaml"
sys.path.insert(0, str(REPO))

from harness import ALL_STREAMS, emulator_resource  # noqa: E402  (the one test harness)

# connector stream -> emulator resource, every stream of manifest.yaml
STREAMS = {name: emulator_resource(name) for name in ALL_STREAMS}

TOP_QUERY = """
SELECT coalesce(status_label_name, '(none)') AS status_label,
       coalesce(location_name, '(none)')     AS location,
       count(*)                              AS assets
FROM hardware
GROUP BY 1, 2
ORDER BY assets DESC, status_label, location
LIMIT 10
"""


class SyncError(Exception):
    pass


def log(message: str) -> None:
    print(f"[local_sync] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# Emulator (subprocess; the connector side never imports it)
# ------------------------------------------------------------------------------------------------


class EmulatorProcess:
    def __init__(self, args: argparse.Namespace) -> None:
        self.token = "local-sync-" + secrets.token_hex(32)
        cmd = [sys.executable, "-m", "snipeit_emulator", "--host", "127.0.0.1", "--port", "0",
               "--token", self.token, "--seed", str(args.seed), "--hardware", str(args.hardware),
               "--users", str(args.users), "--rate-limit", "1000000"]
        log(f"starting the Snipe-IT emulator ({args.hardware} assets, {args.users} users)")
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on " not in line:
            self.stop()
            raise SyncError(f"the emulator did not start: {(line or self.proc.stderr.read()).strip()[-300:]}")
        self.url = line.strip().split("listening on ", 1)[1]
        log(f"emulator listening on {self.url}")

    def config(self) -> Dict[str, Any]:
        # The emulator's throttle is switched off above, so the connector's pacer need not hold back.
        return {"base_url": self.url, "api_token": self.token, "requests_per_minute": 1_000_000}

    def truth_counts(self) -> Dict[str, int]:
        counts = {}
        for stream, resource in STREAMS.items():
            with urllib.request.urlopen(f"{self.url}/__emulator__/truth/{resource}", timeout=60) as response:
                rows = json.loads(response.read())
            counts[stream] = sum(1 for r in rows if not r.get("deleted_at"))
        return counts

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ------------------------------------------------------------------------------------------------
# Sync
# ------------------------------------------------------------------------------------------------


def stream_parameters() -> Dict[str, Dict[str, Any]]:
    """stream -> its $parameters in the manifest (resource, permission): what the permission probe needs."""
    import yaml

    manifest = yaml.safe_load(MANIFEST.read_text())
    return {s["$parameters"]["name"]: dict(s["$parameters"]) for s in manifest["streams"] if "$parameters" in s}


def checked_config(config: Dict[str, Any]) -> Dict[str, Any]:
    """The connector's own normalisation and checks (token stripped, fields named), before PyAirbyte sees it."""
    sys.path.insert(0, str(REPO))
    from components import REFUSED_SETTINGS_KEY, SnipeItConfigNormalizer

    candidate = dict(config)
    SnipeItConfigNormalizer(parameters={}).transform(candidate)
    refused = candidate.pop(REFUSED_SETTINGS_KEY)
    if refused:
        raise SyncError(" ".join(refused.values()))
    return candidate


def readable_streams(config: Dict[str, Any], wanted: List[str]) -> Tuple[List[str], Dict[str, str]]:
    """Which streams this token may read: the connector's own diagnosis first (host unreachable, TLS, token
    refused, not Snipe-IT: fatal, in its words), then one row of each stream. A stream it may not read (HTTP 403,
    e.g. /groups without superuser) is skipped with a message naming the permission; the others are synced."""
    import requests

    from components import diagnose_connection
    from airbyte_cdk.utils.traced_exception import AirbyteTracedException

    try:
        diagnose_connection(config, {})
    except AirbyteTracedException as error:
        raise SyncError(error.message)
    params = stream_parameters()
    headers = {"Authorization": f"Bearer {config['api_token']}", "Accept": "application/json"}
    readable, skipped = [], {}
    for stream in wanted:
        resource, permission = params[stream]["resource"], params[stream].get("permission", "?")
        try:
            response = requests.get(f"{config['api_url']}{resource}", params={"limit": 1, "offset": 0}, headers=headers,
                                    timeout=30, allow_redirects=False, verify=config.get("ca_bundle") or True)
        except requests.RequestException:
            readable.append(stream)  # a transient problem: the read retries it and reports what persists
            continue
        if response.status_code == 403:
            skipped[stream] = (f"Snipe-IT denied the API token access to /{resource} (HTTP 403): the token's user needs "
                               f"the '{permission}' permission. Grant it, or leave {stream} out with --streams.")
        else:
            readable.append(stream)
    return readable, skipped


def connector_message(exc: BaseException) -> str:
    """The connector's own words inside PyAirbyte's wrapping ("... Please review the log file")."""
    from airbyte_cdk.utils.traced_exception import AirbyteTracedException

    seen, todo = set(), [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, AirbyteTracedException) and current.message:
            # The CDK's summary quotes each stream's error as AirbyteTracedException('<the message>'): unwrap it.
            inner = re.findall(r"(\w+): AirbyteTracedException\((['\"])(.*?)\2\)", current.message)
            return "; ".join(text for _, _, text in inner) if inner else current.message
        todo += [getattr(current, "original_exception", None), current.__cause__, current.__context__]
    return " ".join(str(exc).split())


def sync(config: Dict[str, Any], db_path: Path, streams: Optional[List[str]] = None) -> Dict[str, str]:
    """Sync `streams` (default: all) into db_path; returns the streams skipped (no permission) with the reason.

    The rows are written to a temporary file next to db_path, which replaces db_path only when the sync wrote
    rows: a failed sync leaves the previous file whole, never half old and half new."""
    os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    config = checked_config(config)
    wanted = list(streams or STREAMS)
    readable, skipped = readable_streams(config, wanted)
    for stream, reason in skipped.items():
        log(f"warning: skipping stream {stream}: {reason}")
    if not readable:
        raise SyncError("this token cannot read any of the streams asked for: " + "; ".join(skipped.values()))
    import warnings

    # PyAirbyte's Google dependencies warn about the Python version on import: noise for a local sync.
    warnings.filterwarnings("ignore", message="You are using a Python version", category=FutureWarning)
    import airbyte as ab  # imported late: slow, and the env above must be set first

    # The manifest's class names are source_declarative_manifest.components.<Class>: registered from the repository
    # the way main.py does, so the manifest is passed as a dict, without PyAirbyte's components.py injection
    # (which would need AIRBYTE_ENABLE_UNSAFE_CODE).
    from source_snipeit.run import load_manifest

    manifest = load_manifest()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(f".{db_path.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        source = ab.get_source("source-snipeit", config=config, source_manifest=manifest)
        source.select_streams(readable)
        cache = ab.caches.DuckDBCache(db_path=partial, cache_dir=db_path.parent / ".airbyte-cache")
        try:
            source.read(cache=cache, force_full_refresh=True)
        except Exception as exc:
            raise SyncError(connector_message(exc)) from None
        finally:
            # DuckDB refuses a second connection to a file opened with another configuration: release it.
            cache.close()
            cache.dispose_engine()
        if not _wrote_rows(partial, readable):
            raise SyncError(f"the sync wrote no rows; {db_path} was left as it was")
        os.replace(partial, db_path)
    finally:
        partial.unlink(missing_ok=True)
        Path(f"{partial}.wal").unlink(missing_ok=True)
    return skipped


def _wrote_rows(path: Path, streams: List[str]) -> bool:
    import duckdb

    if not path.exists():
        return False
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        return any(con.execute(f'SELECT count(*) FROM "{s}"').fetchone()[0] for s in streams if s in tables)


def report(db_path: Path, truth: Optional[Dict[str, int]], streams: Optional[List[str]] = None,
           skipped: Optional[Dict[str, str]] = None) -> List[str]:
    import duckdb

    problems = []
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        print(f"\nDuckDB file: {db_path}")
        header = f"{'table':<16}{'rows':>10}" + (f"{'truth':>10}" if truth else "")
        print(header)
        print("-" * len(header))
        for stream in streams or STREAMS:
            if stream in (skipped or {}):
                print(f"{stream:<16}{'skipped':>10}   (the token may not read it)")
                continue
            rows = con.execute(f'SELECT count(*) FROM "{stream}"').fetchone()[0] if stream in tables else None
            line = f"{stream:<16}{'missing' if rows is None else rows:>10}"
            if truth:
                line += f"{truth[stream]:>10}" + ("" if rows == truth[stream] else "   <-- MISMATCH")
                if rows != truth[stream]:
                    problems.append(f"{stream}: {rows} rows, truth {truth[stream]}")
            elif rows is None:
                problems.append(f"{stream}: table missing")
            print(line)
        if "hardware" in tables:
            print("\nAssets per status label and location (top 10):")
            for status, location, n in con.execute(TOP_QUERY).fetchall():
                print(f"  {n:>6}  {status:<28} {location}")
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", default="snipeit.duckdb", help="DuckDB file to write (default: snipeit.duckdb)")
    parser.add_argument("--config", help="connector config JSON; without it the bundled emulator is synced")
    parser.add_argument("--hardware", type=int, default=5000, help="emulator: number of assets (default 5000)")
    parser.add_argument("--users", type=int, default=300, help="emulator: number of users (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="emulator: data seed (default 1)")
    parser.add_argument("--streams", help="comma-separated streams to sync (default: all): " + ", ".join(STREAMS))
    args = parser.parse_args(argv)
    streams = [s.strip() for s in args.streams.split(",") if s.strip()] if args.streams else None
    unknown = [s for s in streams or [] if s not in STREAMS]
    if unknown or streams == []:
        parser.error(f"--streams: unknown stream(s) {', '.join(unknown) or '(none given)'}; the streams are: "
                     + ", ".join(STREAMS))
    db_path = Path(args.duckdb).expanduser().resolve()
    emulator: Optional[EmulatorProcess] = None
    started = time.monotonic()
    try:
        if args.config:
            try:
                config = json.loads(Path(args.config).read_text())
            except (OSError, ValueError) as exc:
                raise SyncError(f"cannot read config {args.config}: {exc}")
            if not isinstance(config, dict):
                raise SyncError(f"config {args.config} is not a JSON object")
        else:
            emulator = EmulatorProcess(args)
            config = emulator.config()
        skipped = sync(config, db_path, streams)
        truth = emulator.truth_counts() if emulator else None
        problems = report(db_path, truth, streams, skipped)
        if problems:
            raise SyncError("row counts differ from the emulator's: " + "; ".join(problems))
        print(f"\nDone in {time.monotonic() - started:.1f} s: {db_path}")
        if skipped:
            print(f"Skipped (no permission): {', '.join(skipped)}; see the warnings above.")
        return 0
    except KeyboardInterrupt:
        print("local_sync: interrupted", file=sys.stderr)
        return 130
    except SyncError as exc:  # the connector's own message, whole
        print(f"\nlocal_sync: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    except Exception as exc:  # one clear line, not a traceback
        text = " ".join(str(exc).split()) or type(exc).__name__
        print(f"local_sync: error: {type(exc).__name__}: {text[:500]}", file=sys.stderr)
        return 1
    finally:
        if emulator:
            emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
