"""Custom components for source-snipeit: only what the declarative manifest cannot say.

Airbyte's manifest-only runtime loads exactly one components file, so every class lives here.
Each class names the Snipe-IT quirk it exists for (see docs/snipeit.md and the API notes).
"""

import ctypes
import functools
import html
import json
import logging
import os
import re
import threading
import time
import uuid
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import InitVar, dataclass
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Deque, Dict, FrozenSet, Generator, Iterable, Iterator, List, Mapping, MutableMapping, Optional, Tuple, Union
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.declarative.decoders.decoder import Decoder
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.requesters.paginators.default_paginator import PaginatorTestReadDecorator
from airbyte_cdk.sources.declarative.requesters.paginators.paginator import Paginator
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.offset_increment import OffsetIncrement
from airbyte_cdk.sources.declarative.requesters.requester import Requester
from airbyte_cdk.sources.declarative.retrievers.retriever import Retriever
from airbyte_cdk.sources.declarative.schema.schema_loader import SchemaLoader
from airbyte_cdk.sources.declarative.validators.validation_strategy import ValidationStrategy
from airbyte_cdk.sources.declarative.transformations.config_transformations.config_transformation import (
    ConfigTransformation,
)
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy
from airbyte_cdk.sources.types import Record, StreamSlice
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

try:  # orjson ships with airbyte-cdk and parses the 500-row pages about twice as fast
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
    _JSONError: Tuple[type, ...] = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover
    _loads = json.loads
    _JSONError = (ValueError,)

LOGGER = logging.getLogger("airbyte")
EPOCH = "1970-01-01T00:00:00Z"


def _config_error(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


# --------------------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------------------

# Where SnipeItConfigNormalizer keeps the messages of the settings it refused, for SnipeItRefusedSettings.
REFUSED_SETTINGS_KEY = "__snipeit_refused_settings"
# Keys the connector writes into the config itself (or the check's config_overrides do): no unknown-key warning.
INTERNAL_KEYS = ("api_url", "check_mode", "check_streams", REFUSED_SETTINGS_KEY)


class SettingRefused(ValueError):
    """A setting's value cannot be used; the message names the setting and what to do, and never quotes the token."""


@dataclass
class SnipeItConfigNormalizer(ConfigTransformation):
    """Normalises the user's config once, before any stream is built, and checks every setting.

    Quirks:

    * users paste the instance root in several shapes (``https://snipe.example.com/``,
      ``https://snipe.example.com/api/v1``); the API lives at ``<root>/api/v1``, so ``base_url`` is reduced to the
      root and ``api_url`` derived from it. A token pasted with a trailing newline is stripped (requests refuses
      such a header and quotes it, token included, in its error). ``start_date`` becomes the cursor's format.
      Absent optional settings get their defaults, written here once.
    * the CDK's entrypoint checks the config against the spec's JSON schema *before* any declared validation runs,
      and its message names no field (``{"page_size": 0}`` → ``Config validation error: 0 is less than the minimum
      of 1``). So each setting's check runs here: a refused value is replaced by its default (``""`` for
      ``base_url`` and ``api_token``), its message is kept under ``__snipeit_refused_settings``, and the declared
      validation :class:`SnipeItRefusedSettings` fails the command with it (``page_size must be a whole number from
      1 to 500, got 0.``). The schema's ``minimum``/``enum`` stay for the form; no refused value reaches a stream.

    The token is registered with the CDK's secret filter first, raw and stripped, so no log line (an unknown-key
    warning quoting a token pasted as a key, a library's error) can show it.
    """

    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.stream_names: Tuple[str, ...] = tuple((parameters or {}).get("incremental_streams") or ())
        _drop_tracebacks_of_explained_errors()  # built with the source, after the CDK configured its logging

    def transform(self, config: MutableMapping[str, Any]) -> None:
        _register_token_secrets(config.get("api_token"))
        refused: Dict[str, str] = {}
        for setting, hint in REQUIRED_SETTINGS.items():
            if setting not in config:
                refused[setting] = f"{setting} is missing: it is required ({hint})."
        _normalise_values(config)
        checks = dict(SETTING_CHECKS, always_full_refresh_streams=self._check_full_refresh_streams)
        for setting, check in checks.items():
            if setting in config and setting not in refused:
                try:
                    check(config[setting])
                except SettingRefused as problem:
                    refused[setting] = str(problem)
        for setting in refused:
            config.pop(setting, None)
        for setting in REQUIRED_SETTINGS:
            config.setdefault(setting, "")
        for setting, default in SETTING_DEFAULTS.items():
            config.setdefault(setting, default() if callable(default) else default)
        config["api_url"] = f"{config['base_url']}/api/v1/"
        config[SyncContext.TOKEN_KEY] = uuid.uuid4().hex  # this sync's context (SyncContext.of), shared by every component
        config[REFUSED_SETTINGS_KEY] = refused
        for setting, why in DEPRECATED_SETTINGS.items():
            if setting in config:
                LOGGER.warning(f"{setting} ({config[setting]!r}) is deprecated and ignored: {why} Remove it from the config.")
        for warning in _unknown_key_warnings(config, tuple(checks) + tuple(DEPRECATED_SETTINGS)):
            LOGGER.warning(warning)

    def _check_full_refresh_streams(self, value: Any) -> None:
        names = self.stream_names
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingRefused(f"always_full_refresh_streams must be a list of stream names, got {value!r}.")
        unknown = [v for v in value if names and v not in names]
        if unknown:
            raise SettingRefused(f"always_full_refresh_streams names {', '.join(map(repr, unknown))}, which "
                                 f"{'is not an incremental stream' if len(unknown) == 1 else 'are not incremental streams'}"
                                 f" of this connector: use any of {', '.join(names)}.")


@dataclass
class SnipeItRefusedSettings(ValidationStrategy):
    """Fails the command with every setting :class:`SnipeItConfigNormalizer` refused, one sentence each:
    ``{"page_size": "page_size must be a whole number from 1 to 500, got 0."}`` → that sentence, as a config error
    (``check``: FAILED with it; ``discover``/``read``: the error trace, before any request is sent)."""

    def validate(self, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            problems = list(value.values())
            intro = "" if len(problems) == 1 else f"{len(problems)} settings need fixing: "
            raise _config_error(intro + " ".join(problems))


def _register_token_secrets(token: Any) -> None:
    if isinstance(token, str) and token.strip():
        variants = {token, token.strip(), json.dumps(token)[1:-1], json.dumps(token.strip())[1:-1]}
        pieces = {piece for v in variants for piece in re.split(r"[\s\"']+", v) if len(piece) >= 8}
        for secret in sorted(variants | pieces, key=len, reverse=True):
            add_to_secrets(secret)


def _normalise_values(config: MutableMapping[str, Any]) -> None:
    token = config.get("api_token")
    if isinstance(token, str):
        config["api_token"] = token.strip()
    base = config.get("base_url")
    if isinstance(base, str):
        root = base.strip().rstrip("/")
        if root.lower().endswith("/api/v1"):
            root = root[: -len("/api/v1")].rstrip("/")
        config["base_url"] = root
    start = config.get("start_date")
    if isinstance(start, str) and start.strip():
        parsed = _parse_start_date(start.strip())
        if parsed:
            config["start_date"] = parsed
    elif start is None or start == "":
        config.pop("start_date", None)


def _unknown_key_warnings(config: Mapping[str, Any], known: Tuple[str, ...]) -> List[str]:
    import difflib

    warnings = []
    for key in config:
        if key in known or key in INTERNAL_KEYS or key in REQUIRED_SETTINGS or key.startswith("__"):
            continue  # "__": keys the platform injects (__injected_declarative_manifest, ...)
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else f" Known settings: {', '.join(known)}."
        warnings.append(f"Config key '{key}' is not a setting of this connector and is ignored.{hint}")
    return warnings


# start_date: a date, or a date-time with its zone; stored as the cursor's format (UTC, whole seconds).
_START_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2}))?$")


def _parse_start_date(value: str) -> Optional[str]:
    if not _START_DATE.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else \
            datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# 4 keeps a typical instance's 4 PHP workers busy on one stream (benchmark section 10: 2 is 18 % slower, 6 and 8
# no faster than 4, 0 x 429 for all)
DEFAULT_PAGES_IN_FLIGHT = 4


