"""First contact: every bad input a new user can hand the connector gets one clear answer.

Each row of BAD_INPUTS is one mistake (config, catalog, state, token, network, command line) and says what the
user must see: words of the message, the exit code (``FAILED`` = a ``check`` that reports a failed connection
and exits 0, the Airbyte convention), and, for every row, no traceback and no token anywhere in the output.

Every row runs the connector's entry point (``source_snipeit.run.run``, what ``main.py`` calls) against one
emulator, a dead port or a plain web server. Most rows run it in-process, output captured: a subprocess would
add seconds of imports each and nothing else; a few rows (a token with a newline, a refused token on read, a
misspelt command) run ``main.py`` as a subprocess, to prove the same answers reach a real process's stdout,
stderr and exit code.
RELIABILITY.md ("Bad input") lists the same table.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
import yaml

from snipeit_emulator import DEFAULT_TOKEN, Dataset, Emulator
from snipeit_emulator.data import ALL_RESOURCES

from harness import MAIN_PY, REPO

MANIFEST = yaml.safe_load((REPO / "manifest.yaml").read_text())
ALL_STREAMS = [s.get("$parameters", {}).get("name") for s in MANIFEST["streams"]]
# A token whose user may read everything but /groups (GroupsController wants a superuser).
NO_GROUPS_TOKEN = "no-groups-" + "g" * 54
NO_GROUPS_SCOPE = [r for r in ALL_RESOURCES if r != "groups"]
TOKEN = "first-contact-token-" + "t" * 44
TRACEBACK = "Traceback (most recent call last)"
DEAD = "dead"  # base_url placeholder: a local port nothing listens on
EMU = "emu"  # base_url placeholder: the emulator
FAILED = "FAILED"
SUCCEEDED = "SUCCEEDED"
ABSENT = object()


@dataclass
class Case:
    id: str
    command: str
    words: Tuple[str, ...]  # the message must contain each (case-insensitive)
    outcome: Any  # exit code, or FAILED / SUCCEEDED (check: status with exit 0)
    config: Any = field(default_factory=dict)  # overrides of a valid config; a non-dict replaces it; str = raw text
    catalog: Any = None  # None: a valid catalog of status_labels; str: raw text; ABSENT: no --catalog
    state: Any = None  # None: no --state; str: raw text
    args: Optional[List[str]] = None  # raw command line (after main.py), {config}/{catalog}/{state} substituted
    url: str = DEAD
    subprocess: bool = False  # needs a server, or the real command line


def _catalog(*names: str, **entry: Any) -> Dict[str, Any]:
    return {"streams": [dict({"stream": {"name": n, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                              "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}, **entry)
                        for n in names]}


def _state(stream: str, value: Any, key: str = "updated_at_datetime") -> List[Dict[str, Any]]:
    return [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": {key: value}}}]


C = Case
BAD_INPUTS: List[Case] = [
    # --- config file --------------------------------------------------------------------------------------
    C("config_is_json_array", "check", ("config file", "holds an array", "JSON object"), FAILED, config=[{"base_url": "x"}]),
    C("config_is_json_string", "check", ("holds a string", "JSON object"), FAILED, config='"https://snipe.example.com"'),
    C("config_is_null", "check", ("holds null",), FAILED, config="null"),
    C("config_is_array_on_read", "read", ("holds an array",), 1, config=[]),
    C("config_is_array_on_discover", "discover", ("holds an array",), 1, config=[]),
    C("config_file_missing", "check", ("config file", "does not exist"), FAILED, args=["check", "--config", "{missing}"]),
    C("config_file_missing_on_read", "read", ("config file", "does not exist"), 1,
      args=["read", "--config", "{missing}", "--catalog", "{catalog}"]),
    C("config_not_json", "check", ("config file", "not valid JSON"), FAILED, config='{"base_url": "https://x",'),
    C("config_file_empty", "check", ("config file", "is empty"), FAILED, config="   \n"),
    C("config_file_is_a_directory", "check", ("config file", "is a directory"), FAILED, args=["check", "--config", "{dir}"]),
    C("base_url_missing", "check", ("base_url is missing", "required"), FAILED, config={"base_url": ABSENT}),
    C("api_token_missing", "check", ("api_token is missing", "required"), FAILED, config={"api_token": ABSENT}),
    C("base_url_not_a_string", "check", ("base_url must be a string",), FAILED, config={"base_url": 8080}),
    C("api_token_not_a_string", "check", ("api_token must be a string",), FAILED, config={"api_token": 12345678}),
    C("base_url_empty", "check", ("base_url is empty",), FAILED, config={"base_url": ""}),
    C("base_url_without_scheme", "check", ("snipe.example.com", "is not a URL", "https://"), FAILED,
      config={"base_url": "snipe.example.com"}),
    C("base_url_ftp", "check", ("ftp://", "only http:// and https://"), FAILED, config={"base_url": "ftp://snipe.example.com"}),
    C("base_url_with_space", "check", ("base_url", "contains whitespace"), FAILED, config={"base_url": "https://snipe example.com"}),
    C("page_size_zero", "check", ("page_size", "1 to 500", "got 0"), FAILED, config={"page_size": 0}),
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
    C("number_format_unknown", "check", ("number_format", "1 234,56", "1,234.56"), FAILED, config={"number_format": "1 234,56"}),
    C("start_date_not_a_date", "check", ("start_date", "yesterday", "YYYY-MM-DD"), FAILED, config={"start_date": "yesterday"}),
    C("start_date_in_the_future", "check", ("start_date", "2999-01-01", "in the future", "nothing would be synced"), FAILED,
      config={"start_date": "2999-01-01"}),
    C("start_date_in_the_future_on_read", "read", ("start_date", "in the future"), 1, config={"start_date": "2999-01-01"}),
    C("start_date_a_number", "check", ("start_date must be a string",), FAILED, config={"start_date": 20240101}),
    C("ca_bundle_missing_with_http_url", "check", ("ca_bundle", "does-not-exist.pem", "does not exist"), FAILED,
      config={"base_url": "http://snipe.example.com", "ca_bundle": "does-not-exist.pem"}),
    C("ca_bundle_is_a_directory", "check", ("ca_bundle", "is a directory"), FAILED, config={"ca_bundle": "{dir}"}),
    C("include_deleted_a_string", "check", ("include_deleted", "true or false"), FAILED, config={"include_deleted": "yes"}),
    C("misspelt_key_page_sise", "check", ("page_sise", "Did you mean 'page_size'"), SUCCEEDED,
      config={"page_sise": 100}, url=EMU),
    C("misspelt_key_start_dat_on_read", "read", ("start_dat", "Did you mean 'start_date'", "Cannot reach"), 1,
      config={"start_dat": "2024-01-01"}),
    # --- catalog ---------------------------------------------------------------------------------------------
    C("catalog_file_missing", "read", ("catalog file", "does not exist"), 1, args=["read", "--config", "{config}", "--catalog", "{missing}"]),
    C("catalog_not_json", "read", ("catalog file", "not valid JSON"), 1, catalog="{streams: []}"),
    C("catalog_is_array", "read", ("catalog file", '"streams" list', "an array"), 1, catalog=[]),
    C("catalog_without_streams_key", "read", ("catalog file", '"streams" list'), 1, catalog={"stream": []}),
    C("catalog_with_no_streams", "read", ("selects no streams", "hardware"), 1, catalog={"streams": []}),
    C("catalog_unknown_stream", "read", ("'hardwares'", "does not have", "The streams are:", "hardware", "status_labels",
                                         "license_seats"), 1, catalog=_catalog("hardwares")),
    C("catalog_unknown_stream_among_known", "read", ("'assets'", "The streams are:"), 1, catalog=_catalog("users", "assets")),
    C("catalog_entry_without_name", "read", ("stream #1", "no stream.name"), 1, catalog={"streams": [{"sync_mode": "full_refresh"}]}),
    C("catalog_bad_sync_mode", "read", ("not a valid configured catalog",), 1, catalog=_catalog("users", sync_mode="sometimes")),
    C("catalog_option_missing", "read", ("--catalog",), 2, args=["read", "--config", "{config}"]),
    # --- state -----------------------------------------------------------------------------------------------
    C("state_file_missing", "read", ("state file", "does not exist"), 1,
      args=["read", "--config", "{config}", "--catalog", "{catalog}", "--state", "{missing}"]),
    C("state_not_json", "read", ("state file", "not valid JSON"), 1, state="[{"),
    C("state_legacy_format", "read", ("legacy format", "stream_descriptor", "state_from_messages"), 1,
      state={"hardware": {"updated_at_datetime": "2024-01-01T00:00:00Z"}}),
    C("state_legacy_message", "read", ("legacy state",), 1, state=[{"type": "LEGACY", "legacy": {"hardware": {}}}]),
    C("state_is_a_string", "read", ("state file", "holds a string"), 1, state='"2024-01-01"'),
    C("state_cursor_not_a_date", "read", ("status_labels", "updated_at_datetime", '"yesterday"', "not a date-time",
                                          "2024-01-01T00:00:00Z"), 1, state=_state("status_labels", "yesterday")),
    C("state_cursor_a_number", "read", ("status_labels", "1704067200", "not a date-time"), 1,
      state=_state("status_labels", 1704067200)),
    C("state_cursor_date_only", "read", ("2024-01-01", "not a date-time"), 1, state=_state("status_labels", "2024-01-01")),
    C("state_cursor_impossible_date", "read", ("2024-02-31T00:00:00Z", "not a date-time"), 1,
      state=_state("status_labels", "2024-02-31T00:00:00Z")),
    C("state_without_descriptor", "read", ("state #1", "stream_descriptor"), 1, state=[{"type": "STREAM", "stream": {}}]),
    C("state_stream_state_a_list", "read", ("status_labels", "an array", "must be an object"), 1,
      state=[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "status_labels"}, "stream_state": []}}]),
    # --- token -------------------------------------------------------------------------------------------------
    C("token_trailing_newline_is_stripped", "check", (), SUCCEEDED, config={"api_token": DEFAULT_TOKEN + "\n"},
      url=EMU, subprocess=True),
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
    C("token_refused_by_snipeit", "check", ("refused the API token", "401"), FAILED, url=EMU),
    C("token_refused_on_read", "read", ("refused the API token", "401"), 1, url=EMU, subprocess=True),
    C("token_without_permission_for_stream", "read", ("groups", "superuser", "403"), 1, url=EMU,
      config={"api_token": NO_GROUPS_TOKEN}, catalog=_catalog("groups")),
    # --- network -----------------------------------------------------------------------------------------------
    C("connection_refused_on_check", "check", ("Cannot reach", "Connection refused"), FAILED),
    C("connection_refused_on_read", "read", ("Cannot reach", "refused", "Check base_url"), 1),
    C("connection_refused_on_discover", "discover", ("Cannot reach", "refused"), 1),
    C("unknown_host_on_read", "read", ("Cannot reach", "snipe.invalid", "unknown"), 1, config={"base_url": "http://snipe.invalid"}),
    C("unknown_host_on_discover", "discover", ("Cannot reach", "snipe.invalid"), 1, config={"base_url": "http://snipe.invalid"}),
    C("connection_refused_on_read_subprocess", "read", ("Cannot reach", "refused"), 1),
    C("not_a_snipeit_instance", "check", ("does not look like a Snipe-IT instance",), FAILED, url="plain"),
    # --- command line ------------------------------------------------------------------------------------------
    C("no_command", "", ("no command given", "check"), 2, args=[]),
    C("misspelt_command", "", ("unknown command 'raed'", "did you mean 'read'"), 2, args=["raed", "--config", "{config}"],
      subprocess=True),
    C("check_without_config", "check", ("--config",), 2, args=["check"]),
    C("misspelt_option", "check", ("unrecognized arguments", "--confg"), 2, args=["check", "--config", "{config}", "--confg", "x"]),
]


# ---------------------------------------------------------------------------------------------------------
# Running a row
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    @property
    def messages(self) -> List[Dict[str, Any]]:
        out = []
        for line in self.stdout.splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    @property
    def status(self) -> Optional[Dict[str, Any]]:
        found = [m["connectionStatus"] for m in self.messages if m.get("type") == "CONNECTION_STATUS"]
        return found[-1] if found else None

    @property
    def said(self) -> str:
        """What a person sees: status message, error traces, warnings, and stderr."""
        parts = []
        for m in self.messages:
            if m.get("type") == "CONNECTION_STATUS":
                parts.append(m["connectionStatus"].get("message") or "")
            elif m.get("type") == "TRACE" and m["trace"].get("type") == "ERROR":
                parts.append(m["trace"]["error"].get("message") or "")
            elif m.get("type") == "LOG" and m["log"]["level"] in ("WARN", "ERROR", "FATAL"):
                parts.append(m["log"]["message"])
        return "\n".join(parts + [self.stderr])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _PlainWebsite:
    """A web server that is not Snipe-IT: every path answers 200 with an HTML page."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        import threading

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = b"<html><body>Welcome to nginx!</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def servers():
    emu = Emulator(dataset=Dataset.generate(seed=5, hardware=20, users=10), rate_limit=1_000_000,
                   tokens={DEFAULT_TOKEN: "all", NO_GROUPS_TOKEN: NO_GROUPS_SCOPE})
    emu.start()
    plain = _PlainWebsite()
    yield {EMU: emu.url, DEAD: f"http://127.0.0.1:{_free_port()}", "plain": plain.url}
    plain.stop()
    emu.stop()


