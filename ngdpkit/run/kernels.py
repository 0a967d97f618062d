"""The kernel of one environment's run: started while the kit is imported, shared by the
run's notebooks with a fresh IPython session for each (as if each had its own kernel, without
paying four more kernel starts), and ended when the last notebook ends, without the run
waiting for the process to go."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# What a notebook will import, imported while its kernel boots (ipykernel's exec_lines run
# before the first cell, outside the notebook's history and outputs): the first notebook's
# list for the run's kernel, the failing notebook's for a kernel that replaces one that died
# while it started. A module left out is imported by the notebook itself: slower, never wrong.
# zmq.utils.garbage: pyzmq imports it on the kernel's IOPub thread when it first sends an output
# without copying (one over 64 KB: a step page's tables), off the main thread
# (tests/test_run_threads.py)
_PAGES = "ngdpkit.steps, jinja2, babel.plural, zmq.utils.garbage"
# STEP_NAMES[0], named here so that a child boots its kernel before it imports the steps
FIRST_STEP = "01_mailboxes"
WARM_IMPORTS = {
    "01_mailboxes": f"{_PAGES}, pandas, pyarrow.parquet, python_calamine",
    "02_contact_points": f"{_PAGES}, pandas, pyarrow.parquet, python_calamine, rapidfuzz",
    "03_certificate": f"{_PAGES}, cryptography.x509",
    "04_system_and_network": f"{_PAGES}, pandas, pyarrow.parquet",
    "05_dispatcher_config": f"{_PAGES}, pandas, pyarrow.parquet",
}

# The run's kernel keeps no IPython history: a fresh session between notebooks wrote and
# committed to ~/.ipython's history database (40 ms each, 0.2-0.4 s of a run), and nothing
# of a run's cells (the injected parameters name the settings and the run folder) belongs
# in the user's own history. ``In`` and the execution counter still start over.
NO_HISTORY = ("--HistoryManager.enabled=False",)


# ipykernel's launcher, as the python3 kernel spec names it, and the kit's (the same launcher
# without the debugger; ngdpkit/run/kernel_launcher.py says why)
IPYKERNEL_LAUNCHER = ["-m", "ipykernel_launcher"]
KIT_LAUNCHER = ["-m", "ngdpkit.run.kernel_launcher"]


def without_debugger(cmd: list[str]) -> list[str]:
    """The command that starts a kernel, with ipykernel's launcher replaced by the kit's when
    the kernel is this Python's own ipykernel (where the kit is importable). Any other kernel
    spec (another Python, a wrapper script) is started as it says."""
    if cmd[:1] == [sys.executable] and cmd[1:3] == IPYKERNEL_LAUNCHER:
        return [cmd[0], *KIT_LAUNCHER, *cmd[3:]]
    return cmd


@functools.cache
def _watched_channel() -> Any:
    """The channel class of the run's client (built on first use, as :func:`_client_classes`)."""
    import queue

    from jupyter_client.channels import ZMQSocketChannel

    class WatchedChannel(ZMQSocketChannel):  # type: ignore[misc, unused-ignore]
        """A channel whose wait without a timeout asks every second whether the kernel
        still runs. nbclient waits for a cell's outputs and reply without one, and this
        client blocks (it is not async): a kernel that died while a cell ran (killed by the
        out-of-memory killer) left the run waiting forever, nbclient's own check for a dead
        kernel never getting its turn. A dead kernel raises :class:`KernelDied` instead."""

        alive: Any = None  # the client's ``is_alive``, once its channels are started

        def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
            if timeout is not None or self.alive is None:
                return super().get_msg(timeout)  # type: ignore[no-any-return, unused-ignore]
            while True:
                try:
                    return super().get_msg(1.0)  # type: ignore[no-any-return, unused-ignore]
                except queue.Empty:
                    if not self.alive():
                        raise KernelDied("the kernel ended while a cell ran") from None

    return WatchedChannel


def _found_in(dirs: list[str], name: str) -> bool:
    """Whether one of ``dirs`` holds the kernel spec ``name``, as jupyter_client looks for
    it (a folder whose name is ``name`` in any case, with a kernel.json)."""
    for folder in dirs:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if entry.lower() == name and os.path.isfile(os.path.join(folder, entry, "kernel.json")):
                return True
    return False


