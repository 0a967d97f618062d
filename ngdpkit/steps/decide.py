"""Writing the consultant's decisions (contract §12.7): what the notebook's editor and
``nk.decide`` do. Reading them is :mod:`ngdpkit.inputs.decisions`."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError
from ..inputs.decisions import DECISIONS, HEADERS, Decision


def write_decisions(
    path: Path,
    decisions: Iterable[Decision],
) -> Path:
    """Append ``decisions`` to ``path`` (created with its BOM and header when new).

    A line is written whole or not at all as far as one ``write`` goes, and flushed to disk
    before this returns: a decision the editor showed as saved is on disk. Text a
    spreadsheet could run gets a leading ``'`` (read back without it)."""
    from ..outputs import csv_field

    new = not path.exists() or path.stat().st_size == 0
    lines = []
    if new:
        lines.append(";".join(csv_field(h) for h in HEADERS))
    for d in decisions:
        if d.decision not in DECISIONS:
            raise InputError(f"decision {d.decision!r} is not one of {', '.join(DECISIONS)}")
        lines.append(
            ";".join(
                csv_field(v)
                for v in (d.key, d.decision, d.guid, d.decided_by, d.decided_at, d.note)
            )
        )
    data = "".join(line + "\r\n" for line in lines).encode("utf-8")
    if new:
        data = b"\xef\xbb\xbf" + data
    elif not _ends_with_newline(path):
        data = b"\r\n" + data  # a hand-edited file whose last line has no line end
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "ab") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def now() -> str:
    """The time a decision is made: local time with its offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
