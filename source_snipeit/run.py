"""Entry point: builds the declarative source from manifest.yaml and hands it to the CDK's launcher.

Everything a user hands the connector (command line, config, catalog, state) is checked here first, so a
mistake ends with one message naming it, never a traceback. Exit codes follow the Airbyte protocol: ``check``
reports a bad config as ``CONNECTION_STATUS: FAILED`` and exits 0; every other command exits 1 with a
``TRACE`` error message (2 for a command-line mistake, from argparse).
"""

from __future__ import annotations

import difflib
import io
import json
import re
import socket
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, TextIO
from urllib.parse import urlsplit

import orjson
import yaml

from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteLogMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    FailureType,
    Level,
    Status,
    Type,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch  # noqa: F401  (launch: kept for callers)
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

from types import ModuleType

from airbyte_cdk.sources.declarative.parsers.custom_code_compiler import (
    COMPONENTS_MODULE_NAME,
    SDM_COMPONENTS_MODULE_NAME,
)

from source_snipeit import layout

components_module = layout.install()
SnipeItConfigNormalizer, validate_config = components_module.SnipeItConfigNormalizer, components_module.validate_config

MANIFEST_PATH = Path(__file__).resolve().parent.parent / "manifest.yaml"
if not MANIFEST_PATH.exists():  # installed as a package: the manifest ships inside it
    MANIFEST_PATH = Path(__file__).resolve().parent / "manifest.yaml"

COMMANDS = ("spec", "check", "discover", "read")
# Keys the connector sets itself; a user config may carry them without a warning.
INTERNAL_KEYS = ("api_url", "check_mode")
CURSOR_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def load_manifest() -> Mapping[str, Any]:
    register_components()  # what the manifest's class_names resolve against
    return yaml.load(MANIFEST_PATH.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def register_components() -> ModuleType:
    """Make components.py resolvable under the names the manifest's class_names use, as the manifest-only runtime
    does: `source-declarative-manifest --components-path` (and an injected __injected_components_py) registers the
    file as both `components` and `source_declarative_manifest.components` in sys.modules, and the CDK's factory
    imports `source_declarative_manifest.components.X` from there. The module registered is this package's own
    import of the same file (not a second exec of it), so module state such as RequestPacer's per-sync registry
    exists once. Re-registered with every manifest load: an in-process injection (PyAirbyte, the standard test suite)
    replaces the entry with its own copy. No AIRBYTE_ENABLE_UNSAFE_CODE: like the components bundled in the image,
    this copy is part of the connector, not code supplied through the config."""
    sys.modules[SDM_COMPONENTS_MODULE_NAME] = components_module
    sys.modules[COMPONENTS_MODULE_NAME] = components_module
    return components_module


class SourceSnipeit(ConcurrentDeclarativeSource):
    def __init__(self, catalog: Any = None, config: Optional[Mapping[str, Any]] = None, state: Any = None) -> None:
        super().__init__(source_config=load_manifest(), config=config, catalog=catalog, state=state)
        self._checked_config = config

    def read_config(self, config_path: str) -> Mapping[str, Any]:
        # The launcher would read the file again: hand it the config checked (and its token stripped) by run(),
        # so the CDK's secret filter masks the token that is actually sent.
        if self._checked_config is not None:
            return dict(self._checked_config)
        return super().read_config(config_path)


# --------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------


class InputError(Exception):
    """A mistake in what the user handed the connector; the message names it and says what to do."""


class UsageError(InputError):
    """A command-line mistake: said on stderr too, and exit 2 as argparse does for its own."""


def _emit(message: AirbyteMessage) -> None:
    sys.stdout.write(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode() + "\n")
    sys.stdout.flush()


def _warn(text: str) -> None:
    _emit(AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.WARN, message=text)))


