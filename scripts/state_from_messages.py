"""Turn a read's output into the next read's --state file: the last STATE message of each stream.

    python main.py read --config C --catalog K > messages.jsonl
    python scripts/state_from_messages.py messages.jsonl > state.json
    python main.py read --config C --catalog K --state state.json

Reads Airbyte messages, one JSON object a line (from a file, or stdin with "-" or no argument); lines that are not
JSON are skipped. Writes the per-stream state list ``main.py read --state`` expects. Stdlib only.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, Iterable, List, Optional


def states_from(lines: Iterable[str]) -> List[Dict[str, Any]]:
    latest: Dict[str, Dict[str, Any]] = {}
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue
        state = message.get("state") if message.get("type") == "STATE" else None
        if isinstance(state, dict) and state.get("type", "STREAM") == "STREAM" and isinstance(state.get("stream"), dict):
            name = state["stream"].get("stream_descriptor", {}).get("name")
            if name:
                latest[name] = {"type": "STREAM", "stream": state["stream"]}
    return list(latest.values())


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or args[:1] in (["-h"], ["--help"]):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        source = sys.stdin if not args or args[0] == "-" else open(args[0], encoding="utf-8")
    except OSError as error:
        print(f"state_from_messages: error: cannot read {args[0]}: {error.strerror}", file=sys.stderr)
        return 1
    with source:
        states = states_from(source)
    if not states:
        print("state_from_messages: error: no STATE message in the input (did the read succeed?)", file=sys.stderr)
        return 1
    json.dump(states, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
