"""Config: what is accepted, normalised, and what is refused with a message naming the field."""

import json
import re
import tempfile
from pathlib import Path

import pytest
import requests_mock

from airbyte_cdk.models import Status
from airbyte_cdk.models import AirbyteMessageSerializer
from airbyte_cdk.test.entrypoint_wrapper import _run_command, discover

from components import REFUSED_SETTINGS_KEY, SnipeItConfigNormalizer
from source_snipeit.run import SourceSnipeit
from unit_tests.conftest import API, TOKEN, make_config, page, rows_like, run_read

ABSENT = object()

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("base_url, start_date, expected_api_url, expected_start", [
    ("https://snipe.example.com", None, "https://snipe.example.com/api/v1/", None),
    ("https://snipe.example.com/", "2024-01-01", "https://snipe.example.com/api/v1/", "2024-01-01T00:00:00Z"),
    ("https://snipe.example.com/api/v1", "2024-01-01T10:00:00Z", "https://snipe.example.com/api/v1/", "2024-01-01T10:00:00Z"),
    ("https://snipe.example.com/api/v1/", "2024-01-01T12:00:00+02:00", "https://snipe.example.com/api/v1/", "2024-01-01T10:00:00Z"),
    ("http://10.0.0.5:8080/snipe/", "", "http://10.0.0.5:8080/snipe/api/v1/", None),
    ("http://[2001:db8::1]:8080", None, "http://[2001:db8::1]:8080/api/v1/", None),
])
def test_valid_configs_are_normalised(base_url, start_date, expected_api_url, expected_start):
    config = {"base_url": base_url, "api_token": TOKEN}
    if start_date is not None:
        config["start_date"] = start_date
    SnipeItConfigNormalizer(parameters={}).transform(config)
    assert config["api_url"] == expected_api_url
    assert config.get("start_date") == expected_start
    assert config[REFUSED_SETTINGS_KEY] == {}


# Each mistake, and the words its one message must say. Run through the source the image builds (the normaliser
# and the declared validation of the committed manifest), so the CDK's own JSON-schema check runs first, as there.
INVALID = [
    ({"api_token": ""}, "api_token is empty"),
    ({"api_token": "   "}, "api_token is empty"),
    ({"api_token": 12345678}, "api_token must be a string"),
    ({"api_token": f'"{TOKEN}"'}, "api_token is wrapped in quotes"),
    ({"api_token": f"Bearer {TOKEN}"}, "api_token starts with 'Bearer '"),
    ({"api_token": TOKEN[:9] + " " + TOKEN[9:]}, "api_token contains whitespace (character 10"),
    ({"base_url": "snipe.example.com"}, "is not a URL"),
    ({"base_url": "ftp://snipe.example.com"}, "only http:// and https://"),
    ({"base_url": 8080}, "base_url must be a string"),
    ({"base_url": "https://snipe.example.com:80a"}, "base_url 'https://snipe.example.com:80a' has a malformed host or port"),
    ({"base_url": "http://[::1:8080"}, "has a malformed host or port"),
    ({"base_url": "https://snipe example.com"}, "contains whitespace"),
    ({"page_size": 0}, "page_size must be a whole number from 1 to 500, got 0"),
    ({"page_size": 501}, "page_size"),
    ({"page_size": "abc"}, "page_size must be a whole number from 1 to 500, got 'abc'"),
    ({"timezone": "Mars/Olympus_Mons"}, "not an IANA time zone"),
    ({"start_date": "yesterday"}, "start_date 'yesterday' is not a date"),
    ({"start_date": "2024-01-01 00:00:00"}, "it has no time zone: for UTC write 2024-01-01T00:00:00Z"),
    ({"start_date": "2024-01-01T00:00:00"}, "it has no time zone"),
    ({"start_date": 20240101}, "start_date must be a string"),
    ({"requests_per_minute": 0}, "requests_per_minute"),
    ({"pages_in_flight": 0}, "pages_in_flight"),
    ({"pages_in_flight": 9}, "pages_in_flight"),
    ({"pages_in_flight": "2"}, "pages_in_flight"),
    ({"num_workers": 0}, "num_workers must be a whole number from 1 to 8"),
    ({"rate_limit_window_seconds": 0}, "rate_limit_window_seconds"),
    ({"include_deleted": "yes"}, "include_deleted must be true or false"),
    ({"ca_bundle": "/nonexistent/ca.pem"}, "ca_bundle '/nonexistent/ca.pem' does not exist"),
    ({"ca_bundle": str(ROOT / "README.md")}, "holds no PEM certificate"),
    ({"date_display_format": "d-m-Y"}, "date_display_format 'd-m-Y' is not one of Snipe-IT's date display formats"),
    ({"always_full_refresh_streams": ["hardwares"]}, "always_full_refresh_streams names 'hardwares'"),
    ({"always_full_refresh_streams": "users"}, "always_full_refresh_streams must be a list of stream names"),
    ({"base_url": ABSENT}, "base_url is missing: it is required"),
    ({"api_token": ABSENT}, "api_token is missing: it is required"),
]


def _check(config):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(config))
        return _run_command(SourceSnipeit(config=config), ["check", "--config", str(path)])


@pytest.mark.parametrize("overrides, message", INVALID, ids=[m[:40] for _, m in INVALID])
def test_a_bad_setting_fails_check_with_one_message_naming_it(overrides, message):
    config = {k: v for k, v in make_config(**overrides).items() if v is not ABSENT}
    with requests_mock.Mocker() as m:  # nothing may be requested: the config is refused first
        output = _check(config)
    statuses = [s.connectionStatus for s in output.connection_status_messages]
    assert len(statuses) == 1 and statuses[0].status == Status.FAILED, output.get_formatted_error_message()
    assert message in statuses[0].message
    assert "Config validation error" not in statuses[0].message  # the CDK's schema check never answers first
    assert m.call_count == 0
    said = [statuses[0].message] + [log.log.message for log in output.logs]
    assert not any("Traceback" in text for text in said), said  # the words are the answer; the stack stays in traces
    everything = "\n".join(json.dumps(AirbyteMessageSerializer.dump(msg)) for msg in output.get_message_iterator())
    assert TOKEN not in everything


