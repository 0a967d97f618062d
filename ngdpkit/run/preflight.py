"""Before any work, shared by ``run`` and ``check``: refuse unusable input (exit 2, every
problem one line), resolve the secrets (a terminal prompt happens here, before any kernel),
and the checks that need more than one environment (certificate reuse)."""

from __future__ import annotations

from typing import Any

from .. import findings as F
from ..errors import InputError
from ..findings import Finding
from ..inputs.workbooks import TableCache
from ..settings import Settings


def preflight(settings: Settings, names: list[str], cache: TableCache | None = None) -> None:
    """Open every input of the chosen environments far enough to refuse what is unusable (exit 2).

    ``cache`` collects the tables read, for the run's notebooks (see :class:`TableCache`).
    """
    problems = _side_by_side(_calls(settings, names, cache, tables_only=False))
    if problems:
        raise InputError(problems)


def read_tables(settings: Settings, names: list[str]) -> TableCache:
    """The workbooks of the chosen environments, read side by side: what ``check`` then takes
    from the cache instead of reading them one after the other. A file that cannot be read is
    left out (the step that reads it says why, as it always has). pandas, which the steps
    need first, is imported on a thread of its own meanwhile."""
    import importlib

    cache = TableCache(collect=True)
    calls = _calls(settings, names, cache, tables_only=True)
    # pandas (0.6 s to import, what the steps need first) is imported beside the reading.
    calls.append((importlib.import_module, ("pandas",), {}))
    _side_by_side(calls, tolerant=True)
    return cache


def _calls(
    settings: Settings, names: list[str], cache: TableCache | None, *, tables_only: bool
) -> list[tuple[Any, tuple[Any, ...], dict[str, Any]]]:
    """What opening the inputs calls, each file and way of reading it once."""
    from ..checks.certificates import load_certificate
    from ..checks.trust import load_trust_anchors
    from ..deliverables.servercheck import read_evidence
    from ..inputs.contact_points import read_contact_points
    from ..inputs.decisions import read_decisions
    from ..inputs.mailboxes import EXPORT_FIELDS
    from ..inputs.mapping import MAPPING_FIELDS, read_mapping_file
    from ..inputs.workbooks import read_table

    calls: dict[str, tuple[Any, tuple[Any, ...], dict[str, Any]]] = {}

    def attempt(fn: Any, *args: Any, **kwargs: Any) -> None:
        # The same file read the same way for two environments is read once.
        key = repr(
            (fn.__qualname__, args, sorted((k, v) for k, v in kwargs.items() if k != "cache"))
        )
        calls.setdefault(key, (fn, args, kwargs))

    if not tables_only:
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
                cache=cache,
                hidden=True,  # as read_mailbox_export reads it
            )
        if env.contact_points is not None:
            attempt(
                read_contact_points,
                env.contact_points,
                label=settings.rel(env.contact_points),
                system_id=env.system_id,
                cache=cache,
            )
        if env.mapping is not None and tables_only:  # check: parsed too, as its step parses it
            attempt(read_mapping_file, env.mapping, label=settings.rel(env.mapping), cache=cache)
        elif env.mapping is not None:
            attempt(
                read_table,
                env.mapping,
                MAPPING_FIELDS,
                label=settings.rel(env.mapping),
                cache=cache,
                hidden=True,  # as read_mapping_file reads it
            )
        if env.decisions is not None:
            attempt(read_decisions, env.decisions, label=settings.rel(env.decisions))
        if tables_only:
            continue
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
    return list(calls.values())


def _side_by_side(
    calls: list[tuple[Any, tuple[Any, ...], dict[str, Any]]], *, tolerant: bool = False
) -> list[str]:
    """Make the calls on threads; every problem they raise, once, in the order of the calls
    (``tolerant``: any exception is left to whoever makes the call again).

    The workbooks are read side by side: calamine parses without holding the GIL, so on two
    cores the export and the mapping file take little more than the export alone."""
    from concurrent.futures import ThreadPoolExecutor

    def run(call: tuple[Any, tuple[Any, ...], dict[str, Any]]) -> list[str]:
        fn, args, kwargs = call
        try:
            fn(*args, **kwargs)
        except InputError as exc:
            return list(exc.problems)
        except Exception:
            if not tolerant:
                raise
        return []

    # The threads' readers imported here first: two threads importing one module for the
    # first time at once can find it half made (ngdpkit/run/imports.py says more).
    import encodings.cp437  # noqa: F401  (zip member names)

    import defusedxml.ElementTree  # noqa: F401  (a workbook's sheet XML: rows Excel hides)
    import python_calamine  # noqa: F401

    problems: list[str] = []
    with ThreadPoolExecutor(max(1, min(4, len(calls)))) as pool:
        for found in pool.map(run, calls):  # in the order the checks were listed
            problems += [p for p in found if p not in problems]
    return problems


def wanted(settings: Settings, name: str) -> list[tuple[str, str]]:
    """The secrets environment ``name`` needs: (variable name, what a prompt calls it)."""
    from ..checks.certificates import PUBLIC_SUFFIXES

    env = settings.environments[name]
    out = []
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
        out.append((var, label))
    for var in settings.signing_secret_names:  # the seal's password: every run needs it
        if var not in (v for v, _ in out):
            out.append((var, "[signing] certificate password"))
    return out


def collect_secrets(
    settings: Settings, names: list[str], *, prompt: bool
) -> dict[str, dict[str, str]]:
    """Per environment, variable name -> value, asked on the terminal only when nothing else has it."""
    from ..secrets import resolve

    out: dict[str, dict[str, str]] = {}
    found: dict[str, str | None] = {}  # a variable wanted by several environments is asked once
    for name in names:
        values = {}
        for var, label in wanted(settings, name):
            if var not in found:
                secret = resolve(
                    var, secrets_file=settings.secrets_file, prompt=prompt, label=label
                )
                found[var] = None if secret is None else secret.as_found()
            value = found[var]
            if value is not None:
                values[var] = value
        out[name] = values
    return out


def reuse_findings(settings: Settings, secrets: dict[str, dict[str, str]]) -> list[Finding]:
    """CERT_REUSED_ACROSS_ENVIRONMENTS, or CERT_REUSE_NOT_CHECKED when a certificate cannot be read."""
    from ..checks.certificates import fingerprint
    from ..secrets import Secret, resolve

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
            from babel.lists import format_list  # only then: 0.05 s the parent need not spend

            found.append(
                F.error(
                    "CERT_REUSED_ACROSS_ENVIRONMENTS",
                    "The same certificate is used in {values}; each environment must have its own.",
                    "certificate",
                    # the language's own "og" ("bruges i test and production" in a Danish run)
                    values=format_list(names, locale=settings.language),
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


def confirmation_findings(settings: Settings, environment: str) -> list[Finding]:
    """What ``run`` says of ``confirmations.jsonl`` beside the settings file, said by
    ``check`` too: a broken chain, or a file that no longer begins with what the
    environment's runs (in ``runs/`` beside the settings) accepted of it, or a line whose
    time is refused (no time zone, or in the future)."""
    from ..checks.evidence import confirmations_in_time, confirmations_path, read_confirmations
    from .neighbours import confirmations_kept

    path = confirmations_path(settings.path)
    confirmations, problems = read_confirmations(path)
    if problems:
        return problems
    env_dir = settings.path.parent / "runs" / environment
    rewritten = confirmations_kept(path, settings.rel(path), env_dir)[0]
    if rewritten:
        return rewritten
    return confirmations_in_time(confirmations, path.name)[1]
