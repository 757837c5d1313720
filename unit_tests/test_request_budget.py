"""The request budget follows what the server says is left (X-RateLimit-*), counting every client of the token."""

import pytest
import requests

from components import RequestPacer


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1000.0}
    monkeypatch.setattr("components.time.monotonic", lambda: now["t"])
    monkeypatch.setattr("components.time.sleep", lambda s: now.__setitem__("t", now["t"] + s))
    return now


def answer(limit, remaining):
    response = requests.Response()
    response.status_code = 200
    if limit is not None:
        response.headers["X-RateLimit-Limit"] = str(limit)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    return response


def send(pacer, clock, response=None):
    ticket = pacer.wait_for_slot()
    sent = clock["t"]
    if response is not None:
        pacer.observe(response, ticket)
    pacer.release()
    clock["t"] += 0.1
    return sent


def test_a_sync_starting_after_another_spent_the_window_waits_for_the_next_window(clock):
    pacer = RequestPacer(requests_per_minute=120, window_seconds=60)
    start = clock["t"]
    send(pacer, clock, answer(120, 0))  # the previous sync left exactly one request: ours
    second = send(pacer, clock)
    assert second - start > 60  # waited a whole window instead of meeting a 429


def test_the_budget_starts_from_what_is_left_and_leaves_one_request_for_the_next_client(clock):
    pacer = RequestPacer(requests_per_minute=120, window_seconds=60)
    start = clock["t"]
    sent = [send(pacer, clock, answer(120, 5))]  # 115 spent by someone else, ours included
    remaining = 4
    for _ in range(6):
        sent.append(send(pacer, clock, answer(120, remaining)))
        remaining -= 1
    quick = [t for t in sent if t - start < 60]
    assert len(quick) == 5  # ours, then four more: one of the five left stays unspent


def test_a_new_server_window_releases_the_requests_it_no_longer_counts(clock):
    pacer = RequestPacer(requests_per_minute=10, window_seconds=60)
    for remaining in range(9, 0, -1):  # a limit of 10: nine requests, one left unspent
        send(pacer, clock, answer(10, remaining))
    start = clock["t"]
    probe = send(pacer, clock, answer(10, 9))  # the window passed; the server counts only this one
    burst = [send(pacer, clock, answer(10, 8 - i)) for i in range(8)]
    assert probe - start > 60  # our own log kept us out of the old window
    assert burst[-1] - probe < 2  # the next eight went at once, as the server allows


def test_a_requests_per_minute_below_the_server_limit_is_kept(clock):
    pacer = RequestPacer(requests_per_minute=5, window_seconds=60)
    start = clock["t"]
    sent = [send(pacer, clock, answer(120, 119 - i)) for i in range(7)]
    assert len([t for t in sent if t - start < 60]) == 5


def test_remaining_zero_without_a_limit_header_still_waits_a_window(clock):
    pacer = RequestPacer(requests_per_minute=120, window_seconds=60)
    start = clock["t"]
    send(pacer, clock, answer(None, 0))
    assert send(pacer, clock) - start > 60


def test_our_own_requests_in_flight_are_not_counted_twice(clock):
    pacer = RequestPacer(requests_per_minute=120, window_seconds=60)
    start = clock["t"]
    times, counted = [], 0
    for _ in range(4):  # four pages in flight all the time; the server counts each when its worker picks it up
        ticket = pacer.wait_for_slot()
        times.append(clock["t"])
        counted += 1
    while len(times) < 125:
        pacer.observe(answer(120, 120 - counted), ticket)  # the oldest answer, once all four were counted
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
        return answer(self.limit, self.limit - self.count)


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
