"""Faithful emulator of the Snipe-IT v8.1.4 REST API (stdlib only)."""
from .data import Dataset, RESOURCES
from .server import Emulator, DEFAULT_TOKEN, VERSION

__all__ = ["Emulator", "Dataset", "DEFAULT_TOKEN", "RESOURCES", "VERSION"]
