"""SnipeItRetriever: a stream's passes, each by a scan, each row once. The extra passes (status=Archived) are read
first and once more at the end; an incremental read goes newest first and leaves rows of the horizon's second and
later to the next sync."""

import logging

from airbyte_cdk.sources.types import StreamSlice

from components import SnipeItPageDecoder, SnipeItRetriever, SyncContext
from unit_tests.components.fakes import FakeList, FakeRequester, manifest_error_handler, paginator, response, serve

SCHEMA = {"properties": {"id": {"type": "integer"}, "name": {"type": ["null", "string"]},
                         "updated_at_datetime": {"type": ["null", "string"], "format": "date-time"}}}
HARDWARE = {"name": "hardware", "sort_by_updated_at": True, "passes": [{}, {"status": "Archived"}]}


def at(second):  # as the API sends it: naive, in the app's time zone (UTC here)
    return f"2024-05-01 09:00:{second:02d}"


def assets(*ids, second=lambda i: i):
    return [{"id": i, "name": f"asset {i}", "updated_at": at(second(i))} for i in ids]


def retriever(lists, parameters=HARDWARE, page_size=3, **config):
    requester = FakeRequester(serve(lists), manifest_error_handler(
        {"api_url": "https://snipe.example.com/api/v1/"}, name="hardware", resource="hardware", permission="assets.view"))
    config = {SyncContext.TOKEN_KEY: "retriever", "pages_in_flight": 1, **config}
    return SnipeItRetriever(requester=requester, paginator=paginator(page_size),
                            decoder=SnipeItPageDecoder(parameters={"name": "hardware"}), config=config,
                            parameters=parameters), requester


def read(stream, state=None):
    cursor = {"start_time": state} if state else {}
    return [r.data["id"] for r in stream.read_records(SCHEMA, StreamSlice(partition={}, cursor_slice=cursor))]


def test_a_full_read_delivers_every_pass_once_archived_first():
    lists = {"": FakeList(assets(1, 2, 3, 4, 5)), "Archived": FakeList(assets(6, 7))}
    stream, requester = retriever(lists)
    assert read(stream) == [6, 7, 1, 2, 3, 4, 5]
    assert [s["params"].get("status") for s in requester.sent] == ["Archived", None, None, "Archived"]


def test_an_asset_archived_while_the_default_list_is_read_is_delivered_once():
    default, archived = FakeList(assets(1, 2, 3, 4, 5, 6), page_size=3), FakeList(assets(7))
    def archive(fake):  # asset 6 moves to the archived list before the default list reaches it
        default.delete(6)
        archived.add(*assets(6))
    default.before[2] = archive
    stream, _ = retriever({"": default, "Archived": archived})
    got = read(stream)
    assert sorted(got) == [1, 2, 3, 4, 5, 6, 7] and len(got) == 7  # found by the archived pass read again


def test_an_incremental_read_delivers_rows_newer_than_the_state_newest_first():
    lists = {"": FakeList(assets(*range(1, 11))), "Archived": FakeList(assets(11))}
    stream, requester = retriever(lists)
    assert read(stream, state="2024-05-01T09:00:07Z") == [11, 10, 9, 8]
    assert {s["params"]["sort"] for s in requester.sent} == {"updated_at"}


def test_rows_of_the_horizons_second_and_later_are_left_to_the_next_sync():
    # the first answer's Date is 09:00:30: rows updated then or later are the next sync's, so the state is complete
    lists = {"": FakeList(assets(1, 29, 30, 31)), "Archived": FakeList([])}
    stream, _ = retriever(lists)
    assert read(stream, state="2024-05-01T09:00:00Z") == [29, 1]


def test_start_date_is_inclusive():
    lists = {"": FakeList(assets(1, 2, 3, 4)), "Archived": FakeList([])}
    stream, _ = retriever(lists, start_date="2024-05-01T09:00:03Z")
    assert read(stream, state="2024-05-01T09:00:03Z") == [4, 3]


def test_a_stream_always_read_in_full_ignores_its_state():
    lists = {"": FakeList(assets(1, 2, 3)), "Archived": FakeList([])}
    stream, _ = retriever(lists, always_full_refresh_streams=["hardware"])
    assert read(stream, state="2024-05-01T09:00:02Z") == [1, 2, 3]


def test_a_newest_first_read_that_cannot_prove_itself_complete_is_read_in_full_instead(caplog):
    # ten assets stamped in one second (a bulk edit), more than the server's cap of 3 answers
    lists = {"": FakeList(assets(*range(1, 11), second=lambda i: 9), max_results=3), "Archived": FakeList([])}
    stream, requester = retriever(lists)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        got = read(stream, state="2024-05-01T09:00:05Z")
    assert got == list(range(1, 11))
    assert "reading it in full (sorted by id) instead" in caplog.text
    assert [s["params"]["sort"] for s in requester.sent if "status" not in s["params"]][-1] == "id"


def test_a_pass_for_deleted_rows_is_read_only_when_include_deleted_is_on():
    parameters = {"name": "hardware", "passes": [{}, {"status": "Deleted", "when": "include_deleted"}]}
    lists = {"": FakeList(assets(1, 2)), "Deleted": FakeList(assets(3))}
    assert read(retriever(lists, parameters)[0]) == [1, 2]
    SyncContext.reset()
    assert read(retriever(lists, parameters, include_deleted=True)[0]) == [3, 1, 2]


def test_check_reads_one_row_and_reports_a_denied_stream_without_failing(caplog, monkeypatch):
    stream, requester = retriever({}, {**HARDWARE, "permission": "assets.view"}, check_mode=True)
    requester.answer = lambda params: response({"message": "This action is unauthorized."}, 403)
    monkeypatch.setattr(stream.sync, "diagnose", lambda requester: None)  # check's /users/me diagnosis is plain HTTP: not here
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        assert read(stream) == []
    assert requester.sent[0]["params"]["limit"] == 1
    assert stream.sync.check_report.unreadable == {"hardware": "assets.view"}
    assert "Check: the token cannot read stream hardware." in caplog.text
