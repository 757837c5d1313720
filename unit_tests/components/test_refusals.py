"""refusal_of / _refusal_type: a refused request raised as its type (TokenRefused, InstanceNotReached,
PermissionDenied, SnipeItRefusal), with the manifest's message for its status and never the response's headers."""

import pytest

from airbyte_cdk.models import FailureType

from components import (NO_ANSWER_HEADER, InstanceNotReached, PermissionDenied, SnipeItRefusal, TokenRefused,
                        _refusal_type, refusal_of)
from unit_tests.components.fakes import API, FakeRequester, capture, manifest_error_handler, response

CONFIG = {"api_url": API}


@pytest.mark.parametrize("status, refusal", [
    (401, TokenRefused), (301, TokenRefused), (302, TokenRefused), (307, TokenRefused),
    (495, InstanceNotReached), (598, InstanceNotReached),
    (403, PermissionDenied), (404, SnipeItRefusal), (422, SnipeItRefusal), (599, SnipeItRefusal),
])
def test_each_status_has_its_refusal_type(status, refusal):
    assert _refusal_type(status) is refusal


def test_refusals_that_every_other_request_would_meet_end_the_sync():
    assert TokenRefused.ends_sync and InstanceNotReached.ends_sync
    assert not PermissionDenied.ends_sync and not SnipeItRefusal.ends_sync


def requester(**parameters):
    defaults = {"name": "hardware", "resource": "hardware", "permission": "assets.view"}
    return FakeRequester(lambda params: None, manifest_error_handler(CONFIG, **{**defaults, **parameters}))


def recorded(name, url=API + "hardware?limit=1&offset=0"):
    answer = capture(name)
    return response(answer["body"], answer["status"], {**answer["headers"], "Set-Cookie": "snipeit_session=secret"}, url)


def test_a_403_of_a_real_instance_names_the_permission_the_stream_needs():
    refusal = refusal_of(requester(), recorded("error_403_no_permission"), "hardware")
    assert isinstance(refusal, PermissionDenied) and refusal.status == 403
    assert refusal.message == ("Snipe-IT denied the API token access to /hardware (HTTP 403): the token's user needs "
                               "the 'assets.view' permission. Grant it, or deselect the hardware stream.")
    assert refusal.failure_type == FailureType.config_error
    assert refusal.internal_message == f"HTTP 403 on GET {API}hardware: This action is unauthorized."


def test_a_401_of_a_real_instance_is_a_refused_token():
    refusal = refusal_of(requester(), recorded("error_401_bad_token"), "hardware")
    assert isinstance(refusal, TokenRefused) and "refused the API token (HTTP 401 Unauthorized)" in refusal.message


def test_a_redirect_to_the_login_page_is_a_refused_token_naming_where_it_went():
    redirect = response(None, 302, {"X-Snipeit-Redirect-Location": "https://snipe.example.com/login"})
    refusal = refusal_of(requester(), redirect, "hardware")
    assert isinstance(refusal, TokenRefused)
    assert "redirected the API request to 'https://snipe.example.com/login'" in refusal.message


def test_no_answer_carries_the_cause_the_session_put_in_words():
    cause = "Cannot reach https://snipe.example.com: the host name 'snipe.example.com' is unknown (DNS lookup failed)."
    refusal = refusal_of(requester(), response({}, 598, {NO_ANSWER_HEADER: cause}), "hardware")
    assert isinstance(refusal, InstanceNotReached) and refusal.message == cause
    assert refusal.failure_type == FailureType.config_error  # declared, not the CDK's system error for 598


def test_a_404_names_the_url_the_base_url_led_to():
    refusal = refusal_of(requester(resource="fields"), response({}, 404), "hardware")
    assert type(refusal) is SnipeItRefusal
    assert refusal.message.startswith(f"{API}fields does not exist (HTTP 404)")


def test_no_header_or_cookie_of_the_answer_reaches_the_messages():
    for name in ("error_403_no_permission", "error_401_bad_token"):
        refusal = refusal_of(requester(), recorded(name, API + "hardware?limit=1&token=abc"), "hardware")
        for text in (refusal.message, refusal.internal_message):
            assert "snipeit_session" not in text and "token=abc" not in text and "X-RateLimit" not in text


def test_without_an_error_handler_the_status_alone_is_said():
    refusal = refusal_of(FakeRequester(lambda params: None), response({"error": "nope"}, 401), "users")
    assert isinstance(refusal, TokenRefused) and refusal.message == "Stream users: Snipe-IT answered HTTP 401."
    assert refusal.internal_message.endswith(": nope")
