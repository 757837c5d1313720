"""Benchmarks for source-snipeit against the bundled emulator. Prints figures; never asserts on time.

    python benchmarks/run.py                 # everything (~10 min on 2 cores)
    python benchmarks/run.py --quick         # smaller datasets, no 1M row section (~2-3 min)
    python benchmarks/run.py --skip-1m       # default sizes, without the 1M-row RSS measurement
    python benchmarks/run.py --only 1,2      # a subset of sections (1 throughput, 2 incremental,
                                             #  3 latency+rate limit, 4 peak RSS, 5 profile,
                                             #  6 slow server: pages of one stream in parallel)
    python benchmarks/run.py --profile       # also run section 5 (cProfile of the 100k read -> benchmarks/profile.txt)
    python benchmarks/run.py --compare main~3 --only 1,2   # the same sections for the connector at main~3
                                             #  ("before", extracted once into .cache/bench-<sha>) and for this
                                             #  checkout ("after"), on the same emulator data: one table each

The emulator runs as its own subprocess (`python -m snipeit_emulator ... --warm`, 127.0.0.1, free port), the
connector as `python main.py read ...` and the baseline as `python benchmarks/plain_reader.py`; their stdout is
consumed and counted here, CPU time and peak RSS come from os.wait4() on that child. With --compare, "before"
is `python .cache/bench-<sha>/main.py ...` with the same interpreter: the script's folder comes first on sys.path,
so it imports that folder's source_snipeit, not this checkout's editable install (checked at start with
`python -v`). The emulator, the plain loop and the figures' targets always come from this checkout.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PY = sys.executable
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
from snipeit_emulator import DEFAULT_TOKEN  # noqa: E402
from harness import STREAMS as _CORE, emulator_resource, manifest_dict  # noqa: E402

STREAMS = list(_CORE)  # the ten core streams, as the harness reads them from manifest.yaml
RESOURCE = {s: emulator_resource(s) for s in STREAMS}
# Streams the API can sort by updated_at (manifest: sort_by_updated_at) and their number of passes (default config).
SORTABLE_PASSES = {p["name"]: len([x for x in p.get("passes") or [{}] if not x.get("when")])
                   for p in (st.get("$parameters") or {} for st in manifest_dict()["streams"]) if p.get("sort_by_updated_at")}
SMALL = dict(users=300, companies=5, locations=20, categories=8, manufacturers=10, suppliers=12, models=40,
             statuslabels=6, departments=10)
UNLIMITED = 10_000_000


LAST_RUN = BENCH / "last_run.txt"  # written by every run (machine-specific figures: not in git)
CACHE = ROOT / ".cache"  # gitignored; --compare extracts the "before" connector into CACHE / "bench-<sha>"


@dataclass(frozen=True)
class Version:
    """One connector to benchmark: `PY <root>/main.py ...`, run with cwd=root."""
    label: str  # "connector" (a plain run), "before" or "after" (--compare)
    root: Path
    desc: str  # "this checkout", "main~3 = 1c2806123456", ...

    @property
    def tag(self) -> str:
        """Suffix for a section header: which connector the lines below belong to (nothing in a plain run)."""
        return "" if self.label == "connector" else f"   [{self.label}: {self.desc}]"


CURRENT = Version("connector", ROOT, "this checkout")


def log(msg: str = "") -> None:
    print(msg, flush=True)
    with LAST_RUN.open("a", encoding="utf-8") as out:
        out.write(msg + "\n")


# ------------------------------------------------------------------------------------------------ emulator
class Emu:
    def __init__(self, hardware: int, warm: bool = True, latency: float = 0.0, rate_limit: int = UNLIMITED,
                 max_results: int = 500, cost=None, activity=None, **sizes):
        """cost=(fixed s, s per row, server workers): the emulator's real-server cost model; activity=N log entries."""
        sizes = {**SMALL, **sizes}
        cmd = [PY, "-m", "snipeit_emulator", "--host", "127.0.0.1"]
        if cost is not None:
            fixed, per_row, workers = cost
            cmd += ["--latency-fixed", str(fixed), "--latency-per-row", str(per_row), "--workers", str(workers)]
        if activity:
            cmd += ["--activity", str(activity)]
        cmd += ["--port", "0", "--hardware", str(hardware),
                "--rate-limit", str(rate_limit), "--latency", str(latency), "--max-results", str(max_results)]
        for k, v in sizes.items():
            cmd += ["--" + k, str(v)]
        if warm:
            cmd.append("--warm")
        t0 = time.monotonic()
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=self.stderr)
        line = self.proc.stdout.readline().decode()
        if "listening on" not in line:
            self.stderr.seek(0)
            raise RuntimeError(f"emulator did not start: {line!r} {self.stderr.read()[-2000:]!r}")
        self.url = line.split("listening on", 1)[1].strip()
        self.startup = time.monotonic() - t0

    def control(self, path: str, body=None, method=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/__emulator__/" + path, data=data, method=method or (
            "POST" if data is not None else "GET"), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def requests(self):
        return self.control("requests")

    def clear_requests(self):
        self.control("requests", method="DELETE")

    def rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ------------------------------------------------------------------------------------------------ connector
def write_inputs(tmp: Path, emu: Emu, streams, sync_mode="incremental", state=None, **config_overrides):
    config = {"base_url": emu.url, "api_token": DEFAULT_TOKEN, "requests_per_minute": UNLIMITED,
              **config_overrides}
    catalog = {"streams": [{
        "stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"],
                   "source_defined_cursor": True, "default_cursor_field": ["updated_at_datetime"],
                   "source_defined_primary_key": [["id"]]},
        "sync_mode": sync_mode,
        "cursor_field": ["updated_at_datetime"] if sync_mode == "incremental" else [],
        "destination_sync_mode": "append_dedup" if sync_mode == "incremental" else "overwrite",
        "primary_key": [["id"]]} for s in streams]}
    (tmp / "config.json").write_text(json.dumps(config))
    (tmp / "catalog.json").write_text(json.dumps(catalog))
    args = ["read", "--config", str(tmp / "config.json"), "--catalog", str(tmp / "catalog.json")]
    if state is not None:
        (tmp / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp / "state.json")]
    return args


def run_child(cmd, parse_state=False, cwd=ROOT, digest=False):
    """Run cmd, consume and count its stdout lines. Returns counts, wall, cpu, peak RSS (from wait4); with digest,
    also SHA-256 digests of the RECORD lines (emitted_at cut out) and of the STATE lines, each stream's in its
    output order, and one of each stream's records in any order (a tie group comes back shuffled: the emulator
    orders rows sharing one updated_at second differently on every request, as MySQL does)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1 << 20)
    import threading
    err_chunks = []
    t = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True)
    t.start()
    per_stream: Counter = Counter()
    states = []
    errors = []
    other = 0
    marker = b'"stream":"'
    records_sha, states_sha = {}, {}  # per stream: streams read concurrently interleave their lines
    record_hashes = {}  # per stream, one hash per record: the set of records, whatever their order
    for line in proc.stdout:
        if line.startswith(b'{"type":"RECORD"'):
            i = line.find(marker) + len(marker)
            stream = line[i:line.find(b'"', i)].decode()
            per_stream[stream] += 1
            if digest:
                record = _without_emitted_at(line)
                (records_sha.get(stream) or records_sha.setdefault(stream, hashlib.sha256())).update(record)
                record_hashes.setdefault(stream, []).append(hashlib.sha256(record).digest())
        else:
            other += 1
            if digest and b'"STATE"' in line[:40]:
                descriptor = json.loads(line)["state"].get("stream", {}).get("stream_descriptor", {})
                states_sha.setdefault(descriptor.get("name", ""), hashlib.sha256()).update(line)
            if parse_state and b'"STATE"' in line[:40]:
                states.append(json.loads(line))
            elif b'"TRACE"' in line[:40] and b'"error"' in line:
                errors.append(line[:600].decode(errors="replace"))
            elif b'"LOG"' in line[:40] and (b'"ERROR"' in line or b'"FATAL"' in line):
                errors.append(line[:600].decode(errors="replace"))
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    t.join(5)
    stderr = b"".join(err_chunks).decode(errors="replace")
    return {"records": sum(per_stream.values()), "per_stream": dict(per_stream), "wall": wall,
            "cpu": ru.ru_utime + ru.ru_stime, "nvcsw": ru.ru_nvcsw, "nivcsw": ru.ru_nivcsw, "user": ru.ru_utime, "sys": ru.ru_stime,
            "maxrss_mb": ru.ru_maxrss / 1024, "rc": proc.returncode, "states": states, "errors": errors,
            "other_lines": other, "stderr": stderr[-2000:],
            "records_sha": _combined(records_sha) if digest else None,
            "records_set_sha": _combined({k: hashlib.sha256(b"".join(sorted(v))) for k, v in record_hashes.items()})
            if digest else None,
            "states_sha": _combined(states_sha) if digest else None}


def _combined(digests: dict) -> str:
    """One digest of per-stream digests, independent of how the streams' lines interleaved."""
    return hashlib.sha256("".join(f"{k}:{v.hexdigest()};" for k, v in sorted(digests.items())).encode()).hexdigest()[:16]


