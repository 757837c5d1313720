"""Build the dbt models (and their tests) on a DuckDB file the connector wrote, then the HTML report.
What `make models` runs, and `make demo` / `make sync` after the sync.

    python analytics/run.py [--duckdb snipeit.duckdb] [--as-of YYYY-MM-DD] [--report snipeit-report.html]
                            [--source-schema main] [--no-report]

Exits non-zero with a one-line message (after dbt's own summary) when a model or a test fails.
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


def build_models(db_path: Path, as_of: Optional[str] = None, source_schema: str = "main",
                 target_schema: str = "analytics", quiet: bool = False,
                 select: Optional[str] = None) -> subprocess.CompletedProcess:
    if not db_path.exists():
        raise ModelsError(f"DuckDB file not found: {db_path} (run `make demo` or `make sync CONFIG=...` first)")
    vars_ = {"snipeit_schema": source_schema}
    if as_of:
        vars_["as_of_date"] = as_of
    # cautious: a relationships test to a model outside the selection is left out, not run against nothing
    selection = ["--select", select, "--indirect-selection", "cautious"] if select else []
    proc = dbt(["build", *selection], {"SNIPEIT_DBT_TARGET": "duckdb", "SNIPEIT_DUCKDB": str(db_path),
                                       "SNIPEIT_DBT_SCHEMA": target_schema}, vars_, quiet=quiet)
    if proc.returncode != 0:
        failing = [line.strip() for line in proc.stdout.splitlines() if " ERROR " in line or " FAIL " in line]
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["no output"]
        detail = "; ".join(failing[:5]) or tail[0]
        raise ModelsError(f"dbt build failed: {detail}")
    return proc


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", default="snipeit.duckdb", help="DuckDB file the connector wrote")
    parser.add_argument("--as-of", help="day the marts are computed for, YYYY-MM-DD (default today)")
    parser.add_argument("--source-schema", default="main", help="schema of the connector's tables (default main)")
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
    try:
        build_models(db_path, args.as_of, args.source_schema, args.schema)
        if not args.no_report:
            path = build_report(db_path, Path(args.report).expanduser().resolve(), args.schema)
            print(f"\nReport: {path}")
        return 0
    except (ModelsError, ReportError) as exc:
        print(f"models: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
