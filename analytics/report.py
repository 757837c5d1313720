"""The static HTML report over the dbt marts: one self-contained file (inline SVG and CSS, no script, nothing
fetched), so it opens from disk or a mail attachment without network.

    python analytics/report.py --duckdb snipeit.duckdb [--schema analytics] [--out snipeit-report.html]

Charts where people would rather look than read (assets by status and by location, warranties and end of life
per month for the next year, license seats used and free, check-outs per week), each with its numbers in a
table beside it. Every chart draws its marks in colours of its own (CHART_COLOURS), so a test can find in a
screenshot that the browser drew each of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

# chart id -> the colours only that chart's marks use
CHART_COLOURS: Dict[str, Tuple[str, ...]] = {
    "assets-by-status": ("#2b6cb0",),
    "assets-by-location": ("#2f855a",),
    "warranty-eol-by-month": ("#d69e2e", "#c53030"),
    "license-seats": ("#6b46c1", "#b794f4"),
    "checkouts-per-week": ("#dd6b20",),
}
TEXT = "#1a202c"
MUTED = "#718096"
GRID = "#e2e8f0"
MAX_LOCATIONS = 15
MAX_LICENSES = 15
WEEKS = 52


class ReportError(Exception):
    pass


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def fmt_int(value: Any) -> str:
    return f"{int(value or 0):,}"


def fmt_money(value: Any) -> str:
    return "" if value is None else f"{float(value):,.2f}"


# ------------------------------------------------------------------------------------------------
# SVG charts
# ------------------------------------------------------------------------------------------------


def hbar_chart(chart_id: str, rows: Sequence[Tuple[str, float]], title: str, width: int = 560) -> str:
    """Horizontal bars, one per (label, value)."""
    colour = CHART_COLOURS[chart_id][0]
    bar_h, gap, label_w, top = 18, 6, 190, 8
    height = top + max(len(rows), 1) * (bar_h + gap) + 8
    peak = max([v for _, v in rows] + [1])
    plot_w = width - label_w - 60
    parts = [_svg_open(chart_id, width, height, title)]
    if not rows:
        parts.append(_empty(width, height))
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(plot_w * value / peak, 2 if value else 0)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h - 5}" text-anchor="end" class="lbl">{esc(_clip(label, 28))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h - 5}" class="val">{fmt_int(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def column_chart(chart_id: str, labels: Sequence[str], series: Sequence[Tuple[str, Sequence[float]]], title: str,
                 stacked: bool = False, width: int = 560, height: int = 240, label_every: int = 1) -> str:
    """Vertical columns per label: grouped side by side, or stacked; a legend when there are several series."""
    colours = CHART_COLOURS[chart_id]
    left, right, top, bottom = 36, 8, 24 if len(series) > 1 else 8, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)
    totals = [sum(s[1][i] for s in series) for i in range(len(labels))] if stacked else \
        [max([s[1][i] for s in series] + [0]) for i in range(len(labels))]
    peak = max(totals + [1])
    peak = -(-peak // 4) * 4 if peak == int(peak) else peak  # whole-number ticks for counts
    slot = plot_w / n
    parts = [_svg_open(chart_id, width, height, title)]
    for k in range(5):  # light grid with its scale
        v = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="axis">{v:,.0f}</text>')
    for i, label in enumerate(labels):
        x0 = left + i * slot
        base = top + plot_h
        bar_w = slot * 0.8 / (1 if stacked else len(series))
        for j, (_name, values) in enumerate(series):
            v = values[i]
            h = plot_h * v / peak
            if stacked:
                x = x0 + slot * 0.1
                base -= h
                y = base
            else:
                x = x0 + slot * 0.1 + j * bar_w
                y = top + plot_h - h
            if v:
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w, 1):.1f}" height="{max(h, 1):.1f}" '
                             f'fill="{colours[j % len(colours)]}"/>')
        if i % label_every == 0:
            cx = x0 + slot / 2
            parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="end" class="axis" '
                         f'transform="rotate(-40 {cx:.1f} {top + plot_h + 14})">{esc(_clip(label, 14))}</text>')
    if len(series) > 1:
        x = left
        for j, (name, _values) in enumerate(series):
            parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colours[j % len(colours)]}"/>')
            parts.append(f'<text x="{x + 16}" y="14" class="lbl">{esc(name)}</text>')
            x += 24 + 7 * len(name)
    if not labels or not any(totals):
        parts.append(_empty(width, height))
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(chart_id: str, width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" id="svg-{chart_id}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" shape-rendering="crispEdges">'
            f'<title>{esc(title)}</title>')


def _empty(width: int, height: int) -> str:
    return f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="axis">no data</text>'


def _clip(text: str, n: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 1) -> str:
    head = "".join(f'<th{" class=num" if i >= numeric_from else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if i >= numeric_from else ""}>{esc(c)}</td>' for i, c in enumerate(r))
        + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(chart_id: str, title: str, question: str, chart: str, numbers: str) -> str:
    return (f'<section class="chart" id="{chart_id}"><h2>{esc(title)}</h2><p class="q">{esc(question)}</p>'
            f'<div class="row"><figure>{chart}</figure><div class="numbers">{numbers}</div></div></section>')


# ------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------


def load(con, schema: str) -> Dict[str, Any]:
    q = lambda sql: con.execute(sql.replace("{s}", f'"{schema}"')).fetchall()  # noqa: E731
    data: Dict[str, Any] = {}
    data["status"] = q("select status_label_name, status_type, asset_count, assigned_count from {s}.counts_by_status "
                       "order by asset_count desc, status_label_name")
    data["locations"] = q("select location_name, asset_count, user_count from {s}.counts_by_location "
                          "order by asset_count desc, location_name")
    data["no_location"] = q("select count(*) from {s}.asset_inventory where location_id is null")[0][0]
    data["calendar"] = q("select month_start, warranties_ending, assets_reaching_eol from {s}.warranty_and_eol_by_month "
                         "order by month_offset")
    data["licenses"] = q("select license_name, seats_total, seats_assigned, seats_free, utilisation_pct, expiration_date "
                         "from {s}.license_seat_utilisation where level = 'license' order by seats_total desc, license_name")
    data["licenses_overall"] = q("select seats_total, seats_assigned, seats_free, utilisation_pct "
                                 "from {s}.license_seat_utilisation where level = 'overall'")[0]
    data["weeks"] = q("select checkout_week, count(*) from {s}.checkout_history group by checkout_week order by 1")
    data["periods"] = dict(q("select period_state, count(*) from {s}.checkout_history group by 1"))
    inv = q("select count(*), sum(case when is_assigned then 1 else 0 end), sum(case when is_archived then 1 else 0 end), "
            "max(as_of_date) from {s}.asset_inventory")[0]
    data["assets_total"], data["assets_assigned"], data["assets_archived"], data["as_of"] = inv
    data["audits"] = dict(q("select audit_state, count(*) from {s}.audits_due group by 1"))
    data["book"] = q("select sum(book_value), sum(case when book_value is not null then purchase_cost end), "
                     "sum(case when is_fully_depreciated then 1 else 0 end) from {s}.asset_book_value")[0]
    data["stock_low"] = q("select item_type, item_name, remaining, minimum from {s}.stock_levels "
                          "where is_below_minimum order by item_type, item_name")
    return data


def weekly_series(weeks: List[Tuple[Any, int]]) -> Tuple[List[str], List[int]]:
    """The 52 weeks up to the last one with a check-out, empty weeks included."""
    if not weeks:
        return [], []
    counts = {_as_date(w): n for w, n in weeks if w is not None}
    if not counts:
        return [], []
    last = max(counts)
    days = [last - dt.timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    return [d.isoformat() for d in days], [counts.get(d, 0) for d in days]


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ------------------------------------------------------------------------------------------------
# Page
# ------------------------------------------------------------------------------------------------

CSS = f"""
body {{ font: 14px/1.4 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: {TEXT}; background: #fff;
       margin: 24px; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }} h2 {{ font-size: 17px; margin: 0 0 2px; }}