_EMITTED_AT = re.compile(rb',"emitted_at":\d+')


def _without_emitted_at(line: bytes) -> bytes:
    """A RECORD line without its emitted_at (the one field that differs between two runs of the same read)."""
    i = line.rfind(b',"emitted_at":')
    return line if i < 0 else line[:i] + _EMITTED_AT.sub(b"", line[i:], count=1)


def connector(args, version: Version = CURRENT, **kw):
    """The connector of `version` (its root's main.py, this interpreter), with the benchmark's args."""
    return run_child([PY, str(version.root / "main.py"), *args], cwd=version.root, **kw)


def check(res, what):
    if res["rc"] != 0 or res["errors"]:
        log(f"  !! {what}: exit {res['rc']}; errors: {res['errors'][:3]} {res['stderr'][-800:]}")


def final_state(states):
    """The last per-stream state of each stream, as a list of STATE messages for --state."""
    last = {}
    for msg in states:
        st = msg.get("state", {})
        if st.get("type") == "STREAM":
            last[st["stream"]["stream_descriptor"]["name"]] = {"type": "STREAM", "stream": st["stream"]}
        elif st.get("type") == "GLOBAL":
            last["__global__"] = {"type": "GLOBAL", "global": st["global"]}
    return list(last.values())


def count_requests(reqs):
    per = Counter()
    codes = Counter()
    for r in reqs:
        path = r["path"]
        if not path.startswith("/api/v1/"):
            continue
        per[path[len("/api/v1/"):].split("/")[0]] += 1
        codes[r["status"]] += 1
    return per, codes


