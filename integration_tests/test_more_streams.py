"""End-to-end: the added streams (licenses … activity), license_seats and include_deleted against the emulator."""

from __future__ import annotations

import pytest

from harness import ADDED_STREAMS, make_config, make_dataset, visible_truth

NEW_STREAMS = ADDED_STREAMS  # licenses ... activity, as manifest.yaml declares them


@pytest.fixture
def small_emu(start_emulator):
    return start_emulator(make_dataset(hardware=80, users=30))


def test_every_new_stream_matches_truth(small_emu, read):
    emu = small_emu
    emu.mutate("hardware", "update", ids=[3], fields={"name": "Renamed & <moved>"})  # logs one activity row
    result = read(make_config(emu, page_size=3), streams=NEW_STREAMS)  # page_size 3: several pages each
    assert result.returncode == 0, result.describe()
    for stream in NEW_STREAMS:
        truth = visible_truth(emu, stream)
        rows = result.rows(stream)
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)), f"{stream}: duplicates"
        assert set(ids) == set(truth), f"{stream}: missing {set(truth) - set(ids)} extra {set(ids) - set(truth)}"
        for rec in rows:
            t = truth[rec["id"]]
            assert rec.get("updated_at_datetime") == t["updated_at"], (stream, rec["id"])
            if "name" in t:
                assert rec.get("name") == t["name"], (stream, rec["id"])
    seats = {r["id"]: r for r in result.rows("license_seats")}
    assert all(seats[t["id"]]["license_id"] == t["license_id"] for t in emu.truth("license_seats"))
    assert any(r["item_type"] == "asset" and r["item_id"] == 3 for r in result.rows("activity"))


def test_activity_incremental_reads_only_new_log_rows(small_emu, read):
    emu = small_emu
    last = max(r["created_at"] for r in emu.truth("activity"))
    emu.set_clock("2030-01-01T00:00:00Z")
    emu.mutate("users", "update", ids=[2], fields={"jobtitle": "CTO"})
    emu.set_clock("2030-01-01T00:00:05Z")  # the sync starts later: entries of its own second wait for the next one
    result = read(make_config(emu), streams=["activity"], state={"activity": {"created_at_datetime": last}})
    assert result.returncode == 0, result.describe()
    new = [r for r in result.rows("activity") if r["created_at_datetime"] > last]
    assert len(new) == 1 and new[0]["item_id"] == 2
    assert result.states["activity"]["created_at_datetime"] == "2030-01-01T00:00:00Z"


def test_include_deleted_adds_soft_deleted_rows(small_emu, read):
    emu = small_emu
    streams = {"hardware": "hardware", "users": "users", "manufacturers": "manufacturers", "models": "models"}
    off = read(make_config(emu), streams=list(streams))
    on = read(make_config(emu, include_deleted=True), streams=list(streams))
    assert off.returncode == 0 and on.returncode == 0, on.describe()
    for stream, res in streams.items():
        deleted = {r["id"]: r for r in emu.truth(res) if r["deleted_at"]}
        assert deleted and not set(deleted) & set(off.ids(stream))
        got = {r["id"]: r for r in on.rows(stream)}
        assert len(got) == len(on.ids(stream)) == len(emu.truth(res)), stream
        assert all(got[i]["deleted_at_datetime"] == deleted[i]["deleted_at"] for i in deleted), stream


def test_groups_without_superuser_fails_with_the_permission(start_emulator, read):
    emu = start_emulator(make_dataset(hardware=20, users=10), tokens={"limited": ["licenses"]})
    config = dict(make_config(emu), api_token="limited")
    result = read(config, streams=["licenses", "groups"])
    assert result.rows("licenses")
    assert "superuser" in result.error_text