def _token_problem(token: str) -> Optional[str]:
    """What is wrong with a (stripped) token, in words that never quote it: messages reach logs and UIs."""
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return ("api_token is wrapped in quotes: paste the token alone, without the quotes around it (a Snipe-IT "
                "token never contains a quote).")
    if token[:7].lower() == "bearer ":
        return ("api_token starts with 'Bearer ': paste the token alone; the connector sends it as "
                "'Authorization: Bearer <token>' itself.")
    for position, char in enumerate(token, start=1):
        if char.isspace():
            return (f"api_token contains whitespace (character {position} of {len(token)}): a Snipe-IT token is one "
                    "unbroken string. Copy it again from Manage API Keys, in one piece.")
        if not (" " < char < "\x7f"):
            return (f"api_token contains a character that cannot be sent in an HTTP header (character {position} of "
                    f"{len(token)}, not printable ASCII): it was probably mangled when pasted. Copy it again.")
    return None


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _whole_number(field: str, low: int, high: Optional[int], message: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            raise SettingRefused(message.format(value=value))
    return check


def _check_token(token: Any) -> None:
    if not isinstance(token, str):
        raise SettingRefused(f"api_token must be a string (the token pasted from Manage API Keys), got "
                             f"{_json_kind(token)}.")
    if not token.strip():
        raise SettingRefused("api_token is empty: paste a Snipe-IT personal access token (user menu → Manage API Keys).")
    problem = _token_problem(token.strip())
    if problem:
        raise SettingRefused(problem)


def _check_base_url(base: Any) -> None:
    if not isinstance(base, str):
        raise SettingRefused(f"base_url must be a string such as https://snipe.example.com, got {base!r}.")
    if not base.strip():
        raise SettingRefused("base_url is empty: give the Snipe-IT instance root, e.g. https://snipe.example.com")
    if any(c.isspace() for c in base.strip()):
        raise SettingRefused(f"base_url '{base.strip()}' contains whitespace: it must be one URL, e.g. "
                             "https://snipe.example.com")
    match = re.match(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>[^/?#]+)(?P<path>[^?#]*)$", base)
    if not match:
        raise SettingRefused(f"base_url '{base}' is not a URL: it must start with https:// (or http://), e.g. "
                             "https://snipe.example.com")
    if match["scheme"].lower() not in ("http", "https"):
        raise SettingRefused(f"base_url '{base}' uses {match['scheme']}://; only http:// and https:// are supported.")
    try:
        parts = urlsplit(base)
        port = parts.port
    except ValueError as error:  # "Port could not be cast to integer value as '80a'", "Invalid IPv6 URL"
        raise SettingRefused(f"base_url '{base}' has a malformed host or port ({error}): write it as "
                             "https://host, https://host:8443 or https://[2001:db8::1]:8443.")
    if not parts.hostname or parts.username is not None or port == 0:
        what = "user name or password" if parts.username is not None else ("port 0" if port == 0 else "host")
        raise SettingRefused(f"base_url '{base}' has no usable host ({what}): give the instance root, e.g. "
                             "https://snipe.example.com")


def _check_timezone(tz: Any) -> None:
    try:
        ZoneInfo(str(tz or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingRefused(f"timezone '{tz}' is not an IANA time zone name (e.g. UTC, Europe/Berlin, "
                             "America/New_York).")


def _check_date_display_format(value: Any) -> None:
    if value not in DATE_DISPLAY_FORMATS:
        raise SettingRefused(f"date_display_format '{value}' is not one of Snipe-IT's date display formats: use one "
                             f"of {', '.join(DATE_DISPLAY_FORMATS)} (Admin → Settings → Localization), or leave it "
                             "empty: the connector learns it from the rows.")


def _check_start_date(start: Any) -> None:
    if not isinstance(start, str):
        raise SettingRefused(f"start_date must be a string (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ), got {start!r}.")
    if not _parse_start_date(start.strip()):
        naive = re.match(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})$", start.strip())
        hint = (f" (it has no time zone: for UTC write {naive[1]}T{naive[2]}Z)" if naive else "")
        raise SettingRefused(f"start_date '{start}' is not a date{hint}: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
                             "YYYY-MM-DDTHH:MM:SS+HH:MM.")
    if _parse_start_date(start.strip()) > datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"):
        raise SettingRefused(f"start_date '{start}' is in the future: no row was updated after it, so nothing would "
                             "be synced. Use a past date, or leave start_date empty to sync everything.")


def _check_window(window: Any) -> None:
    if isinstance(window, bool) or not isinstance(window, (int, float)) or not 0 < window <= 600:
        raise SettingRefused(f"rate_limit_window_seconds must be a number of seconds from 1 to 600, got {window!r}.")


def _check_include_deleted(include_deleted: Any) -> None:
    if not isinstance(include_deleted, bool):
        raise SettingRefused(f"include_deleted must be true or false, got {include_deleted!r}.")


def _check_ca_bundle(ca_bundle: Any) -> None:
    if ca_bundle in (None, ""):
        return
    # Checked whatever the URL's scheme: a path that does not exist is a mistake even while base_url is http.
    if not isinstance(ca_bundle, str):
        raise SettingRefused(f"ca_bundle must be the path of a PEM file, got {_json_kind(ca_bundle)}.")
    if not os.path.isfile(ca_bundle) or not os.access(ca_bundle, os.R_OK):
        what = "is a directory" if os.path.isdir(ca_bundle) else "does not exist or cannot be read"
        raise SettingRefused(f"ca_bundle '{ca_bundle}' {what}: give the path of the PEM file of the CA that "
                             "signed the instance's certificate, or remove ca_bundle.")
    with open(ca_bundle, "rb") as file:
        head = file.read(1 << 20)
    if b"-----BEGIN CERTIFICATE-----" not in head:
        raise SettingRefused(f"ca_bundle '{ca_bundle}' holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' "
                             "line): give the CA certificate in PEM format (convert a .der/.cer file with "
                             "`openssl x509 -inform der -in ca.cer -out ca.pem`).")


# One check per setting, in the order a user reads the form (always_full_refresh_streams: the normaliser's own,
# it needs the stream names of the manifest). 0 workers would otherwise reach the CDK's thread pool as an
# AssertionError with no word of which setting it was.
SETTING_CHECKS: Dict[str, Callable[[Any], None]] = {
    "api_token": _check_token,
    "base_url": _check_base_url,
    "page_size": _whole_number("page_size", 1, 500, "page_size must be a whole number from 1 to 500, got {value!r}."),
    "timezone": _check_timezone,
    "start_date": _check_start_date,
    "requests_per_minute": _whole_number("requests_per_minute", 1, None,
                                         "requests_per_minute must be a positive whole number, got {value!r}."),
    "pages_in_flight": _whole_number("pages_in_flight", 1, 8, "pages_in_flight must be a whole number from 1 to 8, got {value!r}."),
    "num_workers": _whole_number("num_workers", 1, 8, "num_workers must be a whole number from 1 to 8, got {value!r}."),
    "rate_limit_window_seconds": _check_window,
    "include_deleted": _check_include_deleted,
    "ca_bundle": _check_ca_bundle,
    "date_display_format": _check_date_display_format,
}
# Settings still accepted (the spec keeps them, hidden) but no longer read, and why.
DEPRECATED_SETTINGS = {
    "number_format": "Snipe-IT prints money with two decimals, so each value shows its digit separator (1,234.56 or "
                     "1.234,56) and the connector reads it from the values themselves.",
}
REQUIRED_SETTINGS = {"api_token": "a personal access token: user menu → Manage API Keys",
                     "base_url": "the instance root, e.g. https://snipe.example.com"}
# What an absent optional setting means (the spec's defaults, written once: the spec's `default`s are what the form
# shows; a test keeps the two equal). start_date, date_display_format and ca_bundle have none: absent is
# "everything", "learned from the rows" and "the system's CAs".
SETTING_DEFAULTS: Dict[str, Any] = {
    "page_size": 500, "timezone": "UTC",
    "requests_per_minute": 120, "pages_in_flight": DEFAULT_PAGES_IN_FLIGHT, "num_workers": 4,
    "rate_limit_window_seconds": 60, "include_deleted": False, "always_full_refresh_streams": list,
}


class _ExplainedErrorsWithoutTraceback(logging.Filter):
    """A log line about an error the connector has put in words keeps the words, not the Python traceback.

    The CDK logs every exception it catches with its traceback: a check whose config is refused
    (``Encountered an error while discovering streams. Error: page_size must be ... Error traceback: ...``), a
    stream that fails (``Exception while syncing stream groups`` + traceback), the sync's last error (``FATAL`` +
    traceback). When the exception is an ``AirbyteTracedException`` with a message (every error this connector
    raises: a refused setting, an unreachable host, a refused token, a missing permission), that message is the
    answer and the traceback is the connector's own stack, of no use to the person who must act; it stays in the
    error trace message's ``stack_trace`` field for debugging. Any other exception (a bug) keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, AirbyteTracedException) and error.message:
            record.exc_info, record.exc_text = None, None
            if isinstance(record.msg, str) and "Error traceback:" in record.msg:  # CheckStream._log_error's layout
                record.msg = record.msg.split("Error traceback:", 1)[0].rstrip()
        return True


def _drop_tracebacks_of_explained_errors() -> None:
    # On the handlers: the CDK's records propagate from airbyte.<source> loggers to the root's console handler, and
    # a handler's filters see them all (a logger's own filters see only records logged on that logger).
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _ExplainedErrorsWithoutTraceback) for f in handler.filters):
            handler.addFilter(_ExplainedErrorsWithoutTraceback())


class _RowsWithoutCursorFilter(logging.Filter):
    """Drops the CDK's "Could not find cursor field `updated_at_datetime`" warning.

    Quirk: rows created outside Eloquent (imports, SQL) have ``"updated_at": null`` (and sometimes
    ``"created_at": null``): ``getFormattedDateObject('')`` renders null. The connector handles them on purpose:
    full reads and a first incremental read deliver them; later incremental reads do not, because the first edit
    of such a row gives it an ``updated_at`` and the next sync picks it up then. The CDK's cursor cannot know
    that and warned on every first sync of every stream, a warning nobody could act on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage() if record.args else str(record.msg)
        return not (message.startswith("Could not find cursor field `")
                    and message.split("`", 2)[1] in ("updated_at_datetime", "created_at_datetime"))


if not any(isinstance(f, _RowsWithoutCursorFilter) for f in LOGGER.filters):
    LOGGER.addFilter(_RowsWithoutCursorFilter())


class ReadProgress:
    """Per-stream progress of a read, logged at most every ``INTERVAL_SECONDS``.

    Quirk it relies on: every Snipe-IT list page carries ``total`` (``{"total": 20000, "rows": [...]}``), so rows
    read can be set against rows expected. A stream with extra passes (hardware: ``status=Archived``) has one
    total per pass; they are added. An incremental newest-first read stops early, so its estimate is an upper
    bound. Sample line: ``Stream hardware: 24 pages, 12000 of 20000 rows (60%), 1500 rows/s, about 5 s left``.
    license_seats (one list per license) reports pages and rows; its "of N" is only the latest license's.
    """

    INTERVAL_SECONDS = 5.0

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.pages = 0
        self.rows = 0
        self.totals: Dict[Any, int] = {}
        self.positions: Dict[Any, int] = {}  # per pass: the furthest offset read (each page re-reads one row)
        self.started: Optional[float] = None
        self.last_logged = 0.0
        self._lock = threading.Lock()

    def page(self, params: Mapping[str, Any], offset: int, total: Optional[int], rows: List[Any]) -> None:
        with self._lock:
            now = time.monotonic()
            if self.started is None:
                self.started = self.last_logged = now
            self.pages += 1
            key = tuple(sorted((k, str(v)) for k, v in params.items() if k not in ("sort", "order")))
            self.positions[key] = max(self.positions.get(key, 0), offset + len(rows))
            self.rows = sum(self.positions.values())
            if total is not None:
                self.totals[key] = total
            if self.pages < 2 or now - self.last_logged < self.INTERVAL_SECONDS:
                return  # the first page only starts the clock
            self.last_logged = now
            LOGGER.info(self.describe(now))

    def describe(self, now: float) -> str:
        elapsed = max(now - (self.started or now), 1e-6)
        rate = self.rows / elapsed
        expected = sum(self.totals.values())
        text = f"Stream {self.stream}: {self.pages} page{'s' if self.pages != 1 else ''}, {self.rows}"
        if expected:
            done = min(self.rows, expected)
            text += f" of {expected} rows ({100 * done // expected}%)"
        else:
            text += " rows"
        text += f", {rate:.0f} rows/s"
        if expected and rate > 0:
            text += f", about {max(expected - self.rows, 0) / rate:.0f} s left"
        return text


# --------------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------------


@dataclass
class SnipeItRateLimitBackoff(BackoffStrategy):
    """How long to wait after a 429.

    Quirk: Snipe-IT v8.1.4 answers ``429 {"status":"error","messages":"Too many requests","payload":null}``
    with no ``Retry-After`` and no rate headers; its limiter is a fixed window (60 s unless the instance
    changed it), so waiting one window always suffices. Newer versions send ``Retry-After``; absurd values
    (``367946340``) are capped rather than obeyed or treated as fatal. Returns None for other responses so
    the next strategy (exponential: 2, 4, 8 s) handles 5xx and connection errors.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    max_wait_seconds: float = 120.0

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.window_seconds = float(self.config.get("rate_limit_window_seconds") or 60)

    def backoff_time(self, response_or_exception: Any, attempt_count: int) -> Optional[float]:
        if not isinstance(response_or_exception, requests.Response) or response_or_exception.status_code != 429:
            return None
        retry_after = _retry_after_seconds(response_or_exception.headers.get("Retry-After"))
        wait = retry_after if retry_after is not None else self.window_seconds
        return max(1.0, min(wait, float(self.max_wait_seconds)))


def _server_second(response: requests.Response) -> Optional[str]:
    try:
        return parsedate_to_datetime(response.headers["Date"]).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (KeyError, TypeError, ValueError):
        return None


def _second_before(value: str) -> str:
    """``2025-01-01T00:00:00Z`` → ``2024-12-31T23:59:59Z``: an inclusive bound as a strict one (cursors are whole
    seconds in this format)."""
    try:
        parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return value
    return (parsed - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _retry_after_seconds(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
    except (TypeError, ValueError):
        return None


def _refuse_redirects(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """requests follows redirects by default. Snipe-IT redirects to /login when a token is refused and the
    request did not ask for JSON; following it would send the token on and parse a login page. Dropping the
    Location header makes the 3xx reach the error handler as it is."""
    if response.is_redirect:
        response.headers["X-Snipeit-Redirect-Location"] = response.headers.pop("Location", "")
    return response


def diagnose_connection(config: Mapping[str, Any], requester: Requester) -> Mapping[str, Any]:
    """``check`` only: one plain request to ``/users/me``, no retries, and an answer that names the usual causes.

    Quirk: ``/api/v1/users/me`` answers for every valid token, even one whose user has no permission at all
    (``{"id": 315, "username": "noperms", "permissions": {}, ...}``), while every list endpoint may answer 403. So
    this request tells "cannot reach", "TLS", "not Snipe-IT" and "token refused" apart within seconds (the CDK's
    retrying requester would spend a minute of backoff on an unreachable host and report a bare
    ``ConnectionError``); which streams the token can read is probed per stream afterwards
    (``SnipeItRetriever._check_readable``). Returns the token's user. A 401 fails with the declared
    requester's ``error_message`` (the manifest writes it once).
    """
    url = f"{config.get('api_url')}users/me"
    headers = {"Authorization": f"Bearer {config.get('api_token')}", "Accept": "application/json"}
    try:
        response = requests.get(url, headers=headers, timeout=15, allow_redirects=False,
                                verify=config.get("ca_bundle") or True)
    except requests.exceptions.SSLError as error:
        raise _config_error(_tls_problem(error, url))
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as error:
        raise _config_error(f"Cannot reach {_origin(url)[0]}: {_connection_cause(error, url)}. Check base_url (host "
                            "and port) and that this machine can reach the instance.")
    status = response.status_code
    if status == 401:
        raise refusal_of(requester, response, "check")
    if response.is_redirect or status in (301, 302, 303, 307, 308):
        location = _without_query(response.headers.get("Location") or response.headers.get("X-Snipeit-Redirect-Location"))
        raise _config_error(f"{url} redirects to {location}: the token was refused (Snipe-IT sends its login page), "
                            "or base_url is not the root of the Snipe-IT instance.")
    try:
        body = response.json()
    except ValueError:
        body = None
    if status >= 500 or status == 429:
        return {}  # a struggling server, not a wrong one: the retrying requester deals with it
    if status == 403:
        return {}  # the token was accepted; what it may read is probed stream by stream
    if status == 200 and isinstance(body, dict) and body.get("status") == "error":
        return {}  # Snipe-IT's own error envelope (an instance without /users/me): the token passed authentication
    if status == 404 or not isinstance(body, dict) or ("id" not in body and "rows" not in body):
        raise _config_error(f"{config.get('base_url')} does not look like a Snipe-IT instance: {url} answered HTTP "
                            f"{status} with {response.headers.get('Content-Type', 'no content type')}.")
    return body


def instance_version(config: Mapping[str, Any]) -> Optional[str]:
    """``check`` only: ``GET /api/v1/version`` → ``{"version": "v8.1.4"}`` (v7 the same); None if it cannot tell."""
    try:
        response = requests.get(f"{config.get('api_url')}version", timeout=15, allow_redirects=False,
                                headers={"Authorization": f"Bearer {config.get('api_token')}", "Accept": "application/json"},
                                verify=config.get("ca_bundle") or True)
        version = response.json().get("version") if response.status_code == 200 else None
    except (requests.exceptions.RequestException, ValueError, AttributeError):
        return None
    return str(version) if version else None


def describe_token_user(user: Mapping[str, Any]) -> str:
    """What ``check`` says of the token's user (``/users/me``): who it is and, for a user of a company who is not a
    superuser, what full multiple companies support does to the sync.

    Quirk: with full multiple companies support on, a non-superuser of company 2 reads only company 2's hardware,
    users, licenses and their seats, components and activity, and every row of the other lists; groups need a
    superuser. ``/users/me`` says the company (``{"company": {"id": 2, "name": "Schneider-Zemlak"}, ...}``) but not
    whether the setting is on, so the scope is said conditionally."""
    name = _unescape(str(user.get("username") or user.get("name") or user.get("id")))
    text = f"the token's Snipe-IT user is {name!r}"
    permissions = user.get("permissions") if isinstance(user.get("permissions"), Mapping) else {}
    superuser = str(permissions.get("superuser", "0")) == "1"
    company = user.get("company") if isinstance(user.get("company"), Mapping) else None
    if superuser:
        return text + " (a superuser: it reads every company's rows)."
    if company and company.get("name"):
        return (text + f", of company {_unescape(str(company['name']))!r} (id {company.get('id')}). If the instance has "
                "full multiple companies support on, hardware, users, licenses, license_seats, components and "
                "activity hold only that company's rows (the other streams hold every row): a sync with this token is "
                "that company's view, not the instance's.")
    return text + "."


def _short(error: Exception) -> str:
    text = str(error)
    reason = re.search(r"\] ([^'\")]+)", text) or re.search(r"(Name or service not known|Connection refused|certificate verify failed[^'\")]*)", text)
    return reason.group(1) if reason else text[:160]


def _origin(url: Optional[str]) -> Tuple[str, str, int]:
    """``(scheme://host[:port], host, port)`` of a URL, the port filled in from the scheme."""
    parts = urlsplit(url or "")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}{'' if parts.port is None else f':{parts.port}'}", host, port


def _connection_cause(error: Exception, url: Optional[str]) -> str:
    """Why no answer came, in words: DNS, refused, timeout, reset (never the request's headers)."""
    _, host, port = _origin(url)
    text = str(error)
    if isinstance(error, requests.exceptions.ConnectTimeout) or "connect timeout" in text.lower():
        return f"{host}:{port} did not accept a connection within 15 s (a firewall, or the wrong host)"
    if isinstance(error, requests.exceptions.ReadTimeout) or "Read timed out" in text:
        return f"{host}:{port} accepted the connection but sent nothing for 60 s"
    if re.search(r"Name or service not known|nodename nor servname|Temporary failure in name resolution|"
                 r"NameResolutionError|getaddrinfo failed|No address associated", text):
        return f"the host name '{host}' is unknown (DNS lookup failed)"
    if "Connection refused" in text or "Errno 111" in text:
        return f"the connection to {host}:{port} was refused (nothing listens there)"
    if re.search(r"Connection reset|Connection aborted|RemoteDisconnected|IncompleteRead|ChunkedEncodingError|"
                 r"Broken pipe", text) or isinstance(error, requests.exceptions.ChunkedEncodingError):
        return f"{host}:{port} closed the connection before the answer was complete"
    return _short(error)


def _tls_problem(error: Exception, url: Optional[str]) -> str:
    """A TLS failure's message: a plain-http server behind https:// is not a certificate problem."""
    origin, host, port = _origin(url)
    text = str(error)
    if re.search(r"WRONG_VERSION_NUMBER|wrong version number|record layer failure|http request|unknown protocol", text,
                 re.I):
        return (f"TLS failed for {origin}: {host}:{port} does not speak TLS (it answers plain HTTP there). If the "
                f"instance is served over http, write base_url with http://; otherwise check the port.")
    return (f"TLS verification failed for {origin}: {_short(error)}. If the instance uses an internal CA, set "
            "ca_bundle to its certificate file (PEM).")


class _Contact:
    """Whether the instance has answered anything yet in this sync (one per sync, shared by every requester).

    Before the first answer a connection that fails is the config's problem (wrong host or port, DNS, a firewall)
    and retrying it only delays the message; after it, a failure is the server's (restarting, overloaded) and is
    retried."""

    def __init__(self) -> None:
        self.answered = threading.Event()


# ==================================================================================================================
# CDK privates: the one place the connector reaches into the CDK's objects. Each requester's HTTP session
# (HttpRequester._http_client._session) gets a response hook and an adapter wrapper, because the CDK has no option
# for either: it follows redirects, lets REQUESTS_CA_BUNDLE override the configured CA, retries a TLS failure or a
# refused connection like a dropped one for a minute, and logs every retry of a user-defined backoff as
# "Rate limit exceeded".
# ==================================================================================================================

# Statuses the connector answers itself when no HTTP answer came; the manifest's error handler fails each at once
# with the header's message (config_error: 495, 598; transient_error: 599).
TLS_FAILED, NOT_REACHED, STOPPED_ANSWERING = 495, 598, 599
NO_ANSWER_HEADER = "X-Snipeit-No-Answer"
NO_ANSWER_RETRIES = 4  # after the first answer: 1 + 2 + 4 + 8 s of waiting before the sync gives up


def harden_requester(requester: Requester, config: Mapping[str, Any], contact: _Contact) -> None:
    """``_refuse_redirects`` on the requester's session and ``_answer_when_no_answer`` at its HTTPS and HTTP adapters."""
    session = getattr(getattr(requester, "_http_client", None), "_session", None)
    if session is None:
        return
    if _refuse_redirects not in session.hooks["response"]:
        session.hooks["response"].append(_refuse_redirects)
    ca_bundle = config.get("ca_bundle") or None
    if ca_bundle:
        session.verify = ca_bundle
    for prefix in ("https://", "http://"):
        adapter = session.get_adapter(prefix)
        if not getattr(adapter, "_snipeit_hardened", False):
            adapter.send = _answer_when_no_answer(adapter.send, ca_bundle, contact)  # type: ignore[method-assign]
            adapter._snipeit_hardened = True  # type: ignore[attr-defined]


def _answer_when_no_answer(send: Callable[..., requests.Response], ca_bundle: Optional[str],
                           contact: _Contact) -> Callable[..., requests.Response]:
    """The adapter's ``send``, where requests has the last word, with four changes:

    * a configured ``ca_bundle`` wins (requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override ``session.verify``;
      the CDK sends with ``verify=None``);
    * the body is read here, so a connection that breaks mid-body is handled like one that breaks before it;
    * a TLS failure, and before the sync's first answer any connection failure, is answered at once as 495 / 598
      with the cause in words (``Cannot reach http://127.0.0.1:9: the connection to 127.0.0.1:9 was refused``);
    * after the first answer a failed connection is retried here, logged as what it is, and after
      ``NO_ANSWER_RETRIES`` answered as 599 (``... stopped answering during the sync``).
    """

    def send_with_answer(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if ca_bundle:
            kwargs["verify"] = ca_bundle
        started, attempt = time.monotonic(), 0
        while True:
            try:
                response = send(request, **kwargs)
                contact.answered.set()  # an HTTP answer began: the host is right, whatever happens to the body
                if not kwargs.get("stream"):
                    response.content  # noqa: B018 - read now, inside the handling below
                return response
            except requests.exceptions.SSLError as error:
                return _no_answer(request, TLS_FAILED, _tls_problem(error, request.url))
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as error:
                origin = _origin(request.url)[0]
                cause = _connection_cause(error, request.url)
                if not contact.answered.is_set():
                    return _no_answer(request, NOT_REACHED, f"Cannot reach {origin}: {cause}. Check base_url (host "
                                      "and port) and that this machine can reach the instance.")
                attempt += 1
                if attempt > NO_ANSWER_RETRIES:
                    return _no_answer(request, STOPPED_ANSWERING, (
                        f"{origin} stopped answering during the sync: {cause} ({attempt} attempts over "
                        f"{time.monotonic() - started:.0f} s). The rows read before were delivered; the next sync "
                        "goes on from the last state."))
                wait = 2 ** (attempt - 1)
                LOGGER.warning(f"{origin} did not answer {_without_query(request.url)[len(origin):]}: {cause}. "
                               f"Retrying in {wait} s ({attempt} of {NO_ANSWER_RETRIES}).")
                time.sleep(wait)

    return send_with_answer


def _no_answer(request: requests.PreparedRequest, status: int, message: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.url = request.url or ""
    response.request = request
    response._content = b"{}"
    response.headers[NO_ANSWER_HEADER] = message
    return response



def declared_paging(paginator: Paginator) -> "SnipeItOffsetIncrement":
    """The declared paging rule: the paginator's strategy, or in a Connector Builder test read the strategy of the
    paginator the ``PaginatorTestReadDecorator`` wraps (it keeps it private: ``_decorated``)."""
    return getattr(paginator, "pagination_strategy", None) or getattr(paginator, "_decorated").pagination_strategy


def builder_page_limit(paginator: Paginator) -> Optional[int]:
    """The page limit a ``PaginatorTestReadDecorator`` enforces (private: ``_maximum_number_of_pages``); the
    Builder's ``__test_read_config`` carries the same number when it sends one."""
    return getattr(paginator, "_maximum_number_of_pages", None)



# ==================================================================================================================
# end of CDK privates
# ==================================================================================================================


class CheckReport:
    """What ``check`` learned of the token across the streams it tries, one after another.

    Quirk: a valid token of a user without any view permission is accepted (``/users/me`` answers it:
    ``{"id": 315, "username": "noperms", "permissions": {}}``) and every list answers 403. One readable stream makes
    the check SUCCEEDED with a warning per unreadable one; none readable means no sync can deliver a row: FAILED,
    naming the permissions to grant."""

    def __init__(self) -> None:
        self.user: Mapping[str, Any] = {}
        self.unreadable: Dict[str, str] = {}  # stream -> the permission Snipe-IT checks for it
        self._lock = threading.Lock()

    def cannot_read(self, stream: str, permission: str) -> None:
        with self._lock:
            self.unreadable[stream] = permission

    def fail_if_nothing_is_readable(self, checked: Iterable[str]) -> None:
        checked = list(checked)
        if not checked or any(stream not in self.unreadable for stream in checked):
            return
        needed: Dict[str, List[str]] = {}
        for stream in checked:
            needed.setdefault(self.unreadable[stream], []).append(stream)
        grants = "; ".join(f"{permission} ({', '.join(streams)})" for permission, streams in needed.items())
        who = describe_token_user(self.user) if self.user else "the token's user"
        raise _config_error(f"The token can read none of the {len(checked)} streams, so no sync could deliver a row: "
                            f"{who[0].upper() + who[1:]} Grant that user these permissions (Admin → Users → "
                            f"Permissions, or a group): {grants}; or use the token of a user who has them.")


class RequestPacer:
    """Keeps one sync (all its streams and threads) under the instance's request budget, counted with every other
    client of the same token.

    Quirk: Snipe-IT's limiter allows ``API_THROTTLE_PER_MINUTE`` (120) requests per *user* in a fixed window
    that opens at the first request; the 121st gets a 429 with no ``Retry-After`` and the rest of the window
    is lost. Every answer tells what is left (``X-RateLimit-Limit: 120``, ``X-RateLimit-Remaining: 88``), counting
    every client of that user: a sync that starts right after another one, or while a script uses the API.

    The pacer keeps a log of requests and never has more than the budget in it. A request is counted by the
    server when a PHP worker takes it, which may be long after it was sent (the workers are busy) but never after
    its answer arrived; so a request stays in the log while it is in flight and for a window (plus a second of
    margin) after its answer. Whatever window the server counts it in has closed by then, however long it queued.

    From each answer the log is set to what the server counts plus what the server may have counted since:
    requests spent by others are added (timestamped now, so they expire no earlier than the server forgets them),
    and when the server reports a new window the requests it no longer counts are dropped. "May have counted
    since" is every request sent after this one, and every one still in flight when it was sent: threads read
    their answers in any order, and an answer overtaken by a later one reports a count that is already stale
    (it is not a new window). One request of the server's limit is always left unspent, so the first request of
    the next sync, sent before it can know what is left, never meets a 429.
    """

    MARGIN_SECONDS = 1.0

    def __init__(self, requests_per_minute: int, window_seconds: float = 60.0) -> None:
        self.configured_budget = max(1, requests_per_minute)
        self.budget = self.configured_budget
        self.window_seconds = window_seconds
        # Answered requests still counted against the budget (ours and other clients'), by answer time;
        # the _in_flight requests count too, until their answer.
        self._sent: Deque[float] = deque()
        self._own: Deque[float] = deque()  # ours alone (answered; with _in_flight: all ours the server may count)
        self._in_flight = 0
        self._answered = 0  # our requests answered (or failed) so far
        self._lock = threading.Lock()
        self.requests_sent = 0

    def _expire(self, now: float) -> None:
        horizon = now - self.window_seconds - self.MARGIN_SECONDS
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()
        while self._own and self._own[0] <= horizon:
            self._own.popleft()

    def _counted(self) -> int:
        return len(self._sent) + self._in_flight

    def wait_for_slot(self) -> int:
        """Blocks until a request may be sent; each call must be followed by :meth:`release` (and, with its
        answer, :meth:`observe`). Returns the request's ticket: how many were answered when it was sent."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._expire(now)
                if self._counted() < self.budget:
                    self.requests_sent += 1
                    self._in_flight += 1
                    return self._answered
                # the oldest answered request leaves the log first; with none, an answer frees a slot
                wait = self._sent[0] + self.window_seconds + self.MARGIN_SECONDS - now if self._sent else 0.05
            time.sleep(max(wait, 0.01))

    def release(self) -> None:
        """The request of a :meth:`wait_for_slot` has been answered (or failed)."""
        with self._lock:
            now = time.monotonic()
            self._in_flight = max(0, self._in_flight - 1)
            self._answered += 1
            self._sent.append(now)  # the server counted it no later than now (if at all)
            self._own.append(now)

    def observe(self, response: requests.Response, ticket: int) -> None:
        """Follow what the server counts: call with each answer and its request's ticket, before :meth:`release`."""
        remaining = _header_int(response, "X-RateLimit-Remaining")
        if remaining is None:
            return
        limit = _header_int(response, "X-RateLimit-Limit")
        with self._lock:
            now = time.monotonic()
            self._expire(now)
            # Ours the server may have counted after this answer's count: every request sent after this one, and
            # every one in flight when it was sent (answered since or not). Perhaps counted already: then twice.
            since = max(0, self.requests_sent - ticket - 1)
            own = len(self._own) + self._in_flight
            if limit:
                self.budget = max(1, min(self.configured_budget, limit - 1))
                target = limit - remaining + since
                # The server counts more than we sent in a whole window: another client spends this user's budget.
                spent_by_others = limit - remaining > own
            elif remaining == 0:
                target, spent_by_others = self.budget, True  # no limit header: wait out the window someone spent
            else:
                return
            while spent_by_others and self._counted() < min(target, self.budget):
                self._sent.append(now)  # requests of the other client, expiring no earlier than the server forgets them
            # A new server window: it forgot requests we still count. Only when the server's limit is the one
            # that binds (a lower requests_per_minute is the user's own cap, kept as a sliding window).
            if limit and self.configured_budget >= limit - 1:
                while self._sent and self._counted() > max(target, 0):
                    self._sent.popleft()


def _header_int(response: requests.Response, name: str) -> Optional[int]:
    value = (response.headers.get(name) or "").strip()
    return int(value) if value.isdigit() else None


_M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


@functools.lru_cache(maxsize=None)
def limit_malloc_arenas(arenas: int = 2) -> bool:
    """At most ``arenas`` glibc malloc arenas in this process, unless the environment sets ``MALLOC_ARENA_MAX``.

    Why: a sync reads in threads (the CDK's partition workers, each stream's read-ahead), and glibc gives a thread
    that allocates while another holds the lock an arena of its own (up to eight per core); the 500-row pages
    freed there stay mapped in it. A 100,000-asset hardware read peaked at 151–154 MB with the default and at
    131–133 MB with two arenas, in the same wall time (14.5–14.9 s, `benchmarks/run.py` section 4 measures it).
    No-op where there is no glibc ``mallopt`` (musl, macOS), and not called in a Connector Builder test read, whose
    process serves other connectors too. Returns whether the limit was set.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        return bool(ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


class SyncContext:
    """What the streams of one sync share: the request pacer, the first request, the sync-ending error, whether the
    instance has answered, the instance's date display format and clock, and what ``check`` learned.

    Why a registry: the CDK builds each declared component from the config alone and hands none of them a
    reference to another, so the config dict is the one thing they all receive. :class:`SnipeItConfigNormalizer`
    writes a token into it (``__snipeit_sync``, a random hex string) and every component finds its sync's context
    by that token. The registry keeps the last ``LIMIT`` syncs of this process (a scheduler running syncs in one
    process, a test suite) and :meth:`reset` empties it.
    """

    TOKEN_KEY = "__snipeit_sync"
    LIMIT = 8
    _contexts: "OrderedDict[str, SyncContext]" = OrderedDict()
    _contexts_lock = threading.Lock()

    def __init__(self, config: Mapping[str, Any]) -> None:
        if "__command" not in config:  # not inside the Connector Builder's server, a process that is not ours
            limit_malloc_arenas()  # before the sync's threads start
        self.config = config
        self.pacer = RequestPacer(int(config.get("requests_per_minute") or SETTING_DEFAULTS["requests_per_minute"]),
                                  float(config.get("rate_limit_window_seconds") or SETTING_DEFAULTS["rate_limit_window_seconds"]))
        self.contact = _Contact()
        self.check_report = CheckReport()
        self.clock = ServerClock(self)
        # Set when the instance refused the token (401, redirect to login, wrong URL) or cannot be reached: every
        # stream of the sync fails at once with this message instead of each sending its own doomed request.
        self.fatal_error: Optional[str] = None
        self._first_request_claimed = False
        self._first_request_done = threading.Event()
        self._lock = threading.Lock()
        self._dates: Optional[DateDisplayFormat] = None
        self._diagnosed = False

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> "SyncContext":
        with cls._contexts_lock:
            token = config.get(cls.TOKEN_KEY)
            if not isinstance(token, str):
                token = uuid.uuid4().hex
                if isinstance(config, MutableMapping):
                    config[cls.TOKEN_KEY] = token
            context = cls._contexts.get(token)
            if context is None:
                context = cls._contexts[token] = cls(config)
                while len(cls._contexts) > cls.LIMIT:
                    cls._contexts.popitem(last=False)
            cls._contexts.move_to_end(token)
            return context

    @classmethod
    def reset(cls) -> None:
        """Forget every sync's context (the next component of each builds a new one)."""
        with cls._contexts_lock:
            cls._contexts.clear()

    @property
    def dates(self) -> "DateDisplayFormat":
        """The instance's date display format: configured (an unknown one is a config error, named) or learned."""
        with self._lock:
            if self._dates is None:
                self._dates = DateDisplayFormat(self.config.get("date_display_format") or None)
            return self._dates

    def _claim_first_request(self) -> bool:
        """The sync's very first request goes alone; the other streams wait for its answer, so a refused token
        costs one request and one error, not one per stream running in parallel (and the budget is known from the
        server's headers before the others start)."""
        with self._lock:
            if not self._first_request_claimed:
                self._first_request_claimed = True
                return True
        self._first_request_done.wait()
        return False

    @contextmanager
    def request_slot(self, stream: str) -> Iterator[int]:
        """A slot of the sync's request budget, after its first request; yields the pacer's ticket (for observe)."""
        first = self._claim_first_request()
        try:
            if self.fatal_error:
                raise _config_error(f"Stream {stream} was not read: {self.fatal_error}")
            ticket = self.pacer.wait_for_slot()
            try:
                yield ticket
            finally:
                self.pacer.release()
        finally:
            if first:
                self._first_request_done.set()

    def send(self, requester: Requester, stream: str, request_params: Mapping[str, Any],
             partition: Optional[Mapping[str, Any]] = None,
             log_formatter: Optional[Callable[[requests.Response], Any]] = None) -> requests.Response:
        """One request through a declared requester, inside the budget. A refusal the error handler hands back
        (``IGNORE``: on ``FAIL`` the CDK would log the response headers, ``Set-Cookie: snipeit_session=...``) is
        raised as its type (:func:`refusal_of`); one that ends the sync is remembered for every other stream."""
        with self.request_slot(stream) as ticket:
            response = requester.send_request(
                stream_state={}, stream_slice=StreamSlice(partition=partition or {}, cursor_slice={}),
                next_page_token=None, request_params=request_params, log_formatter=log_formatter)
            if response is not None:
                self.pacer.observe(response, ticket)
        if response is None:
            raise AirbyteTracedException(message=f"Stream {stream}: Snipe-IT gave no response.",
                                         failure_type=FailureType.transient_error)
        if response.status_code >= 300:
            refusal = refusal_of(requester, response, stream)
            if refusal.ends_sync:
                with self._lock:
                    self.fatal_error = self.fatal_error or refusal.message
            raise refusal
        return response

    def diagnose(self, requester: Requester) -> None:
        """``check``: once per sync, before its first page, one plain request that names the cause of a failure
        (:func:`diagnose_connection`), then the instance's version and the token's user, logged."""
        with self._lock:
            if self._diagnosed or self.fatal_error:
                return  # a failed diagnosis: the stream's request fails with its message
        self.dates  # noqa: B018 - an unknown date_display_format is a config error, named before any request
        try:
            user = diagnose_connection(self.config, requester)
        except AirbyteTracedException as error:
            self.fatal_error = error.message
            raise
        with self._lock:
            self._diagnosed = True
        version = instance_version(self.config)
        self.check_report.user = user
        LOGGER.info(f"Connected to {self.config.get('base_url')}, Snipe-IT {version or '(version not told)'}"
                    + (f"; {describe_token_user(user)}" if user else "."))


# --------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------

_NAIVE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DROPPED_KEYS = frozenset(("formatted", "available_actions"))
_MAX_NAMES = 4096  # column names a RecordNormalizer keeps per prefix


# Laravel's e() (htmlspecialchars, ENT_QUOTES) writes exactly these five entities. A string holding no other
# "&" is unescaped by plain replaces, "&amp;" last so "&amp;lt;" stays "&lt;" (one pass, as html.unescape does);
# anything else ("&nbsp;", "&#39;", "&copy" without ";") goes to html.unescape.
_NOT_E_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|#039);)")


def _unescape(value: str) -> str:
    if "&" not in value:
        return value
    if _NOT_E_ENTITY.search(value) is None:
        return (value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                .replace("&#039;", "'").replace("&amp;", "&"))
    return html.unescape(value)


def _unescape_deep(value: Any) -> Any:
    if isinstance(value, str):
        return _unescape(value)
    if isinstance(value, list):
        return [_unescape_deep(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescape_deep(v) for k, v in value.items() if k not in _DROPPED_KEYS}
    return value


# --- Markdown the user typed, from the HTML Parsedown made of it -----------------------------------------

# Entities: in text Parsedown 1.7.4 writes "&amp;" "&lt;" "&gt;" "&quot;" for a typed & < > " (inlineSpecialCharacter)
# but leaves an entity the user typed untouched, so a typed "A&B" and a typed "A&amp;B" both arrive as "A&amp;B", and
# "&lt;" as a typed "<" or a typed "&lt;". One reading is chosen, the one people type: "&amp;" is "&" ("R&D", "A&B",
# "Q&A"), "&lt;" is "<" (a literal entity typed into a note is the rare case, and comes back as its character). Any
# other entity ("&#039;", "&nbsp;") was typed by the user, as Parsedown writes none in text: it stays as typed. In
# attribute values and code spans everything is escaped, so there every entity is decoded.
_MD_ENTITY_CHARS = {"amp": "&", "lt": "<", "gt": ">", "quot": '"'}
_MD_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "del": "~~", "s": "~~"}  # the same mark opens and closes
_MD_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Only text() writes these: once one is seen, runs of blank lines are the layout between its blocks.
_MD_BLOCKS = frozenset(("p", "ul", "ol", "li", "blockquote", "pre", "table", "div") + _MD_HEADINGS)


class _ParsedownLineToMarkdown(HTMLParser):
    """Turns the inline HTML of Parsedown 1.7.4's ``line()`` (safe mode) back into the Markdown the user typed.

    Quirk: Snipe-IT stores notes as the Markdown the user typed and its API sends them rendered
    (``Helper::parseEscapedMarkedownInline``): ``**Paid** & [the PO](http://example.com/?a=1&b=2)`` arrives as
    ``"notes": "<strong>Paid</strong> &amp; <a href=\\"http://example.com/?a=1&amp;b=2\\">the PO</a>"``. Stripping the
    tags loses the URL and the emphasis; this writes the Markdown back: strong ``**``, em ``*``, ``~~del~~``,
    ``[text](url "title")`` (a bare URL when the text is the URL), ``<mail@host>``, inline ``code``, ``![alt](src)``
    and ``<br />`` as two trailing spaces. Entities as described above ``_MD_ENTITY_CHARS``.

    Quirk of bare URLs: Parsedown autolinks a typed ``https://example.org/auto?q=a&b=c`` (``inlineUrl``) into a link
    whose text is the URL escaped like any text and whose href is escaped as an attribute: ``<a
    href="https://example.org/auto?q=a&amp;b=c">https://example.org/auto?q=a&amp;b=c</a>``. Both decode to the same
    URL, so the bare URL the database holds is written back (captures/real-snipeit/fmcs-mdY/hardware_autolink_note).

    Built on the standard library's ``html.parser`` on purpose: the manifest-only runtime installs only
    airbyte-cdk, so a third-party converter (markdownify, html2text) cannot be imported by this file, and neither
    knows Parsedown's entity rule.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: List[List[str]] = [[]]  # a stack of buffers: a link's text is collected before it is written
        self.links: List[Tuple[str, Optional[str]]] = []
        self.code = 0
        self.pre = 0  # opened by the block subclass; inside it, as inside <code>, every entity is an escape

    def _write(self, text: str) -> None:
        self.out[-1].append(text)

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        if tag in _MD_INLINE:
            self._write(_MD_INLINE[tag])
        elif tag in self._START:
            self._START[tag](self, tag, {k: v or "" for k, v in attrs})

    def handle_startendtag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _MD_INLINE:
            self._write(_MD_INLINE[tag])
        elif tag in self._END:
            self._END[tag](self, tag)

    def _start_link(self, tag: str, attributes: Dict[str, str]) -> None:
        self.links.append((attributes.get("href", ""), attributes.get("title")))
        self.out.append([])

    def _end_link(self, tag: str) -> None:
        if not self.links:
            return
        href, title = self.links.pop()
        text = "".join(self.out.pop())
        if title:
            self._write(f'[{text}]({href} "{title}")')
        elif href == text:
            self._write(text)  # a bare URL (or <URL>) the user typed
        elif href == "mailto:" + text:
            self._write(f"<{text}>")
        else:
            self._write(f"[{text}]({href})")

    def _start_code(self, tag: str, attributes: Dict[str, str]) -> None:
        self.code += 1
        language = next((c[len("language-"):] for c in (attributes.get("class") or "").split()
                         if c.startswith("language-")), "")
        if not self.pre:
            self._write("`")
        elif language and self.out[-1] and self.out[-1][-1] == "```\n":
            self.out[-1][-1] = f"```{language}\n"  # Parsedown: <pre><code class="language-sh">

    def _end_code(self, tag: str) -> None:
        self.code = max(0, self.code - 1)
        if not self.pre:
            self._write("`")

    def _start_image(self, tag: str, attributes: Dict[str, str]) -> None:
        title = attributes.get("title")
        self._write(f"![{attributes.get('alt', '')}]({attributes.get('src', '')}"
                    + (f' "{title}"' if title else "") + ")")

    def _start_line_break(self, tag: str, attributes: Dict[str, str]) -> None:
        self._write("  ")

    _START: Dict[str, Callable[..., None]] = {"a": _start_link, "code": _start_code, "img": _start_image,
                                              "br": _start_line_break}
    _END: Dict[str, Callable[..., None]] = {"a": _end_link, "code": _end_code}

    def handle_data(self, data: str) -> None:
        self._write(data)

    def handle_entityref(self, name: str) -> None:
        if self.code or self.pre:
            self._write(html.unescape(f"&{name};"))
        elif name in _MD_ENTITY_CHARS:
            self._write(_MD_ENTITY_CHARS[name])
        else:
            self._write(f"&{name};")  # typed by the user: Parsedown writes no other entity

    def handle_charref(self, name: str) -> None:
        self._write(html.unescape(f"&#{name};") if self.code or self.pre else f"&#{name};")

    def markdown(self) -> str:
        while len(self.out) > 1:  # an unclosed <a> or <blockquote>: keep its text
            text = "".join(self.out.pop())
            self._write(text)
        return "".join(self.out[0]).strip("\n")


class _ParsedownToMarkdown(_ParsedownLineToMarkdown):
    """Adds the block elements of Parsedown's full ``text()`` to :class:`_ParsedownLineToMarkdown`.

    Quirk: category ``eula`` is rendered with ``text()``, not ``line()``: ``"eula": "<h2>Terms</h2>\\n<ul>\\n<li>Keep
    it <em>safe</em></li>\\n</ul>\\n<pre><code class=\\"language-sh\\">ls\\n</code></pre>"`` is written back as
    paragraphs, ``-`` / ``1.`` lists, ``#`` headings, ``>`` quotes, fenced code and ``---``. Parsedown puts a newline
    between block tags: that is layout, dropped, and blank lines between blocks are at most one.
    """

    def __init__(self) -> None:
        super().__init__()
        self.lists: List[List[Any]] = []  # [tag, next number]
        self.quote = 0
        self.blocks = False  # a block tag was seen: text() output

    def _block_break(self) -> None:
        text = "".join(self.out[-1])
        if text.strip("\n") and not text.endswith("\n\n"):
            self.out[-1].append("\n" if self.lists or text.endswith("\n") else "\n\n")

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        self.blocks = self.blocks or tag in _MD_BLOCKS
        super().handle_starttag(tag, attrs)

    def _start_pre(self, tag: str, attributes: Dict[str, str]) -> None:
        self._block_break()
        self.pre += 1
        self._write("```\n")

    def _end_pre(self, tag: str) -> None:
        self.pre = max(0, self.pre - 1)
        if not "".join(self.out[-1]).endswith("\n"):
            self._write("\n")
        self._write("```")

    def _start_list(self, tag: str, attributes: Dict[str, str]) -> None:
        self._block_break()
        start = attributes.get("start")
        self.lists.append([tag, int(start) if start and start.isdigit() else 1])

    def _end_list(self, tag: str) -> None:
        if self.lists:
            self.lists.pop()
            if not self.lists:
                self._block_break()

    def _start_item(self, tag: str, attributes: Dict[str, str]) -> None:
        if self.out[-1] and not "".join(self.out[-1]).endswith("\n"):
            self._write("\n")
        indent = "   " * (len(self.lists) - 1)
        if self.lists and self.lists[-1][0] == "ol":
            self._write(f"{indent}{self.lists[-1][1]}. ")
            self.lists[-1][1] += 1
        else:
            self._write(f"{indent}- ")

    def _start_quote(self, tag: str, attributes: Dict[str, str]) -> None:
        self._block_break()
        self.quote += 1
        self.out.append([])

    def _end_quote(self, tag: str) -> None:
        if self.quote:
            self.quote -= 1
            inner = "".join(self.out.pop()).strip("\n")
            self._write("\n".join(("> " + line) if line else ">" for line in inner.split("\n")))
            self._block_break()

    def _start_heading(self, tag: str, attributes: Dict[str, str]) -> None:
        self._block_break()
        self._write("#" * int(tag[1]) + " ")

    def _start_paragraph(self, tag: str, attributes: Dict[str, str]) -> None:
        if not self.lists:  # a loose list item's <p>: the item marker is already written
            self._block_break()

    def _start_rule(self, tag: str, attributes: Dict[str, str]) -> None:
        self._block_break()
        self._write("---")

    def _end_block(self, tag: str) -> None:
        self._block_break()

    _START = {**_ParsedownLineToMarkdown._START, "pre": _start_pre, "ul": _start_list, "ol": _start_list,
              "li": _start_item, "blockquote": _start_quote, "p": _start_paragraph, "hr": _start_rule,
              **dict.fromkeys(_MD_HEADINGS, _start_heading)}
    _END = {**_ParsedownLineToMarkdown._END, "pre": _end_pre, "ul": _end_list, "ol": _end_list,
            "blockquote": _end_quote, **dict.fromkeys(("p",) + _MD_HEADINGS, _end_block)}

    def handle_data(self, data: str) -> None:
        if (self.lists or self.quote) and "\n" in data and not data.strip() and not self.pre:
            return  # the newlines text() writes between block tags
        super().handle_data(data)

    def markdown(self) -> str:
        text = super().markdown()
        return re.sub(r"\n{3,}", "\n\n", text) if self.blocks else text


def _html_to_markdown(value: str) -> str:
    """A Parsedown-rendered field (``notes``) back to the Markdown the user typed (see _ParsedownToMarkdown)."""
    if "<" not in value:  # no element: only Parsedown's entities (most notes); "&amp;" last: one pass
        return value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&") \
            if "&" in value else value
    parser = _ParsedownToMarkdown()
    parser.feed(value)
    parser.close()
    return parser.markdown()


# --- The instance's date display format ------------------------------------------------------------------

# Snipe-IT's Admin → Settings → Localization offers these (resources/macros/macros.php), as PHP date() codes.
DATE_DISPLAY_FORMATS = ("Y-m-d", "D M d, Y", "M j, Y", "d M, Y", "m/d/Y", "n/d/y", "d/m/Y", "d.m.Y", "Y.m.d.")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PHP_PATTERNS = {"Y": r"(?P<Y>\d{4})", "y": r"(?P<y>\d{2})", "m": r"(?P<m>\d{2})", "n": r"(?P<n>\d{1,2})",
                 "d": r"(?P<d>\d{2})", "j": r"(?P<j>\d{1,2})", "D": r"(?P<D>[A-Z][a-z]{2})", "M": r"(?P<M>[A-Z][a-z]{2})"}


def _php_date(fmt: str, day: date) -> str:
    """``date($fmt)`` of PHP for the codes the nine display formats use (English names, as PHP writes them)."""
    parts = {"Y": f"{day.year:04d}", "y": f"{day.year % 100:02d}", "m": f"{day.month:02d}", "n": str(day.month),
             "d": f"{day.day:02d}", "j": str(day.day), "D": _DAY_NAMES[day.weekday()], "M": _MONTH_NAMES[day.month - 1]}
    return "".join(parts.get(c, c) for c in fmt)


_PHP_REGEXES = {fmt: re.compile("^" + "".join(_PHP_PATTERNS.get(c, re.escape(c)) for c in fmt) + "$")
                for fmt in DATE_DISPLAY_FORMATS}


def _parse_php_date(fmt: str, text: str) -> Optional[str]:
    """The ``YYYY-MM-DD`` a value written in ``fmt`` stands for, or None. Two-digit years (``n/d/y``) read as PHP
    reads them: 70-99 → 19xx, 00-69 → 20xx. A day name must match the date (``Tue Jan 15, 2030``)."""
    match = _PHP_REGEXES[fmt].match(text)
    if not match:
        return None
    parts = match.groupdict()
    year = int(parts["Y"]) if parts.get("Y") else (lambda y: y + (1900 if y >= 70 else 2000))(int(parts["y"]))
    if parts.get("M"):
        if parts["M"] not in _MONTH_NAMES:
            return None
        month = _MONTH_NAMES.index(parts["M"]) + 1
    else:
        month = int(parts.get("m") or parts.get("n") or 0)
    try:
        day = date(year, month, int(parts.get("d") or parts.get("j") or 0))
    except ValueError:
        return None
    if parts.get("D") and parts["D"] != _DAY_NAMES[day.weekday()]:
        return None
    return day.isoformat()


class DateDisplayFormat:
    """Which of Snipe-IT's nine date display formats the instance uses, learned from the rows themselves.

    Quirk: custom fields of format DATE arrive only as the instance displays dates (``"Tue Jan 15, 2030"``;
    ``Helper::getFormattedDateObject($value, 'date', false)``), not as the ``YYYY-MM-DD`` stored. Every row also
    carries ``{"date": "2024-01-10", "formatted": "Wed Jan 10, 2024"}`` and ``{"datetime": ..., "formatted": ...}``
    objects in the same format; each pair rules out the formats that would have written it differently, so after a
    row or two one format is left (``D M d, Y`` here). Until then the config's ``date_display_format`` decides, and
    without it a value is converted only when every format still possible reads it as the same date: ``03/04/2030``
    while ``m/d/Y`` and ``d/m/Y`` are both possible is never guessed; it stays verbatim in ``_snipeit_unparsed``.
    One instance per sync (:attr:`SyncContext.dates`): the format is instance-wide.
    """

    def __init__(self, configured: Optional[str] = None) -> None:
        if configured is not None and configured not in DATE_DISPLAY_FORMATS:
            raise _config_error(f"date_display_format '{configured}' is not one of Snipe-IT's date display formats: "
                                f"use one of {', '.join(DATE_DISPLAY_FORMATS)} (Admin → Settings → Localization).")
        self.configured = configured
        self.candidates: Tuple[str, ...] = DATE_DISPLAY_FORMATS
        self.learned: Optional[str] = None  # set once the rows leave exactly one format
        self._lock = threading.Lock()
        self._warned: set = set()

    def learn(self, pair: Mapping[str, Any]) -> None:
        """One ``{date|datetime, formatted}`` object of a row."""
        formatted = pair.get("formatted")
        raw = pair.get("date") or pair.get("datetime")
        if not isinstance(formatted, str) or not isinstance(raw, str) or len(raw) < 10:
            return
        try:
            day = date.fromisoformat(raw[:10])
        except ValueError:
            return
        if "date" in pair:
            keep = tuple(f for f in self.candidates if _php_date(f, day) == formatted)
        else:  # "<date format> <time format>"
            keep = tuple(f for f in self.candidates if formatted.startswith(_php_date(f, day) + " "))
        if not keep or keep == self.candidates:
            return  # nothing new, or a format outside the nine (then the config decides)
        with self._lock:
            self.candidates = tuple(f for f in self.candidates if f in keep) or self.candidates
            if len(self.candidates) == 1:
                self.learned = self.candidates[0]
                if self.configured and self.configured != self.learned:
                    self.warn_once("conflict", f"date_display_format is '{self.configured}' but the instance's "
                                                f"rows are written '{self.learned}'; using '{self.learned}'.")

    def parse(self, text: str) -> Tuple[Optional[str], Optional[str]]:
        """``(YYYY-MM-DD, None)``, or ``(None, why)`` when the value cannot be read without guessing."""
        if self.learned:
            formats: Tuple[str, ...] = (self.learned,)
        elif self.configured and self.configured in self.candidates:
            formats = (self.configured,)
        else:
            formats = self.candidates
        readings = {f: r for f in formats for r in (_parse_php_date(f, text),) if r}
        if not readings and _DATE.match(text) and _valid_date(text):
            return text, None  # already YYYY-MM-DD (older versions, or the API's own date objects)
        dates = set(readings.values())
        if len(dates) == 1:
            return dates.pop(), None
        if not dates:
            return None, None
        return None, (f"'{text}' reads as different dates in the display formats still possible "
                      f"({', '.join(sorted(readings))}); set date_display_format to the instance's format.")

    def warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            LOGGER.warning(message)


# --- Typed columns -----------------------------------------------------------------------------------------

_FAIL = object()  # no lossless conversion: null in the column, the value in _snipeit_unparsed
_MONTHS = re.compile(r"^(-?\d+)(?:\s+\D+)?$")
# Value types a column of each kind takes as they are; type() is exact, so a bool is not an integer here.
_NATIVE_TYPES = {"string": frozenset((str,)), "integer": frozenset((int,)), "number": frozenset((int, float)),
                 "boolean": frozenset((bool,)), "object": frozenset((dict,)), "date": frozenset(),
                 "date-time": frozenset(), "months": frozenset((int,)), "plain_number": frozenset((int, float))}


def _column_kind(prop: Mapping[str, Any]) -> str:
    types = prop.get("type", "string")
    types = [types] if isinstance(types, str) else [t for t in types if t != "null"]
    kind = types[0] if types else "string"
    if kind == "string" and prop.get("format") in ("date", "date-time"):
        return prop["format"]
    if kind == "integer" and prop.get("x-snipeit-unit") == "months":
        return "months"  # "36 months" / "None"
    if kind == "number" and prop.get("x-snipeit-number") == "plain":
        return "plain_number"  # "1234.56" whatever the instance's number format (purchase_cost_numeric)
    return kind


# Money as Helper::formatCurrencyOutput prints it: number_format($cost, 2, <decimal>, <thousands>), always two decimals,
# "1,234.56" or "1.234,56" (Admin → Settings → digit separator; the only two). The two decimals tell the separator of
# each value on its own: "1.856,10", "0,50", "16,98", "2,499.00", "880,05". A plain digit string ("1500", older
# imports) has no separator to read. Anything else ("12.5", "1,234", "1 234,56") fits neither and is not guessed.
_MONEY_POINT = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}")
_MONEY_COMMA = re.compile(r"-?(?:\d{1,3}(?:\.\d{3})+|\d+),\d{2}")
_PLAIN_INTEGER = re.compile(r"-?\d+")


def _money(value: str) -> Any:
    """``"1.856,10"`` → 1856.1, ``"2,499.00"`` → 2499.0, ``""`` → None; ``_FAIL`` for a value that fits neither format."""
    text = value.strip()
    if not text:
        return None
    separator = text[-3:-2]
    if separator == "." and _MONEY_POINT.fullmatch(text):
        return float(text.replace(",", ""))
    if separator == "," and _MONEY_COMMA.fullmatch(text):
        return float(text.replace(".", "").replace(",", "."))
    if _PLAIN_INTEGER.fullmatch(text):
        return float(text)
    return _FAIL


class ColumnConverter:
    """Converts a value to its column's type, by the column's kind in the stream's JSON schema (:func:`_column_kind`).

    Quirk: Snipe-IT's transformers send many values as the instance displays them, not as stored: money in the
    instance's digit separator (``"purchase_cost": "1,234.56"``, or ``"1.234,56"``, always two decimals: each value
    tells its separator, :func:`_money`), timestamps naive in the app's time
    zone (``"updated_at": {"datetime": "2024-05-01 09:12:03", "formatted": "Wed May 01, 2024 9:12AM"}``: flattened to
    ``updated_at_datetime``, written as ISO-8601 UTC), counts as strings (departments ``"users_count": "5"``),
    lifetimes as words (models ``"eol": "36 months"``, ``"None"`` when unset), booleans as ``0``/``1`` and null as
    ``""`` (``e(null)``). A value with no lossless conversion comes back as ``_FAIL``: the caller writes null
    and keeps it verbatim in ``_snipeit_unparsed``, and :meth:`warn` says so once per stream and column.
    """

    def __init__(self, kinds: Mapping[str, str], config: Mapping[str, Any], stream_name: str) -> None:
        self.kinds = kinds
        self.stream_name = stream_name
        tz_name = str(config.get("timezone") or "UTC")
        self.tz = None if tz_name in ("UTC", "Etc/UTC", "Z") else ZoneInfo(tz_name)
        self._warned: set = set()
        # Per column, the value types that already are the column's type: everything else is converted.
        self.native_types = {k: _NATIVE_TYPES[v] for k, v in kinds.items() if v in _NATIVE_TYPES}
        self.converted_from_str = frozenset(k for k, v in self.native_types.items() if str not in v)
        # The kind is looked up once per column here, not once per value.
        by_kind = {"date-time": self._datetime, "months": self._months, "plain_number": self._plain_number,
                   "string": self._string, "integer": self._integer, "number": self._number,
                   "boolean": self._boolean, "date": self._date, "object": self._object}
        self.by_column: Dict[str, Callable[[Any], Any]] = {k: by_kind.get(v, _as_is) for k, v in kinds.items()}

    def warn(self, column: str, value: Any) -> None:
        if column not in self._warned:
            self._warned.add(column)
            kind = self.kinds.get(column)
            hint = " (Snipe-IT sends money as 1,234.56 or 1.234,56, with two decimals)" if kind == "number" else ""
            LOGGER.warning(
                f"Stream {self.stream_name}: column {column} got {str(value)[:80]!r}, which is not a valid "
                f"{kind}{hint}; it is written as null and kept verbatim in _snipeit_unparsed."
            )

    def _datetime(self, value: Any) -> Any:
        if not isinstance(value, str):
            return _FAIL
        if value == "":
            return None
        if not _NAIVE_DATETIME.match(value):
            return _FAIL
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return _FAIL
        if self.tz is None:
            return value[:10] + "T" + value[11:] + "Z"
        return parsed.replace(tzinfo=self.tz).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    @staticmethod
    def _months(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text in ("", "None"):  # models without an EOL: "None"
                return None
            match = _MONTHS.match(text)  # "36 months" (the word is translated: "36 Monate")
            return int(match.group(1)) if match else _FAIL
        return _FAIL

    @staticmethod
    def _plain_number(value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        try:
            return float(value) if isinstance(value, str) and value.strip() else _FAIL
        except ValueError:
            return _FAIL

    @staticmethod
    def _string(value: Any) -> Any:
        if isinstance(value, str):
            return value or None  # e(null) is "": the API cannot tell empty from unknown
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def _integer(self, value: Any) -> Any:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            text = value.strip()  # counts are (int) casts or e() of one: never digit-grouped
            if text == "":
                return None
            if text.lstrip("-").isdigit():
                return int(text)
            return _FAIL
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return _FAIL

    @staticmethod
    def _number(value: Any) -> Any:
        if isinstance(value, bool):
            return _FAIL
        if isinstance(value, (int, float)):
            return value
        if not isinstance(value, str):
            return _FAIL
        return _money(value)

    @staticmethod
    def _boolean(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1"):
            return bool(int(value))
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return _FAIL

    @staticmethod
    def _date(value: Any) -> Any:
        if isinstance(value, str):
            if value == "":
                return None
            return value if _DATE.match(value) and _valid_date(value) else _FAIL
        return _FAIL

    @staticmethod
    def _object(value: Any) -> Any:
        """An object, or the JSON text of one. Quirk: v7 groups send ``permissions`` as the JSON text the database
        holds (``GroupsTransformer``: ``json_decode($group->permissions)`` of a value stored encoded twice), v8 as an
        object (``decodePermissions()``): ``"permissions": "{\\"reports.view\\": \\"1\\", \\"assets.view\\": \\"1\\"}"``
        → ``{"reports.view": "1", "assets.view": "1"}``; ``"[]"`` (no permissions, stored as a list) → ``{}``."""
        if isinstance(value, dict):
            return value
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                parsed = json.loads(value)
            except ValueError:
                return _FAIL
            if isinstance(parsed, dict):
                return parsed
            if parsed == []:
                return {}
        return _FAIL


def _as_is(value: Any) -> Any:
    return value


def _valid_date(value: str) -> bool:
    try:
        date.fromisoformat(value)  # callers checked the YYYY-MM-DD shape; this checks the day exists
        return True
    except ValueError:
        return False


class CustomFieldColumns:
    """Hardware ``custom_fields``, keyed by database column, and the fields with columns of their own typed.

    Quirk: the API keys ``custom_fields`` by each field's display name, sends ``[]`` instead of ``{}`` for an asset
    without a fieldset before v6.0.13, and sends the values as raw user input (not number-formatted), dates in the
    instance's display format and ``"ENCRYPTED"`` for a field the token may not decrypt: ``"custom_fields": {"RAM":
    {"field": "_snipeit_ram_3", "value": "16", "field_format": "NUMERIC", "element": "text"}, "Warranty until":
    {"field": "_snipeit_warranty_8", "value": "Tue Jan 15, 2030", "field_format": "DATE", ...}}``.
    :meth:`by_column` gives ``{"_snipeit_ram_3": "16", ...}``; :meth:`promote` fills each column that
    ``HardwareSchemaWithCustomFields`` added (``x-snipeit-custom-field``): NUMERIC → a number (an integer when
    it is one), BOOLEAN → bool, DATE → ``YYYY-MM-DD`` (see :class:`DateDisplayFormat`), ``"ENCRYPTED"`` → null.
    It runs before the typed pass, which then leaves these columns alone. The ``custom_fields`` object gets the
    same dates and nulls, so both say what the instance stores.
    """

    def __init__(self, columns: List[Tuple[str, str]], converter: ColumnConverter, display: DateDisplayFormat) -> None:
        self.columns = [(column, kind, converter.native_types.get(column, ())) for column, kind in columns]
        self.converter = converter
        self.display = display

    @staticmethod
    def by_column(value: Mapping[str, Any]) -> Dict[str, Any]:
        fields: Dict[str, Any] = {}
        for display_name, spec in value.items():
            if isinstance(spec, dict):
                column = spec.get("field") or display_name
                raw = spec.get("value")
                # the "&" test inline: most values have none, and a call per field costs more than the test
                fields[column] = ((_unescape(raw) if "&" in raw else raw) or None) if isinstance(raw, str) else raw
            else:
                fields[display_name] = _unescape_deep(spec)
        return fields

    def promote(self, flat: Dict[str, Any], pending: Dict[str, None]) -> Optional[Dict[str, Any]]:
        """Fills the promoted columns of ``flat`` from its ``custom_fields``; returns their unparsed values."""
        fields = flat.get("custom_fields")
        if not isinstance(fields, dict):
            fields = {}  # not the API's shape: the typed pass keeps it verbatim in _snipeit_unparsed, with a warning
        unparsed: Optional[Dict[str, Any]] = None
        for column, kind, native in self.columns:
            value = fields.get(column)
            if value is None or value == "ENCRYPTED":
                flat[column] = None
                if value is not None:
                    fields[column] = None  # the custom_fields object holds stored values too: none readable here
                pending.pop(column, None)
                continue
            converted: Any = value  # a text field (most of them) stays as typed: no text made of it
            if kind == "number":
                text = str(value).strip()
                try:
                    converted = int(text) if text.lstrip("-").isdigit() else float(text)
                except ValueError:
                    converted = _FAIL
            elif kind == "boolean":
                lowered = str(value).strip().lower()
                converted = True if lowered in ("1", "true", "yes") else False if lowered in ("0", "false", "no") else _FAIL
            elif kind == "date":
                parsed, ambiguity = self.display.parse(str(value).strip())
                converted = parsed if parsed else _FAIL
                if parsed:
                    fields[column] = parsed  # as stored, like the typed column: not the display format
                if ambiguity:
                    self.display.warn_once(("ambiguous", column), f"Stream {self.converter.stream_name}: column "
                                           f"{column}: {ambiguity} Kept verbatim in _snipeit_unparsed.")
            if converted is _FAIL:
                unparsed = unparsed or {}
                unparsed[column] = value
                converted = None
                self.converter.warn(column, value)
            flat[column] = converted
            if converted is None or type(converted) in native:
                pending.pop(column, None)
            else:
                pending[column] = None
        return unparsed


# --- One row ---------------------------------------------------------------------------------------------

def _date_object_column(value: Mapping[str, Any], name: str, kinds: Mapping[str, str]) -> str:
    """The column a two-key date object under ``name`` fills ("updated_at_datetime"), or "" when it is no such
    object: the key beside ``formatted`` must be ``date`` or ``datetime``, and its column a date or date-time."""
    key = "datetime" if "datetime" in value else "date" if "date" in value else ""
    column = f"{name}_{key}" if key else ""
    return column if kinds.get(column) in ("date", "date-time") else ""


class RecordNormalizer:
    """Turns one Snipe-IT row into a flat, typed warehouse record, driven by the stream's JSON schema.

    Quirk: rows are nested, HTML-escaped display objects, not table rows: ``{"name": "Design Laptop &amp; Dock",
    "model": {"id": 7, "name": "MacBook Pro 14&quot;"}, "updated_at": {"datetime": "2025-05-20 14:03:11",
    "formatted": "2025-05-20 02:03 PM"}, "purchase_cost": "2,499.00", "notes": "Bought for <strong>design</strong>
    &amp; QA", "custom_fields": {...}, "available_actions": {...}}``. This does the per-row part:

    * nested objects → underscore columns (``model_name``, ``updated_at_datetime``); lists → JSON text; a null
      reference (``"company": null``) writes no column of its own;
    * every string HTML-unescaped once (``e()`` escapes exactly once); Markdown-rendered notes (``html_fields``)
      → the Markdown the user typed (:class:`_ParsedownToMarkdown`);
    * ``formatted`` and the caller-dependent ``available_actions`` dropped (the ``formatted`` strings first teach
      :class:`DateDisplayFormat` the instance's display format);
    * older versions' shapes: a plain string under ``<x>`` where the schema has ``<x>_datetime`` / ``<x>_date``,
      a date object where it has a plain string, models' pre-v6.1 ``eol`` date object.

    Values not yet of their column's type go to :class:`ColumnConverter` (hardware custom fields first to
    :class:`CustomFieldColumns`). A value that cannot be converted losslessly becomes null in its column and is kept
    verbatim in ``_snipeit_unparsed`` ({column: original}), with one warning per stream and column, so nothing is
    lost and the sync does not stop.
    """

    def __init__(self, schema: Mapping[str, Any], config: Mapping[str, Any], stream_name: str,
                 html_fields: Iterable[str] = ("notes",), raw_fields: Iterable[str] = ()) -> None:
        self.stream_name = stream_name
        self.kinds: Dict[str, str] = {k: _column_kind(p) for k, p in schema.get("properties", {}).items()}
        self.html_fields = frozenset(html_fields)
        self.raw_fields = frozenset(raw_fields)
        self.converter = ColumnConverter(self.kinds, config, stream_name)
        self.display = SyncContext.of(config).dates
        # Per stream, not per row: columns the schema wants as <x>_datetime / <x>_date (older versions or
        # invalid values send a plain string under <x>). A base that is a column itself is no such case: models
        # send eol "36 months", and eol_date is the pre-v6.1 date object.
        self._renames = [(k[:-9], k) for k in self.kinds if k.endswith("_datetime") and k[:-9] not in self.kinds] + \
                        [(k[:-5], k) for k in self.kinds if k.endswith("_date") and k[:-5] not in self.kinds]
        # Hardware custom fields promoted to typed columns by HardwareSchemaWithCustomFields.
        promoted = [(k, self.kinds[k]) for k, p in schema.get("properties", {}).items()
                    if p.get("x-snipeit-custom-field")]
        self.custom_fields = CustomFieldColumns(promoted, self.converter, self.display) if promoted else None
        self._flatten = _RowFlattener(self.kinds, self.html_fields, self.raw_fields, self.converter,
                                      self.display).compile()

    def normalize(self, row: Mapping[str, Any]) -> Dict[str, Any]:
        flat: Dict[str, Any] = {}
        # Columns whose value is not yet of the column's type, found while flattening: one pass over the
        # row instead of a second one over every column (most values already have their column's type).
        pending: Dict[str, None] = {}
        self._flatten(row, "", flat, pending)
        for base, target in self._renames:
            if type(flat.get(base)) is str:
                flat[target] = flat.pop(base)
                pending.pop(base, None)
                pending[target] = None
        unparsed: Optional[Dict[str, Any]] = None
        if self.custom_fields is not None:
            unparsed = self.custom_fields.promote(flat, pending)
        convert = self.converter.by_column
        for key in pending:
            value = flat[key]
            converted = convert[key](value)
            if converted is _FAIL:
                if unparsed is None:
                    unparsed = {}
                unparsed[key] = value
                flat[key] = None
                self.converter.warn(key, value)
            else:
                flat[key] = converted
        if unparsed:
            flat["_snipeit_unparsed"] = unparsed
        return flat


class _RowFlattener:
    """A row's nested objects as underscore columns, each value unescaped, and converted where it is a string of a
    converted column (dates, date-times, money, months: ~7 a hardware row) — for :class:`RecordNormalizer`.

    Why its own class: this is the measured hot loop (~100 keys a hardware row, 14 objects). :meth:`compile` gives a
    closure that reads the stream's sets from cells instead of attributes and builds no column name twice (rows
    share one string per column name); the rarer shapes are methods. Sample: ``{"model": {"id": 7, "name":
    "MacBook Pro 14&quot;"}, "updated_at": {"datetime": "2025-05-20 14:03:11", "formatted": "..."}}`` →
    ``{"model_id": 7, "model_name": "MacBook Pro 14\"", "updated_at_datetime": "2025-05-20T14:03:11Z"}``.
    """

    def __init__(self, kinds: Mapping[str, str], html_fields: FrozenSet[str], raw_fields: FrozenSet[str],
                 converter: "ColumnConverter", display: "DateDisplayFormat") -> None:
        self.kinds, self.html_fields, self.raw_fields, self.display = kinds, html_fields, raw_fields, display
        self.convert, self.native_types = converter.by_column, converter.native_types
        self.converted_from_str = converter.converted_from_str
        self.object_columns = frozenset(k for k, v in kinds.items() if v == "object")  # kept whole
        # A null reference or date object ("company": null, "purchase_date": null) has its columns in the schema
        # (company_id, purchase_date_date): no column of its own, always null, is written for it.
        self.null_objects = frozenset(k[:i] for k in kinds for i, c in enumerate(k) if c == "_" and i) - frozenset(kinds)
        self.date_columns: Dict[str, str] = {}  # "updated_at" -> "updated_at_datetime"

    def date_object(self, value: Mapping[str, Any], name: str, out: Dict[str, Any]) -> bool:
        """A date object (``{"datetime": "2025-05-13 14:23:45", "formatted": ...}``, ~8 a hardware row) taught to
        the display format, and written as its one column when its value converts (True): no nested flatten."""
        if self.display.learned is None:
            self.display.learn(value)
        if len(value) != 2:
            return False
        column = self.date_columns.get(name)
        if column is None:
            column = _date_object_column(value, name, self.kinds)
            if column and len(self.date_columns) < _MAX_NAMES:
                self.date_columns[name] = column
        raw = value.get(column[len(name) + 1:]) if column else None
        if type(raw) is str and raw and column in self.converted_from_str:
            converted = self.convert[column](raw)
            if converted is not _FAIL:  # a match of the date shapes: nothing to unescape
                out[column] = converted
                return True
        return False

    def object_column(self, value: Mapping[str, Any], name: str, out: Dict[str, Any], pending: Dict[str, None]) -> None:
        """An object under a column of its own: ``custom_fields`` (keyed by database column), an object column
        (unescaped whole), models' pre-v6.1 ``eol`` date object, or an older version's date object or JSON."""
        if name == "custom_fields":
            value = CustomFieldColumns.by_column(value)
        elif name in self.object_columns:
            value = _unescape_deep(value)
        elif "formatted" in value and "date" in value and name + "_date" in self.kinds:
            out[name + "_date"] = value["date"]  # models before v6.1: eol {"date", "formatted"}, not "36 months"
            pending[name + "_date"] = None
            out[name] = None
            return
        else:  # an older version sent a date object where the schema expects a plain string
            value = value.get("datetime") or value.get("date") if "formatted" in value else \
                json.dumps(_unescape_deep(value), ensure_ascii=False, separators=(",", ":"))
        out[name] = value
        if value is not None:
            native = self.native_types.get(name)
            if native is not None and type(value) not in native:
                pending[name] = None

    def list_value(self, value: List[Any], name: str) -> Any:
        """custom_fields: pre-v6.0.13 sends ``[]`` for an asset without a fieldset; other lists become JSON text."""
        if name == "custom_fields":
            return {}
        return json.dumps(value if name in self.raw_fields else _unescape_deep(value),
                          ensure_ascii=False, separators=(",", ":"))

    def compile(self) -> Callable[[Mapping[str, Any], str, Dict[str, Any], Dict[str, None]], None]:
        """``flatten(obj, prefix, out, pending)``: the row's columns into ``out``, in the row's order; the names of
        those whose value is not yet of the column's type into ``pending``."""
        html_fields, kinds, native_types, null_objects = self.html_fields, self.kinds, self.native_types, self.null_objects
        converted_from_str, convert, fail = self.converted_from_str, self.convert, _FAIL
        date_object, object_column, list_value = self.date_object, self.object_column, self.list_value
        # Column names by prefix and key ({"model_": {"id": "model_id"}}), filled as keys are met. Dropped keys get
        # no entry, so a found name needs no second check.
        tables: Dict[str, Dict[str, str]] = {}

        def flatten(obj: Mapping[str, Any], prefix: str, out: Dict[str, Any], pending: Dict[str, None]) -> None:
            names = tables.get(prefix)
            if names is None:
                names = tables.setdefault(prefix, {})
            for key, value in obj.items():
                name = names.get(key)
                if name is None:
                    if key in _DROPPED_KEYS:
                        continue
                    name = prefix + key if prefix else key
                    if len(names) < _MAX_NAMES:  # keys are the API's field names; a bound all the same
                        names[key] = name
                value_type = type(value)
                if value_type is str:
                    if "&" in value or "<" in value:
                        value = _html_to_markdown(value) if name in html_fields else _unescape(value)
                    if not value:  # e(null) is "": the API cannot tell empty from unknown, so neither do we
                        out[name] = None
                    elif name in converted_from_str:
                        # Converted here, not in a second pass; a value that does not convert is queued all the
                        # same, so the pass after the renames records it in _snipeit_unparsed, with its warning.
                        converted = convert[name](value)
                        out[name] = value if converted is fail else converted
                        if converted is fail:
                            pending[name] = None
                    else:
                        out[name] = value
                    continue
                if value is None:
                    if name not in null_objects:  # a null reference writes none of its own (its columns are null)
                        out[name] = None
                    continue
                if value_type is dict:
                    if name in kinds:
                        object_column(value, name, out, pending)
                    elif not ("formatted" in value and date_object(value, name, out)):
                        flatten(value, name + "_", out, pending)  # a reference ({"id", "name"}): its keys are columns
                    continue
                if value_type is list:
                    value = list_value(value, name)
                    value_type = type(value)
                out[name] = value  # a number or a boolean (or what a list became)
                native = native_types.get(name)
                if native is not None and value_type not in native:
                    pending[name] = None

        return flatten


# --------------------------------------------------------------------------------------------------
# Retriever
# --------------------------------------------------------------------------------------------------


@dataclass
class SnipeItOffsetIncrement(OffsetIncrement):
    """The paging rule of every Snipe-IT list: advance by the rows received, stop at ``total`` or an empty page.

    Quirk: the server clamps ``limit`` to its ``MAX_RESULTS`` (500 by default, 50 on old instances) without saying
    so, and ``OffsetIncrement`` takes the first page shorter than ``limit`` for the last one: it would stop after
    500 of 20,000 assets. The envelope's ``total`` says when to stop::

        GET /api/v1/hardware?limit=1000&offset=0   ->  {"total": 20000, "rows": [... 500 rows ...]}
        next page: offset=500 (the rows received), not 1000 (the limit)

    ``/fields`` and ``/fieldsets`` ignore ``limit`` and ``offset`` and answer every row at once: ``total`` ends them.
    The scans ask :meth:`next_offset`; ``next_page_token`` gives a ``SimpleRetriever`` the same rule.
    """

    def next_offset(self, offset: int, received: int, total: Optional[int]) -> Optional[int]:
        consumed = offset + received
        if received == 0 or (total is not None and consumed >= total):
            return None
        return consumed

    def next_page_token(self, response: requests.Response, last_page_size: int, last_record: Optional[Record],
                        last_page_token_value: Optional[Any] = None, **kwargs: Any) -> Optional[Any]:
        try:
            total = response.json().get("total")
        except (ValueError, AttributeError):
            total = None
        return self.next_offset(int(last_page_token_value or 0), last_page_size, total if isinstance(total, int) else None)


class _RetryableBody(Exception):
    """A page whose body is cut off or not the list envelope: asked for again (a proxy or a dying PHP worker)."""


# Snipe-IT's words for an item that is gone (admin/licenses/message.does_not_exist and its siblings): "License does
# not exist.", "Asset does not exist." The decoder is the one place that reads them.
_MISSING_ITEM = re.compile(r"\bdoes not exist\b", re.I)


@dataclass
class SnipeItPageDecoder(Decoder):
    """One list answer, decoded once and checked before any of its rows is written: ``{"total", "rows"}``.

    Quirks, each a way to write a wrong or short table:

    * a refused token with a browser-like request answers ``200`` with the login page (``<!DOCTYPE html>...``);
    * Snipe-IT reports some errors as ``200 {"status": "error", "messages": "License does not exist.", "payload": null}``;
    * a page cut off by a proxy or a killed PHP worker is not JSON (retried: :class:`_RetryableBody`);
    * ``total`` comes as a number or a digit string (``"total": "1234"``), and every row must carry an integer
      ``id``, or rows cannot be deduplicated across pages and passes.

    Sample: ``{"total": 2, "rows": [{"id": 1, "name": "Laptop 1", ...}, {"id": 7, ...}]}``.
    """

    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.stream = parameters.get("name", "")

    def is_stream_response(self) -> bool:
        return False

    def decode(self, response: requests.Response) -> Generator[MutableMapping[str, Any], None, None]:
        body_bytes = response.content
        if "html" in response.headers.get("Content-Type", "") or body_bytes.lstrip()[:1] == b"<":
            raise _config_error(
                f"Stream {self.stream}: {response.url.split('?')[0]} answered with an HTML page, not JSON. "
                "The API token was probably refused (Snipe-IT shows its login page), or base_url is not the "
                "Snipe-IT root.")
        try:
            body = _loads(body_bytes)
        except _JSONError:
            raise _RetryableBody(f"the response is not valid JSON ({len(body_bytes)} bytes, it may have been cut off)")
        if isinstance(body, dict) and body.get("status") == "error":
            said = body.get("messages", body.get("message"))
            message = f"Stream {self.stream}: Snipe-IT answered HTTP {response.status_code} with an error: {said}"
            # internal_message too: the CDK's end-of-sync summary names each stream's failure by its repr()
            raise (ItemMissing if _MISSING_ITEM.search(str(said)) else ErrorBody)(
                message=message, internal_message=message, failure_type=FailureType.system_error)
        if not isinstance(body, dict) or "rows" not in body:
            raise _RetryableBody("the response is JSON but has no 'rows' list")
        rows, total = body["rows"], body.get("total")
        if not isinstance(rows, list):
            raise _RetryableBody(f"'rows' is a {type(rows).__name__}, not a list")
        if isinstance(total, str) and total.isdigit():
            total = int(total)
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("id"), int) or isinstance(row.get("id"), bool):
                offset = dict(parse_qsl(urlsplit(response.url or "").query)).get("offset", "?")
                raise AirbyteTracedException(
                    message=f"Stream {self.stream}: a row without an integer 'id' came back at offset {offset}: "
                            f"{str(row)[:200]}. Refusing to write rows that cannot be deduplicated.",
                    failure_type=FailureType.system_error)
        # unknown total: page until an empty page
        yield {"total": total if isinstance(total, int) and not isinstance(total, bool) else None, "rows": rows}


class _SliceWithCachedHash(StreamSlice):
    """The same slice, hashed once. The CDK's cursor looks every record's slice up in a dict, and
    ``StreamSlice.__hash__`` is ``json.dumps`` + SHA-256 on each call: ~5 % of the per-record cost."""

    def __init__(self, original: StreamSlice) -> None:
        super().__init__(partition=original.partition, cursor_slice=original.cursor_slice,
                         extra_fields=original.extra_fields)
        self._hash = super().__hash__()

    def __hash__(self) -> int:
        return self._hash


class IdSet:
    """Ids already delivered by one read, in a bitmap: a million asset ids cost 125 KB instead of ~60 MB of set."""

    LIMIT = 64_000_000  # beyond this id, fall back to a set (ids are auto-increment: this is never expected)

    def __init__(self) -> None:
        self._bits = bytearray()
        self._large: set = set()

    def add(self, value: int) -> None:
        if 0 <= value < self.LIMIT:
            index = value >> 3
            if index >= len(self._bits):
                self._bits.extend(bytes(max(index + 1 - len(self._bits), len(self._bits))))
            self._bits[index] |= 1 << (value & 7)
        else:
            self._large.add(value)

    def __contains__(self, value: int) -> bool:
        if 0 <= value < self.LIMIT:
            index = value >> 3
            return index < len(self._bits) and bool(self._bits[index] & (1 << (value & 7)))
        return value in self._large


class FallBackToFullScan(Exception):
    """The newest-first read could not prove it saw every changed row (a tie group straddles a page boundary,
    or rows moved under it); the caller re-reads the stream in a stable order instead."""


# --------------------------------------------------------------------------------------------------
# Errors, by type: callers catch the type, never match the words
# --------------------------------------------------------------------------------------------------


class SnipeItRefusal(AirbyteTracedException):
    """A request the instance refused: HTTP 3xx/4xx, or 495/598 when no answer came (the adapter's own statuses).
    The message is the manifest's ``error_message`` for the status; ``status`` is the status."""

    ends_sync = False  # True: every other request of the sync would meet the same answer

    def __init__(self, status: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.status = status


class TokenRefused(SnipeItRefusal):
    """401, or a redirect (Snipe-IT sends a refused token to its login page)."""

    ends_sync = True


class InstanceNotReached(SnipeItRefusal):
    """No HTTP answer: TLS failed (495) or the host could not be reached (598)."""

    ends_sync = True


class PermissionDenied(SnipeItRefusal):
    """403: the token's user lacks the permission Snipe-IT checks for this list (the stream's ``permission``)."""


class ErrorBody(AirbyteTracedException):
    """Snipe-IT's error envelope with HTTP 200: ``{"status": "error", "messages": "...", "payload": null}``."""


class ItemMissing(ErrorBody):
    """The envelope for an item that is gone: ``{"status": "error", "messages": "License does not exist."}``."""


def _refusal_type(status: int) -> type:
    if status == 401 or 300 <= status < 400:
        return TokenRefused
    if status in (TLS_FAILED, NOT_REACHED):
        return InstanceNotReached
    return PermissionDenied if status == 403 else SnipeItRefusal


def refusal_of(requester: Requester, response: requests.Response, stream: str) -> SnipeItRefusal:
    """A refused request's error: the manifest's ``error_message`` for its status, and only the status, the URL
    without its query and the API's own message (never the headers: ``Set-Cookie: snipeit_session=...``)."""
    handler = getattr(requester, "error_handler", None)
    resolution = handler.interpret_response(response) if handler is not None else None
    status = response.status_code
    message = (resolution.error_message if resolution is not None and resolution.error_message else None) or \
        f"Stream {stream}: Snipe-IT answered HTTP {status}."
    # The failure type the manifest declares for the status: the CDK applies a filter's failure_type to FAIL only,
    # and an IGNOREd status without a default mapping (495, 598) would come back as a system error.
    declared = next((f.failure_type for f in getattr(handler, "response_filters", None) or []
                     if f.failure_type and f.matches(response) is not None), None)
    return _refusal_type(status)(
        status, message=message,
        internal_message=f"HTTP {status} on GET {_without_query(response.url)}{_api_message(response)}",
        failure_type=declared or (resolution.failure_type if resolution is not None else None) or FailureType.system_error)


# --------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One list answer, decoded and checked: its rows, the list's ``total`` (None when the server did not say) and
    the second of its ``Date`` header (None without one)."""

    rows: List[Mapping[str, Any]]
    total: Optional[int]
    server_second: Optional[str]


class PageBudget:
    """A Connector Builder test read's page requests left in one slice (:class:`TestReadLimits`)."""

    def __init__(self, pages: int) -> None:
        self.left = pages

    def spend(self) -> None:
        if self.left <= 0:
            raise _TestReadLimitReached()
        self.left -= 1


class PageReader:
    """One page of a list through the declared requester, paginator and decoder, inside the sync's request budget.

    Quirks: a page cut off by a proxy or a killed PHP worker is not JSON; it is asked again (``max_body_retries``),
    and no row of it is written. Snipe-IT clamps ``limit`` to its ``MAX_RESULTS`` without saying so: the limit
    sent is the configured page size, what comes back decides the next offset (:class:`SnipeItOffsetIncrement`).
    ``check`` sends one plain diagnosis first (:meth:`SyncContext.diagnose`). Sample: ``read({"sort": "id",
    "order": "asc"}, 499)`` → ``GET /api/v1/hardware?limit=500&offset=499&sort=id&order=asc`` →
    ``Page(rows=[500 rows], total=20000, server_second="2026-12-07T12:00:44Z")``.
    """

    def __init__(self, name: str, requester: Requester, paginator: Paginator, decoder: Decoder, sync: "SyncContext",
                 progress: Optional[ReadProgress] = None, max_body_retries: int = 3, diagnose: bool = False,
                 log_formatter: Optional[Callable[[requests.Response], Any]] = None) -> None:
        self.name, self.requester, self.paginator, self.decoder, self.sync = name, requester, paginator, decoder, sync
        self.progress, self.max_body_retries, self.diagnose = progress, max_body_retries, diagnose
        self.log_formatter = log_formatter
        self.page_size = int(declared_paging(paginator).get_page_size() or SETTING_DEFAULTS["page_size"])

    def read(self, params: Mapping[str, Any], offset: int, partition: Optional[Mapping[str, Any]] = None,
             budget: Optional[PageBudget] = None) -> Page:
        request_params = dict(self.paginator.get_request_params(next_page_token={"next_page_token": offset}))
        request_params.setdefault("limit", self.page_size)
        request_params["offset"] = offset
        request_params.update(params)
        for attempt in range(1, self.max_body_retries + 1):
            if budget is not None:
                budget.spend()
            if self.diagnose and offset == 0:
                self.sync.diagnose(self.requester)
            response = self.sync.send(self.requester, self.name, request_params, partition, self.log_formatter)
            try:
                decoded = next(iter(self.decoder.decode(response)))
            except _RetryableBody as problem:
                if attempt == self.max_body_retries:
                    raise AirbyteTracedException(
                        message=f"Stream {self.name}: {problem} (offset {offset}, {attempt} attempts). "
                                f"No rows of this page were written.",
                        internal_message=str(problem), failure_type=FailureType.transient_error)
                LOGGER.warning(f"Stream {self.name}: {problem}; retrying in {attempt} s.")
                time.sleep(attempt)
                continue
            if self.progress is not None:
                self.progress.page(params, offset, decoded["total"], decoded["rows"])
            return Page(decoded["rows"], decoded["total"], _server_second(response))
        raise AssertionError("unreachable")


class SlicePages:
    """The page source of one slice, what every scan reads from: ``pages(params, offset) -> Page``.

    It holds what belongs to the slice and not to the stream: the partition (license_seats: the license), the
    test read's page budget, and the read's horizon, the second of the first answer's ``Date`` (the clock
    ``updated_at`` is written with): rows updated in or after it are left to the next sync. That first answer also
    tells whether the saved state is later than the instance's clock (:func:`_refuse_future_state`).
    """

    def __init__(self, reader: PageReader, paging: "SnipeItOffsetIncrement", partition: Optional[Mapping[str, Any]] = None,
                 budget: Optional[PageBudget] = None, state_cursor: Optional[Tuple[str, str]] = None) -> None:
        self.reader, self.paging, self.partition, self.budget = reader, paging, partition or {}, budget
        self.name = reader.name
        self.state_cursor = state_cursor
        self.horizon: Optional[str] = None
        self._lock = threading.Lock()

    def __call__(self, params: Mapping[str, Any], offset: int) -> Page:
        page = self.reader.read(params, offset, self.partition, self.budget)
        if self.horizon is None:
            with self._lock:
                if self.horizon is None:
                    # no Date header (none of the captured responses lacks one): this machine's clock stands in
                    self.horizon = page.server_second or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                    _refuse_future_state(self.name, self.state_cursor, self.horizon)
        return page


PageSource = Callable[[Mapping[str, Any], int], Page]


class _ReadAhead:
    """Requests the pages a stable scan will ask for next while it works on the current one.

    Why: against a slow instance (a page of 500 assets, each with its relations, is rendered row by row) one page
    at a time leaves most of the request budget unused, and ``SimpleRetriever`` reads a slice's pages one after
    another. Once a page has told us ``total`` and the server's page size, the next offsets are known unless rows
    move; ``depth`` of them are kept in flight, in threads, through the same pacer (the budget still holds). A
    prefetched page is checked exactly as if it had been fetched in turn: its first row must be one already read,
    which proves nothing before it was skipped whenever it was fetched. If rows moved, the scan asks for an offset
    nobody predicted; every prefetched page is dropped (a few requests wasted) and the scan goes on one page at a
    time from where it is.
    """

    def __init__(self, pages: PageSource, params: Mapping[str, Any], depth: int, name: str) -> None:
        self.pages, self.params, self.name = pages, params, name
        self.depth = depth if depth > 1 else 0  # the scan waits for the oldest while the others are in flight
        self.pending: Dict[int, Any] = {}  # offset -> Future of a Page
        self.pool: Optional[ThreadPoolExecutor] = None

    def take(self, offset: int) -> Page:
        future = self.pending.pop(offset, None)
        if future is None:
            self.discard()
            return self.pages(self.params, offset)
        return future.result()

    def schedule(self, offset: int, step: int, total: int) -> None:
        """Keep the next pages in flight: offset, offset + step, ... below total - 1 (step: a full page less the
        row of overlap)."""
        if self.depth < 1 or step < 1:
            return
        # What is pending here was predicted from this same position (take() drops everything otherwise).
        # Stop below total - 1: the page before an offset of total - 1 already ends at the last row, so that
        # request would only re-read it (and the scan, like the one-page-at-a-time loop, never asks for it).
        while len(self.pending) < self.depth and offset < total - 1:
            if offset not in self.pending:
                if self.pool is None:
                    self.pool = ThreadPoolExecutor(self.depth, thread_name_prefix=f"{self.name}-read-ahead")
                self.pending[offset] = self.pool.submit(self.pages, self.params, offset)
            offset += step

    def discard(self) -> None:
        for future in self.pending.values():
            future.cancel()
        self.pending.clear()

    def close(self) -> None:
        self.discard()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------------------------------
# Scans: each reads one pass of a list from a page source and yields each of its rows once
# --------------------------------------------------------------------------------------------------


class StableScan:
    """Every row of one list in a unique, stable order (``sort=id&order=asc``), each page's rows not seen before.

    Quirks: a row deleted while we read shifts every later row one place left, so advancing by offsets alone skips
    one row per deletion. Each request after the first starts one row before the end of what was read (the
    overlap row) and checks that row is one already seen; if it is not (or the page is empty), rows before our
    position went away, and the scan steps back a page at a time until it finds its place. With ``sort=id`` the ids
    ascend, so "seen" is ``id <= highest id read`` and needs no memory. ``/suppliers`` ignores ``sort=id`` (it sorts
    by name, kept in a set of ids): a supplier renamed during the read can jump behind it, so the small stream is
    scanned again while fewer than ``total`` distinct ids were seen. Sample: ``offset=0`` → ids 1..500,
    ``offset=499`` → ids 500..999 (500 is the overlap row: already seen, nothing was skipped).
    """

    def __init__(self, pages: SlicePages, pass_params: Mapping[str, Any], normalize: Callable, sort_key: str = "id",
                 pages_in_flight: int = 1) -> None:
        self.pages, self.normalize, self.pages_in_flight = pages, normalize, pages_in_flight
        self.by_id = sort_key == "id"
        self.params = {**pass_params, "sort": sort_key, "order": "asc"}
        self.seen: set = set()
        self.highest = -1

    def rows(self) -> Iterable[List[Dict[str, Any]]]:
        """The new rows, a page's worth at a time."""
        for _ in range(1 if self.by_id else 3):
            total = yield from self._scan_once()
            if self.by_id or total is None or len(self.seen) >= total:
                return
            LOGGER.info(f"Stream {self.pages.name}: {total - len(self.seen)} row(s) moved during the read; "
                        "scanning again.")

    def _is_seen(self, row_id: int) -> bool:
        return row_id <= self.highest if self.by_id else row_id in self.seen

    def _moved(self, page: Page, request_offset: int, consumed: int) -> bool:
        """Rows before our place went away: the overlap row is not one already read (or the page came back empty)."""
        if not consumed or request_offset <= 0:
            return False
        return not self._is_seen(page.rows[0]["id"]) if page.rows else page.total is not None and page.total < consumed

    def _scan_once(self) -> Iterable[List[Dict[str, Any]]]:
        read_ahead = _ReadAhead(self.pages, self.params, self.pages_in_flight, self.pages.name)
        consumed, total = 0, None
        try:
            while True:
                request_offset = max(0, consumed - 1)  # one row of overlap
                page = read_ahead.take(request_offset)
                while self._moved(page, request_offset, consumed):
                    request_offset = max(0, min(request_offset - max(len(page.rows), 1), (page.total or 0) - 1))
                    LOGGER.info(f"Stream {self.pages.name}: rows moved under the read (deleted?); stepping back to "
                                f"offset {request_offset}.")
                    page = read_ahead.take(request_offset)  # nobody predicted it: drops what was read ahead
                rows, total = page.rows, page.total
                following = self.pages.paging.next_offset(request_offset, len(rows), total)
                if rows:
                    consumed = request_offset + len(rows)
                    if following is not None and total is not None:
                        read_ahead.schedule(consumed - 1, len(rows) - 1, total)
                    new = [self.normalize(r) for r in rows if not self._is_seen(r["id"])]
                    if self.by_id:
                        self.highest = max(self.highest, max(r["id"] for r in rows))
                    else:
                        self.seen.update(r["id"] for r in rows)
                    if new:
                        yield new
                if following is None:
                    return total
        finally:
            read_ahead.close()


class NewestFirstScan:
    """An incremental read newest first (``sort=updated_at&order=desc``) until rows are not newer than ``bound``;
    each row newer than it once. ``SimpleRetriever`` with a data-feed cursor cannot prove what this proves.

    Quirk: a group of rows sharing one ``updated_at`` second (a bulk edit, a CSV import or a scheduled command
    stamps hundreds of assets in one second) comes back in a different order on every request (MySQL has no
    tie-breaker), so a group that straddles two pages can lose rows to both. Each page therefore starts one row
    before the group the previous page ended in: one answer then holds the whole group, in whatever order, and that
    first row (newer than the group) proves the page starts where it should; a group that fills a page is read once
    more with ``limit`` up to the server's cap. Only a group larger than the cap, or rows deleted under the read,
    fall back to the full read (:class:`FallBackToFullScan`). A group at the bound needs nothing: the sync that
    wrote the state read all of it. Rows edited while we read jump to the top and push ours right; the rows before
    our place must then be rows we have (or newer than the read's horizon, left to the next sync), and a catch-up
    pass reads the top again down to where this read started. Sample: page 1 ends in 40 rows of
    ``2024-05-01T09:12:03Z``; page 2 is requested at the offset of the row before them.
    """

    # A tie group larger than a page is re-read in one request this large; the server clamps it to its cap
    # (Snipe-IT's MAX_RESULTS, 500 by default: a larger limit is answered with MAX_RESULTS rows).
    TIE_GROUP_LIMIT = 10_000

    def __init__(self, pages: SlicePages, pass_params: Mapping[str, Any], normalize: Callable,
                 sort: str = "updated_at", cursor_field: str = "updated_at_datetime") -> None:
        self.pages, self.normalize, self.cursor = pages, normalize, cursor_field
        self.params = {**pass_params, "sort": sort, "order": "desc"}
        self.seen: set = set()

    def rows(self, bound: str, catch_up: int = 0) -> Iterable[Dict[str, Any]]:
        self.run: Optional[List[Any]] = None  # [value, first position] of the run of equal values the read is in
        self.top: Optional[str] = None  # newest cursor value when this read started
        self.rows_jumped = False
        limit: Optional[int] = None
        while True:
            request_offset = max(0, self.run[1] - 1) if self.run else 0
            answer = self.pages(self.params if limit is None else {**self.params, "limit": limit}, request_offset)
            page = [self.normalize(r) for r in answer.rows]
            skip = self._place(page, request_offset, answer.total, limit) if self.run else 0
            if skip is None:
                limit = self.TIE_GROUP_LIMIT  # the group fills the page: once more, as large as allowed
                continue
            limit = None
            if self.top is None and skip < len(page):
                self.top = page[skip].get(self.cursor)
            stop = yield from self._emit(page, skip, request_offset, bound)
            if stop or self.pages.paging.next_offset(request_offset, len(page), answer.total) is None:
                break
        if self.rows_jumped and self.top:
            if catch_up >= 2:
                raise FallBackToFullScan("rows kept changing under the newest-first read")
            yield from self.rows(max(_second_before(self.top), bound), catch_up + 1)

    def _place(self, page: List[Dict[str, Any]], request_offset: int, total: Optional[int],
               limit: Optional[int]) -> Optional[int]:
        """Where the new rows start in a page requested one row before the tie group; None: read it larger."""
        value, received, skip = self.run[0], len(page), 0
        while skip < received and (page[skip].get(self.cursor) or "") > value:
            skip += 1
        if request_offset and not skip:
            raise FallBackToFullScan("rows moved under the newest-first read (deleted?)")
        if any(not self._known(d) for d in page[:skip]):
            raise FallBackToFullScan("unknown rows appeared before our place in the newest-first order")
        self.rows_jumped = self.rows_jumped or skip > self.run[1] - request_offset  # more rows before the group
        group = 0
        while skip + group < received and page[skip + group].get(self.cursor) == value:
            group += 1
        if skip + group == received and request_offset + received < (total or 0):
            if limit is None and received < self.TIE_GROUP_LIMIT:
                return None
            raise FallBackToFullScan(
                f"more than {group} rows share {self.cursor} {value}, more than one answer of this server holds "
                f"(its cap), and the API orders them arbitrarily")
        if limit is not None:
            LOGGER.info(f"Stream {self.pages.name}: {group} rows share {self.cursor} {value}; read in one request.")
        self.run[1] = request_offset + skip
        return skip

    def _emit(self, page: List[Dict[str, Any]], skip: int, request_offset: int, bound: str) -> Iterable[Dict[str, Any]]:
        """The page's rows from ``skip`` that are newer than ``bound``; returns True at the first row that is not."""
        for index in range(skip, len(page)):
            data = page[index]
            value = data.get(self.cursor)
            if value is None or value <= bound:
                return True
            if self.run is None or value != self.run[0]:
                self.run = [value, request_offset + index]
            if data["id"] not in self.seen:
                self.seen.add(data["id"])
                yield data
        return False

    def _known(self, data: Mapping[str, Any]) -> bool:
        """A row before our place: one already read, or one edited after the read started (left to the next sync)."""
        horizon = self.pages.horizon
        value = data.get(self.cursor)
        return data["id"] in self.seen or bool(horizon and value and value >= horizon)


class NewestIdFirstScan(NewestFirstScan):
    """Activity: ``sort=id&order=desc`` (ids are unique and ascend with ``created_at``) until entries are older than
    ``bound``. Quirk: ``/reports/activity`` cannot sort by ``updated_at`` and grows with every checkout, so a sync
    must cost what was logged since the last one. Each page re-reads the previous page's last entry, which must be
    where it was. Entries of the bound's own second are read through, not sent again: ids, not seconds, are
    ordered. Sample: ``{"id": 100050, "action_type": "checkout", "created_at": {"datetime": "2024-05-01 09:12:03",
    ...}}``.
    """

    def rows(self, bound: str, catch_up: int = 0) -> Iterable[Dict[str, Any]]:
        offset, anchor = 0, None
        while True:
            request_offset = max(0, offset - 1) if anchor is not None else offset
            answer = self.pages(self.params, request_offset)
            page = [self.normalize(r) for r in answer.rows]
            skip = self._after_anchor(page, anchor) if anchor is not None else 0
            stop = False
            for data in page[skip:]:
                value = data.get(self.cursor)
                if value is None or value < bound:
                    stop = True
                    break
                if data["id"] not in self.seen:
                    self.seen.add(data["id"])
                    if value > bound:
                        yield data
            offset = request_offset + len(page)
            if stop or self.pages.paging.next_offset(request_offset, len(page), answer.total) is None:
                break
            anchor = page[-1]["id"]

    def _after_anchor(self, page: List[Dict[str, Any]], anchor: int) -> int:
        """Where the new entries start: after the previous page's last entry, which must be in this one."""
        ids = [d["id"] for d in page]
        if anchor not in ids:
            raise FallBackToFullScan("rows moved between two newest-first pages (deleted?)")
        skip = ids.index(anchor) + 1
        if any(not self._known(d) for d in page[:skip - 1]):
            raise FallBackToFullScan("unknown rows appeared before our place in the newest-first order")
        return skip


# --------------------------------------------------------------------------------------------------
# The retriever
# --------------------------------------------------------------------------------------------------


class _TestReadLimitReached(Exception):
    """A Connector Builder test read has used its page budget for this slice."""


@dataclass(frozen=True)
class TestReadLimits:
    """What a Connector Builder test read (``test_read``) may read, for a retriever that is not a SimpleRetriever.

    Why: the Builder builds the source with limits, and ModelToComponentFactory caps a SimpleRetriever through
    hooks this retriever bypasses: the paginator is wrapped in a ``PaginatorTestReadDecorator`` (pages per slice),
    each page's request and response is logged through ``log_formatter`` (the Builder groups records into pages by
    those logs) and retries are off; slices are capped by the partition generator. Without this, a 100-record
    test read of hardware fetched 2,911 rows in 33 requests and showed no page. The factory builds this
    retriever's paginator the same way, so the decorator is the sign of a test read and carries the page limit;
    the record limit comes from the Builder's ``__test_read_config`` (the CDK's ``TestLimits`` defaults without
    it). A sample of what the Builder sends::

        {"__command": "test_read", "__test_read_config": {"max_records": 100, "max_pages_per_slice": 5,
         "max_slices": 5}, "__injected_declarative_manifest": {...}, "base_url": "...", "api_token": "..."}

    In a test read: at most ``max_pages`` page requests per slice, at most ``max_records`` records per slice, one
    page at a time (read-ahead would log pages out of order), and no body retries.
    """

    __test__ = False  # not a pytest test class, whatever its name
    name: str
    max_pages: int
    max_records: int

    @classmethod
    def of(cls, name: str, paginator: Any, config: Mapping[str, Any]) -> Optional["TestReadLimits"]:
        from airbyte_cdk.sources.declarative.concurrent_declarative_source import TestLimits

        if not isinstance(paginator, PaginatorTestReadDecorator):
            return None
        limits = config.get("__test_read_config") or {}
        pages = limits.get("max_pages_per_slice") or builder_page_limit(paginator) or \
            TestLimits.DEFAULT_MAX_PAGES_PER_SLICE
        return cls(name, int(pages), int(limits.get("max_records") or TestLimits.DEFAULT_MAX_RECORDS))

    def page_budget(self) -> PageBudget:
        return PageBudget(self.max_pages)

    def limit(self, records: Iterable[Record]) -> Iterable[Record]:
        """One slice's records, stopped at the record limit or when the page budget is spent."""
        count = 0
        try:
            for record in records:
                yield record
                count += 1
                if count >= self.max_records:
                    return
        except _TestReadLimitReached:
            return
        finally:
            getattr(records, "close", lambda: None)()  # stops the scans (and their read-ahead) at once

    def log_formatter(self) -> Callable[[requests.Response], Any]:
        from airbyte_cdk.sources.http_logger import format_http_message

        # The same title and description SimpleRetriever's pages get (ModelToComponentFactory._get_log_formatter);
        # a parent stream's pages are marked auxiliary by the message repository of the factory that built it.
        return lambda response: format_http_message(
            response, f"Stream '{self.name}' request",
            f"Request performed in order to extract records for stream '{self.name}'", self.name)


@dataclass
class SnipeItRetriever(Retriever):
    """Reads one Snipe-IT list without losing or inventing rows: the stream's passes, each by a scan.

    Why not ``SimpleRetriever``: its paging cannot re-read a row to prove nothing was skipped
    (:class:`StableScan`), keep pages in flight (:class:`_ReadAhead`) or prove a newest-first read complete
    (:class:`NewestFirstScan`); see docs/architecture.md for each building block and what it would lose.
    Quirk of the passes (``$parameters.passes``): ``/hardware`` hides archived assets (``status=Archived`` lists
    them) and soft-deleted rows need ``deleted=true`` / ``status=Deleted``. The extra passes are read first, the
    default list skips what they delivered (an :class:`IdSet`), and they are read once more at the end, because an
    asset archived or restored mid-read moves between lists. Rows updated in or after the second the read started
    (the slice's horizon, :class:`SlicePages`) are left to the next sync, so the state's second is complete and the
    next sync can compare strictly (``updated_at > state``) and re-send nothing. Sample ``$parameters``: ``{name:
    hardware, resource: hardware, sort_by_updated_at: true, passes: [{}, {status: Archived}]}``.
    """

    requester: Requester
    paginator: Paginator
    decoder: Decoder
    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    name: str = ""
    primary_key: Optional[Union[str, List[str], List[List[str]]]] = None
    max_body_retries: int = 3

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.stream_parameters = parameters
        self.name = self.name or parameters.get("name", "")
        self.sort_key: str = parameters.get("sort_key", "id")
        # A pass may carry "when": <config flag>; it is read only when that option is on (include_deleted).
        self.passes: List[Mapping[str, Any]] = [
            {k: v for k, v in p.items() if k != "when"} for p in (parameters.get("passes") or [{}])
            if not p.get("when") or self.config.get(p["when"])
        ] or [{}]
        self.cursor_field: str = parameters.get("cursor_field", "updated_at_datetime")
        # Incremental reads go newest first on this column and stop at the state (activity: id, its order).
        self.newest_first_sort: Optional[str] = "updated_at" if parameters.get("sort_by_updated_at") else parameters.get("newest_first_sort")
        # Markdown-rendered columns; notes_markdown: false for the streams whose notes are bare e() (an empty
        # html_fields list would not survive the CDK's $parameters propagation, which drops empty lists)
        self.html_fields = parameters.get("html_fields", ["notes"]) if parameters.get("notes_markdown", True) else []
        self.raw_fields = parameters.get("raw_fields", [])
        self.paging: SnipeItOffsetIncrement = declared_paging(self.paginator)
        # check reads one page and stops: nothing to read ahead
        self.pages_in_flight = 1 if self.config.get("check_mode") else int(self.config.get("pages_in_flight") or DEFAULT_PAGES_IN_FLIGHT)
        self.test_read = TestReadLimits.of(self.name, self.paginator, self.config)  # Connector Builder only
        if self.test_read:
            self.pages_in_flight, self.max_body_retries = 1, 1
        self.sync = SyncContext.of(self.config)
        self.reader = PageReader(self.name, self.requester, self.paginator, self.decoder, self.sync,
                                 ReadProgress(self.name), self.max_body_retries, bool(self.config.get("check_mode")),
                                 self.test_read.log_formatter() if self.test_read else None)
        self._normalizers: List[Tuple[Mapping[str, Any], RecordNormalizer]] = []  # by schema object (one per stream)
        self._normalizer_lock = threading.Lock()
        harden_requester(self.requester, self.config, self.sync.contact)

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Record]:
        budget = self.test_read.page_budget() if self.test_read else None
        records = self._read_records(records_schema, stream_slice, budget)
        return records if self.test_read is None else self.test_read.limit(records)

    def _read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice],
                      budget: Optional[PageBudget]) -> Iterable[Record]:
        if self.config.get("check_mode"):
            yield from self._check_readable()
            return
        stream_slice = _SliceWithCachedHash(stream_slice or StreamSlice(partition={}, cursor_slice={}))
        normalize = self._normalizer(records_schema).normalize
        bound = self._bound(stream_slice)
        filtered = bound > EPOCH
        state = (stream_slice.cursor_slice or {}).get("start_time")  # checked against the first answer's Date
        state_cursor = (self.cursor_field, state) if filtered and state and state > EPOCH \
            and state != self.config.get("start_date") else None
        pages = SlicePages(self.reader, self.paging, stream_slice.partition, budget, state_cursor)
        delivered = IdSet()
        extra_passes = [p for p in self.passes if p]
        main_passes = [p for p in self.passes if not p]
        plan = extra_passes + main_passes + (extra_passes if main_passes else [])
        # Per record (100k a hardware read): what does not change inside the loop is read once, here.
        name, cursor_field, dedupe = self.name, self.cursor_field, len(plan) > 1
        for pass_params in plan:
            for data in self._scan(pages, pass_params, bound if filtered else None, normalize):
                key = data["id"]
                if key in delivered:
                    continue
                if filtered:
                    value = data.get(cursor_field)
                    if value is None or value <= bound or value >= (pages.horizon or "9"):
                        continue
                if dedupe:
                    delivered.add(key)
                yield Record(data=data, stream_name=name, associated_slice=stream_slice)

    def _bound(self, stream_slice: StreamSlice) -> str:
        """The one strict bound a row must pass (``cursor > bound``). The state is strict (every row of its second was
        read by the sync that wrote it); ``start_date`` is inclusive, so it becomes the second before it. Full
        refresh and a first incremental sync carry the same slice, from EPOCH or start_date: both read all."""
        state = (stream_slice.cursor_slice or {}).get("start_time") or EPOCH
        start = self.config.get("start_date")
        if self.name in (self.config.get("always_full_refresh_streams") or ()) or state == start:
            state = EPOCH  # read in full on every sync: server-computed columns (counts) stay exact
        return max(state, _second_before(start)) if start else state

    def _scan(self, pages: SlicePages, pass_params: Mapping[str, Any], bound: Optional[str],
              normalize: Callable) -> Iterable[Dict[str, Any]]:
        if bound and self.newest_first_sort:
            scan = NewestIdFirstScan(pages, pass_params, normalize, "id", self.cursor_field) \
                if self.newest_first_sort == "id" else \
                NewestFirstScan(pages, pass_params, normalize, self.newest_first_sort, self.cursor_field)
            try:
                rows = list(scan.rows(bound))  # materialised: on fallback nothing of the abandoned read was emitted
            except FallBackToFullScan as reason:
                LOGGER.info(f"Stream {self.name}: {reason}; reading it in full (sorted by {self.sort_key}) instead.")
            else:
                yield from rows
                return
        for new_rows in StableScan(pages, pass_params, normalize, self.sort_key, self.pages_in_flight).rows():
            yield from new_rows

    def _check_readable(self) -> Iterable[Record]:
        """``check``: one row of the stream, to learn whether the token may read it. A stream it may not read
        (HTTP 403) does not fail the check: its missing permission is reported, and ``read`` fails that stream
        alone. Yields nothing: the check needs an answer, not records."""
        try:
            self.reader.read({"limit": 1}, 0)
        except PermissionDenied as error:
            also = self.stream_parameters.get("also_needed_by")  # licenses: license_seats reads the same list
            self.sync.check_report.cannot_read(self.name, str(self.stream_parameters.get("permission")))
            self.sync.check_report.fail_if_nothing_is_readable(self.config.get("check_streams") or ())
            LOGGER.warning(f"Check: the token cannot read stream {self.name}. {error.message} Syncs will fail this "
                           f"stream{f' and {also}' if also else ''} and read the others.")
        return iter(())

    def _normalizer(self, schema: Mapping[str, Any]) -> RecordNormalizer:
        with self._normalizer_lock:
            for known, normalizer in self._normalizers:
                if known is schema:
                    return normalizer
            normalizer = RecordNormalizer(schema, self.config, self.name, html_fields=self.html_fields,
                                          raw_fields=self.raw_fields)
            self._normalizers.append((schema, normalizer))
            return normalizer


def _without_query(url: Optional[str]) -> str:
    return (url or "").split("?", 1)[0].split("#", 1)[0]


def _api_message(response: requests.Response) -> str:
    """The API's own words for an error (``{"message": ...}``, ``{"messages": ...}``, ``{"error": ...}``), or ""."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    text = next((body[k] for k in ("messages", "message", "error") if body.get(k)), None)
    return f": {str(text)[:300]}" if text else ""


# --------------------------------------------------------------------------------------------------
# A state later than the instance's clock
# --------------------------------------------------------------------------------------------------

# A state this far behind this machine's clock is not asked about: the instance's clock would have to be a day behind
# for it to be in the future (and then the first answer's Date fails the stream, _refuse_future_state).
FUTURE_STATE_CHECK_WINDOW = timedelta(days=1)


class ServerClock:
    """The instance's clock: the ``Date`` header of one answer, asked once per sync, only when a saved state is recent
    enough to be later than it (see :class:`FutureCursorState`). Any answer tells it (``GET /api/v1/version`` →
    ``Date: Mon, 07 Dec 2026 12:00:44 GMT`` → ``2026-12-07T12:00:44Z``), a refusal too; through the sync's request
    budget. None when the instance cannot be reached: the read then fails with the cause, naming it.
    """

    def __init__(self, sync: SyncContext) -> None:
        self.sync = sync
        self._lock = threading.Lock()
        self._asked = False
        self._second: Optional[str] = None

    def second(self) -> Optional[str]:
        with self._lock:
            if not self._asked:
                self._asked = True
                self._second = self._ask()
            return self._second

    def _ask(self) -> Optional[str]:
        # A plain request: a state migration is built before any requester, and gets only the config.
        sync, config = self.sync, self.sync.config
        if sync.fatal_error:
            return None
        try:
            with sync.request_slot("(the instance's clock)") as ticket:
                response = requests.get(
                    f"{config.get('api_url')}version",
                    headers={"Authorization": f"Bearer {config.get('api_token')}", "Accept": "application/json"},
                    timeout=(15, 60), allow_redirects=False, verify=config.get("ca_bundle") or True)
                sync.pacer.observe(response, ticket)
        except Exception as error:  # noqa: BLE001 - unreachable, TLS: the streams' own requests name the cause
            LOGGER.info(f"The instance's clock could not be read ({_short(error)}); this machine's clock stands in.")
            return None
        return _server_second(response)


@dataclass
class FutureCursorState(StateMigration):
    """A saved state whose cursor is later than the instance's clock is dropped: the stream is read as if it had none.

    Quirk: no row can be newer than the instance's clock (``updated_at`` is written with it, and every sync leaves the
    second it started in to the next), so a state of ``{"updated_at_datetime": "2099-01-01T00:00:00Z"}`` (a hand-edited
    file, a state from another instance or a clock set wrong) would deliver nothing, keep its cursor and never sync
    again; past this machine's clock the CDK's cursor makes no slice at all, so the retriever is never called. Only a
    state migration runs before the cursor is built, and only there can the state go back to a sane value: after the
    read it is the newest row read (older than the instance's clock). One warning names the stream and the cursor.
    The instance's clock is asked (:class:`ServerClock`) only for a state within a day of this machine's clock or
    later; with no answer, this machine's clock decides.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self.stream = parameters.get("name", "")
        self.cursor_field = parameters.get("cursor_field", "updated_at_datetime")

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        cursor = stream_state.get(self.cursor_field) if stream_state else None
        if not isinstance(cursor, str):
            return False
        now = datetime.now(timezone.utc)
        if cursor <= (now - FUTURE_STATE_CHECK_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ"):
            return False
        server = SyncContext.of(self.config).clock.second()
        clock = server or now.strftime("%Y-%m-%dT%H:%M:%SZ")
        if cursor <= clock:
            return False
        LOGGER.warning(f"Stream {self.stream}: the saved state's {self.cursor_field} {cursor} is later than "
                       f"{'the instance' if server else 'this machine'}'s clock ({clock}): no row can be newer, so that state "
                       "would never sync the stream again. The stream is read as if it had no state, and its state is "
                       "saved anew from the rows read.")
        return True

    def migrate(self, stream_state: Mapping[str, Any]) -> Mapping[str, Any]:
        return {k: v for k, v in stream_state.items() if k != self.cursor_field}


def _refuse_future_state(stream: str, state: Optional[Tuple[str, str]], server_second: Optional[str]) -> None:
    """The check of :class:`FutureCursorState` once the first answer told the instance's clock, for a state it did not
    ask about (more than a day behind this machine's clock, so the instance's clock is that far behind too). Here the
    CDK's cursor already holds the state and would keep it whatever is read: the stream fails, naming it."""
    if state and server_second and state[1] > server_second:
        raise _config_error(
            f"Stream {stream}: the saved state's {state[0]} {state[1]} is later than the instance's clock "
            f"({server_second}, its Date header), which is more than a day behind this machine's clock: no row can be "
            "newer, so this stream would deliver nothing and keep that state. Reset the stream's state (or correct the "
            "instance's clock) and sync again.")


# --------------------------------------------------------------------------------------------------
# Added streams
# --------------------------------------------------------------------------------------------------


@dataclass
class SnipeItLicenseSeatsRetriever(SnipeItRetriever):
    """``license_seats``: ``/licenses/{id}/seats`` of the license in the slice, which the manifest's
    ``SubstreamPartitionRouter`` makes from the ``licenses`` stream (``{"license_id": 12, "parent_slice": {}}``).

    Quirks: the seats endpoint ignores ``sort`` (always ``updated_at``, and seats created together share it, so a
    tie group spanning pages comes back in a different order on every request: rows may be skipped and others
    repeated) and restarts at offset 0 past the end. Scans are repeated (new ids only) until every one of ``total``
    ids was seen; a license whose seats fit in one page (the usual case) costs one request. A license deleted
    between the two reads answers ``{"status": "error", "messages": "License does not exist."}``: skipped.

    v7 (7.1.17) seats differ: no ``updated_at`` (the column is null), ordered by id, and a ``name`` the database does
    not hold, numbered by position in the page served (``LicenseSeatsTransformer``: ``"Seat " . $seat_count``, the
    count restarting on every page): ``{"id": 7, "license_id": 1, ..., "notes": "", "name": "Seat 2"}`` at offset 5.
    That name says nothing about the seat (another page size numbers it differently), so it is not written.
    """

    MAX_SEAT_SCANS = 25

    def _read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice],
                      budget: Optional[PageBudget]) -> Iterable[Record]:
        if self.config.get("check_mode"):
            return  # the partition router's read of licenses (in check mode) has asked /licenses: same permission
        stream_slice = _SliceWithCachedHash(stream_slice or StreamSlice(partition={}, cursor_slice={}))
        license_id = stream_slice.partition.get("license_id")
        if license_id is None:
            return
        pages = SlicePages(self.reader, self.paging, {"license_id": license_id}, budget)
        try:
            for data in self._seats(pages, license_id, self._normalizer(records_schema).normalize):
                yield Record(data=data, stream_name=self.name, associated_slice=stream_slice)
        except ItemMissing:
            LOGGER.info(f"Stream {self.name}: license {license_id} was deleted during the sync; skipped.")

    def _seats(self, pages: SlicePages, license_id: Any, normalize: Callable) -> Iterable[Dict[str, Any]]:
        seen: set = set()
        total: Optional[int] = None
        for _ in range(self.MAX_SEAT_SCANS):
            offset: Optional[int] = 0
            while offset is not None:
                page = pages({"sort": self.sort_key, "order": "asc"}, offset)
                total = page.total
                for row in page.rows:
                    if row["id"] not in seen:
                        seen.add(row["id"])
                        row.pop("name", None)  # v7: "Seat N", its position in this page
                        yield normalize(row)
                offset = self.paging.next_offset(offset, len(page.rows), total)
            if total is None or len(seen) >= total:
                return
        raise AirbyteTracedException(
            message=f"Stream {self.name}: license {license_id} reports {total} seats "
                    f"but only {len(seen)} distinct ones could be read (the API orders seats arbitrarily).",
            failure_type=FailureType.transient_error)


