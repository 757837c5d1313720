"""Paging: complete under the server's page cap, stable under deletes, stops where the API says."""

import pytest
import requests_mock

from unit_tests.conftest import API, list_url, make_config, mock_page, page, records_of, rows_like, run_read


def test_pagination_survives_server_page_cap():
    # We ask for 500, the instance's MAX_RESULTS is 50: every page is "short", none is the last.
    rows = rows_like("status_labels", range(1, 121))
    with requests_mock.Mocker() as m:
        first = mock_page(m, "statuslabels", 0, page(rows[0:50], total=120))
        second = mock_page(m, "statuslabels", 49, page(rows[49:99], total=120))  # one row of overlap
        third = mock_page(m, "statuslabels", 98, page(rows[98:120], total=120))
        output = run_read("status_labels")
    assert [r["id"] for r in records_of(output)] == list(range(1, 121))
    assert (first.call_count, second.call_count, third.call_count) == (1, 1, 1)
    assert m.call_count == 3


def test_pagination_stops_on_empty_page_when_total_is_missing():
    rows = rows_like("departments", range(1, 4))
    with requests_mock.Mocker() as m:
        mock_page(m, "departments", 0, {"rows": rows[:2]}, limit=2)
        mock_page(m, "departments", 1, {"rows": rows[1:]}, limit=2)
        mock_page(m, "departments", 2, {"rows": []}, limit=2)
        output = run_read("departments", make_config(page_size=2))
    assert [r["id"] for r in records_of(output)] == [1, 2, 3]


def test_rows_deleted_between_pages_are_not_skipped():
    # ids 1..6, page size 3. After the first page, id 2 is deleted: ids 4.. move one place left, so a plain
    # offset=3 request would start at id 5 and id 4 would never be read.
    rows = rows_like("companies", range(1, 7))
    after_delete = [r for r in rows if r["id"] != 2]
    with requests_mock.Mocker() as m:
        first = m.get(list_url("companies", 0, limit=3), complete_qs=True, response_list=[
            {"json": page(rows[0:3], total=6)}, {"json": page(after_delete[0:3], total=5)}])
        # one row of overlap: offset 2 should start with id 3, but starts with 4 -> step back to offset 0
        second = m.get(list_url("companies", 2, limit=3), complete_qs=True, response_list=[
            {"json": page(after_delete[2:5], total=5)}, {"json": page(after_delete[2:5], total=5)}])
        output = run_read("companies", make_config(page_size=3))
    assert [r["id"] for r in records_of(output)] == [1, 2, 3, 4, 5, 6]
    assert (first.call_count, second.call_count) == (2, 2)


def test_suppliers_are_sorted_by_name_because_sort_id_is_ignored_by_the_api():
    rows = rows_like("suppliers", [3, 1, 2], name=lambda i: f"Supplier {i}")
    with requests_mock.Mocker() as m:
        request = mock_page(m, "suppliers", 0, page(rows), sort="name")
        output = run_read("suppliers")
    assert request.call_count == 1
    assert [r["id"] for r in records_of(output)] == [3, 1, 2]


class _ChangingInstance:
    """A requests-mock callback serving /companies from a list that may change after the first request; it
    records each request's offset and the thread that sent it. (requests-mock serialises requests, so how
    many run at once is measured against the emulator: integration_tests/test_end_to_end.py.)"""

    def __init__(self, rows, page_size):
        self.rows, self.page_size = list(rows), page_size
        self.offsets, self.threads = [], []
        self.after_first_request = None

    def __call__(self, request, context):
        import threading

        offset = int(request.qs["offset"][0])
        self.offsets.append(offset)
        self.threads.append(threading.current_thread().name)
        body = page(self.rows[offset:offset + self.page_size], total=len(self.rows))
        if self.after_first_request and len(self.offsets) == 1:
            self.after_first_request(self)
        return body


def _read_companies(instance, **config):
    with requests_mock.Mocker() as m:
        m.get(f"{API}/companies", json=instance)
        output = run_read("companies", make_config(page_size=instance.page_size, **config))
    return [r["id"] for r in records_of(output)]


@pytest.mark.parametrize("row_count", [60, 61, 62])
@pytest.mark.parametrize("pages_in_flight", [1, 2, 4])
def test_next_pages_are_requested_ahead_and_each_page_once(pages_in_flight, row_count):
    instance = _ChangingInstance(rows_like("companies", range(1, row_count + 1)), page_size=5)
    ids = _read_companies(instance, pages_in_flight=pages_in_flight)
    assert ids == list(range(1, row_count + 1))
    # 5 a page, one row of overlap: offsets 0, 4, 8, ... each requested once. None past the end, and none at
    # total - 1 (with 61 rows the page at 56 already ends at the last row; offset 60 would only re-read it).
    assert sorted(instance.offsets) == list(range(0, row_count - 1, 4))
    read_ahead = [t for t in instance.threads if "read-ahead" in t]
    assert (len(read_ahead) > 0) == (pages_in_flight > 1)


@pytest.mark.parametrize("deleted", [(2,), (2, 3), (7, 8, 9, 30)])
def test_pages_read_ahead_are_dropped_when_rows_move_and_nothing_is_skipped(deleted):
    instance = _ChangingInstance(rows_like("companies", range(1, 61)), page_size=5)

    def delete_early_rows(inst):
        # Every page already requested ahead now starts too far right.
        inst.rows = [r for r in inst.rows if r["id"] not in deleted]
    instance.after_first_request = delete_early_rows
    ids = _read_companies(instance, pages_in_flight=4)
    # Rows deleted during the read may or may not be delivered; every other row is, once, in id order.
    assert set(range(1, 61)) - set(deleted) <= set(ids) <= set(range(1, 61))
    assert ids == sorted(set(ids))
