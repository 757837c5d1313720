"""CheckReport: check succeeds while one stream is readable; when the token can read none of the checked streams it
fails naming the permissions to grant, grouped, and the token's user."""

import pytest

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from components import CheckReport
from unit_tests.components.fakes import capture

CHECKED = ["hardware", "licenses", "license_seats", "groups"]


def report_denying(*streams):
    report = CheckReport()
    permissions = {"hardware": "assets.view", "licenses": "licenses.view", "license_seats": "licenses.view",
                   "groups": "superuser"}
    for stream in streams:
        report.cannot_read(stream, permissions[stream])
    return report


def test_one_readable_stream_is_enough():
    report_denying("hardware", "licenses", "license_seats").fail_if_nothing_is_readable(CHECKED)


def test_nothing_checked_fails_nothing():
    report_denying("hardware").fail_if_nothing_is_readable([])


def test_no_readable_stream_fails_naming_each_permission_once_with_its_streams():
    with pytest.raises(AirbyteTracedException) as error:
        report_denying(*CHECKED).fail_if_nothing_is_readable(CHECKED)
    assert error.value.failure_type == FailureType.config_error
    message = error.value.message
    assert message.startswith("The token can read none of the 4 streams, so no sync could deliver a row: The token's user")
    assert ("assets.view (hardware); licenses.view (licenses, license_seats); superuser (groups); or use the token "
            "of a user who has them.") in message


def test_the_failure_names_the_tokens_user_from_users_me():
    report = report_denying("hardware")
    report.user = capture("users_me_no_permission")["body"]  # a real user without any permission
    with pytest.raises(AirbyteTracedException) as error:
        report.fail_if_nothing_is_readable(["hardware"])
    assert f"The token's Snipe-IT user is '{report.user['username']}'" in error.value.message


def test_a_stream_reported_twice_counts_once():
    report = report_denying("hardware")
    report.cannot_read("hardware", "assets.view")
    assert report.unreadable == {"hardware": "assets.view"}
