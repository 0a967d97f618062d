"""Findings: what every check returns.

A finding is a small frozen record. A list of them decides a step's status and
turns into a DataFrame for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .redact import redact

SEVERITIES = ("error", "warning", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    """One observation about the input.

    Attributes:
        severity: "error", "warning" or "info".
        code: a stable code listed in the README, e.g. ``CERT_EXPIRED``.
        message: one sentence a consultant understands, with the value at fault.
        source: a path relative to the settings file, or a settings key.
        location: ``sheet!row`` or similar; empty when the whole source is meant.
    """

    severity: str
    code: str
    message: str
    source: str = ""
    location: str = ""

    def __post_init__(self) -> None:
        if self.severity not in _RANK:
            raise ValueError(f"unknown severity {self.severity!r}")
        # The sanitising boundary: a message may quote a library's error text, which may
        # quote a secret (contract §10). No finding ever holds one.
        for name in ("message", "source", "location"):
            value = getattr(self, name)
            cleaned = redact(value) if isinstance(value, str) else str(value)
            if cleaned != value:
                object.__setattr__(self, name, cleaned)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            severity=data["severity"],
            code=data["code"],
            message=data["message"],
            source=data.get("source", "") or "",
            location=data.get("location", "") or "",
        )


def error(code: str, message: str, source: str = "", location: str = "") -> Finding:
    return Finding("error", code, message, source, location)


def warning(code: str, message: str, source: str = "", location: str = "") -> Finding:
    return Finding("warning", code, message, source, location)


def info(code: str, message: str, source: str = "", location: str = "") -> Finding:
    return Finding("info", code, message, source, location)


def first_of(items: Iterable[Any], *, limit: int = 5) -> str:
    """``a, b, c, d, e and 3995 more``: findings never grow faster than the input (a repeated
    value gives one finding with its count and its first places, not one per pair)."""
    seen = [str(x) for x in items]
    head = ", ".join(seen[:limit])
    return head if len(seen) <= limit else f"{head} and {len(seen) - limit} more"


def status_of(findings: Iterable[Finding]) -> str:
    """``ok``, ``warnings`` or ``errors``: the worst severity present."""
    severities = {f.severity for f in findings}
    if "error" in severities:
        return "errors"
    if "warning" in severities:
        return "warnings"
    return "ok"


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; stable within a severity."""
    return sorted(findings, key=lambda f: _RANK[f.severity])


def findings_frame(findings: Iterable[Finding]) -> Any:
    """The findings as a pandas DataFrame (severity, code, message, source, location)."""
    import pandas as pd

    rows = [f.to_dict() for f in sort_findings(findings)]
    return pd.DataFrame(rows, columns=["severity", "code", "message", "source", "location"])
