"""The dbt package in analytics/ and its HTML report, end to end.

One emulator sync into DuckDB (scripts/local_sync.py, as `make demo` runs it), then `analytics/run.py` (what
`make models` runs: `dbt build` = models + schema tests + the hand-made unit cases, then the report). The marts
are checked against the emulator's ground truth (its Dataset, recomputed here in Python from the raw rows; only
this test code imports the emulator), the same models are built on a PostgreSQL server the test starts itself,
and the report is opened in headless Chromium and the screenshot's pixels are checked for every chart.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional, Tuple

import duckdb
import pytest

from snipeit_emulator import Dataset
from snipeit_emulator.data import DATA_NOW, DEPRECIATIONS, add_months

from harness import REPO, free_port, make_config, running_emulator

SYNC = REPO / "scripts" / "local_sync.py"
RUN = REPO / "analytics" / "run.py"
SEED, HARDWARE, USERS = 3, 300, 60
# The emulator's data is a snapshot taken at DATA_NOW: the marts are computed as of that day.
AS_OF = dt.datetime.fromtimestamp(DATA_NOW, dt.timezone.utc).date()
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dataset() -> Dataset:
    from snipeit_emulator.__main__ import DEFAULT_SIZES

    return Dataset.generate(seed=SEED, **dict(DEFAULT_SIZES, hardware=HARDWARE, users=USERS))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Emulator -> DuckDB (local_sync.py), then analytics/run.py: dbt build + the report."""
    work = tmp_path_factory.mktemp("analytics")
    db = work / "snipeit.duckdb"
    sync = subprocess.run([sys.executable, str(SYNC), "--duckdb", str(db), "--hardware", str(HARDWARE),
                           "--users", str(USERS), "--seed", str(SEED)],
                          cwd=work, capture_output=True, text=True, timeout=240)
    assert sync.returncode == 0, sync.stdout[-2000:] + sync.stderr[-2000:]
    report = work / "report.html"
    models = subprocess.run([sys.executable, str(RUN), "--duckdb", str(db), "--as-of", AS_OF.isoformat(),
                             "--report", str(report)], cwd=work, capture_output=True, text=True, timeout=300)
    return SimpleNamespace(db=db, report=report, models=models, work=work, ds=_dataset())


