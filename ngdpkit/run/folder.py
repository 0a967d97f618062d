"""The run folder's lifecycle, owned in one place for ``run`` and ``rehearse`` (contract §7, §8, §10).

A :class:`RunFolder` is created private to its user (0700, every file 0600), never reused,
marked ``INCOMPLETE`` while it works, and closed in the contract's order::

    deliverables written by the caller
    → seal (``outputs_sealed``: the anchor)  → render the pages with the anchor
    → scan every file; a hit is replaced by a stub, the caller records SECRET_LEAK
      and rewrites what it must, and the folder is sealed, rendered and scanned again
    → ``output_written`` per file → ``run_finished`` → ``manifest.json``
    → ``manifest.json.p7s`` (with ``[signing]``) → unmark

With a :class:`~ngdpkit.documents.signing.Sealer` the folder is sealed: the PDF is signed through
:meth:`RunFolder.sign_pdf` as soon as it is printed (before the scan, so the manifest hashes
the signed PDF), the manifest records who seals and which files carry their own signature,
and ``manifest.json.p7s`` signs the manifest's exact bytes.

It knows nothing of steps or notebooks: callers hand it what to render and what to do
about a leak.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets as pysecrets
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..settings import ENVIRONMENT_NAME
from .audit import (
    AUDIT,
    FINISHED,
    INCOMPLETE,
    AuditTrail,
    SealedOutputs,
    record_outputs,
    seal_outputs,
)

# INTERRUPTED is written by the parent into a run folder when the user pressed Ctrl-C; it is
# defined beside INCOMPLETE in .audit, where ``audit verify`` reads both
from .audit import INTERRUPTED as INTERRUPTED
from .audit import write_manifest as _write_manifest

if TYPE_CHECKING:
    from ..documents.signing import Sealer
    from .scan import Needle

LATEST = "LATEST"
ROUNDS = 3

Leak = tuple[Path, list[str]]


def check_environment_name(name: str) -> None:
    """Environment names become folder names: only ``^[a-z0-9][a-z0-9_-]{0,31}$`` (contract §3)."""
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


# How deep a run writes below <out>/<env>/: its folder (stamp, label, hex: 34), steps/ and
# the longest step file (43) and the temporary name a file is written through (14), with room
RUN_DEPTH = 120


def windows_path_limit() -> int | None:
    """The longest path Windows lets the kit write (259 characters and the terminating NUL),
    None when there is no such limit: not Windows, or long paths turned on in the registry
    (Python from python.org is long-path aware; the registry setting is off by default)."""
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(
            winreg.HKEY_LOCAL_MACHINE, r"SYSTEM\CurrentControlSet\Control\FileSystem"
        ) as key:
            value, _ = winreg.QueryValueEx(key, "LongPathsEnabled")
    except OSError:  # no such value: off
        return 259
    return None if value == 1 else 259


def writable_out(out: Path, environments: Iterable[str] = ()) -> Path:
    """Refuse an output folder that cannot be written, before any work (exit 2), and so an
    environment's folder in it that already exists and cannot be written (made read-only,
    or held by a sync client): its run folder could not be made, and the run crashed."""
    # a path that starts \\?\ (extended-length) has no such limit, long paths on or off
    limit = None if str(out).startswith("\\\\?\\") else windows_path_limit()
    deepest = len(str(out)) + 1 + max((len(name) for name in environments), default=32)
    if limit is not None and deepest + RUN_DEPTH > limit:
        raise InputError(
            f"--out {out}: the run's files there would have paths of up to "
            f"{deepest + RUN_DEPTH} characters, past the {limit} Windows allows while long "
            "paths are off: give a shorter --out (e.g. C:\\ngdpkit\\runs), or have IT turn "
            "on long paths (LongPathsEnabled)"
        )
    created = not out.exists()
    private_dir(out)
    keep_line_ends(out, created=created)
    for folder in [out, *(out / name for name in environments if (out / name).exists())]:
        refused = not_writable(folder)
        if refused is not None:
            where = f"--out {out}: the folder" if folder == out else f"{folder}: the folder"
            raise InputError(
                f"{where} is not writable ({refused.strerror or refused}): make it writable, "
                "or give another folder with --out"
            ) from refused
    return out


GITATTRIBUTES = ".gitattributes"
KEEP_LINE_ENDS = (
    "# Written by ngdpkit. A run folder is sealed byte for byte (ngdpkit audit verify), so git\n"
    "# must never change its line ends: core.autocrlf (on by default in Git for Windows)\n"
    "# would turn LF into CRLF and every JSON, HTML and trail file would read as changed.\n"
    "* -text\n"
)


def keep_line_ends(out: Path, *, created: bool) -> None:
    """``.gitattributes`` holding ``* -text`` in the folder the run folders go to, so that a
    project kept in git keeps the bytes the runs wrote: a second consultant who cloned the
    project on Windows found every run NOT INTACT. Written once, never over one that is
    there, and only in a folder the kit made now or that holds folders alone (the default
    ``runs/``): a ``--out`` that is the project's own folder keeps its files' line ends as
    the user has them. A folder that refuses it is left as it is (the run goes on)."""
    target = out / GITATTRIBUTES
    try:
        if target.exists() or target.is_symlink():
            return
        if not created and not _holds_folders_alone(out):
            return
        fd = os.open(
            target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600
        )
        with os.fdopen(fd, "wb") as fh:
            fh.write(KEEP_LINE_ENDS.encode("ascii"))
    except OSError:
        return


# What Windows Explorer and macOS Finder leave in any folder they showed: no file of the user's
LEFT_BY_FILE_MANAGERS = frozenset({"desktop.ini", "thumbs.db", ".ds_store"})


def _holds_folders_alone(out: Path) -> bool:
    """``out`` holds folders alone (a ``runs/`` from before), what a file manager leaves
    aside, and is no git repository's own folder: ``* -text`` there would reach every file
    of the repository (a hostile second look: ``--out .`` in a clone holding folders alone)."""
    entries = list(out.iterdir())
    if any(entry.name == ".git" for entry in entries):
        return False
    return all(entry.is_dir() or entry.name.lower() in LEFT_BY_FILE_MANAGERS for entry in entries)


def not_writable(folder: Path) -> OSError | None:
    """Why a file cannot be written in ``folder`` (read-only, or held by a sync client or
    another program), found by writing and removing an empty one; None when it can."""
    probe = folder / f".ngdpkit-write-test-{pysecrets.token_hex(4)}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return exc
    return None


class RunFolder:
    """One run folder from creation to manifest."""

    def __init__(self, path: Path, *, sealer: Sealer | None = None) -> None:
        self.path = path
        self.trail = AuditTrail(path / AUDIT)
        self.anchor = ""
        self.sealed: SealedOutputs | None = None  # the last outputs_sealed record written
        self.leaks: list[Leak] = []
        self.sealer = sealer
        self.signed: set[str] = set()  # files that carry the seal's own signature (the PDF)
        self.untimestamped: set[str] = set()  # PDFs whose time-stamping service failed once
        # PDFs the last resort removed as it found a leak (:meth:`_render_last`): the console
        # says so of a PDF asked for, which was otherwise silently not there
        self.pdfs_removed: list[str] = []
        self._pins: tuple[dict[str, list[str]], list[Needle]] | None = None  # scan_as_written

    @classmethod
    def create(
        cls, out: Path, environment: str, *, label: str = "", sealer: Sealer | None = None
    ) -> RunFolder:
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
        folder = cls(path, sealer=sealer)
        (path / INCOMPLETE).write_text("This run has not finished.\n", encoding="utf-8")
        return folder

    def scan_as_written(self, secrets: dict[str, list[str]]) -> None:
        """Scan for ``secrets`` whatever this process writes from now on, on the writer's
        thread, from the bytes it writes (``LEDGER``); :meth:`close` then reads back only
        what was written by someone else (a kernel, a library writing its own file) or
        changed since. Same ``secrets`` at :meth:`close`, or the ledger's scans are not used."""
        from ..deliverables.outputs import LEDGER
        from .scan import needles, scan_bytes

        pins = needles(secrets)
        self._pins = (dict(secrets), pins)
        LEDGER.scan_as_written(pins, lambda name, data: tuple(scan_bytes(name, data, pins)))

    def close(
        self,
        *,
        secrets: dict[str, list[str]],
        render: Callable[[str], None],
        on_leak: Callable[[list[Leak]], None],
        result: Callable[[], tuple[int, str]],
        finished: dict[str, Any] | None = None,
        keep_incomplete: bool = False,
        revise: Callable[[], bool] | None = None,
    ) -> int:
        """Seal, render, scan (again after every rewrite), record, finish; returns the exit code.

        ``revise`` is asked after a clean scan whether rendering found something that changes
        the deliverables (a timestamp the PDF did not get is a finding): if it says so, the
        folder is sealed, rendered and scanned again, as after a leak."""
        from .scan import needles, scrub_folder

        ahead = self._pins
        leaked_last = False
        pins = ahead[1] if ahead is not None and ahead[0] == secrets else needles(secrets)
        for _ in range(ROUNDS):
            self.sealed = seal_outputs(self.trail, self.path, sealed_by=self._sealed_by())
            self.anchor = self.sealed.anchor
            render(self.anchor)
            hits = scrub_folder(self.path, secrets, skip=(INCOMPLETE,), pins=pins)
            if not hits:
                if revise is not None and revise():
                    continue
                break
            for path, names in hits:
                self.trail.append(
                    "secret_leak", file=path.relative_to(self.path).as_posix(), variables=names
                )
            self.leaks += hits
            on_leak(hits)
        else:  # still leaking after every rewrite: what the last rewrite wrote is scanned
            # too (an attacker's review found a rewritten findings.json kept its secret), and
            # what is left, every file that held a secret a stub, is sealed
            hits = scrub_folder(self.path, secrets, skip=(INCOMPLETE,), pins=pins)
            for path, names in hits:
                self.trail.append(
                    "secret_leak", file=path.relative_to(self.path).as_posix(), variables=names
                )
            self.leaks += hits
            self.sealed = seal_outputs(self.trail, self.path, sealed_by=self._sealed_by())
            self.anchor = self.sealed.anchor
            # a leak the scan after the last round found counts as one the last render's
            # scan found: what the last revise wrote (findings.json) was stubbed unsaid
            leaked_last = self._render_last(render, secrets, pins) or bool(hits)
        code, status = result()
        if leaked_last and code == 0:
            # a leak only the last scans found (the rounds before were revised, not leaking):
            # no finding counts it, yet a file held a secret and a PDF may be gone; a leak is
            # never a success (contract section 2: exit 1 with SECRET_LEAK)
            code, status = 1, "errors"
        return self.finish(code, status, finished=finished, keep_incomplete=keep_incomplete)

    def _render_last(
        self, render: Callable[[str], None], secrets: dict[str, list[str]], pins: list[Needle]
    ) -> bool:
        """After the last seal of a folder that leaked (or was revised) in every round: the
        pages and the PDF are printed again, with its anchor. They were printed with the
        anchor of the seal before, which ``audit verify --expect-hash`` then refused ("not
        the anchor"), and the signed PDF named that anchor and the SHA-256 of files as they
        were before the last scrub. The pages are not pinned by the anchor, so what this
        last scan finds in them is stubbed without sealing again; a signed file it finds is
        removed (a stub is no PDF, and the manifest would list it as signed). A PDF printed
        from the pages is removed too when any of them leaked: its compressed text cannot be
        searched (``on_leak`` removes it so in a round), and a page that held the secret put
        it there unfound (a hostile second look). Each PDF removed is named in
        :attr:`pdfs_removed`; returns whether this last scan found a leak."""
        from .scan import scrub_folder

        render(self.anchor)
        hits = scrub_folder(self.path, secrets, skip=(INCOMPLETE,), pins=pins)
        for path, names in hits:
            rel = path.relative_to(self.path).as_posix()
            self.trail.append("secret_leak", file=rel, variables=names)
            if rel in self.signed:
                path.unlink(missing_ok=True)
                self.signed.discard(rel)
                self.pdfs_removed.append(rel)
        if hits:
            sealed = self.sealed.files if self.sealed is not None else {}
            for pdf in sorted(self.path.rglob("*.pdf")):
                rel = pdf.relative_to(self.path).as_posix()
                if rel not in sealed and pdf.is_file() and not pdf.is_symlink():
                    pdf.unlink(missing_ok=True)
                    self.signed.discard(rel)
                    self.pdfs_removed.append(rel)
        self.leaks += hits
        return bool(hits)

    def finish(
        self,
        code: int,
        status: str,
        *,
        finished: dict[str, Any] | None = None,
        keep_incomplete: bool = False,
    ) -> int:
        """Output records, the last record, the manifest and its seal; also after a crash or
        Ctrl-C (a sealed folder is sealed however it ended: the seal vouches for what the
        folder holds, and its status says how the run ended)."""
        record_outputs(self.trail, self.path, skip=(INCOMPLETE,))
        # The trail says the folder is sealed, and by whom: the manifest alone said it, and a
        # seal removed with the manifest's words of it verified as a folder never sealed
        sealed = {"sealed_by_sha256": self.sealer.seal.sha256} if self.sealer is not None else {}
        self.trail.append(FINISHED, status=status, exit_code=code, **(finished or {}), **sealed)
        manifest = _write_manifest(self.path, self.trail, seal=self.seal_fields())
        if self.sealer is not None:
            from ..documents.signing import seal_manifest

            seal_manifest(self.sealer, manifest)
        self.make_private()
        if self._pins is not None:  # the run is over: what is written next is not its
            from ..deliverables.outputs import LEDGER

            LEDGER.scan_as_written(None, None)
        if not keep_incomplete:
            (self.path / INCOMPLETE).unlink(missing_ok=True)
        return code

    def sign_pdf(self, pdf: Path) -> str:
        """Sign a PDF of this folder with the seal (nothing without one): "" or why it has no
        timestamp (it is then signed without). A PDF that cannot be signed is removed, so
        that no unsigned PDF lies in a sealed folder; :class:`~ngdpkit.documents.signing.SigningFailed`
        says why."""
        if self.sealer is None:
            return ""
        from ..documents.signing import SigningFailed, sign_pdf

        rel = pdf.relative_to(self.path).as_posix()
        try:
            why = sign_pdf(self.sealer, pdf, timestamp=rel not in self.untimestamped)
        except SigningFailed:
            pdf.unlink(missing_ok=True)
            self.signed.discard(rel)
            raise
        self.signed.add(rel)
        if why:
            self.untimestamped.add(rel)  # not asked again when the folder renders again
        return why

    def _sealed_by(self) -> str:
        """The SHA-256 of the certificate that will seal the folder ("" when none)."""
        return self.sealer.seal.sha256 if self.sealer is not None else ""

    def seal_fields(self) -> dict[str, Any] | None:
        """What the manifest records of the seal: who seals, the signature file, and the
        files that carry their own signature (only those that are still there)."""
        if self.sealer is None:
            return None
        signed = sorted(rel for rel in self.signed if (self.path / rel).is_file())
        return {**self.sealer.seal.manifest_fields(), "signed_files": signed}

    def mark_latest(self) -> bool:
        """``<out>/<env>/LATEST`` names the newest finished run (a text file, not a link).
        A run the user (or a cancelled CI job) interrupted never becomes it, even one whose
        child finished as the interruption came (the parent's ``INTERRUPTED`` is in it):
        the exit code was 130, and a customer signs only a run that ended as it should.
        Returns whether LATEST now names this run."""
        from ..deliverables.outputs import atomic_write

        if (self.path / INTERRUPTED).exists():
            return False
        with _held(self.path.parent):
            if newer_latest(self.path):
                return False
            atomic_write(self.path.parent / LATEST, self.path.name + "\n")
        return True

    def make_private(self) -> None:
        """Every folder 0700 and every file 0600 (files written by other programs included)."""
        if os.name == "nt":  # Windows has ACLs, not modes; the user's profile is private already
            return
        for p in [self.path, *self.path.rglob("*")]:
            try:
                p.chmod(0o700 if p.is_dir() else 0o600)
            except OSError:
                pass


