"""``ngdpkit run``: the parent process (contract §2, §6).

It refuses bad input before any work, resolves secrets (a terminal prompt happens
here, before any kernel), checks certificate reuse across environments, then
starts one child process per environment (:mod:`ngdpkit.run.environment`) whose
environment holds only that environment's secrets, and relays their progress.
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
from pathlib import Path
from typing import Any

from ..settings import Settings, load_settings
from ..workbooks import TableCache
from .environment import CHILD_MARK, INTERRUPTED, default_out
from .folder import writable_out
from .preflight import collect_secrets, preflight, reuse_findings


def child_environ(
    settings: Settings,
    name: str,
    secrets: dict[str, dict[str, str]],
    tables: Path | None = None,
) -> dict[str, str]:
    """The parent's environment without any environment's secrets, plus this environment's own
    (and the folder of the tables the parent has read, for the notebooks)."""
    env = dict(os.environ)
    for other in settings.environments.values():
        for var in other.secret_names:
            env.pop(var, None)
    env.pop(TableCache.ENV, None)
    env.update(secrets.get(name, {}))
    if tables is not None:
        env[TableCache.ENV] = str(tables)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


TABLES_PREFIX = ".tables-"


def share_tables(cache: TableCache, out_dir: Path) -> Path | None:
    """The tables the input check read, saved for this run's notebooks in a private folder
    beside the run folders (removed when the run ends; one left by a run that was killed is
    removed by a later run after a day). None when they cannot be saved: the notebooks then
    read the workbooks themselves."""
    for old in out_dir.glob(f"{TABLES_PREFIX}*"):
        try:
            if time.time() - old.stat().st_mtime > 86_400:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    if not cache.tables:
        return None
    folder = out_dir / f"{TABLES_PREFIX}{pysecrets.token_hex(6)}"
    try:
        folder.mkdir(mode=0o700)
        cache.save(folder)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return folder


def run(
    settings_path: Path,
    names: list[str],
    *,
    out: Path | None,
    online: bool,
    pdf: bool,
    notebooks: Path | None = None,
    echo: Any = print,
) -> tuple[int, list[Path]]:
    """Run the chosen environments concurrently; return (exit code, run folders)."""
    settings = load_settings(settings_path)
    chosen = settings.select(names)
    tables = TableCache(collect=True)
    preflight(settings, chosen, tables)
    out_dir = writable_out((out or default_out(settings)).resolve())
    secrets = collect_secrets(settings, chosen, prompt=sys.stdin is not None and sys.stdin.isatty())
    extra = reuse_findings(settings, secrets)
    shared = share_tables(tables, out_dir)
    try:
        return _run_children(
            settings, chosen, out_dir, secrets, extra, shared, online, pdf, notebooks, echo
        )
    finally:
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)


def _run_children(
    settings: Settings,
    chosen: list[str],
    out_dir: Path,
    secrets: dict[str, dict[str, str]],
    extra: list[Any],
    shared: Path | None,
    online: bool,
    pdf: bool,
    notebooks: Path | None,
    echo: Any,
) -> tuple[int, list[Path]]:
    """One child per environment, their output relayed; (exit code, run folders)."""
    procs: dict[str, subprocess.Popen[str]] = {}
    folders: dict[str, Path] = {}

    def pump(name: str, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith(CHILD_MARK):
                folders[name] = Path(line[len(CHILD_MARK) :])
            elif "Kernel is running over TCP without encryption" in line:
                continue  # ipykernel's notice about its loopback transport: noise for a consultant
            else:
                echo(f"[{name}] {line}" if len(chosen) > 1 else line)

    threads = []
    try:
        for name in chosen:
            cmd = [
                sys.executable,
                "-m",
                "ngdpkit",
                "_run-environment",
                "--settings",
                str(settings.path),
                "--env",
                name,
                "--out",
                str(out_dir),
                "--extra",
                json.dumps([f.to_dict() for f in extra]),
            ]
            if online:
                cmd.append("--online")
            if pdf:
                cmd.append("--pdf")
            if notebooks is not None:
                cmd += ["--notebooks", str(notebooks.resolve())]
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                env=child_environ(settings, name, secrets, shared),
            )
            procs[name] = proc
            th = threading.Thread(target=pump, args=(name, proc), daemon=True)
            th.start()
            threads.append(th)
        codes = {name: proc.wait() for name, proc in procs.items()}
        for th in threads:
            th.join(timeout=5)
    except KeyboardInterrupt:
        # Mark each run as interrupted (nbclient turns a SIGINT during execution into a dead
        # kernel, which would otherwise read as a crash), then make sure every child hears it.
        for folder in folders.values():
            (folder / INTERRUPTED).write_text(
                "Interrupted by the user (Ctrl-C).\n", encoding="utf-8"
            )
        if os.name != "nt":  # a Windows console already delivers Ctrl-C to every process
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
        for proc in procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        return 130, [folders[n] for n in chosen if n in folders]
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
