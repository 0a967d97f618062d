"""``ngdpkit bundle``: a zip for KMD or Digitaliseringsstyrelsen support, with no secrets.

It holds the run's own files a support engineer reads (the audit trail and manifest, the
dispatcher values, the portal values, the firewall order, the checklist), each byte for byte
as the run wrote it, so that ``ngdpkit audit verify`` checks the zip itself against the run's
trail; a ``summary.json`` of its own (versions, the steps' facts, the findings with mailbox
names and CPR-shaped numbers hidden) and a ``README.txt``. ``findings.json`` itself and the
mapping workbooks only when asked (``--with-workbooks``: they may hold personal data).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import stat
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..redact import CPR_SEEN, ascii_form, hide_cpr, secret_parts
from ..redact import HIDDEN_CPR as HIDDEN_CPR  # the words a hidden number becomes, named here too
from .audit import (
    BUNDLE_FILES,
    BUNDLE_MEMBER_LIMIT,
    BUNDLE_WITH_WORKBOOKS,
    open_regular,
    read_regular,
)

VERSIONS = (
    "ngdpkit",
    "papermill",
    "nbclient",
    "nbconvert",
    "pandas",
    "openpyxl",
    "rustpy-xlsxwriter",
    "python-calamine",
    "cryptography",
    "httpx",
)


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in VERSIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _regular(path: Path) -> bool:
    """A regular file, not a link (a link could point at the secrets file or /etc/shadow)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _first_record(run_dir: Path) -> dict[str, Any]:
    """The trail's first record (``run_started``), {} when there is none to read."""
    fh = open_regular(run_dir / "audit.jsonl")
    if fh is None:
        return {}
    try:
        with fh:
            first = json.loads(fh.readline(1 << 20))  # a record, not a file without line ends
    except (OSError, ValueError, RecursionError):
        return {}
    return first if isinstance(first, dict) else {}


# The variables the sample, ``init`` and the CI templates name: looked for in this process's
# environment whatever the run's settings say (a tampered trail, or settings not found)
USUAL_SECRET_VARIABLES = (
    "NGDPKIT_TEST_AUTHORIZATION",
    "NGDPKIT_PRODUCTION_AUTHORIZATION",
    "NGDPKIT_TEST_CERT_PASSWORD",
    "NGDPKIT_PRODUCTION_CERT_PASSWORD",
    "NGDPKIT_SEAL_PASSWORD",
)


def _settings_named(run_dir: Path) -> str:
    """The settings file the trail's first record names ("" when none)."""
    named = _first_record(run_dir).get("settings")
    return named if isinstance(named, str) else ""


def _settings_of(run_dir: Path) -> Path | None:
    """The settings file the run was made with, found where it can be: beside ``runs/`` (the
    folder ``run`` writes into without ``--out``) or in the current folder (where the pages'
    commands are typed), and only when its SHA-256 is the one the trail's first record holds.
    None when neither is (a run written with ``--out`` elsewhere, bundled from another
    folder: its members were searched for nothing a secrets file held, a CISO's look)."""
    from ..settings import MAX_SETTINGS_BYTES

    started = _first_record(run_dir)
    rel = started.get("settings")
    if not isinstance(rel, str) or not rel or Path(rel).is_absolute() or ".." in Path(rel).parts:
        return None
    bases = [run_dir.parents[2]] if len(run_dir.parents) > 2 else []
    try:
        bases.append(Path.cwd())
    except OSError:  # the current folder was removed meanwhile
        pass
    for base in dict.fromkeys(bases):
        raw = read_regular(base / rel, MAX_SETTINGS_BYTES)
        if raw is not None and hashlib.sha256(raw).hexdigest() == started.get("settings_sha256"):
            return base / rel
    for base in dict.fromkeys(bases):
        if _same_for_the_run(base / rel, started, run_dir):
            return base / rel
    return None


