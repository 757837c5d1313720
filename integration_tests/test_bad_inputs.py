"""First contact: every bad input a new user can hand the connector gets one clear answer, through both doors.

Each row of BAD_INPUTS is one mistake (config, catalog, state, token, network, command line) and says what the user
must see: words of the message, the exit code (``FAILED`` = a ``check`` that reports a failed connection and exits 0,
the Airbyte convention), and, for every row, no traceback in what is said and no token anywhere in the output.

Every row runs as a real process through both doors, against one emulator, a dead port, a plain web server or a
server that dies after its first answer:

- ``main.py``: this checkout's entry point (the project's venv, Python 3.11);
- ``image``: the base image's local-manifest handler in the layout Airbyte's manifest-only template builds from the
  repository (root manifest.yaml + components.py), run by a venv with only the base image's airbyte-cdk on Python
  3.13, as the image runs it.

Rows about files only the platform writes for the image (the config *file*, the catalog, the state, the command line)
may get another answer through the image door, where the CDK's own entrypoint answers before the connector's code
runs: each such row carries that answer (``cdk_first``) and the reason the platform never hands it; RELIABILITY.md
("Bad input") lists them. Everything else gets the same answer through both doors.
"""

from __future__ import annotations

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from harness import REPO, Door, ReadResult, free_port, image_door, main_py_door, make_catalog, running_emulator
from snipeit_emulator import DEFAULT_TOKEN, Dataset
from snipeit_emulator.data import ALL_RESOURCES

# A token whose user may read everything but /groups (GroupsController wants a superuser).
NO_GROUPS_TOKEN = "no-groups-" + "g" * 54
NO_GROUPS_SCOPE = [r for r in ALL_RESOURCES if r != "groups"]
TOKEN = "first-contact-token-" + "t" * 44  # well-formed, unknown to the emulator
TRACEBACK = "Traceback (most recent call last)"
DEAD, EMU, PLAIN, DYING = "dead", "emu", "plain", "dying"  # base_url placeholders
FAILED, SUCCEEDED = "FAILED", "SUCCEEDED"
ABSENT = object()
RELIABILITY = (REPO / "RELIABILITY.md").read_text()


@dataclass(frozen=True)
class CdkFirst:
    """The image door's answer where the CDK's entrypoint answers before any connector code runs."""
    words: Tuple[str, ...]
    outcome: Any
    why: str  # why the platform never hands the image this input


@dataclass
class Case:
    id: str
    command: str
    words: Tuple[str, ...]  # the message must contain each (case-insensitive)
    outcome: Any  # exit code, or FAILED / SUCCEEDED (check: status with exit 0)
    config: Any = field(default_factory=dict)  # overrides of a valid config; a non-dict replaces it; str = raw text
    catalog: Any = None  # None: a valid catalog of status_labels; str: raw text
    state: Any = None  # None: no --state; str: raw text
    args: Optional[List[str]] = None  # raw command line, {config}/{catalog}/{state}/{missing}/{dir} substituted
    url: str = DEAD
    cdk_first: Optional[CdkFirst] = None


