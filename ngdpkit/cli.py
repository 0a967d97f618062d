"""The command line (contract §2): ``ngdpkit <command>``, also ``python -m ngdpkit``.

Every command turns :class:`~ngdpkit.errors.InputError` into one line per
problem on stderr and exit 2; nothing here prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from . import __version__
from .errors import InputError, NgdpkitError
from .findings import local_time, with_plurals
from .redact import (
    ci_inert,
    cpr_words_in,
    hide_cpr_words,
    one_line,
    terminal_text,
    whole_characters,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from .settings import Environment, Settings


class CleanStream(io.TextIOBase):
    """The console as the kit's one printer sees it (contract §10): every text written passes
    :func:`~ngdpkit.redact.terminal_text`, so no secret, ANSI escape or control character
    from a value (a mailbox name, a library's error text) reaches the terminal, and
    :func:`~ngdpkit.redact.ci_inert`, so no value becomes a command to the CI job whose log
    shows it."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        # a lone surrogate (a file name's byte that is not UTF-8) as U+FFFD: writing it raised
        self.raw.write(ci_inert(terminal_text(whole_characters(text))))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return bool(self.raw.isatty())

    def fileno(self) -> int:
        return int(self.raw.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.raw, "encoding", "utf-8"))


def _err(text: str) -> None:
    """One line on stderr: a value in ``text`` (a file name, a cell) cannot start another,
    and a CPR-shaped number in it is not shown (an argument echoed as refused: ``--step``,
    ``--days`` or ``--env`` given a CPR number typed into the wrong field)."""
    print(f"ngdpkit: {_refusal(one_line(text))}", file=sys.stderr, flush=True)


# The CPR-shaped numbers of this command line's arguments (:func:`redact.cpr_pieces`: in any
# script's digits, inside a longer word too), longest first: a refusal that echoes an
# argument hides them wherever it quotes it ("unknown environment 'test0101701299'" showed
# the number, which :func:`hide_cpr_words` leaves as part of a word, as it leaves a hash's)
_TYPED_CPR: list[str] = []
_ARGS: list[str] = []  # this command line's arguments (for the settings it names)


def _remember_typed_cpr(argv: list[str]) -> None:
    from .redact import cpr_pieces

    _ARGS[:] = [str(arg) for arg in argv]
    pieces = {piece for arg in argv for piece in cpr_pieces(str(arg))}
    _TYPED_CPR[:] = sorted(pieces, key=len, reverse=True)


def _refusal(text: str) -> str:
    """``text`` with its CPR-shaped words hidden, and every CPR-shaped number of the command
    line's arguments wherever it stands (:data:`_TYPED_CPR`)."""
    from .redact import HIDDEN_CPR

    text = hide_cpr_words(text)
    for piece in _TYPED_CPR:
        text = text.replace(piece, HIDDEN_CPR)
    return text


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose refusal (``invalid choice: '…'``) hides a CPR-shaped number
    as :func:`_err` does; every subcommand's parser is one too (argparse makes them so)."""

    def error(self, message: str) -> NoReturn:
        super().error(_refusal(message))


class _Once(argparse.Action):
    """An option a command takes once: given twice, argparse kept the last without a word
    (``watch --env production --env test`` watched test only: a go-live day's cold run)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        given = namespace.__dict__.setdefault("_given_once", {})
        if self.dest in given:  # a default is no giving: only what the command line said
            from .redact import hide_cpr, redact  # a name or note holding one (an attacker's look)

            _register_parse_time_secrets(namespace)
            before, now = (hide_cpr(redact(str(v))) for v in (given[self.dest], values))
            parser.error(f"{option} is given twice ({before!r} and {now!r}): give it once")
        given[self.dest] = values
        setattr(namespace, self.dest, values)


# A variable of the shell named as the kit's secrets are (the sample's, init's and the CI
# templates' names, and any other of that shape): its value is hidden in what argparse says
_SECRET_VARIABLE = re.compile(
    r"NGDPKIT_[A-Z0-9_]*(?:PASSWORD|AUTHORIZATION|TOKEN|SECRET)[A-Z0-9_]*"
)


def _register_parse_time_secrets(namespace: Any) -> None:
    """Register what can be known of the secrets while the command line is still read
    (nothing is yet): the usual variables and any ``NGDPKIT_…PASSWORD``-like one of the
    shell, and when ``--settings`` came first, those its keys name (from its secrets file
    too). An option given twice was quoted whole: a password pasted as ``--by`` twice was
    printed (an attacker's look, session 43)."""
    from .settings import load_settings

    path = getattr(namespace, "settings", None)
    if not isinstance(path, Path):  # --settings after the option: as the line gives it
        # argparse takes any unambiguous start of it too ("--sett FILE" printed the password)
        given = [
            a.split("=", 1)[1] for a in _ARGS if _settings_option(a.split("=", 1)[0]) and "=" in a
        ]
        given += [b for a, b in zip(_ARGS, _ARGS[1:], strict=False) if _settings_option(a)]
        path = Path(given[-1]) if given else None
    settings = None
    if isinstance(path, Path):
        try:
            settings = load_settings(path)
        except Exception:  # noqa: BLE001 - settings refused here are said by the command itself
            settings = None
    shell = [n for n in os.environ if _SECRET_VARIABLE.fullmatch(n)]
    _register_settings_secrets(settings, shell, lenient=True)


def _register_settings_secrets(
    settings: Any, also: list[str] | None = None, *, lenient: bool = False
) -> None:
    """Register, for the console's redaction, the usual secret variables, ``also``, and each
    secret the settings name (from their secrets file too). ``lenient``: a secrets file that
    cannot be read still lets the shell's variables be registered."""
    from .run.bundle import USUAL_SECRET_VARIABLES
    from .secrets import resolve

    names = [*USUAL_SECRET_VARIABLES, *(also or [])]
    secrets_file = None
    if settings is not None:
        secrets_file = settings.secrets_file
        names += [n for e in settings.environments.values() for n in e.secret_names]
        names += list(settings.signing_secret_names)
    for name in dict.fromkeys(names):
        if not lenient:
            resolve(name, secrets_file=secrets_file)  # registered as it is read
            continue
        try:
            resolve(name, secrets_file=secrets_file)
        except Exception:  # noqa: BLE001 - an unreadable secrets file: the shell's still are
            resolve(name)


def _settings_option(arg: str) -> bool:
    """Whether ``arg`` names ``--settings``, whole or as argparse takes a start of it."""
    return len(arg) > 3 and "--settings".startswith(arg)


def _settings_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--settings", required=True, type=Path, action=_Once, help="the settings file (TOML)"
    )


def _env_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME",
        help="an environment; repeat it, or 'all'",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ngdpkit",
        description="Take KMD WorkZone from e-Boks to NgDP: checks, configuration and sign-off documents per environment.",
    )
    parser.add_argument("--version", action="version", version=f"ngdpkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _migration_commands(sub)
    _tool_commands(sub)
    _ngdp_commands(sub)
    _comparison_commands(sub)
    _internal_commands(sub)
    return parser


def _migration_commands(sub: Any) -> None:
    """The commands of a migration: run, check, init and confirm."""
    p = sub.add_parser("run", help="execute the notebooks per environment and write run folders")
    _settings_arg(p)
    _env_arg(p)
    p.add_argument(
        "--out",
        action=_Once,
        type=Path,
        help="where run folders go (default: runs/ beside the settings)",
    )
    _online_arg(p)
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print signoff/signoff.pdf with a local Chromium, Chrome or Edge",
    )
    p.add_argument(
        "--notebooks",
        action=_Once,
        type=Path,
        help="use customised notebooks from this folder (see `ngdpkit notebooks`)",
    )

    p = sub.add_parser("init", help="a day-one migration.toml for a new customer")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument(
        "--organisation", action=_Once, required=True, help="the name of the organisation"
    )
    p.add_argument("--cvr", action=_Once, required=True, help="its CVR number (8 digits)")
    p.add_argument(
        "--mailboxes", action=_Once, type=Path, help="the e-Boks export, copied in beside it"
    )
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME",
        help="an environment (repeatable; default: test and production)",
    )

    p = sub.add_parser("check", help="the same checks in-process; no notebooks, no files")
    _settings_arg(p)
    _env_arg(p)
    _online_arg(p)
    p.add_argument(
        "--all",
        action="store_true",
        help="every finding, even past 50 (else a summary by code and unit)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per environment (an array when more than one)",
    )

    p = sub.add_parser(
        "confirm", help="record that a person did a checklist step the kit cannot see"
    )
    _settings_arg(p)
    p.add_argument("--env", required=True, action=_Once)
    p.add_argument("--step", action=_Once, required=True, help="the checklist step, 1 to 8")
    p.add_argument(
        "--by", action=_Once, required=True, help="who confirms (name, and role if useful)"
    )
    p.add_argument("--note", action=_Once, default="", help="what was done, where")


# what ``demo --help`` says: the README's row for it, not only its usage line
DEMO_DESCRIPTION = (
    "Into ./data/sample: the sample data, then a run of both sample environments,"
    " a rehearsal of each against the local NgDP simulator, and a run --online ngdp"
    " of the test environment against a local NgDP holding the records of the sample"
    " (into runs-simulator/). Nothing leaves 127.0.0.1."
)


