"""Finding a consultancy's settings files below the folders ``status`` is given.

A consultancy keeps its customers as folders, often as links into shared drives, so links
are followed, both the paths given and the folders below them. Each folder is visited once,
known by its device and inode (``st_dev``, ``st_ino``) rather than its spelling, so a
customer folder reached both directly and through a link counts once, and a link back to a
folder above it (a cycle) is refused with one line instead of walked for ever. A settings
file reached twice (through two links) is likewise one file.

``runs`` folders and hidden folders (``.git``, ``.venv``) are not searched: they hold run
folders and tools, never a customer's settings, and are the bulk of a customer folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

SKIPPED_NAMES = ("runs",)
MAX_SETTINGS = 1024 * 1024


@dataclass(frozen=True)
class Skipped:
    """A folder that was not searched, and why (said once, in one line)."""

    path: str
    kind: str  # "cycle" (a link to a folder above it) or "unreadable"
    target: str  # for a cycle, the real path it leads back to; else the system's reason
    reason: str  # in English, for the terminal


def read_regular(path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file (a link to one is followed); None for
    anything else: a FIFO named ``*.toml`` would block a plain read for ever, a device
    would never end."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as fh:
            return fh.read(limit)
    except OSError:
        return None


def looks_like_settings(path: Path) -> bool:
    """A TOML file with [organisation] and [environments]: an ngdpkit settings file."""
    data = read_regular(path, 200_000)
    if data is None:
        return False
    head = data.decode("utf-8", "replace")
    return "[organisation]" in head and "[environments." in head


def _identity(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


def settings_files(paths: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """Each path as given (a settings file), or every ngdpkit settings file below a folder,
    links followed; and the folders not searched (cycles, unreadable ones).

    Raises:
        InputError: for a path given that does not exist (a dangling link included).
    """
    found: list[Path] = []
    skipped: list[Skipped] = []
    files: set[tuple[int, int]] = set()
    folders: set[tuple[int, int]] = set()

    def take(path: Path, st: os.stat_result) -> None:
        if _identity(st) not in files:
            files.add(_identity(st))
            found.append(path)

    for path in paths:
        try:
            st = path.stat()
        except OSError:
            raise InputError(f"{path}: not found") from None
        if stat.S_ISDIR(st.st_mode):
            _walk(path, st, take, folders, skipped)
        else:
            take(path, st)  # a FIFO or a device becomes an "unreadable" row, never a hang
    return found, skipped


def _walk(
    top: Path,
    st: os.stat_result,
    take: Callable[[Path, os.stat_result], None],
    folders: set[tuple[int, int]],
    skipped: list[Skipped],
) -> None:
    """Depth first, in name order; each folder once; a link to a folder above it refused."""
    if _identity(st) in folders:
        return
    folders.add(_identity(st))
    # (folder, the identities of the folders from the top down to it)
    stack: list[tuple[Path, tuple[tuple[int, int], ...]]] = [(top, (_identity(st),))]
    while stack:
        folder, above = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            why = str(exc.strerror or exc)
            skipped.append(Skipped(str(folder), "unreadable", why, f"cannot be read ({why})"))
            continue
        below: list[tuple[Path, tuple[tuple[int, int], ...]]] = []
        for entry in entries:
            path = folder / entry.name
            try:
                target = entry.stat()  # follows a link
            except OSError:
                continue  # a dangling link below a folder: nothing there to list
            if stat.S_ISDIR(target.st_mode):
                if entry.name in SKIPPED_NAMES or entry.name.startswith("."):
                    continue
                key = _identity(target)
                if key in above:
                    real = os.path.realpath(path)
                    reason = f"a link back to {real}, a folder above it (a cycle): not followed"
                    skipped.append(Skipped(str(path), "cycle", real, reason))
                elif key not in folders:
                    folders.add(key)
                    below.append((path, (*above, key)))
            elif entry.name.endswith(".toml") and looks_like_settings(path):
                take(path, target)
        stack.extend(reversed(below))
