"""Config: what is accepted, normalised, and what is refused with a message naming the field."""

import re
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests_mock

from airbyte_cdk.models import Status
from airbyte_cdk.test.entrypoint_wrapper import discover

from components import SnipeItConfigNormalizer
from source_snipeit.run import SourceSnipeit
from unit_tests.conftest import API, TOKEN, list_url, make_config, page, rows_like

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("base_url, start_date, expected_api_url, expected_start", [
    ("https://snipe.example.com", None, "https://snipe.example.com/api/v1/", None),
    ("https://snipe.example.com/", "2024-01-01", "https://snipe.example.com/api/v1/", "2024-01-01T00:00:00Z"),
    ("https://snipe.example.com/api/v1", "2024-01-01T10:00:00Z", "https://snipe.example.com/api/v1/", "2024-01-01T10:00:00Z"),
    ("https://snipe.example.com/api/v1/", "2024-01-01T12:00:00+02:00", "https://snipe.example.com/api/v1/", "2024-01-01T10:00:00Z"),
    ("http://10.0.0.5:8080/snipe/", "", "http://10.0.0.5:8080/snipe/api/v1/", None),
])
def test_valid_configs_are_normalised(base_url, start_date, expected_api_url, expected_start):
    config = {"base_url": base_url, "api_token": TOKEN}
    if start_date is not None:
        config["start_date"] = start_date
    SnipeItConfigNormalizer().transform(config)
    assert config["api_url"] == expected_api_url
    assert config.get("start_date") == expected_start


INVALID = [
    ({"api_token": ""}, "api_token is empty"),
    ({"api_token": "   "}, "api_token is empty"),
    ({"base_url": "snipe.example.com"}, "is not a URL"),
    ({"base_url": "ftp://snipe.example.com"}, "only http:// and https://"),
    ({"page_size": 0}, "page_size"),
    ({"page_size": 501}, "page_size"),
    ({"page_size": "abc"}, "page_size"),
    ({"timezone": "Mars/Olympus_Mons"}, "not an IANA time zone"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"requests_per_minute": 0}, "requests_per_minute"),
    ({"pages_in_flight": 0}, "pages_in_flight"),
    ({"pages_in_flight": 9}, "pages_in_flight"),
    ({"pages_in_flight": "2"}, "pages_in_flight"),
    ({"num_workers": 0}, "num_workers must be a whole number from 1 to 8"),
    ({"rate_limit_window_seconds": 0}, "rate_limit_window_seconds"),
    ({"include_deleted": "yes"}, "include_deleted must be true or false"),
    ({"ca_bundle": "/nonexistent/ca.pem"}, "ca_bundle '/nonexistent/ca.pem' does not exist"),
]


@pytest.mark.parametrize("overrides, message", INVALID)
def test_invalid_configs_fail_check_with_a_message_naming_the_field(tmp_path, overrides, message):
    config = make_config(**overrides)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    result = subprocess.run([sys.executable, "main.py", "check", "--config", str(config_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
    errors = [m["trace"]["error"]["message"] for m in messages if m["type"] == "TRACE"]
    said = " ".join([s.get("message") or "" for s in statuses] + errors)
    assert message in said, result.stdout[-2000:]
    assert (statuses and statuses[0]["status"] == "FAILED") or result.returncode != 0
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stdout + result.stderr


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


@pytest.mark.parametrize("overrides, message", INVALID)
def test_the_manifests_declared_validations_name_the_field_without_main_py(overrides, message):
    # What the manifest-only runtime and the Builder run: the source built from the manifest, no pre-check of run.py.
    config = make_config(**overrides)
    source = SourceSnipeit(config=config)
    with pytest.raises(Exception) as raised:
        source.streams(config)
    assert message in str(raised.value)


def test_every_setting_check_is_declared_in_the_manifest():
    import yaml

    from components import SETTING_CHECKS

    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    declared = [(v["field_path"], v["validation_strategy"]["setting"])
                for v in manifest["spec"]["config_normalization_rules"]["validations"]]
    assert declared == [([setting], setting) for setting in SETTING_CHECKS]
