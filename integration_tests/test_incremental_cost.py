"""End-to-end: an incremental sync costs what changed (main.py read against the emulator)."""

from __future__ import annotations

from collections import Counter

from harness import STREAMS, changes_stamped_earlier, make_config, make_dataset

INCREMENTAL_STREAMS = list(STREAMS) + ["licenses", "accessories", "consumables", "components", "maintenances",
                                       "depreciations", "groups", "fields", "fieldsets", "activity"]
PATHS = {"status_labels": "statuslabels", "activity": "reports/activity"}


def _requests_per_path(emu):
    return Counter(r["path"][len("/api/v1/"):] for r in emu.requests())


def test_incremental_sync_of_an_unchanged_instance_emits_nothing_and_reads_one_page_per_list(start_emulator, read):
    # 1,300 assets: the generated bulk-import tie group (> 600 rows in one second) straddles the 500-row pages
    emu = start_emulator(make_dataset(users=600))
    first = read(make_config(emu), streams=INCREMENTAL_STREAMS, incremental=True)
    assert first.returncode == 0, first.describe()
    assert set(first.states) == set(INCREMENTAL_STREAMS)
    emu.clear_requests()
    second = read(make_config(emu), streams=INCREMENTAL_STREAMS, state=first.states)
    assert second.returncode == 0, second.describe()
    assert {s: len(r) for s, r in second.records.items() if r} == {}
    assert second.states == first.states
    per_path = _requests_per_path(emu)
    for stream in INCREMENTAL_STREAMS:
        path = PATHS.get(stream, stream)
        # hardware: three list reads (archived, default, archived again); fields: the stream and /fields for the
        # hardware schema; the streams the API cannot sort by updated_at are small and read in one page
        allowed = {"hardware": 3, "fields": 2}.get(stream, 1)
        assert per_path[path] <= allowed, f"{stream}: {per_path[path]} requests {dict(per_path)}"


def test_changes_after_a_sync_are_sent_once_and_nothing_else(start_emulator, read):
    emu = start_emulator(make_dataset(users=600))
    first = read(make_config(emu), streams=["hardware", "users", "companies", "categories", "activity"], incremental=True)
    assert first.returncode == 0, first.describe()
    with changes_stamped_earlier(emu):
        hardware = emu.mutate("hardware", "update", count=12, fields={"notes": "bulk & edited"})  # one second: a tie
        users = emu.mutate("users", "update", count=3, fields={"jobtitle": "Changed"})
        categories = emu.mutate("categories", "update", count=2, fields={"name": "Renamed"})
    emu.clear_requests()
    second = read(make_config(emu), streams=list(first.states), state=first.states)
    assert second.returncode == 0, second.describe()
    assert sorted(second.ids("hardware")) == sorted(hardware)
    assert sorted(second.ids("users")) == sorted(users)
    assert second.ids("companies") == []
    assert sorted(second.ids("categories")) == sorted(categories)  # read in full, only the changed rows sent
    # every change logs one activity entry: the log is read newest first and stops at the state
    assert len(second.ids("activity")) == len(hardware) + len(users) + len(categories)
    per_path = _requests_per_path(emu)
    assert per_path["hardware"] == 3 and per_path["users"] == 1 and per_path["reports/activity"] == 1, dict(per_path)


def test_two_syncs_back_to_back_with_one_token_meet_no_429(start_emulator, read):
    # Snipe-IT's fixed window, shrunk to 15 s (longer than a connector's start on a busy machine): 4 requests a
    # window for this token, whichever client sends them. Each sync needs 5: the first spends a window and part of
    # the next one, and the second starts inside that one, where only what the first left is available.
    emu = start_emulator(make_dataset(hardware=30, users=20), rate_limit=4, rate_window_seconds=15)
    config = make_config(emu, requests_per_minute=4, rate_limit_window_seconds=15, page_size=4, num_workers=4)
    streams = ["companies", "categories"]
    first = read(config, streams=streams)
    second = read(config, streams=streams)
    assert first.returncode == 0 and second.returncode == 0, second.describe()
    statuses = Counter(r["status"] for r in emu.requests())
    assert statuses[429] == 0, statuses
    assert statuses[200] == 10
    assert sorted(first.ids("categories")) == sorted(second.ids("categories"))


def test_a_sync_starting_while_another_client_spent_the_window_waits_instead_of_meeting_a_429(start_emulator, read):
    import requests

    from snipeit_emulator import DEFAULT_TOKEN

    emu = start_emulator(make_dataset(hardware=30, users=20), rate_limit=4, rate_window_seconds=30)
    for _ in range(2):  # a script with the same token spends half of this window just before the sync starts
        requests.get(f"{emu.url}/api/v1/companies", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}",
                                                             "Accept": "application/json"}, timeout=10)
    config = make_config(emu, requests_per_minute=4, rate_limit_window_seconds=30, page_size=10, num_workers=4)
    # one page each; after the first request the other three streams start at once, with one request left
    result = read(config, streams=["companies", "categories", "departments", "status_labels"])
    assert result.returncode == 0, result.describe()
    statuses = Counter(r["status"] for r in emu.requests())
    assert statuses[429] == 0, statuses
    assert statuses[200] == 2 + 4
