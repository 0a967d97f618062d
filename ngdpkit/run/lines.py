"""What a child of ``ngdpkit run`` says to its parent on stdout beside its console lines:
lines that belong together (its summary, its errors, the runbook's verdict) as one marked
line of JSON, which the parent relays without another environment's line between them (CI
saw production's progress between test's summary and its "Drejebogens trin 1")."""

from __future__ import annotations

import json

TOGETHER_MARK = "NGDPKIT_TOGETHER="


def together(lines: list[str]) -> str:
    """``lines`` as one marked line."""
    return TOGETHER_MARK + json.dumps(lines, ensure_ascii=False)


def apart(line: str) -> list[str]:
    """The lines of a marked line (the line itself, should it not be one whole)."""
    try:
        lines = json.loads(line[len(TOGETHER_MARK) :])
    except ValueError:
        return [line]
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        return [line]
    return [y for x in lines for y in x.splitlines() or [""]]
