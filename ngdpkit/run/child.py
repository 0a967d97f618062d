"""The child process of ``ngdpkit run``: one environment, started by the parent (contract §6).

This module is kept light on purpose. While the parent checks the input, the child first
starts its kernel (whose boot takes most of a second) and only then imports the run's own
machinery, nbformat and papermill, so that the two overlap; a module imported here at the
top would sit in front of the kernel's start on every run.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..settings import Settings, load_settings
from .imports import (
    collector_off,
    import_for_threads,
    skip_iri_grammar,
    skip_unused_format_checkers,
)
from .kernels import FIRST_STEP, Kernels, ignore_interrupts

if TYPE_CHECKING:
    from ..findings import Finding

CHILD_MARK = "NGDPKIT_RUN_DIR="
GO = "go"  # the parent's word, on a waiting child's stdin, that the input has passed its check


def default_out(settings: Settings) -> Path:
    return settings.base_dir / "runs"


def go_lines(extra: list[Finding]) -> str:
    """What the parent writes to a waiting child when the input passed: the word, then the
    findings it made about all environments together (a reused certificate) as one JSON line."""
    return f"{GO}\n{json.dumps([f.to_dict() for f in extra])}\n"


@dataclass(frozen=True)
class Booted:
    """What a waiting child has when the parent's ``go`` arrives."""

    kernel: Any  # the first notebook's started kernel (a jupyter_client KernelManager)
    told: tuple[Finding, ...]  # the parent's findings across environments
    opening: Callable[[], Any]  # waits for [signing]'s certificate, opened on a thread


def run_environment(
    settings_path: Path,
    name: str,
    out: Path,
    *,
    online: bool | str,
    pdf: bool,
    extra: list[Finding],
    notebooks: Path | None = None,
    wait: bool = False,
) -> int:
    """The child: one environment from start to manifest. Returns the exit code.

    With ``wait`` the parent is still checking the input: the child boots its kernel and
    imports what it will need, then waits for ``go`` on its stdin before it creates the run
    folder; the findings the parent made across environments follow the word. The end of
    its stdin instead (the input was refused, or the parent has gone) ends it without a
    trace."""
    skip_iri_grammar()
    skip_unused_format_checkers()  # the child's own process: nothing else uses them here
    settings = load_settings(settings_path)
    env = settings.environment(name)
    # The notebooks never need the seal's password: their kernels start without it.
    withheld = tuple(v for v in settings.signing_secret_names if v not in env.secret_names)
    kernels = Kernels(withheld=withheld)
    booted = None
    if wait:
        booted, stopped = _boot_and_wait(kernels, settings, out)
        if booted is None:
            return stopped
        extra = [*extra, *booted.told]
    from .environment import open_run, run_opened

    r = None
    try:
        r = open_run(
            settings,
            env,
            out,
            online=online,
            pdf=pdf,
            extra=extra,
            notebooks=notebooks,
            kernels=kernels,
            opening=booted.opening if booted is not None else None,
        )
        if booted is not None:
            r.sequence.first_kernel = booted.kernel  # the run's now: r.close() ends it
        print(f"{CHILD_MARK}{r.run_dir}", flush=True)  # the parent learns the folder
    except BaseException:
        ignore_interrupts()  # end the kernel, whatever arrives
        if r is not None:
            r.close()
        elif booted is not None:
            _end(kernels, booted.kernel)
        raise
    return run_opened(r)


class Listener:
    """The parent's word, read on a thread of its own from the moment the kernel is started.

    A refusal (stdin ends without ``go``: the input failed its check, or the parent has gone)
    ends the kernel and this process at once, while the kernel may still be booting and the
    main thread importing, instead of after both (a refused ``run --env all`` took 1.10 s and
    1.97 CPU-s instead of 1.50 s and 2.61). ``go`` and its findings line are kept for the main
    thread, which takes them once its imports are done."""

    def __init__(self, kernels: Kernels, kernel: Any) -> None:
        self.kernels, self.kernel = kernels, kernel
        self.lines: tuple[str, str] = ("", "")
        self.heard = threading.Event()
        self.ending = threading.Lock()  # held by whoever ends the kernel: the thread or main

    def start(self) -> None:
        """Listen (a method of its own: the caller holds the listener, and so its lock, before
        the thread can act)."""
        threading.Thread(target=self._listen, name="parent-word", daemon=True).start()

    def _listen(self) -> None:
        try:
            word = sys.stdin.readline()
            line = sys.stdin.readline() if word.strip() == GO else ""
        except BaseException:
            word, line = "", ""  # stdin that cannot be read: the parent cannot be heard
        self.lines = (word, line)
        self.heard.set()  # whatever happened, the main thread does not wait forever
        if word.strip() != GO and self.ending.acquire(blocking=False):
            try:
                _end(self.kernels, self.kernel)
            finally:
                os._exit(0)  # nothing of the run exists yet: no folder, no output

    def wait(self) -> tuple[str, str]:
        """The word and the findings line. Waits in short steps, so that a Ctrl-C is heard
        meanwhile on Windows too (a blocking read of a pipe there does not hear it)."""
        while not self.heard.wait(0.2):
            pass
        return self.lines


def _boot_and_wait(kernels: Kernels, settings: Settings, out: Path) -> tuple[Booted | None, int]:
    """Boot the first kernel, then import what the run needs while the parent checks the
    input, and wait for its word. (what was booted, 0) on ``go``; otherwise the kernel is
    ended and (None, the exit code); a refusal heard before the imports are done ends the
    process there (:class:`Listener`)."""
    early, code, booted, listener = None, 0, None, None
    try:
        with collector_off():  # what starting it imports (jupyter_client), as below
            early = kernels.launch(out, FIRST_STEP)
        listener = Listener(kernels, early)
        listener.start()
        import_for_threads(settings)  # beside the kernel's boot and the parent's check
        from ..findings import Finding
        from .environment import open_seal_ahead

        opening = open_seal_ahead(settings)  # its imports are done: opening the .p12 is left
        word, line = listener.wait()
        # The word without its findings line is a parent gone mid-sentence: refused, since
        # a run without them could miss a reused certificate (an error).
        if word.strip() == GO and line.strip():
            told = tuple(Finding.from_dict(d) for d in json.loads(line))
            booted = Booted(early, told, opening)
    except KeyboardInterrupt:
        code = 130
    finally:
        if booted is None:  # refused, interrupted or failed: the kernel goes, whatever arrives
            ignore_interrupts()
            if listener is None or listener.ending.acquire(blocking=False):
                _end(kernels, early)
            else:  # the listener is ending it and this process
                threading.Event().wait()
    return booted, code


def _end(kernels: Kernels, kernel: Any) -> None:
    """End ``kernel`` (None: none was started) and remove the kernels' sockets folder, even
    when ending the kernel fails."""
    try:
        if kernel is not None:
            kernels.shutdown(kernel)
    finally:
        kernels.close()