def _query(db: Path, sql: str) -> List[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _live(ds: Dataset, res: str):
    return [r for _, r in sorted(ds.tables[res].items()) if getattr(r, "deleted_at", None) is None]


# ------------------------------------------------------------------------------------------------
# dbt build on the emulator sync
# ------------------------------------------------------------------------------------------------


def test_dbt_build_runs_every_model_test_and_hand_made_case(built):
    out = built.models.stdout + built.models.stderr
    assert built.models.returncode == 0, out[-4000:]
    found = next(line for line in out.splitlines() if "Found " in line and " models" in line)
    assert "34 models" in found and "3 unit tests" in found, found
    done = next(line for line in out.splitlines() if "Done. PASS=" in line)
    assert "ERROR=0" in done and "SKIP=0" in done, done
    assert built.report.exists()
    marts = {r[0] for r in _query(built.db, "select table_name from information_schema.tables "
                                            "where table_schema = 'analytics'")}
    assert {"asset_inventory", "license_seat_utilisation", "warranty_and_eol_calendar", "audits_due",
            "checkout_history", "asset_book_value", "stock_levels", "counts_by_location", "counts_by_department",
            "counts_by_company", "counts_by_status", "stream_coverage"} <= marts
    assert "Freshness: 21 of 21 synced streams" in out


def test_models_fail_the_build_when_a_hand_made_case_is_wrong(built, tmp_path):
    """The unit cases are live: a copy of the package whose expected book value is off by one fails dbt build."""
    project = tmp_path / "analytics"
    shutil.copytree(REPO / "analytics", project, ignore=shutil.ignore_patterns("target", "logs", "__pycache__"))
    cases = project / "models" / "marts" / "_unit_tests.yml"
    text = cases.read_text()
    assert "book_value: 800.00" in text
    cases.write_text(text.replace("book_value: 800.00", "book_value: 801.00"))
    run = _load("analytics_run_copy", project / "run.py")
    run.PROJECT = project
    db = tmp_path / "copy.duckdb"
    shutil.copy(built.db, db)
    with pytest.raises(run.ModelsError, match="asset_book_value_is_straight_line_down_to_the_floor"):
        run.build_models(db, AS_OF.isoformat(), quiet=True, select="asset_book_value")


def test_staging_reads_months_as_text_or_as_integers(built, tmp_path):
    """The connector writes month columns as integers (the API's "36 months" normalised); a warehouse filled by an
    older version holds the text: the models give the same answers from both."""
    db = tmp_path / "text-months.duckdb"
    shutil.copy(built.db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("drop schema analytics cascade")
        for table, column in (("hardware", "eol"), ("hardware", "warranty_months"), ("models", "eol"),
                              ("depreciations", "months")):
            assert con.execute(f"select count({column}) from {table}").fetchone()[0] > 0, f"{table}.{column} empty"
            con.execute(f"alter table {table} alter {column} type varchar "
                        f"using cast({column} as varchar) || ' months'")
    run = _load("analytics_run_int", RUN)
    run.build_models(db, AS_OF.isoformat(), quiet=True, select="+asset_book_value +asset_inventory")
    sql = ("select i.asset_id, i.warranty_end_date, i.eol_months, b.book_value from analytics.asset_inventory i "
           "join analytics.asset_book_value b using (asset_id) order by 1")
    assert _query(db, sql) == _query(built.db, sql)
    assert any(row[2] for row in _query(db, sql))


def test_models_report_a_missing_file_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, str(RUN), "--duckdb", str(tmp_path / "nope.duckdb")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("models: error: DuckDB file not found")
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------------------------
# Marts against the emulator's ground truth
# ------------------------------------------------------------------------------------------------


def _keyed_counts(db: Path, mart: str, key: str, column: str) -> Dict[object, int]:
    """A counts mart as {id: n}, with its extra rows under 'none' and 'unknown' (when this column counts any)."""
    rows = _query(db, f"select {key}_key, {key}_id, {column} from analytics.{mart}")
    return {(k if k in ("none", "unknown") else i): n for k, i, n in rows if n or k not in ("none", "unknown")}


def _expected(keys, live_ids) -> Dict[object, int]:
    """Counts per id of live_ids (0 when none), plus 'none' (no id) and 'unknown' (an id not live) when non-zero."""
    counts = Counter("none" if k is None else (k if k in live_ids else "unknown") for k in keys)
    out = {i: counts.get(i, 0) for i in live_ids}
    out.update({k: counts[k] for k in ("none", "unknown") if counts.get(k)})
    return out


def test_asset_and_people_counts_count_every_row_once_with_no_and_unknown_groups(built):
    ds = built.ds
    hardware, users = _live(ds, "hardware"), _live(ds, "users")
    live = {res: {r.id for r in _live(ds, res)} for res in ("statuslabels", "locations", "companies", "departments")}
    by_status = _query(built.db, "select status_key, status_label_id, asset_count from analytics.counts_by_status")
    assert {(k if k == "unknown" else i): n for k, i, n in by_status} == _expected(
        [h.status_id for h in hardware], live["statuslabels"])
    # an asset's deleted location is not in the API's answer (the relation hides soft-deleted rows): no location
    assert _keyed_counts(built.db, "counts_by_location", "location", "asset_count") == _expected(
        [h.location_id if h.location_id in live["locations"] else None for h in hardware], live["locations"])
    # people whose location was deleted since are in the unknown row, not dropped
    user_locations = _expected([u.location_id for u in users], live["locations"])
    got_users = _keyed_counts(built.db, "counts_by_location", "location", "user_count")
    assert got_users == user_locations
    assert "unknown" in user_locations and sum(got_users.values()) == len(users)
    assert _keyed_counts(built.db, "counts_by_company", "company", "asset_count") == _expected(
        [h.company_id for h in hardware], live["companies"])
    assert _keyed_counts(built.db, "counts_by_department", "department", "user_count") == _expected(
        [u.department_id for u in users], live["departments"])


def test_assets_checked_out_to_users_missing_from_users_are_flagged(built):
    live_users = {u.id for u in _live(built.ds, "users")}
    expected = {h.id for h in _live(built.ds, "hardware") if h.assigned_type == "user" and h.assigned_to not in live_users}
    got = {r[0] for r in _query(built.db, "select asset_id from analytics.asset_inventory "
                                          "where is_assigned_to_missing_user")}
    assert got == expected and expected


def test_asset_inventory_has_every_current_asset_with_warranty_end_and_archived_flag(built):
    ds = built.ds
    labels = ds.tables["statuslabels"]
    rows = {r[0]: r[1:] for r in _query(built.db, "select asset_id, is_archived, warranty_end_date, eol_date "
                                                  "from analytics.asset_inventory")}
    hardware = _live(ds, "hardware")
    assert set(rows) == {h.id for h in hardware}
    for h in hardware:
        archived, warranty_end, eol = rows[h.id]
        assert archived == (labels[h.status_id].type == "archived"), h.id
        expected_warranty = add_months(h.purchase_date, h.warranty_months)
        assert (warranty_end.isoformat() if warranty_end else None) == expected_warranty, h.id
        assert (eol.isoformat() if eol else None) == h.asset_eol_date, h.id


def test_license_seat_utilisation_matches_the_emulator_seats(built):
    x = built.ds.tables
    live = {lid: lic for lid, lic in x["licenses"].items() if not lic["deleted_at"]}
    expected = {}
    for lid, lic in live.items():
        seats = [s for s in x["seats"].values() if s["license_id"] == lid]
        used = sum(1 for s in seats if s["assigned_to"] or s["asset_id"])
        expected[lid] = (lic["seats"], used, lic["seats"] - used)
    rows = _query(built.db, "select level, license_id, seats_total, seats_assigned, seats_free "
                            "from analytics.license_seat_utilisation")
    assert {r[1]: r[2:] for r in rows if r[0] == "license"} == expected
    overall = [r[2:] for r in rows if r[0] == "overall"]
    assert overall == [tuple(sum(v[i] for v in expected.values()) for i in range(3))]
    # what needs doing, per license; the overall row has no expiry of its own (it read "expired" before)
    states = dict(_query(built.db, "select license_id, license_state from analytics.license_seat_utilisation "
                                   "where level = 'license'"))
    for lid, lic in live.items():
        expires = dt.date.fromisoformat(lic["expiration_date"]) if lic.get("expiration_date") else None
        total, used, _free = expected[lid]
        want = ("expired" if expires and expires < AS_OF else "expiring_soon" if expires and (expires - AS_OF).days <= 90
                else "full" if total and used >= total else "nearly_full" if total and 100 * used / total >= 90
                else "ok")
        assert states[lid] == want, (lid, lic)
    assert _query(built.db, "select is_expired, license_state, expiration_date, license_count, expired_license_count "
                            "from analytics.license_seat_utilisation where level = 'overall'") == [
        (None, None, None, len(live), sum(1 for v in states.values() if v == "expired"))]


def _full_months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def test_asset_book_value_matches_straight_line_from_the_raw_rows(built):
    ds = built.ds
    models = ds.tables["models"]
    expected = {}
    for h in _live(ds, "hardware"):
        m = models.get(h.model_id)
        dep = DEPRECIATIONS.get(m.depreciation_id) if m is not None and m.deleted_at is None else None
        if h.purchase_cost is None or h.purchase_date is None or dep is None:
            expected[h.id] = None
            continue
        months = dep[1]
        bought = dt.date.fromisoformat(h.purchase_date)
        passed = _full_months(bought, AS_OF) if bought <= AS_OF else 0
        cost, floor = Decimal(str(h.purchase_cost)), Decimal(0)  # the emulator's schedules have no minimum
        # PHP's round(), as Snipe-IT uses: half away from zero
        value = floor if passed >= months else (cost - (cost - floor) * passed / months).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        expected[h.id] = float(value)
    got = {r[0]: (None if r[1] is None else float(r[1]))
           for r in _query(built.db, "select asset_id, book_value from analytics.asset_book_value")}
    assert got.keys() == expected.keys()
    wrong = {k: (got[k], v) for k, v in expected.items() if (got[k] is None) != (v is None)
             or (v is not None and abs(got[k] - v) > 0.005)}
    assert not wrong, dict(list(wrong.items())[:10])
    assert sum(1 for v in expected.values() if v is not None) > 20  # the check covers real cases
    assert any(v == 0 for v in expected.values()) and any(v and v > 0 for v in expected.values())


def test_checkout_history_pairs_the_emulator_activity(built):
    x = built.ds.tables
    by_item: Dict[tuple, List[dict]] = {}
    for r in sorted(x["activity"].values(), key=lambda r: (r["action_date"], r["id"])):
        if r["action_type"] in ("checkout", "checkin from"):
            # an asset has one holder at a time; a license seat or an accessory is out to several people at once,
            # so its check-in pairs with the check-out to the same holder
            holder = () if r["item_type"] == "hardware" else (r["target_type"], r["target_id"])
            by_item.setdefault((r["item_type"], r["item_id"]) + holder, []).append(r)
    expected = {}
    for events in by_item.values():
        for i, ev in enumerate(events):
            if ev["action_type"] != "checkout":
                continue
            nxt = events[i + 1] if i + 1 < len(events) else None
            state = "still_out" if nxt is None else (
                "checked_in" if nxt["action_type"] == "checkin from" else "checkin_not_logged")
            expected[ev["id"]] = (state, nxt["id"] if state == "checked_in" else None)
    got = {r[0]: (r[1], r[2]) for r in _query(
        built.db, "select checkout_activity_id, period_state, checkin_activity_id from analytics.checkout_history")}
    assert got == expected
    assert len(expected) >= 5


def test_audits_due_and_stock_below_minimum_match_the_emulator(built):
    ds = built.ds
    labels = ds.tables["statuslabels"]
    horizon = AS_OF + dt.timedelta(days=30)
    expected_audits = {h.id for h in _live(ds, "hardware") if h.next_audit_date
                       and labels[h.status_id].type != "archived"
                       and dt.date.fromisoformat(h.next_audit_date) <= horizon}
    got_audits = {r[0] for r in _query(built.db, "select asset_id from analytics.audits_due")}
    assert got_audits == expected_audits and expected_audits
    x = ds.tables
    expected_low = set()
    for res, kind in (("accessories", "accessory"), ("consumables", "consumable"), ("components", "component")):
        for r in x[res].values():
            if not r["deleted_at"] and r["min_amt"] and r["qty"] - r["checkouts_count"] < r["min_amt"]:
                expected_low.add((kind, r["id"]))
    got_low = set(_query(built.db, "select item_type, item_id from analytics.stock_levels where is_below_minimum"))
    assert got_low == expected_low


def test_warranty_and_eol_calendar_counts_what_ends_in_the_next_twelve_months(built):
    end = dt.date(AS_OF.year + (AS_OF.month + 11) // 12, (AS_OF.month + 11) % 12 + 1, 1)  # first day after the window
    expected = Counter()
    labels = built.ds.tables["statuslabels"]
    for h in _live(built.ds, "hardware"):
        if labels[h.status_id].type == "archived":
            continue  # out of use: its warranty and end of life call for nothing
        for kind, day in (("warranty_end", add_months(h.purchase_date, h.warranty_months)),
                          ("end_of_life", h.asset_eol_date)):
            if day and AS_OF <= dt.date.fromisoformat(day) < end:
                expected[(kind, day[:7])] += 1
    got = Counter()
    for kind, month, n in _query(built.db, "select event_type, strftime(event_month, '%Y-%m'), count(*) "
                                           "from analytics.warranty_and_eol_calendar group by 1, 2"):
        got[(kind, month)] = n
    assert got == expected and sum(expected.values()) > 0
    months = _query(built.db, "select count(*), sum(warranties_ending + assets_reaching_eol) "
                              "from analytics.warranty_and_eol_by_month")
    assert months == [(12, sum(expected.values()))]


# ------------------------------------------------------------------------------------------------
# The report in headless Chromium
# ------------------------------------------------------------------------------------------------


def _apt_install(package: str) -> Optional[str]:
    """apt-get install PACKAGE (CI runs as root with Debian's mirrors); the reason when it cannot."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "not root or no apt-get: cannot install " + package
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", package]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if proc.returncode != 0:
            return f"{' '.join(cmd[:3])} failed: {(proc.stderr or proc.stdout).strip()[-300:]}"
    return None


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        reason = _apt_install("chromium")
        found = shutil.which("chromium")
        if not found:
            print(f"cannot install chromium: {reason}")
            pytest.skip(f"chromium unavailable: {reason}")
    return found


def _screenshot(html_path: Path, png: Path, profile: Path, height: int = 2800) -> None:
    cmd = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size=1280,{height}",
           f"--screenshot={png}", html_path.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and png.exists(), proc.stderr[-2000:]


def _colour_counts(png: Path, colours: List[str]) -> Dict[str, int]:
    """How many pixels of the screenshot are exactly each colour."""
    from PIL import Image

    with Image.open(png) as image:
        histogram = {rgb: n for n, rgb in image.convert("RGB").getcolors(maxcolors=1 << 24)}
    return {c: histogram.get(tuple(bytes.fromhex(c[1:])), 0) for c in colours}


def test_report_renders_every_chart_in_headless_chromium(built, tmp_path):
    report_mod = _load("analytics_report", REPO / "analytics" / "report.py")
    html_text = built.report.read_text(encoding="utf-8")
    assert "<script" not in html_text and "http://" not in html_text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html_text
    png = tmp_path / "report.png"
    _screenshot(built.report, png, tmp_path / "profile")
    colours = [c for cs in report_mod.CHART_COLOURS.values() for c in cs]
    counts = _colour_counts(png, colours)
    # every series of every chart is drawn: at least a small bar's worth of its own colour
    assert all(counts[c] >= 60 for c in colours), counts

    # the check can fail: the same page with an empty check-out series draws none of that chart's colour
    with duckdb.connect(str(built.db), read_only=True) as con:
        data = report_mod.load(con, "analytics")
    data["weeks"] = []
    empty = tmp_path / "empty.html"
    empty.write_text(report_mod.render(data), encoding="utf-8")
    png_empty = tmp_path / "empty.png"
    _screenshot(empty, png_empty, tmp_path / "profile2")
    counts_empty = _colour_counts(png_empty, colours)
    assert counts_empty["#dd6b20"] == 0, counts_empty
    assert counts_empty["#2b6cb0"] == counts["#2b6cb0"]


def _todo_lists(html_text: str) -> Dict[str, Tuple[int, List[List[str]]]]:
    """The report's action lists: id -> (the total its heading gives, the rows shown, as cell texts)."""
    from html.parser import HTMLParser

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.current, self.row, self.cell, self.in_body = {}, None, None, None, False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "table" and (attrs.get("id") or "").startswith("todo-"):
                self.current = attrs["id"][len("todo-"):]
                self.tables[self.current] = []
            elif self.current and tag == "tbody":
                self.in_body = True
            elif self.current and self.in_body and tag == "tr":
                self.row = []
            elif self.row is not None and tag == "td":
                self.cell = ""

        def handle_endtag(self, tag):
            if tag == "td" and self.cell is not None:
                self.row.append(self.cell)
                self.cell = None
            elif tag == "tr" and self.row is not None:
                self.tables[self.current].append(self.row)
                self.row = None
            elif tag == "table" and self.current:
                self.current, self.in_body = None, False

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Tables()
    parser.feed(html_text)
    totals = {m.group(2): int(m.group(1).replace(",", "")) for m in
              re.finditer(r'<h3>[^<]*\(([\d,]+)\)</h3><table id="todo-([\w-]+)"', html_text)}
    lists = {name: (totals[name], rows) for name, rows in parser.tables.items()}
    lists.update({name: (0, []) for name in re.findall(r'<h3 class="done" id="todo-([\w-]+)"', html_text)})
    return lists


def _license_state(expires, total, used, as_of=AS_OF) -> str:
    if expires and expires < as_of:
        return "expired"
    if expires and (expires - as_of).days <= 90:
        return "expiring_soon"
    if total and used >= total:
        return "full"
    if total and 100 * used / total >= 90:
        return "nearly_full"
    return "ok"


def test_report_action_lists_match_sql_on_the_same_file(built, tmp_path):
    """Each list the report asks someone to work through, recomputed here from the connector's tables. As of a year
    after the emulator's snapshot, so that every list has rows: audits fall due, licenses expire."""
    later = AS_OF + dt.timedelta(days=365)
    db = tmp_path / "later.duckdb"
    shutil.copy(built.db, db)
    with duckdb.connect(str(db)) as con:  # meanwhile an asset moved: the next build records it in asset_history
        moved, old_location, new_location = con.execute(
            "select h.id, h.location_id, (select min(id) from main.locations where id <> h.location_id) "
            "from main.hardware h where h.location_id is not null order by h.id limit 1").fetchone()
        con.execute("update main.hardware set location_id = ? where id = ?", [new_location, moved])
    _load("analytics_run_later", RUN).build_models(db, later.isoformat(), quiet=True)
    history = _query(db, f"select location_id, dbt_valid_to is null from analytics.asset_history where asset_id = {moved} "
                         "order by dbt_valid_from")
    assert history == [(old_location, False), (new_location, True)]
    report_mod = _load("analytics_report_later", REPO / "analytics" / "report.py")
    lists = _todo_lists(report_mod.build_report(db, tmp_path / "later.html").read_text(encoding="utf-8"))
    shown = lambda name, *cols: [[row[c] for c in cols] for row in lists[name][1]]  # noqa: E731
    with duckdb.connect(str(db), read_only=True) as con:
        for name, expected, columns in (("audits-overdue", _audits_overdue(con, later), (0,)),
                                        ("ending-soon", _ending_soon(con, later), (0, 1, 2)),
                                        ("licenses", _licenses_needing_attention(con, later), (0, 1)),
                                        ("stock", _low_stock(con), (0, 1)),
                                        ("missing-users", _missing_users(con), (0,))):
            assert lists[name][0] == len(expected), name
            assert name == "stock" or expected, f"{name}: the list is empty a year later"
            assert shown(name, *columns) == [list(r) for r in expected[:10]], name


_IN_USE = ("from main.hardware h left join main.status_labels s on s.id = h.status_label_id "
           "where coalesce(s.type, h.status_label_status_type) <> 'archived'")


def _audits_overdue(con, later):
    return con.execute(f"select h.asset_tag {_IN_USE} and h.next_audit_date_date < ? "
                       "order by h.next_audit_date_date, h.asset_tag", [later]).fetchall()


def _ending_soon(con, later):
    return con.execute("""
        with a as (select h.asset_tag, h.purchase_date_date as bought, h.warranty_months, h.asset_eol_date_date,
                          coalesce(h.eol, m.eol) as eol_months
                   from main.hardware h left join main.status_labels s on s.id = h.status_label_id
                   left join main.models m on m.id = h.model_id
                   where coalesce(s.type, h.status_label_status_type) <> 'archived'),
        events as (
            select cast(bought + to_months(warranty_months) as date) as day, 'warranty ends' as what, asset_tag
            from a where bought is not null and warranty_months is not null
            union all
            select coalesce(asset_eol_date_date, cast(bought + to_months(eol_months) as date)), 'end of life', asset_tag
            from a where asset_eol_date_date is not null or (bought is not null and eol_months is not null))
        select cast(day as varchar), what, asset_tag from events
        where day between ? and ? + 90 order by day, asset_tag, what""", [later, later]).fetchall()


def _licenses_needing_attention(con, later):
    seats = dict(con.execute("select license_id, count(*) filter (where assigned_user_id is not null "
                             "or assigned_asset_id is not null) from main.license_seats group by 1").fetchall())
    order = {"expired": 0, "expiring_soon": 1, "full": 2, "nearly_full": 3}
    attention = []
    for lid, name, total, expires in con.execute("select id, name, seats, expiration_date_date from main.licenses").fetchall():
        state = _license_state(expires, total, seats.get(lid, 0), later)
        if state != "ok":
            attention.append((order[state], expires or dt.date.max, name, state.replace("_", " ")))
    return [(name, state) for _, _, name, state in sorted(attention)]


def _low_stock(con):
    low = []
    for table, kind in (("accessories", "accessory"), ("consumables", "consumable"), ("components", "component")):
        columns = {r[0] for r in con.execute("select column_name from information_schema.columns "
                                             "where table_schema = 'main' and table_name = ?", [table]).fetchall()}
        minimum = "coalesce(min_amt, min_qty)" if "min_qty" in columns else "min_amt"
        remaining = "coalesce(remaining, remaining_qty, qty)" if "remaining_qty" in columns else "coalesce(remaining, qty)"
        low += [(r, m, kind, n) for kind, n, r, m in con.execute(
            f"select '{kind}', name, {remaining}, {minimum} from main.{table} "
            f"where {minimum} is not null and {remaining} < {minimum}").fetchall()]
    low.sort(key=lambda r: ((r[0] or 0) - r[1], r[2], r[3]))
    return [(kind, name) for _, _, kind, name in low]


def _missing_users(con):
    return con.execute("select asset_tag from main.hardware where assigned_to_type = 'user' and assigned_to_id "
                       "not in (select id from main.users) order by last_checkout_datetime, asset_tag").fetchall()


def test_report_says_whose_view_it_is_and_how_old_the_data_is(built, tmp_path):
    report_mod = _load("analytics_report_view", REPO / "analytics" / "report.py")
    text = built.report.read_text(encoding="utf-8")
    assert "View: <b>whole instance</b>" in text  # the emulator's token is a superuser's
    assert re.search(r'<p id="sync-age">Data synced \d{4}-\d\d-\d\d \d\d:\d\d UTC \(incremental sync\): '
                     r'<b>(under a minute|\d+ min)</b> before this report', text)
    assert "Streams: 21 of 21 synced" in text
    db = tmp_path / "view.duckdb"
    shutil.copy(built.db, db)
    with duckdb.connect(str(db)) as con:
        company_id, name = con.execute("select id, name from main.companies order by id limit 1").fetchone()
        con.execute("update main._snipeit_syncs set token_company_id = ?, token_company_name = ?, "
                    "token_is_superuser = false, token_username = 'scoped'", [company_id, name])
        # a non-superuser of a company, but the rows hold other companies' assets: not scoped by company
        assert report_mod.load(con, "analytics")["view"] == "whole instance"
        con.execute("delete from analytics.asset_inventory where company_id <> ?", [company_id])
        data = report_mod.load(con, "analytics")
    assert data["view"].startswith(f"one company: {name} ")
    later = data["sync"]["finished_at"] + dt.timedelta(hours=30)
    page = report_mod.render(data, now=later)
    assert '<p id="sync-age" class=warn>' in page and "<b>30 h</b> before this report" in page


def test_report_axes_fit_their_data():
    report_mod = _load("analytics_report_axes", REPO / "analytics" / "report.py")
    assert report_mod.nice_ticks(1) == [0, 1]  # a maximum of 1 check-out a week: 0-1, not 0-4
    assert report_mod.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert report_mod.nice_ticks(1220) == [0, 500, 1000, 1500]
    long_name = "Microsoft 365 E5 (no Teams) Enterprise Agreement"
    svg = report_mod.hbar_chart("license-seats", [long_name, "Slack"], [("Used", [3, 1]), ("Free", [2, 0])], "t")
    width = int(re.search(r'<text x="(\d+)" y="\d+" text-anchor="end"', svg).group(1))
    assert f"<title>{long_name}</title>" in svg and width >= 39 * 6  # the label column fits 40 characters


# ------------------------------------------------------------------------------------------------
# The package on whatever was synced; its documentation; freshness
# ------------------------------------------------------------------------------------------------


def test_every_mart_and_staging_column_has_a_description(built):
    import yaml

    described: Dict[str, Dict[str, str]] = {}
    for path in (REPO / "analytics").glob("*s/**/*.yml"):  # models/, snapshots/
        spec = yaml.safe_load(path.read_text()) or {}
        for model in (spec.get("models") or []) + (spec.get("snapshots") or []):
            described[model["name"]] = {c["name"]: str(c.get("description") or "").strip()
                                        for c in model.get("columns") or []}
    columns: Dict[str, List[str]] = {}
    for table, column in _query(built.db, "select table_name, column_name from information_schema.columns "
                                          "where table_schema = 'analytics'"):
        columns.setdefault(table, []).append(column)
    undescribed = {t: [c for c in cols if not described.get(t, {}).get(c)] for t, cols in columns.items()}
    assert not {t: c for t, c in undescribed.items() if c}
    stale = {t: sorted(set(d) - set(columns.get(t, []))) for t, d in described.items()}
    assert not {t: c for t, c in stale.items() if c}, "described columns the models do not have"
    assert len(columns) == 35 and sum(map(len, columns.values())) > 500  # 34 models and the history snapshot


def test_stand_in_columns_follow_the_connector_manifest():
    proc = subprocess.run([sys.executable, str(REPO / "analytics" / "stream_columns.py"), "--check"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_source_freshness_passes_on_a_fresh_sync_and_warns_on_a_stale_stream(built, tmp_path):
    run = _load("analytics_run_fresh", RUN)
    db = tmp_path / "stale.duckdb"
    shutil.copy(built.db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("update main.users set _airbyte_extracted_at = _airbyte_extracted_at - interval 30 hour")
    verdicts = run.check_freshness(db, quiet=True)
    assert len(verdicts) == 21
    assert verdicts.pop("snipeit.users") == "WARN"
    assert set(verdicts.values()) == {"PASS"}  # the fresh sync's 20 other streams
    with pytest.raises(run.ModelsError, match="snipeit.users"):
        run.check_freshness(db, quiet=True, extra_vars={"snipeit_freshness_error_after_hours": 24})


def test_models_run_on_whatever_was_synced_under_a_stream_prefix(built, tmp_path):
    """A warehouse as Airbyte fills it for a token without users.view or groups: tables in their own schema, named with
    a stream prefix, two streams missing. Every model builds; what needs the missing streams is null, not 0."""
    db = tmp_path / "prefixed.duckdb"
    shutil.copy(built.db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("drop schema analytics cascade")
        con.execute("create schema airbyte_raw")
        for (table,) in con.execute("select table_name from information_schema.tables where table_schema = 'main' "
                                    "and table_name not like '\\_%' escape '\\'").fetchall():
            if table not in ("users", "groups"):
                con.execute(f'create table airbyte_raw."snipeit_{table}" as select * from main."{table}"')
            con.execute(f'drop table main."{table}"')
    run = _load("analytics_run_prefix", RUN)
    run.build_models(db, AS_OF.isoformat(), source_schema="airbyte_raw", table_prefix="snipeit_", quiet=True)
    assert _query(db, "select count(*) from analytics.asset_inventory") == _query(
        built.db, "select count(*) from analytics.asset_inventory")
    assert _query(db, "select count(*), count(user_count) from analytics.counts_by_location")[0][1] == 0
    assert _query(db, "select count(is_assigned_to_missing_user) from analytics.asset_inventory") == [(0,)]
    # the holder's name comes from the asset row when users are not synced
    assert _query(db, "select count(*) from analytics.asset_inventory where assigned_to_type = 'user' "
                      "and assigned_to_name is null") == [(0,)]
    assert _query(db, "select stream_name from analytics.stream_coverage where not is_synced order by 1") == [
        ("groups",), ("users",)]
    report_mod = _load("analytics_report_prefix", REPO / "analytics" / "report.py")
    page = report_mod.build_report(db, tmp_path / "report.html", source_schema="airbyte_raw").read_text()
    assert "not synced: groups, users" in page and "unknown (users not synced)" in page


def test_a_wrong_place_for_the_tables_is_an_error_naming_it(built, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(built.db, db)
    run = _load("analytics_run_wrong", RUN)
    proc = run.dbt(["build"], run.duckdb_env(db, "analytics"), {"snipeit_schema": "raw_snipeit"}, quiet=True)
    assert proc.returncode != 0 and "there is no schema 'raw_snipeit'" in proc.stdout, proc.stdout[-2000:]
    proc = subprocess.run([sys.executable, str(RUN), "--duckdb", str(db), "--source-schema", "raw_snipeit"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "has no schema 'raw_snipeit'" in proc.stderr.strip().splitlines()[-1]
    # dbt run by hand from analytics/ without SNIPEIT_DUCKDB: says so, creates no empty database there
    env = {k: v for k, v in os.environ.items() if k != "SNIPEIT_DUCKDB"}
    env.update(DBT_PROFILES_DIR=str(REPO / "analytics"), DBT_TARGET_PATH=str(tmp_path / "target"),
               DBT_LOG_PATH=str(tmp_path / "logs"), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    proc = subprocess.run([run.dbt_executable(), "build"], cwd=REPO / "analytics", env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0 and "SNIPEIT_DUCKDB" in proc.stdout + proc.stderr
    assert not list((REPO / "analytics").glob("*.duckdb"))


# ------------------------------------------------------------------------------------------------
# PostgreSQL: the same models on a server database
# ------------------------------------------------------------------------------------------------


def _pg_bin() -> Optional[Path]:
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return roots[-1].parent if roots else None


def _as_postgres(cmd: List[str], **kw) -> subprocess.CompletedProcess:
    # initdb and postgres refuse to run as root
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(runner + cmd, capture_output=True, text=True, **kw)


@pytest.fixture
def postgres_server():
    bin_dir = _pg_bin()
    if bin_dir is None:
        reason = _apt_install("postgresql")
        bin_dir = _pg_bin()
        if bin_dir is None:
            print(f"cannot install postgresql: {reason}")
            pytest.skip(f"postgresql unavailable: {reason}")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start postgres as the postgres user")
    base = Path(tempfile.mkdtemp(prefix="snipeit-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    proc = _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                        timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    start = _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60",
                          "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1", "start"], timeout=90)
    assert start.returncode == 0, start.stderr[-2000:] + (base / "server.log").read_text()[-2000:]
    try:
        created = _as_postgres([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                                "snipeit"], timeout=60)
        assert created.returncode == 0, created.stderr
        yield {"host": "127.0.0.1", "port": port, "user": "postgres", "dbname": "snipeit"}
    finally:
        _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def test_models_build_on_postgres_filled_by_pyairbyte(built, postgres_server, monkeypatch):
    monkeypatch.setenv("AIRBYTE_OFFLINE_MODE", "1")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    import airbyte as ab
    from airbyte.caches import PostgresCache

    with running_emulator(_dataset()) as emu:
        config = make_config(emu)
        # the manifest with its components registered, as main.py and the local sync load it
        from source_snipeit.run import load_manifest

        source = ab.get_source("source-snipeit", config=config, source_manifest=load_manifest())
        source.select_all_streams()
        cache = PostgresCache(host=postgres_server["host"], port=postgres_server["port"],
                              username=postgres_server["user"], password="unused-trust-auth",
                              database=postgres_server["dbname"], schema_name="snipeit_raw")
        source.read(cache=cache, force_full_refresh=True)
        cache.get_sql_engine().dispose()

    run = _load("analytics_run_pg", RUN)
    proc = run.dbt(["build"], {"SNIPEIT_DBT_TARGET": "postgres", "SNIPEIT_PG_HOST": postgres_server["host"],
                               "SNIPEIT_PG_PORT": str(postgres_server["port"]),
                               "SNIPEIT_PG_USER": postgres_server["user"], "SNIPEIT_PG_PASSWORD": "",
                               "SNIPEIT_PG_DBNAME": postgres_server["dbname"], "SNIPEIT_DBT_SCHEMA": "analytics"},
                   {"snipeit_schema": "snipeit_raw", "as_of_date": AS_OF.isoformat()}, quiet=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "3 unit tests" in out and "ERROR=0" in out

    import psycopg2

    conn = psycopg2.connect(**{k: v for k, v in postgres_server.items()}, password="")
    try:
        with conn.cursor() as cur:
            pg = {}
            for name, sql in _PORTABLE_CHECKS.items():
                cur.execute(sql)
                pg[name] = [tuple(_plain(v) for v in row) for row in cur.fetchall()]
    finally:
        conn.close()
    duck = {name: [tuple(_plain(v) for v in row) for row in _query(built.db, sql)]
            for name, sql in _PORTABLE_CHECKS.items()}
    assert pg == duck


# The same answers from both warehouses (same data, same as-of day).
_PORTABLE_CHECKS = {
    "status": "select status_label_id, asset_count from analytics.counts_by_status order by 1",
    "book_value": "select count(*), round(sum(book_value), 2) from analytics.asset_book_value",
    "checkouts": "select checkout_activity_id, period_state, checkin_activity_id, duration_hours "
                 "from analytics.checkout_history order by 1",
    "seats": "select row_key, seats_total, seats_assigned, seats_free from analytics.license_seat_utilisation order by 1",
    "calendar": "select month_start, warranties_ending, assets_reaching_eol from analytics.warranty_and_eol_by_month "
                "order by 1",
    "audits": "select asset_id, audit_state, days_until_due from analytics.audits_due order by 1",
}


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
