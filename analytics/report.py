"""The static HTML report over the dbt marts: one self-contained file (inline SVG and CSS, no script, nothing
fetched), so it opens from disk or a mail attachment without network.

    .venv/bin/python analytics/report.py --duckdb snipeit.duckdb [--schema analytics] [--source-schema main]
                                         [--out snipeit-report.html]

Made for the person who opens it every Monday: at the top, whose view of the instance it is, how old the data is
and which streams it covers; then per section a chart, its numbers, and a short list of the rows to act on
(audits overdue, warranties and end of life in the next 90 days, licenses expired or nearly full, stock below
minimum, assets out with people who are no longer users, returns overdue), each list checked against the marts by
a test. Money carries its currency and says how many assets it covers. Every chart draws its marks in colours of
its own (CHART_COLOURS), so a test can find in a screenshot that the browser drew each of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import math
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
ALERT = "#9b2c2c"
MAX_LOCATIONS = 15
MAX_LICENSES = 20
MAX_TODO = 10  # rows of an action list shown; the rest are counted and named by their mart
WEEKS = 52
LABEL_CHARS = 40  # longer labels are shortened on the chart (the table beside it has them whole)


class ReportError(Exception):
    pass


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def fmt_int(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def fmt_money(value: Any, currency: Optional[str] = None) -> str:
    if value is None:
        return ""
    return f"{currency + ' ' if currency else ''}{float(value):,.2f}"


def fmt_age(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 1:
        return "under a minute"
    if minutes < 90:
        return f"{int(round(minutes))} min"
    hours = minutes / 60
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


# ------------------------------------------------------------------------------------------------
# SVG charts
# ------------------------------------------------------------------------------------------------


def nice_ticks(peak: float, most: int = 5) -> List[float]:
    """Axis ticks 0, s, 2s, ... up to the first tick at or above peak, with s 1, 2 or 5 times a power of ten and at
    most `most` steps: an axis for a maximum of 1 runs 0–1, not 0–4."""
    peak = max(float(peak), 1.0)
    raw = peak / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)  # counts: whole-number ticks
    return [step * k for k in range(int(math.ceil(peak / step - 1e-9)) + 1)]


def _label_width(labels: Sequence[str]) -> int:
    longest = max([len(_clip(label, LABEL_CHARS)) for label in labels] + [4])
    return int(min(max(longest * 6.4 + 14, 70), 280))  # ~6.4 px a character at 11 px


def hbar_chart(chart_id: str, labels: Sequence[str], series: Sequence[Tuple[str, Sequence[float]]], title: str,
               width: int = 600) -> str:
    """Horizontal bars, one per label, the series stacked; the label column is as wide as the longest label needs,
    so no name is cut at a fixed width."""
    colours = CHART_COLOURS[chart_id]
    bar_h, gap = 18, 6
    top = 24 if len(series) > 1 else 8
    label_w = _label_width(labels)
    height = top + max(len(labels), 1) * (bar_h + gap) + 8
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    peak = max(totals + [1])
    plot_w = width - label_w - 70
    parts = [_svg_open(chart_id, width, height, title)]
    if not labels or not any(totals):
        parts.append(_empty(width, height))
    for i, label in enumerate(labels):
        y = top + i * (bar_h + gap)
        x = label_w
        full = "" if label is None else str(label)
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h - 5}" text-anchor="end" class="lbl">'
                     f'<title>{esc(full)}</title>{esc(_clip(full, LABEL_CHARS))}</text>')
        for j, (_name, values) in enumerate(series):
            w = plot_w * values[i] / peak
            if values[i]:
                w = max(w, 2)
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                             f'fill="{colours[j % len(colours)]}"/>')
                x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + bar_h - 5}" class="val">{esc(_bar_value(series, i))}</text>')
    parts.append(_legend(series, colours, label_w))
    parts.append("</svg>")
    return "".join(parts)


def _bar_value(series: Sequence[Tuple[str, Sequence[float]]], i: int) -> str:
    if len(series) == 1:
        return fmt_int(series[0][1][i])
    return " / ".join(fmt_int(values[i]) for _, values in series)


def _legend(series: Sequence[Tuple[str, Sequence[float]]], colours: Sequence[str], x: float) -> str:
    if len(series) < 2:
        return ""
    parts = []
    for j, (name, _values) in enumerate(series):
        parts.append(f'<rect x="{x:.0f}" y="4" width="12" height="12" fill="{colours[j % len(colours)]}"/>')
        parts.append(f'<text x="{x + 16:.0f}" y="14" class="lbl">{esc(name)}</text>')
        x += 28 + 6.4 * len(name)
    return "".join(parts)


def column_chart(chart_id: str, labels: Sequence[str], series: Sequence[Tuple[str, Sequence[float]]], title: str,
                 width: int = 600, height: int = 240, label_every: int = 1) -> str:
    """Vertical columns per label, grouped side by side; a legend when there are several series; the value axis
    ends at the first tick at or above the tallest column."""
    colours = CHART_COLOURS[chart_id]
    top = 24 if len(series) > 1 else 10
    left, right, bottom = 40, 8, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)
    peak_values = [max([values[i] for _, values in series] + [0]) for i in range(len(labels))]
    ticks = nice_ticks(max(peak_values + [0]), most=4)
    peak = ticks[-1]
    slot = plot_w / n
    parts = [_svg_open(chart_id, width, height, title)]
    for v in ticks:
        y = top + plot_h - plot_h * v / peak
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="axis">{v:,.0f}</text>')
    bar_w = slot * 0.8 / len(series)
    for i, label in enumerate(labels):
        x0 = left + i * slot
        for j, (_name, values) in enumerate(series):
            v = values[i]
            if v:
                h = max(plot_h * v / peak, 1)
                parts.append(f'<rect x="{x0 + slot * 0.1 + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" '
                             f'width="{max(bar_w, 1):.1f}" height="{h:.1f}" fill="{colours[j % len(colours)]}"/>')
        if i % label_every == 0:
            cx = x0 + slot / 2
            parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="end" class="axis" '
                         f'transform="rotate(-40 {cx:.1f} {top + plot_h + 14})">{esc(label)}</text>')
    parts.append(_legend(series, colours, left))
    if not labels or not any(peak_values):
        parts.append(_empty(width, height))
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(chart_id: str, width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" id="svg-{chart_id}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" shape-rendering="crispEdges">'
            f'<title>{esc(title)}</title>')


def _empty(width: int, height: int) -> str:
    return f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="axis">no data</text>'


def _clip(text: Any, n: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


# ------------------------------------------------------------------------------------------------
# HTML pieces
# ------------------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 1, css_id: str = "",
          css_class: str = "") -> str:
    head = "".join(f'<th{" class=num" if i >= numeric_from else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if i >= numeric_from else ""}>{esc(c)}</td>' for i, c in enumerate(r))
        + "</tr>" for r in rows)
    attrs = (f' id="{css_id}"' if css_id else "") + (f' class="{css_class}"' if css_class else "")
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def todo(todo_id: str, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], total: int, mart: str,
         numeric_from: int = 99, empty: str = "nothing to do") -> str:
    """An action list: the first MAX_TODO rows, and how many more there are (in which mart)."""
    shown = list(rows)[:MAX_TODO]
    if not total:
        return f'<div class="todo"><h3 class="done" id="todo-{todo_id}">{esc(title)}: {esc(empty)}</h3></div>'
    more = (f'<p class="more">… and {total - len(shown):,} more: <code>{esc(mart)}</code></p>'
            if total > len(shown) else "")
    return (f'<div class="todo"><h3>{esc(title)} ({total:,})</h3>'
            + table(headers, shown, numeric_from=numeric_from, css_id=f"todo-{todo_id}", css_class="todo") + more
            + "</div>")


def section(chart_id: str, title: str, question: str, chart: str, numbers: str, todos: Sequence[str] = (),
            note: str = "") -> str:
    return (f'<section class="chart" id="{chart_id}"><h2>{esc(title)}</h2><p class="q">{esc(question)}</p>'
            + (f'<p class="note">{note}</p>' if note else "")
            + f'<div class="row"><figure>{chart}</figure><div class="numbers">{numbers}</div></div>'
            + "".join(todos) + "</section>")


# ------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------

# The action lists: (id, SQL giving every row to act on, in the order shown). The report shows the first MAX_TODO
# of each with the total; the test runs the same marts through its own SQL and compares.
TODO_QUERIES: Dict[str, str] = {
    "audits-overdue": """
        select asset_tag, coalesce(model_name, ''), coalesce(location_name, '(no location)'),
               coalesce(assigned_to_name, ''), next_audit_date, -days_until_due
        from {s}.audits_due where audit_state = 'overdue'
        order by next_audit_date, asset_tag""",
    "ending-soon": """
        select event_date, case event_type when 'warranty_end' then 'warranty ends' else 'end of life' end,
               asset_tag, coalesce(model_name, ''), coalesce(location_name, '(no location)'),
               coalesce(assigned_to_name, '')
        from {s}.warranty_and_eol_calendar where days_until <= {attention_days}
        order by event_date, asset_tag, event_type""",
    "licenses": """
        select license_name, replace(license_state, '_', ' '), seats_total, seats_assigned, seats_free,
               expiration_date
        from {s}.license_seat_utilisation where level = 'license' and needs_attention
        order by case license_state when 'expired' then 0 when 'expiring_soon' then 1 when 'full' then 2 else 3 end,
                 expiration_date, license_name""",
    "stock": """
        select item_type, item_name, coalesce(location_name, '(no location)'), remaining, minimum
        from {s}.stock_levels where is_below_minimum
        order by coalesce(remaining, 0) - minimum, item_type, item_name""",
    "missing-users": """
        select asset_tag, coalesce(model_name, ''), coalesce(assigned_to_name, ''), assigned_to_id, last_checkout_at
        from {s}.asset_inventory where is_assigned_to_missing_user
        order by last_checkout_at, asset_tag""",
    "returns-overdue": """
        select asset_tag, coalesce(model_name, ''), coalesce(assigned_to_name, ''), expected_checkin_date,
               {days_overdue}
        from {s}.asset_inventory
        where is_assigned and not is_archived and expected_checkin_date < as_of_date
        order by expected_checkin_date, asset_tag""",
    "unknown-location": """
        select asset_tag, coalesce(model_name, ''), location_id, coalesce(location_name, '')
        from {s}.asset_inventory where is_location_unknown
        order by asset_tag""",
}
ATTENTION_DAYS = 90  # dbt_project.yml's attention_days


def todo_sql(name: str, schema: str) -> str:
    days_overdue = "cast(as_of_date - expected_checkin_date as integer)"
    return TODO_QUERIES[name].format(s=f'"{schema}"', attention_days=ATTENTION_DAYS, days_overdue=days_overdue)


def _tables(con, schema: str) -> set:
    return {r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = ?",
                                      [schema]).fetchall()}


def load(con, schema: str, source_schema: str = "main") -> Dict[str, Any]:
    q = lambda sql: con.execute(sql.replace("{s}", f'"{schema}"')).fetchall()  # noqa: E731
    data: Dict[str, Any] = {}
    coverage = q("select stream_name, is_synced, table_rows, last_extracted_at from {s}.stream_coverage "
                 "order by stream_name")
    data["coverage"] = coverage
    synced = {r[0] for r in coverage if r[1]}
    data["synced"] = synced
    data["status"] = q("select status_label_name, status_type, asset_count, assigned_count from {s}.counts_by_status "
                       "order by asset_count desc nulls last, status_label_name")
    data["locations"] = q("select location_name, location_group, asset_count, user_count from {s}.counts_by_location "
                          "order by location_group <> 'location', asset_count desc nulls last, location_name")
    data["calendar"] = q("select month_start, warranties_ending, assets_reaching_eol from {s}.warranty_and_eol_by_month "
                         "order by month_offset")
    data["licenses"] = q("select license_name, seats_total, seats_assigned, seats_free, utilisation_pct, expiration_date, "
                         "license_state from {s}.license_seat_utilisation where level = 'license' "
                         "order by seats_total desc, license_name")
    data["licenses_overall"] = q("select seats_total, seats_assigned, seats_free, utilisation_pct, license_count, "
                                 "expired_license_count, full_license_count "
                                 "from {s}.license_seat_utilisation where level = 'overall'")[0]
    data["weeks"] = q("select checkout_week, count(*) from {s}.checkout_history group by checkout_week order by 1")
    data["periods"] = dict(q("select period_state, count(*) from {s}.checkout_history group by 1"))
    inv = q("select count(*), sum(case when is_assigned then 1 else 0 end), sum(case when is_archived then 1 else 0 end), "
            "max(as_of_date), sum(case when is_assigned_to_missing_user then 1 else 0 end) from {s}.asset_inventory")[0]
    (data["assets_total"], data["assets_assigned"], data["assets_archived"], data["as_of"],
     data["assets_with_missing_user"]) = inv
    data["as_of"] = data["as_of"] or dt.date.today()
    data["audits"] = dict(q("select audit_state, count(*) from {s}.audits_due group by 1"))
    # money per currency, with how many assets it covers
    data["book"] = q("select currency, sum(book_value), count(book_value), count(*), "
                     "sum(case when is_fully_depreciated then 1 else 0 end) from {s}.asset_book_value "
                     "group by currency order by currency is null, count(book_value) desc, currency")
    data["stock_count"] = q("select count(*), sum(case when is_below_minimum then 1 else 0 end) from {s}.stock_levels")[0]
    data["todos"] = {}
    for name in TODO_QUERIES:
        rows = con.execute(todo_sql(name, schema)).fetchall()
        data["todos"][name] = (rows[:MAX_TODO], len(rows))
    data["sync"] = last_sync(con, source_schema)
    data["view"] = view_of(con, schema, data["sync"])
    latest = [r[3] for r in coverage if r[1] and r[3] is not None]
    data["newest_extraction"] = max(latest) if latest else None
    return data


def last_sync(con, source_schema: str) -> Optional[Dict[str, Any]]:
    """The newest row of the local sync's log (scripts/local_sync.py writes it); None for tables another loader
    (Airbyte itself) wrote."""
    if "_snipeit_syncs" not in _tables(con, source_schema):
        return None
    row = con.execute(f'select finished_at, mode, streams_synced, streams_skipped, token_username, token_company_id, '
                      f'token_company_name, token_is_superuser from "{source_schema}"._snipeit_syncs '
                      f'order by finished_at desc limit 1').fetchone()
    if row is None:
        return None
    keys = ["finished_at", "mode", "streams_synced", "streams_skipped", "token_username", "token_company_id",
            "token_company_name", "token_is_superuser"]
    sync = dict(zip(keys, row))
    sync["streams_skipped"] = json.loads(sync["streams_skipped"] or "{}")
    return sync


def view_of(con, schema: str, sync: Optional[Dict[str, Any]]) -> str:
    """Whose view the data is. A token of a user who belongs to a company and is not a superuser sees only that
    company's rows when the instance scopes by company (full multiple company support); the rows tell whether it
    does: no asset of another company was synced."""
    if not sync or sync.get("token_company_id") is None or sync.get("token_is_superuser"):
        return "whole instance"
    others = con.execute(f'select count(*) from "{schema}".asset_inventory '
                         f'where company_id is not null and company_id <> ?', [sync["token_company_id"]]).fetchone()[0]
    if others:
        return "whole instance"
    return (f"one company: {sync.get('token_company_name') or sync['token_company_id']} (the token's user "
            f"{sync.get('token_username') or '?'} sees only its company's rows)")


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


def _as_utc(value: Any) -> Optional[dt.datetime]:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


# ------------------------------------------------------------------------------------------------
# Page
# ------------------------------------------------------------------------------------------------

CSS = f"""
body {{ font: 14px/1.4 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: {TEXT}; background: #fff;
       margin: 24px; max-width: 1240px; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }} h2 {{ font-size: 17px; margin: 0 0 2px; }}
