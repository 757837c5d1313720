"""pytest fixtures of the integration tests; everything else of the harness is in the root `harness.py`."""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

import pytest

from snipeit_emulator import Dataset, Emulator

from harness import ReadResult, new_emulator, run_read


@pytest.fixture
def start_emulator():
    """Factory: start_emulator(dataset=None, **Emulator kwargs) -> started Emulator; all stopped at teardown."""
    started: List[Emulator] = []

    def _start(dataset: Optional[Dataset] = None, **kwargs: Any) -> Emulator:
        emu = new_emulator(dataset, **kwargs)
        started.append(emu)
        return emu

    yield _start
    for emu in started:
        emu.stop()


@pytest.fixture
def emu(start_emulator) -> Emulator:
    return start_emulator()


@pytest.fixture
def read(tmp_path):
    """read(config, streams=..., state=..., incremental=...) -> ReadResult (files kept under tmp_path)."""

    def _read(config: Mapping[str, Any], **kwargs: Any) -> ReadResult:
        return run_read(tmp_path, config, **kwargs)

    return _read
