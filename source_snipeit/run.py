"""Entry point: builds the declarative source from manifest.yaml and hands it to the CDK's launcher."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, List, Mapping, Optional

import yaml

from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

MANIFEST_PATH = Path(__file__).resolve().parent.parent / "manifest.yaml"
if not MANIFEST_PATH.exists():  # installed as a package: the manifest ships inside it
    MANIFEST_PATH = Path(__file__).resolve().parent / "manifest.yaml"


def load_manifest() -> Mapping[str, Any]:
    return yaml.safe_load(MANIFEST_PATH.read_text())


class SourceSnipeit(ConcurrentDeclarativeSource):
    def __init__(self, catalog: Any = None, config: Optional[Mapping[str, Any]] = None, state: Any = None) -> None:
        super().__init__(source_config=load_manifest(), config=config, catalog=catalog, state=state)


def _read_json(path: Optional[str]) -> Any:
    if not path:
        return None
    return json.loads(Path(path).read_text())


def run(args: List[str]) -> None:
    parsed = AirbyteEntrypoint.parse_args(args)
    config = _read_json(getattr(parsed, "config", None))
    catalog = AirbyteEntrypoint.read_catalog(parsed.catalog) if getattr(parsed, "catalog", None) else None
    state = AirbyteEntrypoint.read_state(parsed.state) if getattr(parsed, "state", None) else None
    source = SourceSnipeit(catalog=catalog, config=config, state=state)
    launch(source, args)


if __name__ == "__main__":
    run(sys.argv[1:])


def main() -> None:
    run(sys.argv[1:])
