"""SnipeItConfigNormalizer: each config as the user wrote it -> the config every stream is built from, or the one
sentence SnipeItRefusedSettings fails the command with. Table-driven, like dlt's rest_api config-validation tests."""

import logging

import pytest

from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from components import REFUSED_SETTINGS_KEY, SETTING_DEFAULTS, SnipeItConfigNormalizer, SnipeItRefusedSettings, SyncContext

TOKEN = "tok-0123456789abcdef0123456789abcdef"
ROOT = "https://snipe.example.com"
STREAMS = ["hardware", "users", "activity"]


def config(**overrides):
    return {"base_url": ROOT, "api_token": TOKEN, **overrides}


def normalise(raw):
    normalised = dict(raw)
    SnipeItConfigNormalizer(parameters={"incremental_streams": STREAMS}).transform(normalised)
    return normalised


def refusal(normalised):
    """The message the declared validation fails the command with, or None."""
    try:
        SnipeItRefusedSettings().validate(normalised[REFUSED_SETTINGS_KEY])
    except AirbyteTracedException as error:
        return error.message
    return None


VALID = [
    pytest.param(config(), {"base_url": ROOT, "api_url": ROOT + "/api/v1/"}, id="root-as-is"),
    pytest.param(config(base_url=ROOT + "/"), {"base_url": ROOT, "api_url": ROOT + "/api/v1/"}, id="trailing-slash"),
    pytest.param(config(base_url=ROOT + "/api/v1/"), {"base_url": ROOT}, id="api-path-pasted"),
    pytest.param(config(base_url=" " + ROOT + "/API/V1 "), {"base_url": ROOT}, id="api-path-upper-case-and-blanks"),
    pytest.param(config(base_url="https://intranet.example.com/snipe/"),
                 {"api_url": "https://intranet.example.com/snipe/api/v1/"}, id="instance-under-a-path"),
    pytest.param(config(base_url="https://[2001:db8::1]:8443"), {"api_url": "https://[2001:db8::1]:8443/api/v1/"},
                 id="ipv6-host-and-port"),
    pytest.param(config(api_token=TOKEN + "\n"), {"api_token": TOKEN}, id="token-pasted-with-newline"),
    pytest.param(config(start_date="2024-01-01"), {"start_date": "2024-01-01T00:00:00Z"}, id="start-date-day"),
    pytest.param(config(start_date="2024-01-01T02:30:00+02:00"), {"start_date": "2024-01-01T00:30:00Z"},
                 id="start-date-with-offset-to-utc"),
    pytest.param(config(start_date=""), {"start_date": None}, id="empty-start-date-means-none"),
    pytest.param(config(), dict(SETTING_DEFAULTS, always_full_refresh_streams=[]), id="defaults-written-once"),
    pytest.param(config(page_size=50, pages_in_flight=8, rate_limit_window_seconds=0.5),
                 {"page_size": 50, "pages_in_flight": 8, "rate_limit_window_seconds": 0.5}, id="own-values-kept"),
    pytest.param(config(always_full_refresh_streams=["users"]), {"always_full_refresh_streams": ["users"]},
                 id="full-refresh-stream-known"),
    pytest.param(config(date_display_format="d.m.Y"), {"date_display_format": "d.m.Y"}, id="display-format-known"),
]


@pytest.mark.parametrize("raw, expected", VALID)
def test_accepted_configs_are_normalised(raw, expected):
    normalised = normalise(raw)
    assert refusal(normalised) is None
    assert {k: normalised.get(k) for k in expected} == expected