def _same_for_the_run(path: Path, started: dict[str, Any], run_dir: Path) -> bool:
    """Whether the settings file at ``path``, changed since the run, is still the same in what
    concerns the run's environment: the SHA-256 its trail's first record holds for it
    (``environments_settings_sha256``) is the one the file gives now, so its secrets are
    named as the run named them. A consultant who stopped a run, fixed another environment's
    table (or added a comment) and bundled the stopped run for support from the settings'
    own folder got a zip of the trail alone, every other file "not searched for the run's
    secrets", and was told to run bundle from the folder that holds the settings file, where
    they were (a reviewer's look). Where, as in the file the run was made with, the secrets
    come from, and their values, is no setting of a run either."""
    from ..settings import load_settings

    recorded = started.get("environments_settings_sha256")
    name = started.get("environment")
    if not isinstance(recorded, dict) or not isinstance(name, str) or name != run_dir.parent.name:
        return False
    if not isinstance(recorded.get(name), str) or not _regular(path):
        return False
    try:
        settings = load_settings(path)
        return name in settings.environments and settings.environment_sha256(name) == recorded[name]
    except (InputError, OSError):
        return False


def _secrets_of(run_dir: Path) -> tuple[dict[str, list[str]], bool]:
    """The secrets to scan the bundle for, and whether the run's settings were found
    (:func:`_settings_of`): those of the run's own environment, and always also the ones
    the usual variables and the run's own hold in this process's environment (a tampered
    trail that names a decoy settings file must not empty the list)."""
    from ..secrets import resolve
    from ..settings import load_settings
    from .scan import environment_secrets

    settings_path = _settings_of(run_dir)
    out: dict[str, list[str]] = {}
    if settings_path is not None:
        try:
            settings = load_settings(settings_path)
            out = environment_secrets(settings, settings.environment(run_dir.parent.name))
        except InputError:
            settings_path = None
    names = set(USUAL_SECRET_VARIABLES)
    try:
        config = json.loads(read_regular(run_dir / "dispatcher-config.json", 1 << 20) or b"")
        names.add(str(config["authorization"]["variable"]))
    except (ValueError, KeyError, TypeError, RecursionError):
        pass
    for name in sorted(names - set(out)):
        secret = resolve(name)
        if secret is not None:
            out[name] = secret_parts(secret.reveal())
    return out, settings_path is not None


def register_secrets(run_dir: Path) -> None:
    """Register for the console's redaction every secret ``bundle`` would search a run folder
    (or a bundle, a PDF: the usual variables) for: ``diff``, ``audit verify`` and the rest
    quote names and texts read from a folder whoever can write it chose (an attacker's look:
    a file named after the certificate password, planted in a run folder, was printed whole
    in "extra file: …" by ``diff`` and ``audit verify``)."""
    from ..secrets import resolve

    try:
        _secrets_of(run_dir.resolve())  # each secret is registered as it is read
    except (OSError, RuntimeError):  # a folder that cannot be read: the usual variables
        for name in USUAL_SECRET_VARIABLES:
            resolve(name)


# The largest file a bundle carries. A run's own are far smaller (a 100,000-mailbox run's
# mapping workbook is some MB); a larger one was put there, and read whole it could take all
# memory (a sparse file of gigabytes costs no disk).
MEMBER_LIMIT = BUNDLE_MEMBER_LIMIT


def _verdict(run_dir: Path) -> dict[str, Any]:
    """What ``audit verify`` says of the folder, for support to read first: a bundle of a
    folder that does not verify says so (and the command prints it)."""
    from .audit import verify

    result = verify(run_dir)
    return {"intact": result.ok, "problems": [str(p)[:300] for p in result.problems[:5]]}


HIDDEN_NAME = "postkassenavn udeladt"
HIDDEN_CELL = "cellens indhold udeladt"
# The values of a mailbox's own cells in the export, which may hold anything a person typed
_CELL_PARAMS = ("mid", "value", "id", "mailbox_id")


