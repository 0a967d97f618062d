"""Finding a consultancy's settings files below the folders ``status`` is given.

A consultancy keeps its customers as folders, often as links into shared drives, so links
are followed, both the paths given and the folders below them. Each folder is visited once,
known by its device and inode (``st_dev``, ``st_ino``) rather than its spelling, so a
customer folder reached both directly and through a link counts once. A settings file
reached twice (through two links) is likewise one file.

A link is refused, with one line, when its real target is the folder it sits in or one
above it (a cycle: ``loop -> ..``, ``root -> /``), or a folder named on the command line or
one above it (``up -> ../..`` would list customers the user did not name). The system's own
folders (``/proc``, ``/sys``, ``/dev``) are never searched, however they are reached.

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
from ..settings import MAX_SETTINGS_BYTES, outline

SKIPPED_NAMES = ("runs",)
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")
MAX_SETTINGS = MAX_SETTINGS_BYTES  # the bound load_settings holds a settings file to


@dataclass(frozen=True)
class Skipped:
    """A folder that was not searched, and why (said once, in one line)."""

    path: str
    # "cycle" (a link to its own folder or one above it), "above" (a link to a folder
    # named, or one above it), "system" (/proc, /sys, /dev) or "unreadable"
    kind: str
    target: str  # the real path a link leads to (or the system folder); else the reason
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
    """An ngdpkit settings file as the settings reader sees it (:func:`~ngdpkit.settings.outline`:
    its required tables), or a ``*.toml`` file too large or not TOML at all: ``status``
    shows such a file as a row that says why, never passes over it in silence."""
    data = read_regular(path, MAX_SETTINGS + 1)
    if data is None:
        return False
    if len(data) > MAX_SETTINGS:
        return True
    try:
        return outline(data, path.name) is not None
    except InputError:
        return True


def _identity(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


def _within(path: str, folder: str) -> bool:
    """Whether the real path ``path`` is ``folder`` or lies below it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _system(path: Path, real: str) -> Skipped | None:
    """``path`` refused when its real path ``real`` is or lies in /proc, /sys or /dev."""
    for folder in SYSTEM_FOLDERS:
        if _within(real, folder):
            return Skipped(str(path), "system", folder, f"a system folder ({folder}): not searched")
    return None


def settings_files(paths: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """Each path as given (a settings file), or every ngdpkit settings file below a folder,
    links followed; and the folders not searched (cycles, links above a folder named, the
    system's folders, unreadable ones).

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

    stats: list[tuple[Path, os.stat_result]] = []
    for path in paths:
        try:
            stats.append((path, path.stat()))
        except OSError:
            raise InputError(f"{path}: not found") from None
    roots = tuple(os.path.realpath(p) for p, st in stats if stat.S_ISDIR(st.st_mode))
    for path, st in stats:
        if stat.S_ISDIR(st.st_mode):
            _walk(path, st, take, folders, skipped, roots)
        else:
            take(path, st)  # a FIFO or a device becomes an "unreadable" row, never a hang
    return found, skipped


def _refused(path: Path, real: str, here: str, roots: tuple[str, ...]) -> Skipped | None:
    """Why the link ``path`` (in the folder whose real path is ``here``, leading to ``real``)
    is not followed; None when it may be."""
    system = _system(path, real)
    if system is not None:
        return system
    if _within(here, real):
        reason = f"a link back to {real}, a folder above it (a cycle): not followed"
        return Skipped(str(path), "cycle", real, reason)
    for root in roots:
        if _within(root, real):
            reason = f"a link to {real}, which is or holds {root}, a folder named: not followed"
            return Skipped(str(path), "above", real, reason)
    return None


def _walk(
    top: Path,
    st: os.stat_result,
    take: Callable[[Path, os.stat_result], None],
    folders: set[tuple[int, int]],
    skipped: list[Skipped],
    roots: tuple[str, ...],
) -> None:
    """Depth first, in name order; each folder once; a link to a folder above it, or to a
    folder named or above one, refused; the system's folders never searched."""
    if _identity(st) in folders:
        return
    folders.add(_identity(st))
    real_top = os.path.realpath(top)
    system = _system(top, real_top)
    if system is not None:
        skipped.append(system)
        return
    # (folder, its real path, the identities of the folders from the top down to it)
    stack: list[tuple[Path, str, tuple[tuple[int, int], ...]]] = [(top, real_top, (_identity(st),))]
    while stack:
        folder, here, above = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            why = str(exc.strerror or exc)
            skipped.append(Skipped(str(folder), "unreadable", why, f"cannot be read ({why})"))
            continue
        below: list[tuple[Path, str, tuple[tuple[int, int], ...]]] = []
        for entry in entries:
            path = folder / entry.name
            try:
                target = entry.stat()  # follows a link
            except OSError:
                continue  # a dangling link below a folder: nothing there to list
            if stat.S_ISDIR(target.st_mode):
                if entry.name in SKIPPED_NAMES or entry.name.startswith("."):
                    continue
                link = entry.is_symlink()
                real = os.path.realpath(path) if link else os.path.join(here, entry.name)
                refused = _refused(path, real, here, roots) if link else _system(path, real)
                key = _identity(target)
                if refused is None and key in above:  # a bind mount, or a link spelt anew
                    reason = f"a link back to {real}, a folder above it (a cycle): not followed"
                    refused = Skipped(str(path), "cycle", real, reason)
                if refused is not None:
                    skipped.append(refused)
                elif key not in folders:
                    folders.add(key)
                    below.append((path, real, (*above, key)))
            elif entry.name.endswith(".toml") and looks_like_settings(path):
                take(path, target)
        stack.extend(reversed(below))