def _catalog(*names: str, **entry: Any) -> Dict[str, Any]:
    return {"streams": [dict({"stream": {"name": n, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                              "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}, **entry)
                        for n in names]}


def _state(stream: str, value: Any, key: str = "updated_at_datetime") -> List[Dict[str, Any]]:
    return [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": {key: value}}}]


WRITES_CONFIG = "the platform writes the config file itself, from the spec's form: always a JSON object"
WRITES_CATALOG = "the platform writes the configured catalog itself, from discover's streams"
WRITES_STATE = "the platform writes the state itself, from the STATE messages of the last sync"
WRITES_ARGS = "the platform starts the image with a command and the files it wrote"
NOT_OBJECT = CdkFirst(("Error starting the sync", "is not an object"), 1, WRITES_CONFIG)
NOT_JSON = CdkFirst(("Error starting the sync", "Could not read json file"), 1, WRITES_CONFIG)
NO_FILE = CdkFirst(("Error starting the sync", "No such file or directory"), 1, WRITES_CONFIG)

C = Case
BAD_INPUTS: List[Case] = [
    # --- the config file -------------------------------------------------------------------------------------
    C("config_is_json_array", "check", ("config file", "holds an array", "JSON object"), FAILED, config=[{"base_url": "x"}],
      cdk_first=NOT_OBJECT),
    C("config_is_json_string", "check", ("holds a string", "JSON object"), FAILED, config='"https://snipe.example.com"',
      cdk_first=NOT_OBJECT),
    C("config_is_null", "check", ("holds null",), FAILED, config="null", cdk_first=NOT_OBJECT),
    C("config_is_array_on_read", "read", ("holds an array",), 1, config=[], cdk_first=NOT_OBJECT),
    C("config_is_array_on_discover", "discover", ("holds an array",), 1, config=[], cdk_first=NOT_OBJECT),
    C("config_file_missing", "check", ("config file", "does not exist"), FAILED, args=["check", "--config", "{missing}"],
      cdk_first=NO_FILE),
    C("config_file_missing_on_read", "read", ("config file", "does not exist"), 1,
      args=["read", "--config", "{missing}", "--catalog", "{catalog}"], cdk_first=NO_FILE),
    C("config_not_json", "check", ("config file", "not valid JSON"), FAILED, config='{"base_url": "https://x",',
      cdk_first=NOT_JSON),
    C("config_file_empty", "check", ("config file", "is empty"), FAILED, config="   \n", cdk_first=NOT_JSON),
    C("config_file_is_a_directory", "check", ("config file", "is a directory"), FAILED, args=["check", "--config", "{dir}"],
      cdk_first=CdkFirst(("Error starting the sync", "Is a directory"), 1, WRITES_CONFIG)),
    # --- what the config says: the manifest's normaliser answers, in both doors --------------------------------
    C("base_url_missing", "check", ("base_url is missing", "required"), FAILED, config={"base_url": ABSENT}),
    C("api_token_missing", "check", ("api_token is missing", "required"), FAILED, config={"api_token": ABSENT}),
    C("base_url_not_a_string", "check", ("base_url must be a string",), FAILED, config={"base_url": 8080}),
    C("api_token_not_a_string", "check", ("api_token must be a string",), FAILED, config={"api_token": 12345678}),
    C("base_url_empty", "check", ("base_url is empty",), FAILED, config={"base_url": ""}),
    C("base_url_without_scheme", "check", ("snipe.example.com", "is not a URL", "https://"), FAILED,
      config={"base_url": "snipe.example.com"}),
    C("base_url_ftp", "check", ("ftp://", "only http:// and https://"), FAILED, config={"base_url": "ftp://snipe.example.com"}),
    C("base_url_with_space", "check", ("base_url", "contains whitespace"), FAILED, config={"base_url": "https://snipe example.com"}),
    C("base_url_malformed_port", "check", ("base_url", ":80a", "malformed host or port"), FAILED,
      config={"base_url": "https://snipe.example.com:80a"}),
    C("base_url_malformed_ipv6_host", "check", ("base_url", "malformed host or port", "[2001:db8::1]"), FAILED,
      config={"base_url": "http://[::1:8080"}),
    C("page_size_zero", "check", ("page_size", "1 to 500", "got 0"), FAILED, config={"page_size": 0}),
    C("page_size_zero_on_read", "read", ("page_size", "1 to 500", "got 0"), 1, config={"page_size": 0}),
    C("page_size_zero_on_discover", "discover", ("page_size", "got 0"), 1, config={"page_size": 0}),
    C("page_size_over_max", "check", ("page_size", "got 501"), FAILED, config={"page_size": 501}),
    C("page_size_string", "check", ("page_size", "'500'"), FAILED, config={"page_size": "500"}),
    C("num_workers_zero", "check", ("num_workers", "1 to 8", "got 0"), FAILED, config={"num_workers": 0}),
    C("num_workers_zero_on_read", "read", ("num_workers", "got 0"), 1, config={"num_workers": 0}),
    C("num_workers_too_many", "check", ("num_workers", "got 9"), FAILED, config={"num_workers": 9}),
    C("num_workers_string", "check", ("num_workers", "'4'"), FAILED, config={"num_workers": "4"}),
    C("pages_in_flight_zero", "check", ("pages_in_flight", "got 0"), FAILED, config={"pages_in_flight": 0}),
    C("requests_per_minute_zero", "check", ("requests_per_minute", "positive"), FAILED, config={"requests_per_minute": 0}),
    C("requests_per_minute_negative", "check", ("requests_per_minute", "-5"), FAILED, config={"requests_per_minute": -5}),
    C("rate_limit_window_zero", "check", ("rate_limit_window_seconds", "got 0"), FAILED, config={"rate_limit_window_seconds": 0}),
    C("timezone_unknown", "check", ("Mars/Olympus", "IANA time zone"), FAILED, config={"timezone": "Mars/Olympus"}),
    C("date_display_format_unknown", "check", ("date_display_format", "'d-m-Y'", "d.m.Y"), FAILED,
      config={"date_display_format": "d-m-Y"}),
    C("always_full_refresh_streams_unknown", "check", ("always_full_refresh_streams", "'hardwares'", "hardware"), FAILED,
      config={"always_full_refresh_streams": ["hardwares"]}),
    C("always_full_refresh_streams_not_a_list", "check", ("always_full_refresh_streams", "list of stream names"), FAILED,
      config={"always_full_refresh_streams": "users"}),
    # deprecated: money is read in either digit separator from the values; any value still accepted
    C("number_format_deprecated", "check", ("number_format", "1 234,56", "deprecated"), SUCCEEDED,
      config={"number_format": "1 234,56"}, url=EMU),
    C("start_date_not_a_date", "check", ("start_date", "yesterday", "YYYY-MM-DD"), FAILED, config={"start_date": "yesterday"}),
    C("start_date_with_a_space_no_zone", "check", ("start_date", "no time zone", "2024-01-01T00:00:00Z"), FAILED,
      config={"start_date": "2024-01-01 00:00:00"}),
    C("start_date_without_zone", "check", ("start_date", "no time zone", "2024-01-01T00:00:00Z"), FAILED,
      config={"start_date": "2024-01-01T00:00:00"}),
    C("start_date_with_an_offset_is_accepted", "check", (), SUCCEEDED, config={"start_date": "2024-01-01T00:00:00+02:00"},
      url=EMU),
    C("start_date_in_the_future", "check", ("start_date", "2999-01-01", "in the future", "nothing would be synced"), FAILED,
      config={"start_date": "2999-01-01"}),
    C("start_date_in_the_future_on_read", "read", ("start_date", "in the future"), 1, config={"start_date": "2999-01-01"}),
    C("start_date_a_number", "check", ("start_date must be a string",), FAILED, config={"start_date": 20240101}),
    C("ca_bundle_missing_with_http_url", "check", ("ca_bundle", "does-not-exist.pem", "does not exist"), FAILED,
      config={"base_url": "http://snipe.example.com", "ca_bundle": "does-not-exist.pem"}),
    C("ca_bundle_is_a_directory", "check", ("ca_bundle", "is a directory"), FAILED, config={"ca_bundle": "{dir}"}),
    C("ca_bundle_is_not_pem", "check", ("ca_bundle", "no PEM certificate", "openssl"), FAILED, config={"ca_bundle": "{text}"}),
    C("include_deleted_a_string", "check", ("include_deleted", "true or false"), FAILED, config={"include_deleted": "yes"}),
    C("two_settings_wrong", "check", ("2 settings need fixing", "page_size", "timezone"), FAILED,
      config={"page_size": 0, "timezone": "Nowhere/City"}),
    C("misspelt_key_page_sise", "check", ("page_sise", "Did you mean 'page_size'"), SUCCEEDED,
      config={"page_sise": 100}, url=EMU),
    C("misspelt_key_start_dat_on_read", "read", ("start_dat", "Did you mean 'start_date'", "Cannot reach"), 1,
      config={"start_dat": "2024-01-01"}),
    # --- the catalog file --------------------------------------------------------------------------------------
    C("catalog_file_missing", "read", ("catalog file", "does not exist"), 1,
      args=["read", "--config", "{config}", "--catalog", "{missing}"],
      cdk_first=CdkFirst(("Error starting the sync", "No such file or directory"), 1, WRITES_CATALOG)),
    C("catalog_not_json", "read", ("catalog file", "not valid JSON"), 1, catalog="{streams: []}",
      cdk_first=CdkFirst(("Error starting the sync", "Could not read json file"), 1, WRITES_CATALOG)),
    C("catalog_is_array", "read", ("catalog file", '"streams" list', "an array"), 1, catalog=[],
      cdk_first=CdkFirst(("Error starting the sync",), 1, WRITES_CATALOG)),
    C("catalog_without_streams_key", "read", ("catalog file", '"streams" list'), 1, catalog={"stream": []},
      cdk_first=CdkFirst(("Error starting the sync",), 1, WRITES_CATALOG)),
    C("catalog_with_no_streams", "read", ("selects no streams", "hardware"), 1, catalog={"streams": []},
      cdk_first=CdkFirst((), 0, WRITES_CATALOG + " and never starts a sync with none selected")),
    C("catalog_unknown_stream", "read", ("'hardwares'", "does not have", "The streams are:", "hardware", "status_labels",
                                         "license_seats"), 1, catalog=_catalog("hardwares"),
      cdk_first=CdkFirst((), 0, WRITES_CATALOG + "; the CDK skips a stream it does not have and reads the others")),
    C("catalog_unknown_stream_among_known", "read", ("'assets'", "The streams are:"), 1, catalog=_catalog("users", "assets"),
      cdk_first=CdkFirst(("Cannot reach",), 1, WRITES_CATALOG + "; the CDK skips 'assets' and reads users")),
    C("catalog_entry_without_name", "read", ("stream #1", "no stream.name"), 1, catalog={"streams": [{"sync_mode": "full_refresh"}]},
      cdk_first=CdkFirst(("Error starting the sync",), 1, WRITES_CATALOG)),
    C("catalog_bad_sync_mode", "read", ("not a valid configured catalog",), 1, catalog=_catalog("users", sync_mode="sometimes"),
      cdk_first=CdkFirst(("Error starting the sync",), 1, WRITES_CATALOG)),
    C("catalog_option_missing", "read", ("--catalog",), 2, args=["read", "--config", "{config}"]),
    # --- the state file ----------------------------------------------------------------------------------------
    C("state_file_missing", "read", ("state file", "does not exist"), 1,
      args=["read", "--config", "{config}", "--catalog", "{catalog}", "--state", "{missing}"],
      cdk_first=CdkFirst(("Error starting the sync", "No such file or directory"), 1, WRITES_STATE)),
    C("state_not_json", "read", ("state file", "not valid JSON"), 1, state="[{",
      cdk_first=CdkFirst(("Error starting the sync", "Could not read json file"), 1, WRITES_STATE)),
    C("state_legacy_format", "read", ("legacy format", "stream_descriptor", "state_from_messages"), 1,
      state={"hardware": {"updated_at_datetime": "2024-01-01T00:00:00Z"}},
      cdk_first=CdkFirst(("Error starting the sync",), 1, WRITES_STATE + " (per-stream, never the legacy object)")),
    C("state_legacy_message", "read", ("legacy state",), 1, state=[{"type": "LEGACY", "legacy": {"hardware": {}}}],
      cdk_first=CdkFirst(("Error starting the sync",), 1, WRITES_STATE + " (per-stream, never LEGACY)")),
    C("state_is_a_string", "read", ("state file", "holds a string"), 1, state='"2024-01-01"',
      cdk_first=CdkFirst(("Error starting the sync",), 1, WRITES_STATE)),
    C("state_cursor_not_a_date", "read", ("status_labels", "updated_at_datetime", '"yesterday"', "not a date-time",
                                          "2024-01-01T00:00:00Z"), 1, state=_state("status_labels", "yesterday"),
      cdk_first=CdkFirst(("yesterday",), 1, WRITES_STATE + ", whose cursors are the connector's own values")),
    C("state_cursor_a_number", "read", ("status_labels", "1704067200", "not a date-time"), 1,
      state=_state("status_labels", 1704067200),
      cdk_first=CdkFirst(("1704067200",), 1, WRITES_STATE + ", whose cursors are the connector's own values")),
    C("state_cursor_date_only", "read", ("2024-01-01", "not a date-time"), 1, state=_state("status_labels", "2024-01-01"),
      cdk_first=CdkFirst(("2024-01-01",), 1, WRITES_STATE + ", whose cursors are the connector's own values")),
    C("state_cursor_impossible_date", "read", ("2024-02-31T00:00:00Z", "not a date-time"), 1,
      state=_state("status_labels", "2024-02-31T00:00:00Z"),
      cdk_first=CdkFirst(("2024-02-31",), 1, WRITES_STATE + ", whose cursors are the connector's own values")),
    C("state_without_descriptor", "read", ("state #1", "stream_descriptor"), 1, state=[{"type": "STREAM", "stream": {}}],
      cdk_first=CdkFirst(("Error starting the sync",), 1, WRITES_STATE)),
    C("state_stream_state_a_list", "read", ("status_labels", "an array", "must be an object"), 1,
      state=[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "status_labels"}, "stream_state": []}}],
      cdk_first=CdkFirst(("Cannot reach",), 1, WRITES_STATE + "; the CDK reads the stream as if it had no state")),
    # --- the token: the manifest's normaliser and the instance answer, in both doors ----------------------------
    C("token_trailing_newline_is_stripped", "check", (), SUCCEEDED, config={"api_token": DEFAULT_TOKEN + "\n"}, url=EMU),
    C("token_surrounding_spaces_and_tab_are_stripped", "check", (), SUCCEEDED,
      config={"api_token": " \t" + DEFAULT_TOKEN + "  "}, url=EMU),
    C("token_with_space_inside", "check", ("api_token contains whitespace", "one unbroken string"), FAILED,
      config={"api_token": TOKEN[:20] + " " + TOKEN[20:]}),
    C("token_with_newline_inside", "check", ("api_token contains whitespace",), FAILED,
      config={"api_token": TOKEN[:30] + "\n" + TOKEN[30:]}),
    C("token_with_tab_inside_on_read", "read", ("api_token contains whitespace",), 1, config={"api_token": TOKEN[:9] + "\t" + TOKEN[9:]}),
    C("token_non_ascii", "check", ("api_token", "cannot be sent in an HTTP header"), FAILED,
      config={"api_token": TOKEN[:12] + "é" + TOKEN[12:]}),
    C("token_zero_width_space", "check", ("api_token", "not printable ASCII"), FAILED, config={"api_token": TOKEN + "\u200b"}),
    C("token_in_double_quotes", "check", ("api_token is wrapped in quotes", "without the quotes"), FAILED,
      config={"api_token": f'"{DEFAULT_TOKEN}"'}, url=EMU),
    C("token_in_double_quotes_on_read", "read", ("api_token is wrapped in quotes",), 1,
      config={"api_token": f'"{DEFAULT_TOKEN}"'}, url=EMU),
    C("token_with_bearer_prefix", "check", ("api_token starts with 'Bearer '", "token alone"), FAILED,
      config={"api_token": f"Bearer {DEFAULT_TOKEN}"}, url=EMU),
    C("token_refused_by_snipeit", "check", ("refused the API token", "401"), FAILED, url=EMU, config={"api_token": TOKEN}),
    C("token_refused_on_read", "read", ("refused the API token", "401"), 1, url=EMU, config={"api_token": TOKEN}),
    C("token_refused_on_discover", "discover", ("refused the API token", "401"), 1, url=EMU, config={"api_token": TOKEN}),
    C("token_without_permission_for_stream", "read", ("groups", "superuser", "403"), 1, url=EMU,
      config={"api_token": NO_GROUPS_TOKEN}, catalog=_catalog("groups")),
    # --- the network and the server ----------------------------------------------------------------------------
    C("connection_refused_on_check", "check", ("Cannot reach", "127.0.0.1", "refused"), FAILED),
    C("connection_refused_on_read", "read", ("Cannot reach", "127.0.0.1", "refused", "Check base_url"), 1),
    C("connection_refused_on_discover", "discover", ("Cannot reach", "127.0.0.1", "refused"), 1),
    C("unknown_host_on_read", "read", ("Cannot reach", "snipe.invalid", "unknown"), 1, config={"base_url": "http://snipe.invalid"}),
    C("unknown_host_on_discover", "discover", ("Cannot reach", "snipe.invalid"), 1, config={"base_url": "http://snipe.invalid"}),
    C("https_against_a_plain_http_server", "check", ("does not speak TLS", "http://"), FAILED, url="emu-https"),
    C("https_against_a_plain_http_server_on_read", "read", ("does not speak TLS", "http://"), 1, url="emu-https"),
    C("not_a_snipeit_instance", "check", ("does not look like a Snipe-IT instance",), FAILED, url=PLAIN),
    C("not_a_snipeit_instance_on_read", "read", ("HTML page", "not JSON"), 1, url=PLAIN),
    C("not_a_snipeit_instance_on_discover", "discover", ("HTML page", "not JSON"), 1, url=PLAIN),
    C("server_dies_during_the_read", "read", ("stopped answering during the sync", "refused", "the rows read before"), 1,
      url=DYING, catalog=_catalog("companies")),
    # --- the command line --------------------------------------------------------------------------------------
    C("no_command", "", ("no command given", "check"), 2, args=[],
      cdk_first=CdkFirst(("No command passed",), 1, WRITES_ARGS)),
    C("misspelt_command", "", ("unknown command 'raed'", "did you mean 'read'"), 2, args=["raed", "--config", "{config}"],
      cdk_first=CdkFirst(("invalid choice: 'raed'",), 2, WRITES_ARGS)),
    C("check_without_config", "check", ("--config",), 2, args=["check"]),
    C("misspelt_option", "check", ("unrecognized arguments", "--confg"), 2, args=["check", "--config", "{config}", "--confg", "x"]),
]


# ---------------------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------------------


class _Website:
    """A web server that is not Snipe-IT (every path: 200 with an HTML page), or, with `dies_after_first`, one that
    answers one Snipe-IT list page (more rows to come) and then stops listening: a server that dies mid-read."""

    def __init__(self, dies_after_first: bool = False) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if dies_after_first:
                    body = json.dumps({"total": 50, "rows": [{"id": 1, "name": "Acme", "created_at": None,
                                                               "updated_at": None}]}).encode()
                    kind = "application/json"
                else:
                    body, kind = b"<html><body>Welcome to nginx!</body></html>", "text/html"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if dies_after_first and "/users/me" not in self.path:
                    threading.Thread(target=owner.stop, daemon=True).start()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._stopped = threading.Event()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if not self._stopped.is_set():
            self._stopped.set()
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture(scope="module")
def doors(tmp_path_factory) -> Iterator[Dict[str, Door]]:
    """Both doors, warm: each command is a child of a fork server that has imported the CDK once (harness.Door.warm)."""
    try:
        image = image_door(tmp_path_factory.mktemp("image"))
    except LookupError as missing:
        pytest.skip(f"the image door needs {missing}")
    with main_py_door().warm() as main, image.warm() as warm_image:
        yield {"main.py": main, "image": warm_image}


@pytest.fixture(scope="module")
def servers():
    with running_emulator(Dataset.generate(seed=5, hardware=20, users=10),
                          tokens={DEFAULT_TOKEN: "all", NO_GROUPS_TOKEN: NO_GROUPS_SCOPE}) as emu:
        plain = _Website()
        yield {EMU: emu.url, "emu-https": emu.url.replace("http://", "https://"),
               DEAD: f"http://127.0.0.1:{free_port()}", PLAIN: plain.url}
        plain.stop()


# ---------------------------------------------------------------------------------------------------------
# Running a row
# ---------------------------------------------------------------------------------------------------------


def _write(path: Path, value: Any) -> str:
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return str(path)


def _config_of(case: Case, urls: Dict[str, str], workdir: Path) -> Any:
    if not isinstance(case.config, dict):
        return case.config
    base = {"base_url": urls.get(case.url, "http://127.0.0.1:1"), "api_token": DEFAULT_TOKEN if case.url.startswith(EMU) else TOKEN,
            "requests_per_minute": 1_000_000}
    for key, value in case.config.items():
        if value is ABSENT:
            base.pop(key, None)
        elif value == "{dir}":
            base[key] = str(workdir)
        elif value == "{text}":
            base[key] = _write(workdir / "not-a-certificate.txt", "just some text\n")
        else:
            base[key] = value
    return base


def _command_line(case: Case, urls: Dict[str, str], workdir: Path) -> List[str]:
    files = {"config": _write(workdir / "config.json", _config_of(case, urls, workdir)),
             "catalog": _write(workdir / "catalog.json", case.catalog if case.catalog is not None else _catalog("status_labels")),
             "missing": str(workdir / "no-such-file.json"), "dir": str(workdir)}
    if case.state is not None:
        files["state"] = _write(workdir / "state.json", case.state)
    if case.args is not None:
        return [a.format(**files) if a.startswith("{") else a for a in case.args]
    args = [case.command, "--config", files["config"]]
    if case.command == "read":
        args += ["--catalog", files["catalog"]]
    if case.state is not None:
        args += ["--state", files["state"]]
    return args


def said(result: ReadResult) -> str:
    """What a person sees: the status message, error traces' messages, warnings and errors logged, and stderr."""
    parts = []
    for m in result.messages:
        if m.get("type") == "CONNECTION_STATUS":
            parts.append(m["connectionStatus"].get("message") or "")
        elif m.get("type") == "TRACE" and m["trace"].get("type") == "ERROR":
            parts.append(m["trace"]["error"].get("message") or "")
        elif m.get("type") == "LOG" and m["log"]["level"] in ("WARN", "ERROR", "FATAL"):
            parts.append(m["log"]["message"])
    return "\n".join(parts + [result.stderr])


def _status(result: ReadResult) -> Optional[str]:
    return (result.connection_status or {}).get("status")


@pytest.fixture(scope="module")
def outcomes(doors, servers, tmp_path_factory) -> Dict[Tuple[str, str], ReadResult]:
    """Every row through every door, four processes at a time (each mostly starts Python and the CDK)."""
    jobs = {}
    for case in BAD_INPUTS:
        for door in doors:
            workdir = tmp_path_factory.mktemp(f"{case.id}-{door.replace('.', '')}")
            urls = dict(servers)
            if case.url == DYING:
                dying = _Website(dies_after_first=True)  # one per run: it dies
                urls[DYING] = dying.url
            jobs[(case.id, door)] = (doors[door], _command_line(case, urls, workdir), workdir)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(door.run, args, 120, workdir if door.name == "main.py" else None)
                   for key, (door, args, workdir) in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def _secrets_of(case: Case) -> List[str]:
    """The token the row's config holds (the default ones when it sets none), whole and in pieces."""
    if not isinstance(case.config, dict):
        return []
    token = case.config.get("api_token", ABSENT)
    tokens = [TOKEN, DEFAULT_TOKEN] if token is ABSENT else [token] if isinstance(token, str) and token.strip() else []
    return [piece for t in tokens for piece in (t, t.strip(), *re.split(r"[\s\"']+", t)) if len(piece) >= 8]


def test_the_table_has_a_row_for_every_kind_of_mistake():
    assert len(BAD_INPUTS) >= 90
    assert len({c.id for c in BAD_INPUTS}) == len(BAD_INPUTS)


@pytest.mark.parametrize("door", ["main.py", "image"])
@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_bad_input_gets_one_clear_answer(case, door, outcomes, servers):
    result = outcomes[(case.id, door)]
    context = f"{case.id} via {door}: rc={result.returncode}\nstdout:\n{result.stdout[-2500:]}\nstderr:\n{result.stderr[-2500:]}"
    expected = case.cdk_first if door == "image" and case.cdk_first else case
    if expected.outcome in (FAILED, SUCCEEDED):
        assert result.returncode == 0, context
        assert _status(result) == expected.outcome, context
    else:
        assert result.returncode == expected.outcome, context
        assert _status(result) is None, context
    text = said(result).lower()
    for word in expected.words:
        assert word.lower() in text, f"{case.id} via {door}: the message does not say {word!r}\n{context}"
    everything = result.stdout + result.stderr
    for secret in _secrets_of(case):
        assert secret not in everything, f"{case.id} via {door}: the token appears in the output"
    for line in result.stdout.splitlines():  # only Airbyte messages on stdout, never a bare Python error
        assert line.startswith("{"), f"{case.id} via {door}: not an Airbyte message on stdout: {line[:200]}"
    if expected is case:  # the connector answered: words, never a traceback (the stack stays in the trace's field)
        assert TRACEBACK not in said(result), context


def test_every_row_the_cdk_answers_first_is_listed_in_reliability_md():
    """RELIABILITY.md ("Bad input") names each row whose image answer is the CDK's, with why the platform never
    hands it."""
    section = RELIABILITY.split("## Bad input", 1)[-1]
    missing = [c.id for c in BAD_INPUTS if c.cdk_first and f"`{c.id}`" not in section]
    assert not missing, f"RELIABILITY.md does not list: {missing}"


# ---------------------------------------------------------------------------------------------------------
# A dead host, through the image: said in seconds, naming the host and the cause
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "discover", "read"])
def test_a_dead_host_fails_each_command_of_the_image_in_seconds(command, doors, tmp_path):
    port = free_port()
    config = _write(tmp_path / "config.json", {"base_url": f"http://127.0.0.1:{port}", "api_token": TOKEN})
    catalog = _write(tmp_path / "catalog.json", make_catalog(["hardware", "users"]))
    args = [command, "--config", config] + (["--catalog", catalog] if command == "read" else [])
    started = time.monotonic()
    result = doors["image"].run(args, timeout=60)
    wall = time.monotonic() - started
    text = said(result)
    assert wall < 15, f"{command} took {wall:.1f} s against a dead host"
    assert f"127.0.0.1:{port}" in text and "refused" in text, text
    assert "rate limit" not in result.stdout.lower(), "a refused connection reported as a rate limit"
    assert (_status(result) == FAILED) if command == "check" else (result.returncode == 1), text


