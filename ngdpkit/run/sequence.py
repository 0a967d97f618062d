"""The notebook sequence of one environment's run (contract §6): the five notebooks in
order, through papermill, in the run's one kernel (:mod:`.kernels`), each in a fresh session.

After each notebook its copy is scrubbed of parameter values, the inputs it read and its
status go to the audit, and the run is told (``after``) so that it can render ahead and
start the mapping writers. A notebook that fails ends the sequence with
:class:`~ngdpkit.errors.StepCrashed`; Ctrl-C inside a cell comes back as KeyboardInterrupt.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from .. import findings as F
from ..errors import StepCrashed
from ..steps import STEP_NAMES
from .core import RunCore
from .folder import INTERRUPTED
from .kernels import KernelDied


def notebook_source(name: str, folder: Path | None = None) -> Path:
    """The packaged notebook, or the customised copy in ``folder`` when it has one."""
    if folder is not None and (folder / f"{name}.ipynb").is_file():
        return folder / f"{name}.ipynb"
    return Path(str(resources.files("ngdpkit") / "notebooks" / f"{name}.ipynb"))


def scrub_notebook(path: Path) -> None:
    """Remove papermill's copies of the parameters (metadata and injected cell show only names)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call, unused-ignore]
    meta = nb.metadata.get("papermill", {})
    if "parameters" in meta:
        meta["parameters"] = {k: "(scrubbed)" for k in meta["parameters"]}
    for key in ("input_path", "output_path"):
        if key in meta:
            meta[key] = Path(meta[key]).name
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = "# Parameters injected by ngdpkit run (values scrubbed from this copy)"
            cell.outputs = [] if cell.cell_type == "code" else cell.get("outputs")
    from ..deliverables.outputs import atomic_write

    atomic_write(path, nbformat.writes(nb))  # type: ignore[no-untyped-call, unused-ignore]


class KernelNotStarted(RuntimeError):
    """A notebook's kernel ended while it started, and so did the one started again."""

    def __init__(self, why: str, ports_taken: bool) -> None:
        super().__init__(
            f"the notebook kernel did not start, twice: {why}. "
            + (
                "Close other Jupyter windows and ngdpkit runs on this machine (or wait for "
                "them to finish), then run again"
                if ports_taken
                else "Check that this Python can start a Jupyter kernel (python -m "
                "ipykernel_launcher --help), install the kit again if it cannot, then run again"
            )
        )


class KernelEnded(RuntimeError):
    """A notebook's kernel ended while the notebook ran (killed by the out-of-memory killer,
    a crash of Python itself)."""

    def __init__(self, why: str) -> None:
        super().__init__(
            f"the notebook kernel ended while it ran ({why}). Close other programs to free "
            "memory (or use a machine with more), then run again; if it ends again, send "
            "the support bundle (ngdpkit bundle)"
        )


