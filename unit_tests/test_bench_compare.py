"""benchmarks/run.py --compare: the before/after table and the cached checkout of the before commit (no emulator,
no connector run; a throwaway git repository in tmp_path)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "main.py").write_text("print('v1')\n")
    (repo / "source_snipeit").mkdir()
    (repo / "source_snipeit" / "components.py").write_text("VERSION = 1\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "v1")
    (repo / "main.py").write_text("print('v2')\n")
    _git(repo, "commit", "-q", "-am", "v2")
    return repo


def test_ratio_and_values(bench):
    assert bench.ratio_text(2000, 2500) == "1.25"
    assert bench.ratio_text(0, 0) == "="
    assert bench.ratio_text(0, 3) == "-"
    assert bench.ratio_text(None, 3) == "-"
    assert bench.ratio_text(float("nan"), 3) == "-"
    assert bench.value_text(12345.6, ",.0f") == "12,346"
    assert bench.value_text(None, "d") == "-"


def test_rows_matched_by_figure(bench):
    before = [("records/s", 1000.0, ",.0f"), ("requests", 4, "d"), ("only before", 1, "d")]
    after = [("requests", 3, "d"), ("records/s", 1500.0, ",.0f"), ("only after", 2, "d")]
    assert bench.comparison_rows(before, after) == [
        ("records/s", "1,000", "1,500", "1.50"),
        ("requests", "4", "3", "0.75"),
        ("only before", "1", "-", "-"),
        ("only after", "-", "2", "-"),
    ]
    lines = bench.comparison_table("2. incremental", before, after)
    assert lines[0] == "-- 2. incremental --"
    assert lines[1].split() == ["figure", "before", "after", "after/before"]
    assert len({len(line) for line in lines[1:]}) == 1  # one column layout


def test_materialise_extracts_once_then_reuses(bench, repo, tmp_path):
    cache = tmp_path / "cache"
    folder, sha, reused = bench.materialise("HEAD~1", repo=repo, cache=cache)
    assert not reused and sha == _git(repo, "rev-parse", "HEAD~1")
    assert folder == cache / f"bench-{sha[:12]}"
    assert (folder / "main.py").read_text() == "print('v1')\n"  # the old commit, not the working tree
    assert (folder / "source_snipeit" / "components.py").is_file()
    assert [p.name for p in cache.iterdir()] == [folder.name]  # no scratch folder left behind
    (folder / "marker").write_text("kept")
    again, _, reused = bench.materialise(sha[:8], repo=repo, cache=cache)
    assert reused and again == folder and (folder / "marker").exists()


def test_materialise_refuses_a_foreign_folder_and_a_bad_ref(bench, repo, tmp_path):
    cache = tmp_path / "cache"
    sha = _git(repo, "rev-parse", "HEAD")
    (cache / f"bench-{sha[:12]}").mkdir(parents=True)
    with pytest.raises(SystemExit, match="not a clean checkout"):
        bench.materialise("HEAD", repo=repo, cache=cache)
    with pytest.raises(SystemExit, match="not a commit"):
        bench.materialise("no-such-ref", repo=repo, cache=cache)


def test_materialise_reuses_a_git_worktree_made_by_hand(bench, repo, tmp_path):
    cache = tmp_path / "cache"
    sha = _git(repo, "rev-parse", "HEAD~1")
    _git(repo, "worktree", "add", "-q", "--detach", str(cache / f"bench-{sha[:12]}"), sha)
    folder, _, reused = bench.materialise("HEAD~1", repo=repo, cache=cache)
    assert reused and (folder / "main.py").read_text() == "print('v1')\n"
