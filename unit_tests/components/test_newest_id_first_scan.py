"""NewestIdFirstScan: activity newest id first (sort=id&order=desc) until entries are older than the bound. Each page
re-reads the previous page's last entry, which must still be there; entries of the bound's own second are read
through, not sent again."""

import pytest

from components import FallBackToFullScan, NewestIdFirstScan
from unit_tests.components.fakes import FakeList


def at(second):
    return f"2024-05-01T09:00:{second:02d}Z"


def entries(count, second_of=lambda i: i):
    return [{"id": i, "created_at_datetime": at(second_of(i))} for i in range(1, count + 1)]


def read(pages, bound):
    return [row["id"] for row in NewestIdFirstScan(pages, {}, dict, "id", "created_at_datetime").rows(bound)]


def test_entries_come_newest_id_first_and_those_of_the_bounds_second_are_not_sent_again():
    # entries 4, 5 and 6 were logged in the bound's second: the last sync sent them
    pages = FakeList(entries(10, lambda i: 5 if 4 <= i <= 6 else i), page_size=4, name="activity")
    assert read(pages, bound=at(5)) == [10, 9, 8, 7]
    assert pages.offsets() == [0, 3, 6]  # each page starts on the previous page's last entry
    assert all(params == {"sort": "id", "order": "desc"} for params, _ in pages.requests)


def test_a_read_from_the_epoch_reads_every_entry_once():
    pages = FakeList(entries(9), page_size=4, name="activity")
    assert read(pages, bound="1970-01-01T00:00:00Z") == list(range(9, 0, -1))


def test_entries_logged_while_paging_push_the_pages_right_and_none_is_read_twice_or_skipped():
    pages = FakeList(entries(12), page_size=4, name="activity", horizon=at(13))
    pages.before[2] = lambda rows: rows.add({"id": 13, "created_at_datetime": at(14)},
                                            {"id": 14, "created_at_datetime": at(14)})
    assert read(pages, bound="1970-01-01T00:00:00Z") == list(range(12, 0, -1))  # 13 and 14: the next sync's


def test_an_entry_deleted_under_the_read_falls_back_to_the_full_scan():
    pages = FakeList(entries(12), page_size=4, name="activity")
    pages.before[2] = lambda rows: rows.delete(9)  # the first page's last entry: the anchor
    with pytest.raises(FallBackToFullScan, match="rows moved between two newest-first pages"):
        read(pages, bound="1970-01-01T00:00:00Z")


def test_entries_that_appear_between_entries_already_read_fall_back():
    # ids 2, 4, ..., 24; entries 21 and 23 show up late (a transaction committed after the ones around it)
    pages = FakeList([{"id": i, "created_at_datetime": at(i // 2)} for i in range(2, 26, 2)], page_size=4,
                     name="activity", horizon=None)
    pages.before[2] = lambda rows: rows.add({"id": 21, "created_at_datetime": at(10)},
                                            {"id": 23, "created_at_datetime": at(11)})
    with pytest.raises(FallBackToFullScan, match="unknown rows appeared before our place"):
        read(pages, bound="1970-01-01T00:00:00Z")