def keep_unfinished(nb: Any, path: Path, reason: str) -> None:
    """Write ``nb``, a notebook whose kernel ended while it ran, as far as it got: the cell
    that was running shows ``reason`` as its error, as a failed cell shows its own (papermill
    writes nothing when the kernel dies, and the step page is rendered from this copy)."""
    import nbformat

    from ..deliverables.outputs import atomic_write

    started = [c for c in nb.cells if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    if started:  # the last cell papermill started is the one that was running
        error = {"output_type": "error", "ename": "DeadKernelError", "evalue": reason}
        output = nbformat.from_dict({**error, "traceback": []})  # type: ignore[no-untyped-call, unused-ignore]
        started[-1].setdefault("outputs", []).append(output)
        started[-1].metadata.papermill["status"] = "failed"
    atomic_write(path, nbformat.writes(nb))  # type: ignore[no-untyped-call, unused-ignore]


def died_starting(exc: BaseException) -> bool:
    """Whether ``exc`` is papermill's word that the kernel ended before it answered."""
    return isinstance(exc, RuntimeError) and "before replying to kernel_info" in str(exc)


# nbclient's log lines about a kernel that ended while it started, or while a cell ran
_KERNEL_ENDED_LOGS = (
    "Error occurred while starting new kernel client",
    "Kernel died while waiting for execute reply",
)


def _drop_kernel_start_error(record: Any) -> bool:
    """False for nbclient's log line about a kernel that ended while it started or while a
    cell ran: the run says it itself, in one line with its cause
    (:meth:`NotebookSequence.execute_one`)."""
    return not str(record.msg).startswith(_KERNEL_ENDED_LOGS)


def _quiet_kernel_start_errors() -> None:
    """nbclient logs through papermill's logger, to the console (once per process)."""
    import logging

    log = logging.getLogger("papermill")
    if _drop_kernel_start_error not in log.filters:
        log.addFilter(_drop_kernel_start_error)


def crash_reason(exc: BaseException) -> str:
    """A failed notebook's error on one line: the exception's name and its first line (a
    kernel that did not start: what the consultant can do about it)."""
    from ..redact import clip

    if isinstance(exc, KernelNotStarted | KernelEnded):
        return str(exc)
    # the reason reaches the console and the trail: a secret the error quotes is hidden
    # before the line is cut (cut first, its part left matched no secret)
    first = (str(getattr(exc, "evalue", exc)).splitlines() or [""])[0]
    return getattr(exc, "ename", type(exc).__name__) + ": " + clip(first, 300)


def _on_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class InOrder:
    """One thread doing what it is given, in the order given; :meth:`wait` waits for all of
    it and raises the first failure (after which nothing more is done)."""

    def __init__(self, name: str) -> None:
        import queue
        import threading

        self._jobs: queue.SimpleQueue[tuple[Callable[..., Any], tuple[Any, ...], bool] | None] = (
            queue.SimpleQueue()
        )
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self._jobs.put((fn, args, False))

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, args, always = job
            try:
                if always or self._failed is None:
                    fn(*args)
            except BaseException as exc:  # raised where the sequence waits for it
                self._failed = exc

    def wait(self, *, quietly: bool = False, timeout: float | None = None) -> BaseException | None:
        """Until everything given before is done; then its first failure is raised, or with
        ``quietly`` returned (the sequence is ending for another reason), and forgotten. The
        wait wakes every 0.1 s, so a Ctrl-C is seen at once on every platform; ``timeout``
        gives up waiting (a job that never ends)."""
        import threading
        import time

        done = threading.Event()
        self._jobs.put((done.set, (), True))  # runs after all before it, failed or not
        deadline = None if timeout is None else time.monotonic() + timeout
        while not done.wait(0.1):
            if deadline is not None and time.monotonic() > deadline:
                break
        failed, self._failed = self._failed, None
        if failed is not None and not quietly:
            raise failed
        return failed

    def close(self) -> None:
        self._jobs.put(None)


class NotebookSequence:
    """The notebooks of one run, executed in order in one kernel."""

    def __init__(self, run: RunCore, notebooks: Path | None) -> None:
        self.run = run
        self.folder = notebooks  # a customised notebook folder, or None: the packaged ones
        self.timings: dict[str, float] = {}
        # How long each notebook waited, from papermill's call until its kernel answered
        # (nbclient's ``on_notebook_start``): for the first, the part of the kernel's boot
        # that did not overlap the parent's check and the child's imports.
        self.ready_waits: dict[str, float] = {}
        self.first_boot: float | None = None  # the first kernel: its launch -> it answered
        self.crashed: str | None = None
        self.first_kernel: Any = None  # started early, while the kit was imported
        self.seen_inputs: set[str] = set()

    def launch_kernel(self, step: str) -> Any:
        """Start the kernel for notebook ``step`` now, so that it boots while the kit works."""
        return self.run.kernels.launch(self.run.run_dir, step)

    def execute(self, after: Callable[[str], None]) -> None:
        """The notebooks in order, in one kernel: each starts in a fresh session (empty
        namespace, history and counter), with the kit's modules already imported. ``after``
        is called with each notebook's name once it has finished.

        What the run does with a finished notebook (its copy scrubbed, its step file read,
        the audit's records, its console line, ``after``) is done on one thread, in order,
        while the next notebook executes in the kernel: the kernel does not wait for it
        (issue 31). The next notebook's console line waits for it, so the console reads in
        order. A failure of it (a step file that cannot be read) ends the sequence when the
        notebook executing meanwhile has finished: no later notebook starts."""
        import gc

        import papermill as pm

        _quiet_kernel_start_errors()
        gc.freeze()  # the kit and its libraries, imported by now: never walked by the collector
        run = self.run
        (run.run_dir / "notebooks").mkdir(exist_ok=True)
        (run.run_dir / "steps").mkdir(exist_ok=True)
        km = self.first_kernel or self.launch_kernel(STEP_NAMES[0])
        self.first_kernel = None
        book = InOrder("notebook-done")
        try:
            for i, name in enumerate(STEP_NAMES, start=1):
                if name == "02_contact_points":
                    run.mapping.watch(run.env.name)
                km = self.execute_one(pm, i, name, km, book)
                book.submit(self.finish_one, i, name, after)
            book.wait()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt) and _on_main_thread():
                # The parent passes the user's Ctrl-C on as a second one: the kernel is ended
                # and nothing is left half done, whatever else arrives (as the run then does).
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            # Nothing begun from a finished notebook still under way (a minute at most).
            failed = book.wait(quietly=True, timeout=60)
            if failed is not None:
                run.log(
                    f"  the records of a finished notebook were not made: {crash_reason(failed)}"
                )
            run.kernels.shutdown(km)
            run.mapping.discard()  # nothing begun from a notebook 02 that did not finish
            raise
        finally:
            book.close()
        run.kernels.retire(km)

    def execute_one(self, pm: Any, i: int, name: str, km: Any, book: InOrder) -> Any:
        """One notebook in the (already started) kernel ``km``, after the one before in a
        fresh session of it; returns the kernel the following notebooks use (another one if
        ``km`` died while it started). ``book`` still works on the notebook before: it is
        waited for before a crash is recorded and once this notebook has finished (its
        failure then ends the sequence). A kernel that dies while its session is made fresh
        crashes this notebook, as one that dies while a cell runs does."""
        run = self.run
        out_nb = run.run_dir / "notebooks" / f"{name}.ipynb"
        book.submit(run.log, f"  {i}/{len(STEP_NAMES)} {name} …")
        t0 = time.monotonic()

        def execute(kernel: Any) -> None:
            called = time.monotonic()
            executing: list[Any] = []  # the notebook as the kernel executes it

            def answered(notebook: Any = None, **_: Any) -> None:
                executing.append(notebook)
                now = time.monotonic()
                self.ready_waits[name] = round(now - called, 3)
                launched = run.kernels.launched_at.get(kernel)
                if self.first_boot is None and launched is not None:
                    self.first_boot = round(now - launched, 3)

            try:
                pm.execute_notebook(
                    str(notebook_source(name, self.folder)),
                    str(out_nb),
                    parameters={
                        "environment": run.env.name,
                        "settings": str(run.settings.path),
                        "run_dir": str(run.run_dir),
                        "online": run.online,
                    },
                    kernel_name="python3",
                    progress_bar=False,
                    log_output=False,
                    cwd=str(run.run_dir),
                    km=kernel,
                    request_save_on_cell_execute=False,  # one write at the end, not one per cell
                    on_notebook_start=answered,
                )
            except RuntimeError as exc:  # nbclient's DeadKernelError, the client's KernelDied
                if died_starting(exc) or kernel.is_alive():
                    raise
                ended = KernelEnded(run.kernels.why_died(kernel))
                if executing and executing[0] is not None:
                    keep_unfinished(executing[0], out_nb, str(ended))
                raise ended from exc

        try:
            if i > 1:
                self.fresh_session(km)
                t0 = time.monotonic()  # the notebook's time, as before: from its own start
            km = self.started_again(execute, km, name, book)
        except Exception as exc:  # PapermillExecutionError, a dead kernel, a missing kernel
            if (
                getattr(exc, "ename", "") == "KeyboardInterrupt"
                or (run.run_dir / INTERRUPTED).exists()
            ):
                raise KeyboardInterrupt from exc
            took = time.monotonic() - t0
            try:
                book.wait()  # the notebook before is in the audit first
            finally:
                self.crash(name, out_nb, crash_reason(exc), took)
            raise StepCrashed(name, crash_reason(exc)) from exc
        self.timings[name] = time.monotonic() - t0
        try:
            book.wait()  # the notebook before has been recorded, or its failure ends the run
        except BaseException:
            scrub_notebook(out_nb)  # its finish never comes: no parameter value stays in it
            raise
        return km

    def fresh_session(self, km: Any) -> None:
        """A fresh session in ``km`` for the next notebook; a kernel that ended meanwhile
        (the out-of-memory killer, a notebook's object whose end kills it) is
        :class:`KernelEnded`: how it ended and what to do, as for one that ended in a cell."""
        try:
            self.run.kernels.fresh_session(km)
        except KernelDied as exc:
            raise KernelEnded(self.run.kernels.why_died(km)) from exc

    def started_again(
        self, execute: Callable[[Any], None], km: Any, name: str, book: InOrder
    ) -> Any:
        """``execute(km)``; a kernel that died while it started, before any cell ran (on
        Windows its TCP ports taken by another program between jupyter_client picking them
        and the kernel binding them), is replaced once by a fresh kernel on new ports, which
        the following notebooks use (returned), and the console says why. A second that dies
        too is :class:`KernelNotStarted`: one line with the cause and what to do."""
        run = self.run
        try:
            execute(km)
            return km
        except RuntimeError as exc:
            if not died_starting(exc):
                raise
        why = run.kernels.why_ended(km)[0]
        book.submit(run.log, f"  {name}: the kernel did not start; starting another. Cause: {why}")
        run.kernels.shutdown(km)
        km = self.launch_kernel(name)
        try:
            execute(km)
        except BaseException as again:
            # The sequence still holds the first kernel: this one is ended here, whatever
            # ended its notebook (a failed cell, a death, Ctrl-C), or it stayed running
            # after the run. Its connection file and ports are let go of.
            if not died_starting(again):
                run.kernels.shutdown(km)
                raise
            why, ports_taken = run.kernels.why_ended(km)
            run.kernels.shutdown(km)
            raise KernelNotStarted(why, ports_taken) from again
        return km

    def finish_one(self, i: int, name: str, after: Callable[[str], None]) -> None:
        """A finished notebook: its copy scrubbed, its records, then ``after``; then the
        files the kernel wrote for it hashed and scanned for the run's secrets, as sealing
        would (one read each, remembered until a file changes): step 02's are 10 MB at
        100,000 mailboxes, read here while the next notebook executes, not after the last."""
        from .audit import file_digest

        scrub_notebook(self.run.run_dir / "notebooks" / f"{name}.ipynb")
        self.record_step(i, name)
        after(name)
        for path in sorted((self.run.run_dir / "steps").glob(f"{name}.*")):
            if path.is_file() and not path.is_symlink():
                file_digest(path)

    def crash(self, name: str, out_nb: Path, reason: str, took: float) -> None:
        """Record a notebook that failed: its time, the audit's ``step`` record, a scrubbed copy."""
        self.timings[name] = took
        self.crashed = name
        self.run.trail.append(
            "step", step=name, status="crashed", duration_s=round(took, 3), error=reason
        )
        self.run.log(f"  {name} crashed: {reason}")
        if out_nb.is_file():
            try:
                scrub_notebook(out_nb)
            except (ValueError, OSError):
                # half-written (a full disk, a dropped share): unreadable, so its parameters
                # cannot be scrubbed, and reading it crashed the kit, whose message then
                # hid the cause ("NotJSONError" for "No space left on device")
                out_nb.unlink(missing_ok=True)

    def record_step(self, i: int, name: str) -> None:
        """A finished notebook in the audit: the inputs it read first, then its status."""
        from ..documents.i18n import seconds, status_word, t

        run = self.run
        data = run.step_file(name)
        for entry in data.inputs_read:
            if entry.path not in self.seen_inputs:
                self.seen_inputs.add(entry.path)
                run.trail.append("input_read", **entry.entry())
        took = self.timings[name]
        lang = run.settings.language  # the console in the settings' language, as the run's end
        shown, dispatcher = status_word(lang, data.status), dict[str, Any]()
        if name == STEP_NAMES[4]:
            # as the overview says it: a withheld or not-ready dispatcher is never "ok"; the
            # trail says it too (its step 05 read "ok" beside a withheld dispatcher to a
            # support engineer: the step's own findings are none, the others' withhold it)
            from ..steps.records import DispatcherRecord

            record = run.record(DispatcherRecord)
            if record.dispatcher is None:
                shown = t(lang, "step_withheld", codes=", ".join(record.withheld_by) or "?")
                dispatcher = {"dispatcher": "withheld", "withheld_by": list(record.withheld_by)}
            elif not record.dispatcher.ready:
                shown = t(lang, "step_not_ready", codes=", ".join(record.dispatcher.blocking))
                blocking = list(record.dispatcher.blocking)
                dispatcher = {"dispatcher": "not_ready", "blocking": blocking}
            else:
                dispatcher = {"dispatcher": "ready"}
        run.trail.append(
            "step",
            step=name,
            status=data.status,
            duration_s=round(took, 3),
            counts=F.counts(data.findings),
            **dispatcher,
        )
        run.log(f"  {i}/{len(STEP_NAMES)} {name}: {shown} ({seconds(lang, took, 1)})")
