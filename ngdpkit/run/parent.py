"""``ngdpkit run``: the parent process (contract §2, §6).

It starts one child process per environment (:mod:`ngdpkit.run.child`) whose environment
holds only that environment's secrets; while the children boot their kernels and wait, it
checks certificate reuse across environments and refuses bad input (exit 2) before any run
folder exists, then tells them ``go`` with the reuse findings, and relays their progress.
When a secret must be typed, the input is checked first, then the terminal prompt comes,
and only then do the children start (contract §6: no kernel while a secret is typed).
"""

from __future__ import annotations

import json
import os
import secrets as pysecrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..inputs.workbooks import TableCache
from ..settings import Settings, load_settings
from .child import CHILD_MARK, default_out, go_lines
from .folder import INTERRUPTED, LATEST, writable_out
from .kernels import interrupts_ignored
from .lines import TOGETHER_MARK, apart
from .preflight import collect_secrets, preflight, reuse_findings, wanted


def child_environ(
    settings: Settings,
    name: str,
    secrets: dict[str, dict[str, str]],
    tables: Path | None = None,
) -> dict[str, str]:
    """The parent's environment without any environment's secrets, plus this environment's own
    (the signing certificate's password among them, when ``[signing]`` names one) and the
    folder of the tables the parent has read, for the notebooks."""
    env = dict(os.environ)
    for other in settings.environments.values():
        for var in other.secret_names:
            env.pop(var, None)
    for var in settings.signing_secret_names:  # handed back below, from what was collected
        env.pop(var, None)
    env.pop(TableCache.ENV, None)
    env.update(secrets.get(name, {}))
    if tables is not None:
        env[TableCache.ENV] = str(tables)
    env["PYTHONIOENCODING"] = "utf-8"
    # ``python -m`` puts the current folder first on the import path: a planted
    # nbformat.py there would run in the child and its kernels (issue 26, retest N1).
    # PYTHONSAFEPATH (Python 3.11+) leaves it out, for the child and what it starts.
    env["PYTHONSAFEPATH"] = "1"
    return env


TABLES_PREFIX = ".tables-"


def tables_folder(out_dir: Path) -> Path | None:
    """A new private folder beside the run folders for the tables the input check reads (one
    left by a run that was killed is removed by a later run after a day). None when it
    cannot be made: the notebooks then read the workbooks themselves."""
    for old in out_dir.glob(f"{TABLES_PREFIX}*"):
        try:
            if time.time() - old.stat().st_mtime > 86_400:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    folder = out_dir / f"{TABLES_PREFIX}{pysecrets.token_hex(6)}"
    try:
        folder.mkdir(mode=0o700)
    except OSError:
        return None
    return folder


def share_tables(cache: TableCache, folder: Path | None) -> None:
    """The tables the input check read, saved for this run's notebooks in ``folder`` (removed
    when the run ends). A notebook that finds no table reads the workbook."""
    if folder is None or not cache.tables:
        return
    try:
        cache.save(folder)
    except OSError:
        try:
            for part in folder.iterdir():
                part.unlink(missing_ok=True)
        except OSError:
            pass


NOT_BEGUN = "before any environment began its run; no run folder was made"


class _Begun:
    """Whether a child may have made its run folder (the word ``go`` sent, or children
    started that do not wait for it)."""

    def __init__(self) -> None:
        self.begun = False


def run(
    settings_path: Path,
    names: list[str],
    *,
    out: Path | None,
    online: bool | str,
    pdf: bool,
    notebooks: Path | None = None,
    echo: Any = print,
    announce: Callable[[list[str], str], None] | None = None,
) -> tuple[int, list[Path]]:
    """Run the chosen environments concurrently; return (exit code, run folders).

    When no secret has to be typed, each environment's child starts (and boots its kernel)
    while this process checks the input, and waits; it creates its run folder only when told
    the input passed. When a secret must be typed, the input is checked first, then the
    prompt comes, then the children start (contract §6: before any kernel). ``announce``
    hears the environments chosen once the settings have been read and name them all.
    Interrupted before any child could make its run folder, the ``KeyboardInterrupt`` says
    so (:data:`NOT_BEGUN`): a consultant's Ctrl-C at the password prompt was told only
    "interrupted", and left the new output folder behind, empty."""
    state = _Begun()
    try:
        return _run(settings_path, names, out, online, pdf, notebooks, echo, announce, state)
    except KeyboardInterrupt:
        if state.begun:
            raise
        raise KeyboardInterrupt(NOT_BEGUN) from None