def _kernel_specs() -> Any:
    """jupyter_client's kernel spec manager, without importing IPython when it need not.

    Its folders are Jupyter's, then IPython's own (``~/.ipython/kernels``), which it asks
    IPython for: importing IPython whole cost a run's child ~0.04 CPU-s, before its kernel
    could start. The spec a run starts (``python3``) is looked for in those folders in order,
    and the first found is taken; when it is in one of Jupyter's, IPython's folder, the
    last, is never reached and is left out of the list. Otherwise it is there, as always."""
    from jupyter_client import kernelspec

    # what jupyter_client's own list begins with (the name its module uses, jupyter_core's)
    dirs = kernelspec.jupyter_path("kernels")  # type: ignore[attr-defined, unused-ignore]
    if _found_in(dirs, RUN_KERNEL):
        return kernelspec.KernelSpecManager(kernel_dirs=dirs)
    return kernelspec.KernelSpecManager()


# The kernel spec every run starts
RUN_KERNEL = "python3"


@functools.cache
def _client_classes() -> tuple[type, type]:
    """The run's kernel manager and client (built on first use: jupyter_client is imported
    only by a run)."""
    import queue
    import time

    from jupyter_client.blocking.client import BlockingKernelClient
    from jupyter_client.manager import KernelManager

    WatchedChannel = _watched_channel()  # noqa: N806

    class ReadyClient(BlockingKernelClient):  # type: ignore[misc, unused-ignore]
        """One connection for all of a run's notebooks. jupyter_client's ``wait_for_ready``
        ends by waiting 0.2 s for IOPub to go quiet, and papermill calls it once per notebook
        through a new client; this client is connected once, its readiness proven once (the
        kernel answers kernel_info and IOPub delivers), and later calls return at once.
        Messages left on IOPub belong to earlier requests: nbclient reads only those whose
        parent is its own request."""

        proven = False
        shell_channel_class = WatchedChannel
        iopub_channel_class = WatchedChannel

        def start_channels(self, *args: Any, **kwargs: Any) -> None:
            if not self.channels_running:
                super().start_channels(*args, **kwargs)
                for channel in (self._shell_channel, self._iopub_channel):
                    if channel is not None:
                        channel.alive = self.is_alive

        def wait_for_ready(self, timeout: float | None = None) -> None:
            if self.proven:
                return
            deadline = time.monotonic() + (timeout if timeout is not None else 60)
            while True:
                self.kernel_info()
                try:
                    reply = self.get_shell_msg(timeout=1)
                except queue.Empty:
                    reply = None
                if reply is not None and reply["msg_type"] == "kernel_info_reply":
                    try:
                        self.get_iopub_msg(timeout=0.2)  # anything: IOPub is subscribed
                    except queue.Empty:
                        pass  # not yet: ask again
                    else:
                        self._handle_kernel_info_reply(reply)
                        break
                if not self.is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
            self.proven = True

    class SharedKernelManager(KernelManager):  # type: ignore[misc, unused-ignore]
        """A kernel manager whose ``client()`` is always the same :class:`ReadyClient`, and
        whose kernel is started without the debugger (:func:`without_debugger`)."""

        shared: Any = None

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return without_debugger(super().format_kernel_cmd(extra_arguments))

        def client(self, **kwargs: Any) -> Any:
            if self.shared is None:
                self.shared = ReadyClient(
                    **self.get_connection_info(session=True),
                    connection_file=self.connection_file,
                    parent=self,
                    **kwargs,
                )
            return self.shared

        def close_client(self) -> None:
            if self.shared is not None:
                self.shared.stop_channels()
                self.shared = None

    return SharedKernelManager, ReadyClient


# What a kernel prints when a port it binds is held by another program (libzmq's message for
# EADDRINUSE, on Windows WSAEADDRINUSE too)
PORT_TAKEN = ("Address already in use", "Address in use", "EADDRINUSE")