# ---------------------------------------------------------------------------------------------------------
# Tokens as pasted: check and read give the same verdict for the same config, in both doors
# ---------------------------------------------------------------------------------------------------------

PASTED_TOKENS = {
    # accepted: whitespace around the token is stripped
    "trailing_newline": DEFAULT_TOKEN + "\n",
    "crlf_and_tab": "\t" + DEFAULT_TOKEN + "\r\n",
    # refused by name: a character no HTTP header can carry, whitespace inside, quotes, a scheme
    "space_inside": DEFAULT_TOKEN[:40] + " " + DEFAULT_TOKEN[40:],
    "non_ascii_dash": DEFAULT_TOKEN.replace("-", "–", 1),
    "double_quotes": f'"{DEFAULT_TOKEN}"',
    "bearer_prefix": f"Bearer {DEFAULT_TOKEN}",
    # refused by the instance
    "unknown_to_snipeit": TOKEN,
}


@pytest.fixture(scope="module")
def verdicts(doors, servers, tmp_path_factory) -> Dict[Tuple[str, str, str], ReadResult]:
    jobs = {}
    for name, token in PASTED_TOKENS.items():
        workdir = tmp_path_factory.mktemp(f"token-{name}")
        config = _write(workdir / "config.json", {"base_url": servers[EMU], "api_token": token,
                                                  "requests_per_minute": 1_000_000})
        catalog = _write(workdir / "catalog.json", _catalog("status_labels", "users"))
        for door in doors:
            for command in ("check", "discover", "read"):
                args = [command, "--config", config] + (["--catalog", catalog] if command == "read" else [])
                jobs[(name, door, command)] = (doors[door], args)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(door.run, args) for key, (door, args) in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("door", ["main.py", "image"])
