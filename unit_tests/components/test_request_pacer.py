"""RequestPacer: a ticket from wait_for_slot(), observe(answer, ticket), release(). The log of requests never holds more
than the budget, which follows X-RateLimit-* and always leaves one request of the server's limit unspent."""

import pytest

from components import RequestPacer
from unit_tests.components.fakes import response


def limits(limit, remaining):
    headers = {"X-RateLimit-Remaining": str(remaining)}
    if limit is not None:
        headers["X-RateLimit-Limit"] = str(limit)
    return response({}, headers=headers)


def send(pacer, clock, answer=None):
    """One request from slot to release; returns when it was sent (on the fake clock)."""
    ticket = pacer.wait_for_slot()
    sent = clock["t"]
    if answer is not None:
        pacer.observe(answer, ticket)
    pacer.release()
    clock["t"] += 0.1
    return sent


def sent_within_a_window(pacer, clock, count):
    start = clock["t"]
    return sum(1 for _ in range(count) if send(pacer, clock) - start < 60)


def test_a_ticket_is_the_number_of_requests_answered_before_it_was_sent(clock):
    pacer = RequestPacer(120, 60)
    assert pacer.wait_for_slot() == 0
    assert pacer.wait_for_slot() == 0  # the first is still in flight
    pacer.release()
    assert pacer.wait_for_slot() == 1
    pacer.release()
    pacer.release()
    assert pacer.wait_for_slot() == 3
    assert pacer.requests_sent == 4


def test_requests_stay_in_the_log_for_a_window_and_a_second_after_their_answer(clock):
    pacer = RequestPacer(2, 60)
    start = clock["t"]
    first, second = pacer.wait_for_slot(), pacer.wait_for_slot()  # both in flight: the budget is spent
    clock["t"] += 30  # a slow server: answered 30 s later
    pacer.release()
    pacer.release()
    third = send(pacer, clock)
    assert third - start >= 30 + 60 + RequestPacer.MARGIN_SECONDS


def test_an_answer_without_rate_headers_leaves_the_configured_budget(clock):
    pacer = RequestPacer(3, 60)
    send(pacer, clock, response({}))
    assert pacer.budget == 3
    assert sent_within_a_window(pacer, clock, 4) == 2  # three in the window in all, ours first


def test_the_server_limit_lowers_the_budget_to_one_below_it(clock):
    pacer = RequestPacer(120, 60)
    send(pacer, clock, limits(10, 9))
    assert pacer.budget == 9
    assert sent_within_a_window(pacer, clock, 10) == 8  # nine in the window: the tenth is the next sync's


def test_a_lower_requests_per_minute_is_kept_whatever_the_server_allows(clock):
    pacer = RequestPacer(5, 60)
    send(pacer, clock, limits(120, 119))
    assert pacer.budget == 5
    assert sent_within_a_window(pacer, clock, 6) == 4


def test_requests_another_client_spent_count_against_our_window(clock):
    pacer = RequestPacer(120, 60)
    send(pacer, clock, limits(120, 100))  # ours was the 20th request of this window: 19 were someone else's
    assert sent_within_a_window(pacer, clock, 101) == 99  # 100 were left: we spend 99 of them


def test_remaining_zero_without_a_limit_waits_for_the_next_window(clock):
    pacer = RequestPacer(120, 60)
    start = clock["t"]
    send(pacer, clock, limits(None, 0))
    assert send(pacer, clock) - start > 60


def test_an_answer_overtaken_by_later_ones_is_read_with_its_ticket_not_as_a_new_window(clock):
    # Three requests in flight; the server counts them 1, 2, 3 and the answers land in reverse order. The oldest
    # (remaining 9) arrives last: with its ticket the pacer knows two of ours may have been counted after it.
    pacer = RequestPacer(120, 60)
    tickets = [pacer.wait_for_slot() for _ in range(3)]
    for ticket, remaining in reversed(list(zip(tickets, (9, 8, 7)))):
        pacer.observe(limits(10, remaining), ticket)
        pacer.release()
    clock["t"] += 0.1
    assert sent_within_a_window(pacer, clock, 7) == 6  # 3 + 6 = 9 of the server's 10


@pytest.mark.parametrize("window", [1.0, 60.0])
def test_the_window_is_the_configured_one(clock, window):
    pacer = RequestPacer(1, window)
    start = clock["t"]
    send(pacer, clock)
    assert window + 1 <= send(pacer, clock) - start < window + 1.2
