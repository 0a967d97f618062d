"""iCalendar (RFC 5545) for the go-live runbook: the edge where a calendar is its reader.

Only what the runbook needs: a ``VCALENDAR`` of ``VEVENT``s, all-day (``VALUE=DATE``) or
timed (UTC, ``…Z``), optionally repeated daily (``RRULE:FREQ=DAILY;COUNT=n``). The text
rules are RFC 5545's: lines end in CRLF (§3.1), a line longer than 75 octets is folded with
CRLF and one space without splitting a UTF-8 character (§3.1), and a TEXT value escapes
``\\``, ``;``, ``,`` and line breaks (§3.3.11). Some calendar clients show DESCRIPTION as
HTML, so ``<`` and ``>`` are written as the single angle quotation marks ``‹`` and ``›``:
a value can never become markup there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Event", "calendar", "fold", "text"]

LINE_OCTETS = 75


@dataclass(frozen=True)
class Event:
    """One VEVENT. ``start``/``end`` are both dates (all-day; ``end`` exclusive) or both
    aware date-times; ``daily`` repeats it that many days."""

    uid: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    summary: str
    description: str = ""
    daily: int = 0


def text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11), never markup in a client that renders HTML."""
    out = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    out = out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return out.replace("<", "\u2039").replace(">", "\u203a")


def fold(line: str) -> str:
    """One content line folded at 75 octets, each piece ending in CRLF (RFC 5545 §3.1)."""
    pieces: list[bytes] = []
    current = b""
    limit = LINE_OCTETS
    for ch in line:
        raw = ch.encode("utf-8")
        if len(current) + len(raw) > limit:
            pieces.append(current)
            current, limit = b"", LINE_OCTETS - 1  # a continuation starts with one space
        current += raw
    pieces.append(current)
    return "\r\n ".join(p.decode("utf-8") for p in pieces) + "\r\n"


def _stamp(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("a timed event needs an aware date-time")
        return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def _when(name: str, value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return f"{name}:{_stamp(value)}"
    return f"{name};VALUE=DATE:{_stamp(value)}"


def calendar(events: Sequence[Event], *, stamp: dt.datetime, product: str, name: str) -> bytes:
    """The whole ``.ics`` as UTF-8 bytes. ``stamp`` (aware) is every event's DTSTAMP."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{text(product)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{text(name)}",
    ]
    for e in events:
        if isinstance(e.start, dt.datetime) != isinstance(e.end, dt.datetime):
            raise ValueError(f"{e.uid}: start and end must both be dates or both date-times")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{text(e.uid)}",
            f"DTSTAMP:{_stamp(stamp)}",
            _when("DTSTART", e.start),
            _when("DTEND", e.end),
        ]
        if e.daily:
            lines.append(f"RRULE:FREQ=DAILY;COUNT={int(e.daily)}")
        lines.append(f"SUMMARY:{text(e.summary)}")
        if e.description:
            lines.append(f"DESCRIPTION:{text(e.description)}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines).encode("utf-8")