def _tool_commands(sub: Any) -> None:
    """Tools around a migration: certificates, the audit trail, the sample, notebooks, support."""
    cert = sub.add_parser("cert", help="certificate tools").add_subparsers(
        dest="cert_command", required=True, metavar="SUBCOMMAND"
    )
    p = cert.add_parser(
        "inspect", help="facts and findings for a .p12/.pfx or a public certificate"
    )
    p.add_argument("file", type=Path)
    p.add_argument(
        "--password-env",
        action=_Once,
        metavar="VAR",
        help="the environment variable holding the .p12 password",
    )
    p.add_argument(
        "--env",
        action=_Once,
        dest="kind",
        choices=("test", "production"),
        help="the environment kind it is meant for",
    )
    p.add_argument("--cvr", action=_Once, help="the CVR of the organisation")
    p.add_argument(
        "--settings",
        action=_Once,
        type=Path,
        metavar="FILE",
        help="the settings: the password found as run finds it (its secrets_file too), and the"
        " password variable, kind, CVR and trust anchors of the environment when FILE is its"
        " certificate",
    )
    p.add_argument(
        "--trust-anchors",
        action="append",
        default=[],
        metavar="KIND=PEM",
        help="custom anchors, e.g. test=root.pem",
    )
    p.add_argument("--json", action="store_true")

    audit = sub.add_parser("audit", help="audit trail tools").add_subparsers(
        dest="audit_command", required=True, metavar="SUBCOMMAND"
    )
    p = audit.add_parser("verify", help="check the audit trail of a run")
    p.add_argument("target", type=Path, metavar="FILE|RUN_DIR")
    p.add_argument("--expect-hash", action=_Once, metavar="HEX")

    p = sub.add_parser("sample", help="write the synthetic sample set")
    p.add_argument("dir", type=Path)
    p.add_argument(
        "--mailboxes",
        action=_Once,
        type=_mailbox_count,
        default=None,  # None: not given (a folder that holds an export keeps it either way)
        metavar="N",
        help="mailboxes in the export (200 to 200000; default 200): to try a large municipality",
    )

    p = sub.add_parser(
        "demo",
        help="sample data, then run both sample environments, offline",
        description=DEMO_DESCRIPTION,
    )
    p.add_argument("--dir", type=Path, default=Path("data/sample"), help=argparse.SUPPRESS)

    p = sub.add_parser("notebooks", help="copy the packaged notebooks out for JupyterLab")
    p.add_argument("dir", type=Path)

    p = sub.add_parser(
        "bundle", help="a zip for KMD or Digitaliseringsstyrelsen support (no secrets)"
    )
    p.add_argument("run_dir", type=Path)
    p.add_argument(
        "--with-workbooks",
        action="store_true",
        help="include the mapping workbooks (they may hold personal data)",
    )


def _ngdp_commands(sub: Any) -> None:
    """NgDP, local or real: the simulator, the rehearsal and the watch after go-live."""
    p = sub.add_parser(
        "simulate", help="run a local NgDP for an environment on 127.0.0.1 until stopped"
    )
    _settings_arg(p)
    p.add_argument("--env", required=True, action=_Once)
    p.add_argument("--port", action=_Once, type=port_number, default=0)
    p.add_argument(
        "--seed",
        action=_Once,
        type=Path,
        metavar="FILE",
        help="JSON: letters and receipts waiting, failed and good deliveries, for trying watch",
    )

    p = sub.add_parser("rehearse", help="the acceptance test: a letter out, the reply back")
    _settings_arg(p)
    p.add_argument("--env", required=True, action=_Once)
    p.add_argument("--against", action=_Once, choices=("simulator", "ngdp"), default="simulator")
    p.add_argument(
        "--production",
        action="store_true",
        help="allow --against ngdp for a production environment",
    )
    p.add_argument("--yes", action="store_true", help="do not ask before sending (CI)")
    p.add_argument("--out", action=_Once, type=Path)

    p = sub.add_parser(
        "watch",
        help="after go-live: letters waiting and failed deliveries in NgDP (counts only)",
    )
    _settings_arg(p)
    p.add_argument("--env", required=True, metavar="NAME", action=_Once)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--days",
        action=_Once,
        default="7",  # checked in cmd_watch: a bad value is one line, not argparse's usage
        metavar="N",
        help="read the event log of NgDP for the last N days (1 to 90, default 7)",
    )


def _comparison_commands(sub: Any) -> None:
    """Beyond one run: compare environments, diff two runs, a portfolio's status."""
    p = sub.add_parser("compare", help="test and production side by side from one settings file")
    _settings_arg(p)
    _env_arg(p)
    p.add_argument(
        "--out",
        action=_Once,
        type=Path,
        help="the runs folder: where the runs compared are read and the comparison goes "
        "(default: runs/ beside the settings)",
    )
    p.add_argument(
        "--from-inputs",
        action="store_true",
        help="check the inputs again as they are today, not the latest run of each environment",
    )
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")

    p = sub.add_parser("diff", help="what changed between two run folders of one environment")
    p.add_argument("run_a", type=Path, metavar="RUN_A")
    p.add_argument("run_b", type=Path, metavar="RUN_B")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--all",
        action="store_true",
        help="every change, even past 50 (else a summary by code and unit)",
    )

    p = sub.add_parser(
        "status", help="the latest run of each environment for settings files or folders"
    )
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--html", action=_Once, type=Path, metavar="FILE", help="also write one HTML page"
    )


def _internal_commands(sub: Any) -> None:
    """Not for users: one environment's child process, started by ``run``."""
    p = sub.add_parser("_run-environment")  # internal: one environment's child process
    _settings_arg(p)
    p.add_argument("--env", required=True, action=_Once)
    p.add_argument("--out", action=_Once, type=Path, required=True)
    _online_arg(p)
    p.add_argument("--pdf", action="store_true")
    p.add_argument("--extra", default="[]")
    p.add_argument("--notebooks", action=_Once, type=Path)
    p.add_argument("--wait", action="store_true")  # for "go" on stdin (the parent checks the input)


def cmd_run(args: argparse.Namespace) -> int:
    from .run.parent import run

    if not args.env:
        # a run becomes its environment's latest, which compare and status read: never one
        # nobody named (a tired consultant's `run --settings …` ran production too)
        raise InputError(
            f"{args.settings}: name the environment to run: --env NAME (repeatable) or --env all"
        )
    if args.notebooks is not None and not args.notebooks.is_dir():
        raise InputError(f"--notebooks {args.notebooks}: folder not found")

    def announce(chosen: list[str], language: str) -> None:
        # once the settings name the environments: "running staging" and then "unknown
        # environment 'staging'" told a consultant two things at once; in the settings'
        # language, as the run's last lines are (a Danish console opened in English)
        from .documents.i18n import t

        line = t(
            language,
            "run_announce",
            version=__version__,
            environments=", ".join(chosen),
            settings=args.settings,
        )
        print(line, flush=True)

    with _terminate_as_ctrl_c():  # a cancelled CI job's SIGTERM ends the run as Ctrl-C does
        code, folders = run(
            args.settings,
            args.env,
            out=args.out,
            online=online_mode(args.online),
            pdf=args.pdf,
            notebooks=args.notebooks,
            announce=announce,
        )
    for folder in folders:
        print(folder)
    return code


def check_payload(
    settings: Any,
    name: str,
    *,
    online: bool | str,
    extra: list[Any],
    tables: Any = None,
    summary: list[Any] | None = None,
) -> tuple[dict[str, Any], int]:
    """One environment's checks as ``check --json`` prints them, and the exit code.
    ``summary``, when given, receives the findings counted by code and unit (for the
    console past :data:`FINDING_ROWS` rows)."""
    from . import findings as F
    from .steps import run_all

    try:
        steps = run_all(settings, name, online=online, tables=tables)
    except InputError as exc:
        return {
            "environment": name,
            "status": "unusable",
            "error": exc.problems[0],
            "findings": [],
        }, 2
    except Exception as exc:  # a bug: say so, keep the shape
        return {
            "environment": name,
            "status": "crashed",
            "error": f"{type(exc).__name__}: {exc}",
            "findings": [],
        }, 3
    found = [f for s in steps for f in s.findings] + extra  # the run-level ones, as in run
    status = F.status_of(found)
    if summary is not None and len(found) > FINDING_ROWS:
        from .documents.signoff import findings_summary, unit_lookup

        mapping, mailboxes = steps[1].record, steps[0].record
        units = unit_lookup(getattr(mapping, "mapping", None), getattr(mailboxes, "sheet", ""))
        summary.extend(findings_summary(found, units, settings.language))
    return {
        "environment": name,
        "status": status,
        "error": None,
        "findings": [f.to_dict(settings.language) for f in F.sort_findings(found)],
    }, 1 if status == "errors" else 0


def seal_findings(settings: Any, secrets: dict[str, dict[str, str]]) -> list[Any]:
    """What ``run`` would find about ``[signing]``'s certificate (``SIGNING_CERT_INVALID``),
    with the password collected for the environments (asked once on a terminal)."""
    from .documents.signing import seal_from_settings
    from .secrets import Secret

    if settings.signing is None:
        return []
    password = None
    for var in settings.signing_secret_names:
        value = next((v[var] for v in secrets.values() if var in v), None)
        password = Secret.found(var, value, "environment") if value else None
    return seal_from_settings(settings, password=password)[1]


def cmd_check(args: argparse.Namespace) -> int:
    from .run.preflight import (
        collect_secrets,
        confirmation_findings,
        preflight,
        read_tables,
        reuse_findings,
    )
    from .settings import load_settings

    try:
        settings = load_settings(args.settings)
        names = settings.select(args.env)
    except InputError as exc:
        if args.json:
            print(
                json.dumps(
                    {
                        "environment": None,
                        "status": "unusable",
                        "error": exc.problems[0],
                        "findings": [],
                    },
                    ensure_ascii=False,
                )
            )
        for p in exc.problems:
            _err(p)
        return 2
    secrets = collect_secrets(settings, names, prompt=sys.stdin is not None and sys.stdin.isatty())
    extra = reuse_findings(settings, secrets) + seal_findings(settings, secrets)
    tables = read_tables(settings, names)  # side by side, not one after the other in the steps
    payloads, codes = [], []
    for name in names:
        saved = {k: os.environ.get(k) for k in secrets[name]}
        os.environ.update(secrets[name])
        summary: list[Any] = []
        try:
            payload, code = check_payload(
                settings,
                name,
                online=online_mode(args.online),
                extra=extra + confirmation_findings(settings, name),
                tables=tables,
                summary=None if args.all else summary,
            )
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        payloads.append(payload)
        codes.append(code)
        if not args.json:
            print_findings_table(payload, summary=summary, language=settings.language)
    if args.json:
        print(
            json.dumps(
                payloads[0] if len(payloads) == 1 else payloads, ensure_ascii=False, indent=2
            )
        )
    if 2 in codes:
        # The steps stop at the first unusable file; the preflight lists every one, one line each.
        # It runs only now, so a good run reads each input once.
        try:
            preflight(settings, names)
            problems = [p["error"] for p in payloads if p["status"] == "unusable"]
        except InputError as exc:
            problems = exc.problems
        for problem in problems:
            _err(problem)
    if not args.json:
        said = _check_next(args, settings.language, payloads, codes)
        if said:
            print(said)
    for code in (2, 3, 1):
        if code in codes:
            return code
    return 0