class Kernels:
    """Starts python3 kernels (on POSIX over Unix sockets in one private folder, which also
    holds each kernel's error output), retires them and collects them."""

    def __init__(self, *, withheld: tuple[str, ...] = ()) -> None:
        # Variables the notebooks never need (the signing certificate's password): their
        # kernels start without them, so no cell can print or write one.
        self.withheld = withheld
        self.ipc_dir: Path | None = None
        self.started = 0
        self.launched_at: dict[Any, float] = {}  # a kernel manager -> time.monotonic() at launch
        self.retiring: list[Any] = []  # asked to stop, not yet collected
        self.stderr: dict[Any, Path] = {}  # a kernel manager -> the file of its error output

    def launch(self, cwd: Path, step: str) -> Any:
        """A started kernel (a jupyter_client ``KernelManager``) working in ``cwd``, warmed
        for the notebook ``step``."""
        KernelManager = functools.partial(  # noqa: N806
            _client_classes()[0], kernel_spec_manager=_kernel_specs()
        )

        launched = time.monotonic()
        self.started += 1
        if self.ipc_dir is None:
            self.ipc_dir = Path(tempfile.mkdtemp(prefix="ngdpkit-k-"))
        if os.name == "nt":
            # Windows has no Unix sockets: TCP ports, picked free by jupyter_client and bound
            # by the kernel later, a race another program can win (the run then starts one
            # more kernel, on new ports: sequence.py)
            km = KernelManager(kernel_name=RUN_KERNEL)
        else:
            # Unix sockets in a private folder: TCP ports are picked free and then bound by the
            # kernel, a race another process can win ("Address already in use").
            km = KernelManager(
                kernel_name=RUN_KERNEL, transport="ipc", ip=str(self.ipc_dir / f"k{self.started}")
            )
        # The kernel's own error output (a kernel that dies while it starts prints its
        # traceback there) goes to a file in the private folder, not to the console: the run
        # names its cause in one line (:meth:`why_ended`). A notebook's output reaches the
        # notebook, not this file.
        said = self.ipc_dir / f"k{self.started}.stderr"
        # What was imported stays for the kernel's life: imported with the collector off (the
        # full collections a growing heap triggers), then frozen, so that the collector no
        # longer walks it (a new session's gc.collect() and every full collection while
        # notebooks run); then the collector is on again for the notebooks' own code. Two
        # lines, since IPython runs each on its own: an import that fails does not keep the
        # second from switching the collector on again.
        warm = (
            f"import gc; gc.disable(); import {WARM_IMPORTS.get(step, 'ngdpkit.steps')}",
            "gc.freeze(); gc.enable()",
        )
        # A Ctrl-C between the kernel's process starting and ``km`` knowing it would leave
        # that process behind (it runs in a session of its own, so the Ctrl-C does not reach
        # it, and a kernel whose parent is gone before it watches for that stays). So a
        # Ctrl-C waits until the kernel is started, and then ends it.
        try:
            with _ctrl_c_held(), open(said, "wb") as stderr:
                km.start_kernel(
                    cwd=str(cwd),
                    extra_arguments=[f"--IPKernelApp.exec_lines={w}" for w in warm]
                    + list(NO_HISTORY),
                    env={k: v for k, v in os.environ.items() if k not in self.withheld},
                    stderr=stderr,
                )
        except KeyboardInterrupt:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
            raise
        self.launched_at[km] = launched
        self.stderr[km] = said
        return km

    def why_ended(self, km: Any) -> tuple[str, bool]:
        """Why a kernel that ended while it started ended, in a few words, from what it
        printed, and whether its ports were taken by another program (else: its last error
        line, if it printed one)."""
        if any(m in self.last_said(km) for m in PORT_TAKEN):
            return "another program took its network ports (Address already in use)", True
        line = self.last_error_line(km)
        if line:
            return f"it ended before it answered ({line})", False
        return "it ended before it answered", False

    def why_died(self, km: Any) -> str:
        """How a kernel that ended while a notebook ran ended, in a few words: the signal
        that killed it (SIGKILL: most often the out-of-memory killer) or its exit code, then
        its last error line, if it printed one."""
        code = getattr(
            getattr(getattr(km, "provisioner", None), "process", None), "returncode", None
        )
        if code is None:
            how = "it ended"
        elif code < 0 and -code == getattr(signal, "SIGKILL", None):
            how = f"killed by signal {-code}: out of memory?"
        elif code < 0:
            how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}"
        line = self.last_error_line(km)
        return f"{how}; it said: {line}" if line else how

    def last_error_line(self, km: Any) -> str:
        """The last line the kernel ``km`` wrote to its error output that names an error, as
        one line of at most 200 characters; "" when none does. The kernel's environment
        holds the certificate's password and the authorization header: every secret is
        hidden before the line is cut (cut first, the part of a secret left matched no
        secret, and reached the console and the trail)."""
        from ..redact import clip

        errors = [x for x in self.last_said(km).splitlines() if "Error" in x or "error" in x]
        return clip(errors[-1], 200) if errors else ""

    def last_said(self, km: Any, most: int = 20_000) -> str:
        """The end of what the kernel ``km`` wrote to its error output, whole lines only (a
        line cut at its start may hold the end of a secret no longer seen as one); "" when
        there is none."""
        said = self.stderr.get(km)
        if said is None:
            return ""
        try:
            with said.open("rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, size - most))
                data = fh.read(most)
        except OSError:
            return ""
        if size > most:
            data = data.partition(b"\n")[2]
        return data.decode("utf-8", errors="replace")

    def fresh_session(self, km: Any) -> None:
        """A new IPython session in a running kernel: the namespace, the history and the
        execution counter start over, so the next notebook sees nothing the last one
        defined (as in its own kernel); imported modules stay."""
        _quietly(km, "get_ipython().reset(new_session=True)", "start a fresh session")

    def enter(self, km: Any, folder: Path) -> None:
        """Make ``folder`` the working folder of a kernel started before it existed (the run
        folder is created only once the parent has checked the input)."""
        # repr() of a str is a Python string literal: the path is data, never code.
        try:
            _quietly(km, f"__import__('os').chdir({str(folder)!r})", "enter the run folder")
        except KernelDied:
            pass  # the first notebook finds the kernel dead and starts another in the folder

    def retire(self, km: Any) -> None:
        """End a kernel whose notebook has finished, without waiting for its process to go:
        killed as ``shutdown_kernel(now=True)`` kills it (the notebook is saved by then), and
        collected by :meth:`reap` while the run goes on."""
        _close_client(km)
        try:
            if hasattr(signal, "SIGKILL"):
                km.signal_kernel(signal.SIGKILL)  # its process group
            else:
                km.provisioner.process.kill()  # Windows: TerminateProcess
        except Exception:
            km.shutdown_kernel(now=True)
        else:
            self.retiring.append(km)

    def shutdown(self, km: Any) -> None:
        """End a kernel now and wait for it (a notebook failed, or the run was interrupted)."""
        _close_client(km)
        km.shutdown_kernel(now=True)
        self.stderr.pop(km, None)

    def reap(self) -> None:
        """Every retired kernel collected: its process has ended and its connection file is
        removed."""
        while self.retiring:
            km = self.retiring.pop()
            km.shutdown_kernel(now=True)
            self.stderr.pop(km, None)

    def close(self) -> None:
        """Collect what is left and remove the sockets' folder."""
        self.reap()
        if self.ipc_dir is not None:
            shutil.rmtree(self.ipc_dir, ignore_errors=True)
            self.ipc_dir = None


# Ctrl-C, a kill (a cancelled CI job's SIGTERM) and Ctrl-Break on Windows: what ends a run
INTERRUPTS = tuple(
    getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGBREAK") if hasattr(signal, n)
)


def ignore_interrupts() -> None:
    """From now on this process ignores :data:`INTERRUPTS` (an interrupted run finishing
    its record, ending its kernel and scanning its folder, whatever else arrives). Only the
    main thread can set a handler; elsewhere nothing changes."""
    if threading.current_thread() is threading.main_thread():
        for sig in INTERRUPTS:
            signal.signal(sig, signal.SIG_IGN)


@contextlib.contextmanager
def signals_handled(signals: tuple[int, ...], handler: Any) -> Iterator[None]:
    """``handler`` for ``signals`` meanwhile, on the main thread (only it can set one;
    elsewhere nothing changes); the handlers before come back after."""
    saved = {}
    if threading.current_thread() is threading.main_thread():
        saved = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, before in saved.items():
            signal.signal(sig, before)


def interrupts_ignored() -> contextlib.AbstractContextManager[None]:
    """:func:`ignore_interrupts` meanwhile; the handlers before come back after."""
    return signals_handled(INTERRUPTS, signal.SIG_IGN)


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """A Ctrl-C (SIGINT) that arrives meanwhile is noted, and delivered again as the block
    ends, to whatever handled it before (Python's: KeyboardInterrupt). A handler, unlike a
    blocked signal mask, is not inherited by the kernel's process. Only the main thread can
    set one; elsewhere nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    before = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
        if caught:
            signal.raise_signal(signal.SIGINT)


class KernelDied(RuntimeError):
    """The kernel's process ended while it was asked something."""


def _quietly(km: Any, code: str, what: str) -> None:
    """Run ``code`` in the kernel outside any notebook: silent, so neither the history nor
    the execution counter sees it; only its reply is awaited."""
    import queue
    import time

    kc = km.blocking_client()
    kc.start_channels(iopub=False, stdin=False, hb=False, control=False)  # the reply is enough
    try:
        msg_id = kc.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + 60
        while True:
            try:
                reply = kc.get_shell_msg(timeout=0.5)
            except queue.Empty:
                if not km.is_alive():
                    raise KernelDied(f"the kernel could not {what}: it has ended") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the kernel could not {what}: no answer") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
    finally:
        kc.stop_channels()
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"the kernel could not {what}")


def _close_client(km: Any) -> None:
    """Stop the run's shared client of ``km`` (its channels' threads), if it has one."""
    close = getattr(km, "close_client", None)
    if close is not None:
        try:
            close()
        except Exception:
            pass  # the kernel is ended next, whatever its client did