def _fail(command: str, text: str) -> None:
    """check: FAILED status, exit 0 (the Airbyte convention); anything else: a config-error trace, exit 1."""
    if command == "check":
        _emit(AirbyteMessage(type=Type.CONNECTION_STATUS,
                             connectionStatus=AirbyteConnectionStatus(status=Status.FAILED, message=text)))
        sys.exit(0)
    # Never raised, so its stack_trace is the one line of the message: no traceback to bury it.
    _emit(AirbyteTracedException(message=text, internal_message=text,
                                 failure_type=FailureType.config_error).as_airbyte_message())
    sys.exit(1)


class _Redacting(io.TextIOBase):
    """Masks the token in everything written to a stream, whatever put it there (library messages quote
    request headers). RECORD lines are passed through untouched: the API never returns the token, and
    scanning every record would cost the read time."""

    def __init__(self, stream: TextIO, secrets: List[str]) -> None:
        self._stream = stream
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def write(self, text: str) -> int:
        if not text.startswith('{"type":"RECORD"'):
            for secret in self._secrets:
                if secret in text:
                    text = text.replace(secret, "****")
            if text.startswith('{"type":"LOG"') and "Traceback (most recent call last)" in text:
                text = _log_without_traceback(text)
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return self._stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8")


def _log_without_traceback(text: str) -> str:
    """The CDK logs each failed stream as "Exception while syncing stream X" plus a Python traceback. The
    traceback stays in the trace message's stack_trace field (for the platform's debugging); the log line keeps
    the words before it."""
    try:
        message = json.loads(text)
    except ValueError:
        return text
    message["log"]["message"] = message["log"]["message"].split("Traceback (most recent call last)", 1)[0].rstrip()
    return orjson.dumps(message).decode() + ("\n" if text.endswith("\n") else "")


def _install_redaction(raw_token: Any) -> None:
    if not isinstance(raw_token, str) or not raw_token.strip():
        raw_token = ""
    variants = {raw_token, raw_token.strip(), json.dumps(raw_token)[1:-1], json.dumps(raw_token.strip())[1:-1],
                repr(raw_token)[1:-1], repr(raw_token.strip())[1:-1]}
    secrets = list(variants) + [v for token in list(variants) for v in token.split()]
    sys.stdout = _Redacting(sys.__stdout__ if sys.stdout is None else sys.stdout, secrets)  # type: ignore[assignment]
    sys.stderr = _Redacting(sys.__stderr__ if sys.stderr is None else sys.stderr, secrets)  # type: ignore[assignment]


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------


def _parse_args(args: List[str]) -> Any:
    if not args:
        raise UsageError(f"no command given: use one of {', '.join(COMMANDS)}, e.g. "
                         "`python main.py check --config secrets/config.json`.")
    if args[0] not in COMMANDS and not args[0].startswith("-"):
        close = difflib.get_close_matches(args[0], COMMANDS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageError(f"unknown command '{args[0]}'{hint}: use one of {', '.join(COMMANDS)}.")
    return AirbyteEntrypoint.parse_args(args)  # argparse: usage and exit 2 on a missing or unknown option


def _read_json_file(kind: str, path: str) -> Any:
    file = Path(path)
    if file.is_dir():
        raise InputError(f"the {kind} file {path} is a directory: give the path of a JSON file.")
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"the {kind} file {path} does not exist.")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise InputError(f"cannot read the {kind} file {path}: {reason}.")
    if not text.strip():
        raise InputError(f"the {kind} file {path} is empty: it must hold a JSON document.")
    try:
        return json.loads(text)
    except ValueError as error:
        raise InputError(f"the {kind} file {path} is not valid JSON ({error}).")


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _known_config_keys(manifest: Mapping[str, Any]) -> List[str]:
    return list(manifest["spec"]["connection_specification"].get("properties", {}))


