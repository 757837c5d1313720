"""TestReadLimits / PageBudget: a Connector Builder test read (its paginator wrapped in PaginatorTestReadDecorator)
reads at most max_pages pages and max_records records per slice, and logs each page for the Builder."""

import requests

from airbyte_cdk.sources.declarative.concurrent_declarative_source import TestLimits
from airbyte_cdk.sources.declarative.requesters.paginators.default_paginator import PaginatorTestReadDecorator

import pytest

from components import PageBudget, TestReadLimits, _TestReadLimitReached
from unit_tests.components.fakes import paginator, response


def test_a_sync_has_no_test_read_limits():
    assert TestReadLimits.of("hardware", paginator(), {}) is None


def test_the_builders_decorator_gives_the_page_limit_and_the_cdk_its_record_default():
    limits = TestReadLimits.of("hardware", PaginatorTestReadDecorator(paginator(), 3), {})
    assert limits == TestReadLimits("hardware", 3, TestLimits.DEFAULT_MAX_RECORDS)


def test_the_builders_test_read_config_wins():
    config = {"__test_read_config": {"max_records": 100, "max_pages_per_slice": 5, "max_slices": 5}}
    limits = TestReadLimits.of("hardware", PaginatorTestReadDecorator(paginator(), 3), config)
    assert (limits.max_pages, limits.max_records) == (5, 100)


def test_a_page_budget_allows_its_pages_then_refuses():
    budget = PageBudget(2)
    budget.spend()
    budget.spend()
    with pytest.raises(_TestReadLimitReached):
        budget.spend()
    assert budget.left == 0


def test_each_slice_gets_a_fresh_budget():
    limits = TestReadLimits("hardware", 1, 10)
    first = limits.page_budget()
    first.spend()
    second = limits.page_budget()
    second.spend()  # not the first slice's: it would refuse
    assert (first.left, second.left) == (0, 0)


def test_records_stop_at_the_record_limit_and_the_read_behind_them_is_closed():
    closed = []

    def records():
        try:
            yield from range(1000)
        finally:
            closed.append(True)

    source = records()  # still referenced: only an explicit close ends it now
    assert list(TestReadLimits("hardware", 5, 3).limit(source)) == [0, 1, 2]
    assert closed == [True]


def test_a_spent_page_budget_ends_the_slice_with_the_records_read_so_far():
    budget = PageBudget(1)

    def records():
        for page in ([1, 2], [3, 4]):
            budget.spend()
            yield from page

    assert list(TestReadLimits("hardware", 1, 100).limit(records())) == [1, 2]


def test_each_page_is_logged_as_the_builder_groups_records_by():
    answer = response({"total": 1, "rows": [{"id": 1}]})
    answer.request = requests.Request("GET", "https://snipe.example.com/api/v1/hardware?limit=5&offset=0").prepare()
    message = TestReadLimits("hardware", 5, 100).log_formatter()(answer)
    assert message["http"]["title"] == "Stream 'hardware' request"
    assert message["http"]["description"] == "Request performed in order to extract records for stream 'hardware'"
    assert message["url"]["full"].endswith("hardware?limit=5&offset=0")
    assert message["http"]["response"]["body"]["content"] == '{"total": 1, "rows": [{"id": 1}]}'
