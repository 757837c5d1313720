"""PageReader: one page through the declared requester, paginator and decoder, inside the sync's budget. A cut-off
body is asked again and none of its rows is returned; an error body or a refusal is not retried."""

import pytest

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from components import ErrorBody, Page, PageBudget, PageReader, PermissionDenied, ReadProgress, SnipeItPageDecoder, SyncContext
from components import _TestReadLimitReached
from unit_tests.components.fakes import FakeRequester, list_answer, paginator, response

ROWS = [{"id": i, "name": f"asset {i}"} for i in range(1, 8)]
CUT_OFF = response(raw=b'{"total": 7, "rows": [{"id": 1}, {"id": 2')


def reader(answer, page_size=3, **kwargs):
    requester = FakeRequester(answer)
    sync = SyncContext.of({SyncContext.TOKEN_KEY: "page-reader"})
    return PageReader("hardware", requester, paginator(page_size), SnipeItPageDecoder(parameters={"name": "hardware"}),
                      sync, **kwargs), requester


def answers(*responses):
    remaining = list(responses)
    return lambda params: remaining.pop(0)


def test_a_page_is_the_decoded_rows_total_and_the_second_of_its_date():
    pages, requester = reader(list_answer(ROWS, date="Mon, 07 Dec 2026 12:00:44 GMT"))
    page = pages.read({"sort": "id", "order": "asc"}, 2, {"license_id": 12})
    assert page == Page(ROWS[2:5], 7, "2026-12-07T12:00:44Z")
    assert requester.sent == [{"params": {"limit": 3, "offset": 2, "sort": "id", "order": "asc"},
                               "partition": {"license_id": 12}}]


def test_a_pass_may_ask_for_its_own_limit():
    pages, requester = reader(list_answer(ROWS))
    assert len(pages.read({"limit": 10000}, 0).rows) == 7
    assert requester.sent[0]["params"]["limit"] == 10000


def test_a_cut_off_page_is_asked_again_and_none_of_its_rows_is_returned(no_sleep):
    pages, requester = reader(answers(CUT_OFF, response({"total": 7, "rows": ROWS[:3]})))
    assert pages.read({}, 0).rows == ROWS[:3]
    assert len(requester.sent) == 2 and no_sleep == [1]


def test_a_page_cut_off_every_time_fails_as_transient_after_the_last_attempt(no_sleep):
    pages, requester = reader(lambda params: CUT_OFF, max_body_retries=3)
    with pytest.raises(AirbyteTracedException) as error:
        pages.read({}, 499)
    assert error.value.failure_type == FailureType.transient_error
    assert "(offset 499, 3 attempts). No rows of this page were written." in error.value.message
    assert len(requester.sent) == 3 and no_sleep == [1, 2]


def test_an_error_body_is_not_asked_again():
    pages, requester = reader(lambda params: response({"status": "error", "messages": "Company not found"}))
    with pytest.raises(ErrorBody):
        pages.read({}, 0)
    assert len(requester.sent) == 1


def test_a_denied_list_raises_permission_denied_after_one_request():
    pages, requester = reader(lambda params: response({"message": "This action is unauthorized."}, 403))
    with pytest.raises(PermissionDenied):
        pages.read({}, 0)
    assert len(requester.sent) == 1


def test_each_attempt_spends_the_test_reads_page_budget(no_sleep):
    pages, requester = reader(answers(CUT_OFF, response({"total": 7, "rows": ROWS[:3]})))
    budget = PageBudget(2)
    pages.read({}, 0, budget=budget)
    assert budget.left == 0
    with pytest.raises(_TestReadLimitReached):
        pages.read({}, 3, budget=budget)
    assert len(requester.sent) == 2  # the spent budget sent nothing


def test_each_page_read_is_counted_in_the_progress():
    progress = ReadProgress("hardware")
    pages, _ = reader(list_answer(ROWS), progress=progress)
    pages.read({}, 0)
    pages.read({}, 2)
    assert (progress.pages, progress.rows, progress.totals) == (2, 5, {(): 7})