def _check_config(path: str, manifest: Mapping[str, Any]) -> Dict[str, Any]:
    config = _read_json_file("config", path)
    if not isinstance(config, dict):
        raise InputError(f"the config file {path} holds {_json_kind(config)}; it must be a JSON object such as "
                         '{"base_url": "https://snipe.example.com", "api_token": "..."}.')
    for key in ("base_url", "api_token"):
        if key not in config:
            raise InputError(f"{key} is missing from the config file {path}: it is required.")
        if not isinstance(config[key], str):
            raise InputError(f"{key} must be a string, got {_json_kind(config[key])}.")
    if any(c.isspace() for c in config["base_url"].strip()):
        raise InputError(f"base_url '{config['base_url'].strip()}' contains whitespace: it must be one URL, "
                         "e.g. https://snipe.example.com")
    candidate = dict(config)
    SnipeItConfigNormalizer().transform(candidate)
    try:
        validate_config(candidate)
    except AirbyteTracedException as error:
        raise InputError(error.message or str(error))
    return candidate


def _unknown_key_warnings(config: Mapping[str, Any], manifest: Mapping[str, Any]) -> List[str]:
    known = _known_config_keys(manifest)
    warnings = []
    for key in config:
        if key in known or key in INTERNAL_KEYS or key.startswith("__"):  # "__": the platform's injected keys
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else f" Known keys: {', '.join(known)}."
        warnings.append(f"Config key '{key}' is not a setting of this connector and is ignored.{hint}")
    return warnings


def stream_names(manifest: Mapping[str, Any]) -> List[str]:
    names = []
    for stream in manifest.get("streams", []):
        name = stream.get("name") or (stream.get("$parameters") or {}).get("name")
        if name:
            names.append(name)
    return names


def _check_catalog(path: str, manifest: Mapping[str, Any]) -> Any:
    raw = _read_json_file("catalog", path)
    known = stream_names(manifest)
    if not isinstance(raw, dict) or not isinstance(raw.get("streams"), list):
        raise InputError(f"the catalog file {path} must be a JSON object with a \"streams\" list (a configured "
                         "catalog, e.g. integration_tests/configured_catalog.json), not "
                         f"{_json_kind(raw) if not isinstance(raw, dict) else 'an object without one'}.")
    if not raw["streams"]:
        raise InputError(f"the catalog file {path} selects no streams: nothing would be read. Add at least one of: "
                         f"{', '.join(known)}.")
    names = []
    for i, entry in enumerate(raw["streams"]):
        name = entry.get("stream", {}).get("name") if isinstance(entry, dict) and isinstance(entry.get("stream"), dict) else None
        if not isinstance(name, str):
            raise InputError(f"stream #{i + 1} of the catalog file {path} has no stream.name: each entry must look "
                             'like {"stream": {"name": "hardware", ...}, "sync_mode": "full_refresh", ...}.')
        names.append(name)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"the catalog file {path} names stream(s) this connector does not have: "
                         f"{', '.join(repr(n) for n in unknown)}. The streams are: {', '.join(known)}.")
    try:
        return ConcurrentDeclarativeSource.read_catalog(path)
    except Exception as error:  # the protocol model's own validation: name the first problem, not the trace
        first = " ".join(str(error).split())[:300]
        raise InputError(f"the catalog file {path} is not a valid configured catalog: {first}")


def _cursor_field(manifest: Mapping[str, Any], stream: str) -> Optional[str]:
    for entry in manifest.get("streams", []):
        params = entry.get("$parameters") or {}
        if params.get("name") == stream:
            if stream == "license_seats":
                return None
            return params.get("cursor_field", "updated_at_datetime")
    return None