.sub, .q, .axis {{ color: {MUTED}; }} .q {{ margin: 0 0 8px; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 24px; }}
.card {{ border: 1px solid {GRID}; border-radius: 6px; padding: 8px 14px; min-width: 130px; }}
.card b {{ display: block; font-size: 20px; }}
section.chart {{ margin: 0 0 28px; }}
.row {{ display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }}
figure {{ margin: 0; }}
.numbers {{ max-height: 320px; overflow: auto; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border-bottom: 1px solid {GRID}; padding: 2px 8px; text-align: left; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
svg text {{ font-size: 11px; fill: {TEXT}; }} svg text.axis {{ fill: {MUTED}; font-size: 10px; }}
"""


def render(data: Dict[str, Any], title: str = "Snipe-IT assets") -> str:
    as_of = data["as_of"]
    cards = [
        ("Assets", fmt_int(data["assets_total"])), ("Checked out", fmt_int(data["assets_assigned"])),
        ("Archived", fmt_int(data["assets_archived"])),
        ("License seats used", f'{fmt_int(data["licenses_overall"][1])} / {fmt_int(data["licenses_overall"][0])}'),
        ("Audits overdue", fmt_int(data["audits"].get("overdue", 0))),
        ("Audits due in 30 days", fmt_int(data["audits"].get("due_soon", 0))),
        ("Stock below minimum", fmt_int(len(data["stock_low"]))),
        ("Book value", fmt_money(data["book"][0] or 0)),
    ]
    out = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
           f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head><body>',
           f'<h1>{esc(title)}</h1><p class="sub">As of {esc(as_of)} · computed by the snipeit_analytics dbt models '
           f'from the synced tables</p>',
           '<div class="cards">' + "".join(f'<div class="card">{esc(k)}<b>{esc(v)}</b></div>' for k, v in cards) + "</div>"]

    status_rows = [(r[0] or "(none)", r[2]) for r in data["status"]]
    out.append(section("assets-by-status", "Assets by status", "How many assets are deployable, pending, broken, archived?",
                       hbar_chart("assets-by-status", status_rows, "Assets by status"),
                       table(["Status", "Type", "Assets", "Checked out"], data["status"], numeric_from=2)))

    locs = [r for r in data["locations"] if r[1]][:MAX_LOCATIONS]
    loc_rows = [(r[0], r[1]) for r in locs]
    if data["no_location"]:
        loc_rows.append(("(no location)", data["no_location"]))
    out.append(section("assets-by-location", "Assets by location", f"Where are the assets? (top {MAX_LOCATIONS})",
                       hbar_chart("assets-by-location", loc_rows, "Assets by location"),
                       table(["Location", "Assets", "People"], [(r[0], r[1], r[2]) for r in data["locations"]])))

    months = [_as_date(r[0]).strftime("%b %Y") for r in data["calendar"]]
    out.append(section("warranty-eol-by-month", "Warranties and end of life, next 12 months",
                       "What runs out of warranty or reaches end of life, month by month?",
                       column_chart("warranty-eol-by-month", months,
                                    [("Warranty ends", [r[1] for r in data["calendar"]]),
                                     ("End of life", [r[2] for r in data["calendar"]])],
                                    "Warranties and end of life per month"),
                       table(["Month", "Warranties ending", "End of life"],
                             [(m, r[1], r[2]) for m, r in zip(months, data["calendar"])])))

    lic = data["licenses"][:MAX_LICENSES]
    total, used, free, pct = data["licenses_overall"]
    out.append(section("license-seats", "License seats used and free", "Which licenses are full, which have seats to spare?",
                       column_chart("license-seats", [r[0] for r in lic],
                                    [("Used", [r[2] for r in lic]), ("Free", [max(r[3], 0) for r in lic])],
                                    "License seats used and free", stacked=True),
                       table(["License", "Seats", "Used", "Free", "Used %", "Expires"],
                             [(r[0], r[1], r[2], r[3], r[4], r[5] or "") for r in data["licenses"]]
                             + [("All licenses", total, used, free, pct, "")])))

    labels, counts = weekly_series(data["weeks"])
    p = data["periods"]
    out.append(section("checkouts-per-week", "Check-outs per week",
                       f"How busy is the service desk? (52 weeks up to the last check-out; still out: "
                       f"{fmt_int(p.get('still_out', 0))}, checked in: {fmt_int(p.get('checked_in', 0))})",
                       column_chart("checkouts-per-week", labels, [("Check-outs", counts)], "Check-outs per week",
                                    label_every=4),
                       table(["Week", "Check-outs"], [(w, n) for w, n in zip(labels, counts) if n])))

    if data["stock_low"]:
        out.append('<section><h2>Stock below minimum</h2>'
                   + table(["Type", "Item", "Remaining", "Minimum"], data["stock_low"], numeric_from=2) + "</section>")
    out.append("</body></html>\n")
    return "".join(out)


def build_report(db_path: Path, out_path: Path, schema: str = "analytics") -> Path:
    import duckdb

    if not Path(db_path).exists():
        raise ReportError(f"DuckDB file not found: {db_path}")
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            data = load(con, schema)
    except duckdb.Error as exc:
        raise ReportError(f"cannot read the marts in schema {schema!r} of {db_path} (run the models first): "
                          f"{' '.join(str(exc).split())[:300]}")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render(data), encoding="utf-8")
    return out_path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", default="snipeit.duckdb")
    parser.add_argument("--schema", default="analytics", help="schema of the dbt marts (default analytics)")
    parser.add_argument("--out", default="snipeit-report.html")
    args = parser.parse_args(argv)
    try:
        path = build_report(Path(args.duckdb), Path(args.out), args.schema)
    except ReportError as exc:
        print(f"report: error: {exc}", file=sys.stderr)
        return 1
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
