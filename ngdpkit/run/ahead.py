"""Work done ahead, on one thread, while the later notebooks execute: the files of steps that
write them ahead (``OUTPUTS_AHEAD``) first, then what the sign-off shows of a finished notebook
that depends on nothing else (its step's ``prepare``, its page body). The run's process
mostly waits for its kernel then; later it only collects the results.

Every result is a cache: one that failed, or a notebook changed since (a leak stub
replaces it), is made again where it is needed, where an error is reported as it always was.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from ..steps import STEP_MODULES
from .core import RunCore


def content_key(path: Path) -> str:
    """What a file holds, as its SHA-256 ("" when it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


# What the run waits for first comes first: a step's files (the outputs phase waits for them
# as soon as the last notebook ends), then its page parts, then its notebook's page body
# (both wanted only when the pages are rendered, after the outputs).
OUTPUTS, PREPARE, BODY = 0, 1, 2


class PriorityWorker:
    """One thread doing submitted calls in order of priority, then of submission; each call's
    result (or exception) in its :class:`Future`."""

    def __init__(self, name: str) -> None:
        self.queue: list[tuple[int, int, Callable[[], Any], Future[Any]]] = []
        self.order = itertools.count()
        self.ready = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self.work, name=name, daemon=True)
        self.thread.start()

    def submit(self, priority: int, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self.ready:
            heapq.heappush(self.queue, (priority, next(self.order), lambda: fn(*args), future))
            self.ready.notify()
        return future

    def work(self) -> None:
        while True:
            with self.ready:
                while not self.queue and not self.closed:
                    self.ready.wait()
                if not self.queue:
                    return
                _, _, call, future = heapq.heappop(self.queue)
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as exc:  # the caller sees it in the future, as with a pool
                future.set_exception(exc)

    def shutdown(self) -> None:
        """Cancel what has not begun, wait for what has."""
        with self.ready:
            self.closed = True
            for _, _, _, future in self.queue:
                future.cancel()
            self.queue.clear()
            self.ready.notify()
        self.thread.join()


class RenderAhead:
    """The render-ahead thread and what it has made, by notebook and by step."""

    def __init__(self, run: RunCore) -> None:
        self.run = run
        self.pool: PriorityWorker | None = None
        self.bodies: dict[Path, tuple[str, Future[Any]]] = {}  # notebook -> (SHA-256, body)
        self.prepared: dict[str, Future[Any]] = {}  # step -> its prepare(record, language)
        self.written: dict[str, Future[Any]] = {}  # step -> its outputs, written ahead

    def after(self, name: str) -> None:
        """Notebook ``name`` has finished: begin what can be made of it now."""
        from ..documents.signoff import notebook_file_body

        run = self.run
        if self.pool is None:
            self.pool = PriorityWorker("render-ahead")
        module = STEP_MODULES.get(name)
        if module is not None and getattr(module, "OUTPUTS_AHEAD", False):
            ctx = run.output_context(mapping_files=run.mapping_paths)
            record = run.step_file(name).record
            self.written[name] = self.pool.submit(OUTPUTS, module.outputs, record, ctx)
        if module is not None and hasattr(module, "prepare"):
            record = run.step_file(name).record
            language = run.settings.language
            self.prepared[name] = self.pool.submit(PREPARE, module.prepare, record, language)
        nb = run.run_dir / "notebooks" / f"{name}.ipynb"
        self.bodies[nb] = (content_key(nb), self.pool.submit(BODY, notebook_file_body, nb))

    def written_ahead(self, name: str) -> list[Path] | None:
        """The files of step ``name`` written while the later notebooks ran (None: not
        written ahead, or it failed; they are written now)."""
        future = self.written.pop(name, None)
        if future is None:
            return None
        try:
            return list(future.result())
        except Exception:
            return None

    def notebook_body(self, nb: Path) -> Any:
        """The notebook's page body rendered ahead, if the file is still the one it was
        rendered from, else None (rendered now)."""
        key, future = self.bodies.get(nb, (None, None))
        if future is None or key != content_key(nb):
            return None
        try:
            return future.result()
        except Exception:
            return None

    def prepared_for(self, name: str) -> dict[str, Any]:
        future = self.prepared.get(name)
        if future is None:
            return {}
        try:
            return dict(future.result())
        except Exception:
            return {}  # the step's pages render it themselves

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