@pytest.mark.parametrize("name", list(PASTED_TOKENS))
def test_check_and_read_give_the_same_verdict_for_the_same_token(name, door, verdicts):
    check, discover, read = (verdicts[(name, door, c)] for c in ("check", "discover", "read"))
    accepted = _status(check) == SUCCEEDED
    assert check.returncode == 0 and _status(check) in (SUCCEEDED, FAILED), check.describe()
    read_ok = read.returncode == 0 and bool(read.records.get("status_labels")) and not read.errors
    assert read_ok == accepted, f"check says {_status(check)}, read exits {read.returncode}:\n{said(check)}\n{said(read)}"
    discover_ok = discover.returncode == 0 and bool(discover.of_type("CATALOG"))
    assert discover_ok == accepted, said(discover)
    if not accepted:  # the same reason, in all three
        reason = _reason(check)
        assert reason in said(read) and reason in said(discover), (reason, said(read), said(discover))
    token = PASTED_TOKENS[name]
    for result in (check, discover, read):
        everything = result.stdout + result.stderr
        for secret in {token, token.strip(), DEFAULT_TOKEN, *(p for p in re.split(r"[\s\"']+", token) if len(p) >= 8)}:
            assert secret not in everything, f"{name}/{door}: the token appears in the output"
        assert TRACEBACK not in said(result)


