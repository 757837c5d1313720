"""limit_malloc_arenas: at most two glibc arenas for the sync's threads, unless the environment chose its own."""

import platform

import pytest

from components import limit_malloc_arenas


@pytest.fixture(autouse=True)
def fresh():
    limit_malloc_arenas.cache_clear()
    yield
    limit_malloc_arenas.cache_clear()


def test_the_environments_malloc_arena_max_stands(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert limit_malloc_arenas() is False


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="mallopt(M_ARENA_MAX) is glibc's: elsewhere the limit is a no-op")
def test_glibc_takes_the_limit(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas() is True