@pytest.mark.parametrize("overrides, message", INVALID, ids=[m[:40] for _, m in INVALID])
def test_a_bad_setting_fails_read_before_any_request(overrides, message):
    config = {k: v for k, v in make_config(**overrides).items() if v is not ABSENT}
    with requests_mock.Mocker() as m:
        output = run_read("companies", config, expect_failure=True)
    assert m.call_count == 0 and not output.records
    assert message in " ".join(e.trace.error.message for e in output.errors)


def test_several_bad_settings_are_named_together():
    output = _check(make_config(page_size=0, timezone="Mars/X"))
    message = output.connection_status_messages[0].connectionStatus.message
    assert "2 settings need fixing" in message and "page_size" in message and "Mars/X" in message


def test_an_unknown_key_is_warned_about_with_the_closest_setting(caplog):
    SourceSnipeit(config=make_config(page_sise=100))  # the normaliser runs when the source is built
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("Config key 'page_sise' is not a setting" in w and "Did you mean 'page_size'" in w for w in warnings)


def test_every_spec_setting_has_a_check_or_is_internal_and_defaults_match_the_spec():
    import yaml

    from components import DEPRECATED_SETTINGS, INTERNAL_KEYS, REQUIRED_SETTINGS, SETTING_CHECKS, SETTING_DEFAULTS

    spec = yaml.safe_load((ROOT / "manifest.yaml").read_text())["spec"]["connection_specification"]
    checked = set(SETTING_CHECKS) | {"always_full_refresh_streams"}
    assert set(spec["properties"]) - set(INTERNAL_KEYS) - set(DEPRECATED_SETTINGS) == checked
    assert set(spec["required"]) == set(REQUIRED_SETTINGS)
    for setting, default in SETTING_DEFAULTS.items():
        assert spec["properties"][setting].get("default") == (default() if callable(default) else default), setting


def test_always_full_refresh_streams_may_name_exactly_the_incremental_streams():
    import yaml

    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    incremental = [s["$parameters"]["name"] for s in manifest["streams"]
                   if s.get("$ref") == "#/definitions/incremental_stream"]
    assert manifest["definitions"]["incremental_stream_names"] == incremental


def test_check_succeeds_with_one_request_per_stream():
    config = make_config()
    source = SourceSnipeit(config=config)
    with requests_mock.Mocker() as m:
        me = m.get(f"{API}/users/me", json={"id": 1, "username": "admin"})
        lists = m.get(re.compile(re.escape(API) + "/(?!users/me).*"), json=page(rows_like("status_labels", [1])))
        status = source.check(logger=__import__("logging").getLogger("test"), config=config)
    assert status.status == Status.SUCCEEDED
    assert me.call_count == 1
    assert lists.call_count <= 22  # one row of each of the 21 streams, plus /fields for the hardware columns


@pytest.mark.parametrize("response, expected", [
    ({"status_code": 401, "json": {"error": "Unauthorized or unauthenticated."}}, "refused the API token"),
    ({"status_code": 302, "headers": {"Location": "https://snipe.example.com/login"}}, "redirects to"),
    ({"status_code": 200, "text": "<html>Welcome to nginx</html>", "headers": {"Content-Type": "text/html"}},
     "does not look like a Snipe-IT instance"),
    ({"status_code": 404, "json": {"message": "nope"}}, "does not look like a Snipe-IT instance"),
])
def test_check_names_the_cause(response, expected):
    config = make_config()
    source = SourceSnipeit(config=config)
    with requests_mock.Mocker() as m:
        diagnosis = m.get(f"{API}/users/me", **response)
        status = source.check(logger=__import__("logging").getLogger("test"), config=config)
    assert status.status == Status.FAILED
    assert expected in status.message
    assert diagnosis.call_count == 1


def test_check_reports_an_unreachable_host_quickly():
    config = make_config(base_url="http://127.0.0.1:9")
    source = SourceSnipeit(config=config)
    status = source.check(logger=__import__("logging").getLogger("test"), config=config)
    assert status.status == Status.FAILED and "Cannot reach http://127.0.0.1:9" in status.message


def test_discover_lists_ten_incremental_streams_with_typed_key_columns():
    with requests_mock.Mocker() as m:
        m.get(f"{API}/fields?limit=500&offset=0", json=page([]), complete_qs=True)
        output = discover(SourceSnipeit(config=make_config()), make_config())
    ten = ["hardware", "users", "companies", "locations", "categories", "manufacturers", "suppliers", "models",
           "status_labels", "departments"]
    streams = {s.name: s for s in output.catalog.catalog.streams if s.name in ten}  # more streams: test_more_streams
    assert sorted(streams) == sorted(ten)
    for stream in streams.values():
        assert stream.source_defined_primary_key == [["id"]]
        assert stream.default_cursor_field == ["updated_at_datetime"]
        props = stream.json_schema["properties"]
        assert props["id"]["type"] == "integer"
        assert props["updated_at_datetime"]["format"] == "date-time"
    hardware = streams["hardware"].json_schema["properties"]
    assert hardware["purchase_cost"]["type"] == ["null", "number"]
    assert hardware["purchase_date_date"]["format"] == "date"
    assert hardware["byod"]["type"] == ["null", "boolean"]




