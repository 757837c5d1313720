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


def test_a_sync_starting_after_another_spent_the_window_waits_for_the_next_window(clock):
    pacer = RequestPacer(requests_per_minute=120, window_seconds=60)
    start = clock["t"]
    send(pacer, clock, limits(120, 0))  # the previous sync left exactly one request: ours
    second = send(pacer, clock)
    assert second - start > 60  # waited a whole window instead of meeting a 429


def test_the_budget_starts_from_what_is_left_and_leaves_one_request_for_the_next_client(clock):
    pacer = RequestPacer(requests_per_minute=120, window_seconds=60)
    start = clock["t"]
    sent = [send(pacer, clock, limits(120, 5))]  # 115 spent by someone else, ours included
    remaining = 4
    for _ in range(6):
        sent.append(send(pacer, clock, limits(120, remaining)))
        remaining -= 1
    quick = [t for t in sent if t - start < 60]
    assert len(quick) == 5  # ours, then four more: one of the five left stays unspent


def test_a_new_server_window_releases_the_requests_it_no_longer_counts(clock):
    pacer = RequestPacer(requests_per_minute=10, window_seconds=60)
    for remaining in range(9, 0, -1):  # a limit of 10: nine requests, one left unspent
        send(pacer, clock, limits(10, remaining))
    start = clock["t"]
    probe = send(pacer, clock, limits(10, 9))  # the window passed; the server counts only this one
    burst = [send(pacer, clock, limits(10, 8 - i)) for i in range(8)]
    assert probe - start > 60  # our own log kept us out of the old window
    assert burst[-1] - probe < 2  # the next eight went at once, as the server allows


def test_a_requests_per_minute_below_the_server_limit_is_kept(clock):
    pacer = RequestPacer(requests_per_minute=5, window_seconds=60)
    start = clock["t"]
    sent = [send(pacer, clock, limits(120, 119 - i)) for i in range(7)]
    assert len([t for t in sent if t - start < 60]) == 5


def test_our_own_requests_in_flight_are_not_counted_twice(clock):
    pacer = RequestPacer(requests_per_minute=120, window_seconds=60)
    start = clock["t"]
    times, counted = [], 0
    for _ in range(4):  # four pages in flight all the time; the server counts each when its worker picks it up
        ticket = pacer.wait_for_slot()
        times.append(clock["t"])
        counted += 1
    while len(times) < 125:
        pacer.observe(limits(120, 120 - counted), ticket)  # the oldest answer, once all four were counted
        pacer.release()
        clock["t"] += 0.1
        ticket = pacer.wait_for_slot()
        times.append(clock["t"])
        counted += 1
    assert len([t for t in times if t - start < 60]) == 119  # the whole window but one request for the next client


# --- the server's fixed window against answers that come back out of order or after queueing ----------------

class FixedWindowServer:
    """Laravel's limiter: ``limit`` hits in a window that opens at the first hit (when a PHP worker takes the
    request, after any queueing); a refused request is not counted."""

    def __init__(self, limit, window=60.0):
        self.limit, self.window = limit, window
        self.opened, self.count, self.refused = None, 0, 0

    def hit(self, at):
        if self.opened is None or at - self.opened >= self.window:
            self.opened, self.count = at, 0
        if self.count >= self.limit:
            self.refused += 1
            return None
        self.count += 1
        return limits(self.limit, self.limit - self.count)


class Flight:
    """One request on its own thread, as the read-ahead threads send them: wait_for_slot, then (when the test
    says so) observe its answer and release. Only one thread runs at a time, so the order is the test's."""

    def __init__(self, pacer, clock):
        import threading
        self.sent, self.go, self.done = threading.Event(), threading.Event(), threading.Event()
        self.response = None
        self.thread = threading.Thread(target=self._run, args=(pacer, clock), daemon=True)
        self.thread.start()
        assert self.sent.wait(5)

    def _run(self, pacer, clock):
        ticket = pacer.wait_for_slot()
        self.sent_at = clock["t"]
        self.sent.set()
        self.go.wait(5)
        if self.response is not None:
            pacer.observe(self.response, ticket)
        pacer.release()
        self.done.set()

    def land(self, response):
        self.response = response
        self.go.set()
        assert self.done.wait(5)


def test_an_answer_overtaken_by_a_later_one_is_not_taken_for_a_new_server_window(clock):
    # Three pages in flight; the server counts them 1, 2, 3, but their threads read the answers in reverse order.
    # The oldest answer (remaining 9) arrives last: it is stale, not a fresh window that forgot the other two.
    server = FixedWindowServer(limit=10)
    pacer = RequestPacer(requests_per_minute=120, window_seconds=60)
    start = clock["t"]
    flights = [Flight(pacer, clock) for _ in range(3)]
    answers = [server.hit(clock["t"]) for _ in flights]
    for flight, response in reversed(list(zip(flights, answers))):
        flight.land(response)
    while True:  # then one page at a time until the window is over
        flight = Flight(pacer, clock)
        if flight.sent_at - start >= 60:
            flight.land(None)
            break
        flight.land(server.hit(flight.sent_at))
        clock["t"] += 0.5
    assert server.refused == 0


def test_requests_queued_at_the_server_into_its_next_window_are_counted_from_their_answer(clock):
    # The server's window opens when a worker *takes* a request. Eight pages sent at 58 s wait 2.5 s for a busy
    # server's workers, open its second window at 60.5 s and are answered at 61 s: that window lasts until
    # 120.5 s, so they must not leave the pacer's log at 58 + 61 s.
    server = FixedWindowServer(limit=10)
    pacer = RequestPacer(requests_per_minute=120, window_seconds=60)
    start = clock["t"]
    first = Flight(pacer, clock)
    first.land(server.hit(clock["t"]))
    clock["t"] = start + 58
    queued = [Flight(pacer, clock) for _ in range(8)]
    answers = [server.hit(start + 60.5) for _ in queued]
    clock["t"] = start + 61
    for flight, response in zip(queued, answers):
        flight.land(response)
    while clock["t"] - start < 121:  # then four pages in flight at a time, as pages_in_flight 4 reads
        flights = [Flight(pacer, clock) for _ in range(4)]
        for flight in flights:
            flight.land(server.hit(flight.sent_at) if flight.sent_at - start < 121 else None)
        clock["t"] += 0.1
    assert server.refused == 0