REFUSED = [
    pytest.param({"base_url": ROOT}, "api_token is missing: it is required", id="token-missing"),
    pytest.param({"api_token": TOKEN}, "base_url is missing: it is required", id="base-url-missing"),
    pytest.param(config(api_token=""), "api_token is empty", id="token-empty"),
    pytest.param(config(api_token=12345), "api_token must be a string", id="token-a-number"),
    pytest.param(config(api_token=f'"{TOKEN}"'), "wrapped in quotes", id="token-in-quotes"),
    pytest.param(config(api_token="Bearer " + TOKEN), "starts with 'Bearer '", id="token-with-bearer"),
    pytest.param(config(api_token=TOKEN[:10] + " " + TOKEN[10:]),
                 f"api_token contains whitespace (character 11 of {len(TOKEN) + 1})", id="token-broken-in-two"),
    pytest.param(config(api_token=TOKEN[:5] + "é" + TOKEN[5:]), "not printable ASCII", id="token-mangled"),
    pytest.param(config(base_url="snipe.example.com"), "is not a URL: it must start with https://", id="no-scheme"),
    pytest.param(config(base_url="ftp://snipe.example.com"), "uses ftp://", id="ftp"),
    pytest.param(config(base_url="https://snipe example.com"), "contains whitespace", id="url-with-space"),
    pytest.param(config(base_url="https://snipe.example.com:80a"), "malformed host or port", id="bad-port"),
    pytest.param(config(base_url="https://admin:pw@snipe.example.com"), "(user name or password)", id="credentials-in-url"),
    pytest.param(config(base_url="https://snipe.example.com:0"), "(port 0)", id="port-zero"),
    pytest.param(config(page_size=0), "page_size must be a whole number from 1 to 500, got 0.", id="page-size-0"),
    pytest.param(config(page_size=501), "got 501.", id="page-size-over-cap"),
    pytest.param(config(page_size=True), "page_size must be a whole number from 1 to 500, got True.", id="page-size-bool"),
    pytest.param(config(page_size="500"), "got '500'.", id="page-size-text"),
    pytest.param(config(pages_in_flight=9), "pages_in_flight must be a whole number from 1 to 8", id="too-many-in-flight"),
    pytest.param(config(num_workers=0), "num_workers must be a whole number from 1 to 8, got 0.", id="no-workers"),
    pytest.param(config(requests_per_minute=-1), "requests_per_minute must be a positive whole number",
                 id="negative-budget"),
    pytest.param(config(rate_limit_window_seconds=0), "from 1 to 600, got 0.", id="window-0"),
    pytest.param(config(rate_limit_window_seconds=601), "got 601.", id="window-over-10-minutes"),
    pytest.param(config(timezone="Mars/Olympus"), "timezone 'Mars/Olympus' is not an IANA time zone", id="timezone"),
    pytest.param(config(start_date="2024-01-01 10:00:00"), "(it has no time zone: for UTC write 2024-01-01T10:00:00Z)",
                 id="start-date-naive"),
    pytest.param(config(start_date="01/02/2024"), "start_date '01/02/2024' is not a date", id="start-date-us"),
    pytest.param(config(start_date="2024-02-30"), "is not a date", id="start-date-no-such-day"),
    pytest.param(config(start_date="2999-01-01"), "is in the future", id="start-date-future"),
    pytest.param(config(start_date=20240101), "start_date must be a string", id="start-date-number"),
    pytest.param(config(include_deleted="yes"), "include_deleted must be true or false, got 'yes'.", id="include-deleted"),
    pytest.param(config(date_display_format="Y/m/d"), "date_display_format 'Y/m/d' is not one of", id="display-format"),
    pytest.param(config(ca_bundle="/nonexistent/ca.pem"), "does not exist or cannot be read", id="ca-bundle-missing"),
    pytest.param(config(ca_bundle=["a.pem"]), "ca_bundle must be the path of a PEM file, got an array.", id="ca-bundle-list"),
    pytest.param(config(always_full_refresh_streams=["groups"]),
                 "names 'groups', which is not an incremental stream of this connector: use any of hardware, users, "
                 "activity.", id="full-refresh-stream-unknown"),
    pytest.param(config(always_full_refresh_streams="users"), "must be a list of stream names", id="full-refresh-not-list"),
    pytest.param(config(page_size=0, timezone="Nowhere"), "2 settings need fixing: page_size must", id="two-problems"),
]


@pytest.mark.parametrize("raw, fragment", REFUSED)
def test_refused_settings_fail_the_command_with_their_own_sentence(raw, fragment):
    message = refusal(normalise(raw))
    assert message is not None and fragment in message
    assert TOKEN[5:25] not in message  # the token is never quoted, however it was mangled


def test_a_refused_value_is_replaced_by_its_default_so_no_stream_is_built_with_it():
    normalised = normalise(config(page_size=0, base_url="ftp://x"))
    assert normalised["page_size"] == 500
    assert normalised["base_url"] == "" and normalised["api_url"] == "/api/v1/"
    assert set(normalised[REFUSED_SETTINGS_KEY]) == {"page_size", "base_url"}


def test_ca_bundle_without_a_pem_certificate_is_refused_and_a_pem_file_is_accepted(tmp_path):
    der = tmp_path / "ca.cer"
    der.write_bytes(b"\x30\x82\x01\x0a binary DER")
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    assert "holds no PEM certificate" in refusal(normalise(config(ca_bundle=str(der))))
    assert "is a directory" in refusal(normalise(config(ca_bundle=str(tmp_path))))
    assert refusal(normalise(config(ca_bundle=str(pem)))) is None


def test_each_normalisation_starts_a_sync_of_its_own():
    first, second = normalise(config()), normalise(config())
    assert first[SyncContext.TOKEN_KEY] != second[SyncContext.TOKEN_KEY]
    assert SyncContext.of(first) is not SyncContext.of(second)


def test_unknown_and_deprecated_keys_are_warned_about_not_refused(caplog):
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        normalised = normalise(config(page_sise=100, number_format="1.234,56", __injected_declarative_manifest={}))
    assert refusal(normalised) is None
    text = caplog.text
    assert "Config key 'page_sise' is not a setting of this connector and is ignored. Did you mean 'page_size'?" in text
    assert "number_format ('1.234,56') is deprecated and ignored" in text
    assert "__injected_declarative_manifest" not in text
