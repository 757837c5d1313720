"""SnipeItRateLimitBackoff: a 429 waits out Snipe-IT's fixed window (no Retry-After on v8.1.4); Retry-After is obeyed
when sane and capped when absurd; everything else is left to the exponential strategy (None)."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests

from components import SnipeItRateLimitBackoff
from unit_tests.components.fakes import response

TOO_MANY = {"status": "error", "messages": "Too many requests", "payload": None}  # v8.1.4's 429 body


def backoff(**config):
    return SnipeItRateLimitBackoff(config=config, parameters={})


def too_many(retry_after=None):
    return response(TOO_MANY, 429, {"Retry-After": retry_after} if retry_after is not None else {})


@pytest.mark.parametrize("config, retry_after, wait", [
    pytest.param({}, None, 60.0, id="no-retry-after-one-default-window"),
    pytest.param({"rate_limit_window_seconds": 90}, None, 90.0, id="no-retry-after-the-instance-window"),
    pytest.param({"rate_limit_window_seconds": 600}, None, 120.0, id="a-long-window-is-capped"),
    pytest.param({}, "7", 7.0, id="retry-after-seconds"),
    pytest.param({}, "0", 1.0, id="retry-after-zero-still-waits-a-second"),
    pytest.param({}, "367946340", 120.0, id="absurd-retry-after-capped"),
    pytest.param({"rate_limit_window_seconds": 30}, "soon", 30.0, id="unreadable-retry-after-waits-the-window"),
])
def test_a_429_waits(config, retry_after, wait):
    assert backoff(**config).backoff_time(too_many(retry_after), attempt_count=1) == wait


def test_a_retry_after_date_waits_until_that_moment():
    moment = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 27 <= backoff().backoff_time(too_many(moment), 1) <= 30


def test_a_retry_after_date_in_the_past_waits_one_second():
    moment = format_datetime(datetime.now(timezone.utc) - timedelta(hours=1), usegmt=True)
    assert backoff().backoff_time(too_many(moment), 1) == 1.0


def test_the_cap_is_a_setting_of_the_component():
    capped = SnipeItRateLimitBackoff(config={}, parameters={}, max_wait_seconds=10)
    assert capped.backoff_time(too_many(), 1) == 10.0


@pytest.mark.parametrize("answer", [
    pytest.param(response({}, 503), id="server-error"),
    pytest.param(response({}, 200), id="success"),
    pytest.param(requests.exceptions.ConnectionError("reset"), id="connection-error"),
])
def test_anything_but_a_429_is_left_to_the_next_strategy(answer):
    assert backoff().backoff_time(answer, 1) is None