@dataclass
class HardwareSchemaWithCustomFields(SchemaLoader):
    """The hardware schema plus one typed column per custom field, read from ``/api/v1/fields`` at discover.

    Quirk: assets carry custom fields keyed by *display name* (``{"RAM": {"field": "_snipeit_ram_2", "value":
    "16", ...}}``), and names change; the database column (``_snipeit_ram_2``) does not. Each field becomes a
    column named after it, typed from its format (NUMERIC → number, BOOLEAN → boolean, DATE → date, else
    string). ``/fields`` is read through the declared requester and decoder, inside the sync's request budget (it
    may be the sync's first request: a refused token, a dead host or TLS failure ends discover and read there).
    If the fields cannot be read otherwise (a token without ``customfields.view``: 403), the static schema is
    used with a warning: the values are still in ``custom_fields``.
    """

    config: Mapping[str, Any]
    parameters: InitVar[Mapping[str, Any]]
    base: SchemaLoader  # the static hardware schema (an InlineSchemaLoader)
    requester: Requester  # the declared requester, on /fields
    decoder: Decoder  # the declared page decoder

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._schema: Optional[Dict[str, Any]] = None
        self._lock = threading.Lock()
        self.sync = SyncContext.of(self.config)
        harden_requester(self.requester, self.config, self.sync.contact)

    def get_json_schema(self) -> Mapping[str, Any]:
        with self._lock:  # asked once per partition: read /fields once per sync
            if self._schema is None:
                self._schema = self._build()
            return self._schema

    def _build(self) -> Dict[str, Any]:
        schema = json.loads(json.dumps(self.base.get_json_schema()))
        properties = schema.setdefault("properties", {})
        if self.config.get("check_mode"):
            return schema  # check reads no records: its first request is the diagnosis (/users/me)
        try:
            fields = self._read_fields()
        except AirbyteTracedException as error:
            if error.failure_type == FailureType.config_error and not isinstance(error, PermissionDenied):
                raise  # token refused, host unreachable, TLS, not Snipe-IT: the sync's error, not missing columns
            return _without_custom_field_columns(schema, error.message)
        except Exception as problem:  # noqa: BLE001 - a cut-off or odd answer only costs the extra columns
            return _without_custom_field_columns(schema, _short(problem))
        for spec in fields:
            column = html.unescape(str(spec.get("db_column_name") or ""))
            if not column.startswith("_snipeit_") or column in properties:
                continue
            fmt = str(spec.get("format") or "").upper()
            json_type = {"NUMERIC": "number", "BOOLEAN": "boolean"}.get(fmt, "string")
            prop: Dict[str, Any] = {"type": ["null", json_type], "x-snipeit-custom-field": True,
                                    "description": f"Custom field {html.unescape(str(spec.get('name')))!r} ({fmt or 'ANY'})"}
            if fmt == "DATE":
                prop["format"] = "date"
            properties[column] = prop
        return schema

    def _read_fields(self) -> List[Mapping[str, Any]]:
        # counts against the sync's budget, and may be its first request; /fields is one list, not paged
        response = self.sync.send(self.requester, "hardware", {"limit": SETTING_DEFAULTS["page_size"], "offset": 0})
        page = next(iter(self.decoder.decode(response)))
        return [row for row in page["rows"] if isinstance(row, dict)]


def _without_custom_field_columns(schema: Dict[str, Any], cause: Optional[str]) -> Dict[str, Any]:
    LOGGER.warning(f"Stream hardware: custom fields could not be read from /api/v1/fields ({cause}); "
                   "their values stay in the custom_fields object only.")
    return schema