def _check_next(
    args: argparse.Namespace, language: str, payloads: list[dict[str, Any]], codes: list[int]
) -> str | None:
    """What to type after ``check``, as init and sample end on it (check ended on its last
    finding): the run when nothing blocks it, else what to fix first and check again. In the
    settings' language, as the table above it; None after a crash (its line says it)."""
    from .deliverables.commands import path_word
    from .documents.i18n import t

    if 3 in codes:
        return None
    envs = " ".join(f"--env {name}" for name in args.env)
    settings = f"--settings {path_word(str(args.settings))} {envs}"
    if 2 in codes:
        return t(language, "check_next_unusable", command=f"ngdpkit check {settings}")
    errors = [f["code"] for p in payloads for f in p["findings"] if f["severity"] == "error"]
    if errors:
        named = list(dict.fromkeys(errors))
        codes_said = ", ".join(named[:3]) + (", …" if len(named) > 3 else "")
        return t(language, "check_next_fix", codes=codes_said, command=f"ngdpkit check {settings}")
    return t(language, "check_next_run", command=f"ngdpkit run {settings}")


FINDING_ROWS = 50  # past this many findings, check prints a summary by code and unit


def print_findings_table(
    payload: dict[str, Any],
    *,
    summary: list[Any] | None = None,
    language: str = "en",
    outcome: str = "",
) -> None:
    """One environment's findings, one per line; past :data:`FINDING_ROWS` (and given the
    ``summary`` by code and unit), the summary instead, and ``--all`` for every line. The
    frame is said in ``language``, as the findings are (a Danish run's table said "warnings
    (0 errors, …)" around Danish messages)."""
    from .documents.display import console_said, location_text
    from .documents.i18n import count, status_word, t
    from .findings import counts as count_severities

    lang = "da" if language == "da" else "en"
    width = 8 if lang == "da" else 7  # "advarsel"

    def severity(word: str) -> str:
        """The severity column in the table's language (the code beside it stays as it is)."""
        shown = t(lang, word) if word in ("error", "warning", "info") else word
        return f"{shown:<{width}}"

    findings = payload["findings"]
    counts = count_severities(findings)
    said = ", ".join(count(lang, counts[s], s) for s in ("error", "warning", "info"))
    status = str(payload["status"])
    known = ("ok", "warnings", "errors", "crashed", "unusable")
    shown = status_word(lang, status) if status in known else status
    if outcome:  # the i18n key of what the command's page calls it
        shown = t(lang, outcome)
    # an input no step could read has no findings to count: "(0 fejl, 0 advarsler, 0 info)"
    # beside it read as a clean bill
    counted = "" if status == "unusable" and not findings else f" ({said})"
    print(f"\n== {payload['environment']}: {shown}{counted}")
    if payload.get("error"):
        print(f"   {one_line(str(payload['error']))}")
    skipped = [f for f in findings if f["code"] == "NET_SKIPPED"]
    if summary:
        total = sum(row[3] for row in summary)
        print("  " + t(lang, "table_summary", total=total))
        for sev, code, title_, n, where in summary:
            # the units column as the findings' lines are said: one line, no CPR-shaped
            # number standing as a word, and bounded (an attacker's look: 400 units named
            # with CPR numbers made a 13 KB line of them on the console and in a CI log)
            units = _clip(
                cpr_words_in(hide_cpr_words(one_line(str(where))), lang), SUMMARY_UNITS_WIDTH
            )
            print(f"  {severity(sev)} {code:<32} {n:>6}  {_clip(title_, 50):<50} {units}")
        return
    for f in findings:
        if f["code"] == "NET_SKIPPED":
            continue
        place = " ".join(x for x in (f["source"], location_text(f["location"], lang)) if x)
        # one line per finding: a value it quotes (a certificate's name in a library's
        # error) may hold a line end, which would start a line of its own choosing
        # and a CPR-shaped number in a mailbox's or a unit's name is not repeated (CPR_IN_TEXT);
        # bounded, whatever the values and the file's path
        said = console_said(f["message"], place, lang)
        print(f"  {severity(f['severity'])} {f['code']:<32} {said}")
    if skipped:
        n = len(skipped)
        print(f"  {severity('info')} {'NET_SKIPPED':<32} " + t(lang, "table_skipped", n=n))


SUMMARY_UNITS_WIDTH = 160  # characters of the summary's units column on the console


