"""Entry point: builds the declarative source from manifest.yaml and hands it to the CDK's launcher."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, List, Mapping, Optional

import orjson
import yaml

from airbyte_cdk.models import FailureType, AirbyteConnectionStatus, AirbyteMessage, AirbyteMessageSerializer, Status, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

from types import ModuleType

from airbyte_cdk.sources.declarative.parsers.custom_code_compiler import (
    COMPONENTS_MODULE_NAME,
    SDM_COMPONENTS_MODULE_NAME,
)

import source_snipeit.components as components_module
from source_snipeit.components import SnipeItConfigNormalizer, validate_config

MANIFEST_PATH = Path(__file__).resolve().parent.parent / "manifest.yaml"
if not MANIFEST_PATH.exists():  # installed as a package: the manifest ships inside it
    MANIFEST_PATH = Path(__file__).resolve().parent / "manifest.yaml"


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


def _read_json(path: Optional[str]) -> Any:
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        message = f"Cannot read {path}: {error.strerror if isinstance(error, OSError) else 'not valid JSON (' + str(error) + ')'}"
        failure = AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)
        print(orjson.dumps(AirbyteMessageSerializer.dump(failure.as_airbyte_message())).decode())
        sys.exit(1)


def _refuse_bad_config(command: str, config: Any) -> None:
    """Name the bad field before the CDK's generic JSON-schema check does ("0 is less than the minimum of 1")."""
    if not isinstance(config, dict):
        return
    candidate = dict(config)
    SnipeItConfigNormalizer().transform(candidate)
    try:
        validate_config(candidate)
    except AirbyteTracedException as error:
        if command == "check":
            status = AirbyteConnectionStatus(status=Status.FAILED, message=error.message)
            print(orjson.dumps(AirbyteMessageSerializer.dump(
                AirbyteMessage(type=Type.CONNECTION_STATUS, connectionStatus=status))).decode())
            sys.exit(0)
        print(orjson.dumps(AirbyteMessageSerializer.dump(error.as_airbyte_message())).decode())
        sys.exit(1)


def run(args: List[str]) -> None:
    parsed = AirbyteEntrypoint.parse_args(args)
    config = _read_json(getattr(parsed, "config", None))
    _refuse_bad_config(parsed.command, config)
    catalog = ConcurrentDeclarativeSource.read_catalog(parsed.catalog) if getattr(parsed, "catalog", None) else None
    state = ConcurrentDeclarativeSource.read_state(parsed.state) if getattr(parsed, "state", None) else None
    source = SourceSnipeit(catalog=catalog, config=config, state=state)
    launch(source, args)


if __name__ == "__main__":
    run(sys.argv[1:])


def main() -> None:
    run(sys.argv[1:])
