"""Build the dbt models (and their tests) on a DuckDB file the connector wrote, check the sources' freshness, then
write the HTML report. What `make models` runs, and `make demo` / `make sync` after the sync.

    python analytics/run.py [--duckdb snipeit.duckdb] [--as-of YYYY-MM-DD] [--report snipeit-report.html]
                            [--source-schema main] [--table-prefix P] [--default-currency EUR] [--no-report]

The models run on whatever streams the file holds: each stream's var snipeit__using_<stream> is set from whether
its table is there (a token that may not read users or groups still gets every model and the report). Exits
non-zero with a one-line message (after dbt's own summary) when a model, a test or a freshness check fails; a
freshness warning (a stream whose newest row is older than a day) is printed and does not fail the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

PROJECT = Path(__file__).resolve().parent
sys.path.insert(0, str(PROJECT))

from report import ReportError, build_report  # noqa: E402


FRESHNESS_WARN_HOURS = 26  # dbt_project.yml's snipeit_freshness_warn_after_hours


class ModelsError(Exception):
    pass


def dbt_executable() -> str:
    # the dbt of this interpreter's environment (the venv `make install` made), else one on PATH
    candidate = Path(sys.executable).parent / "dbt"
    found = str(candidate) if candidate.exists() else shutil.which("dbt")
    if not found:
        raise ModelsError("dbt is not installed: run `make install` (it installs the [analytics] extra)")
    return found


def dbt(args: Sequence[str], env_overrides: Dict[str, str], vars_: Dict[str, object], quiet: bool = False
        ) -> subprocess.CompletedProcess:
    """Run one dbt command on this project; target/ and logs/ go to a temporary folder so that runs in
    parallel (tests) do not share them."""
    import json

    with tempfile.TemporaryDirectory(prefix="snipeit-dbt-") as tmp:
        base = Path(tmp)
        env = dict(os.environ, DBT_PROFILES_DIR=str(PROJECT), DBT_TARGET_PATH=str(base / "target"),
                   DBT_LOG_PATH=str(base / "logs"), DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_USE_COLORS="false",
                   DO_NOT_TRACK="1", **env_overrides)
        cmd = [dbt_executable(), *args, "--project-dir", str(PROJECT), "--vars", json.dumps(vars_)]
        proc = subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True)
    if not quiet:
        sys.stdout.write(proc.stdout)
    return proc


def stream_names() -> List[str]:
    """The streams the package knows (its generated column list, which follows the connector's manifest)."""
    import re

    text = (PROJECT / "macros" / "snipeit_stream_columns.sql").read_text()
    return re.findall(r"^    '(\w+)': \[", text, flags=re.M)


def synced_streams(db_path: Path, source_schema: str = "main", table_prefix: str = "") -> Dict[str, bool]:
    """stream -> whether the file holds its table: the default of each snipeit__using_<stream> var."""
    import duckdb

    if not db_path.exists():
        raise ModelsError(f"DuckDB file not found: {db_path} (run `make demo` or `make sync CONFIG=...` first)")
    with duckdb.connect(str(db_path), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()}
        if source_schema not in schemas:
            raise ModelsError(f"{db_path} has no schema {source_schema!r} (its schemas: {', '.join(sorted(schemas))})")
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = ?",
                                            [source_schema]).fetchall()}
    using = {stream: f"{table_prefix}{stream}" in tables for stream in stream_names()}
    if not any(using.values()):
        raise ModelsError(f"schema {source_schema!r} of {db_path} holds none of the Snipe-IT tables "
                          f"(table prefix {table_prefix!r}): was it written by the connector?")
    return using


def model_vars(db_path: Path, as_of: Optional[str], source_schema: str, table_prefix: str = "",
               extra: Optional[Dict[str, object]] = None) -> Dict[str, object]:
    vars_: Dict[str, object] = {"snipeit_schema": source_schema, "snipeit_table_prefix": table_prefix}
    vars_.update({f"snipeit__using_{stream}": found
                  for stream, found in synced_streams(db_path, source_schema, table_prefix).items()})
    if as_of:
        vars_["as_of_date"] = as_of
    vars_.update(extra or {})
    return vars_


def duckdb_env(db_path: Path, target_schema: str) -> Dict[str, str]:
    return {"SNIPEIT_DBT_TARGET": "duckdb", "SNIPEIT_DUCKDB": str(db_path), "SNIPEIT_DBT_SCHEMA": target_schema}


