"""The test-control API under /__emulator__/ (no auth): truth, settings, requests, faults, mutations, config."""
from __future__ import annotations

import json

from . import registry
from .api import Response


def handle_control(emu, method, path, query, body):
    sub = path[len("/__emulator__/"):].strip("/")
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return Response(400, json.dumps({"error": "invalid JSON body"}))
    try:
        out = _dispatch(emu, method, sub, query, data)
    except (KeyError, ValueError, TypeError) as exc:
        return _ok({"error": str(exc)}, 400)
    return out if out is not None else _ok({"error": "unknown control endpoint"}, 404)


def _ok(obj, status=200):
    return Response(status, json.dumps(obj))


def _dispatch(emu, method, sub, query, data):
    if sub.startswith("truth/") and method == "GET":
        res = sub[len("truth/"):]
        if res not in registry.TRUTH_NAMES:
            return _ok({"error": "unknown resource %s" % res}, 404)
        return _ok(emu.truth(res, token=query.get("token")))
    if sub == "settings" and method == "GET":
        return _ok(emu.stored_settings())
    if sub == "custom_fields" and method == "GET":
        return _ok(emu.custom_fields())
    if sub == "requests":
        return _requests(emu, method)
    if sub == "faults":
        return _faults(emu, method, data)
    if sub == "mutate" and method == "POST":
        ids = emu.mutate(data["resource"], data["op"], ids=data.get("ids"), count=data.get("count"),
                         fields=data.get("fields"))
        return _ok({"ids": ids})
    if sub == "config":
        if method == "POST":
            emu.configure(**(data or {}))
        return _ok(emu.config())
    return None


def _requests(emu, method):
    if method == "GET":
        return _ok(emu.requests())
    if method == "DELETE":
        emu.clear_requests()
        return _ok({"cleared": True})
    return None


def _faults(emu, method, data):
    if method == "GET":
        return _ok(emu.faults())
    if method == "POST":
        rules = data if isinstance(data, list) else [data]
        for r in rules:
            emu.add_fault(r)
        return _ok({"added": len(rules), "faults": emu.faults()})
    if method == "DELETE":
        emu.clear_faults()
        return _ok({"cleared": True})
    return None
