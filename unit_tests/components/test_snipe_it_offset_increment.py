"""SnipeItOffsetIncrement: advance by the rows received (the server clamps limit without saying so) and stop at
total or an empty page, never at the first page shorter than limit."""

import pytest

from components import SnipeItOffsetIncrement
from unit_tests.components.fakes import response


def paging(page_size=1000):
    return SnipeItOffsetIncrement(config={}, page_size=page_size, parameters={})


@pytest.mark.parametrize("offset, received, total, following", [
    pytest.param(0, 500, 20000, 500, id="clamped-page-advances-by-rows-not-limit"),
    pytest.param(19500, 500, 20000, None, id="total-reached"),
    pytest.param(499, 500, 20000, 999, id="overlap-offset"),
    pytest.param(0, 3, 3, None, id="one-short-page"),
    pytest.param(10, 0, 20000, None, id="empty-page-stops"),
    pytest.param(0, 50, None, 50, id="unknown-total-pages-on"),
    pytest.param(50, 0, None, None, id="unknown-total-stops-at-empty-page"),
    pytest.param(0, 40, 30, None, id="more-rows-than-total-stops"),
])
def test_next_offset(offset, received, total, following):
    assert paging().next_offset(offset, received, total) == following


def test_a_page_clamped_to_max_results_is_not_taken_for_the_last_one():
    # GET /hardware?limit=1000&offset=0 -> 500 rows (MAX_RESULTS) of 20000: OffsetIncrement would stop here
    clamped = response({"total": 20000, "rows": [{"id": i} for i in range(1, 501)]})
    assert paging(1000).next_page_token(clamped, 500, {"id": 500}, last_page_token_value=0) == 500


def test_next_page_token_reads_total_from_the_answer():
    answer = response({"total": 1200, "rows": []})
    assert paging().next_page_token(answer, 500, None, last_page_token_value=500) == 1000
    assert paging().next_page_token(answer, 200, None, last_page_token_value=1000) is None


def test_next_page_token_without_a_readable_total_pages_until_an_empty_page():
    not_json = response(raw=b"<html>")
    assert paging().next_page_token(not_json, 500, None, last_page_token_value=None) == 500
    text_total = response({"total": "1200", "rows": []})
    assert paging().next_page_token(text_total, 500, None, last_page_token_value=1000) == 1500
    assert paging().next_page_token(text_total, 0, None, last_page_token_value=1500) is None