def _write(path: Path, value: Any) -> str:
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return str(path)


def _config_of(case: Case, urls: Dict[str, str], workdir: Path) -> Any:
    if not isinstance(case.config, dict):
        return case.config
    base = {"base_url": urls[case.url], "api_token": TOKEN if case.url != EMU else DEFAULT_TOKEN,
            "requests_per_minute": 1_000_000}
    if case.id.startswith("token_refused"):
        base["api_token"] = TOKEN  # a well-formed token the emulator does not know
    for key, value in case.config.items():
        if value is ABSENT:
            base.pop(key, None)
        else:
            base[key] = str(workdir) if value == "{dir}" else value
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
    if case.command == "read" and case.catalog is not ABSENT:
        args += ["--catalog", files["catalog"]]
    if case.state is not None:
        args += ["--state", files["state"]]
    return args


def _run_in_process(args: List[str]) -> Outcome:
    from source_snipeit.run import run

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    handlers = [(h, h.stream) for lg in [logging.getLogger()] + [l for l in logging.Logger.manager.loggerDict.values()
                                                                 if isinstance(l, logging.Logger)]
                for h in lg.handlers if isinstance(h, logging.StreamHandler)]
    hook = sys.excepthook
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                run(args)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.stdout, sys.stderr = saved  # run() wraps them to mask the token, and points the CDK's logs there
        for handler, stream in handlers:
            handler.setStream(stream)
        sys.excepthook = hook
    return Outcome(code, out.getvalue(), err.getvalue())