# ------------------------------------------------------------------------------------------------ --compare
def git(*args, repo: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def materialise(ref: str, repo: Path = ROOT, cache: Path = CACHE):
    """The tree of commit `ref` in <cache>/bench-<sha12>: extracted once (git archive into a scratch folder, then
    renamed, so an interrupted run leaves no half-made checkout behind), reused by later runs. A folder made by
    hand with `git worktree add --detach <cache>/bench-<sha12> <ref>` is reused too. Returns (folder, sha, reused)."""
    try:
        sha = git("rev-parse", "--verify", "--quiet", ref + "^{commit}", repo=repo)
    except subprocess.CalledProcessError:
        raise SystemExit(f"--compare {ref!r}: not a commit of this repository") from None
    dest = cache / f"bench-{sha[:12]}"
    marker = dest / ".bench-commit"
    if (dest / "main.py").is_file():
        if marker.is_file() and marker.read_text().split()[:1] == [sha]:
            return dest, sha, True
        if (dest / ".git").exists():
            try:
                if git("rev-parse", "HEAD", repo=dest) == sha and not git("status", "--porcelain", repo=dest):
                    return dest, sha, True
            except subprocess.CalledProcessError:
                pass
    if dest.exists():
        raise SystemExit(f"--compare {ref!r}: {dest} exists but is not a clean checkout of {sha}; remove it")
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".bench-{sha[:12]}.partial-", dir=cache))
    try:
        archive = subprocess.Popen(["git", "archive", "--format=tar", sha], cwd=repo, stdout=subprocess.PIPE)
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(scratch, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        if archive.wait() != 0:
            raise SystemExit(f"--compare {ref!r}: git archive failed")
        (scratch / ".bench-commit").write_text(f"{sha} {ref}\n")
        scratch.chmod(0o755)  # mkdtemp made it private
        try:
            os.rename(scratch, dest)
        except OSError:
            if not marker.is_file():  # not another run that made it meanwhile
                raise
    finally:
        if scratch.exists():
            shutil.rmtree(scratch)
    return dest, sha, False


_IMPORTED = re.compile(r"(?:matches |code object from '?)([^'\s]*(?:source_snipeit[\\/]\w+|[\\/]components)\.py)")


def imported_files(version: Version) -> list:
    """The connector files (components.py, source_snipeit/) a child started exactly like the connector runs (`PY <root>/main.py spec`, cwd
    root) loads, from `python -v`'s import trace. The venv has this checkout installed in editable mode: only the
    script's folder coming first on sys.path makes the before run import the before folder's package."""
    res = subprocess.run([PY, "-v", str(version.root / "main.py"), "spec"], cwd=version.root, capture_output=True,
                         text=True, timeout=600)
    return sorted({Path(m).resolve() for m in _IMPORTED.findall(res.stderr)})


def verify_versions(versions) -> None:
    """Stop unless each version imports its own components.py (at the root, or in source_snipeit/ before it moved)
    and no two the same."""
    seen = {}
    for v in versions:
        files = imported_files(v)
        root = v.root.resolve()
        package = root / "source_snipeit"
        components = root / "components.py"
        if not components.is_file():
            components = package / "components.py"
        foreign = [f for f in files if f.parent not in (root, package)]
        if components not in files or foreign:
            raise SystemExit(f"!! {v.label} ({v.desc}) does not import its own source_snipeit: {components} "
                             f"{'not loaded' if components not in files else 'loaded'}; "
                             f"other: {[str(f) for f in foreign][:4]}")
        if components in seen:
            raise SystemExit(f"!! {v.label} and {seen[components]} import the same {components}")
        seen[components] = v.label
        log(f"   {v.label:6} = {v.desc}: imports {_shown(components)} ({len(files)} source_snipeit files)")


def _shown(path: Path) -> str:
    """A path for the output, relative to this checkout when inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def same_connector_code(sha: str) -> bool:
    """True when this checkout's connector (working tree, uncommitted changes included) equals commit `sha`'s."""
    return subprocess.run(["git", "diff", "--quiet", sha, "--", "main.py", "manifest.yaml", "components.py", "source_snipeit"],
                          cwd=ROOT).returncode == 0


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"
    except OSError:
        return "n/a"


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def ratio_text(before, after) -> str:
    """after/before for two numbers; '=' when both are 0; '-' when there is nothing to divide; for two digests
    (strings), whether they are identical."""
    if isinstance(before, str) and isinstance(after, str):  # digests: the verdict, not a ratio
        return "identical" if before == after else "DIFFERENT"
    if not (_is_number(before) and _is_number(after)):
        return "-"
    if before == 0:
        return "=" if after == 0 else "-"
    return f"{after / before:.2f}"


def value_text(value, spec: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str) or not _is_number(value):
        return str(value)
    return format(value, spec)


def comparison_rows(before, after) -> list:
    """before, after: [(figure, value, format spec)] of one section. Rows (figure, before, after, after/before)
    matched by figure, in before's order then figures only after has; a figure missing on one side shows '-'."""
    b = {name: (value, spec) for name, value, spec in before}
    a = {name: (value, spec) for name, value, spec in after}
    names = list(b) + [name for name in a if name not in b]
    rows = []
    for name in names:
        bv, bspec = b.get(name, (None, ""))
        av, aspec = a.get(name, (None, ""))
        rows.append((name, value_text(bv, bspec), value_text(av, aspec or bspec), ratio_text(bv, av)))
    return rows


def comparison_table(title: str, before, after) -> list:
    rows = comparison_rows(before, after)
    width = max([len("figure")] + [len(r[0]) for r in rows])
    vw = max([12] + [len(r[i]) for r in rows for i in (1, 2)])
    lines = [f"-- {title} --",
             f"{'figure':{width}}  {'before':>{vw}}  {'after':>{vw}}  {'after/before':>12}"]
    lines += [f"{name:{width}}  {bv:>{vw}}  {av:>{vw}}  {ratio:>12}" for name, bv, av, ratio in rows]
    return lines


class Comparison:
    """The run's versions: [CURRENT] without --compare, else [before, after]; prints one table per section."""

    def __init__(self, versions):
        self.versions = list(versions)
        self.tables = []
        self._turn = 0

    @property
    def active(self) -> bool:
        return len(self.versions) == 2

    def each(self, run):
        """run(version) for every version, alternating which goes first from one section to the next (so the
        machine's load drifts over both alike); returns {label: result}."""
        order = self.versions if self._turn % 2 == 0 else self.versions[::-1]
        self._turn += 1
        return {v.label: run(v) for v in order}

    def report(self, section: str, results: dict, figures) -> None:
        """figures(result) -> [(figure, value, format spec)]; prints the section's before/after table."""
        if not self.active:
            return
        before, after = self.versions
        lines = comparison_table(f"{section}: before {before.desc}, after {after.desc}",
                                 figures(results[before.label]), figures(results[after.label]))
        self.tables.append(lines)
        log("")
        for line in lines:
            log("   " + line)


# ------------------------------------------------------------------------------------------------ sections
def section_throughput(n: int, stdlib_json: bool, versions=(CURRENT,)):
    """Each connector run twice against one warm emulator, interleaved with the plain loop: plain, connectors,
    plain, connectors in reverse order (with --compare: plain, before, after, plain, after, before); the better
    run of each counts. Returns {"versions": {label: figures}, "plain": best plain run, ...}."""
    log(f"\n== 1. Full read of hardware, {n:,} rows: connector vs plain requests loop ==")
    versions = list(versions)
    runs, plains, plain_reqs, parts = _throughput_runs(n, stdlib_json, versions)
    best_p = max(plains, key=lambda r: r["records"] / r["wall"])
    out = {"versions": {}, "plain": best_p, "plain_requests": plain_reqs}
    for v in versions:
        best = max(runs[v.label], key=lambda r: r["records"] / r["wall"])
        out["versions"][v.label] = {"best": best, "runs": runs[v.label], "plain": best_p, "plain_requests": plain_reqs}
    _throughput_table(out, versions, runs, plains)
    if parts is not None:
        ours = out["versions"][CURRENT.label]
        report_breakdown(parts, ours["best"], best_p)
        out.update(connector=ours["best"], ratio_wall=ours["ratio_wall"], ratio_cpu=ours["ratio_cpu"])
    else:
        log("   (the CPU breakdown runs without --compare: its helpers patch this checkout's components)")
    return out


def _throughput_runs(n: int, stdlib_json: bool, versions: list):
    """The timed runs of section 1 on one warm emulator: ({label: [run, run]}, [plain, plain], plain requests,
    the CPU breakdown or None)."""
    runs = {v.label: [] for v in versions}
    with Emu(hardware=n, warm=True) as emu, tempfile.TemporaryDirectory() as tmp:
        log(f"   emulator up in {emu.startup:.1f} s (warm), {emu.url}, RSS {emu.rss_mb():.0f} MB")
        args = write_inputs(Path(tmp), emu, ["hardware"], sync_mode="full_refresh")

        def read(v: Version):
            emu.clear_requests()
            res = connector(args, v, digest=True)
            res["requests"] = len(emu.requests())
            check(res, v.label)
            runs[v.label].append(res)

        # One untimed warm-up pass of the plain reader so both timed runs see the same (warm) server.
        plain_cmd = [PY, str(BENCH / "plain_reader.py"), emu.url, DEFAULT_TOKEN] + (
            ["--stdlib-json"] if stdlib_json else [])
        plain = run_child(plain_cmd)
        check(plain, "plain")
        for v in versions:
            read(v)
        emu.clear_requests()
        plain2 = run_child(plain_cmd)
        plain_reqs = len(emu.requests())
        check(plain2, "plain")
        for v in reversed(versions):
            read(v)
        # Where the CPU goes: helpers that patch this checkout's components in place; not run for a comparison.
        parts = cost_breakdown(emu, Path(tmp), args, plain_cmd, max(runs[CURRENT.label][-1]["records"], 1)) \
            if versions == [CURRENT] else None
    return runs, [plain, plain2], plain_reqs, parts


def _throughput_table(out: dict, versions: list, runs: dict, plains: list) -> None:
    """Section 1's table and ratios; sets each version's ratio_wall and ratio_cpu in out."""
    best_p, plain_reqs = out["plain"], out["plain_requests"]
    rows = [(v.label, out["versions"][v.label]["best"], out["versions"][v.label]["best"]["requests"]) for v in versions]
    rows.append(("plain", best_p, plain_reqs))
    log(f"   {'':10} {'records':>8} {'wall s':>7} {'rec/s':>8} {'cpu s':>7} {'rec/cpu-s':>9} {'peak RSS':>9} {'requests':>8}")
    for name, r, nreq in rows:
        log(f"   {name:10} {r['records']:>8,} {r['wall']:>7.2f} {r['records'] / r['wall']:>8,.0f} {r['cpu']:>7.2f} "
            f"{r['records'] / max(r['cpu'], 1e-9):>9,.0f} {r['maxrss_mb']:>7.0f}MB {nreq:>8}")
    p_rps, p_rpc = best_p["records"] / best_p["wall"], best_p["records"] / max(best_p["cpu"], 1e-9)
    for v in versions:
        fig = out["versions"][v.label]
        best = fig["best"]
        fig["ratio_wall"] = best["records"] / best["wall"] / p_rps
        fig["ratio_cpu"] = best["records"] / max(best["cpu"], 1e-9) / p_rpc
        who = "connector" if v is CURRENT else v.label
        log(f"   ratio {who}/plain records/s (wall): {fig['ratio_wall']:.2f}   (target >= 0.8)")
        log(f"   ratio {who}/plain records per CPU-second: {fig['ratio_cpu']:.2f}")
        if best["records"] != best_p["records"]:
            log(f"   !! record counts differ: {who} {best['records']} vs plain {best_p['records']}")
        if len({(r["records_sha"], r["states_sha"]) for r in runs[v.label]}) > 1:
            log(f"   !! the two runs of {who} wrote different records or states")
    both = ", ".join(f"{'connector' if v is CURRENT else v.label} "
                     + " / ".join(f"{r['records'] / r['wall']:,.0f}" for r in runs[v.label]) for v in versions)
    plain_rates = " / ".join(f"{p['records'] / p['wall']:,.0f}" for p in plains)
    log(f"   (both runs of each: {both} rec/s, plain {plain_rates} rec/s)")


def figures_throughput(fig: dict) -> list:
    best, plain = fig["best"], fig["plain"]
    return [
        ("records", best["records"], ","),
        ("connector records/s (wall, better of 2 runs)", best["records"] / best["wall"], ",.0f"),
        ("plain requests loop records/s (same run, shared)", plain["records"] / plain["wall"], ",.0f"),
        ("ratio connector/plain records/s (target >= 0.8)", fig["ratio_wall"], ".3f"),
        ("connector records per CPU-s", best["records"] / max(best["cpu"], 1e-9), ",.0f"),
        ("ratio connector/plain records per CPU-s", fig["ratio_cpu"], ".3f"),
        ("wall s (that run)", best["wall"], ".2f"),
        ("CPU s (that run)", best["cpu"], ".2f"),
        ("peak RSS MB (that run)", best["maxrss_mb"], ".0f"),
        ("requests", best["requests"], "d"),
        ("records digest (SHA-256 without emitted_at)", best["records_sha"], "s"),
        ("states digest (SHA-256)", best["states_sha"], "s"),
    ]


def cost_breakdown(emu: "Emu", tmp: Path, args, plain_cmd, n: int) -> dict:
    """Where the CPU goes, measured in the same run: HTTP + decode alone (plain loop, --fetch-only), the CDK
    alone (connector entrypoint yielding n prebuilt records: benchmarks/cdk_floor.py, and with 0 records for
    its startup), both normalisers on the same rows (in this process, best of 5), and the connector's normaliser
    timed in place during a real read (benchmarks/timed_read.py)."""
    import requests
    import plain_reader
    fetch = min((run_child(plain_cmd + ["--fetch-only"]) for _ in range(2)), key=lambda r: r["cpu"])
    plain_startup = min(run_child([PY, str(BENCH / "plain_reader.py"), "--help"])["cpu"] for _ in range(2))
    session = requests.Session()
    session.headers.update({"Authorization": "Bearer " + DEFAULT_TOKEN, "Accept": "application/json"})
    rows = []
    for offset in range(0, 2000, 500):
        rows += session.get(emu.url + "/api/v1/hardware", params={"sort": "id", "order": "asc", "limit": 500,
                                                                  "offset": offset}).json()["rows"]
    rows_path = tmp / "prebuilt_rows.json"
    rows_path.write_text(json.dumps([plain_reader.normalize(r) for r in rows[:500]]))
    floor = {}
    for count in (0, n):
        runs = [run_child([PY, str(BENCH / "cdk_floor.py"), str(count), str(rows_path), "--", *args]) for _ in range(2)]
        for r in runs:
            check(r, "cdk floor")
        floor[count] = min(runs, key=lambda r: r["cpu"])
    timed = run_child([PY, str(BENCH / "timed_read.py"), "--", *args])
    check(timed, "timed read")
    counted = [line.split() for line in timed["stderr"].splitlines() if line.startswith("NORMALISE ")]
    in_place_us = int(counted[-1][2]) / max(int(counted[-1][1]), 1) / 1000 if counted else float("nan")
    from source_snipeit.run import SourceSnipeit
    config = json.loads(Path(args[args.index("--config") + 1]).read_text())
    hardware = next(s for s in SourceSnipeit(config=config).streams(config) if s.name == "hardware")
    from components import RecordNormalizer
    ours = RecordNormalizer(hardware.get_json_schema(), config, "hardware", html_fields=("notes",))

    def per_row_us(fn) -> float:
        best = float("inf")
        for _ in range(5):
            t0 = time.process_time()
            for row in rows:
                fn(row)
            best = min(best, time.process_time() - t0)
        return best / len(rows) * 1e6
    return {"fetch": fetch, "plain_startup": plain_startup, "floor0": floor[0], "floorN": floor[n], "n": n,
            "ours_us": per_row_us(ours.normalize), "plain_us": per_row_us(plain_reader.normalize),
            "ours_in_place_us": in_place_us}


def report_breakdown(parts: dict, conn: dict, plain: dict) -> None:
    n = parts["n"]
    plain_startup = parts["plain_startup"]
    fetch_cpu = parts["fetch"]["cpu"] - plain_startup  # HTTP + decode of n records, without the interpreter's start
    fetch_us = fetch_cpu / n * 1e6
    startup = parts["floor0"]["cpu"]
    cdk_us = (parts["floorN"]["cpu"] - startup) / n * 1e6
    plain_rest_us = (plain["cpu"] - plain_startup - fetch_cpu) / n * 1e6 - parts["plain_us"]
    in_place = parts["ours_in_place_us"]
    conn_rest_us = (conn["cpu"] - startup - fetch_cpu) / n * 1e6 - cdk_us - in_place
    log("   where the CPU goes (CPU-s of separate runs in this section; µs per record):")
    log(f"     {'':44} {'connector':>10} {'plain':>8}")
    log(f"     {'startup (interpreter, imports, manifest)':44} {startup:>9.2f}s {plain_startup:>7.2f}s")
    log(f"     {'HTTP + JSON decode (plain --fetch-only)':44} {fetch_us:>9.1f}  {fetch_us:>8.1f}")
    log(f"     {'normalisation, warm loop over the same rows':44} {parts['ours_us']:>9.1f}  {parts['plain_us']:>8.1f}")
    log(f"     {'normalisation in the real read (thread CPU)':44} {in_place:>9.1f}")
    log(f"     {'record path: CDK Record/queue/message/JSON/stdout':44} {cdk_us:>9.1f}  {plain_rest_us:>8.1f}"
        "   (plain: orjson line + write)")
    log(f"     {'rest (paging, dedupe, generators; noise)':44} {conn_rest_us:>9.1f}")
    # The connector's own CPU with its normalisation taken out: the best a faster normaliser could reach.
    free_norm = conn["cpu"] - in_place * n / 1e6
    budget_us = (plain["cpu"] / 0.8 - free_norm) / n * 1e6
    log(f"   ratio if normalisation cost nothing: {plain['cpu'] / free_norm:.2f}; a 0.8 ratio leaves "
        f"{budget_us:.1f} µs/row for normalisation in place")
    log(f"   steady state (startup excluded on both sides): ratio "
        f"{(plain['cpu'] - plain_startup) / max(conn['cpu'] - startup, 1e-9):.2f}")


def section_incremental(n: int, k: int = 10, version: Version = CURRENT):
    log(f"\n== 2. Incremental sync after {k} hardware rows changed (hardware {n:,}, all ten streams) =={version.tag}")
    with Emu(hardware=n, warm=True) as emu, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # The emulator's clock fixed per step (its Date header and the rows it stamps agree): both sides of a
        # --compare then read the same rows with the same stamps, so their records and states can be compared.
        set_clock(emu, DAY0)
        args = write_inputs(tmp, emu, STREAMS)
        emu.clear_requests()
        full = connector(args, version, parse_state=True, digest=True)
        check(full, "full read")
        full_req, _ = count_requests(emu.requests())
        state = final_state(full["states"])
        set_clock(emu, DAY0 + 10)
        changed = emu.control("mutate", {"resource": "hardware", "op": "update", "count": k,
                                         "fields": {"name": "Bench & changed"}})["ids"]
        set_clock(emu, DAY0 + 12)
        emu.clear_requests()
        args2 = write_inputs(tmp, emu, STREAMS, state=state)
        inc = connector(args2, version, parse_state=True, digest=True)
        check(inc, "incremental read")
        inc_req, codes = count_requests(emu.requests())
    page = 500
    log(f"   full read: {full['records']:,} records, {sum(full_req.values())} requests, {full['wall']:.1f} s wall")
    log(f"   incremental: {inc['records']:,} records ({inc['per_stream'].get('hardware', 0)} hardware; "
        f"{len(changed)} rows mutated), {sum(inc_req.values())} requests, {inc['wall']:.2f} s wall "
        f"({inc['wall']/full['wall']:.3f} of the full read), status codes {dict(codes)}")
    log(f"   {'stream':14} {'full req':>8} {'incr req':>8} {'target':>7} {'records':>8}  verdict")
    verdicts = {}
    for s in STREAMS:
        res = RESOURCE.get(s, s)
        passes = SORTABLE_PASSES.get(s)
        got = inc_req.get(res, 0)
        recs = inc["per_stream"].get(s, 0)
        if passes:
            kk = k if s == "hardware" else 0
            target = passes * (math.ceil(kk / page) + 1)
            verdict = "ok" if got <= target else "OVER"
            tgt = str(target)
        else:
            tgt, verdict = "-", "full scan (no updated_at sort)"
        verdicts[s] = (got, tgt, verdict)
        log(f"   {s:14} {full_req.get(res, 0):>8} {got:>8} {tgt:>7} {recs:>8}  {verdict}")
    return {"full": full, "inc": inc, "full_req": full_req, "inc_req": inc_req, "verdicts": verdicts,
            "changed": changed}


def figures_incremental(r: dict) -> list:
    hw = RESOURCE.get("hardware", "hardware")
    others = {s: got for s, (got, _, _) in r["verdicts"].items() if s != "hardware"}
    return [
        ("full read: records", r["full"]["records"], ","),
        ("full read: requests", sum(r["full_req"].values()), "d"),
        ("incremental: requests, all streams", sum(r["inc_req"].values()), "d"),
        ("incremental: hardware requests (target <= 4)", r["inc_req"].get(hw, 0), "d"),
        ("incremental: most requests of another stream", max(others.values(), default=0), "d"),
        ("incremental: records", r["inc"]["records"], ","),
        ("incremental: hardware records (10 changed)", r["inc"]["per_stream"].get("hardware", 0), ","),
        ("incremental: streams OVER target", sum(1 for _, _, v in r["verdicts"].values() if v == "OVER"), "d"),
        ("incremental wall s", r["inc"]["wall"], ".2f"),
        ("full read: records digest (SHA-256 without emitted_at)", r["full"]["records_sha"], "s"),
        ("full read: states digest", r["full"]["states_sha"], "s"),
        # the 10 changed rows share one second: the emulator shuffles their order on every request
        ("incremental: records digest, any order", r["inc"]["records_set_sha"], "s"),
        ("incremental: states digest", r["inc"]["states_sha"], "s"),
    ]


def section_latency(hardware: int, page_size: int, latency: float, rpm: int, workers: int, pages_in_flight: int = 2,
                    version: Version = CURRENT):
    log(f"\n== 3. Full sync of all ten streams, {latency*1000:.0f} ms latency, {rpm}/min rate limit "
        f"(hardware {hardware:,}, page_size {page_size}) =={version.tag}")
    with Emu(hardware=hardware, warm=True, latency=latency, rate_limit=rpm) as emu, \
            tempfile.TemporaryDirectory() as tmp:
        args = write_inputs(Path(tmp), emu, STREAMS, sync_mode="full_refresh", requests_per_minute=rpm,
                            page_size=page_size, num_workers=workers, pages_in_flight=pages_in_flight)
        emu.clear_requests()
        res = connector(args, version)
        check(res, "latency sync")
        reqs = emu.requests()
    per, codes = count_requests(reqs)
    total = sum(per.values())
    n429 = codes.get(429, 0)
    ok = total - n429
    # Snipe-IT's limiter is a fixed 60 s window opening at the first request: request number i (0-based) cannot
    # be served before window i // rpm opens, i.e. 60 s x ((ok - 1) // rpm) after the first one.
    pacing = max(0, ok - 1) // rpm * 60.0 + latency
    critical = max(per.values()) * latency / pages_in_flight if per else 0
    floor = max(pacing, critical, total * latency / (workers * pages_in_flight))
    log(f"   {res['records']:,} records, {total} requests ({n429} x 429), per stream {dict(per)}")
    log(f"   wall {res['wall']:.1f} s   floor {floor:.1f} s  (rate limit: 60 s x ((requests-1) // {rpm}) + latency = {pacing:.1f} s; "
        f"critical path {max(per.values())} x {latency} s / {pages_in_flight} pages in flight = {critical:.1f} s)   "
        f"wall/floor {res['wall']/floor:.2f}")
    log(f"   429 responses: {n429} (target 0)   connector CPU {res['cpu']:.1f} s")
    return {"res": res, "per": per, "total": total, "n429": n429, "floor": floor, "pacing": pacing,
            "critical": critical}


def figures_latency(r: dict) -> list:
    return [("records", r["res"]["records"], ","), ("requests", r["total"], "d"), ("429 responses", r["n429"], "d"),
            ("wall s", r["res"]["wall"], ".1f"), ("floor s", r["floor"], ".1f"),
            ("wall/floor (pacing, target <= 1.1)", r["res"]["wall"] / r["floor"], ".2f"),
            ("connector CPU s", r["res"]["cpu"], ".1f")]


def section_slow_server(hardware: int, page_size: int, latency: float, settings=(1, 2, 4), versions=(CURRENT,)):
    """One emulator for every run; with --compare the two connectors take turns going first, setting by setting."""
    log(f"\n== 6. One large stream against a slow server: {latency*1000:.0f} ms a page, no tight rate limit "
        f"(hardware {hardware:,}, page_size {page_size}) ==")
    versions = list(versions)
    rows = {v.label: [] for v in versions}
    with Emu(hardware=hardware, warm=True, latency=latency) as emu, tempfile.TemporaryDirectory() as tmp:
        for i, pages_in_flight in enumerate(settings):
            args = write_inputs(Path(tmp), emu, ["hardware"], sync_mode="full_refresh", page_size=page_size,
                                pages_in_flight=pages_in_flight)
            for v in (versions if i % 2 == 0 else versions[::-1]):
                emu.clear_requests()
                res = connector(args, v)
                check(res, f"{v.label} pages_in_flight={pages_in_flight}")
                nreq = count_requests(emu.requests())[0].get("hardware", 0)
                rows[v.label].append((pages_in_flight, res, nreq, nreq * latency / pages_in_flight))
    for v in versions:
        if len(versions) > 1:
            log(f"   {v.label}: {v.desc}")
        base = rows[v.label][0][1]["wall"]
        log(f"   {'pages_in_flight':>15} {'records':>8} {'requests':>8} {'wall s':>7} {'floor s':>7} {'speed-up':>8}")
        for pages_in_flight, res, nreq, floor in rows[v.label]:
            log(f"   {pages_in_flight:>15} {res['records']:>8,} {nreq:>8} {res['wall']:>7.1f} {floor:>7.1f} {base / res['wall']:>7.2f}x")
    return rows if len(versions) > 1 else rows[CURRENT.label]


def figures_slow_server(rows) -> list:
    out = []
    for pages_in_flight, res, nreq, floor in rows:
        out += [(f"pages_in_flight {pages_in_flight}: requests", nreq, "d"),
                (f"pages_in_flight {pages_in_flight}: wall s", res["wall"], ".1f"),
                (f"pages_in_flight {pages_in_flight}: wall/floor", res["wall"] / floor if floor else None, ".2f")]
    return out


def section_rss(n: int, previous=None, versions=(CURRENT,)):
    """previous: {label: section 1's better run} (its peak RSS is this figure at n rows); else one emulator, each
    connector reads it once. Returns {label: run}."""
    log(f"\n== 4. Peak RSS of the connector, hardware full read of {n:,} rows ==")
    versions = list(versions)
    if previous is not None:
        for v in versions:
            r = previous[v.label]
            log(f"   (from section 1) {'' if v is CURRENT else v.label + ': '}{r['records']:,} records, "
                f"peak RSS {r['maxrss_mb']:.0f} MB, {r['records']/r['wall']:,.0f} rec/s")
        return {v.label: previous[v.label] for v in versions}
    t0 = time.monotonic()
    warm = n <= 300_000  # the emulator's JSON cache holds 300k rows; warming more only costs time
    out = {}
    with Emu(hardware=n, warm=warm, users=5000 if n >= 1_000_000 else 2000) as emu, \
            tempfile.TemporaryDirectory() as tmp:
        log(f"   emulator up in {emu.startup:.1f} s ({'warm' if warm else 'cold'}), RSS {emu.rss_mb():.0f} MB")
        args = write_inputs(Path(tmp), emu, ["hardware"], sync_mode="full_refresh")
        for v in versions:
            res = out[v.label] = connector(args, v)
            check(res, f"{v.label} {n} read")
            log(f"   {'' if v is CURRENT else v.label + ': '}{res['records']:,} records in {res['wall']:.1f} s "
                f"({res['records']/res['wall']:,.0f} rec/s, CPU {res['cpu']:.1f} s), peak RSS {res['maxrss_mb']:.0f} MB")
    log(f"   (section total {time.monotonic()-t0:.0f} s)")
    return out


def figures_rss(runs: dict):
    """runs: {rows: run} of one connector."""
    out = []
    for n, res in runs.items():
        out += [(f"{n:,} rows: peak RSS MB", res["maxrss_mb"], ".0f"), (f"{n:,} rows: records", res["records"], ",")]
    return out


def section_profile(n: int, out_txt: Path):
    import pstats
    log(f"\n== 5. cProfile (all threads) of the connector's {n:,}-row hardware read ==")
    prof = Path(tempfile.gettempdir()) / "snipeit_bench.prof"
    with Emu(hardware=n, warm=True) as emu, tempfile.TemporaryDirectory() as tmp:
        args = write_inputs(Path(tmp), emu, ["hardware"], sync_mode="full_refresh")
        res = run_child([PY, str(BENCH / "profile_connector.py"), str(prof), "--", *args])
        check(res, "profile run")
    log(f"   {res['records']:,} records in {res['wall']:.1f} s under the profiler; stats in {prof}")
    import io
    buf = io.StringIO()
    st = pstats.Stats(str(prof), stream=buf)
    st.sort_stats("tottime").print_stats(40)
    st.sort_stats("cumulative").print_stats(60)
    out_txt.write_text(buf.getvalue())
    log(f"   top-40 tottime / top-60 cumulative written to {out_txt}")


# ------------------------------------------------------------------------------------------------ cost sections
INCREMENTAL_STREAMS = STREAMS + ["licenses", "accessories", "consumables", "components", "maintenances",
                                 "depreciations", "groups", "fields", "fieldsets", "activity"]
DAY0 = 1_750_000_000  # the emulator's clock in section 2 and the cost sections (2025-06-15), after its generated data


def set_clock(emu: "Emu", ts) -> None:
    emu.control("config", {"clock": ts})


def touch(emu: "Emu", ids, at: int, what: str) -> None:
    """Update these hardware ids in one emulator call stamped `at`: one second, a tie group (a bulk edit)."""
    set_clock(emu, at)
    for i in range(0, len(ids), 1000):
        emu.control("mutate", {"resource": "hardware", "op": "update", "ids": list(ids[i:i + 1000]),
                               "fields": {"notes": what}})


def incremental_sync(emu: "Emu", tmp: Path, state, streams, at: int, version: Version = CURRENT, **config):
    """One incremental sync with the emulator's clock fixed at `at` (its Date header and row stamps agree)."""
    set_clock(emu, at)
    emu.clear_requests()
    res = connector(write_inputs(tmp, emu, streams, state=state, **config), version, parse_state=True)
    check(res, "incremental sync")
    per, codes = count_requests(emu.requests())
    hw_reads = Counter(r["query"].get("status", "default") for r in emu.requests() if r["path"] == "/api/v1/hardware")
    return res, per, codes, hw_reads, final_state(res["states"]) or state


def section_incremental_cost(n: int, page: int = 500, version: Version = CURRENT):
    log(f"\n== 7. What an incremental sync costs (hardware {n:,}, all {len(INCREMENTAL_STREAMS)} incremental streams) "
        f"=={version.tag}")
    rows = []
    with Emu(hardware=n, warm=True) as emu, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ids = [r["id"] for r in emu.control("truth/hardware")
               if not r.get("deleted_at") and r.get("status_type") != "archived"]
        first, first_per, _, _, state = incremental_sync(emu, tmp, None, INCREMENTAL_STREAMS, DAY0, version)
        log(f"   first sync (no state): {first['records']:,} records in {first['wall']:.1f} s")
        steps = [
            ("unchanged instance", [], 0),
            ("10 assets changed", [(ids[:10], 10)], 10),
            ("300-asset bulk edit (one second)", [(ids[100:400], 20)], 300),
            ("10 changed, 300-row tie group at the cursor", [(ids[1000:1010], 30)], 10),
            ("650 changed: 350 newer + 300-row bulk edit across the page boundary",
             [(ids[2000:2300], 40), (ids[3000:3350], 41)], 650),
            ("1,200 changed, one second each group of 10", [(ids[4000 + i:4010 + i], 50 + i // 10) for i in range(0, 1200, 10)], 1200),
        ]
        clock = DAY0
        for name, edits, k in steps:
            for batch, offset in edits:
                touch(emu, batch, DAY0 + offset, name)
                clock = max(clock, DAY0 + offset)
            clock += 2
            res, per, codes, hw_reads, state = incremental_sync(emu, tmp, state, INCREMENTAL_STREAMS, clock, version)
            rows.append((name, k, res, per, hw_reads, codes))
    log(f"   {'after':66} {'hw rec':>6} {'hw req':>6} {'archived x2 / default':>21} {'target':>6} "
        f"{'activity rec/req':>16} {'other rec':>9} {'other req (max)':>15}")
    for name, k, res, per, hw_reads, codes in rows:
        target = math.ceil(k / page) + 1
        extra = 2 if "bulk" in name and "across" in name else 0
        others = {s: v for s, v in per.items() if s not in ("hardware", "fields", "reports")}
        other_records = res["records"] - res["per_stream"].get("hardware", 0) - res["per_stream"].get("activity", 0)
        over = hw_reads.get("default", 0) > target + extra or any(v > 1 for v in others.values()) \
            or per.get("reports", 0) > target
        log(f"   {name:66} {res['per_stream'].get('hardware', 0):>6,} {per.get('hardware', 0):>6} "
            f"{str(hw_reads.get('Archived', 0)) + ' / ' + str(hw_reads.get('default', 0)):>21} "
            f"{str(target) + ('+2' if extra else ''):>6} "
            f"{str(res['per_stream'].get('activity', 0)) + ' / ' + str(per.get('reports', 0)):>16} {other_records:>9} "
            f"{str(sum(others.values())) + ' (' + str(max(others.values(), default=0)) + ')':>15}"
            f"  {'OVER' if over else 'ok'}{'  429s: ' + str(codes[429]) if codes.get(429) else ''}")
    log("   (target: ceil(k / 500) + 1 requests for the default hardware list, +2 with a bulk edit across a page "
        "boundary; the archived list is read twice, one request each; every other list: 1 request; activity: one "
        "entry per changed row)")
    return {"first": first, "first_per": first_per, "rows": rows}


def figures_incremental_cost(r: dict) -> list:
    out = [("first sync: records", r["first"]["records"], ","),
           ("first sync: requests", sum(r["first_per"].values()), "d")]
    for name, k, res, per, hw_reads, codes in r["rows"]:
        step = name.split(":")[0].split(" (")[0]
        out += [(f"{step}: records", res["records"], ","),
                (f"{step}: hardware requests", per.get("hardware", 0), "d"),
                (f"{step}: requests, all lists", sum(per.values()), "d")]
        if codes.get(429):
            out.append((f"{step}: 429 responses", codes[429], "d"))
    return out


def section_activity(entries: int = 100_000, new: int = 50, version: Version = CURRENT):
    log(f"\n== 8. Activity log: {entries:,} entries, then {new} new ones =={version.tag}")
    with Emu(hardware=2000, warm=False, activity=entries) as emu, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        first, per1, _, _, state = incremental_sync(emu, tmp, None, ["activity"], DAY0, version)
        set_clock(emu, DAY0 + 10)
        emu.control("mutate", {"resource": "hardware", "op": "update", "count": new, "fields": {"notes": "logged"}})
        second, per2, _, _, _ = incremental_sync(emu, tmp, state, ["activity"], DAY0 + 12, version)
    log(f"   first sync: {first['records']:,} entries, {per1.get('reports', 0)} requests, {first['wall']:.1f} s")
    log(f"   next sync:  {second['records']:,} entries, {per2.get('reports', 0)} requests (target <= 2), "
        f"{second['wall']:.1f} s")
    return {"first": first, "first_requests": per1.get("reports", 0), "next": second,
            "next_requests": per2.get("reports", 0)}


def figures_activity(r: dict) -> list:
    return [("first sync: entries", r["first"]["records"], ","), ("first sync: requests", r["first_requests"], "d"),
            ("first sync: wall s", r["first"]["wall"], ".1f"),
            ("next sync: entries", r["next"]["records"], ","),
            ("next sync: requests (target <= 2)", r["next_requests"], "d"),
            ("next sync: wall s", r["next"]["wall"], ".1f")]


def section_back_to_back(hardware: int = 12_000, page_size: int = 100, version: Version = CURRENT):
    log(f"\n== 9. Two syncs back to back with one token, 120/min (hardware {hardware:,}, page_size {page_size}) "
        f"=={version.tag}")
    with Emu(hardware=hardware, warm=True, rate_limit=120) as emu, tempfile.TemporaryDirectory() as tmp:
        args = write_inputs(Path(tmp), emu, ["hardware"], sync_mode="full_refresh", requests_per_minute=120,
                            page_size=page_size)
        emu.clear_requests()
        first = connector(args, version)
        second = connector(args, version)
        check(first, "first sync")
        check(second, "second sync")
        per, codes = count_requests(emu.requests())
    log(f"   {sum(per.values())} requests, 429 responses: {codes.get(429, 0)} (target 0); walls {first['wall']:.1f} s "
        f"and {second['wall']:.1f} s")
    return {"n429": codes.get(429, 0), "requests": sum(per.values()), "first": first, "second": second}


def figures_back_to_back(r: dict) -> list:
    return [("429 responses (target 0)", r["n429"], "d"), ("requests, both syncs", r["requests"], "d"),
            ("records, both syncs", r["first"]["records"] + r["second"]["records"], ","),
            ("first sync wall s", r["first"]["wall"], ".1f"), ("second sync wall s", r["second"]["wall"], ".1f")]


def section_real_cost(hardware: int, settings=((4, 2), (4, 4), (4, 6)), fixed: float = 0.06,
                      per_row: float = 0.0011, server_workers: int = 4, rpm: int = 120, version: Version = CURRENT):
    log(f"\n== 10. Full sync of {hardware:,} assets against a real server's cost ({fixed * 1000:.0f} ms + "
        f"{per_row * 1000:.1f} ms/row a request, {server_workers} server workers, {rpm}/min) =={version.tag}")
    out = []
    with Emu(hardware=hardware, warm=True, rate_limit=rpm, cost=(fixed, per_row, server_workers)) as emu, \
            tempfile.TemporaryDirectory() as tmp:
        for workers, pages_in_flight in settings:
            args = write_inputs(Path(tmp), emu, ["hardware"], sync_mode="full_refresh", requests_per_minute=rpm,
                                num_workers=workers, pages_in_flight=pages_in_flight)
            if out:
                time.sleep(61)  # a fresh server window for each run (the token's budget is shared across runs)
            emu.clear_requests()
            load = os.getloadavg()[0]  # a shared machine: the figures mean little under load
            res = connector(args, version)
            res["load"] = (load, os.getloadavg()[0])
            check(res, f"num_workers={workers} pages_in_flight={pages_in_flight}")
            reqs = [r for r in emu.requests() if r["path"].startswith("/api/v1/")]
            served = [r.get("rows") or 0 for r in reqs if r["status"] == 200]
            out.append((workers, pages_in_flight, res, reqs, served))
    log(f"   {'num_workers':>11} {'pages_in_flight':>15} {'records':>8} {'requests':>8} {'429':>4} {'wall s':>7} "
        f"{'floor s':>7} {'wall/floor':>10} {'sched. floor':>12} {'wall/sched':>10} {'load 1-min before/after':>23}")
    figures = []
    for workers, pages_in_flight, res, reqs, served in out:
        service = [fixed + per_row * rows for rows in served]
        n = len(service)
        rate_floor = 60.0 * ((n - 1) // rpm) + (min(service) if service else 0)
        server_floor = sum(service) / server_workers
        floor = max(rate_floor, server_floor)
        sched = _schedule_floor(service, rpm, server_workers)
        n429 = sum(1 for r in reqs if r["status"] == 429)
        log(f"   {workers:>11} {pages_in_flight:>15} {res['records']:>8,} {len(reqs):>8} {n429:>4} {res['wall']:>7.1f} "
            f"{floor:>7.1f} {res['wall'] / floor:>10.2f} {sched:>12.1f} {res['wall'] / sched:>10.2f} "
            f"{res['load'][0]:>15.2f} / {res['load'][1]:<5.2f}")
        at = f"num_workers {workers}, pages_in_flight {pages_in_flight}"
        figures += [(f"{at}: requests", len(reqs), "d"), (f"{at}: 429 responses", n429, "d"),
                    (f"{at}: wall s", res["wall"], ".1f"), (f"{at}: wall/sched. floor", res["wall"] / sched, ".2f")]
    log("   floor = max(rate limit: 60 s x ((requests-1) // 120) + one request, server time: sum of request costs / "
        "workers); sched. floor = both at once: request i starts no earlier than 60 s x (i // 120), on one of the "
        "server's workers (each request's cost from its rows), requests in id order")
    for line in _floor_notes(out, fixed, per_row, server_workers, rpm):
        log("   " + line)
    return {"runs": out, "figures": figures}


def _floor_notes(out, fixed: float, per_row: float, server_workers: int, rpm: int):
    """The ratio asked for (wall / floor, floor = max(rate-limit floor, server-time floor)) and, when 1.1 x that
    floor cannot be reached, why: the schedule floor (both limits at once) is already above it."""
    by_setting = {}
    for workers, pages_in_flight, res, reqs, served in out:
        by_setting.setdefault((workers, pages_in_flight), []).append((res, reqs, served))
    for (workers, pages_in_flight), runs in by_setting.items():
        ratios = []
        for res, reqs, served in runs:
            service = [fixed + per_row * rows for rows in served]
            rate_floor = 60.0 * ((len(service) - 1) // rpm) + (min(service) if service else 0)
            ratios.append(res["wall"] / max(rate_floor, sum(service) / server_workers))
        n429 = sum(1 for _, reqs, _ in runs for r in reqs if r["status"] == 429)
        yield (f"num_workers {workers}, pages_in_flight {pages_in_flight}: wall / floor = "
               f"{', '.join(f'{r:.2f}' for r in ratios)} ({len(runs)} run{'s' if len(runs) > 1 else ''}, {n429} x 429)")
    if not out:
        return
    served = out[0][4]
    service = [fixed + per_row * rows for rows in served]
    n = len(service)
    rate_floor = 60.0 * ((n - 1) // rpm) + min(service)
    server_floor = sum(service) / server_workers
    floor = max(rate_floor, server_floor)
    sched = _schedule_floor(service, rpm, server_workers)
    if sched <= 1.1 * floor:
        yield f"1.1 x floor = {1.1 * floor:.1f} s is within reach: the schedule floor is {sched:.1f} s"
        return
    late = service[rpm:]
    if n > rpm:
        mean = sum(late) / len(late)
        yield (f"1.1 x floor = 1.1 x {floor:.1f} = {1.1 * floor:.1f} s is not reachable: the schedule floor is already "
               f"{sched:.1f} s. Requests {rpm + 1}..{n} cannot start before 60 s (the first window allows {rpm}) and "
               f"need ({n} - {rpm}) x {mean:.3f} s / {server_workers} workers = {len(late) * mean / server_workers:.1f} s "
               f"of server time: 60 + {len(late) * mean / server_workers:.1f} = {60 + len(late) * mean / server_workers:.1f} s "
               f"> {1.1 * floor:.1f} s. Best wall / sched. floor: "
               f"{min(res['wall'] for _, _, res, _, _ in out) / sched:.2f}")
    else:
        yield (f"1.1 x floor = {1.1 * floor:.1f} s is not reachable: the schedule floor is already {sched:.1f} s "
               f"({n} requests on {server_workers} workers)")


def _schedule_floor(service, rpm: int, workers: int) -> float:
    """Earliest finish if every request started as soon as both the fixed rate window and a server worker allow."""
    import heapq
    free = [0.0] * workers
    end = 0.0
    for i, cost in enumerate(service):
        start = max(heapq.heappop(free), 60.0 * (i // rpm))
        heapq.heappush(free, start + cost)
        end = max(end, start + cost)
    return end


# ------------------------------------------------------------------------------------------------ main
def compared_versions(ref: str) -> list:
    """[before, after] for --compare REF: REF's tree under .cache/ and this checkout, after checking that each
    really imports its own package."""
    if subprocess.run(["git", "check-ignore", "-q", str(CACHE / "bench-x")], cwd=ROOT).returncode != 0:
        log(f"   !! {_shown(CACHE)}/ is not gitignored here: the before checkout would show up in git status")
    folder, sha, reused = materialise(ref)
    before = Version("before", folder, f"{ref} = {sha[:12]}")
    dirty = bool(git("status", "--porcelain", "--", "main.py", "manifest.yaml", "components.py", "source_snipeit"))
    head = git("rev-parse", "--short=12", "HEAD")
    after = Version("after", ROOT, f"this checkout ({head}{' + uncommitted changes' if dirty else ''})")
    log(f"   before: {_shown(folder)} ({'reused' if reused else 'extracted with git archive'})")
    verify_versions([before, after])
    if same_connector_code(sha):
        log(f"   note: main.py, manifest.yaml and source_snipeit/ are the same in {ref} and this checkout: "
            "the two columns differ by noise only")
    return [before, after]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small datasets (20k / 5k rows), implies --skip-1m")
    p.add_argument("--skip-1m", action="store_true", help="skip the 1M-row peak-RSS read")
    p.add_argument("--only", default="", help="comma-separated sections to run: 1,2,3,4,5,6,7,8,9,10")
    p.add_argument("--profile", action="store_true", help="also run section 5 (cProfile, all threads)")
    p.add_argument("--rows", type=int, default=None, help="hardware rows for sections 1 and 5 (default 100000)")
    p.add_argument("--latency-hardware", type=int, default=12000)
    p.add_argument("--latency-page-size", type=int, default=50,
                   help="connector page_size in section 3 (50 -> ~250 requests: three 120/min windows)")
    p.add_argument("--stdlib-json", action="store_true", help="plain loop uses json instead of orjson")
    p.add_argument("--compare", metavar="REF", default=None,
                   help="also run every section with the connector at git ref REF (extracted once into "
                        ".cache/bench-<sha>, reused) and print before/after tables; section 5 is skipped")
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    LAST_RUN.write_text("")
    rows = a.rows or (20_000 if a.quick else 100_000)
    only = {int(x) for x in a.only.split(",") if x.strip()} or ({1, 2, 3, 4, 6, 7, 8, 9, 10} | ({5} if a.profile else set()))
    skip_1m = a.skip_1m or a.quick
    log(f"source-snipeit benchmarks — python {sys.version.split()[0]}, {os.cpu_count()} CPUs, sections {sorted(only)}")
    log(f"   load average at start: {load_average()}")
    cmp = Comparison(compared_versions(a.compare) if a.compare else [CURRENT])
    t0 = time.monotonic()
    run_sections(a, only, rows, skip_1m, cmp)
    if cmp.active and len(cmp.tables) > 1:
        log("\n== before / after, all compared sections ==")
        for lines in cmp.tables:
            log("")
            for line in lines:
                log("   " + line)
    log(f"\n   load average at end: {load_average()}")
    log(f"total {time.monotonic() - t0:.0f} s")


def run_sections(a: argparse.Namespace, only: set, rows: int, skip_1m: bool, cmp: "Comparison") -> None:
    """Sections 1, 2, 3, 6 and 4, in that order (4 reuses section 1's run at 100k rows), then the others."""
    versions = cmp.versions
    s1 = None
    if 1 in only:
        s1 = section_throughput(rows, a.stdlib_json, versions)
        cmp.report(f"1. full read, {rows:,} hardware rows", s1["versions"], figures_throughput)
    if 2 in only:
        n2 = 5_000 if a.quick else 20_000
        r2 = cmp.each(lambda v: section_incremental(n2, version=v))
        cmp.report(f"2. incremental after 10 changes, hardware {n2:,}", r2, figures_incremental)
        if cmp.active and len({tuple(r["changed"]) for r in r2.values()}) > 1:
            log("   !! the two runs mutated different hardware ids")
    if 3 in only:
        n3 = 1500 if a.quick else a.latency_hardware
        r3 = cmp.each(lambda v: section_latency(n3, a.latency_page_size, 0.25, 120, 4, version=v))
        cmp.report(f"3. latency + rate limit, hardware {n3:,}", r3, figures_latency)
    if 6 in only:
        r6 = section_slow_server(1500 if a.quick else 6000, 50, 0.25, versions=versions)
        cmp.report("6. slow server", r6, figures_slow_server)
    if 4 in only:
        previous = {label: fig["best"] for label, fig in s1["versions"].items()} if s1 else None
        r4 = {label: {rows: res} for label, res in section_rss(rows, previous, versions).items()}
        if not skip_1m:
            for label, res in section_rss(1_000_000, versions=versions).items():
                r4[label][1_000_000] = res
        cmp.report("4. peak RSS, hardware full read", r4, figures_rss)
    run_later_sections(a, only, rows, cmp)


def run_later_sections(a: argparse.Namespace, only: set, rows: int, cmp: "Comparison") -> None:
    """Sections 5 and 7 to 10."""
    if 5 in only:
        if cmp.active:
            log("\n== 5. profile: skipped with --compare (run it without, in each checkout) ==")
        else:
            section_profile(rows, BENCH / "profile.txt")
    if 7 in only:
        n7 = 5_000 if a.quick else 20_000
        r7 = cmp.each(lambda v: section_incremental_cost(n7, version=v))
        cmp.report(f"7. incremental cost, hardware {n7:,}", r7, figures_incremental_cost)
    if 8 in only:
        n8 = 10_000 if a.quick else 100_000
        r8 = cmp.each(lambda v: section_activity(n8, version=v))
        cmp.report(f"8. activity log, {n8:,} entries", r8, figures_activity)
    if 9 in only:
        r9 = cmp.each(lambda v: section_back_to_back(version=v))
        cmp.report("9. two syncs back to back, 120/min", r9, figures_back_to_back)
    if 10 in only:
        n10 = 20_000 if a.quick else rows
        r10 = cmp.each(lambda v: section_real_cost(n10, version=v))
        cmp.report(f"10. real-server cost, hardware {n10:,}", r10, lambda r: r["figures"])


if __name__ == "__main__":
    main()
