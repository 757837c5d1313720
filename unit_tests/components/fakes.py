"""Fakes the component tests build their components with: no HTTP, no server.

* :func:`response`: a ``requests.Response`` with status, body and headers set, as the CDK's requester hands it over.
* :class:`FakeRequester`: a declared requester's ``send_request``, answering from a function of the request params.
* :class:`FakeList`: a Snipe-IT list endpoint held in memory, the page source ``(params, offset) -> Page`` the scans
  read from, with the server's habits: ``limit`` clamped to ``max_results``, ties in the sort column in a new order on
  every request, and hooks that change the rows between requests (a deletion, an edit) while a scan pages.
* :func:`serve`: a FakeRequester's answers over one FakeList per pass, for the retriever.
* :func:`capture` / :func:`captured_response`: a response recorded from a real Snipe-IT (captures/real-snipeit/).
* :func:`paginator`, :func:`manifest_error_handler`, :func:`manifest_schema`: the manifest's own paginator, error
  handler and stream schemas, built without a source.
"""

from __future__ import annotations

import copy
import json
import random
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

import requests
import yaml

from airbyte_cdk.sources.declarative.parsers.manifest_reference_resolver import ManifestReferenceResolver
from airbyte_cdk.sources.declarative.requesters.paginators.default_paginator import DefaultPaginator
from airbyte_cdk.sources.declarative.requesters.request_option import RequestOption, RequestOptionType

from components import Page, SnipeItOffsetIncrement

REPO = Path(__file__).resolve().parents[2]
CAPTURES = REPO / "captures" / "real-snipeit"
MANIFEST = yaml.safe_load((REPO / "manifest.yaml").read_text())
_RESOLVED = ManifestReferenceResolver().preprocess_manifest(copy.deepcopy(MANIFEST))
API = "https://snipe.example.com/api/v1/"


def response(body: Any = None, status: int = 200, headers: Optional[Mapping[str, str]] = None,
             url: str = API + "hardware?limit=500&offset=0", raw: Optional[bytes] = None) -> requests.Response:
    """An answer as the requester returns it: ``body`` as JSON (or ``raw`` bytes as sent)."""
    answer = requests.Response()
    answer.status_code = status
    answer._content = raw if raw is not None else json.dumps(body).encode()
    answer.headers.update({"Content-Type": "application/json", **(headers or {})})
    answer.url = url
    return answer


def capture(name: str) -> Dict[str, Any]:
    """A recorded request: ``{"request", "status", "headers", "body"}``."""
    return json.loads((CAPTURES / f"{name}.json").read_text())


def captured_response(name: str, url: str = API + "hardware?limit=500&offset=0") -> requests.Response:
    recorded = capture(name)
    return response(recorded["body"], recorded["status"], recorded["headers"], url=url)


def paginator(page_size: int = 500) -> DefaultPaginator:
    """The manifest's paginator: offset and limit as request parameters, SnipeItOffsetIncrement's paging rule."""
    return DefaultPaginator(
        pagination_strategy=SnipeItOffsetIncrement(config={}, page_size=page_size, parameters={},
                                                   inject_on_first_request=True),
        config={}, url_base=API, parameters={},
        page_size_option=RequestOption(field_name="limit", inject_into=RequestOptionType.request_parameter, parameters={}),
        page_token_option=RequestOption(field_name="offset", inject_into=RequestOptionType.request_parameter, parameters={}))


class FakeRequester:
    """``send_request`` of a declared requester: ``answer(request_params) -> Response``; every request is kept."""

    def __init__(self, answer: Callable[[Dict[str, Any]], requests.Response], error_handler: Any = None) -> None:
        self.answer = answer
        self.error_handler = error_handler
        self.sent: List[Dict[str, Any]] = []

    def send_request(self, stream_state=None, stream_slice=None, next_page_token=None, request_params=None,
                     log_formatter=None, **kwargs: Any) -> requests.Response:
        self.sent.append({"params": dict(request_params or {}),
                          "partition": dict(stream_slice.partition) if stream_slice is not None else {}})
        return self.answer(dict(request_params or {}))


def list_answer(rows: List[Dict[str, Any]], date: str = "Mon, 07 Dec 2026 12:00:44 GMT") -> Callable:
    """A requester's answer function serving ``rows`` by offset and limit, with a ``Date`` header."""
    def answer(params: Dict[str, Any]) -> requests.Response:
        offset, limit = int(params["offset"]), int(params["limit"])
        return response({"total": len(rows), "rows": rows[offset:offset + limit]}, headers={"Date": date})
    return answer


