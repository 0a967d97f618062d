"""Work done ahead, on one thread, while the later notebooks execute: what the sign-off shows
of a finished notebook that depends on nothing else (its page body, its step's ``prepare``)
and the files of steps that write them ahead (``OUTPUTS_AHEAD``). The run's process
mostly waits for its kernel then; later it only collects the results.

Every result is a cache: one that failed, or a notebook changed since (a leak stub
replaces it), is made again where it is needed, where an error is reported as it always was.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
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


class RenderAhead:
    """The render-ahead thread and what it has made, by notebook and by step."""

    def __init__(self, run: RunCore) -> None:
        self.run = run
        self.pool: ThreadPoolExecutor | None = None
        self.bodies: dict[Path, tuple[str, Future[Any]]] = {}  # notebook -> (SHA-256, body)
        self.prepared: dict[str, Future[Any]] = {}  # step -> its prepare(record, language)
        self.written: dict[str, Future[Any]] = {}  # step -> its outputs, written ahead

    def after(self, name: str) -> None:
        """Notebook ``name`` has finished: begin what can be made of it now."""
        from ..documents.signoff import notebook_file_body

        run = self.run
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="render-ahead")
        nb = run.run_dir / "notebooks" / f"{name}.ipynb"
        self.bodies[nb] = (content_key(nb), self.pool.submit(notebook_file_body, nb))
        module = STEP_MODULES.get(name)
        if module is not None and hasattr(module, "prepare"):
            record = run.step_file(name).record
            self.prepared[name] = self.pool.submit(module.prepare, record, run.settings.language)
        if module is not None and getattr(module, "OUTPUTS_AHEAD", False):
            ctx = run.output_context(mapping_files=run.mapping_paths)
            self.written[name] = self.pool.submit(module.outputs, run.step_file(name).record, ctx)

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
            self.pool.shutdown(wait=True, cancel_futures=True)
