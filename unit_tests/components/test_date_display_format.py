"""DateDisplayFormat: which of the nine display formats the instance writes dates in, learned from the rows'
{date|datetime, formatted} pairs; a value is never guessed while two possible formats read it differently."""

import logging

import pytest

from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from components import DATE_DISPLAY_FORMATS, DateDisplayFormat
from unit_tests.components.fakes import capture


def test_one_pair_leaves_the_one_format_that_writes_it():
    dates = DateDisplayFormat()
    dates.learn({"date": "2024-01-10", "formatted": "Wed Jan 10, 2024"})
    assert dates.learned == "D M d, Y"
    assert dates.parse("Tue Jan 15, 2030") == ("2030-01-15", None)


def test_a_datetime_pair_teaches_the_date_part_of_its_format():
    dates = DateDisplayFormat()
    dates.learn({"datetime": "2024-05-01 09:12:03", "formatted": "01.05.2024 9:12AM"})
    assert dates.learned == "d.m.Y"


def test_an_ambiguous_value_is_not_guessed_until_a_pair_tells_the_format():
    dates = DateDisplayFormat()
    parsed, why = dates.parse("03/04/2030")
    assert parsed is None and "m/d/Y" in why and "d/m/Y" in why
    dates.learn({"date": "2024-01-25", "formatted": "25/01/2024"})  # only d/m/Y writes a 25th month second
    assert dates.learned == "d/m/Y"
    assert dates.parse("03/04/2030") == ("2030-04-03", None)


def test_a_pair_that_fits_several_formats_narrows_without_deciding():
    dates = DateDisplayFormat()
    dates.learn({"date": "2024-03-03", "formatted": "03/03/2024"})  # m/d/Y and d/m/Y both write it
    assert dates.learned is None and set(dates.candidates) == {"m/d/Y", "d/m/Y"}
    assert dates.parse("12/25/2030") == ("2030-12-25", None)  # only one of them reads it at all


def test_a_value_every_possible_format_reads_alike_is_converted():
    assert DateDisplayFormat().parse("Jan 5, 2030") == ("2030-01-05", None)


def test_the_configured_format_decides_until_the_rows_tell():
    dates = DateDisplayFormat("d/m/Y")
    assert dates.parse("03/04/2030") == ("2030-04-03", None)


def test_rows_that_contradict_the_configured_format_win_with_one_warning(caplog):
    dates = DateDisplayFormat("d/m/Y")
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        dates.learn({"date": "2024-01-25", "formatted": "01/25/2024"})
        dates.learn({"date": "2024-01-26", "formatted": "01/26/2024"})
    assert dates.learned == "m/d/Y"
    assert dates.parse("03/04/2030") == ("2030-03-04", None)
    assert caplog.text.count("date_display_format is 'd/m/Y' but the instance's rows are written 'm/d/Y'") == 1


def test_an_unknown_configured_format_is_a_config_error():
    with pytest.raises(AirbyteTracedException, match="date_display_format 'Y/m/d' is not one of"):
        DateDisplayFormat("Y/m/d")


@pytest.mark.parametrize("text, fmt, expected", [
    pytest.param("Tue Jan 15, 2030", "D M d, Y", "2030-01-15", id="day-name-matches"),
    pytest.param("Mon Jan 15, 2030", "D M d, Y", None, id="day-name-contradicts-the-date"),
    pytest.param("1/05/99", "n/d/y", "1999-01-05", id="two-digit-year-70-99"),
    pytest.param("1/05/69", "n/d/y", "2069-01-05", id="two-digit-year-00-69"),
    pytest.param("2030.01.15.", "Y.m.d.", "2030-01-15", id="trailing-dot"),
    pytest.param("31.02.2030", "d.m.Y", None, id="no-such-day"),
    pytest.param("15 Foo, 2030", "d M, Y", None, id="no-such-month"),
])
def test_a_format_reads_only_real_dates(text, fmt, expected):
    assert DateDisplayFormat(fmt).parse(text)[0] == expected


def test_values_already_stored_as_iso_dates_pass():
    assert DateDisplayFormat("d.m.Y").parse("2030-01-15") == ("2030-01-15", None)


def test_pairs_outside_the_nine_formats_teach_nothing():
    dates = DateDisplayFormat()
    dates.learn({"date": "2024-01-10", "formatted": "10 January 2024"})
    dates.learn({"date": "not a date", "formatted": "Wed Jan 10, 2024"})
    dates.learn({"date": "2024-01-10", "formatted": None})
    assert dates.learned is None and dates.candidates == DATE_DISPLAY_FORMATS


def test_the_format_of_a_real_instance_is_learned_from_one_of_its_rows():
    row = capture("hardware")["body"]["rows"][0]
    dates = DateDisplayFormat()
    for value in row.values():
        if isinstance(value, dict) and "formatted" in value:
            dates.learn(value)
    assert dates.learned == "D M d, Y"  # captures/real-snipeit: the instance's date display format