_SORT_COLUMNS = {"updated_at": "updated_at_datetime", "created_at": "created_at_datetime"}


class FakeList:
    """One list endpoint in memory, read as the scans read SlicePages: ``pages(params, offset) -> Page``.

    Rows are flat (already normalised), so the scans can take ``dict`` as their ``normalize``. ``limit`` is the
    configured page size unless a request sets its own, clamped to ``max_results``; ``sort`` and ``order`` are
    honoured; rows that tie in the sort column come back in a new order on every request (MySQL has no tie-breaker). ``before[n]`` runs before the n-th request (1-based) is answered: the place to delete or edit rows
    while a scan pages."""

    MAX_REQUESTS = 500  # a scan that loops fails the test at once instead of at pytest's timeout

    def __init__(self, rows: List[Dict[str, Any]], page_size: int = 500, max_results: int = 500, name: str = "hardware",
                 horizon: Optional[str] = "2099-01-01T00:00:00Z", seed: int = 7) -> None:
        self.rows = [dict(r) for r in rows]
        self.page_size, self.max_results = page_size, max_results
        self.name = name
        self.horizon = horizon
        self.paging = SnipeItOffsetIncrement(config={}, page_size=page_size, parameters={})
        self.before: Dict[int, Callable[["FakeList"], None]] = {}
        self.requests: List[tuple] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, params: Mapping[str, Any], offset: int) -> Page:
        with self._lock:
            self.requests.append((dict(params), offset))
            if len(self.requests) > self.MAX_REQUESTS:
                raise AssertionError(f"{len(self.requests)} requests for {len(self.rows)} rows: the scan does not end")
            hook = self.before.get(len(self.requests))
            if hook is not None:
                hook(self)
            sort = params.get("sort", "id")
            ordered = list(self.rows)
            self._random.shuffle(ordered)  # ties: any order, a new one each time
            ordered.sort(key=lambda r: r["id"] if sort == "id" else r.get(_SORT_COLUMNS.get(sort, sort), r.get(sort)) or "",
                         reverse=params.get("order") == "desc")
            limit = min(int(params.get("limit", self.page_size)), self.max_results)
            return Page([dict(r) for r in ordered[offset:offset + limit]], len(self.rows), None)

    # changes made between requests
    def delete(self, *ids: int) -> None:
        self.rows = [r for r in self.rows if r["id"] not in ids]

    def edit(self, row_id: int, **fields: Any) -> None:
        for row in self.rows:
            if row["id"] == row_id:
                row.update(fields)

    def add(self, *rows: Dict[str, Any]) -> None:
        self.rows.extend(dict(r) for r in rows)

    def offsets(self) -> List[int]:
        return [offset for _, offset in self.requests]


def stamped(ids, second: str, **fields: Any) -> List[Dict[str, Any]]:
    """Rows of one ``updated_at`` second (a bulk edit)."""
    return [{"id": i, "updated_at_datetime": second, **fields} for i in ids]


def manifest_schema(stream: str) -> Dict[str, Any]:
    """A stream's JSON schema from manifest.yaml, its ``$ref``s resolved by the CDK's own resolver."""
    return copy.deepcopy(_RESOLVED["schemas"][stream])


def manifest_error_handler(config: Mapping[str, Any], **parameters: Any) -> Any:
    """The requester's error handler as manifest.yaml declares it (response filters and their messages), built by the
    CDK's factory with the stream's ``$parameters`` (name, resource, permission)."""
    from airbyte_cdk.sources.declarative.models.declarative_component_schema import DefaultErrorHandler
    from airbyte_cdk.sources.declarative.parsers.manifest_component_transformer import ManifestComponentTransformer
    from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory

    definition = {**MANIFEST["definitions"]["requester"]["error_handler"], "$parameters": parameters}
    definition = ManifestComponentTransformer().propagate_types_and_parameters("", definition, {})
    return ModelToComponentFactory().create_component(DefaultErrorHandler, definition, config)


def serve(lists: Mapping[str, "FakeList"], date: str = "Wed, 01 May 2024 09:00:30 GMT") -> Callable:
    """A requester's answer function over one FakeList per pass (keyed by the pass's ``status``, "" for the default
    list), each answer with a ``Date`` header (the read's horizon)."""
    def answer(params: Dict[str, Any]) -> requests.Response:
        fake = lists[str(params.get("status", ""))]
        page = fake({k: v for k, v in params.items() if k in ("sort", "order", "limit")}, int(params["offset"]))
        return response({"total": page.total, "rows": page.rows}, headers={"Date": date})
    return answer
