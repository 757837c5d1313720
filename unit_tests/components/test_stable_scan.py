"""StableScan: every row of one list once, in a stable order (sort=id&order=asc). Each page after the first starts on
the last row read (the overlap row); if that row is not one already seen, rows went away before our place and the
scan steps back. /suppliers ignores sort=id: a scan by name is repeated while fewer than total ids were seen."""

import logging

import pytest

from components import StableScan
from unit_tests.components.fakes import FakeList


def ids(count):
    return [{"id": i, "name": f"row {i:03d}"} for i in range(1, count + 1)]


def read(pages, sort_key="id", pages_in_flight=1):
    return [row["id"] for page in StableScan(pages, {}, dict, sort_key, pages_in_flight).rows() for row in page]


def test_rows_across_pages_are_read_once_in_id_order_each_page_overlapping_one_row():
    pages = FakeList(ids(10), page_size=4)
    assert read(pages) == list(range(1, 11))
    assert pages.offsets() == [0, 3, 6]
    assert all(params == {"sort": "id", "order": "asc"} for params, _ in pages.requests)


def test_a_server_cap_below_the_page_size_is_paged_by_rows_received():
    pages = FakeList(ids(10), page_size=500, max_results=3)
    assert read(pages) == list(range(1, 11))
    assert pages.offsets() == [0, 2, 4, 6, 8]


def test_a_row_deleted_before_our_place_while_paging_does_not_skip_the_row_after_it():
    pages = FakeList(ids(10), page_size=4)
    pages.before[2] = lambda rows: rows.delete(2)  # read already; every later row moves one place left
    assert read(pages) == list(range(1, 11))  # 5 would be lost advancing by offsets alone
    assert pages.offsets()[:3] == [0, 3, 0]  # the overlap row (4) was not at offset 3: stepped back


def test_an_empty_page_after_mass_deletion_steps_back_until_the_scan_finds_its_place():
    pages = FakeList(ids(8), page_size=4)
    pages.before[2] = lambda rows: rows.delete(1, 2, 3, 4, 5)
    assert read(pages) == [1, 2, 3, 4, 6, 7, 8]
    assert pages.offsets()[1] == 3 and pages.offsets()[-1] == 0


def test_rows_that_move_to_an_earlier_page_while_paging_are_read_by_a_second_scan(caplog):
    # suppliers: sort=id is ignored, the list comes by name; a supplier renamed to sort first jumps behind the read
    pages = FakeList(ids(10), page_size=4)
    pages.before[2] = lambda rows: rows.edit(10, name="aaa renamed")
    with caplog.at_level(logging.INFO, logger="airbyte"):
        assert sorted(read(pages, sort_key="name")) == list(range(1, 11))
    assert "1 row(s) moved during the read; scanning again." in caplog.text


def test_rows_that_move_to_an_earlier_page_while_paging_are_read_once():
    pages = FakeList(ids(10), page_size=4)
    pages.before[3] = lambda rows: rows.edit(2, name="zzz renamed")  # already read, now sorts last
    got = read(pages, sort_key="name")
    assert sorted(got) == list(range(1, 11)) and len(got) == 10


@pytest.mark.parametrize("pages_in_flight", [2, 4])
def test_pages_read_ahead_are_each_requested_once(pages_in_flight):
    pages = FakeList(ids(20), page_size=4)
    assert read(pages, pages_in_flight=pages_in_flight) == list(range(1, 21))
    assert sorted(pages.offsets()) == [0, 3, 6, 9, 12, 15, 18]


def test_pages_read_ahead_before_a_deletion_are_dropped_and_nothing_is_skipped():
    pages = FakeList(ids(30), page_size=4)
    pages.before[3] = lambda rows: rows.delete(4, 9)
    got = read(pages, pages_in_flight=4)
    assert got == sorted(set(got))  # each once, in id order
    assert set(range(1, 31)) - {4, 9} <= set(got)  # 9 only if a page read it before it went away


def test_an_empty_list_costs_one_request():
    pages = FakeList([])
    assert read(pages) == [] and pages.offsets() == [0]