def _check_state(path: str, manifest: Mapping[str, Any]) -> Any:
    raw = _read_json_file("state", path)
    example = ('[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "hardware"}, '
               '"stream_state": {"updated_at_datetime": "2024-01-01T00:00:00Z"}}}]')
    if raw == {}:
        return None  # what some platforms pass for "no state yet"
    if isinstance(raw, dict):
        raise InputError(f"the state file {path} is in the legacy format (one object keyed by stream). Use the list of "
                         f"per-stream states a read emits, e.g. {example} (scripts/state_from_messages.py builds it "
                         "from a read's output).")
    if not isinstance(raw, list):
        raise InputError(f"the state file {path} holds {_json_kind(raw)}; it must be a list like {example}.")
    known = stream_names(manifest)
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or entry.get("type", "STREAM") not in ("STREAM", "GLOBAL", "LEGACY"):
            raise InputError(f"state #{i + 1} in {path} is not a state message: each must look like {example}.")
        if entry.get("type") == "LEGACY" or "data" in entry and "stream" not in entry:
            raise InputError(f"state #{i + 1} in {path} is a legacy state: use per-stream states like {example}.")
        stream = entry.get("stream")
        if not isinstance(stream, dict) or not isinstance((stream.get("stream_descriptor") or {}).get("name"), str):
            raise InputError(f"state #{i + 1} in {path} has no stream.stream_descriptor.name: each must look like "
                             f"{example}.")
        name = stream["stream_descriptor"]["name"]
        if name not in known:
            _warn(f"The state file {path} holds a state for '{name}', which is not a stream of this connector; it is "
                  "ignored.")
            continue
        stream_state = stream.get("stream_state")
        if stream_state is None:
            continue
        if not isinstance(stream_state, dict):
            raise InputError(f"the state of stream '{name}' in {path} is {_json_kind(stream_state)}; it must be an "
                             "object like {\"updated_at_datetime\": \"2024-01-01T00:00:00Z\"}.")
        cursor = _cursor_field(manifest, name)
        if cursor and cursor in stream_state:
            value = stream_state[cursor]
            if not isinstance(value, str) or not CURSOR_FORMAT.match(value) or not _is_datetime(value):
                raise InputError(f"the state of stream '{name}' in {path} has {cursor} = {json.dumps(value)}, which "
                                 "is not a date-time: it must look like 2024-01-01T00:00:00Z (UTC). Fix or remove "
                                 "that stream's state to read it in full.")
    try:
        return ConcurrentDeclarativeSource.read_state(path)
    except Exception as error:
        first = " ".join(str(error).split())[:300]
        raise InputError(f"the state file {path} is not a valid Airbyte state: {first}")


def _is_datetime(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def _check_reachable(config: Mapping[str, Any]) -> None:
    """One TCP connection before discover/read: a refused connection or an unknown host is not something the
    requester's retries (a minute of backoff) can fix, so it is said at once. Nothing is sent, so no request
    count or rate budget changes; through a proxy the proxy decides, and this is skipped."""
    import requests.utils

    url = str(config.get("base_url") or "")
    parts = urlsplit(url)
    if not parts.hostname or requests.utils.get_environ_proxies(url):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=10).close()
    except socket.gaierror:
        raise InputError(f"Cannot reach {url}: the host name '{parts.hostname}' is unknown (DNS lookup failed). "
                         "Check base_url.")
    except ConnectionRefusedError:
        raise InputError(f"Cannot reach {url}: the connection to {parts.hostname}:{port} was refused (nothing "
                         "listens there). Check base_url, its port, and that Snipe-IT is running.")
    except socket.timeout:
        raise InputError(f"Cannot reach {url}: {parts.hostname}:{port} did not accept a connection within 10 s "
                         "(a firewall, or the wrong host). Check base_url and that this machine can reach it.")
    except OSError as error:
        raise InputError(f"Cannot reach {url}: {error.strerror or error}. Check base_url and the network.")


def _remember_stream_error(line: str, stream_errors: Dict[str, str]) -> str:
    """Each stream's own error message, kept for the sync's final error."""
    if line.startswith('{"type":"TRACE"') and '"type":"ERROR"' in line:
        error = json.loads(line)["trace"]["error"]
        stream = (error.get("stream_descriptor") or {}).get("name")
        if stream and error.get("message"):
            stream_errors.setdefault(stream, error["message"])
    return line