def _reason(check: ReadResult) -> str:
    """The first words of a failed check's reason, without the CDK's wrapping of it."""
    text = next(m["connectionStatus"].get("message") or "" for m in check.messages if m.get("type") == "CONNECTION_STATUS")
    text = re.sub(r"^Encountered an error while [^.]*\. Error: ", "", text.strip("'\""))
    return re.sub(r"^Stream \w+ is not available: ", "", text)[:30]


def test_the_token_is_masked_even_where_the_connector_would_print_it(doors, servers, tmp_path):
    """The last line of defence, in both doors: a token pasted as a config *key* (so the unknown-key warning quotes
    it) comes out as ****; every other path never prints it in the first place."""
    config = _write(tmp_path / "config.json", {"base_url": servers[EMU], "api_token": DEFAULT_TOKEN + "\n",
                                               "requests_per_minute": 1_000_000, DEFAULT_TOKEN: "pasted into the wrong field"})
    for door in doors.values():
        result = door.run(["check", "--config", config])
        assert "Config key '****' is not a setting" in said(result), result.stdout[-2000:]
        assert DEFAULT_TOKEN not in result.stdout + result.stderr


def test_both_doors_answer_spec_with_this_connectors_spec(doors):
    """Not the generic source-declarative-manifest spec: the committed manifest's, the same through both doors."""
    specs = []
    for door in doors.values():
        result = door.run(["spec"])
        found = result.of_type("SPEC")
        assert result.returncode == 0 and len(found) == 1, result.describe()
        specs.append(found[0]["spec"])
    assert specs[0] == specs[1] and specs[0]["connectionSpecification"]["title"] == "Snipe-IT Spec"
