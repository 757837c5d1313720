"""Fixtures of the component tests (the fakes themselves are in fakes.py). The parent conftest gives every test a
fresh SyncContext registry."""

import pytest


@pytest.fixture
def clock(monkeypatch):
    """components' monotonic clock, moved only by the test and by the code's own sleeps (which return at once)."""
    now = {"t": 1000.0}
    monkeypatch.setattr("components.time.monotonic", lambda: now["t"])
    monkeypatch.setattr("components.time.sleep", lambda s: now.__setitem__("t", now["t"] + s))
    return now


@pytest.fixture
def no_sleep(monkeypatch):
    """Retries wait in components.time.sleep: recorded, not slept."""
    waits = []
    monkeypatch.setattr("components.time.sleep", waits.append)
    return waits
