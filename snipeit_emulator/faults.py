"""Injected faults: rules matched against each /api request before authentication, first applicable wins."""
from __future__ import annotations

import threading

ACTIONS = ("status", "drop", "truncate", "stall", "error200", "html", "latency", "mutate")


class FaultRules:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []

    def add(self, rule):
        if rule.get("action") not in ACTIONS:
            raise ValueError("unknown fault action %r" % rule.get("action"))
        with self._lock:
            self._rules.append({"rule": rule, "seen": 0, "applied": 0})

    def clear(self):
        with self._lock:
            self._rules.clear()

    def listing(self):
        with self._lock:
            return [dict(f["rule"], _seen=f["seen"], _applied=f["applied"]) for f in self._rules]

    def match(self, path, query):
        """The rule that applies to this request (counting it as seen and applied), or None."""
        with self._lock:
            for f in self._rules:
                r = f["rule"]
                if r.get("path") and not path.startswith(r["path"]):
                    continue
                if any(query.get(k) != str(v) for k, v in (r.get("query") or {}).items()):
                    continue
                if r.get("times") is not None and f["applied"] >= int(r["times"]):
                    continue
                f["seen"] += 1
                if r.get("nth") is not None and f["seen"] != int(r["nth"]):
                    continue
                f["applied"] += 1
                return r
        return None


def status_fault_body(rule):
    """(status, body, content type) of a ``status`` fault: its body, or the default one of its code."""
    code = int(rule.get("status", 500))
    body = rule.get("body")
    if body is None:
        if code == 429:
            body = {"status": "error", "messages": "Too many requests", "payload": None}
        elif code >= 500:
            body = {"message": "Server Error"}
        else:
            body = {"status": "error", "messages": code, "payload": None}
    return code, body, rule.get("content_type", "text/html; charset=UTF-8")
