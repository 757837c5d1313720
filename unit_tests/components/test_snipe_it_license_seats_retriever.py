"""SnipeItLicenseSeatsRetriever: /licenses/{id}/seats ignores sort (seats created together tie, in a new order on
every request), so scans are repeated until every one of total seat ids was seen; a license deleted meanwhile is
skipped; v7's "Seat N" name (its position in the page served) is not written."""

import random

import pytest

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from components import SnipeItLicenseSeatsRetriever, SnipeItPageDecoder, SyncContext
from unit_tests.components.fakes import FakeRequester, paginator, response

SCHEMA = {"properties": {"id": {"type": "integer"}, "license_id": {"type": ["null", "integer"]},
                         "name": {"type": ["null", "string"]}}}


def shuffled_seats(seat_ids, seed=0):
    """The seats endpoint: every request orders the seats anew; v7 names each by its place in the page."""
    rng = random.Random(seed)

    def answer(params):
        order = list(seat_ids)
        rng.shuffle(order)
        offset, limit = int(params["offset"]), int(params["limit"])
        rows = [{"id": i, "license_id": 12, "name": f"Seat {n}"} for n, i in enumerate(order[offset:offset + limit], 1)]
        return response({"total": len(seat_ids), "rows": rows})
    return answer


def seats(answer, partition=None, **config):
    requester = FakeRequester(answer)
    stream = SnipeItLicenseSeatsRetriever(
        requester=requester, paginator=paginator(3), decoder=SnipeItPageDecoder(parameters={"name": "license_seats"}),
        config={SyncContext.TOKEN_KEY: "seats", "pages_in_flight": 1, **config}, parameters={"name": "license_seats"})
    partition = {"license_id": 12, "parent_slice": {}} if partition is None else partition
    records = [r.data for r in stream.read_records(SCHEMA, StreamSlice(partition=partition, cursor_slice={}))]
    return records, requester


@pytest.mark.parametrize("seed", range(5))
def test_seats_in_a_new_order_on_every_request_are_all_read_each_once(seed):
    records, requester = seats(shuffled_seats(range(1, 11), seed))
    assert sorted(r["id"] for r in records) == list(range(1, 11))
    assert {tuple(s["partition"].items()) for s in requester.sent} == {(("license_id", 12),)}


def test_the_positional_seat_name_of_v7_is_not_written():
    records, _ = seats(shuffled_seats([7, 8]))
    assert all("name" not in r for r in records) and {r["license_id"] for r in records} == {12}


def test_a_license_whose_seats_fit_in_one_page_costs_one_request():
    _, requester = seats(shuffled_seats([1, 2, 3]))
    assert len(requester.sent) == 1


def test_a_license_deleted_during_the_sync_is_skipped():
    records, requester = seats(lambda params: response({"status": "error", "messages": "License does not exist."}))
    assert records == [] and len(requester.sent) == 1


def test_seats_that_never_all_show_up_fail_the_stream_as_transient():
    always_two = lambda params: response({"total": 3, "rows": [{"id": 1}, {"id": 2}][int(params["offset"]):]})  # noqa: E731
    with pytest.raises(AirbyteTracedException) as error:
        seats(always_two)
    assert error.value.failure_type == FailureType.transient_error
    assert "license 12 reports 3 seats but only 2 distinct ones could be read" in error.value.message


def test_a_slice_without_a_license_and_check_read_nothing():
    assert seats(shuffled_seats([1]), partition={})[0] == []
    records, requester = seats(shuffled_seats([1]), check_mode=True)
    assert records == [] and requester.sent == []
