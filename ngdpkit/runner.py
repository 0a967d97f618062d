"""``ngdpkit run``: the parent process (contract §2, §6).

It refuses bad input before any work, resolves secrets (a terminal prompt happens
here, before any kernel), checks certificate reuse across environments, then
starts one child process per environment (:mod:`ngdpkit.environment_run`) whose
environment holds only that environment's secrets, and relays their progress.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from . import findings as F
from .environment_run import CHILD_MARK, INTERRUPTED, default_out
from .errors import InputError
from .findings import Finding
from .runfolder import writable_out
from .settings import Settings, load_settings


def preflight(settings: Settings, names: list[str]) -> None:
    """Open every input of the chosen environments far enough to refuse what is unusable (exit 2)."""
    from .certificates import load_certificate
    from .contact_points import read_contact_points
    from .mailboxes import EXPORT_FIELDS
    from .mapping import MAPPING_FIELDS
    from .servercheck import read_evidence
    from .trust import load_trust_anchors
    from .workbooks import read_table

    problems: list[str] = []

    def attempt(fn: Any, *args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except InputError as exc:
            for p in exc.problems:
                if p not in problems:
                    problems.append(p)

    attempt(load_trust_anchors, settings.trust_anchors, rel=settings.rel)
    for name in names:
        env = settings.environments[name]
        inp = env.inputs
        if inp.mailboxes is not None:
            attempt(
                read_table,
                inp.mailboxes,
                EXPORT_FIELDS,
                label=settings.rel(inp.mailboxes),
                sheet=inp.mailboxes_sheet,
                overrides=inp.columns,
            )
        if env.contact_points is not None:
            attempt(
                read_contact_points,
                env.contact_points,
                label=settings.rel(env.contact_points),
                system_id=env.system_id,
            )
        if env.mapping is not None:
            attempt(read_table, env.mapping, MAPPING_FIELDS, label=settings.rel(env.mapping))
        if env.certificate is not None:
            attempt(
                load_certificate,
                env.certificate,
                label=settings.rel(env.certificate),
                password=None,
            )
        for path in env.probe_evidence:
            attempt(
                read_evidence,
                path,
                label=settings.rel(path),
                environment=name,
                registered_ips=env.server_ips,
            )
    if problems:
        raise InputError(problems)


def collect_secrets(
    settings: Settings, names: list[str], *, prompt: bool
) -> dict[str, dict[str, str]]:
    """Per environment, variable name -> value, asked on the terminal only when nothing else has it."""
    from .certificates import PUBLIC_SUFFIXES
    from .secrets import resolve

    out: dict[str, dict[str, str]] = {}
    for name in names:
        env = settings.environments[name]
        values = {}
        for var, label in (
            (env.certificate_password_env, f"[{name}] certificate password"),
            (env.authorization_env, f"[{name}] authorization header"),
        ):
            if not var:
                continue
            if var == env.certificate_password_env and (
                env.certificate is None or env.certificate.suffix.lower() in PUBLIC_SUFFIXES
            ):
                continue
            secret = resolve(var, secrets_file=settings.secrets_file, prompt=prompt, label=label)
            if secret is not None:
                values[var] = secret.as_found()
        out[name] = values
    return out


def reuse_findings(settings: Settings, secrets: dict[str, dict[str, str]]) -> list[Finding]:
    """CERT_REUSED_ACROSS_ENVIRONMENTS, or CERT_REUSE_NOT_CHECKED when a certificate cannot be read."""
    from .certificates import fingerprint
    from .secrets import Secret, resolve

    prints: dict[str, str] = {}
    unread: list[str] = []
    for name, env in settings.environments.items():
        if env.certificate is None:
            continue
        value = secrets.get(name, {}).get(env.certificate_password_env or "")
        secret = (
            Secret(env.certificate_password_env or "", value)
            if value
            else resolve(env.certificate_password_env, secrets_file=settings.secrets_file)
        )
        fp = fingerprint(env.certificate, secret)
        if fp is None:
            unread.append(name)
        else:
            prints[name] = fp
    found: list[Finding] = []
    by_print: dict[str, list[str]] = {}
    for name, fp in prints.items():
        by_print.setdefault(fp, []).append(name)
    for names in by_print.values():
        if len(names) > 1:
            found.append(
                F.error(
                    "CERT_REUSED_ACROSS_ENVIRONMENTS",
                    "The same certificate is used in {values}; each environment must have its own.",
                    "certificate",
                    values=" and ".join(names),
                )
            )
    if unread and len(settings.environments) > 1:
        found.append(
            F.info(
                "CERT_REUSE_NOT_CHECKED",
                "Whether a certificate is reused across environments was not checked: the certificate of {values} could not be read here.",
                "certificate",
                values=", ".join(unread),
            )
        )
    return found


def child_environ(
    settings: Settings, name: str, secrets: dict[str, dict[str, str]]
) -> dict[str, str]:
    """The parent's environment without any environment's secrets, plus this environment's own."""
    env = dict(os.environ)
    for other in settings.environments.values():
        for var in other.secret_names:
            env.pop(var, None)
    env.update(secrets.get(name, {}))
    env["PYTHONIOENCODING"] = "utf-8"
    return env


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
    preflight(settings, chosen)
    out_dir = writable_out((out or default_out(settings)).resolve())
    secrets = collect_secrets(settings, chosen, prompt=sys.stdin is not None and sys.stdin.isatty())
    extra = reuse_findings(settings, secrets)
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
                env=child_environ(settings, name, secrets),
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