def _failure_detail(proc: subprocess.CompletedProcess) -> str:
    failing = [line.strip() for line in proc.stdout.splitlines()
               if " ERROR " in line or " FAIL " in line or "Compilation Error" in line or "Runtime Error" in line]
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["no output"]
    return "; ".join(failing[:5]) or tail[0]


def build_models(db_path: Path, as_of: Optional[str] = None, source_schema: str = "main",
                 target_schema: str = "analytics", quiet: bool = False, select: Optional[str] = None,
                 table_prefix: str = "", extra_vars: Optional[Dict[str, object]] = None) -> subprocess.CompletedProcess:
    vars_ = model_vars(db_path, as_of, source_schema, table_prefix, extra_vars)
    skipped = [name[len("snipeit__using_"):] for name, used in vars_.items()
               if name.startswith("snipeit__using_") and not used]
    if skipped and not quiet:
        print(f"models: not synced, so their models are empty and the marts show nulls for them: {', '.join(skipped)}")
    # cautious: a relationships test to a model outside the selection is left out, not run against nothing
    selection = ["--select", select, "--indirect-selection", "cautious"] if select else []
    proc = dbt(["build", *selection], duckdb_env(db_path, target_schema), vars_, quiet=quiet)
    if proc.returncode != 0:
        raise ModelsError(f"dbt build failed: {_failure_detail(proc)}")
    return proc


def check_freshness(db_path: Path, source_schema: str = "main", target_schema: str = "analytics",
                    table_prefix: str = "", quiet: bool = False,
                    extra_vars: Optional[Dict[str, object]] = None) -> Dict[str, str]:
    """`dbt source freshness` on the synced streams; returns source -> PASS | WARN | ERROR STALE."""
    import re

    vars_ = model_vars(db_path, None, source_schema, table_prefix, extra_vars)
    proc = dbt(["source", "freshness"], duckdb_env(db_path, target_schema), vars_, quiet=quiet)
    verdicts = {m.group(2): m.group(1) for m in
                re.finditer(r"\d+ of \d+ (PASS|WARN|ERROR STALE|ERROR) freshness of (\S+?) \.", proc.stdout)}
    if proc.returncode != 0:
        stale = [name for name, verdict in verdicts.items() if verdict.startswith("ERROR")]
        raise ModelsError(f"dbt source freshness failed: {', '.join(stale) if stale else _failure_detail(proc)}")
    return verdicts


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", default="snipeit.duckdb", help="DuckDB file the connector wrote")
    parser.add_argument("--as-of", help="day the marts are computed for, YYYY-MM-DD (default today)")
    parser.add_argument("--source-schema", default="main", help="schema of the connector's tables (default main)")
    parser.add_argument("--table-prefix", default="", help="prefix of the connector's table names (an Airbyte stream prefix)")
    parser.add_argument("--default-currency", help="the instance's default currency (e.g. EUR), for assets whose "
                                                   "location names none")
    parser.add_argument("--no-freshness", action="store_true", help="skip dbt source freshness")
    parser.add_argument("--schema", default="analytics", help="schema the models are built in (default analytics)")
    parser.add_argument("--report", default="snipeit-report.html", help="HTML report to write")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args(argv)
    if args.as_of:
        try:
            dt.date.fromisoformat(args.as_of)
        except ValueError:
            print(f"models: error: --as-of {args.as_of!r} is not a YYYY-MM-DD date", file=sys.stderr)
            return 2
    db_path = Path(args.duckdb).expanduser().resolve()
    extra = {"snipeit_default_currency": args.default_currency} if args.default_currency else {}
    try:
        build_models(db_path, args.as_of, args.source_schema, args.schema, table_prefix=args.table_prefix,
                     extra_vars=extra)
        if not args.no_freshness:
            verdicts = check_freshness(db_path, args.source_schema, args.schema, args.table_prefix, quiet=True,
                                       extra_vars=extra)
            warned = sorted(name for name, verdict in verdicts.items() if verdict != "PASS")
            print(f"\nFreshness: {len(verdicts) - len(warned)} of {len(verdicts)} synced streams have rows extracted "
                  f"in the last {FRESHNESS_WARN_HOURS} h" + (f"; older: {', '.join(warned)} (a stream nobody changed "
                                                              "keeps its old extraction time)" if warned else ""))
        if not args.no_report:
            path = build_report(db_path, Path(args.report).expanduser().resolve(), args.schema, args.source_schema)
            print(f"\nReport: {path}")
        return 0
    except (ModelsError, ReportError) as exc:
        print(f"models: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
