"""Added streams through the public entrypoint (requests-mock): paging, typing, child partitions, conditional passes."""

from __future__ import annotations

from .conftest import make_config, mock_page, page, records_of, run_read


def _dt(s):
    return {"datetime": s, "formatted": s}


def _license(i):
    return {"id": i, "name": "Office &amp; Teams", "company": {"id": 2, "name": "O&#039;Brien"}, "seats": "5",
            "purchase_cost": "1,299.50", "purchase_date": {"date": "2024-01-11", "formatted": "11 Jan 2024"},
            "reassignable": True, "notes": "Renew <strong>early</strong> &amp; check", "free_seats_count": 3,
            "created_at": _dt("2024-01-01 10:00:00"), "updated_at": _dt("2024-02-01 10:00:00"),
            "deleted_at": None, "available_actions": {"update": True}}


def test_licenses_flattened_typed_and_paged_by_total(requests_mock):
    mock_page(requests_mock, "licenses", 0, page([_license(1), _license(2)], total=3), limit=2)
    mock_page(requests_mock, "licenses", 1, page([_license(2), _license(3)], total=3), limit=2)
    rows = records_of(run_read("licenses", make_config(page_size=2)))
    assert [r["id"] for r in rows] == [1, 2, 3]
    r = rows[0]
    assert r["name"] == "Office & Teams" and r["company_name"] == "O'Brien" and r["company_id"] == 2
    assert r["seats"] == 5 and r["purchase_cost"] == 1299.5 and r["reassignable"] is True
    assert r["purchase_date_date"] == "2024-01-11" and r["updated_at_datetime"] == "2024-02-01T10:00:00Z"
    assert r["notes"] == "Renew **early** & check" and "available_actions" not in r  # the Markdown typed


def test_license_seats_reads_each_license_partition(requests_mock):
    mock_page(requests_mock, "licenses", 0, page([_license(1), _license(7)]))
    seat = lambda i, lic: {"id": i, "license_id": lic, "updated_at": _dt("2024-02-01 10:00:00"),  # noqa: E731
                           "assigned_user": {"id": 4, "name": "Zo&euml;"}, "notes": "", "user_can_checkout": False}
    mock_page(requests_mock, "licenses/1/seats", 0, page([seat(1, 1), seat(2, 1)]), sort="updated_at")
    mock_page(requests_mock, "licenses/7/seats", 0, page([seat(9, 7)]), sort="updated_at")
    # each license is a slice, read concurrently: the order across licenses is not kept, within one license it is
    rows = records_of(run_read("license_seats"))
    assert sorted((r["id"], r["license_id"]) for r in rows) == [(1, 1), (2, 1), (9, 7)]
    assert [r["id"] for r in rows if r["license_id"] == 1] == [1, 2]
    first = next(r for r in rows if r["id"] == 1)
    assert first["assigned_user_name"] == "Zoë" and first.get("notes") is None


def test_fields_endpoint_without_paging(requests_mock):
    # /fields ignores limit/offset and returns everything: one request, stop at total.
    body = page([{"id": i, "name": "RAM", "db_column_name": "_snipeit_ram_%d" % i, "format": "NUMERIC",
                  "required": False, "created_at": None, "updated_at": None} for i in (1, 2)])
    mock_page(requests_mock, "fields", 0, body)
    rows = records_of(run_read("fields"))
    assert [r["db_column_name"] for r in rows] == ["_snipeit_ram_1", "_snipeit_ram_2"]
    assert requests_mock.call_count == 1


def test_groups_403_names_superuser(requests_mock):
    mock_page(requests_mock, "groups", 0, {"message": "This action is unauthorized."}, http_status=403)
    output = run_read("groups", expect_failure=True)
    assert "superuser" in " ".join(str(e.trace.error.message) for e in output.errors)


def _user(i, deleted=None):
    return {"id": i, "name": "U %d" % i, "updated_at": _dt("2024-02-01 10:00:00"),
            "deleted_at": _dt(deleted) if deleted else None}


def test_include_deleted_is_an_extra_pass_only_when_on(requests_mock):
    mock_page(requests_mock, "users", 0, page([_user(1), _user(2)]))
    assert [r["id"] for r in records_of(run_read("users"))] == [1, 2]
    mock_page(requests_mock, "users", 0, page([_user(3, "2024-03-01 00:00:00")]), deleted="true")
    rows = records_of(run_read("users", make_config(include_deleted=True)))
    assert sorted(r["id"] for r in rows) == [1, 2, 3]
    assert [r["deleted_at_datetime"] for r in rows if r["id"] == 3] == ["2024-03-01T00:00:00Z"]
