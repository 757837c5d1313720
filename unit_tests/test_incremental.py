"""Incremental: newest first where the API can sort by updated_at, stop at the state, never lose a row."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests_mock

from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder

from airbyte_cdk.models import SyncMode

from source_snipeit.run import SourceSnipeit
from unit_tests.conftest import (API, catalog_for, list_url, make_config, mock_page, page, records_of, rows_like,
                                 run_read, state_for)


def stamped(stream, ids_and_times):
    rows = []
    for row_id, when in ids_and_times:
        row = rows_like(stream, [row_id])[0]
        row["updated_at"] = None if when is None else {"datetime": when, "formatted": "x"}
        rows.append(row)
    return rows


def cursor_of(output, stream):
    state = output.most_recent_state
    return state.stream_state.__dict__.get("updated_at_datetime") if state else None


def test_incremental_reads_only_changed_rows_with_one_request():
    rows = stamped("companies", [(5, "2025-05-01 10:00:00"), (3, "2025-02-01 09:00:00"), (1, "2024-12-01 08:00:00"),
                                 (2, "2024-11-01 08:00:00")])
    with requests_mock.Mocker() as m:
        request = mock_page(m, "companies", 0, page(rows, total=10), sort="updated_at", order="desc")
        output = run_read("companies", state=state_for("companies", "2025-01-01T00:00:00Z"))
    assert [r["id"] for r in records_of(output)] == [5, 3]
    assert request.call_count == 1 and m.call_count == 1
    assert cursor_of(output, "companies") == "2025-05-01T10:00:00Z"


def test_hardware_incremental_reads_the_archived_pass_too():
    archived = stamped("hardware", [(7, "2025-03-03 03:03:03"), (6, "2020-01-01 00:00:00")])
    active = stamped("hardware", [(9, "2025-04-04 04:04:04"), (8, "2019-01-01 00:00:00")])
    with requests_mock.Mocker() as m:
        mock_page(m, "hardware", 0, page(archived, total=2), sort="updated_at", order="desc", status="Archived")
        mock_page(m, "hardware", 0, page(active, total=2), sort="updated_at", order="desc")
        output = run_read("hardware", state=state_for("hardware", "2025-01-01T00:00:00Z"))
    assert sorted(r["id"] for r in records_of(output)) == [7, 9]
    # Archived, default, Archived again (assets archived while the default list was read), + /fields
    assert len([r for r in m.request_history if r.path == "/api/v1/hardware"]) == 3
    assert cursor_of(output, "hardware") == "2025-04-04T04:04:04Z"


def test_rows_of_the_state_second_are_not_sent_again():
    # the sync that wrote the state read every row of its second (it leaves the second it started in to the next)
    rows = stamped("companies", [(4, "2025-01-01 00:00:00"), (2, "2024-12-31 23:59:59")])
    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, page(rows, total=2), sort="updated_at", order="desc")
        output = run_read("companies", state=state_for("companies", "2025-01-01T00:00:00Z"))
    assert records_of(output) == []
    assert cursor_of(output, "companies") == "2025-01-01T00:00:00Z"


def test_rows_stamped_in_the_second_the_read_started_are_left_to_the_next_sync():
    rows = stamped("companies", [(6, "2025-05-01 10:00:01"), (5, "2025-05-01 10:00:00"), (3, "2025-05-01 09:59:59"),
                                 (1, "2024-12-01 08:00:00")])
    date = {"Date": "Thu, 01 May 2025 10:00:00 GMT"}  # the server's clock when it answered the first request
    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, page(rows, total=4), headers=date, sort="updated_at", order="desc")
        output = run_read("companies", state=state_for("companies", "2025-01-01T00:00:00Z"))
    assert [r["id"] for r in records_of(output)] == [3]
    # strictly older than the read's start: a row edited later in 10:00:00 is newer than the state
    assert cursor_of(output, "companies") == "2025-05-01T09:59:59Z"


def test_tie_group_straddling_a_page_is_read_again_in_one_request_instead_of_in_full():
    tie = "2025-06-01 12:00:00"
    rows = stamped("users", [(10, "2025-07-01 00:00:00"), (7, tie), (8, tie), (9, tie), (1, "2024-01-01 00:00:00")])
    by_id = {r["id"]: r for r in rows}
    with requests_mock.Mocker() as m:
        mock_page(m, "users", 0, page([by_id[10], by_id[9]], total=5), limit=2, sort="updated_at", order="desc")
        # the API orders the tie differently on the next request: 9 is not where it was, 8 or 7 may never come
        mock_page(m, "users", 1, page([by_id[8], by_id[7]], total=5), limit=2, sort="updated_at", order="desc")
        # one request from the row before the group, limit up to the server's cap (it answers what it holds)
        group = mock_page(m, "users", 0, page([by_id[10], by_id[7], by_id[9], by_id[8], by_id[1]], total=5),
                          limit=10000, sort="updated_at", order="desc")
        output = run_read("users", make_config(page_size=2), state=state_for("users", "2025-01-01T00:00:00Z"))
    assert sorted(r["id"] for r in records_of(output)) == [7, 8, 9, 10]
    assert len(records_of(output)) == 4  # each once
    assert group.call_count == 1 and m.call_count == 3  # no full read (none is mocked: it would fail the read)


def test_bulk_edit_group_in_the_middle_of_the_changes_costs_one_more_request():
    tie = "2025-06-01 12:00:00"
    rows = stamped("users", [(20, "2025-08-01 00:00:00"), (21, "2025-07-31 00:00:00")]
                   + [(i, tie) for i in range(11, 15)] + [(3, "2025-05-01 00:00:00"), (1, "2024-01-01 00:00:00")])
    by_id = {r["id"]: r for r in rows}
    order = [20, 21, 11, 12, 13, 14, 3, 1]
    with requests_mock.Mocker() as m:
        mock_page(m, "users", 0, page([by_id[i] for i in order[0:3]], total=8), limit=3, sort="updated_at", order="desc")
        # the next page starts one row before the group the first ended in; the group fills it: read it whole
        mock_page(m, "users", 1, page([by_id[i] for i in (21, 14, 12)], total=8), limit=3, sort="updated_at", order="desc")
        mock_page(m, "users", 1, page([by_id[i] for i in (21, 14, 12, 11, 13, 3, 1)], total=8), limit=10000,
                  sort="updated_at", order="desc")
        output = run_read("users", make_config(page_size=3), state=state_for("users", "2025-01-01T00:00:00Z"))
    assert sorted(r["id"] for r in records_of(output)) == [3, 11, 12, 13, 14, 20, 21]
    assert len(records_of(output)) == 7
    assert m.call_count == 3


def test_tie_group_at_the_state_never_forces_a_full_read():
    at_state = "2025-01-01 00:00:00"
    rows = stamped("users", [(12, "2025-03-01 00:00:00"), (11, "2025-02-01 00:00:00"), (10, "2025-01-15 00:00:00")]
                   + [(i, at_state) for i in range(1, 6)])
    with requests_mock.Mocker() as m:
        mock_page(m, "users", 0, page(rows[0:3], total=8), limit=3, sort="updated_at", order="desc")
        # the group at the state straddles this page boundary, in any order: nothing of it is needed
        mock_page(m, "users", 1, page(rows[1:3] + rows[5:6], total=8), limit=3, sort="updated_at", order="desc")
        output = run_read("users", make_config(page_size=3), state=state_for("users", "2025-01-01T00:00:00Z"))
    assert [r["id"] for r in records_of(output)] == [12, 11, 10]
    assert m.call_count == 2


def test_tie_group_larger_than_the_server_cap_falls_back_to_a_full_read_and_says_why(caplog):
    tie = "2025-06-01 12:00:00"
    rows = stamped("users", [(i, tie) for i in range(1, 6)])
    with requests_mock.Mocker() as m:
        mock_page(m, "users", 0, page(rows[0:2], total=5), limit=2, sort="updated_at", order="desc")
        mock_page(m, "users", 1, page([rows[3], rows[4]], total=5), limit=2, sort="updated_at", order="desc")
        # a server whose cap is 3 rows: the group of 5 does not fit in one answer
        mock_page(m, "users", 0, page(rows[0:3], total=5), limit=10000, sort="updated_at", order="desc")
        for offset in (0, 1, 2, 3):
            mock_page(m, "users", offset, page(rows[offset:offset + 2], total=5), limit=2)
        output = run_read("users", make_config(page_size=2), state=state_for("users", "2025-01-01T00:00:00Z"))
    assert sorted(r["id"] for r in records_of(output)) == [1, 2, 3, 4, 5]
    assert "more than 3 rows share updated_at_datetime 2025-06-01T12:00:00Z" in caplog.text
    assert "reading it in full" in caplog.text


def test_activity_reads_newest_first_and_stops_at_the_state():
    def entry(i, when):
        return {"id": i, "action_type": "update", "created_at": {"datetime": when, "formatted": "x"},
                "updated_at": {"datetime": when, "formatted": "x"}, "item": {"id": 3, "name": "Laptop", "type": "asset"}}
    state = "2025-03-01 10:00:00"
    rows = [entry(105, "2025-03-01 10:00:02"), entry(104, "2025-03-01 10:00:01"), entry(103, state), entry(102, state),
            entry(101, "2025-03-01 09:59:59"), entry(100, "2025-03-01 09:59:58")]
    with requests_mock.Mocker() as m:
        mock_page(m, "reports/activity", 0, page(rows, total=100_000), sort="id", order="desc")
        output = run_read("activity", state=StateBuilder().with_stream_state(
            "activity", {"created_at_datetime": "2025-03-01T10:00:00Z"}).build())
    assert [r["id"] for r in records_of(output)] == [105, 104]
    assert m.call_count == 1  # 100,000 entries, 2 new: one page


def test_always_full_refresh_streams_are_read_in_full_on_every_sync():
    rows = stamped("companies", [(1, "2020-01-01 00:00:00"), (2, "2025-02-02 02:02:02")])
    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, page(rows))  # sort=id: the full read, not newest first
        output = run_read("companies", make_config(always_full_refresh_streams=["companies", "locations"]),
                          state=state_for("companies", "2025-01-01T00:00:00Z"))
    assert [r["id"] for r in records_of(output)] == [1, 2]
    assert cursor_of(output, "companies") == "2025-02-02T02:02:02Z"


def test_always_full_refresh_streams_naming_an_unknown_stream_is_a_config_error():
    with requests_mock.Mocker():
        output = run_read("companies", make_config(always_full_refresh_streams=["hardwares"]),
                          state=state_for("companies", "2025-01-01T00:00:00Z"), expect_failure=True)
    message = " ".join(e.trace.error.message for e in output.errors)
    assert "always_full_refresh_streams names 'hardwares'" in message and records_of(output) == []


def test_streams_the_api_cannot_sort_by_updated_at_are_read_in_full_and_filtered():
    rows = stamped("categories", [(1, "2024-01-01 00:00:00"), (2, "2025-02-02 02:02:02"), (3, None)])
    with requests_mock.Mocker() as m:
        request = mock_page(m, "categories", 0, page(rows))
        output = run_read("categories", state=state_for("categories", "2025-01-01T00:00:00Z"))
    assert request.call_count == 1
    assert [r["id"] for r in records_of(output)] == [2]


def test_start_date_applies_to_full_refresh_too():
    rows = stamped("departments", [(1, "2024-01-01 00:00:00"), (2, "2025-02-02 02:02:02")])
    with requests_mock.Mocker() as m:
        mock_page(m, "departments", 0, page(rows))
        output = run_read("departments", make_config(start_date="2025-01-01"))
    assert [r["id"] for r in records_of(output)] == [2]


def test_interrupted_read_emits_no_state_past_unread_rows_and_resume_loses_nothing():
    rows = stamped("companies", [(i, f"2025-01-{i:02d} 00:00:00") for i in range(1, 7)])
    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, page(rows[0:3], total=6), limit=3)
        mock_page(m, "companies", 2, {"message": "gone"}, http_status=404, limit=3)  # the read dies here
        first = run_read("companies", make_config(page_size=3), sync_mode=SyncMode.incremental, expect_failure=True)
    delivered = {r["id"] for r in records_of(first)}
    assert delivered == {1, 2, 3}  # the first page arrived, then the read failed
    resume_cursor = cursor_of(first, "companies")
    assert resume_cursor is None or resume_cursor < "2025-01-01T00:00:00Z"  # never the newest row seen before the failure
    resume_cursor = resume_cursor or "1970-01-01T00:00:00Z"
    with requests_mock.Mocker() as m:
        # an empty state resumes with a full read, a real one newest-first: serve both
        mock_page(m, "companies", 0, page(list(reversed(rows)), total=6), sort="updated_at", order="desc")
        mock_page(m, "companies", 0, page(rows, total=6))
        second = run_read("companies", state=state_for("companies", resume_cursor))
    assert delivered | {r["id"] for r in records_of(second)} == {1, 2, 3, 4, 5, 6}
    assert cursor_of(second, "companies") == "2025-01-06T00:00:00Z"


def test_rows_edited_during_a_newest_first_read_do_not_force_a_full_read():
    rows = stamped("models", [(i, f"2025-03-{i:02d} 00:00:00") for i in range(9, 0, -1)])  # ids 9..1, newest first
    edited = rows_like("models", [4])[0]
    edited["updated_at"] = {"datetime": "2025-04-01 00:00:00", "formatted": "x"}
    after_edit = [edited] + [r for r in rows if r["id"] != 4]
    with requests_mock.Mocker() as m:
        # id 4 was edited after page 1: it jumps to the top and our rows move one place right
        catch_up = m.get(list_url("models", 0, limit=4, sort="updated_at", order="desc"), complete_qs=True,
                         response_list=[{"json": page(rows[0:4], total=9)}, {"json": page(after_edit[0:4], total=9)}])
        mock_page(m, "models", 2, page(after_edit[2:6], total=9), limit=4, sort="updated_at", order="desc")
        mock_page(m, "models", 4, page(after_edit[4:8], total=9), limit=4, sort="updated_at", order="desc")
        output = run_read("models", make_config(page_size=4), state=state_for("models", "2025-03-04T00:00:00Z"))
    ids = [r["id"] for r in records_of(output)]
    # 4 moved from behind our position to the top: the catch-up pass (one request) still delivers it
    assert sorted(ids) == [4, 5, 6, 7, 8, 9]
    assert m.call_count == 4 and catch_up.call_count == 2


def test_rows_deleted_during_a_newest_first_read_fall_back_to_a_full_read():
    rows = stamped("models", [(i, f"2025-03-{i:02d} 00:00:00") for i in range(6, 0, -1)])
    after_delete = [r for r in rows if r["id"] != 6]
    by_id = sorted(after_delete, key=lambda r: r["id"])
    with requests_mock.Mocker() as m:
        mock_page(m, "models", 0, page(rows[0:3], total=6), limit=3, sort="updated_at", order="desc")
        # the next page starts one row before the last one read: 6 is gone, so it starts one row too late
        mock_page(m, "models", 1, page(after_delete[1:4], total=5), limit=3, sort="updated_at", order="desc")
        mock_page(m, "models", 0, page(by_id[0:3], total=5), limit=3)
        mock_page(m, "models", 2, page(by_id[2:5], total=5), limit=3)
        output = run_read("models", make_config(page_size=3), state=state_for("models", "2025-03-01T23:59:59Z"))
    assert sorted(r["id"] for r in records_of(output)) == [2, 3, 4, 5]


# -- a state later than the instance's clock ---------------------------------------------------------------

def http_date(moment: "datetime") -> dict:
    return {"Date": format_datetime(moment.astimezone(timezone.utc), usegmt=True)}


@pytest.mark.parametrize("stream, newest_first", [("companies", True), ("departments", False)])
def test_a_state_later_than_the_instance_clock_is_read_as_if_there_were_none(stream, newest_first):
    # a hand-edited state, a clock or time-zone mistake: no row can be newer than 2099
    server_now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
    rows = stamped(stream, [(1, "2024-12-01 08:00:00"), (2, "2025-02-01 09:00:00")])
    newest = max(r["updated_at"]["datetime"] for r in rows).replace(" ", "T") + "Z"
    with requests_mock.Mocker() as m:
        clock = m.get(f"{API}/version", json={"version": "v8.1.4"}, headers=http_date(server_now))
        mock_page(m, stream, 0, page(rows), headers=http_date(server_now))  # read in full: sort=id
        if newest_first:
            mock_page(m, stream, 0, page(list(reversed(rows))), headers=http_date(server_now),
                      sort="updated_at", order="desc")
        output = run_read(stream, state=state_for(stream, "2099-01-01T00:00:00Z"))
    assert sorted(r["id"] for r in records_of(output)) == [1, 2]
    assert cursor_of(output, stream) == newest  # the state comes back to the newest row read
    warnings = [l.log.message for l in output.logs if "later than the instance's clock" in l.log.message]
    assert len(warnings) == 1 and f"Stream {stream}:" in warnings[0] and "2099-01-01T00:00:00Z" in warnings[0]
    assert clock.call_count == 1


def test_a_recent_state_asks_the_instance_clock_once_per_sync_and_is_kept():
    server_now = datetime.now(timezone.utc).replace(microsecond=0)
    state = (server_now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    newer = (server_now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    older = (server_now - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S")
    streams = ("companies", "locations")
    config = make_config()
    catalog = catalog_for(*streams, sync_mode=SyncMode.incremental)
    states = StateBuilder()
    for stream in streams:
        states = states.with_stream_state(stream, {"updated_at_datetime": state})
    with requests_mock.Mocker() as m:
        clock = m.get(f"{API}/version", json={"version": "v8.1.4"}, headers=http_date(server_now))
        for stream in streams:
            mock_page(m, stream, 0, page(stamped(stream, [(2, newer), (1, older)])), headers=http_date(server_now),
                      sort="updated_at", order="desc")
        output = read(SourceSnipeit(catalog=catalog, config=config, state=states.build()), config, catalog,
                      states.build())
    assert sorted((r.record.stream, r.record.data["id"]) for r in output.records) == [("companies", 2), ("locations", 2)]
    assert clock.call_count == 1  # one clock for the sync, not one per stream
    assert not [l for l in output.logs if "later than" in l.log.message]


def test_a_state_later_than_an_instance_clock_far_behind_fails_the_stream_naming_it():
    # this machine's clock says the state is old; the instance's clock (its Date header) is years behind it
    rows = stamped("companies", [(1, "2023-12-01 08:00:00")])
    with requests_mock.Mocker() as m:
        mock_page(m, "companies", 0, page(rows), headers={"Date": "Mon, 01 Jan 2024 00:00:00 GMT"},
                  sort="updated_at", order="desc")
        output = run_read("companies", state=state_for("companies", "2025-01-01T00:00:00Z"), expect_failure=True)
    errors = " ".join(e.trace.error.message for e in output.errors)
    assert "Stream companies" in errors and "2025-01-01T00:00:00Z" in errors and "2024-01-01T00:00:00Z" in errors
    assert "Reset the stream's state" in errors