def _run_subprocess(args: List[str], cwd: Path) -> Outcome:
    proc = subprocess.run([sys.executable, MAIN_PY, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def outcomes(servers, tmp_path_factory) -> Dict[str, Outcome]:
    """Every row, run once: subprocess rows three at a time (they mostly wait on imports), the rest in-process."""
    prepared = {}
    for case in BAD_INPUTS:
        workdir = tmp_path_factory.mktemp(case.id)
        prepared[case.id] = (case, _command_line(case, servers, workdir), workdir)
    results: Dict[str, Outcome] = {}
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {cid: pool.submit(_run_subprocess, args, workdir)
                   for cid, (case, args, workdir) in prepared.items() if case.subprocess}
        for cid, (case, args, workdir) in prepared.items():
            if not case.subprocess:
                results[cid] = _run_in_process(args)
        for cid, future in futures.items():
            results[cid] = future.result()
    return results


def _secrets_of(case: Case, urls: Dict[str, str]) -> List[str]:
    config = _config_of(case, urls, Path("."))
    token = config.get("api_token") if isinstance(config, dict) else None
    if not isinstance(token, str) or not token.strip():
        return []
    return [token, token.strip()] + [piece for piece in token.split() if len(piece) >= 8]


def test_the_table_has_at_least_sixty_bad_inputs_of_every_kind():
    assert len(BAD_INPUTS) >= 60
    assert len({c.id for c in BAD_INPUTS}) == len(BAD_INPUTS)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.id for c in BAD_INPUTS])