def _run(
    settings_path: Path,
    names: list[str],
    out: Path | None,
    online: bool | str,
    pdf: bool,
    notebooks: Path | None,
    echo: Any,
    announce: Callable[[list[str], str], None] | None,
    state: _Begun,
) -> tuple[int, list[Path]]:
    settings = load_settings(settings_path)
    chosen = settings.select(names)
    if announce is not None:
        announce(chosen, settings.language)
    tables = TableCache(collect=True)
    target = (out or default_out(settings)).resolve()
    existed = target.exists()
    secrets = collect_secrets(settings, chosen, prompt=False)
    typed = sys.stdin is not None and sys.stdin.isatty() and _missing(settings, chosen, secrets)
    if typed:  # the input first, so that nobody types a secret for input that is refused
        preflight(settings, chosen, tables)
    out_dir = writable_out(target, chosen)
    if typed:
        try:
            secrets = collect_secrets(settings, chosen, prompt=True)
        except BaseException:
            if not existed:
                _remove_empty(out_dir)
            raise
    children = Children(settings, chosen, out_dir, online, pdf, notebooks, echo)
    shared = tables_folder(out_dir)
    try:
        if typed:
            share_tables(tables, shared)
            state.begun = True
            children.start(secrets, reuse_findings(settings, secrets), shared, wait=False)
        else:
            try:
                # The children first: their kernels boot while this process reads the
                # certificates and checks the input; what it finds across environments
                # follows the word ``go``.
                children.start(secrets, [], shared, wait=True)
                extra = reuse_findings(settings, secrets)
                preflight(settings, chosen, tables)
                share_tables(tables, shared)
            except BaseException:
                children.stop()
                if shared is not None:
                    shutil.rmtree(shared, ignore_errors=True)
                if not existed:
                    _remove_empty(out_dir)
                raise
            state.begun = True
            children.go(extra)
        return children.wait()
    finally:
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)


def _missing(settings: Settings, chosen: list[str], found: dict[str, dict[str, str]]) -> bool:
    """Whether a secret the chosen environments name has no value without a prompt."""
    return any(
        var not in found.get(name, {}) for name in chosen for var, _ in wanted(settings, name)
    )


def _finished_before(folder: Path) -> int | None:
    """The exit code of the run in ``folder`` when it finished before an interruption came:
    ``<out>/<env>/LATEST`` names it (or a run of the environment that began later and
    finished first, which keeps ``LATEST``), it carries no ``INCOMPLETE`` mark, and its trail
    holds to its manifest and ends with ``run_finished`` and the code. None otherwise (a
    LATEST or a trail written into the folder by someone else while the run went on is not
    read as its end: a reviewer's second look planted both, and an interrupted run exited 0)."""
    from .audit import INCOMPLETE, verify_files
    from .folder import newer_latest
    from .neighbours import finished_record

    try:
        named = (folder.parent / LATEST).read_text(encoding="utf-8").strip()
        # a later run holding LATEST: this one finished, sealed, and said so (a hostile
        # look: a Ctrl-C just before it exited marked it interrupted, exit 130)
        if named != folder.name and not newer_latest(folder):
            return None
        if (folder / INCOMPLETE).exists() or verify_files(folder, ()).problems:
            return None
    except (OSError, ValueError):
        return None
    last = finished_record(folder)
    code = last.get("exit_code") if last is not None else None
    return code if type(code) is int and code in (0, 1, 3) else None


def _remove_empty(folder: Path) -> None:
    """Remove ``folder``, made by this run, when nothing was put into it but the
    ``.gitattributes`` the kit wrote there as it made it (a Ctrl-C at the password prompt
    left the new output folder behind, holding that file alone)."""
    from .folder import GITATTRIBUTES, KEEP_LINE_ENDS

    try:
        entries = list(folder.iterdir())
        ours = folder / GITATTRIBUTES
        if entries == [ours] and not ours.is_symlink():
            if ours.read_bytes() == KEEP_LINE_ENDS.encode("ascii"):
                ours.unlink()
        folder.rmdir()
    except OSError:
        pass