_STAMP = re.compile(r"^[0-9]{8}T[0-9]{6}Z-")


def newer_latest(run_dir: Path) -> str:
    """The run ``LATEST`` names when it began after ``run_dir`` and finished (its folder
    there, unmarked, its name no later than now): two runs of one environment at once (a
    CI job and a consultant), the older finishing last, moved ``LATEST`` back to the run
    that read the older inputs, while every later run compared itself with the newer one.
    "" when ``run_dir`` may become ``LATEST``."""
    from .audit import read_regular

    raw = read_regular(run_dir.parent / LATEST, 256)
    try:
        named = raw.decode("utf-8").strip() if raw is not None else ""
    except UnicodeDecodeError:
        return ""
    there = run_dir.parent / named
    if not (_STAMP.match(named) and _STAMP.match(run_dir.name)) or named == run_dir.name:
        return ""
    from .neighbours import creation_order

    soon = f"{dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):%Y%m%dT%H%M%SZ}"
    if not (run_dir.name[:16] <= named[:16] <= soon):  # a name in the future: not the kit's
        return ""
    if there.is_symlink() or not there.is_dir() or (there / INCOMPLETE).exists():
        return ""
    # two runs of one second: the one whose trail began later (two CI jobs at once)
    return named if creation_order([run_dir, there])[-1] == there else ""


