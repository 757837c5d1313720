"""Faithful emulator of the Snipe-IT REST API (v8.1.4, and v7.1.17's shapes), stdlib only."""
from .data import ALL_RESOURCES, RESOURCES, Dataset
from .server import DEFAULT_TOKEN, VERSION, VERSIONS, Emulator

__all__ = ["Emulator", "Dataset", "DEFAULT_TOKEN", "RESOURCES", "ALL_RESOURCES", "VERSION", "VERSIONS"]