class Children:
    """One child process per environment, their output relayed to ``echo``."""

    def __init__(
        self,
        settings: Settings,
        chosen: list[str],
        out_dir: Path,
        online: bool | str,
        pdf: bool,
        notebooks: Path | None,
        echo: Any,
    ) -> None:
        self.settings, self.chosen, self.out_dir = settings, chosen, out_dir
        self.online, self.pdf, self.notebooks = online, pdf, notebooks
        self._echo, self._said = echo, threading.Lock()
        self.procs: dict[str, subprocess.Popen[str]] = {}
        self.folders: dict[str, Path] = {}
        self.threads: list[threading.Thread] = []

    def echo(self, line: str) -> None:
        """One line said whole: each environment's pump is a thread of its own, and ``print``
        writes the text and its line end apart, so two children's lines ran together
        ("[production] production: …[test] test: …" and an empty line; a consultant's cold
        run)."""
        with self._said:
            self._echo(line)

    def pump(self, name: str, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith(CHILD_MARK):
                self.folders[name] = Path(line[len(CHILD_MARK) :])
            elif "Kernel is running over TCP without encryption" in line:
                continue  # ipykernel's notice about its loopback transport: noise for a consultant
            elif line.startswith(TOGETHER_MARK):
                together = [self.named(name, x) for x in apart(line)]
                with self._said:
                    for x in together:
                        self._echo(x)
            else:
                self.echo(self.named(name, line))

    def named(self, name: str, line: str) -> str:
        """``line`` as the console shows it: marked with its environment when there are two,
        unless it names its own ("production: 4 advarsler …")."""
        if len(self.chosen) > 1 and not line.startswith(f"{name}: "):
            return f"[{name}] {line}"
        return line

    def start(
        self,
        secrets: dict[str, dict[str, str]],
        extra: list[Any],
        shared: Path | None,
        *,
        wait: bool,
    ) -> None:
        for name in self.chosen:
            cmd = [
                sys.executable,
                "-m",
                "ngdpkit",
                "_run-environment",
                "--settings",
                str(self.settings.path),
                "--env",
                name,
                "--out",
                str(self.out_dir),
                "--extra",
                json.dumps([f.to_dict() for f in extra]),
            ]
            if self.online:
                cmd += ["--online", "ngdp" if self.online == "ngdp" else "all"]
            if self.pdf:
                cmd.append("--pdf")
            if self.notebooks is not None:
                cmd += ["--notebooks", str(self.notebooks.resolve())]
            if wait:
                cmd.append("--wait")
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE if wait else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                env=child_environ(self.settings, name, secrets, shared),
            )
            self.procs[name] = proc
            th = threading.Thread(target=self.pump, args=(name, proc), daemon=True)
            th.start()
            self.threads.append(th)

    def _tell(self, lines: str | None) -> None:
        """Give each waiting child ``lines`` (None: only the end of its stdin)."""
        for proc in self.procs.values():
            if proc.stdin is None:
                continue
            try:
                if lines is not None:
                    proc.stdin.write(lines)
                    proc.stdin.flush()
                proc.stdin.close()
            except OSError:
                pass  # it has ended already; wait() reports how

    def go(self, extra: list[Any]) -> None:
        """The input passed: every child creates its run folder and runs, with ``extra``
        (the findings about all environments together) among its own."""
        self._tell(go_lines(extra))

    def _interrupt(self) -> set[str]:
        """Ctrl-C while the children ran: mark each run still going as interrupted (nbclient
        turns a SIGINT during execution into a dead kernel, which would otherwise read as a
        crash), make sure every child hears it, and wait for them all and for their lines.
        A second Ctrl-C or kill meanwhile (a cancelled GitHub job sends SIGINT, then SIGTERM)
        waits with the rest: each child is ending its kernel and scanning its folder, and a
        parent gone first would leave that half done. Returns the environments whose run was
        interrupted: a child that had ended, or whose run became LATEST before the mark
        landed, finished (the mark it found too late is taken away again)."""
        procs, folders = self.procs, self.folders
        with interrupts_ignored():
            running = [name for name, proc in procs.items() if proc.poll() is None]
            for name in running:
                if name in folders:
                    (folders[name] / INTERRUPTED).write_text(
                        "Interrupted (Ctrl-C, or a kill as a cancelled CI job sends).\n",
                        encoding="utf-8",
                    )
            if os.name != "nt":  # a Windows console already delivers Ctrl-C to every process
                for name in running:
                    if procs[name].poll() is None:
                        procs[name].send_signal(signal.SIGINT)
            for proc in procs.values():
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for th in self.threads:  # every line the children said, the run folder's too
                th.join(timeout=5)
            interrupted = set()
            for name, proc in procs.items():
                folder = folders.get(name)
                if folder is not None and _finished_before(folder) is not None:
                    if name in running:
                        (folder / INTERRUPTED).unlink(missing_ok=True)  # it came after the seal
                elif name in running or proc.returncode not in (0, 1, 3):
                    interrupted.add(name)
        return interrupted

    def _finished_code(self, name: str) -> int:
        """The exit code of a child whose run finished: its own, or, when the interruption
        reached it after its run was sealed, the one its verified trail records."""
        code = self.procs[name].returncode
        if code in (0, 1, 3):
            return code
        folder = self.folders.get(name)
        recorded = _finished_before(folder) if folder is not None else None
        return recorded if recorded is not None else 130

    def stop(self) -> None:
        """The input did not pass (or the user interrupted): every waiting child ends its
        kernel and exits without a run folder."""
        self._tell(None)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=60)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                proc.kill()
                proc.wait()
        for th in self.threads:
            th.join(timeout=5)

    def wait(self) -> tuple[int, list[Path]]:
        """Every child's end; (exit code, run folders)."""
        procs, folders, chosen = self.procs, self.folders, self.chosen
        try:
            codes = {name: proc.wait() for name, proc in procs.items()}
            for th in self.threads:
                th.join(timeout=5)
        except KeyboardInterrupt:
            interrupted = self._interrupt()
            if interrupted:
                return 130, [folders[n] for n in chosen if n in folders]
            # every child had finished its run (LATEST names it) as the interruption came:
            # the run is told as it ended (a consultant's cold run saw 130, no line, and the
            # run LATEST all the same)
            codes = {name: self._finished_code(name) for name in procs}
        values = set(codes.values())
        code = (
            130
            if 130 in values
            else 3
            if 3 in values or any(c not in (0, 1, 130) for c in values)
            else 1
            if 1 in values
            else 0
        )
        return code, [folders[n] for n in chosen if n in folders]
