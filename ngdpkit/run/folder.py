"""The run folder's lifecycle, owned in one place for ``run`` and ``rehearse`` (contract §7, §8, §10).

A :class:`RunFolder` is created private to its user (0700, every file 0600), never reused,
marked ``INCOMPLETE`` while it works, and closed in the contract's order::

    deliverables written by the caller
    → seal (``outputs_sealed``: the anchor)  → render the pages with the anchor
    → scan every file; a hit is replaced by a stub, the caller records SECRET_LEAK
      and rewrites what it must, and the folder is sealed, rendered and scanned again
    → ``output_written`` per file → ``run_finished`` → ``manifest.json`` → unmark

It knows nothing of steps or notebooks: callers hand it what to render and what to do
about a leak.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets as pysecrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..settings import ENVIRONMENT_NAME
from .audit import AUDIT, FINISHED, INCOMPLETE, AuditTrail, record_outputs, seal_outputs
from .audit import write_manifest as _write_manifest

LATEST = "LATEST"
ROUNDS = 3

Leak = tuple[Path, list[str]]


def check_environment_name(name: str) -> None:
    """Environment names become folder names: only ``^[a-z0-9][a-z0-9_-]{0,31}$`` (contract §10)."""
    if not ENVIRONMENT_NAME.match(name) or name == "all":
        raise InputError(
            f"environment name {name!r} is not allowed: use 1-32 lower-case letters, digits, '-' "
            "or '_', starting with a letter or digit (and not 'all')"
        )


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) as folders only their user can enter."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise InputError(f"{path}: cannot create the folder ({exc.strerror or exc})") from exc
    return path


def writable_out(out: Path) -> Path:
    """Refuse an output folder that cannot be written, before any work (exit 2)."""
    private_dir(out)
    probe = out / f".ngdpkit-write-test-{pysecrets.token_hex(4)}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"--out {out}: the folder is not writable ({exc.strerror or exc})"
        ) from exc
    return out


class RunFolder:
    """One run folder from creation to manifest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.trail = AuditTrail(path / AUDIT)
        self.anchor = ""
        self.leaks: list[Leak] = []

    @classmethod
    def create(cls, out: Path, environment: str, *, label: str = "") -> RunFolder:
        """``<out>/<env>/<YYYYMMDDTHHMMSSZ>-[<label>-]<6 hex>/``, created exclusively, 0700."""
        check_environment_name(environment)
        base = private_dir(out / environment)
        while True:
            stamp = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
            path = base / "-".join(x for x in (stamp, label, pysecrets.token_hex(3)) if x)
            try:
                path.mkdir(mode=0o700)
            except FileExistsError:
                continue
            except OSError as exc:
                raise InputError(
                    f"{base}: cannot create the run folder ({exc.strerror or exc})"
                ) from exc
            break
        folder = cls(path)
        (path / INCOMPLETE).write_text("This run has not finished.\n", encoding="utf-8")
        return folder

    def close(
        self,
        *,
        secrets: dict[str, list[str]],
        render: Callable[[str], None],
        on_leak: Callable[[list[Leak]], None],
        result: Callable[[], tuple[int, str]],
        finished: dict[str, Any] | None = None,
        keep_incomplete: bool = False,
    ) -> int:
        """Seal, render, scan (again after every rewrite), record, finish; returns the exit code."""
        from .scan import needles, scrub_folder

        pins = needles(secrets)
        for _ in range(ROUNDS):
            self.anchor = seal_outputs(self.trail, self.path)
            render(self.anchor)
            hits = scrub_folder(self.path, secrets, skip=(INCOMPLETE,), pins=pins)
            if not hits:
                break
            for path, names in hits:
                self.trail.append(
                    "secret_leak", file=path.relative_to(self.path).as_posix(), variables=names
                )
            self.leaks += hits
            on_leak(hits)
        else:  # still leaking after every rewrite: seal what is left (all stubs by now)
            self.anchor = seal_outputs(self.trail, self.path)
        code, status = result()
        return self.finish(code, status, finished=finished, keep_incomplete=keep_incomplete)

    def finish(
        self,
        code: int,
        status: str,
        *,
        finished: dict[str, Any] | None = None,
        keep_incomplete: bool = False,
    ) -> int:
        """Output records, the last record and the manifest; also after a crash or Ctrl-C."""
        record_outputs(self.trail, self.path, skip=(INCOMPLETE,))
        self.trail.append(FINISHED, status=status, exit_code=code, **(finished or {}))
        _write_manifest(self.path, self.trail)
        self.make_private()
        if not keep_incomplete:
            (self.path / INCOMPLETE).unlink(missing_ok=True)
        return code

    def mark_latest(self) -> None:
        """``<out>/<env>/LATEST`` names the newest finished run (a text file, not a link)."""
        from ..outputs import atomic_write

        atomic_write(self.path.parent / LATEST, self.path.name + "\n")

    def make_private(self) -> None:
        """Every folder 0700 and every file 0600 (files written by other programs included)."""
        if os.name == "nt":  # Windows has ACLs, not modes; the user's profile is private already
            return
        for p in [self.path, *self.path.rglob("*")]:
            try:
                p.chmod(0o700 if p.is_dir() else 0o600)
            except OSError:
                pass
