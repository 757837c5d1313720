"""SlicePages: the page source of one slice. Its horizon is the second of the first answer's Date (rows updated in
or after it are the next sync's); that answer also refuses a saved state later than the instance's clock."""

import threading
from datetime import datetime, timezone

import pytest

from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from components import Page, PageBudget, PageReader, SlicePages, SnipeItPageDecoder, SyncContext, _TestReadLimitReached
from unit_tests.components.fakes import FakeRequester, paginator, response

ROWS = [{"id": i} for i in range(1, 6)]


class DatedAnswers:
    """The requester's answers, each with the next Date header (None: no Date)."""

    def __init__(self, *dates):
        self.dates = list(dates)

    def __call__(self, params):
        date = self.dates.pop(0) if len(self.dates) > 1 else self.dates[0]
        offset, limit = int(params["offset"]), int(params["limit"])
        return response({"total": len(ROWS), "rows": ROWS[offset:offset + limit]}, headers={"Date": date} if date else {})


def slice_pages(answer, **kwargs):
    requester = FakeRequester(answer)
    reader = PageReader("hardware", requester, paginator(2), SnipeItPageDecoder(parameters={"name": "hardware"}),
                        SyncContext.of({SyncContext.TOKEN_KEY: "slice-pages"}))
    return SlicePages(reader, reader.paginator.pagination_strategy, **kwargs), requester


def test_the_horizon_is_the_second_of_the_first_answer_and_stays():
    pages, _ = slice_pages(DatedAnswers("Mon, 07 Dec 2026 12:00:44 GMT", "Mon, 07 Dec 2026 12:05:00 GMT"))
    assert pages.horizon is None
    assert pages({}, 0) == Page(ROWS[:2], 5, "2026-12-07T12:00:44Z")
    assert pages.horizon == "2026-12-07T12:00:44Z"
    assert pages({}, 1).server_second == "2026-12-07T12:05:00Z"
    assert pages.horizon == "2026-12-07T12:00:44Z"


def test_without_a_date_header_this_machines_clock_is_the_horizon():
    pages, _ = slice_pages(DatedAnswers(None))
    before = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    pages({}, 0)
    after = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert before <= pages.horizon <= after


def test_a_saved_state_later_than_the_instances_clock_fails_the_slice_naming_it():
    pages, _ = slice_pages(DatedAnswers("Mon, 07 Dec 2026 12:00:44 GMT"),
                           state_cursor=("updated_at_datetime", "2026-12-08T00:00:00Z"))
    with pytest.raises(AirbyteTracedException) as error:
        pages({}, 0)
    assert "the saved state's updated_at_datetime 2026-12-08T00:00:00Z is later than the instance's clock " \
           "(2026-12-07T12:00:44Z, its Date header)" in error.value.message


def test_a_saved_state_before_the_instances_clock_is_read():
    pages, _ = slice_pages(DatedAnswers("Mon, 07 Dec 2026 12:00:44 GMT"),
                           state_cursor=("updated_at_datetime", "2026-12-07T12:00:44Z"))
    assert pages({}, 0).rows == ROWS[:2]


def test_every_page_carries_the_slices_partition():
    pages, requester = slice_pages(DatedAnswers("Mon, 07 Dec 2026 12:00:44 GMT"), partition={"license_id": 12})
    pages({"sort": "id"}, 0)
    pages({"sort": "id"}, 1)
    assert [s["partition"] for s in requester.sent] == [{"license_id": 12}] * 2


def test_the_slices_page_budget_is_shared_by_all_its_pages():
    pages, requester = slice_pages(DatedAnswers("Mon, 07 Dec 2026 12:00:44 GMT"), budget=PageBudget(2))
    pages({}, 0)
    pages({"status": "Archived"}, 0)  # another pass of the same slice
    with pytest.raises(_TestReadLimitReached):
        pages({}, 1)
    assert len(requester.sent) == 2


def test_pages_read_in_parallel_agree_on_one_horizon():
    dates = [f"Mon, 07 Dec 2026 12:00:{s:02d} GMT" for s in range(10)]
    pages, _ = slice_pages(DatedAnswers(*dates))
    seen = []
    threads = [threading.Thread(target=lambda: seen.append((pages({}, 0), pages.horizon))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len({horizon for _, horizon in seen}) == 1