def test_bad_input_gets_one_clear_answer(case, outcomes, servers):
    result = outcomes[case.id]
    context = f"{case.id}: rc={result.returncode}\nstdout:\n{result.stdout[-2500:]}\nstderr:\n{result.stderr[-2500:]}"
    if case.outcome in (FAILED, SUCCEEDED):
        assert result.returncode == 0, context
        assert result.status is not None and result.status["status"] == case.outcome, context
    else:
        assert result.returncode == case.outcome, context
        assert result.status is None, context
    said = result.said.lower()
    for word in case.words:
        assert word.lower() in said, f"{case.id}: the message does not say {word!r}\n{context}"
    everything = result.stdout + result.stderr
    assert TRACEBACK not in result.stderr and TRACEBACK not in result.said, context
    for line in result.stdout.splitlines():  # only Airbyte messages on stdout, never a bare Python error
        assert line.startswith("{"), f"{case.id}: not an Airbyte message on stdout: {line[:200]}"
    for secret in _secrets_of(case, servers):
        assert secret not in everything, f"{case.id}: the token appears in the output"


# ---------------------------------------------------------------------------------------------------------
# Tokens as pasted: through check, discover and read, never in any output
# ---------------------------------------------------------------------------------------------------------

PASTED_TOKENS = {
    # accepted: whitespace around the token is stripped
    "trailing_newline": (DEFAULT_TOKEN + "\n", True),
    "crlf_and_tab": ("\t" + DEFAULT_TOKEN + "\r\n", True),
    "spaces_around": ("   " + DEFAULT_TOKEN + "  ", True),
    # refused by name: whitespace inside, or a character no HTTP header can carry
    "space_inside": (DEFAULT_TOKEN[:40] + " " + DEFAULT_TOKEN[40:], False),
    "newline_inside": (DEFAULT_TOKEN[:40] + "\n" + DEFAULT_TOKEN[40:], False),
    "tab_inside": (DEFAULT_TOKEN[:40] + "\t" + DEFAULT_TOKEN[40:], False),
    "non_ascii": (DEFAULT_TOKEN[:40] + "ü" + DEFAULT_TOKEN[40:], False),
    "non_ascii_dash_and_newline": (DEFAULT_TOKEN.replace("-", "–", 1) + "\n", False),
}


