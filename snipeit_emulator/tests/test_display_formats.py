"""Dates as the instance displays them: Snipe-IT's nine date display formats, its time formats, the time zone."""
import subprocess
import sys

import pytest

from snipeit_emulator import Dataset, Emulator

# 2030-01-05 is a Saturday; a single-digit day and month tell j/n from d/m
NINE = {
    "Y-m-d": "2030-01-05", "D M d, Y": "Sat Jan 05, 2030", "M j, Y": "Jan 5, 2030", "d M, Y": "05 Jan, 2030",
    "m/d/Y": "01/05/2030", "n/d/y": "1/05/30", "d/m/Y": "05/01/2030", "d.m.Y": "05.01.2030",
    "Y.m.d.": "2030.01.05.",
}


def _asset_with_dates(make_emu, **kw):
    emu, c = make_emu(sizes={"hardware": 60}, **kw)
    rid = next(t["id"] for t in emu.truth("hardware") if "_snipeit_purchase_date_4" in t["custom_fields"])
    emu.mutate("hardware", "update", ids=[rid], fields={
        "purchase_date": "2030-01-05", "custom_fields": {"_snipeit_purchase_date_4": "2030-01-05"},
        "updated_at": "2030-01-05T19:04:00Z"})
    return emu, c, c.get("/api/v1/hardware/%d" % rid).json()


def test_default_display_format_is_the_real_demos(make_emu):
    emu, c, row = _asset_with_dates(make_emu)
    assert row["purchase_date"] == {"date": "2030-01-05", "formatted": "Sat Jan 05, 2030"}
    assert row["custom_fields"]["Purchase Date"]["value"] == "Sat Jan 05, 2030"
    assert row["updated_at"] == {"datetime": "2030-01-05 19:04:00", "formatted": "Sat Jan 05, 2030 7:04PM"}
    # the ground truth keeps what the database stores
    t = {r["id"]: r for r in emu.truth("hardware")}[row["id"]]
    assert t["custom_fields"]["_snipeit_purchase_date_4"] == "2030-01-05" and t["purchase_date"] == "2030-01-05"


@pytest.mark.parametrize("fmt", sorted(NINE))
def test_each_of_the_nine_display_formats(make_emu, fmt):
    _, _, row = _asset_with_dates(make_emu, date_format=fmt, time_format="H:i")
    assert row["purchase_date"] == {"date": "2030-01-05", "formatted": NINE[fmt]}
    assert row["custom_fields"]["Purchase Date"]["value"] == NINE[fmt]
    assert row["updated_at"]["formatted"] == NINE[fmt] + " 19:04"


def test_display_format_follows_the_time_zone(make_emu):
    _, _, row = _asset_with_dates(make_emu, timezone="Asia/Tokyo", date_format="d/m/Y", time_format="h:i A")
    # 19:04 UTC is 04:04 the next day in Tokyo; a DATE column has no time zone
    assert row["updated_at"] == {"datetime": "2030-01-06 04:04:00", "formatted": "06/01/2030 04:04 AM"}
    assert row["purchase_date"]["formatted"] == "05/01/2030"


def test_unknown_display_format_is_refused_by_name():
    with pytest.raises(ValueError, match="'Y/m/d' is not one of Snipe-IT's display formats"):
        Emulator(Dataset.generate(hardware=10, users=5), date_format="Y/m/d")


def test_cli_takes_the_display_format():
    proc = subprocess.run([sys.executable, "-m", "snipeit_emulator", "--date-format", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--date-format: invalid choice: 'nope'" in proc.stderr and "'D M d, Y'" in proc.stderr
