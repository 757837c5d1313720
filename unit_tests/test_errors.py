"""Errors: loud, named, fast where nothing can help, patient where waiting helps."""

import requests_mock

from unit_tests.conftest import list_url, make_config, mock_page, page, records_of, rows_like, run_read


def error_text(output) -> str:
    return " ".join(m.trace.error.message for m in output.errors)


def test_http_200_with_error_body_fails_loudly():
    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, {"status": "error", "messages": "Company not found", "payload": None})
        output = run_read("companies", expect_failure=True)
    assert records_of(output) == []
    assert "Company not found" in error_text(output)


def test_401_fails_at_the_first_request_without_retries():
    with requests_mock.Mocker() as m:
        request = mock_page(m, "companies", 0, {"error": "Unauthorized or unauthenticated."}, http_status=401)
        output = run_read("companies", expect_failure=True)
    assert request.call_count == 1
    assert "refused the API token" in error_text(output)


def test_redirect_to_login_is_not_followed_and_names_the_token():
    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, None, http_status=302, headers={"Location": "https://snipe.example.com/login"})
        login = m.get("https://snipe.example.com/login", text="<html>login</html>")
        output = run_read("companies", expect_failure=True)
    assert login.call_count == 0
    assert "token was refused" in error_text(output) and "/login" in error_text(output)


def test_html_login_page_with_200_is_an_auth_error_not_an_empty_stream():
    with requests_mock.Mocker() as m:
        m.get(list_url("companies", 0), text="<!DOCTYPE html><html>Login</html>", headers={"Content-Type": "text/html"})
        output = run_read("companies", expect_failure=True)
    assert records_of(output) == [] and "HTML page" in error_text(output)


def test_403_names_the_missing_permission():
    with requests_mock.Mocker() as m:
        mock_page(m, "hardware", 0, {"message": "This action is unauthorized."}, http_status=403, status="Archived")
        output = run_read("hardware", expect_failure=True)
    assert "assets.view" in error_text(output)


def test_429_without_retry_after_is_waited_out_and_the_read_completes():
    rows = rows_like("companies", [1, 2])
    with requests_mock.Mocker() as m:
        request = m.get(list_url("companies", 0), complete_qs=True, response_list=[
            {"status_code": 429, "json": {"status": "error", "messages": "Too many requests", "payload": None}},
            {"json": page(rows)},
        ])
        output = run_read("companies", make_config(rate_limit_window_seconds=1))
    assert request.call_count == 2
    assert [r["id"] for r in records_of(output)] == [1, 2]


def test_absurd_retry_after_is_capped_not_obeyed(monkeypatch):
    from components import SnipeItRateLimitBackoff
    import requests

    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = "367946340"
    backoff = SnipeItRateLimitBackoff(config={}, parameters={})
    assert backoff.backoff_time(response, 1) == 120.0
    response.headers["Retry-After"] = "7"
    assert backoff.backoff_time(response, 1) == 7.0
    del response.headers["Retry-After"]
    assert backoff.backoff_time(response, 1) == 60.0
    response.status_code = 503
    assert backoff.backoff_time(response, 1) is None  # left to the exponential strategy


def test_server_error_is_retried_and_the_read_completes():
    rows = rows_like("companies", [1])
    with requests_mock.Mocker() as m:
        request = m.get(list_url("companies", 0), complete_qs=True, response_list=[
            {"status_code": 503, "json": {"message": "Server Error"}}, {"json": page(rows)}])
        output = run_read("companies")
    assert request.call_count == 2 and [r["id"] for r in records_of(output)] == [1]


def test_body_without_rows_is_retried_then_fails_with_a_clear_message():
    with requests_mock.Mocker() as m:
        request = mock_page(m, "companies", 0, {"total": 3})
        output = run_read("companies", expect_failure=True)
    assert request.call_count == 3
    assert "no 'rows' list" in error_text(output) and "No rows of this page were written" in error_text(output)


def test_truncated_json_is_retried():
    rows = rows_like("companies", [1])
    with requests_mock.Mocker() as m:
        m.get(list_url("companies", 0), complete_qs=True, response_list=[
            {"text": '{"total": 1, "rows": [{"id": 1, "na'}, {"json": page(rows)}])
        output = run_read("companies")
    assert [r["id"] for r in records_of(output)] == [1]


def test_row_without_id_fails_instead_of_writing_an_undeduplicable_row():
    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, page([{"name": "no id"}]))
        output = run_read("companies", expect_failure=True)
    assert "without an integer 'id'" in error_text(output)


def test_token_never_appears_in_output(capsys, caplog):
    from airbyte_cdk.models import AirbyteMessageSerializer
    from unit_tests.conftest import TOKEN

    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, {"error": "Unauthorized or unauthenticated."}, http_status=401)
        output = run_read("companies", expect_failure=True)
    everything = [str(AirbyteMessageSerializer.dump(msg)) for msg in output.get_message_iterator()]
    everything += [output.stderr or "", caplog.text, *capsys.readouterr()]
    assert len(everything) > 3 and any("refused the API token" in text for text in everything)
    assert not [text for text in everything if TOKEN in text]


def test_pacer_never_exceeds_the_budget_in_any_window(monkeypatch):
    from components import RequestPacer

    clock = {"now": 1000.0}
    monkeypatch.setattr("components.time.monotonic", lambda: clock["now"])
    monkeypatch.setattr("components.time.sleep", lambda s: clock.__setitem__("now", clock["now"] + s))
    pacer = RequestPacer(requests_per_minute=10, window_seconds=60)
    sent = []
    for _ in range(35):
        pacer.wait_for_slot()
        sent.append(clock["now"])
        clock["now"] += 0.25  # each request takes 250 ms
        pacer.release()
    assert sent[9] - sent[0] < 3  # a small sync goes at full speed
    for i in range(len(sent) - 10):
        assert sent[i + 10] - sent[i] > 60  # never 11 requests within one 60 s window