@pytest.mark.parametrize("command", ["check", "discover", "read"])
@pytest.mark.parametrize("name", list(PASTED_TOKENS))
def test_pasted_token_is_stripped_or_refused_by_name_and_never_printed(name, command, servers, tmp_path):
    token, accepted = PASTED_TOKENS[name]
    config = _write(tmp_path / "config.json", {"base_url": servers[EMU], "api_token": token,
                                               "requests_per_minute": 1_000_000})
    catalog = _write(tmp_path / "catalog.json", _catalog("status_labels", "users"))
    args = [command, "--config", config] + (["--catalog", catalog] if command == "read" else [])
    result = _run_in_process(args)
    context = f"rc={result.returncode}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    if command == "check":
        assert result.returncode == 0 and result.status["status"] == (SUCCEEDED if accepted else FAILED), context
    elif accepted:
        assert result.returncode == 0, context
        kinds = {m["type"] for m in result.messages}
        assert ("RECORD" if command == "read" else "CATALOG") in kinds, context
    else:
        assert result.returncode == 1, context
    if not accepted:
        assert "api_token contains" in result.said, context
    everything = result.stdout + result.stderr
    for secret in {token, token.strip(), DEFAULT_TOKEN, *(p for p in token.split() if len(p) >= 8)}:
        assert secret not in everything, f"{name}/{command}: the token appears in the output"
    assert TRACEBACK not in everything


def test_token_is_masked_even_where_the_connector_would_print_it(servers, tmp_path):
    """The last line of defence: a token pasted as a config *key* (so the unknown-key warning quotes it) comes out
    as ****; every other path above never prints it in the first place."""
    config = _write(tmp_path / "config.json", {"base_url": servers[EMU], "api_token": DEFAULT_TOKEN + "\n",
                                               "requests_per_minute": 1_000_000,
                                               DEFAULT_TOKEN: "pasted into the wrong field"})
    result = _run_in_process(["check", "--config", config])
    assert "Config key '****' is not a setting" in result.said, result.stdout[-2000:]
    assert DEFAULT_TOKEN not in result.stdout + result.stderr