def _mailbox_names(run_dir: Path) -> frozenset[str]:
    """The mailbox names of the run's export (its step table), which may name citizens
    ("Sag vedr. Jens Hansen"): hidden wherever a finding names one. Names of fewer than
    three characters are not (they would hide half of every message)."""
    path = run_dir / "steps" / "01_mailboxes.mailboxes.parquet"
    if not _regular(path) or path.stat().st_size > MEMBER_LIMIT:
        return frozenset()
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        column = pq.read_table(path, columns=["mailbox_name"]).column(0).to_pylist()
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return frozenset()
    return frozenset(s for n in column if n and len(s := str(n).strip()) >= 3)


def _hide(text: str, names: frozenset[str]) -> str:
    """``text`` with a mailbox name it is, or lists (", "), and CPR-shaped numbers hidden."""
    if text.strip() in names:
        return HIDDEN_NAME
    if ", " in text:
        text = ", ".join(
            HIDDEN_NAME if part.strip() in names else part for part in text.split(", ")
        )
    return hide_cpr(text)


_FACTS_DEPTH = 64  # deeper than any step writes: the rest is left out, never recursed into


def masked_facts(value: Any, names: frozenset[str], depth: int = 0) -> Any:
    """A step's facts for ``summary.json`` as the findings are: every text in them (values,
    and the keys of a mapping) with mailbox names and CPR-shaped numbers hidden (a system
    named "WorkZone 010190-1234" kept the number; a DPO's review), numbers and the rest as
    they are. Keys lose only CPR-shaped numbers (a name hidden could make two keys one)."""
    if isinstance(value, str):
        return _hide(value, names)
    if depth >= _FACTS_DEPTH:
        return "left out: nested too deep"
    if isinstance(value, dict):
        return {hide_cpr(str(k)): masked_facts(v, names, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked_facts(v, names, depth + 1) for v in value]
    return value


def masked_findings(data: Any, names: frozenset[str]) -> list[dict[str, Any]]:
    """The findings of ``findings.json`` for a reader outside the customer: each with its
    code, severity, source and location, and its values and sentence with mailbox names and
    CPR-shaped numbers hidden (the sentence made again from its template, in the language it
    was written in; a sentence without one has each hidden value replaced in it)."""
    from ..findings import danish_text, english_text

    found = data.get("findings") if isinstance(data, dict) else None
    out: list[dict[str, Any]] = []
    for item in found if isinstance(found, list) else []:
        if not isinstance(item, dict):
            continue
        given = item.get("params")
        params: dict[str, Any] = given if isinstance(given, dict) else {}
        shown = {str(k): _hide(str(v), names) for k, v in params.items()}
        if str(item.get("code") or "").startswith("MAILBOX_"):
            # an ID cell that is no ID (a name, a CPR number written with a space)
            for k, v in params.items():
                if str(k) in _CELL_PARAMS and any(c.isalpha() for c in str(v)):
                    shown[str(k)] = HIDDEN_CELL
        message = str(item.get("message") or "")
        template = str(item.get("template") or "")
        made = None
        if template:
            english = english_text(template, {str(k): str(v) for k, v in params.items()})
            made = (english_text if message == english else danish_text)(template, shown)
        if made is None:
            made = message
            for k, v in params.items():
                if shown[str(k)] != str(v) and str(v):
                    made = made.replace(str(v), shown[str(k)])
        out.append(
            {
                "severity": str(item.get("severity") or ""),
                "code": str(item.get("code") or ""),
                "message": _hide(made, names),
                "source": _hide(str(item.get("source") or ""), names),
                "location": _hide(str(item.get("location") or ""), names),
                "params": shown,
            }
        )
    return out


def _outcome(summary: dict[str, Any]) -> str:
    """The run's outcome in one line, first in README.txt (a support engineer's look: it was
    generic, and the errors, the withheld dispatcher and whether the folder verified were
    each in summary.json to find)."""
    found = summary.get("findings")
    if isinstance(found, list):
        errors = sum(1 for f in found if isinstance(f, dict) and f.get("severity") == "error")
        warnings = sum(1 for f in found if isinstance(f, dict) and f.get("severity") == "warning")
        said = f"{errors} error(s), {warnings} warning(s)"
    else:
        said = "findings: " + str(found)
    dispatcher = summary.get("dispatcher") or {}
    if dispatcher.get("written"):
        values = "dispatcher values written"
    elif dispatcher.get("withheld_by"):
        values = "dispatcher values withheld by " + ", ".join(map(str, dispatcher["withheld_by"]))
    else:
        values = "no dispatcher values in the zip"
    verdict = summary.get("audit_verify") or {}
    folder = "the run folder verified" if verdict.get("intact") else "the run folder did NOT verify"
    return f"Outcome: {said}; {values}; {folder}."


# What README.txt says of each list of files left out of the zip, in its order
_LEFT_OUT = (
    ("left_out_holding_a_secret", "Left out, holding a secret"),
    ("left_out_personal_data", "Left out, holding a CPR-shaped number"),
    ("left_out_too_large", "Left out, larger than any run writes"),
    (
        "left_out_changed",
        "Left out, not the bytes the run recorded (changed since the run, or put in its place)",
    ),
    (
        "left_out_unsearched",
        "Left out, not searched for the run's secrets (the run's settings file was not found,"
        " and the run never reached its seal, whose scan they never passed)",
    ),
)


def _left_out_lines(summary: dict[str, Any]) -> list[str]:
    """``README.txt``'s lines naming what was left out of the zip, and why."""
    return [f"{lead}: {', '.join(summary[key])}." for key, lead in _LEFT_OUT if summary.get(key)]


def _readme(summary: dict[str, Any]) -> str:
    """``README.txt``: what the zip holds, what it leaves out and why, how to check it."""
    run, env = summary["run"], summary["environment"]
    lines = [
        f"ngdpkit support bundle: run {run} of environment {env}",
        f"Made {summary['made_at']} by ngdpkit {summary['versions'].get('ngdpkit', '?')}; the run was made by ngdpkit {summary['run_kit_version']}.",
        _outcome(summary),
        "",
        "summary.json   this bundle's own: the run, the versions of this machine (versions) and of",
        "               the run (run_kit_version), each step's status and facts (steps; with",
        "               NgDP's own view under 02_contact_points when the run read NgDP), the",
        "               dispatcher (written, or withheld and by which findings), the findings with",
        "               mailbox names and CPR-shaped numbers hidden (findings), the newest",
        "               acceptance test (rehearsal), what was left out.",
        "Every other file is the run's own, byte for byte. Check the zip itself with",
        "    ngdpkit audit verify <this zip>",
        "which holds each of them against the run's audit trail, manifest and sealed record, and",
        "names the run's files that are not in the zip. A trail forged whole, recomputed, passes that",
        "check: give it the anchor printed on the signed sign-off page,",
        "    ngdpkit audit verify <this zip> --expect-hash <anchor>",
        "and only the run that was signed passes. The finding codes are explained in the",
        "kit's docs/findings.md; times are UTC (Z) unless a text says Danish time.",
        "",
        "In this zip: " + ", ".join(summary["included"]) + ".",
    ]
    if not summary["with_workbooks"]:
        lines.append(
            "Left out on purpose: findings.json and the mapping workbooks, which may name citizens"
            " (their findings are in summary.json with names hidden); ask for a bundle made with"
            " --with-workbooks if you need them."
        )
    else:  # said to whoever receives it (a support engineer's look: nothing said so)
        lines.append(
            "Made with --with-workbooks: findings.json and the mapping workbooks are in it as the"
            " run wrote them, with the export's mailbox names (personal data when a name names a"
            " citizen or an employee, CPR-shaped numbers included). Keep this zip as personal"
            " data, and delete it when the case is closed."
        )
    lines += _left_out_lines(summary)
    if summary.get(MASKED):
        lines.append(
            "Masked in summary.json, holding a secret (each such value reads"
            f" {HELD_A_SECRET!r}): " + ", ".join(summary[MASKED]) + "."
        )
    if not summary["audit_verify"]["intact"]:
        lines.append(
            "The run folder did NOT verify when this zip was made: see audit_verify in summary.json."
        )
        if not summary["secrets_searched"]["settings_found"]:
            lines.append(
                "The run's settings file was not found when this zip was made: its members were"
                " searched only for the secrets of the maker's environment (secrets_searched in"
                " summary.json)."
            )
    return "\r\n".join(lines) + "\r\n"


def _rehearsal(run_dir: Path) -> dict[str, Any] | None:
    """The environment's newest rehearsal that verifies (the acceptance test: a letter out,
    the reply back), as support reads it: where it went, its outcome and each step's; None
    when there is none."""
    from .neighbours import latest_rehearsal, read_json_file

    found = latest_rehearsal(run_dir.parent)
    if found is None:
        return None
    try:
        data = read_json_file(found.path / "acceptance.json")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    steps = data.get("steps")
    return {
        "folder": found.path.name,
        "against": str(data.get("against") or ""),
        "status": str(data.get("status") or ""),
        "memo_uuid": str(data.get("memo_uuid") or ""),
        "steps": [
            {
                "name": str(s.get("name") or ""),
                "status": str(s.get("status") or ""),
                "detail": _hide(str(s.get("detail") or ""), frozenset()),
            }
            for s in (steps if isinstance(steps, list) else [])
            if isinstance(s, dict)
        ],
    }


def _run_kit_version(run_dir: Path) -> str:
    """The kit version the run was made with (its trail's first record), not this machine's."""
    return str(_first_record(run_dir).get("kit_version", "?"))


def make_bundle(run_dir: Path, *, with_workbooks: bool = False) -> Path:
    """The support zip beside the run folder (never inside it: the folder would no longer
    verify). Only regular files are read, never through a link; every member is scanned
    for the environment's secrets and left out, with its name in the summary, on a hit;
    the zip is written through a temporary file created exclusively, never followed."""
    # Kept whole: what is packed, what is left out and the zip written are one decision about
    # one folder; the refusals (links, a planted target) sit next to the write they guard.
    from .scan import needles

    run_dir = run_dir.resolve()
    # A run that crashed, ran out of disk or was killed before its findings is the one
    # support needs most: its trail (begun by ``run_started``) makes it a run folder
    # (a consultant's look: a killed run was refused as "not a run folder")
    never_found = (
        run_dir.is_dir()
        and not _regular(run_dir / "findings.json")
        and _first_record(run_dir).get("event") == "run_started"
    )
    if not (run_dir.is_dir() and (_regular(run_dir / "findings.json") or never_found)):
        raise InputError(f"{run_dir}: not a run folder (no findings.json)")
    from ..steps.records import support_facts

    # Per step, what its record allows a support bundle to carry (records' ``support``).
    steps = {
        p.stem: support_facts(p)
        for p in sorted((run_dir / "steps").glob("*.json"))
        if _regular(p) and not (run_dir / "steps").is_symlink()
    }
    # findings.json is scanned always and packed only with the workbooks (it names
    # mailboxes); manifest.json.p7s is the seal, when the folder is sealed
    names = ["findings.json"] + [
        n
        for n in BUNDLE_FILES
        if n != "findings.json" and (with_workbooks or n not in BUNDLE_WITH_WORKBOOKS)
    ]
    secrets, settings_found = _secrets_of(run_dir)
    pins = needles(secrets)
    verdict = _verdict(run_dir)
    members: dict[str, bytes] = {}
    left_out: list[str] = []
    too_large: list[str] = []
    personal: list[str] = []  # a CPR-shaped number in a text file: left with the customer
    changed: list[str] = []  # not the bytes the run recorded: changed, or put in its place
    recorded = _recorded(run_dir)
    # Searched for less than the run's secrets (the settings the run names, and so its
    # secrets file, not found) in files the run never scanned (it never reached its seal): a
    # run killed before it, written with --out elsewhere and bundled from another folder, sent
    # its firewall order with the certificate password in it to support, with a warning (an
    # attacker's look). Only the trail, manifest and seal go, by their shape.
    unsearched_run = (
        not settings_found
        and not verdict["intact"]
        and bool(_settings_named(run_dir))
        and _never_sealed(run_dir)
    )
    unsearched: list[str] = []
    for name in names:
        path = run_dir / name
        if not _regular(path):
            continue
        if path.stat().st_size > MEMBER_LIMIT:  # no run writes one: it was put there
            too_large.append(name)
            continue
        data = read_regular(path, MEMBER_LIMIT)
        if data is None:  # replaced meanwhile by something that is no regular file
            continue
        if _holds_secret(name, data, pins):
            left_out.append(name)
        elif not with_workbooks and name != "findings.json" and _holds_cpr(name, data):
            # findings.json is never packed without the workbooks: its findings are masked
            # into summary.json (left out here, they were all lost: a consultant's cold run)
            personal.append(name)
        elif (with_workbooks or name != "findings.json") and not _the_runs(name, data, recorded):
            # findings.json without the workbooks is never packed: its findings are masked
            # into summary.json whatever it holds
            changed.append(name)
        elif unsearched_run and name not in _SHAPED:
            unsearched.append(name)
        else:
            members[name] = data
    findings_bytes = members.get("findings.json")
    if not with_workbooks:
        members.pop("findings.json", None)  # its findings go into summary.json, names hidden
    try:
        findings_data = json.loads(findings_bytes) if findings_bytes is not None else None
    except (ValueError, RecursionError):
        findings_data = None
    import datetime as dt

    mailbox_names = _mailbox_names(run_dir)
    steps = masked_facts(steps, mailbox_names)
    withheld = (steps.get("05_dispatcher_config") or {}).get("results", {}).get("withheld_by")
    summary: dict[str, Any] = {
        "kind": "ngdpkit-support-bundle",
        "run": run_dir.name,
        "environment": run_dir.parent.name,
        "made_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "with_workbooks": with_workbooks,
        "run_kit_version": _run_kit_version(run_dir),
        "versions": versions(),
        "steps": steps,
        "dispatcher": {
            "written": "dispatcher-config.json" in members,
            "withheld_by": withheld if isinstance(withheld, list) else [],
        },
        "findings": (
            "in findings.json"
            if with_workbooks and "findings.json" in members
            else masked_findings(findings_data, mailbox_names)
            if findings_data is not None
            else NEVER_WRITTEN
            if never_found
            else "left out: findings.json held a secret, was not the run's, or could not be read"
        ),
        "rehearsal": _rehearsal(run_dir),
        "included": sorted(members),
        "left_out_holding_a_secret": left_out,
        "left_out_too_large": too_large,
        "left_out_personal_data": personal,
        "left_out_changed": changed,
        # not searched for the run's secrets here, nor ever scanned by the run
        "left_out_unsearched": unsearched,
        # which secrets the members were searched for (names only), and whether the run's
        # settings (and so its secrets file) were found to read them from
        "secrets_searched": {"settings_found": settings_found, "variables": sorted(secrets)},
        "audit_verify": verdict,
    }
    text, readme = _written_members(summary, pins)
    suffix = "-support-with-workbooks.zip" if with_workbooks else "-support.zip"
    target = run_dir.parent / f"{run_dir.name}{suffix}"
    if target.is_symlink() or (target.exists() and not _regular(target)):
        raise InputError(f"{target}: exists and is not a regular file; remove it first")
    tmp = target.with_name(target.name + ".tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()  # a link planted there is removed, never written through
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise InputError(f"{tmp}: cannot create the bundle ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("summary.json", text)
            zf.writestr("README.txt", readme)
            for name, data in members.items():
                zf.writestr(name, data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


# summary.json's findings of a run that ended (crashed, killed) before it wrote them
NEVER_WRITTEN = "not written: the run ended before its findings (see audit_verify)"
# what stands in summary.json and README.txt for a value or line that held a secret
HELD_A_SECRET = "left out: it held a secret"
MASKED = "masked_holding_a_secret"  # summary.json: the parts of it where a value was masked


def _written_members(summary: dict[str, Any], pins: list[Any]) -> tuple[bytes, bytes]:
    """``summary.json`` and ``README.txt``, each searched as every member is
    (:func:`_holds_secret`). A secret reaches the summary through what it quotes of the
    folder (a planted file's name in ``audit_verify``, a rehearsal's details, a step's
    facts): each value that holds one is masked and the summary names where (``MASKED``);
    one the values only hold together (split across two) takes its whole part, and failing
    that every part. Each line of the README that holds one is left out and said; failing
    that the README says only that."""
    if _holds_secret("summary.json", _summary_bytes(summary), pins):
        masked = []
        for key in list(summary):
            value = summary[key]
            summary[key] = _masked_value(value, pins)
            if summary[key] != value:
                masked.append(key)
        summary[MASKED] = masked
    readme = _clean_readme(_readme(summary), pins)
    text = _summary_bytes(summary)
    if _holds_secret("summary.json", text, pins):
        for key in [k for k in summary if k not in ("kind", MASKED)]:
            part = json.dumps(summary[key], ensure_ascii=False).encode("utf-8")
            if _holds_secret("summary.json", part, pins):
                summary[key] = HELD_A_SECRET
                summary[MASKED] = sorted({*summary.get(MASKED, ()), key})
        text = _summary_bytes(summary)
    if _holds_secret("summary.json", text, pins):
        kept = {"kind": summary["kind"]}
        text = _summary_bytes({**kept, **dict.fromkeys(set(summary) - set(kept), HELD_A_SECRET)})
    return text, readme


def _summary_bytes(summary: dict[str, Any]) -> bytes:
    return json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")


def _masked_value(value: Any, pins: list[Any], depth: int = 0) -> Any:
    """``value`` with each text, number and key in it that holds a secret masked (an entry
    whose key holds one is left out); containers kept, so README.txt is still made from it."""
    if isinstance(value, dict) and depth < 64:
        return {
            k: _masked_value(v, pins, depth + 1)
            for k, v in value.items()
            if not _holds_secret("summary.json", json.dumps(k, ensure_ascii=False).encode(), pins)
        }
    if isinstance(value, list) and depth < 64:
        return [_masked_value(v, pins, depth + 1) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    text = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return HELD_A_SECRET if _holds_secret("summary.json", text, pins) else value


def _clean_readme(text: str, pins: list[Any]) -> bytes:
    """``README.txt``'s bytes with each line that holds a secret left out and said."""
    data = text.encode("utf-8")
    if not _holds_secret("README.txt", data, pins):
        return data
    lines = [
        f"({HELD_A_SECRET}: this line)"
        if _holds_secret("README.txt", line.encode("utf-8"), pins)
        else line
        for line in text.split("\r\n")
    ]
    data = "\r\n".join(lines).encode("utf-8")
    if _holds_secret("README.txt", data, pins):
        data = f"ngdpkit support bundle: README.txt {HELD_A_SECRET}.\r\n".encode()
    return data


def _recorded(run_dir: Path) -> dict[str, set[str]]:
    """Each run file's SHA-256 as the run recorded it: in its trail (the ``output_written``
    records and each ``outputs_sealed`` record's list) and in its manifest (the trail's own
    is the manifest's). Both are read as the untrusted text they are: what does not parse
    says nothing."""
    from .audit import AUDIT, SEALED, TRAIL_LIMIT, manifest_files, read_manifest

    said: dict[str, set[str]] = {}

    def note(name: Any, digest: Any) -> None:
        if isinstance(name, str) and isinstance(digest, str):
            said.setdefault(name, set()).add(digest.lower())

    for name, digest in manifest_files(read_manifest(run_dir)[0]).items():
        note(name, digest)
    trail = read_regular(run_dir / AUDIT, TRAIL_LIMIT) or b""
    for line in trail.decode("utf-8", "replace").split("\n"):
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(rec, dict):
            continue
        if rec.get("event") == "output_written":
            note(rec.get("path"), rec.get("sha256"))
        elif rec.get("event") == SEALED and isinstance(rec.get("files"), dict):
            for name, digest in rec["files"].items():
                note(name, digest)
    return said


# What the bundle checks by its shape, never by a record (no record names it)
_SHAPED = ("audit.jsonl", "manifest.json", "manifest.json.p7s")


def _never_sealed(run_dir: Path) -> bool:
    """Whether the run never reached its seal: its trail, read whole, holds no
    ``outputs_sealed`` record. Its files were never scanned by the run (the seal comes after
    the scan): a run killed before it (SIGKILL, a lost machine) left them as written. A trail
    that cannot be read says nothing."""
    from .audit import AUDIT, SEALED, TRAIL_LIMIT

    trail = read_regular(run_dir / AUDIT, TRAIL_LIMIT)
    if trail is None:
        return False
    for line in trail.decode("utf-8", "replace").split("\n"):
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(rec, dict) and rec.get("event") == SEALED:
            return False
    return True


def _placeholder(name: str, data: bytes) -> bool:
    """Whether ``data`` is the kit's own placeholder of a file that held a secret
    (:func:`scan.stub_text`), whole: an interrupted run replaces such a file after its output
    record, and the bundle called it "changed since the run, or put in its place" (a second
    look). Only the placeholder's exact shape, with variable names in it, counts: a key
    after its first words is no placeholder."""
    from .scan import stub_names

    return stub_names(name, data) is not None


def _the_runs(name: str, data: bytes, recorded: dict[str, set[str]]) -> bool:
    """Whether a member's bytes are the run's own: the SHA-256 the run recorded for it
    (:func:`_recorded`). A file the run's trail names, replaced by another or by a hard link
    to one outside the folder (a private key, say), was packed as it stood and sent to
    support (an attacker's look). The trail, the manifest and the seal, which no record
    names, must at least be what they are: records, a JSON object, a CMS signature. A file
    that no record names (their records removed too) is packed, and the folder does not
    verify, which the summary says."""
    digests = recorded.get(name)
    if digests:
        return hashlib.sha256(data).hexdigest() in digests or _placeholder(name, data)
    try:
        if name == "audit.jsonl":
            text = data.decode("utf-8")
            return all(isinstance(json.loads(x), dict) for x in text.split("\n") if x)
        if name == "manifest.json":
            return isinstance(json.loads(data.decode("utf-8")), dict)
        if name == "manifest.json.p7s":
            from asn1crypto import cms

            return bool(
                cms.ContentInfo.load(data, strict=True)["content_type"].native == "signed_data"
            )
    except Exception:  # garbage of any shape: asn1crypto raises anything
        return False
    return True


def _holds_cpr(name: str, data: bytes) -> bool:
    """A text file of the run (JSON, CSV) that holds a CPR-shaped number: a proposed contact
    point named after a unit "Hans Lunds værgemål 010170-1299", a translation of an ID cell
    that held one. Left out of a default bundle and named; the workbooks, asked for, are not
    searched (they hold what the export holds)."""
    if not name.endswith((".json", ".jsonl", ".csv")):
        return False
    # full-width digits and dashes too (read as the pages hide them)
    return bool(CPR_SEEN.search(ascii_form(data.decode("utf-8", "replace"))))


def _holds_secret(name: str, data: bytes, pins: list[Any]) -> bool:
    """True when a member's bytes hold a secret, searched as the run's own leak scan searches
    them (:func:`ngdpkit.run.scan.scan_bytes`: a workbook's parts decompressed, a step table
    decoded, a token split by an unseen character). What cannot be searched is not handed
    on: a part the scan cannot read (encrypted, say) counts as holding every secret, and a
    zip that does not open at all, which the scan would read as plain bytes, is left out."""
    import io

    from .scan import scan_bytes

    if data[:4] == b"PK\x03\x04":
        try:
            zipfile.ZipFile(io.BytesIO(data)).close()
        except (zipfile.BadZipFile, OSError, ValueError):
            return True
    return bool(scan_bytes(name, data, pins))
