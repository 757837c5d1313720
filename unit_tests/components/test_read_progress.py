"""ReadProgress: rows read against the lists' totals (each page re-reads one row, so the furthest offset counts, per
pass), logged at most every INTERVAL_SECONDS; the first page only starts the clock."""

import logging

import pytest

from components import ReadProgress


@pytest.fixture
def progress(clock):
    return ReadProgress("hardware")


def test_overlapping_pages_count_each_row_once(progress):
    progress.page({"sort": "id", "order": "asc"}, 0, 7, [{}] * 3)
    progress.page({"sort": "id", "order": "asc"}, 2, 7, [{}] * 3)
    progress.page({"sort": "id", "order": "asc"}, 4, 7, [{}] * 3)
    assert (progress.pages, progress.rows) == (3, 7)


def test_passes_add_their_totals_and_sort_order_is_not_a_pass(progress):
    progress.page({"sort": "id", "order": "asc"}, 0, 20000, [{}] * 500)
    progress.page({"status": "Archived", "sort": "id", "order": "asc"}, 0, 40, [{}] * 40)
    progress.page({"sort": "updated_at", "order": "desc"}, 0, 20000, [{}] * 500)  # the same default list
    assert progress.totals == {(): 20000, (("status", "Archived"),): 40}
    assert progress.rows == 540


def test_the_line_says_pages_rows_of_total_rate_and_time_left(progress, clock):
    progress.page({}, 0, 20000, [{}] * 6000)
    progress.page({}, 5999, 20000, [{}] * 6001)
    assert progress.describe(clock["t"] + 8) == \
        "Stream hardware: 2 pages, 12000 of 20000 rows (60%), 1500 rows/s, about 5 s left"


def test_without_a_total_the_line_says_rows_only(progress, clock):
    progress.page({}, 0, None, [{}])
    assert progress.describe(clock["t"] + 1) == "Stream hardware: 1 page, 1 rows, 1 rows/s"


def test_a_read_past_its_estimate_says_100_percent_not_more(progress, clock):
    progress.page({}, 0, 10, [{}] * 12)  # newest-first reads stop early, rows may be added during a read
    assert "12 of 10 rows (100%)" in progress.describe(clock["t"] + 1)


def test_lines_are_logged_no_more_often_than_the_interval(progress, clock, caplog):
    with caplog.at_level(logging.INFO, logger="airbyte"):
        for offset in range(0, 20, 2):  # a page every second
            progress.page({}, offset, 100, [{}] * 3)
            clock["t"] += 1.0
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Stream hardware: ")]
    assert [line.split(", ")[0] for line in lines] == ["Stream hardware: 6 pages"]  # at 5 s, then not before 10 s
