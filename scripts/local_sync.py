"""Sync Snipe-IT into a local DuckDB file with PyAirbyte: the daily job (`make sync`, `make demo`).

    python scripts/local_sync.py [--duckdb snipeit.duckdb] [--config secrets/config.json] [--streams a,b]
                                 [--full-refresh] [--hardware 5000]

The connector runs as the image runs it: PyAirbyte starts the repository's entry point (`main.py`, under this
interpreter) as an executable for `check` and `read`; nothing here builds the source in-process.

What a run does to the file:
- it writes into the existing file: the streams synced (all, or --streams) are updated, every other table and
  the dbt schema stay as they were;
- incremental streams continue from the state kept in the file (PyAirbyte's `_airbyte_state` table): a daily
  sync reads what changed, and merges it by id; a stream that can only be read in full (license_seats, and those
  in the config's always_full_refresh_streams) is replaced;
- --full-refresh forgets the chosen streams' rows and state first, so they are read from scratch;
- the sync runs on a copy, which replaces the file (rename) only when the whole sync succeeded: a failed,
  killed or interrupted run leaves the file as it was; two runs on one file at once are refused;
- `check` (the connector's own) answers a bad config, an unreachable host or a refused token before anything is
  read; a stream the token may not read (HTTP 403, e.g. groups without superuser) is skipped with the
  connector's warning naming the permission, and its table (if any) keeps the rows of the last sync that could;
- each run appends a row to `_snipeit_syncs` (when, which streams, what was skipped and why, whose token): the
  report shows the sync's age and whose view of the instance it is from it.

Without --config a bundled Snipe-IT emulator is started as a subprocess on 127.0.0.1 (free port) and stopped at
the end, and the table row counts are compared with the emulator's ground truth. Exits non-zero with the
connector's one-line message on failure; the API token is never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import html
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
ENTRY_POINT = REPO / "main.py"
sys.path.insert(0, str(REPO))

from harness import ALL_STREAMS, emulator_resource  # noqa: E402  (the one test harness)

# connector stream -> emulator resource, every stream of manifest.yaml
STREAMS = {name: emulator_resource(name) for name in ALL_STREAMS}
SYNC_LOG_TABLE = "_snipeit_syncs"
CHECK_TIMEOUT = 300

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
# The connector, through its entry point
# ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def connector_executable() -> Iterator[Path]:
    """An executable that runs `main.py` with this interpreter: PyAirbyte's `local_executable` takes one path (it
    runs `<path> spec|check|discover|read ...`), and main.py is the program the image runs (issue 19)."""
    with tempfile.TemporaryDirectory(prefix="snipeit-connector-") as tmp:
        path = Path(tmp) / "source-snipeit"
        path.write_text(f"#!/bin/sh\nexec {_sh_quote(sys.executable)} {_sh_quote(str(ENTRY_POINT))} \"$@\"\n")
        path.chmod(stat.S_IRWXU)
        yield path


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


@contextlib.contextmanager
def private_config_file(config: Dict[str, Any]) -> Iterator[Path]:
    """The config as a file only this user can read (it holds the token), removed afterwards."""
    fd, name = tempfile.mkstemp(prefix="snipeit-config-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(config, handle)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


CANNOT_READ = re.compile(r"cannot read stream (\w+)\. (.*?)(?: Syncs will fail this stream(?: and (\w+))?.*)?$")


def connector_check(executable: Path, config: Dict[str, Any]) -> Dict[str, str]:
    """The connector's own `check`: a FAILED status (bad config, unreachable host, refused token, not Snipe-IT) is
    fatal, in the connector's words. It also asks each stream for one row and warns about those the token may not
    read, naming the permission; returns them (stream -> the connector's reason) so the read can leave them out.
    Asking them again here would cost each list one more request per sync."""
    with private_config_file(config) as path:
        try:
            proc = subprocess.run([str(executable), "check", "--config", str(path)], capture_output=True, text=True,
                                  timeout=CHECK_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise SyncError(f"the connector's check did not finish within {CHECK_TIMEOUT} s")
    status, errors, unreadable = None, [], {}
    for line in proc.stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        if message.get("type") == "CONNECTION_STATUS":
            status = message.get("connectionStatus") or {}
        elif message.get("type") == "TRACE" and (message.get("trace") or {}).get("type") == "ERROR":
            errors.append(message["trace"]["error"].get("message") or "")
        elif message.get("type") == "LOG" and (message.get("log") or {}).get("level") in ("WARN", "WARNING"):
            found = CANNOT_READ.search(message["log"].get("message") or "")
            if found:
                stream, reason, also = found.groups()
                unreadable[stream] = reason
                if also:
                    unreadable[also] = reason
    if status is None:
        detail = "; ".join(e for e in errors if e) or (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise SyncError(f"the connector's check gave no answer (exit {proc.returncode}): {detail}")
    if status.get("status") != "SUCCEEDED":
        raise SyncError(status.get("message") or "the connector's check failed without a message")
    return unreadable


def token_user(config: Dict[str, Any]) -> Dict[str, Any]:
    """Whose view the sync is: /api/v1/users/me (every valid token may read it) gives the token's user, their company
    and whether they are a superuser. A company-scoped token (Snipe-IT's full multiple company support) sees only
    its company's rows, and the report must say so. Best effort: on any problem the view is recorded as unknown."""
    import requests

    base = str(config.get("base_url") or "").strip().rstrip("/")
    if base.lower().endswith("/api/v1"):
        base = base[: -len("/api/v1")].rstrip("/")
    try:
        response = requests.get(f"{base}/api/v1/users/me", timeout=30, allow_redirects=False,
                                headers={"Authorization": f"Bearer {str(config.get('api_token') or '').strip()}",
                                         "Accept": "application/json"},
                                verify=config.get("ca_bundle") or True)
        body = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        body = None
    if not isinstance(body, dict) or "id" not in body:
        return {}
    company = body.get("company") if isinstance(body.get("company"), dict) else {}
    permissions = body.get("permissions") if isinstance(body.get("permissions"), dict) else {}
    return {
        "user_id": body.get("id"),
        "username": html.unescape(str(body.get("username") or "")),  # the API HTML-escapes every string once
        "company_id": company.get("id"),
        "company_name": html.unescape(str(company["name"])) if company.get("name") is not None else None,
        # only the user's own permissions: one granted through a group is not listed, hence "or unknown"
        "is_superuser": str(permissions.get("superuser")) == "1",
    }


# ------------------------------------------------------------------------------------------------
# The file: lock, copy, replace
# ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def exclusive_lock(db_path: Path) -> Iterator[None]:
    lock_path = db_path.with_name(f".{db_path.name}.lock")
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncError(f"another sync of {db_path} is running (lock {lock_path}); try again when it is done")
        yield


def partial_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.partial-{os.getpid()}")


def remove_stale_partials(db_path: Path) -> None:
    """Copies left by a run that was killed (the lock says no run is going on now)."""
    for stale in db_path.parent.glob(f".{db_path.name}.partial-*"):
        stale.unlink(missing_ok=True)


def settle(path: Path) -> None:
    """Fold a write-ahead log into its file: a copy taken with a .wal beside it would lack the WAL's changes, and a
    stale .wal beside a replaced file would be replayed into it."""
    import duckdb

    if Path(f"{path}.wal").exists():
        with duckdb.connect(str(path)) as con:
            con.execute("CHECKPOINT")
    if Path(f"{path}.wal").exists():
        raise SyncError(f"{path} has a write-ahead log that cannot be folded in ({path}.wal): is it open elsewhere?")


def start_from(db_path: Path, partial: Path) -> None:
    partial.unlink(missing_ok=True)
    if db_path.exists():
        settle(db_path)
        shutil.copy2(db_path, partial)


def existing_tables(path: Path) -> set:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def forget_streams(path: Path, streams: List[str]) -> None:
    """Drop the streams' rows and state, so that the read that follows reads them from scratch and writes only
    what the instance has now (rows deleted on the instance go too)."""
    import duckdb

    if not path.exists() or not streams:
        return
    with duckdb.connect(str(path)) as con:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        for stream in streams:
            if stream in tables:
                con.execute(f'DROP TABLE main."{stream}"')
        if "_airbyte_state" in tables:
            con.execute("DELETE FROM main._airbyte_state WHERE stream_name IN (SELECT unnest(?))", [streams])


def record_sync(path: Path, entry: Dict[str, Any]) -> None:
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute(f"""CREATE TABLE IF NOT EXISTS main.{SYNC_LOG_TABLE} (
            started_at TIMESTAMP WITH TIME ZONE, finished_at TIMESTAMP WITH TIME ZONE, mode VARCHAR,
            streams_synced VARCHAR[], streams_replaced VARCHAR[], streams_skipped JSON, records JSON,
            token_user_id BIGINT, token_username VARCHAR, token_company_id BIGINT, token_company_name VARCHAR,
            token_is_superuser BOOLEAN)""")
        user = entry.get("token_user") or {}
        con.execute(f"INSERT INTO main.{SYNC_LOG_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            entry["started_at"], entry["finished_at"], entry["mode"], entry["streams_synced"],
            entry["streams_replaced"], json.dumps(entry["streams_skipped"]), json.dumps(entry["records"]),
            user.get("user_id"), user.get("username"), user.get("company_id"), user.get("company_name"),
            user.get("is_superuser") if user else None])
        con.execute("CHECKPOINT")


# ------------------------------------------------------------------------------------------------
# Sync
# ------------------------------------------------------------------------------------------------


def _trace_errors(text: str) -> List[str]:
    """The messages of the TRACE errors among the connector's output lines (as PyAirbyte logged them)."""
    found = []
    for line in text.splitlines():
        start = line.find('{"type":"TRACE"')
        if start < 0:
            continue
        try:
            trace = json.loads(line[start:]).get("trace") or {}
        except ValueError:
            continue
        if trace.get("type") == "ERROR" and (trace.get("error") or {}).get("message"):
            found.append(trace["error"]["message"])
    return found


def connector_message(exc: BaseException) -> str:
    """The connector's own words inside PyAirbyte's wrapping ("Connector failed. Please review the log file"). PyAirbyte
    0.71 swallows the TRACE error it meant to raise (its own `except Exception` around the message handling) and
    reports only the exit code, so the connector's last error is taken from the log PyAirbyte wrote of its output."""
    seen, todo, found, logged = set(), [exc], [], []
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        log_file = getattr(current, "log_file", None)
        if log_file and Path(log_file).is_file():
            logged += _trace_errors(Path(log_file).read_text(errors="replace"))
        log_text = getattr(current, "log_text", None)
        if log_text:
            logged += _trace_errors(log_text if isinstance(log_text, str) else "\n".join(log_text))
        message = getattr(current, "message", None)
        if isinstance(message, str) and message.strip() and not message.startswith("Connector failed"):
            found.append(message)
        todo += [getattr(current, "original_exception", None), current.__cause__, current.__context__]
    if logged:
        return logged[-1]  # the connector's final word: which streams failed, and why
    for message in found:
        # The CDK's summary quotes each stream's error as AirbyteTracedException('<the message>'): unwrap it.
        inner = re.findall(r"(\w+): AirbyteTracedException\((['\"])(.*?)\2\)", message)
        if inner:
            return "; ".join(text for _, _, text in inner)
    return found[0] if found else " ".join(str(exc).split())


def read_streams(executable: Path, config: Dict[str, Any], partial: Path, cache_dir: Path,
                 streams: List[str], full_refresh: bool) -> Tuple[List[str], Dict[str, int]]:
    """One PyAirbyte read of `streams` into `partial`: incremental from the file's state, merged by id. Returns
    the streams that were replaced (read from scratch) and the records read per stream."""
    import warnings

    # PyAirbyte's Google dependencies warn about the Python version on import: noise for a local sync.
    warnings.filterwarnings("ignore", message="You are using a Python version", category=FutureWarning)
    import airbyte as ab  # imported late: slow, and the environment must be set first

    source = ab.get_source("source-snipeit", config=config, local_executable=executable)
    source.select_streams(streams)
    catalog = {s.name: s for s in source.discovered_catalog.streams}
    cursorless = [s for s in streams if "incremental" not in [m.value for m in catalog[s].supported_sync_modes]]
    always_full = [s for s in (config.get("always_full_refresh_streams") or []) if s in streams]
    replaced = streams if full_refresh else sorted(set(cursorless) | set(always_full), key=streams.index)
    forget_streams(partial, replaced)
    cache = ab.caches.DuckDBCache(db_path=partial, cache_dir=cache_dir)
    try:
        # merge by id: an incremental read brings the rows that changed; the streams in `replaced` were emptied
        # above, so the same merge writes exactly what the instance has now. The connector is the only judge of
        # the config (its check ran), hence skip_validation.
        result = source.read(cache=cache, write_strategy="merge", skip_validation=True)
        # records read per stream, for the sync log (PyAirbyte keeps them on its progress tracker only)
        counts = getattr(getattr(result, "_progress_tracker", None), "stream_read_counts", None) or {}
        records = {name: int(counts.get(name, 0)) for name in streams}
    except Exception as exc:
        raise SyncError(connector_message(exc)) from None
    finally:
        # DuckDB refuses a second connection to a file opened with another configuration: release it.
        cache.close()
        cache.dispose_engine()
    return replaced, records


def sync(config: Dict[str, Any], db_path: Path, streams: Optional[List[str]] = None,
         full_refresh: bool = False) -> Dict[str, str]:
    """Sync `streams` (default: all) into db_path; returns the streams skipped (no permission) with the reason."""
    os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    started_at = dt.datetime.now(dt.timezone.utc)
    wanted = list(streams or STREAMS)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(db_path), connector_executable() as executable:
        remove_stale_partials(db_path)
        unreadable = connector_check(executable, config)
        skipped = {s: reason for s, reason in unreadable.items() if s in wanted}
        readable = [s for s in wanted if s not in skipped]
        for stream, reason in skipped.items():
            log(f"warning: skipping stream {stream}: {reason}")
        if not readable:
            raise SyncError("this token cannot read any of the streams asked for: " + "; ".join(skipped.values()))
        partial = partial_path(db_path)
        try:
            start_from(db_path, partial)
            kept = existing_tables(partial) & set(skipped) if partial.exists() else set()
            for stream in sorted(kept):
                log(f"{stream}: the table keeps the rows of the last sync that could read it")
            mode = "full_refresh" if full_refresh else "incremental"
            log(f"syncing {len(readable)} stream(s) ({mode}) into a copy of {db_path.name}")
            try:
                replaced, records = read_streams(executable, config, partial, db_path.parent / ".airbyte-cache",
                                                 readable, full_refresh)
            except SyncError as error:
                # the connector speaks of its read; what happened to the file is for this job to say
                raise SyncError(f"{error} Nothing was written: {db_path} is as it was before this sync.") from None
            missing = [s for s in readable if s not in existing_tables(partial)]
            if missing:
                raise SyncError(f"the sync wrote no table for {', '.join(missing)}; {db_path} was left as it was")
            record_sync(partial, {
                "started_at": started_at, "finished_at": dt.datetime.now(dt.timezone.utc), "mode": mode,
                "streams_synced": readable, "streams_replaced": replaced, "streams_skipped": skipped,
                "records": records, "token_user": token_user(config)})
            settle(partial)
            os.replace(partial, db_path)
        finally:
            partial.unlink(missing_ok=True)
            Path(f"{partial}.wal").unlink(missing_ok=True)
    return skipped


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
        for stream in STREAMS:
            synced_now = stream in (streams or STREAMS) and stream not in (skipped or {})
            rows = con.execute(f'SELECT count(*) FROM "{stream}"').fetchone()[0] if stream in tables else None
            note = "" if synced_now else ("   (skipped: the token may not read it)" if stream in (skipped or {})
                                          else "   (not synced by this run)")
            line = f"{stream:<16}{'missing' if rows is None else rows:>10}"
            if truth and synced_now:
                line += f"{truth[stream]:>10}" + ("" if rows == truth[stream] else "   <-- MISMATCH")
                if rows != truth[stream]:
                    problems.append(f"{stream}: {rows} rows, truth {truth[stream]}")
            elif synced_now and rows is None:
                problems.append(f"{stream}: table missing")
            print(line + note)
        if "hardware" in tables:
            print("\nAssets per status label and location (top 10):")
            for status, location, n in con.execute(TOP_QUERY).fetchall():
                print(f"  {n:>6}  {status:<28} {location}")
    return problems


def _stop_on_sigterm() -> None:
    # systemd and timeouts stop a job with SIGTERM: end it like Ctrl-C, so the copy is cleaned up
    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", default="snipeit.duckdb", help="DuckDB file to write into (default: snipeit.duckdb)")
    parser.add_argument("--config", help="connector config JSON; without it the bundled emulator is synced")
    parser.add_argument("--streams", help="comma-separated streams to sync (default: all): " + ", ".join(STREAMS))
    parser.add_argument("--full-refresh", action="store_true",
                        help="read the chosen streams from scratch (their rows and state are replaced)")
    parser.add_argument("--hardware", type=int, default=5000, help="emulator: number of assets (default 5000)")
    parser.add_argument("--users", type=int, default=300, help="emulator: number of users (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="emulator: data seed (default 1)")
    args = parser.parse_args(argv)
    streams = [s.strip() for s in args.streams.split(",") if s.strip()] if args.streams else None
    unknown = [s for s in streams or [] if s not in STREAMS]
    if unknown or streams == []:
        parser.error(f"--streams: unknown stream(s) {', '.join(unknown) or '(none given)'}; the streams are: "
                     + ", ".join(STREAMS))
    db_path = Path(args.duckdb).expanduser().resolve()
    emulator: Optional[EmulatorProcess] = None
    started = time.monotonic()
    _stop_on_sigterm()
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
        skipped = sync(config, db_path, streams, full_refresh=args.full_refresh)
        truth = emulator.truth_counts() if emulator else None
        problems = report(db_path, truth, streams, skipped)
        if problems:
            raise SyncError("row counts differ from the emulator's: " + "; ".join(problems))
        print(f"\nDone in {time.monotonic() - started:.1f} s: {db_path}")
        if skipped:
            print(f"Skipped (no permission): {', '.join(skipped)}; see the warnings above.")
        return 0
    except KeyboardInterrupt:
        print(f"local_sync: interrupted; {db_path} was left as it was", file=sys.stderr)
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
