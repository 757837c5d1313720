"""SyncContext: what one sync's components share, found by the token the normaliser writes into the config:
the same object for the same token, the last LIMIT syncs kept, reset(); its pacer, dates, and the first request
that goes alone so a refused token costs one request."""

import threading
import time

import pytest

from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from components import DateDisplayFormat, PermissionDenied, SyncContext, TokenRefused
from unit_tests.components.fakes import FakeRequester, response


def config(token, **settings):
    return {SyncContext.TOKEN_KEY: token, **settings}


def test_every_component_of_a_sync_finds_the_same_context():
    first = SyncContext.of(config("sync-a"))
    assert SyncContext.of(config("sync-a", page_size=5)) is first  # another component's copy of the config
    assert SyncContext.of(config("sync-b")) is not first


def test_a_config_without_a_token_gets_one_written_into_it():
    raw = {"base_url": "https://snipe.example.com"}
    context = SyncContext.of(raw)
    assert isinstance(raw[SyncContext.TOKEN_KEY], str) and SyncContext.of(raw) is context


def test_only_the_last_limit_syncs_are_kept_the_least_recently_used_first_to_go():
    oldest, kept = SyncContext.of(config("sync-0")), SyncContext.of(config("sync-1"))
    for i in range(2, SyncContext.LIMIT + 1):
        SyncContext.of(config("sync-1"))  # in use: stays
        SyncContext.of(config(f"sync-{i}"))
    assert len(SyncContext._contexts) == SyncContext.LIMIT
    assert SyncContext.of(config("sync-1")) is kept
    assert SyncContext.of(config("sync-0")) is not oldest


def test_reset_forgets_every_sync():
    before = SyncContext.of(config("sync-a"))
    SyncContext.reset()
    assert SyncContext.of(config("sync-a")) is not before


def test_the_pacer_follows_the_config_and_its_defaults():
    paced = SyncContext.of(config("paced", requests_per_minute=30, rate_limit_window_seconds=10)).pacer
    default = SyncContext.of(config("default")).pacer
    assert (paced.configured_budget, paced.window_seconds) == (30, 10.0)
    assert (default.configured_budget, default.window_seconds) == (120, 60.0)


def test_the_dates_are_one_object_per_sync_with_the_configured_format():
    context = SyncContext.of(config("dates", date_display_format="d.m.Y"))
    assert isinstance(context.dates, DateDisplayFormat) and context.dates is context.dates
    assert context.dates.configured == "d.m.Y"
    assert SyncContext.of(config("learned")).dates.configured is None  # learned from the rows


def test_an_unknown_configured_date_format_fails_when_the_dates_are_asked_for():
    context = SyncContext.of(config("bad-dates", date_display_format="Y/m/d"))
    with pytest.raises(AirbyteTracedException, match="date_display_format 'Y/m/d'"):
        context.dates  # noqa: B018


def test_send_returns_the_answer_and_the_pacer_learns_the_servers_limit():
    context = SyncContext.of(config("send"))
    requester = FakeRequester(lambda p: response({"total": 0, "rows": []},
                                                 headers={"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59"}))
    answer = context.send(requester, "companies", {"limit": 1, "offset": 0}, {"license_id": 3})
    assert answer.status_code == 200 and context.pacer.budget == 59
    assert requester.sent == [{"params": {"limit": 1, "offset": 0}, "partition": {"license_id": 3}}]


def test_a_refused_token_ends_the_sync_for_every_other_stream_without_another_request():
    context = SyncContext.of(config("refused"))
    requester = FakeRequester(lambda p: response({"error": "Unauthorized."}, 401))
    with pytest.raises(TokenRefused):
        context.send(requester, "hardware", {})
    with pytest.raises(AirbyteTracedException, match="Stream users was not read: Stream hardware: Snipe-IT answered"):
        context.send(requester, "users", {})
    assert len(requester.sent) == 1


def test_a_denied_stream_fails_alone():
    context = SyncContext.of(config("denied"))
    answers = iter([response({"message": "This action is unauthorized."}, 403), response({"total": 0, "rows": []})])
    requester = FakeRequester(lambda p: next(answers))
    with pytest.raises(PermissionDenied):
        context.send(requester, "groups", {})
    assert context.fatal_error is None
    assert context.send(requester, "users", {}).status_code == 200


def test_no_response_at_all_is_a_transient_error():
    with pytest.raises(AirbyteTracedException, match="Stream hardware: Snipe-IT gave no response."):
        SyncContext.of(config("silent")).send(FakeRequester(lambda p: None), "hardware", {})


def test_the_first_request_goes_alone_and_its_refusal_stops_the_streams_waiting_for_it():
    context = SyncContext.of(config("first"))
    release = threading.Event()

    def answer(params):
        release.wait(5)
        return response({"error": "Unauthorized."}, 401)

    requester = FakeRequester(answer)
    errors = {}

    def stream(name):
        try:
            context.send(requester, name, {"stream": name})
        except AirbyteTracedException as error:
            errors[name] = error

    first = threading.Thread(target=stream, args=("hardware",))
    first.start()
    for _ in range(500):
        if requester.sent:
            break
        time.sleep(0.01)
    others = [threading.Thread(target=stream, args=(name,)) for name in ("users", "licenses")]
    for thread in others:
        thread.start()
    for thread in others:
        thread.join(0.2)
    assert len(requester.sent) == 1 and not errors  # the others wait for the first answer
    release.set()
    for thread in [first] + others:
        thread.join(5)
    assert len(requester.sent) == 1
    assert isinstance(errors["hardware"], TokenRefused)
    assert all("was not read" in errors[name].message for name in ("users", "licenses"))


def test_the_instances_clock_is_not_asked_once_the_sync_has_failed():
    context = SyncContext.of(config("clock"))
    context.fatal_error = "Snipe-IT refused the API token (HTTP 401)."
    assert context.clock.second() is None
    context.fatal_error = None
    assert context.clock.second() is None  # asked once per sync: the answer is kept
