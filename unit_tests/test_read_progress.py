"""A read says how far it is, and rows without updated_at pass without a warning."""

import requests_mock

from airbyte_cdk.models import SyncMode

from components import ReadProgress
from unit_tests.conftest import make_config, mock_page, page, records_of, rows_like, run_read


def _logs(output):
    return [m.log.message for m in output.logs]


def _read_seven_companies_three_a_page():
    rows = rows_like("companies", range(1, 8))
    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, page(rows[0:3], total=7), limit=3)
        mock_page(m, "companies", 2, page(rows[2:5], total=7), limit=3)
        mock_page(m, "companies", 4, page(rows[4:7], total=7), limit=3)
        return run_read("companies", make_config(page_size=3, pages_in_flight=1))


def test_read_logs_pages_and_rows_against_total_with_rate_and_time_left(monkeypatch):
    monkeypatch.setattr(ReadProgress, "INTERVAL_SECONDS", 0.0)  # every page, so the test sees each line
    output = _read_seven_companies_three_a_page()
    assert [r["id"] for r in records_of(output)] == list(range(1, 8))
    progress = [line for line in _logs(output) if line.startswith("Stream companies: ")
                and " rows/s" in line]
    # the first page starts the clock; the next two are reported (each re-reads one row: offsets 0, 2, 4)
    assert [line.split(", ")[0:2] for line in progress] == [
        ["Stream companies: 2 pages", "5 of 7 rows (71%)"], ["Stream companies: 3 pages", "7 of 7 rows (100%)"]]
    assert all("s left" in line for line in progress)


def test_progress_is_not_logged_more_often_than_the_interval(monkeypatch):
    monkeypatch.setattr(ReadProgress, "INTERVAL_SECONDS", 3600.0)
    output = _read_seven_companies_three_a_page()
    assert not [line for line in _logs(output) if " rows/s" in line]


def test_rows_without_updated_at_are_delivered_without_a_cursor_warning():
    rows = rows_like("departments", [1, 2, 3])
    rows[1]["updated_at"] = None  # a row imported outside Eloquent
    rows[2]["updated_at"] = None
    rows[2]["created_at"] = None
    with requests_mock.Mocker() as m:
        mock_page(m, "departments", 0, page(rows))
        output = run_read("departments", sync_mode=SyncMode.incremental)
    assert [r["id"] for r in records_of(output)] == [1, 2, 3]
    assert [r.get("updated_at_datetime") for r in records_of(output)][1:] == [None, None]  # not invented
    assert not [line for line in _logs(output) if "Could not find cursor field" in line]