class _held:
    """The environment's folder held against another run marking ``LATEST`` at the same
    moment (``flock`` on the folder itself, released by the system if the process dies; on
    Windows, where a folder cannot be locked so, nothing is held)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fd: int | None = None

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:
            return
        try:
            self.fd = os.open(self.folder, os.O_RDONLY)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except OSError:
            if self.fd is not None:
                os.close(self.fd)
            self.fd = None

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the last descriptor releases the lock


_PAGE_START = re.compile(r'<div class="nk">|<body[^>]*>')


def mark_interrupted_pages(run_dir: Path, language: str) -> int:
    """Each sign-off page an interrupted run left says so at its top and its end, and its PDF
    is removed: how many pages were marked. A CI engineer's look: a cancelled job's folder
    was uploaded as an artifact whose overview read "Godkendelsesdokument" with an anchor and
    nothing on it said the run had not finished (only the INCOMPLETE file and ``audit
    verify`` did). The banner is the kit's own words, in the pages' own banner style."""
    from ..deliverables.outputs import atomic_write
    from ..documents.i18n import t
    from ..documents.pages import fragment

    sign = run_dir / "signoff"
    if sign.is_symlink() or not sign.is_dir():
        return 0
    banner = str(fragment("banner", t(language, "interrupted_banner")))
    marked = 0
    for page in sorted(sign.glob("*.html")):
        if page.is_symlink() or not page.is_file():
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        # after the head: a "<body>" in a script or a title is no place for it
        head_end = text.find("</head>")
        start = _PAGE_START.search(text, head_end + len("</head>") if head_end >= 0 else 0)
        end = text.rfind("</body>")
        if start is None or banner in text:
            continue
        tail = (
            text[start.end() : end] + banner + text[end:]
            if end > start.end()
            else text[start.end() :]
        )
        atomic_write(page, text[: start.end()] + banner + tail)
        marked += 1
    (sign / "signoff.pdf").unlink(missing_ok=True)  # a PDF of an unfinished run: not to sign
    return marked
