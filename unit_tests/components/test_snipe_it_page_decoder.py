"""SnipeItPageDecoder: one list answer checked before any row is written. HTTP-200 error bodies raise ErrorBody (an
item that is gone: ItemMissing), a login page is a config error, a cut-off or odd body is retried, rows need ids."""

import pytest

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from components import ErrorBody, ItemMissing, SnipeItPageDecoder, _RetryableBody
from unit_tests.components.fakes import API, captured_response, response

decoder = SnipeItPageDecoder(parameters={"name": "hardware"})


def decode(answer):
    return list(decoder.decode(answer))


def test_a_captured_list_decodes_to_its_rows_and_total():
    [page] = decode(captured_response("hardware"))
    assert page["total"] >= len(page["rows"]) > 0 and all(isinstance(r["id"], int) for r in page["rows"])


def test_a_captured_offset_past_the_end_is_an_empty_page_with_the_real_total():
    [page] = decode(captured_response("offset_past_end"))
    assert page["rows"] == [] and page["total"] > 0


def test_the_error_body_of_an_item_that_is_gone_raises_item_missing():
    with pytest.raises(ItemMissing) as missing:
        decode(captured_response("item_missing"))  # 200 {"status": "error", "messages": "Asset does not exist."}
    assert missing.value.message == "Stream hardware: Snipe-IT answered HTTP 200 with an error: Asset does not exist."


@pytest.mark.parametrize("said", ["License does not exist.", "Asset Does Not Exist"])
def test_every_does_not_exist_message_is_an_item_missing(said):
    with pytest.raises(ItemMissing):
        decode(response({"status": "error", "messages": said, "payload": None}))


@pytest.mark.parametrize("body", [
    pytest.param({"status": "error", "messages": "Company not found", "payload": None}, id="messages"),
    pytest.param({"status": "error", "message": "Server Error"}, id="message"),
    pytest.param({"status": "error", "messages": {"limit": ["The limit must be an integer."]}}, id="validation"),
])
def test_other_error_bodies_raise_error_body_not_item_missing(body):
    with pytest.raises(ErrorBody) as error:
        decode(response(body))
    assert not isinstance(error.value, ItemMissing)
    assert error.value.failure_type == FailureType.system_error
    assert str(body.get("messages", body.get("message"))) in error.value.message
    # the CDK's "did not sync successfully: <stream>: <repr>" summary shows the repr, not only the message
    assert str(body.get("messages", body.get("message"))) in repr(error.value)


@pytest.mark.parametrize("answer", [
    pytest.param(response(raw=b"<!DOCTYPE html><html>Login</html>", headers={"Content-Type": "text/html"}), id="html"),
    pytest.param(response(raw=b"  \n<html>", headers={"Content-Type": "application/json"}), id="html-as-json"),
])
def test_a_login_page_is_a_config_error_naming_the_token(answer):
    with pytest.raises(AirbyteTracedException) as error:
        decode(answer)
    assert error.value.failure_type == FailureType.config_error
    assert f"{API}hardware answered with an HTML page, not JSON" in error.value.message


@pytest.mark.parametrize("raw, why", [
    pytest.param(b'{"total": 3, "rows": [{"id": 1}, {"id"', "not valid JSON", id="cut-off"),
    pytest.param(b'{"total": 3}', "has no 'rows' list", id="no-rows"),
    pytest.param(b'[{"id": 1}]', "has no 'rows' list", id="bare-list"),
    pytest.param(b'{"total": 3, "rows": {"1": {"id": 1}}}', "'rows' is a dict, not a list", id="rows-object"),
])
def test_a_body_that_is_not_the_envelope_is_retryable(raw, why):
    with pytest.raises(_RetryableBody, match=why):
        decode(response(raw=raw))


@pytest.mark.parametrize("total, decoded", [
    pytest.param("1234", 1234, id="digit-string"), pytest.param(7, 7, id="number"),
    pytest.param(None, None, id="absent"), pytest.param(True, None, id="bool"), pytest.param("many", None, id="words"),
])
def test_total_comes_as_a_number_or_a_digit_string(total, decoded):
    [page] = decode(response({"total": total, "rows": []}))
    assert page["total"] == decoded


@pytest.mark.parametrize("row", [{"name": "no id"}, {"id": "7"}, {"id": True}, "7"])
def test_a_row_without_an_integer_id_fails_the_page_naming_its_offset(row):
    answer = response({"total": 2, "rows": [{"id": 1}, row]}, url=API + "hardware?limit=500&offset=1500")
    with pytest.raises(AirbyteTracedException, match="a row without an integer 'id' came back at offset 1500"):
        decode(answer)
