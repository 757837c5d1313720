"""NewestFirstScan: an incremental read newest first (sort=updated_at&order=desc) until rows are not newer than the
bound; each row once. Rows sharing one updated_at second come back in any order, so every page starts one row before
the tie group the last one ended in; what it cannot prove complete falls back to the full scan."""

import logging

import pytest

from components import FallBackToFullScan, NewestFirstScan
from unit_tests.components.fakes import FakeList, stamped

BOUND = "2024-05-01T00:00:00Z"


def at(second):
    return f"2024-05-01T09:00:{second:02d}Z"


def distinct(count):
    """Row i updated at second i: the newest has the highest id."""
    return [{"id": i, "updated_at_datetime": at(i)} for i in range(1, count + 1)]


def older(count):
    """Rows older than every other row of a test, ids from 200."""
    return [{"id": 200 + i, "updated_at_datetime": at(i)} for i in range(1, count + 1)]


def read(pages, bound=BOUND):
    return [row["id"] for row in NewestFirstScan(pages, {}, dict).rows(bound)]


def test_rows_newer_than_the_bound_come_newest_first_and_the_read_stops_at_the_bound():
    pages = FakeList(distinct(10), page_size=3)
    assert read(pages, bound=at(5)) == [10, 9, 8, 7, 6]
    assert pages.offsets() == [0, 1, 2, 3]  # each page starts one row before the last one's last value
    assert all(params == {"sort": "updated_at", "order": "desc"} for params, _ in pages.requests)


@pytest.mark.parametrize("seed", range(6))
def test_a_tie_group_straddling_two_pages_is_read_whole_though_its_order_changes(seed):
    rows = [{"id": 100, "updated_at_datetime": at(50)}, {"id": 101, "updated_at_datetime": at(40)},
            {"id": 102, "updated_at_datetime": at(30)}] + stamped([1, 2, 3], at(20)) + older(3)
    pages = FakeList(rows, page_size=5, seed=seed)
    got = read(pages)
    assert sorted(got) == sorted(r["id"] for r in rows) and len(got) == len(rows)
    assert pages.offsets()[1] == 2  # the row before the group, so one answer holds the whole group


def test_a_tie_group_that_fills_a_page_is_read_in_one_larger_request(caplog):
    rows = [{"id": 100, "updated_at_datetime": at(50)}] + stamped(range(1, 7), at(20)) + older(3)
    pages = FakeList(rows, page_size=4, max_results=500)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        got = read(pages)
    assert sorted(got) == sorted(r["id"] for r in rows) and len(got) == len(rows)
    assert any(params.get("limit") == NewestFirstScan.TIE_GROUP_LIMIT for params, _ in pages.requests)
    assert f"6 rows share updated_at_datetime {at(20)}; read in one request." in caplog.text


def test_a_tie_group_larger_than_the_servers_cap_falls_back_to_the_full_scan():
    rows = [{"id": 100, "updated_at_datetime": at(50)}] + stamped(range(1, 9), at(20)) + older(3)
    with pytest.raises(FallBackToFullScan, match=f"more than 3 rows share updated_at_datetime {at(20)}"):
        read(FakeList(rows, page_size=4, max_results=4))


def test_a_tie_group_at_the_bound_is_not_read_whole():
    # the sync that wrote the state read all of it: no larger request for a group that fills pages
    pages = FakeList(distinct(3) + stamped(range(10, 30), BOUND), page_size=3)
    assert read(pages, bound=BOUND) == [3, 2, 1]
    assert pages.offsets() == [0, 1] and not any("limit" in params for params, _ in pages.requests)


def test_rows_deleted_under_the_read_fall_back_to_the_full_scan():
    pages = FakeList(distinct(10), page_size=3)
    pages.before[2] = lambda rows: rows.delete(10)  # read already: every row moves one place left
    with pytest.raises(FallBackToFullScan, match="rows moved under the newest-first read"):
        read(pages)


def test_a_row_edited_while_paging_jumps_ahead_and_no_row_is_skipped_or_read_twice(caplog):
    pages = FakeList(distinct(10), page_size=3, horizon=at(11))
    pages.before[2] = lambda rows: rows.edit(2, updated_at_datetime=at(12))  # unread; after the horizon now
    got = read(pages)
    assert sorted(got) == list(range(1, 11)) and len(got) == 10
    assert got[-1] == 2  # found again by the catch-up pass over the top (the retriever leaves it to the next sync)


def jump(rows):
    """Two unread rows edited: both now after the read's horizon, at the top."""
    rows.edit(2, updated_at_datetime=at(12))
    rows.edit(3, updated_at_datetime=at(13))


def test_unread_rows_edited_after_the_horizon_pushing_ours_past_the_overlap_row_are_known():
    pages = FakeList(distinct(10), page_size=3, horizon=at(11))
    pages.before[2] = jump
    got = read(pages)
    assert sorted(got) == list(range(1, 11)) and len(got) == 10


def test_without_a_horizon_rows_jumping_ahead_of_our_place_are_unknown_and_fall_back():
    pages = FakeList(distinct(10), page_size=3, horizon=None)
    pages.before[2] = jump
    with pytest.raises(FallBackToFullScan, match="unknown rows appeared before our place"):
        read(pages)


def test_rows_that_keep_changing_under_every_catch_up_fall_back():
    pages = FakeList(distinct(30), page_size=3, horizon=at(31))
    edits = iter(range(1, 30))
    for request in range(2, 40):  # before every request an unread row is edited: it jumps to the top
        pages.before[request] = lambda rows, n=request: rows.edit(next(edits), updated_at_datetime=f"2024-05-01T09:01:{n:02d}Z")
    with pytest.raises(FallBackToFullScan, match="rows kept changing"):
        read(pages)