def _logs_through(stream: Any) -> None:
    """The CDK's log handler writes to its PrintBuffer, which writes to sys.__stdout__ and so past any wrapper of
    sys.stdout; pointing the handlers at sys.stdout puts every log line through the token mask."""
    import logging

    from airbyte_cdk.logger import PRINT_BUFFER

    loggers = [logging.getLogger()] + [l for l in logging.Logger.manager.loggerDict.values() if isinstance(l, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is PRINT_BUFFER:
                handler.setStream(stream)


def _launch(source: SourceSnipeit, args: List[str]) -> None:
    """The CDK's launch(), but a failed sync ends with the connector's own messages ("Stream groups: the token's
    user needs the 'superuser' permission"), not "the following streams did not sync successfully:
    AirbyteTracedException('GET' request to ... failed with status code '403' ...)" and a logged traceback."""
    entrypoint = AirbyteEntrypoint(source)
    parsed = entrypoint.parse_args(args)
    _logs_through(sys.stdout)
    stream_errors: Dict[str, str] = {}
    try:
        for line in entrypoint.run(parsed):
            # One write per message (threads log concurrently); stdout is block-buffered when piped.
            sys.stdout.write(f"{_remember_stream_error(line, stream_errors)}\n")
    except Exception as error:  # what the CDK's excepthook would print, minus its logged traceback
        if isinstance(error, AirbyteTracedException):
            traced = error
        else:
            traced = AirbyteTracedException.from_exception(error)
        if stream_errors:
            failed = "; ".join(f"{name}: {text.rstrip('.')}" for name, text in stream_errors.items())
            traced.message = f"Not read: {failed}. The other streams of the catalog, if any, were read."
        if not traced.message:
            traced.message = " ".join(str(error).split())[:500] or type(error).__name__
        sys.stdout.flush()
        _emit(traced.as_sanitized_airbyte_message())
        sys.exit(1)


def prepare(args: List[str]) -> Dict[str, Any]:
    """Parse and check every input; returns what the source is built from. Raises InputError."""
    parsed = _parse_args(args)
    command = parsed.command
    out: Dict[str, Any] = {"command": command, "config": None, "catalog": None, "state": None}
    if command == "spec":
        return out
    manifest = load_manifest()
    config = _check_config(parsed.config, manifest)
    out["config"] = config
    for text in _unknown_key_warnings(config, manifest):
        _warn(text)  # now: a failure further on must not hide it
    if command == "read":
        out["catalog"] = _check_catalog(parsed.catalog, manifest)
        if getattr(parsed, "state", None):
            out["state"] = _check_state(parsed.state, manifest)
    if command in ("discover", "read"):
        _check_reachable(config)
    return out


def run(args: List[str]) -> None:
    raw_token = None
    try:
        raw_config = json.loads(Path(args[args.index("--config") + 1]).read_text())
        raw_token = raw_config.get("api_token") if isinstance(raw_config, dict) else None
    except (ValueError, IndexError, OSError, AttributeError):
        pass
    _install_redaction(raw_token)
    command = args[0] if args else ""
    try:
        prepared = prepare(args)
    except UsageError as error:
        sys.stderr.write(f"usage: main.py {{{','.join(COMMANDS)}}} [--config C] [--catalog K] [--state S]\n"
                         f"main.py: error: {error}\n")
        _emit(AirbyteTracedException(message=str(error), internal_message=str(error),
                                     failure_type=FailureType.config_error).as_airbyte_message())
        sys.exit(2)
    except InputError as error:
        _fail(command, str(error))
        return
    source = SourceSnipeit(catalog=prepared["catalog"], config=prepared["config"], state=prepared["state"])
    _launch(source, args)


if __name__ == "__main__":
    run(sys.argv[1:])


def main() -> None:
    run(sys.argv[1:])
