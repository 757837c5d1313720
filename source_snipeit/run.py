"""``python main.py``: the program Airbyte's manifest-only image runs, on this checkout's manifest.yaml and components.py.

Every command goes to the CDK's local-manifest handler (``source_declarative_manifest.run.handle_local_manifest_command``,
see ``layout.py``), the handler the image's own ``main.py`` dispatches to. In front of it only checks of what the
platform writes for the image and a person writes by hand for ``main.py``: the command line, and the files it names
(each exists and holds a JSON document of the right shape; the catalog selects streams of this connector; the state's
cursors are date-times). The CDK would answer those with a Python traceback, or after a minute of retries.

Nothing the config *says* and nothing the server answers is decided here: that is the manifest's and components.py's
work, so the image answers the same (bad settings, unknown keys, an unreachable host, a refused token, the token
kept out of every output). Once the checks pass, this module adds, drops or rewrites nothing: the handler's output and
exit code are main.py's. Exit codes follow the Airbyte protocol: ``check`` reports a failure as
``CONNECTION_STATUS: FAILED`` and exits 0; other commands exit 1 with a ``TRACE`` error; 2 for a command-line mistake.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, List, Mapping, Optional

import orjson
import yaml

from airbyte_cdk.entrypoint import AirbyteEntrypoint
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
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_snipeit import layout

COMMANDS = ("spec", "check", "discover", "read")
CURSOR_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MANIFEST_PATH = layout.MANIFEST_PATH


def SourceSnipeit(catalog: Any = None, config: Optional[Mapping[str, Any]] = None, state: Any = None) -> Any:
    """The source object the image's handler builds (``SourceLocalYaml`` of the committed manifest), for the tests and
    tools that drive the CDK's entrypoint in-process."""
    return layout.image_source(config=config, catalog=catalog, state=state)


def load_manifest() -> Mapping[str, Any]:
    layout.install()
    return yaml.load(MANIFEST_PATH.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# --------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------


class InputError(Exception):
    """A mistake in a file the command line names; the message names it and says what to do."""


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


# --------------------------------------------------------------------------------------------------
# The command line and the files it names
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


def _check_working_folder() -> None:
    """The CDK's handler reads ./manifest.yaml before its package's: a foreign one in the working folder would be
    run instead of this connector."""
    here = Path("manifest.yaml")
    if here.is_file() and here.resolve() != MANIFEST_PATH.resolve() and here.read_bytes() != MANIFEST_PATH.read_bytes():
        raise UsageError(f"the working folder {Path.cwd()} holds another manifest.yaml, which the CDK's handler would "
                         f"load instead of {MANIFEST_PATH}: run main.py from another folder.")


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


def _check_config_file(path: str) -> None:
    """The file only: what it says is the manifest's to check (components.SnipeItConfigNormalizer)."""
    config = _read_json_file("config", path)
    if not isinstance(config, dict):
        raise InputError(f"the config file {path} holds {_json_kind(config)}; it must be a JSON object such as "
                         '{"base_url": "https://snipe.example.com", "api_token": "..."}.')


def stream_names(manifest: Mapping[str, Any]) -> List[str]:
    names = []
    for stream in manifest.get("streams", []):
        name = stream.get("name") or (stream.get("$parameters") or {}).get("name")
        if name:
            names.append(name)
    return names


def _check_catalog(path: str, manifest: Mapping[str, Any]) -> None:
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
        ConcurrentDeclarativeSource.read_catalog(path)
    except Exception as error:  # the protocol model's own validation: name the first problem, not the trace
        first = " ".join(str(error).split())[:300]
        raise InputError(f"the catalog file {path} is not a valid configured catalog: {first}")


def _cursor_field(manifest: Mapping[str, Any], stream: str) -> Optional[str]:
    for entry in manifest.get("streams", []):
        params = entry.get("$parameters") or {}
        if params.get("name") == stream:
            if "incremental_sync" not in entry and "incremental_sync" not in manifest.get("definitions", {}).get(
                    str(entry.get("$ref", "")).rsplit("/", 1)[-1], {}):
                return None
            return params.get("cursor_field", "updated_at_datetime")
    return None


def _check_state(path: str, manifest: Mapping[str, Any]) -> None:
    raw = _read_json_file("state", path)
    example = ('[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "hardware"}, '
               '"stream_state": {"updated_at_datetime": "2024-01-01T00:00:00Z"}}}]')
    if raw == {}:
        return  # what some platforms pass for "no state yet"
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
        ConcurrentDeclarativeSource.read_state(path)
    except Exception as error:
        first = " ".join(str(error).split())[:300]
        raise InputError(f"the state file {path} is not a valid Airbyte state: {first}")


def _is_datetime(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def check_inputs(args: List[str]) -> str:
    """Check the command line and the files it names; returns the command. Raises InputError / UsageError."""
    parsed = _parse_args(args)
    _check_working_folder()
    command = parsed.command
    if command == "spec":
        return command
    _check_config_file(parsed.config)
    if command == "read":
        manifest = load_manifest()
        _check_catalog(parsed.catalog, manifest)
        if getattr(parsed, "state", None):
            _check_state(parsed.state, manifest)
    return command


def run(args: List[str]) -> None:
    command = args[0] if args else ""
    try:
        check_inputs(args)
    except UsageError as error:
        sys.stderr.write(f"usage: main.py {{{','.join(COMMANDS)}}} [--config C] [--catalog K] [--state S]\n"
                         f"main.py: error: {error}\n")
        _emit(AirbyteTracedException(message=str(error), internal_message=str(error),
                                     failure_type=FailureType.config_error).as_airbyte_message())
        sys.exit(2)
    except InputError as error:
        _fail(command, str(error))
        return
    layout.image_run_module().handle_local_manifest_command(args)


def main() -> None:
    run(sys.argv[1:])


if __name__ == "__main__":
    main()
