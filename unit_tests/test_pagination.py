"""Paging: complete under the server's page cap, stable under deletes, stops where the API says."""

import requests_mock

from unit_tests.conftest import list_url, make_config, mock_page, page, records_of, rows_like, run_read


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