h3 {{ font-size: 14px; margin: 12px 0 4px; color: {ALERT}; }}
.sub, .q, .axis, .more, .note {{ color: {MUTED}; }} .q, .note {{ margin: 0 0 8px; }}
.meta {{ margin: 8px 0 0; border-left: 3px solid {GRID}; padding-left: 10px; }} .meta p {{ margin: 2px 0; }}
.warn {{ color: {ALERT}; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 24px; }}
.card {{ border: 1px solid {GRID}; border-radius: 6px; padding: 8px 14px; min-width: 130px; }}
.card b {{ display: block; font-size: 20px; }} .card small {{ color: {MUTED}; display: block; }}
.card.alert b {{ color: {ALERT}; }}
section.chart {{ margin: 0 0 32px; }}
.row {{ display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }}
figure {{ margin: 0; }}
.numbers {{ max-height: 340px; overflow: auto; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border-bottom: 1px solid {GRID}; padding: 2px 8px; text-align: left; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.todo {{ margin-bottom: 2px; }} h3.done {{ color: {MUTED}; font-weight: normal; }}
#todo-summary {{ margin: 0 0 24px; }} #todo-summary a {{ color: {ALERT}; }} .more {{ margin: 0; font-size: 12px; }}
svg text {{ font-size: 11px; fill: {TEXT}; }} svg text.axis {{ fill: {MUTED}; font-size: 10px; }}
"""


def _header(data: Dict[str, Any], now: dt.datetime) -> str:
    sync = data["sync"]
    synced_at = _as_utc(sync["finished_at"]) if sync else _as_utc(data["newest_extraction"])
    lines = []
    if synced_at:
        age = fmt_age((now - synced_at).total_seconds())
        how = (f" ({sync['mode'].replace('_', ' ')} sync)" if sync else " (the newest row's extraction time)")
        stale = (now - synced_at) > dt.timedelta(hours=26)
        lines.append(f'<p id="sync-age"{" class=warn" if stale else ""}>Data synced {esc(synced_at.strftime("%Y-%m-%d %H:%M"))} '
                     f'UTC{esc(how)}: <b>{esc(age)}</b> before this report.</p>')
    else:
        lines.append('<p id="sync-age" class="warn">When the data was synced is not known (no extraction times).</p>')
    lines.append(f'<p id="view">View: <b>{esc(data["view"])}</b>.</p>')
    coverage = data["coverage"]
    missing = [r[0] for r in coverage if not r[1]]
    skipped = (sync or {}).get("streams_skipped") or {}
    text = f"Streams: {len(coverage) - len(missing)} of {len(coverage)} synced"
    if missing:
        reasons = [f"{s}" + (f" ({_permission(skipped[s])})" if s in skipped else "") for s in missing]
        text += "; not synced: " + ", ".join(reasons) + ". Figures that need them show – (unknown), not 0"
    kept = [s for s in skipped if s not in missing]
    if kept:
        text += f"; skipped by the last sync, shown as last read: {', '.join(kept)}"
    lines.append(f'<p id="coverage"{" class=warn" if missing else ""}>{esc(text)}.</p>')
    return '<div class="meta">' + "".join(lines) + "</div>"


def _permission(reason: str) -> str:
    """'the token's user needs the 'users.view' permission' -> 'token lacks users.view'."""
    import re

    found = re.search(r"needs the '([^']+)' permission", reason or "")
    return f"the token lacks {found.group(1)}" if found else "the token may not read it"


def _money_card(data: Dict[str, Any]) -> Tuple[str, str, str]:
    book = [r for r in data["book"] if r[2]]
    covered = sum(r[2] for r in data["book"])
    total = sum(r[3] for r in data["book"])
    if not book:
        return ("Book value", "–", f"no asset has cost, date and schedule ({fmt_int(total)} assets)")
    main = book[0]  # the currency most assets are valued in (unknown last)
    value = fmt_money(main[1], main[0] or "(currency unknown)")
    others = len(book) - 1
    more = f"; {others} other currenc{'y' if others == 1 else 'ies'}, see below" if others else ""
    return ("Book value", value, f"{fmt_int(main[2])} assets in {main[0] or 'no known currency'}{more}; "
                                 f"{fmt_int(covered)} of {fmt_int(total)} assets have a book value")


def render(data: Dict[str, Any], title: str = "Snipe-IT assets", now: Optional[dt.datetime] = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    synced = data["synced"]
    todos = data["todos"]
    as_of = data["as_of"]
    overall = data["licenses_overall"]
    stock_total, stock_low = data["stock_count"]
    money = _money_card(data)
    cards = [
        ("Assets", fmt_int(data["assets_total"]), "", False),
        ("Checked out", fmt_int(data["assets_assigned"]),
         f"{fmt_int(data['assets_with_missing_user'])} to people no longer users"
         if data["assets_with_missing_user"] else "", bool(data["assets_with_missing_user"])),
        ("Archived", fmt_int(data["assets_archived"]), "", False),
        ("License seats used", f"{fmt_int(overall[1])} / {fmt_int(overall[0])}",
         f"{fmt_int(overall[5])} of {fmt_int(overall[4])} licenses expired" if overall[5] else "", bool(overall[5])),
        ("Audits overdue", fmt_int(data["audits"].get("overdue", 0)), "", bool(data["audits"].get("overdue"))),
        ("Audits due in 30 days", fmt_int(data["audits"].get("due_soon", 0)), "", False),
        ("Stock below minimum", fmt_int(stock_low or 0), f"of {fmt_int(stock_total)} items", bool(stock_low)),
        (money[0], money[1], money[2], False),
    ]
    out = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
           f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head><body>',
           f'<h1>{esc(title)}</h1><p class="sub">As of {esc(as_of)} · report written {esc(now.strftime("%Y-%m-%d %H:%M"))} '
           f'UTC · computed by the snipeit_analytics dbt models from the synced tables</p>',
           _header(data, now),
           '<div class="cards">' + "".join(
               f'<div class="card{" alert" if alert else ""}">{esc(k)}<b>{esc(v)}</b>'
               + (f"<small>{esc(sub)}</small>" if sub else "") + "</div>" for k, v, sub, alert in cards) + "</div>",
           _todo_summary(todos)]

    # --- status
    status_labels = [r[0] or "(none)" for r in data["status"]]
    missing_rows, missing_total = todos["missing-users"]
    out.append(section(
        "assets-by-status", "Assets by status", "How many assets are deployable, pending, broken, archived?",
        hbar_chart("assets-by-status", status_labels, [("Assets", [r[2] or 0 for r in data["status"]])],
                   "Assets by status"),
        table(["Status", "Type", "Assets", "Checked out"],
              [(r[0], r[1] or "", fmt_int(r[2]), fmt_int(r[3])) for r in data["status"]], numeric_from=2),
        [todo("missing-users", "Checked out to people who are no longer users", ["Asset", "Model", "Holder (as last synced)",
                                                                                  "User id", "Checked out"],
              [(r[0], r[1], r[2], r[3], _day(r[4])) for r in missing_rows], missing_total,
              "asset_inventory where is_assigned_to_missing_user",
              empty="none" if "users" in synced else "unknown (users not synced)")]))

    # --- location: the top locations, the rest together, and the rows without a known location
    named = [r for r in data["locations"] if r[1] == "location" and r[2]]
    special = [r for r in data["locations"] if r[1] != "location" and r[2]]
    top, rest = named[:MAX_LOCATIONS], named[MAX_LOCATIONS:]
    loc_rows = [(r[0], r[2]) for r in top]
    if rest:
        loc_rows.append((f"{len(rest)} other locations", sum(r[2] for r in rest)))
    loc_rows += [(r[0], r[2]) for r in special]
    unknown_rows, unknown_total = todos["unknown-location"]
    out.append(section(
        "assets-by-location", "Assets by location",
        f"Where are the assets? (the {MAX_LOCATIONS} largest locations, the others together, and the assets without a "
        "known location)",
        hbar_chart("assets-by-location", [r[0] for r in loc_rows], [("Assets", [r[1] for r in loc_rows])],
                   "Assets by location"),
        table(["Location", "Assets", "People"], [(r[0], fmt_int(r[2]), fmt_int(r[3])) for r in data["locations"]
                                                 if r[2] or r[3]]),
        [todo("unknown-location", "Assets at a location that no longer exists", ["Asset", "Model", "Location id",
                                                                                "Location (as last synced)"],
              unknown_rows, unknown_total, "asset_inventory where is_location_unknown",
              empty="none" if "locations" in synced else "unknown (locations not synced)")]))

    # --- audits
    audit_rows, audit_total = todos["audits-overdue"]
    out.append(f'<section id="audits"><h2>Audits</h2><p class="q">Which assets are overdue for their audit? '
               f'({fmt_int(data["audits"].get("overdue", 0))} overdue, {fmt_int(data["audits"].get("due_soon", 0))} due in '
               f'the next 30 days; archived assets are not audited)</p>'
               + todo("audits-overdue", "Audits overdue, longest first", ["Asset", "Model", "Location", "Holder",
                                                                         "Was due", "Days overdue"],
                      [(r[0], r[1], r[2], r[3], _day(r[4]), r[5]) for r in audit_rows], audit_total,
                      "audits_due where audit_state = 'overdue'", numeric_from=5)
               + "</section>")

    # --- warranty / EOL
    months = [_as_date(r[0]).strftime("%b %Y") for r in data["calendar"]]
    ending_rows, ending_total = todos["ending-soon"]
    out.append(section(
        "warranty-eol-by-month", "Warranties and end of life, next 12 months",
        "What runs out of warranty or reaches end of life, month by month? (assets in use: archived ones are left out)",
        column_chart("warranty-eol-by-month", months,
                     [("Warranty ends", [r[1] for r in data["calendar"]]),
                      ("End of life", [r[2] for r in data["calendar"]])],
                     "Warranties and end of life per month"),
        table(["Month", "Warranties ending", "End of life"], [(m, r[1], r[2]) for m, r in zip(months, data["calendar"])]),
        [todo("ending-soon", f"Ending in the next {ATTENTION_DAYS} days", ["Date", "What", "Asset", "Model", "Location",
                                                                          "Holder"],
              [(_day(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in ending_rows], ending_total,
              "warranty_and_eol_calendar where days_until <= 90")]))

    # --- licenses: horizontal bars, so every name can be read whatever its length
    lic = data["licenses"][:MAX_LICENSES]
    total, used, free, pct = overall[:4]
    license_rows, license_total = todos["licenses"]
    out.append(section(
        "license-seats", "License seats used and free",
        "Which licenses are full, which have seats to spare, which expired?"
        + (f" (the {MAX_LICENSES} largest)" if len(data["licenses"]) > MAX_LICENSES else ""),
        hbar_chart("license-seats", [r[0] for r in lic],
                   [("Used", [r[2] for r in lic]), ("Free", [max(r[3], 0) for r in lic])],
                   "License seats used and free"),
        table(["License", "Seats", "Used", "Free", "Used %", "Expires", "State"],
              [(r[0], r[1], r[2], r[3], r[4], r[5] or "", (r[6] or "").replace("_", " ")) for r in data["licenses"]]
              + [("All licenses", total, used, free, pct, "", "")]),
        [todo("licenses", "Expired, expiring, full or nearly full", ["License", "State", "Seats", "Used", "Free",
                                                                      "Expires"],
              [(r[0], r[1], r[2], r[3], r[4], _day(r[5])) for r in license_rows], license_total,
              "license_seat_utilisation where needs_attention", numeric_from=2,
              empty="none" if "licenses" in synced else "unknown (licenses not synced)")]))

    # --- check-outs
    labels, counts = weekly_series(data["weeks"])
    p = data["periods"]
    returns_rows, returns_total = todos["returns-overdue"]
    out.append(section(
        "checkouts-per-week", "Check-outs per week",
        f"How busy is the service desk? (52 weeks up to the last check-out; still out: "
        f"{fmt_int(p.get('still_out', 0))}, checked in: {fmt_int(p.get('checked_in', 0))})",
        column_chart("checkouts-per-week", labels, [("Check-outs", counts)], "Check-outs per week", label_every=4),
        table(["Week", "Check-outs"], [(w, n) for w, n in zip(labels, counts) if n]),
        [todo("returns-overdue", "Returns overdue (expected check-in passed)", ["Asset", "Model", "Holder",
                                                                               "Expected back", "Days late"],
              [(r[0], r[1], r[2], _day(r[3]), r[4]) for r in returns_rows], returns_total,
              "asset_inventory where expected_checkin_date < as_of_date", numeric_from=4)]))

    # --- stock
    stock_rows, stock_total_low = todos["stock"]
    out.append('<section id="stock"><h2>Stock</h2><p class="q">Which accessories, consumables and components need '
               'reordering?</p>'
               + todo("stock", "Below minimum", ["Type", "Item", "Location", "Remaining", "Minimum"], stock_rows,
                      stock_total_low, "stock_levels where is_below_minimum", numeric_from=3,
                      empty="none" if synced & {"accessories", "consumables", "components"} else "unknown (not synced)")
               + "</section>")

    # --- money
    money_rows = [(r[0] or "unknown (set --default-currency)", fmt_money(r[1]) if r[2] else "–", fmt_int(r[2]),
                   fmt_int(r[3]), fmt_int(r[4])) for r in data["book"]]
    covered = sum(r[2] for r in data["book"])
    out.append('<section id="book-value"><h2>Book value</h2>'
               f'<p class="q">What are the assets worth today? Straight-line depreciation as Snipe-IT computes it, in '
               f'each asset\'s currency (its location\'s, else the instance default): book value of '
               f'{fmt_int(covered)} of {fmt_int(data["assets_total"])} assets; the others lack a purchase cost, a '
               f'purchase date or a depreciation schedule on their model.</p>'
               + table(["Currency", "Book value", "Assets valued", "Assets", "Fully depreciated"], money_rows)
               + "</section>")

    # --- coverage
    out.append('<section id="streams"><h2>What this report read</h2>'
               + table(["Stream", "Synced", "Rows", "Newest row extracted (UTC)"],
                       [(r[0], "yes" if r[1] else "no", fmt_int(r[2]) if r[1] else "–",
                         _as_utc(r[3]).strftime("%Y-%m-%d %H:%M") if r[3] else "") for r in data["coverage"]],
                       numeric_from=2)
               + "</section>")
    out.append("</body></html>\n")
    return "".join(out)


TODO_LABELS = [("audits-overdue", "audits", "audits overdue"),
               ("ending-soon", "warranty-eol-by-month", f"warranties or end of life in the next {ATTENTION_DAYS} days"),
               ("licenses", "license-seats", "licenses expired, expiring or full"),
               ("stock", "stock", "stock items below minimum"),
               ("returns-overdue", "checkouts-per-week", "returns overdue"),
               ("missing-users", "assets-by-status", "assets out with people who are no longer users"),
               ("unknown-location", "assets-by-location", "assets at a location that no longer exists")]


def _todo_summary(todos: Dict[str, Tuple[list, int]]) -> str:
    items = [f'<a href="#{anchor}">{todos[name][1]:,} {esc(text)}</a>' for name, anchor, text in TODO_LABELS
             if todos[name][1]]
    return (f'<p id="todo-summary"><b>To do:</b> {" · ".join(items)}</p>' if items
            else '<p id="todo-summary"><b>To do:</b> nothing.</p>')


def _day(value: Any) -> str:
    if value is None:
        return ""
    return _as_date(value).isoformat()


def build_report(db_path: Path, out_path: Path, schema: str = "analytics", source_schema: str = "main") -> Path:
    import duckdb

    if not Path(db_path).exists():
        raise ReportError(f"DuckDB file not found: {db_path}")
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            data = load(con, schema, source_schema)
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
    parser.add_argument("--source-schema", default="main", help="schema of the connector's tables (default main)")
    parser.add_argument("--out", default="snipeit-report.html")
    args = parser.parse_args(argv)
    try:
        path = build_report(Path(args.duckdb), Path(args.out), args.schema, args.source_schema)
    except ReportError as exc:
        print(f"report: error: {exc}", file=sys.stderr)
        return 1
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