def _clip(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters: cut at a word's end and marked "…" (a cut
    mid-word, "dokumentationsområ", read as a misspelling: a day-one cold read)."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip(" (,;:") + "…"


def _environment_of_certificate(settings: Settings, file: Path) -> Environment | None:
    """The environment whose ``certificate`` is ``file`` (the same file, however named)."""
    for env in settings.environments.values():
        try:
            if env.certificate is not None and env.certificate.samefile(file):
                return env
        except OSError:  # either is missing: not the same file
            continue
    return None


def cmd_cert_inspect(args: argparse.Namespace) -> int:
    from . import findings as F
    from .checks.certificates import INSPECT_KEYS, inspect
    from .settings import load_settings, variable_name_problem

    if args.password_env and (why := variable_name_problem(args.password_env)):
        raise InputError(f"--password-env {why}")
    password_env, kind, cvr = args.password_env, args.kind, args.cvr
    anchors: dict[str, tuple[Path, ...]] = {}
    secrets_file = None
    settings = None
    if args.settings is not None:
        # where run and check find the password (a consultant exported it into the shell
        # for want of this, where it stays in the history): the settings' own secrets_file
        settings = load_settings(args.settings)
        secrets_file = settings.secrets_file
        env = _environment_of_certificate(settings, args.file)
        if env is not None:
            password_env = password_env or env.certificate_password_env
            kind = kind or env.kind
        cvr = cvr or settings.organisation.cvr
        if not args.trust_anchors:
            anchors = dict(settings.trust_anchors)
    _register_inspect_secrets(settings)
    try:
        facts, found = inspect(
            args.file,
            password_env=password_env,
            kind=kind,
            cvr=cvr,
            trust_anchors=args.trust_anchors,
            anchor_files=anchors,
            secrets_file=secrets_file,
            prompt=sys.stdin is not None and sys.stdin.isatty(),
        )
    except InputError as exc:
        for p in exc.problems:
            _err(p)
        if args.json:
            print(json.dumps({"certificate": None, "findings": [], "error": exc.problems[0]}))
        return 2
    if args.json:
        print(
            json.dumps(
                {"certificate": facts, "findings": [f.to_dict() for f in found]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        if facts:
            for key in INSPECT_KEYS:
                # a value is one line: a certificate's name may hold a line end, which
                # would print a line of the certificate's choosing into a CI log
                print(f"{key:>16}: {one_line(str(facts[key]))}")
            print(f"{'chain':>16}: {one_line(' -> '.join(map(str, facts['chain'])))}")
        else:
            print("certificate: null (it could not be opened)")
        print_findings_table(
            {
                "environment": args.file.name,
                "status": F.status_of(found),
                "error": None,
                "findings": [f.to_dict() for f in found],
            }
        )
        if facts and args.settings is None:
            untrusted = any(f.code == "CERT_CHAIN_INVALID" for f in found)
            anchored = bool(args.trust_anchors) or not untrusted
            unsaid = _inspect_unsaid(args.file, kind, cvr, anchored=anchored)
            if unsaid:
                print(unsaid)
    return 1 if any(f.severity == "error" for f in found) else 0


def _register_inspect_secrets(settings: Any) -> None:
    """Register for the console's redaction every secret ``cert inspect`` can read besides
    the password it opens the file with: each one the settings name (from their secrets
    file too) and the usual variables of the shell. A certificate's subject is whatever its
    maker wrote: a serialNumber holding the authorization token printed it whole in the
    subject, issuer and CERT_OCES2 lines (a leak hunter's look, session 38)."""
    _register_settings_secrets(settings)


def _inspect_unsaid(file: Path, kind: str | None, cvr: str | None, *, anchored: bool) -> str:
    """What ``cert inspect`` without ``--settings`` could not say, and the command that says
    it (a consultant read "errors" for the sample's test certificate, and no word of test or
    production or of the organisation's CVR): "" when the options gave all of it."""
    from .deliverables.commands import path_word

    missing = []
    if kind is None:
        missing.append("whether it is the test or the production certificate (--env)")
    if cvr is None:
        missing.append("whether its CVR is that of the organisation (--cvr)")
    if not anchored:  # an untrusted chain: a test CA the settings name would change that
        missing.append("the trust anchors the settings may name (--trust-anchors)")
    if not missing:
        return ""
    return (
        f"note: not checked without --settings: {'; '.join(missing)}. With the settings, "
        "the password, kind, CVR and trust anchors come from there: "
        f"ngdpkit cert inspect {path_word(str(file))} --settings migration.toml"
    )


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from .documents.signature_check import is_pdf
    from .run.audit import verify, verify_bundle
    from .run.bundle import register_secrets

    expect_hash = args.expect_hash
    if expect_hash is not None:
        refused = _expect_hash_refusal(expect_hash)
        if refused:  # bad input, before anything is verified (not a folder that does not match)
            _err(refused)
            return 2
        expect_hash = expect_hash.strip()
    target = _named_run(args.target)  # runs/<env>/LATEST: the run it names
    register_secrets(target)  # a planted file's name it quotes may be a secret
    if not target.exists():
        _err(f"{args.target}: not found")
        return 2
    if is_pdf(target):  # signoff.pdf on its own: its signatures, and no trail to check
        if expect_hash is not None:
            # it printed "not checked here" and exited 0: a script that held a PDF of another
            # run against its anchor passed (an attacker's look)
            _err(
                f"{target.name}: --expect-hash checks a run folder or its support bundle, and a "
                "PDF carries no audit trail: nothing was verified. Verify the run folder (or "
                "the bundle) with --expect-hash, and the PDF without it"
            )
            return 2
        return _audit_verify_pdf(target)
    if target.is_file() and target.suffix.lower() == ".zip":  # a support bundle, as it came
        verdict = verify_bundle(target, expect_hash=expect_hash)
    else:
        verdict = verify(target, expect_hash=expect_hash)
    for note in verdict.notes:
        print(one_line(note))  # a file name planted in the folder may hold a line end
    if verdict.ok:
        print(f"intact: {verdict.records} records, final hash {verdict.final_hash}")
        return 0
    for problem in verdict.problems:
        print(f"NOT INTACT: {one_line(problem)}")
    return 1


ANCHOR_TEXT = re.compile(r"[0-9a-fA-F]{64}")


def _expect_hash_refusal(value: str) -> str:
    """Why ``--expect-hash`` is not an anchor ("" when it is): the anchor is 64 hexadecimal
    digits (surrounding spaces and upper case are fine). An empty value (a script's unset
    $ANCHOR) checked nothing and exited 0; a short or prefixed one read as "the anchor
    printed on the signed document no longer matches this folder" (an auditor's look)."""
    text = value.strip()
    if ANCHOR_TEXT.fullmatch(text):
        return ""
    given = f"{one_line(text)[:80]!r} ({len(text)} characters)" if text else "an empty value"
    return (
        "--expect-hash expects the anchor printed on the signed document, 64 hexadecimal "
        f"digits (0-9, a-f), and got {given}: nothing was verified"
    )


def _audit_verify_pdf(pdf: Path) -> int:
    """``audit verify`` of a PDF (recognised by its first bytes): who signed it and whether
    each signature is intact; exit 0 when all are, 1 when one is broken or there is none."""
    from .documents.signature_check import check_lone_pdf

    said = check_lone_pdf(pdf)
    for note in said.notes:
        print(one_line(note))
    print(
        "a PDF carries no audit trail: the records of the run and its other files are checked by "
        "verifying its run folder or its support bundle (ngdpkit audit verify RUN_DIR|BUNDLE.zip)"
    )
    if not said.problems:
        print(f"intact: {len(said.notes)} signature(s), each over the whole file")
        return 0
    for problem in said.problems:
        print(f"NOT INTACT: {one_line(problem)}")
    return 1


def _mailbox_count(text: str) -> int:
    """``--mailboxes``: a whole number from 200 to 200,000 (argparse turns the error into
    one line and exit 2)."""
    try:  # int() alone also takes "٣٠٠", " 300" and "3_00"
        return whole_number(text, 200, 200_000)
    except ValueError:
        if text.isascii() and text.isdigit() and len(text) <= 6:
            raise argparse.ArgumentTypeError(f"{int(text)} is outside 200 to 200000") from None
        raise argparse.ArgumentTypeError(f"{one_line(text)[:20]!r} is not a whole number") from None


def cmd_init(args: argparse.Namespace) -> int:
    from .documents.settings_reference import init_folder

    try:
        target, export = init_folder(
            args.dir,
            organisation=args.organisation,
            cvr=args.cvr,
            mailboxes=args.mailboxes,
            environments=args.env,
        )
    except InputError as exc:
        for p in exc.problems:
            _err(p)
        return 2
    print(f"wrote {target}")
    from .documents.settings_reference import init_kind

    for name in args.env or ():
        if name not in ("test", "production"):  # said, since compare needs one of each
            kind = init_kind(name)
            print(
                f'environment {name}: kind = "{kind}" (from its name; change it in the settings if it is not)'
            )
    if args.mailboxes is not None:
        print(f"copied the export to {export}")
    else:
        print(f"put the e-Boks export at {export} (or change inputs.mailboxes)")
    from .deliverables.commands import path_word

    print(f"next: ngdpkit check --settings {path_word(str(target))} --env all")
    return 0


def _writable(folder: Path, label: str) -> None:
    """Refuse, before anything is written (exit 2), a folder that cannot be written: a
    read-only folder, or one a sync client or another program holds. A folder that does
    not exist yet is judged by the nearest one that does, where it would be made."""
    from .run.folder import not_writable

    existing = folder.absolute()
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return  # a file where a folder belongs: the command says so itself
    refused = not_writable(existing)
    if refused is not None:
        raise InputError(
            f"{label}: the folder {existing} is not writable ({refused.strerror or refused}): "
            "make it writable, or name another folder"
        ) from refused


def cmd_sample(args: argparse.Namespace) -> int:
    from .deliverables.commands import path_word
    from .rehearsal.sample import write_sample

    for folder in (args.dir, args.dir / "certs"):
        _writable(folder, str(args.dir))
    export = args.dir / "mailboxes.xlsx"
    kept = export.exists()
    written = write_sample(args.dir, mailboxes=args.mailboxes or 200)
    for path in written:
        print(f"wrote {path}")
    said = with_plurals("sample set in {dir} ({n} file(s) written or renewed)", {"n": len(written)})
    print(said.format(dir=args.dir, n=len(written)))
    if args.mailboxes is not None and kept:
        # the sample keeps what a folder holds (contract §2): a consultant's `--mailboxes 5000`
        # into the demo's folder wrote nothing and said only "0 files", the export still 200
        print(
            f"note: {path_word(str(export))} was there already and is kept as it is: "
            f"--mailboxes {args.mailboxes} makes its export only in a folder without one "
            "(choose a new folder)"
        )
    # what to type next, as init says it (a first day's sample ended on its file list)
    print(f"next: ngdpkit run --settings {path_word(str(args.dir / 'migration.toml'))} --env all")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .rehearsal.sample import write_sample
    from .run.parent import run

    for folder in (args.dir, args.dir / "certs"):
        _writable(folder, str(args.dir))
    write_sample(args.dir)
    print(f"sample set ready in {args.dir}", flush=True)
    code, folders = run(args.dir / "migration.toml", ["all"], out=None, online=False, pdf=False)
    from .rehearsal.flow import demo_rehearsals

    code = max(code, demo_rehearsals(args.dir / "migration.toml"))
    from .run.demo import demo_online

    print("\nThe test environment read back from a local NgDP (--online ngdp):", flush=True)
    online_code, online_folder = demo_online(args.dir / "migration.toml")
    code = max(code, online_code)
    print("\nSign-off documents:")
    for folder in folders:
        print(f"  {folder / 'signoff' / 'index.html'}")
    if online_folder is not None:
        print(f"  {online_folder / 'signoff' / 'index.html'}  (read from the local NgDP)")
    return code


def cmd_notebooks(args: argparse.Namespace) -> int:
    from importlib import resources

    from .deliverables.commands import path_word
    from .deliverables.outputs import private_new_file

    try:
        args.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        _err(f"{args.dir}: cannot create the folder ({exc.strerror})")
        return 2
    src = resources.files("ngdpkit") / "notebooks"
    for item in sorted(src.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".ipynb"):
            target = args.dir / item.name
            if target.is_symlink():  # a dangling link too: never written through
                print(f"kept {target} (a link; remove it to get the notebook)")
                continue
            try:
                private_new_file(target, item.read_bytes())
            except FileExistsError:
                print(f"kept {target} (exists)")
                continue
            except OSError as exc:
                _err(f"{target}: cannot write the notebook ({exc.strerror})")
                return 2
            print(f"wrote {target}")
    print(
        "Open them with: jupyter lab "
        + path_word(str(args.dir))  # a folder with a space is typed again as one
        + "  (set NGDPKIT_SETTINGS to your settings file, or edit the settings parameter)"
    )
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    """One hash-chained line in confirmations.jsonl beside the settings file (§12.2)."""
    from .checks.evidence import append_confirmation, confirmations_path
    from .deliverables.checklist import KEYS, STEPS
    from .settings import load_settings

    settings = load_settings(args.settings)
    env = settings.environment(args.env)  # an unknown environment is exit 2
    args.step = _confirmation_arguments(args, settings, env)
    path = confirmations_path(settings.path)
    values = ""
    if args.step in (5, 6):  # the portal's or WorkZone's values: those of the latest run
        values, about = _latest_step_values(settings, args.env, args.step)  # run ID or why not
        if not values:
            print(
                f"note: {about}; this confirmation will not count for step {args.step} until it"
                " is given after a run that has them"
            )
        else:
            _say_inputs_changed(settings, args.env, about)
    if args.step == 7:  # the dispatcher: a confirmation is for the values of the latest run
        values = _dispatcher_notes(settings, env)
    title = STEPS[settings.language if settings.language in STEPS else "en"][KEYS[args.step - 1]]
    # what a confirmation of steps 5, 6 and 7 stands for, asked with it (a go-live day's second
    # look: the question named the step, and what it binds to came only after the answer)
    what = BOUND_TO.get(args.step, "") if values else ""
    of = f"of run {about}" if args.step in (5, 6) else "of the latest run"
    bound = f", for the {what} {of}" if what else ""
    _confirmed_before(path, args.env, args.step, settings.language)
    _ask_at_a_terminal(f"{args.env}: step {args.step} ({title}), done by {args.by}{bound}")
    record = append_confirmation(
        path, environment=args.env, step=args.step, by=args.by, note=args.note, values=values
    )
    when = local_time(record.at, settings.language)
    print(f"{args.env}: step {args.step} ({title}) confirmed by {record.by} at {when}")
    if what:  # which values it now stands for, said (an attacker's look: it bound to whichever
        # run was latest, a nightly one maybe, and said nothing of it; step 7 said nothing)
        other = "values" if args.step == 7 else what
        print(f"for the {what} {of}: a later run with other {other} asks to confirm again")
    blocked = _blocked_in_latest_run(settings, args.env, args.step)
    if blocked:  # recorded, but a blocked step stays blocked (a consultant's cold run)
        print(
            f"note: step {args.step} is blocked in the latest run ({blocked}): a confirmation "
            "never outweighs an error the kit found; it counts once those findings are gone"
        )
    from .run.preflight import confirmation_findings

    unusable = confirmation_findings(settings, args.env)
    for f in (f for f in unusable if f.code == "CONFIRMATION_TIME_REFUSED"):
        # another line that does not count: this one does (named, not a failure of confirm)
        print(f"note: {f.code}: {one_line(f.text(settings.language))}")
    unusable = [f for f in unusable if f.code != "CONFIRMATION_TIME_REFUSED"]
    if unusable:  # appended to a file no run will count: say so now, not at the next run
        print(f"recorded in {settings.rel(path)} ({record.hash[:12]}…), but:")
        for f in unusable:
            print(f"  {f.code}: {one_line(f.text(settings.language))}")
        return 1
    print(f"recorded in {settings.rel(path)} ({record.hash[:12]}…); the next run shows it")
    return 0


def _confirmed_before(path: Path, environment: str, step: int, language: str) -> None:
    """Say who confirmed the step before, when someone did (a consultant's cold run: the same
    step confirmed four times gave four lines and not a word; the file is only appended to)."""
    from .checks.evidence import read_confirmations

    records, problems = read_confirmations(path)
    earlier = [c for c in records if c.environment == environment and c.step == step]
    if problems or not earlier:
        return
    last = earlier[-1]
    print(
        f"note: step {step} of {environment} was confirmed before"
        f" ({len(earlier)} time{'s' if len(earlier) > 1 else ''}, last by {terminal_text(last.by)}"
        f" at {local_time(last.at, language)}); this adds a line after it, and the newest counts"
    )


def _dispatcher_notes(settings: Any, env: Any) -> str:
    """What a confirmation of step 7 will stand for, said before it is asked: the dispatcher
    values of the latest run (their SHA-256, returned; "" when there are none, which is said),
    and, while ``[golive]`` enables the NgDP dispatcher later, that one given now will not
    count (a consultant's cold run: only the next run said so, after the line was written)."""
    import datetime as dt

    from .documents.runbook import enable_moment

    values, withheld, about = _latest_dispatcher_values(settings, env.name)
    if about and not withheld:  # the latest run does not verify: said as for steps 5, 6
        print(  # as steps 5 and 6 say it, and as step 7 said it before (no run yet)
            f"note: {about}; this confirmation will not count for step 7 until it is given"
            " after a run that has them (no finished run of this environment has"
            " dispatcher values yet)"
        )
    elif withheld:  # a run there is: it held its values back (not "no run yet")
        print(
            f"note: the latest run ({withheld[0]}) withheld its dispatcher values"
            f" ({', '.join(withheld[1:])}); this confirmation will not count for step 7"
            " until it is given after a run that shows them"
        )
    elif not values:
        print(
            "note: no finished run of this environment has dispatcher values yet; "
            "this confirmation will not count for step 7 until it is given after a run"
        )
    enable = enable_moment(env)
    if enable is not None and enable > dt.datetime.now(dt.UTC):
        when = local_time(enable.strftime("%Y-%m-%dT%H:%M:%SZ"), settings.language)
        print(
            f"note: [golive] enables the NgDP dispatcher at {when}: a confirmation of step 7"
            " given before then does not count; confirm it again once the dispatcher is enabled"
        )
    return values


def _confirmation_arguments(args: argparse.Namespace, settings: Any, env: Any) -> int:
    """``confirm``'s step as a number, once ``--step``, ``--by`` and ``--note`` are what a
    line may hold (an ``InputError``, one line, otherwise: nothing is written)."""
    from .deliverables.checklist import KEYS
    from .deliverables.commands import is_placeholder

    # 1 to 8 in ASCII digits: int() also took "٣" (Arabic-Indic three), " 3" and "+3"
    if not re.fullmatch(rf"[1-{len(KEYS)}]", args.step):
        shown = one_line(args.step)[:20]
        shown = shown if re.fullmatch(r"[0-9]{1,20}", shown) else repr(shown)
        raise InputError(f"--step {shown}: the checklist has steps 1 to {len(KEYS)}")
    if not args.by.strip():  # --by '' read as a placeholder and said "in place of ;"
        raise InputError(
            "--by is empty: write the name of the person who did the step; nothing was recorded"
        )
    _no_secret_in_confirmation(settings, env, by=args.by, note=args.note)
    if is_placeholder(args.by):  # the pages' --by "<dit navn>", copied as it stood
        raise InputError(
            "--by: write the name of the person who did the step in place of"
            f" {one_line(args.by.strip())[:40]}; nothing was recorded"
        )
    return int(args.step)


# what a confirmation of a valued step is bound to, as ``confirm`` says it
BOUND_TO = {5: "contact points and translations", 6: "mapping", 7: "dispatcher values"}


def _ask_at_a_terminal(what: str) -> None:
    """At a terminal, ``confirm`` names the step it is about to record and asks: the runbook's
    steps and the checklist's are both numbered, and a go-live day's tired consultant typed
    the runbook's number (``--step 3`` recorded "outgoing access opened" for the dispatcher);
    the file only grows, so a line written cannot be taken back. A pipeline or a script
    (no terminal) records at once, as before."""
    if not sys.stdin or not sys.stdin.isatty():
        return
    try:
        answer = input(f"{what}: record it? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes", "j", "ja"):
        raise InputError("not recorded: the confirmation was declined; nothing was written")


def _no_secret_in_confirmation(settings: Settings, env: Environment, *, by: str, note: str) -> None:
    """A name or note that holds a secret of the settings is refused before it is written:
    ``confirmations.jsonl`` is an input of every later run, which would then stub its own
    pages, and the console echoed it (an attacker's look found both). So is one that holds a
    CPR-shaped number (a DPO's review), named by its option, never echoed."""
    import re

    from .redact import holds_cpr, redact
    from .run.scan import environment_secrets

    environment_secrets(settings, env)  # every secret this process can read, registered
    for flag, text in (("--by", by), ("--note", note)):
        if holds_cpr(text):  # personal data, in a file that can never be corrected
            raise InputError(
                f"{flag} holds a CPR-shaped number: confirmations.jsonl is append-only and"
                " cannot be corrected, and a CPR number does not belong in it; give a name or"
                " initials and what was done; nothing was recorded"
            )
        hidden = redact(text)
        if hidden != text:
            names = sorted(set(re.findall(r"\[hidden: ([^\]]+)\]", hidden))) or ["a secret"]
            raise InputError(
                f"{flag} holds the value of {', '.join(names)}: a confirmation says what was"
                " done and by whom, never a password or a header; nothing was recorded"
            )


def _blocked_in_latest_run(settings: Any, environment: str, step: int) -> str:
    """The run ID of the environment's latest run when ``step`` is blocked there, else "".
    Only a folder that verifies as this environment's run is read (an attacker's pass: a
    planted folder named in ``LATEST`` decided the note), as ``status`` and ``diff`` read."""
    from .compare.runs import latest_run, read_checklist
    from .run.neighbours import check_folder

    run_dir = latest_run(settings.base_dir / "runs" / environment)
    if run_dir is None or check_folder(run_dir, environment=environment)[0] is None:
        return ""
    try:
        rows = read_checklist(run_dir, run_dir.name)
    except InputError:
        return ""
    blocked = any(r.step == step and r.status == "blocked" for r in rows or ())
    return run_dir.name if blocked else ""


_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,63}")  # a finding code, as a step file may name it


def _say_inputs_changed(settings: Any, environment: str, run_id: str) -> None:
    """Say which inputs changed since the run a confirmation of step 5 or 6 binds to: it is
    for that run's values (a consultant who took over in week two confirmed step 6 after a
    decision was added, and learned it only from the next run's checklist). A file the
    settings name that the run did not read and is there now counts, as ``status`` and
    ``compare`` count it: the first decision is a decisions file begun since the run, and
    it was not named."""
    from .run.neighbours import run_inputs_changed

    run_dir = settings.base_dir / "runs" / environment / run_id
    changed = run_inputs_changed(settings, environment, run_dir, unread=True)
    if changed:
        names = ", ".join(one_line(x)[:120] for x in changed)
        print(
            f"note: {names} changed since run {run_id}; this confirmation is for that"
            " run's values: if the change is to count, run again and confirm after it"
        )


def _latest_step_values(settings: Any, environment: str, step: int) -> tuple[str, str]:
    """(the SHA-256 of step 5's contact points or step 6's mapping in the environment's
    latest run, that run's ID) or ("", why there is none). Only a folder that verifies as this
    environment's run is read (its step files are then the kit's own), as ``status``
    reads; the values are those a run's checklist holds the confirmation against (a
    week-two consultant: confirmations given in week one stayed done after a new export
    changed the mapping)."""
    from .checks.evidence import mapping_values_sha256, portal_values_sha256
    from .compare.runs import latest_run
    from .run.neighbours import check_folder
    from .run.scan import replaced_file
    from .steps.records import ContactPointsRecord, SystemRecord, read_step

    what = "contact points" if step == 5 else "mapping"
    run_dir = latest_run(settings.base_dir / "runs" / environment)
    if run_dir is None:
        return "", f"no finished run of this environment has its {what} yet"
    if check_folder(run_dir, environment=environment)[0] is None:
        return "", f"the latest run ({run_dir.name}) does not verify, so it is not read"
    kind = ContactPointsRecord if step == 6 else SystemRecord
    values = ""
    try:
        record = read_step(run_dir / "steps" / f"{kind.step}.json").record
        if isinstance(record, ContactPointsRecord):
            values = mapping_values_sha256(record.mapping)
        elif isinstance(record, SystemRecord):
            values = portal_values_sha256(record.portal)
    except (OSError, ValueError, InputError):
        values = ""
    if not values:
        step_file = run_dir / "steps" / f"{kind.step}.json"
        why = replaced_file(step_file, f"steps/{step_file.name}")
        return "", f"the latest run ({run_dir.name}) has no {what}" + (f": {why}" if why else "")
    return values, run_dir.name


def _latest_dispatcher_values(settings: Any, environment: str) -> tuple[str, tuple[str, ...], str]:
    """(the SHA-256 of the dispatcher parameters in the environment's latest run, or "";
    when that run withheld them: its run ID and the codes that withheld them, else ();
    why the latest run is not read, else "").

    A consultant's cold run: after a run that withheld the values (a wrong certificate
    password), ``confirm --step 7`` said no finished run had dispatcher values "yet". Only a
    folder that verifies as this environment's run is read, as for steps 5 and 6 (a
    reviewer's look: a folder holding only a dispatcher-config.json, named in ``LATEST``,
    was bound to)."""
    from .checks.evidence import values_sha256
    from .compare.runs import latest_run
    from .run.neighbours import Replaced, check_folder, read_json_file
    from .steps.records import DispatcherRecord, read_step

    run_dir = latest_run(settings.base_dir / "runs" / environment)
    if run_dir is None:
        return "", (), ""
    about = ""
    if check_folder(run_dir, environment=environment)[0] is None:
        # its values are never bound to; the codes a step file names only word the note
        about = f"the latest run ({run_dir.name}) does not verify, so it is not read"
    else:
        try:
            config = read_json_file(run_dir / "dispatcher-config.json")
        except Replaced as exc:  # the run's own placeholder: which secret, and what to do
            return "", (), f"the latest run ({run_dir.name}) has no dispatcher values: {exc}"
        except ValueError:
            config = None
        values = values_sha256(config if isinstance(config, dict) else None)
        if values:
            return values, (), ""
    try:
        record = read_step(run_dir / "steps" / f"{DispatcherRecord.step}.json").record
    except (OSError, ValueError, InputError):
        return "", (), about
    codes = record.withheld_by if isinstance(record, DispatcherRecord) else ()
    names = tuple(c for c in codes if isinstance(c, str) and _CODE.fullmatch(c))[:5]
    return "", ((run_dir.name, *names) if names else ()), about


def cmd_bundle(args: argparse.Namespace) -> int:
    from .run.bundle import make_bundle

    try:
        path = make_bundle(_named_run(args.run_dir), with_workbooks=args.with_workbooks)
    except InputError as exc:
        for p in exc.problems:
            _err(p)
        return 2
    with zipfile.ZipFile(path) as zf:
        summary = json.loads(zf.read("summary.json"))
    if not summary["audit_verify"]["intact"]:
        problems = summary["audit_verify"]["problems"]
        # Files no record names were packed as they stand, searched by the bundle alone: for
        # the secrets of the run's secrets file only when its settings were found (a run
        # written with --out elsewhere, bundled from another folder: a CISO's look). An intact
        # folder's members are the bytes the run's own scan passed.
        unsearched = (
            ""
            if summary["secrets_searched"]["settings_found"]
            else "; the settings file the run was made with was not found beside its runs"
            " folder or in the current folder (or did not load), so its secrets file was not"
            " read and the members were"
            " searched only for the secrets this shell's environment holds ("
            + (", ".join(summary["secrets_searched"]["variables"]) or "none")
            + "): run bundle from the folder that holds the settings file"
        )
        _err(
            f"{args.run_dir}: the folder does not verify ({problems[0] if problems else '?'}); "
            f"the bundle says so in summary.json{unsearched}"
        )
    for name in summary["left_out_too_large"]:
        _err(f"{name}: left out of the bundle, larger than any run writes")
    for name in summary["left_out_changed"]:
        _err(
            f"{name}: left out of the bundle, not the bytes the run recorded (changed since the"
            " run, or put in its place)"
        )
    for name in summary.get("left_out_unsearched", ()):
        _err(
            f"{name}: left out of the bundle, not searched for the run's secrets (its settings"
            " file was not found, and the run never reached its seal)"
        )
    if args.with_workbooks:  # the zip now names mailboxes as the export does: said here too
        _err(
            f"{path.name}: holds findings.json and the mapping workbooks with the export's"
            " mailbox names (personal data): send it only where that may go, delete it after"
        )
    print(path)
    return 0


def cmd_rehearse(args: argparse.Namespace) -> int:
    from .rehearsal.flow import rehearse

    code, folder = rehearse(
        args.settings,
        args.env,
        against=args.against,
        production=args.production,
        yes=args.yes,
        out=args.out,
    )
    print(folder)
    return code


def _terminate_as_ctrl_c() -> contextlib.AbstractContextManager[None]:
    """Meanwhile a ``kill`` (SIGTERM: a service manager, a cancelled CI job; Ctrl-Break on
    Windows) stops the command as Ctrl-C does, so that what it made is removed (the
    simulator's session CA in its temporary folder; a run's kernels, and from a run folder
    any file holding a secret); the handlers before come back after."""
    import signal

    from .run.kernels import signals_handled

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    kills = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGBREAK") if hasattr(signal, n))
    return signals_handled(kills, stop)


def cmd_simulate(args: argparse.Namespace) -> int:
    import tempfile
    import time
    from secrets import token_urlsafe

    from .checks.system import parse_authorization
    from .rehearsal.flow import anchors_pem, contact_point_ids
    from .rehearsal.simulator import SessionCA, Simulator, SimulatorConfig
    from .rehearsal.simulator_traffic import read_seed
    from .secrets import resolve
    from .settings import load_settings

    # the seed is checked before anything is written (a CA kept beside the settings): a bad
    # one is one line naming its key and value, exit 2 (1e300 days crashed simulate)
    seed = read_seed(args.seed) if args.seed is not None else None
    with _terminate_as_ctrl_c(), tempfile.TemporaryDirectory(prefix="ngdpkit-simulate-") as tmp:
        ca = SessionCA.create(Path(tmp))
        # Kept beside the settings before they are read: settings whose ngdp_api_ca names it
        # were refused while it was missing, and simulate is what writes it.
        given = Path(args.settings)
        kept = (
            _kept_ca(ca.ca_file, given.resolve().parent, args.env)
            if _names_environment(given, args.env)
            else ca.ca_file
        )
        settings = load_settings(args.settings)
        env = settings.environment(args.env)
        if not env.system_id:
            raise InputError(
                f"environments.{env.name}.system_id is not set; the simulator needs it to check the authorization header"
            )
        from .checks.system import cpr_shaped

        if cpr_shaped(settings.organisation.cvr):  # said, never repeated; the simulator starts
            from .documents.i18n import t

            _err(t(settings.language, "simulate_cvr_cpr"))
        secret = resolve(env.authorization_env, secrets_file=settings.secrets_file)
        parsed = parse_authorization(secret.reveal()) if secret else None
        token = parsed[1] if parsed else token_urlsafe(24)

        from .rehearsal.simulator_registry import registry_from_settings
        from .rehearsal.simulator_traffic import seed_traffic

        registry = registry_from_settings(settings, env)  # the read endpoints of 12.1
        if seed is not None:  # what watch reads (12.6)
            registry.traffic = seed_traffic(seed, env.system_id, env.protocol)
        cfg = SimulatorConfig(
            kind=env.kind,
            anchors_pem=anchors_pem(settings, env.kind),
            cvr=settings.organisation.cvr,
            system_id=env.system_id,
            token=token,
            contact_points=contact_point_ids(settings, env)
            | ({env.default_contact_point.lower()} if env.default_contact_point else set()),
            protocol="REST_PULL",
            registry=registry,
        )
        try:
            sim = Simulator(cfg, ca, port=args.port)
        except OSError as exc:  # the port is taken, or not ours to listen on
            raise InputError(
                f"--port {args.port}: cannot listen on 127.0.0.1 ({exc.strerror or exc})"
            ) from None
        with sim:
            # Every line is made before the first is printed, then written at once: a Ctrl-C
            # that landed in a lazy import (a dataclass made by exec()) was caught, yet
            # CPython 3.11 ended the process by SIGINT after it printed "stopped" (exit -2,
            # not 0), and a line cut by it ran into "stopped".
            lines = _simulator_lines(env, sim.base_url, kept, given, None if parsed else token)
            try:  # Ctrl-C at any moment once it listens is the normal way to stop it
                print("\n".join(lines), flush=True)
                while True:
                    time.sleep(1)
            except KeyboardInterrupt:
                print("stopped")
    return 0


def _simulator_lines(
    env: Environment, base_url: str, kept: Path, given: Path, session_token: str | None
) -> list[str]:
    """What ``simulate`` says once it listens, every line made before any is printed:
    where it listens, the CA to trust, the settings lines to paste, the header for this
    session only when the settings configure none (``session_token``), how to stop it."""
    import base64

    lines = [
        f"NgDP simulator for {env.name} ({env.kind}): {base_url}",
        f"trust this CA: {kept}",
        *_simulator_settings(env.name, base_url, kept, given),
    ]
    if session_token is not None:
        pair = f"{env.system_id}:{session_token}".encode()
        header = "Basic " + base64.b64encode(pair).decode()
        lines.append(f"no authorization header configured; for this session only use: {header}")
    if env.contact_points_ngdp:
        # a consultant's cold read: step 5's run --online ngdp against it read 200 mailboxes
        # unmapped and the default contact point missing, with nothing said why
        lines.append(
            'note: contact_points = "ngdp", so this simulator lists none of the contact points'
            " (it takes them from a contact points file), only a retired one of its own; to try"
            " reading them with run --online ngdp, start it from a copy of the settings whose"
            " contact_points names a contact points file"
        )
    return [*lines, "Ctrl-C stops it."]


def _simulator_settings(
    environment: str, base_url: str, ca_file: Path, settings: Path
) -> list[str]:
    """The two keys that point a copy of the settings at this simulator, ready to paste
    under its environment's table (the README said simulate prints them; it printed the URL
    and the CA, and the consultant wrote the keys by hand, the CA's path absolute): the CA
    relative to the settings file, as the settings read it, and as a TOML string."""
    from .documents.settings_reference import toml_string

    try:
        shown = ca_file.resolve().relative_to(settings.resolve().parent).as_posix()
    except (ValueError, OSError):  # the session's own file: the copy beside them failed
        shown = str(ca_file)
    return [
        f"for a copy of the settings (never the real ones), under [environments.{environment}]:",
        f"    ngdp_api_url = {toml_string(base_url)}",
        f"    ngdp_api_ca = {toml_string(shown)}",
    ]


def _names_environment(path: Path, environment: str) -> bool:
    """``path`` is a TOML file with ``[environments.<environment>]``: before the settings are
    checked, the only kind of folder ``simulate`` writes its CA into (a file given by
    mistake, ``--settings /etc/hosts``, leaves its folder alone)."""
    from .settings import ENVIRONMENT_NAME, MAX_SETTINGS_BYTES, parse_toml

    try:
        if not ENVIRONMENT_NAME.match(environment) or path.stat().st_size > MAX_SETTINGS_BYTES:
            return False
        data = parse_toml(path.read_bytes(), path.name)
    except (OSError, InputError):
        return False
    envs = data.get("environments")
    return isinstance(envs, dict) and isinstance(envs.get(environment), dict)


def _kept_ca(ca_file: Path, base_dir: Path, environment: str) -> Path:
    """The session CA's certificate (public; its key stays in the session's temporary
    folder) copied to ``simulator/<env>-ca.pem`` beside the settings file, where it stays
    after the simulator stops: settings whose ``ngdp_api_ca`` names it stay usable (a
    missing file refused the whole settings file). Each start writes the new CA there.
    The session's own file when the copy cannot be written."""
    target = base_dir / "simulator" / f"{environment}-ca.pem"
    try:
        target.parent.mkdir(exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(ca_file.read_bytes())
        os.replace(tmp, target)
    except OSError:
        return ca_file
    return target


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare.compare import compare_environments, pick, write_comparison
    from .run.scan import environment_secrets
    from .settings import load_settings

    settings = load_settings(args.settings)
    a, b = pick(settings, args.env)
    # registered before either side is read: a run that does not verify is refused with its
    # reason, which quotes a planted file's name (an attacker's look: one named after the
    # certificate password was printed whole)
    environment_secrets(settings, settings.environment(a))
    out = (args.out or settings.base_dir / "runs").resolve()
    result = compare_environments(settings, a, b, from_inputs=args.from_inputs, out=out)
    code, folder = write_comparison(settings, result, out)
    if args.json:
        print(
            json.dumps(
                json.loads((folder / "compare.json").read_text(encoding="utf-8")),
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print_findings_table(
            {
                "environment": f"{a} <> {b}",
                "status": result["status"],
                "error": None,
                "findings": result["findings"],
            },
            language=settings.language,
            # the comparison's outcome in the page's words: "advarsler" on the console beside
            # "forskelle med bemærkninger" on the page read as two verdicts (a customer's look)
            outcome=f"compare_outcome_{result['status']}",
        )
        for line in _compared_runs(result, settings.language):
            print(line)
        print(folder)
    return code


def _compared_runs(result: dict[str, Any], language: str) -> list[str]:
    """``  test: kørsel 20261207T010331Z-a578a5 fra 07-12-2026 kl. 02:03``, one line per side
    compared, and what changed since it: the console named only the comparison's folder, and
    a week-two run that stopped with exit 2 left week one's run compared without a word."""
    from .documents.i18n import t
    from .findings import local_time

    lang = "da" if language == "da" else "en"
    lines = []
    for env, run in (result.get("runs") or {}).items():
        made = (result.get("runs_made") or {}).get(env)
        when = local_time(made, lang) if isinstance(made, str) and made else "?"
        line = "  " + t(lang, "compare_console_run", env=env, run=run.get("run"), when=when)
        changed = (result.get("inputs_changed") or {}).get(env) or []
        if changed:
            names = ", ".join(one_line(str(x))[:120] for x in changed)
            line += "; " + t(lang, "compare_console_changed", files=names, env=env)
        lines.append(line)
    return lines


DIFF_ROWS = 50  # past this many changes, diff prints a summary by code and unit


def _named_run(path: Path) -> Path:
    """``runs/test/LATEST`` as the run folder it names (a consultant types it for "the last
    run"); any other path as it is. ``LATEST`` is read as a folder name, never as a path."""
    from .compare.runs import RUN_NAME
    from .run.neighbours import read_text_file

    if path.name != "LATEST":
        return path
    text = read_text_file(path, limit=256)
    name = text.strip() if text is not None else ""
    return path.parent / name if RUN_NAME.fullmatch(name) else path


def cmd_diff(args: argparse.Namespace) -> int:
    from .compare.diff import diff_runs, is_empty
    from .compare.runs import run_language
    from .documents.change_text import code_title, lines, summary, unit_moved_lines
    from .documents.i18n import number, t
    from .run.bundle import register_secrets

    run_a, run_b = _named_run(args.run_a), _named_run(args.run_b)
    for run in (run_a, run_b):  # a planted file's name it quotes may be a secret
        register_secrets(run)
    change = diff_runs(run_a, run_b)
    if args.json:
        print(json.dumps(change, ensure_ascii=False, indent=2))
        return 0
    # the change lines in the runs' language: they stood in English beside Danish findings
    lang = run_language(run_b)
    # every value one line: a run folder is whatever its writer made it, its trail chained anew
    # (an attacker's look: a finding's value "x\n  + CODE …" printed a change of its own)
    env, before, after = (
        one_line(str(v))
        for v in (change["environment"], change["previous"]["run"], change["current"]["run"])
    )
    print(f"{env}: {before} -> {after}")
    if _newer_first(change):  # a consultant's cold run read the changes backwards
        print("  " + t(lang, "diff_reversed"))
    if is_empty(change):
        print("  " + t(lang, "diff_none"))
        return 0
    mark = {
        "findings_added": "+",
        "findings_resolved": "-",
        "findings_unchecked": "?",
        "findings_rechecked": "=",
        "findings_superseded": ">",
    }
    every = lines(change, lang)
    listed = len(every) <= DIFF_ROWS or args.all
    for said in unit_moved_lines(change, lang, listed=listed):  # one line above its moves
        print("  ~ " + said)
    if not listed:  # counts in the language's number form (1.200 in Danish)
        print("  " + t(lang, "diff_summary", n=number(lang, len(every))))
        for section, code, unit, n in summary(change, lang):
            what = f"{code} ({code_title(section, code, lang)})" if code else section
            unit = one_line(unit) if unit else t(lang, "diff_environment")
            print(
                f"  {mark.get(section, '~')} {number(lang, n):>6}  {_clip(one_line(what), 60):<60} {unit}"
            )
        _print_marks(change, mark, lang)
        return 0
    for section, code, unit, text in every:
        where = f" [{one_line(unit)}]" if unit else ""
        print(f"  {mark.get(section, '~')} {one_line(code):<28}{where} {one_line(text)}")
    _print_marks(change, mark, lang)
    return 0


def _print_marks(change: dict[str, Any], mark: dict[str, str], lang: str) -> None:
    """Under ``diff``'s lines, what each of its less obvious marks (``?``, ``=``, ``>``) that
    it printed means: a consultant's cold read met "> MAILBOX_UNMAPPED" with nothing saying
    that the finding was not resolved (``+``, ``-`` and ``~`` read as they look)."""
    from .documents.change_text import section_titles
    from .documents.i18n import t

    titles = section_titles(lang)
    for section in ("findings_unchecked", "findings_rechecked", "findings_superseded"):
        if change.get(section):
            print("  " + t(lang, "diff_mark_means", mark=mark[section], title=titles[section]))


def _newer_first(change: dict[str, Any]) -> bool:
    """Whether ``diff``'s first run was made after its second (by the times in their names)."""
    from .run.neighbours import stamp_of

    first = stamp_of(str(change["previous"]["run"]))
    second = stamp_of(str(change["current"]["run"]))
    return first is not None and second is not None and first > second


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return one_line(str(value))


def _short_time(iso: str | None, *, date_only: bool = False) -> str:
    """An ISO 8601 time of the status listing as the terminal shows it (in its own zone)."""
    if not iso:
        return ""
    iso = one_line(iso)  # a time a run folder holds, whatever wrote it: one line
    return iso[:10] if date_only else iso[:16].replace("T", " ")


def _shown_path(path: str) -> str:
    """A settings file as the console names it: from the working folder when it is below it
    (two customers' rows of one organisation are told apart by it)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return path


def cmd_status(args: argparse.Namespace) -> int:
    from .compare.discover import settings_files
    from .compare.status import portfolio
    from .inputs.typed import unstructure

    if args.html is not None:  # the page replaces that file: only a page, in a folder there
        target = args.html
        if target.suffix.lower() not in (".html", ".htm") or target.is_dir():
            raise InputError(f"--html {target}: give a file ending in .html (it is replaced)")
        if not target.parent.is_dir():
            raise InputError(f"--html {target}: the folder {target.parent} does not exist")
        _writable(target.parent, f"--html {target}")
    result = portfolio(args.paths)
    from .settings import one_line_path

    for skipped in result.skipped:  # a folder's name on one line: a line break is U+FFFD
        said = _refusal(one_line_path(f"{skipped.path}: {skipped.reason}"))
        print(f"ngdpkit: {said}", file=sys.stderr)
    # a path that holds no settings file is refused input, not a quiet success: a scheduled
    # status job pointed at a wrong folder would otherwise pass, and keep its old page
    empty = [p for p in args.paths if not settings_files([p])[0]] if len(args.paths) > 1 else []
    if not result.rows or empty:
        _err(f"no ngdpkit settings file found in {', '.join(map(str, empty or args.paths))}")
        return 2
    if args.html is not None:
        from .compare.status_page import render_portfolio
        from .deliverables.outputs import atomic_write

        try:
            atomic_write(args.html, render_portfolio(result, language="da"))
        except OSError as exc:  # open in a program that holds it, or read-only: not replaced
            raise InputError(
                f"--html {args.html}: cannot be replaced ({exc.strerror or exc}): close it "
                "where it is open, make it writable, or name another file"
            ) from exc
        # a page for the team (no secret in it): readable as the user's other files are, not
        # 0600 as the temporary file it was written through
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(args.html, 0o666 & ~mask)
    if args.json:
        print(json.dumps(unstructure(result), ensure_ascii=False, indent=2))
        return 0
    _print_status_table(result)
    return 0


def _changed_cell(names: tuple[str, ...] | None) -> str:
    """The inputs changed since a row's run, as a cell of the status table: the first, and
    how many more (``status --json`` names them all). "+1 more", not "+1", which read as a
    line added to the file named."""
    if not names:
        return ""
    more = f" +{len(names) - 1} more" if len(names) > 1 else ""
    return _clip(one_line(names[0]), CHANGED_WIDTH - len(more)) + more


CHANGED_WIDTH = 24  # the status table's "changed since run" column


def _run_again(result: Any) -> list[str]:
    """The commands that run again the environments whose inputs changed since their run,
    one per settings file, its path as the table shows it and quoted as init's ``next:``."""
    from .deliverables.commands import path_word

    envs: dict[str, list[str]] = {}
    for r in result.rows:
        if r.inputs_changed:
            envs.setdefault(r.settings, []).append(r.environment)
    return [
        f"ngdpkit run --settings {path_word(_shown_path(settings))} "
        + " ".join(f"--env {name}" for name in names)
        for settings, names in envs.items()
    ]


def _print_status_table(result: Any) -> None:
    """``status``'s listing as a table on the console, one row per runs folder."""
    from .settings import one_line_path

    print(f"times in {result.time_zone}; listed {_short_time(result.generated_at)}")
    # "values" is the dispatcher's values ready to be typed in (a bare "ready yes" read as
    # the migration's readiness); "holding up" names the step ("2 blocked" read as a count)
    print(
        f"{'organisation':<28} {'env':<12} {'status':<10} {'err':>4} {'warn':>4} {'values':<6} "
        f"{'steps':<5} {'holding up':<26} {'rehearsal':<17} {'compared':<17} {'cert ends':<10} "
        f"{'run':<16} {'anchor':<16} {'changed since run':<{CHANGED_WIDTH}} settings"
    )
    for r in result.rows:
        # every cell one line: a run folder is whatever its writer made it, its trail chained
        # anew (an attacker's look: a checklist step's status "x\n<a row>" printed a forged
        # row of the table)
        b, h = r.blocking, r.rehearsal
        holding = f"step {b.step} {b.status.replace('_', ' ')}, {b.days} d" if b else ""
        rehearsal = f"{h.status} ({'elsewhere' if h.elsewhere else h.against})" if h else ""
        c = r.comparison  # the newest comparison's outcome; "(old)": of an older run
        compared = ""
        if c is not None:
            plain = c.current or c.status == "unreadable"
            compared = f"{c.status}{' (inputs)' if c.of_inputs else '' if plain else ' (old)'}"
        anchor = one_line(r.anchor or "")[:16]
        problem = f"  {one_line(r.problem)}" if r.problem and not r.anchor else ""
        organisation, environment = one_line(r.organisation)[:28], one_line(r.environment)[:12]
        holding, rehearsal, compared = (one_line(x) for x in (holding, rehearsal, compared))
        print(
            f"{organisation:<28} {environment:<12} {one_line(r.status):<10} "
            f"{_cell(r.errors):>4} {_cell(r.warnings):>4} {_cell(r.dispatcher_ready):<6} "
            f"{_cell(r.checklist):<5} {holding[:26]:<26} {rehearsal[:17]:<17} {compared[:17]:<17} "
            f"{_short_time(r.certificate_not_after, date_only=True):<10} "
            f"{_short_time(r.run_date):<16} {anchor:<16} {_changed_cell(r.inputs_changed):<{CHANGED_WIDTH}} "
            f"{one_line_path(_shown_path(r.settings))}{problem}"
        )
    commands = _run_again(result)
    if commands:
        # the row is of the files as they were: the consultant who read "ok" beside a new
        # export learned it only from compare; the footer ended on "run that environment
        # again" without the command, and "+1" did not say it counted files
        for command in commands if len(commands) > 1 else ():
            print(f"  {command}")
        said = f": {commands[0]}" if len(commands) == 1 else " (the commands above)"
        print(
            "changed since run: files the settings name are no longer what that run read, so"
            ' its row is of the old ones ("+N more": N more files changed; --json names them'
            f" all); run that environment again{said}"
        )


def cmd_watch(args: argparse.Namespace) -> int:
    """One environment's NgDP after go-live (§12.6): counts and failed deliveries, no file."""
    from .compare.watch import MAX_DAYS, crashed, runbook_page, table, unusable, watch
    from .settings import load_settings

    try:
        days = days_number(str(args.days))
    except ValueError:
        from .redact import clip

        raw = str(args.days)
        shown = clip(raw, 20)
        if shown != raw:  # " 7" was said as "--days 7": quoted, its spaces show
            shown = clip(repr(raw), 24)
        reason = f"--days {shown}: the event log is read for 1 to {MAX_DAYS} days (a whole number)"
        if args.json:
            print(json.dumps(unusable(args.env, reason), ensure_ascii=False))
        _err(reason)
        return 2
    try:
        settings = load_settings(args.settings)
        data, code = watch(
            settings,
            args.env,
            days=days,
            prompt=sys.stdin is not None and sys.stdin.isatty(),
        )
    except InputError as exc:
        if args.json:
            print(json.dumps(unusable(args.env, exc.problems[0]), ensure_ascii=False))
        for p in exc.problems:
            _err(p)
        return 2
    except Exception as exc:  # a bug in the kit: one line, and the JSON keeps its shape
        reason = f"{type(exc).__name__}: {one_line(str(exc))}"
        if args.json:
            print(json.dumps(crashed(args.env, reason), ensure_ascii=False))
        _err(f"the kit crashed in 'watch': {reason}")
        return 3
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        page = runbook_page(settings, args.env)
        named = _shown_path(str(page)) if page is not None else None
        for line in table(data, settings.language, runbook=named):
            print(line)
    return code


def cmd_child(args: argparse.Namespace) -> int:
    from .findings import Finding
    from .run.child import run_environment

    extra = [Finding.from_dict(d) for d in json.loads(args.extra)]
    # A kit started in the background of a CI step (`&`) inherits Ctrl-C ignored, and its child
    # then ignored the Ctrl-C the parent hands on when it is stopped: the run went on to its end
    # (an attacker's second look). The parent's Ctrl-C counts whatever the child inherited.
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # A SIGTERM sent to the whole process group (a cancelled CI job) reaches the children too
    with _terminate_as_ctrl_c():
        code = run_environment(
            args.settings,
            args.env,
            args.out,
            online=online_mode(args.online),
            pdf=args.pdf,
            extra=extra,
            notebooks=args.notebooks,
            wait=args.wait,
        )
    # Everything is written, sealed and collected by now: end without tearing down the
    # interpreter's objects one by one (0.3 s after a 100,000-mailbox run).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


COMMANDS = {
    "run": cmd_run,
    "check": cmd_check,
    "init": cmd_init,
    "sample": cmd_sample,
    "demo": cmd_demo,
    "notebooks": cmd_notebooks,
    "bundle": cmd_bundle,
    "confirm": cmd_confirm,
    "simulate": cmd_simulate,
    "rehearse": cmd_rehearse,
    "compare": cmd_compare,
    "diff": cmd_diff,
    "status": cmd_status,
    "watch": cmd_watch,
    "_run-environment": cmd_child,
}


ONLINE_MODES: dict[str, bool | str] = {"all": True, "ngdp": "ngdp"}


def _online_arg(p: argparse.ArgumentParser) -> None:
    """``--online``: the live network checks and NgDP's own records; ``--online ngdp``:
    NgDP's records only, no other probe (the demo against the local simulator uses it)."""
    p.add_argument(
        "--online",
        nargs="?",
        const="all",
        default=None,
        choices=tuple(ONLINE_MODES),
        help="also run the live network checks and read NgDP itself ('ngdp': NgDP only; 'all': the same as no value)",
    )


def online_mode(value: str | None) -> bool | str:
    """The parsed ``--online``: False, True (everything) or "ngdp"."""
    return False if value is None else ONLINE_MODES[value]


def whole_number(text: str, low: int, high: int) -> int:
    """An integer option's value: ASCII digits only, from ``low`` to ``high``; a ValueError
    otherwise. ``int()`` alone also takes "٧" (Arabic-Indic digits), " 7", "+7" and "7_0",
    none of which a person means as the number (the security review's ``watch --days ٧``)."""
    from .inputs import is_number

    if not is_number(text, len(str(high))):
        raise ValueError(text)
    value = int(text)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def port_number(text: str) -> int:
    """``--port``: 0 (any free port) to 65535; argparse turns a ValueError into exit 2."""
    return whole_number(text, 0, 65535)


def days_number(text: str) -> int:
    """``--days``: 1 to 90 days of NgDP's event log; a ValueError otherwise (exit 2)."""
    from .compare.watch import MAX_DAYS

    return whole_number(text, 1, MAX_DAYS)


def _odd_path(args: argparse.Namespace) -> str:
    """The first path argument the kit cannot work in (a line break or an escape in a folder
    name would start console lines and page text of its own), said without the path."""
    from .settings import path_problem

    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Path):
                why = path_problem(item.absolute())
                if why:
                    return f"{name.upper()}: the path {why}"
    return ""


def _spelt_as_on_disk(args: argparse.Namespace) -> None:
    """Path arguments as the disk has them: a leading ``~`` expanded (PowerShell hands it to
    a program as it stands), and a name that differs from the file on disk only in Unicode
    form (a file from a Mac: "å" as "a" and a ring) taken as that file, not "not found"."""
    from .settings import on_disk

    for name, value in vars(args).items():
        items = value if isinstance(value, list) else [value]
        fixed = [_on_disk_arg(item, on_disk) if isinstance(item, Path) else item for item in items]
        if fixed != items:
            setattr(args, name, fixed if isinstance(value, list) else fixed[0])


def _on_disk_arg(path: Path, on_disk: Callable[[Path], Path]) -> Path:
    try:
        if path.parts and path.parts[0] == "~" and not path.exists():
            # only "~" itself: "~alice" is another user (and "~backup" a folder, or the home
            # of Linux's user "backup"), and a path that exists as it is written is that path
            path = path.expanduser()
        if path.exists():
            return path
    except (OSError, RuntimeError):  # a name too long, no home folder: the path as given,
        return path  # for the command to say why it cannot use it (a traceback, exit 1)
    found = on_disk(path.absolute())
    if found == path.absolute():
        return path
    return found if path.is_absolute() else Path(*found.parts[-len(path.parts) :])


def main(argv: list[str] | None = None) -> int:
    """The ``ngdpkit`` command: its exit code (contract §9)."""
    code = _main(argv)
    _forget_caught_interrupts()
    return code


def _forget_caught_interrupts() -> None:
    """A Ctrl-C the kit caught ends the process with the kit's own exit code (130 from an
    interrupted command, 0 from a stopped ``simulate``). CPython 3.11 marks a
    KeyboardInterrupt raised inside ``exec()``'d text as unhandled even when it is caught,
    and a process started as ``python -m ngdpkit`` then ends by SIGINT instead of its code
    (a shell says 130 either way; a Python caller sees -2, PowerShell -1073741510). A lazy
    import that builds a dataclass runs such text, so a Ctrl-C that lands there did it.
    CPython clears the mark each time it runs text through ``exec()``: one empty ``exec``
    once the command has returned clears it."""
    exec("")  # noqa: S102 (no input: an empty text, to clear CPython's mark)


def _main(argv: list[str] | None) -> int:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    if not isinstance(sys.stdout, CleanStream):
        sys.stdout = CleanStream(sys.stdout)
    if not isinstance(sys.stderr, CleanStream):
        sys.stderr = CleanStream(sys.stderr)
    if not sys.warnoptions:  # -W or PYTHONWARNINGS given: the user asked to see them
        import warnings

        # A library's warning prints its file and source line on stderr: no message for a
        # consultant or a CI log (what the kit finds, it says as a finding).
        warnings.simplefilter("ignore")
    parser = build_parser()
    _remember_typed_cpr(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    _spelt_as_on_disk(args)
    odd = _odd_path(args)
    if odd:
        _err(odd)
        return 2
    if args.command == "cert":
        handler = cmd_cert_inspect
    elif args.command == "audit":
        handler = cmd_audit_verify
    else:
        handler = COMMANDS[args.command]
    from .run.collector import collector_for

    try:
        with collector_for(args.command):
            return handler(args)
    except InputError as exc:
        for p in exc.problems:
            _err(p)
        return 2
    except KeyboardInterrupt as exc:
        # a run interrupted before it began says so (run.parent.NOT_BEGUN)
        _err(f"interrupted: {exc}" if str(exc) else "interrupted")
        return 130
    except BrokenPipeError:
        # the reader went away (``ngdpkit check … | head``): not a crash, but the result was
        # not all told, so 141 (128 + SIGPIPE, as a shell reports a process a closed pipe
        # ended). Python would complain again when it flushes stdout at exit, so stdout is
        # pointed at nothing.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except NgdpkitError as exc:
        _err(str(exc))
        return 3
    except Exception as exc:  # a bug in the kit: one line, the step named, never a traceback
        _err(f"the kit crashed in '{args.command}': {type(exc).__name__}: {one_line(str(exc))}")
        return 3
