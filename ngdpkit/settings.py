"""The settings file (contract §3): TOML in, typed frozen objects out.

Every refusal (syntax, unknown key, wrong type, missing key, missing file,
unknown environment) is collected and raised at once as one
:class:`~ngdpkit.errors.InputError`, one line per problem. A well-typed value
that breaks a domain rule (a bad CVR, a malformed UUID) is not refused here; the
checks turn it into a finding.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from types import UnionType
from typing import Any, get_args, get_origin, get_type_hints

from .errors import InputError, SettingsRefused
from .guids import normal_or_raw
from .redact import SHORT_SECRET, UNSEEN_RANGES, hide_cpr, redact, register, shortened

KINDS = ("test", "production")
ENVIRONMENT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}\Z")
NGDP_SOURCE = "ngdp"  # contact_points = "ngdp": NgDP's listing, read with --online
LAB_DIR = "lab"  # <out>/<env>/lab/: a JupyterLab session's folder, overwritable (§7, §12.7)
LAB_MARK = "NOT-FOR-SIGNOFF.txt"  # in every folder a JupyterLab session writes: never signed
DAY_ONE_KEYS = ("system_id", "certificate", "contact_points", "mapping", "default_contact_point")

_STR, _INT, _NUM, _BOOL, _LIST_STR, _TABLE, _LIST_TABLE, _DATE, _WHEN = (
    "a string",
    "an integer",
    "a number",
    "true or false",
    "a list of strings",
    "a table",
    "a list of tables",
    "a TOML date without quotes (2027-02-01)",
    "a TOML date or date-time without quotes (2027-02-01 or 2027-02-01T16:00:00)",
)

# Field metadata: what a key needs beyond its type and default (read by :func:`_table`).
#   "key": False   computed, not in the file (NOT_A_KEY)
#   "flat": cls    a nested record whose keys are this table's own
#   "read": hook   hook(reader, value, dotted key, base, table read so far) -> the field's value,
#                  in place of the reading its type implies
#   "late": True   read after the table's other keys (its hook uses them)
#   "check": rule  rule(value, given) -> why the value is refused ("" when usable)
#   "missing": s   the line for a required key left out ({key}: its dotted name)
#   "then": rule   rule(reader, record, dotted key): a rule over the whole table, once read
#   "blank": "kept" an empty string is read as given (a file: refused), not as left out
NOT_A_KEY: dict[str, bool] = {"key": False}
POSITIVE = {"check": "_positive"}
SECONDS = {"check": "_seconds"}
GUID = {"read": "_guid"}
VARIABLE = {"check": "_variable_name"}  # a secret's variable: its name, never the secret
GOLIVE = {"read": "_golive"}
BLANK_KEPT = {"blank": "kept"}
COLUMN_FIELDS = (
    "mailbox_id",
    "mailbox_name",
    "responsible_unit",
    "case",
    "subject_id",
    "ngdp_guid",
)


@dataclass(frozen=True)
class Organisation:
    name: str
    cvr: str


@dataclass(frozen=True)
class Checks:
    cert_warn_days: int = field(default=60, metadata=POSITIVE)
    cert_error_days: int = field(default=14, metadata=POSITIVE)
    probe_timeout_s: float = field(default=10.0, metadata=SECONDS)
    probe_total_s: float = field(default=60.0, metadata=SECONDS)


@dataclass(frozen=True)
class Rehearsal:
    recipient_id: str = ""
    recipient_id_type: str = "CPR"
    case_id: str = ""
    timeout_s: int = field(default=30, metadata=SECONDS)


@dataclass(frozen=True)
class Owners:
    """``[golive] owners``: who does the go-live steps, by the checklist's roles."""

    portal: str = ""  # the customer's administrator in Administrativ Adgang
    operations: str = ""
    workzone: str = ""  # the WorkZone administrator
    consultant: str = ""


@dataclass(frozen=True)
class GoLive:
    """``[golive]``: the dates and owners of the go-live runbook. A date-time without an offset
    is Copenhagen time; ``eboks_disable`` and ``ngdp_enable`` default to ``date``."""

    date: dt.date | None = None
    eboks_disable: dt.date | dt.datetime | None = None
    ngdp_enable: dt.date | dt.datetime | None = None
    rollback_until: dt.date | dt.datetime | None = None
    owners: Owners = Owners()


@dataclass(frozen=True)
class Server:
    """A WorkZone web or agent server: its own service account (the web application pool
    identity and the agent service account may differ) and its internal address."""

    name: str
    role: str = ""
    ip: str = ""
    service_account: str = ""
    internal_ip: str = ""

    def accounts(self, fallback: str) -> list[str]:
        """The accounts that must read the private key on this server."""
        own = self.service_account or fallback
        return [own] if own else []


@dataclass(frozen=True)
class Inputs:
    mailboxes: Path | None = field(default=None, metadata=BLANK_KEPT)
    mailboxes_sheet: str | None = field(default=None, metadata=BLANK_KEPT)
    mailboxes_environment: str | None = field(default=None, metadata=BLANK_KEPT)
    columns: dict[str, str] = field(default_factory=dict, metadata={"read": "_columns"})
    mailboxes_in_environment: bool = field(default=False, metadata=NOT_A_KEY)


@dataclass(frozen=True, kw_only=True)
class Environment:
    """One environment (test or production) of the settings file. A key that is also a
    top-level key (``inputs``, ``rehearsal``, ``golive``) extends the top level's."""

    name: str = field(metadata=NOT_A_KEY)  # the table's name, [environments.<name>]
    kind: str = field(metadata={"check": "_kind"})  # left out: the table's name
    protocol: str
    server_ips: tuple[str, ...]
    # its keys are the environment's own
    inputs: Inputs = field(default_factory=Inputs, metadata={"flat": Inputs})
    rehearsal: Rehearsal = Rehearsal()
    system_id: str | None = field(default=None, metadata=GUID)
    system_name: str = ""
    push_base_url: str | None = None
    servers: tuple[Server, ...] = ()
    service_account: str = ""
    certificate: Path | None = None
    certificate_password_env: str | None = field(default=None, metadata=VARIABLE)
    authorization_env: str | None = field(default=None, metadata=VARIABLE)
    # How the authorization header reaches whoever enters it in Configurator (a channel the
    # customer agreed, e.g. "the customer's password vault, item NgDP test"): named on the
    # dispatcher page, never the header itself.
    authorization_handover: str = ""
    contact_points: Path | None = field(default=None, metadata={"read": "_contact_points"})
    mapping: Path | None = None
    default_contact_point: str | None = field(default=None, metadata=GUID)
    probe_evidence: tuple[Path, ...] = ()
    ngdp_api_url: str | None = field(default=None, metadata={"check": "_api_url"})
    ngdp_api_ca: Path | None = None
    workzone_register: Path | None = None  # a Configurator export of Mailbox mappings (§12.3)
    # The consultant's decisions (§12.7): the first mapping source. Left out, the default
    # decisions-<env>.csv beside the settings file is read when it exists.
    decisions: Path | None = None
    # [golive], with this environment's golive = {…} over it
    golive: GoLive = field(default=GoLive(), metadata=GOLIVE)
    # contact_points = "ngdp": NgDP's own listing is the source (read with --online)
    contact_points_ngdp: bool = field(default=False, metadata=NOT_A_KEY)

    @property
    def secret_names(self) -> tuple[str, ...]:
        """Names of the environment variables that hold this environment's secrets."""
        return tuple(n for n in (self.certificate_password_env, self.authorization_env) if n)

    def pending(self) -> list[str]:
        """The day-one keys that are still missing."""
        return [
            k
            for k in DAY_ONE_KEYS
            if getattr(self, k) in (None, "")
            and not (k == "contact_points" and self.contact_points_ngdp)
        ]


@dataclass(frozen=True)
class Signing:
    """``[signing]``: the consultancy's own certificate, which seals every run, rehearsal and
    comparison folder (``manifest.json.p7s``) and signs ``signoff.pdf`` (contract §12.5)."""

    certificate: Path = field(
        metadata={"missing": "missing required key {key} (the .p12/.pfx that seals)"}
    )
    certificate_password_env: str | None = field(default=None, metadata=VARIABLE)
    # an RFC 3161 time-stamping service, for the PDF
    timestamp_url: str | None = field(default=None, metadata={"check": "_timestamp_url"})


@dataclass(frozen=True)
class Compare:
    """``[compare]``: how ``compare`` pairs the two environments' contact points where
    their names do not match once normalised (contract §12.8)."""

    # name in the test environment -> name in the production environment
    contact_points: dict[str, str] = field(default_factory=dict, metadata={"read": "_pairs"})


@dataclass(frozen=True, kw_only=True)
class Settings:
    """A parsed settings file. Paths are absolute; :meth:`rel` shows them to people."""

    path: Path = field(metadata=NOT_A_KEY)
    language: str = field(default="da", metadata={"check": "_language"})
    organisation: Organisation = field(
        metadata={"missing": "missing required table [organisation] (name and cvr)"}
    )
    inputs: Inputs = field(default_factory=Inputs)
    environments: dict[str, Environment] = field(
        metadata={
            "read": "_environments",
            "late": True,  # an environment extends the top level's inputs, rehearsal, golive
            "missing": "missing required table [environments.<name>], e.g. [environments.test]",
        }
    )
    checks: Checks = field(default=Checks(), metadata={"then": "_checks_in_order"})
    trust_anchors: dict[str, tuple[Path, ...]] = field(
        default_factory=dict, metadata={"read": "_trust"}
    )
    secrets_file: Path | None = field(default=None, metadata=BLANK_KEPT)
    rehearsal: Rehearsal = Rehearsal()  # the defaults every environment's [rehearsal] extends
    # the defaults every environment's golive = {…} extends
    golive: GoLive = field(default=GoLive(), metadata=GOLIVE)
    signing: Signing | None = None
    compare: Compare = Compare()
    raw_sha256: str = field(default="", metadata=NOT_A_KEY)
    # the path as the user gave it (``--settings``), for a command line to type again
    given: str = field(default="", metadata=NOT_A_KEY, compare=False)

    @property
    def command_path(self) -> str:
        """The settings file for a command line the user is told to type: as they gave it
        (so it works from where they are), quoted for a shell when it must be."""
        import shlex

        text = self.given or str(self.path)
        if any(c in text for c in _POWERSHELL_QUOTES):
            # PowerShell ends a '…' string on a curly quote too, and runs what follows it (a
            # tester's look: a folder named "a’; calc; ‘b"): the file is not named
            return "<settings file>"
        return shlex.quote(text)

    @property
    def signing_secret_names(self) -> tuple[str, ...]:
        """The variable holding the signing certificate's password (when ``[signing]`` names
        one): a secret of every environment's run, never of its notebooks."""
        var = self.signing.certificate_password_env if self.signing else None
        return (var,) if var else ()

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def rel(self, path: Path | str | None) -> str:
        """A path as shown anywhere: relative to the settings file, with forward slashes."""
        if path is None:
            return ""
        p = Path(path)
        real, base = p.resolve(), self._base_resolved
        try:
            return real.relative_to(base).as_posix()
        except ValueError:
            import os

            try:
                return Path(os.path.relpath(real, base)).as_posix()
            except ValueError:  # another drive on Windows
                return p.as_posix()

    @functools.cached_property
    def _base_resolved(self) -> Path:
        """The settings' folder, resolved once: :meth:`rel` is asked some 30 times a
        customer by ``status`` (its inputs check), and resolved it twice each time."""
        return self.base_dir.resolve()

    def environment(self, name: str) -> Environment:
        try:
            return self.environments[name]
        except KeyError:
            known = ", ".join(self.environments) or "none"
            raise InputError(
                f"{self.rel(self.path)}: unknown environment {name!r} (the settings have: {known})"
            ) from None

    def decisions_path(self, environment: str) -> Path:
        """Where ``environment``'s decisions are read from and written to: the file its
        ``decisions`` key names, else ``decisions-<env>.csv`` beside the settings file."""
        env = self.environment(environment)
        return env.decisions or self.base_dir / f"decisions-{environment}.csv"

    def environment_sha256(self, name: str) -> str:
        """The SHA-256 of what of the settings concerns environment ``name``: its table as read
        (over the top level's ``inputs``, ``rehearsal`` and ``golive``) and the top-level keys
        every environment's run reads, in one canonical form, paths as :meth:`rel` shows them
        in Unicode's composed form (NFC). Left out: the rest of the other environments' tables,
        ``[compare]`` (read by ``compare`` from the settings of the day) and ``secrets_file``
        (where secrets come from, like their values, is no setting of a run: CI's copy of the
        settings has none). A run records it (``run_started``), so an edit to production's
        table no longer names test's run as made of other settings (a consultant's week two).
        ``[trust_anchors]`` counts whole, every kind's: each run reads every kind's files
        (their intermediates complete either kind's chain) and every page of it names the
        kinds that have custom anchors (production's pages said "custom trust anchors
        (test)" after test's test CA was taken out, and compare called production's run
        current). Of the other environments' tables, what a run of this one reads too: every
        environment's certificate and its password's variable (the check that no two share a
        certificate, ``CERT_REUSED_ACROSS_ENVIRONMENTS``, an error in each: production's table
        pointed at test's certificate left test's run judged current) and, with ``[signing]``,
        every environment's kind (the seal password's words)."""
        import hashlib
        import json

        env = self.environment(name)
        concerned: dict[str, Any] = {
            "certificates": {
                n: [e.certificate, e.certificate_password_env]
                for n, e in self.environments.items()
                if e.certificate is not None
            },
            "language": self.language,
            "organisation": self.organisation,
            "checks": self.checks,
            "trust_anchors": self.trust_anchors,
            "signing": self.signing,
            # the file read from, whether or not it is there yet (begun later: an input)
            "environment": replace(env, decisions=self.decisions_path(name)),
        }
        if self.signing is not None:
            concerned["kinds"] = {n: e.kind for n, e in self.environments.items()}
        text = json.dumps(
            _canonical(concerned, self.rel),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def select(self, names: list[str]) -> list[str]:
        """Resolve ``--env`` values (``all`` = every environment); refuse unknown names at once."""
        if not names or "all" in names:
            return list(self.environments)
        unknown = [n for n in names if n not in self.environments]
        if unknown:
            known = ", ".join(self.environments) or "none"
            raise InputError(
                [
                    f"{self.rel(self.path)}: unknown environment {n!r} (the settings have: {known})"
                    for n in unknown
                ]
            )
        return list(dict.fromkeys(names))


def _canonical(value: Any, rel: Callable[[Path], str]) -> Any:
    """``value`` (a settings record or any part of it) as plain JSON values: a record as its
    fields by name, a path as ``rel`` shows it (NFC), a date as ISO 8601, a tuple as a list."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name), rel) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _canonical(v, rel) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v, rel) for v in value]
    if isinstance(value, Path):
        # as the settings name it: the disk's spelling of a name may be decomposed (a folder
        # unzipped from a Mac) where CI's checkout of the same settings has it composed
        return unicodedata.normalize("NFC", rel(value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


# The kind of TOML value each annotation takes. Every key of the settings file is a field of
# one of the dataclasses above, declared once there; the schemas below are read from them.
_KIND_OF = {
    "str": _STR,
    "str | None": _STR,
    "Path": _STR,
    "Path | None": _STR,
    "int": _INT,
    "float": _NUM,
    "bool": _BOOL,
    "tuple[str, ...]": _LIST_STR,
    "tuple[Path, ...]": _LIST_STR,
    "tuple[Server, ...]": _LIST_TABLE,
    "dict[str, str]": _TABLE,
    "dict[str, tuple[Path, ...]]": _TABLE,
    "dict[str, Environment]": _TABLE,
    "Organisation": _TABLE,
    "Inputs": _TABLE,
    "Checks": _TABLE,
    "Rehearsal": _TABLE,
    "Signing | None": _TABLE,
    "GoLive": _TABLE,
    "Owners": _TABLE,
    "dt.date | None": _DATE,
    "dt.date | dt.datetime | None": _WHEN,
    "Compare": _TABLE,
}


def schema(cls: type) -> dict[str, str]:
    """The keys of the settings table ``cls`` stands for, each with the kind of value it
    takes, read from the dataclass's fields (a field marked ``flat`` holds a nested table whose keys are this table's own)."""
    from dataclasses import fields

    out: dict[str, str] = {}
    for f in fields(cls):
        if f.metadata.get("key") is False:
            continue
        if f.metadata.get("flat"):
            out.update(schema(f.metadata["flat"]))
        else:
            out[f.name] = _KIND_OF[str(f.type)]
    return out


_TRUST = dict.fromkeys(KINDS, _LIST_STR)  # [trust_anchors]: a list of files per kind


# the key a problem of _Reader names first: "unknown key 'a.b'", "missing required key a.b",
# "[environments.'x y']: …", or the dotted key it begins with ("a.b must be …", "a.b = …")
_PROBLEM_KEY = re.compile(
    r"unknown key '([^']+)'|missing required key ([A-Za-z0-9_.-]+)|\[([^\]]+)\]|([A-Za-z0-9_.-]+)"
)


def _problem_key(text: str) -> str:
    """The dotted key ``text`` (a problem of :class:`_Reader`, without the file's name) is
    about, as it begins; empty when it begins otherwise."""
    m = _PROBLEM_KEY.match(text)
    return next((g for g in m.groups() if g), "") if m else ""


class _Reader:
    """Collects every problem while reading, so they are all reported at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.problems: list[str] = []
        self.given: set[str] = set()  # the dotted keys read, each of the right type
        self.meant: set[str] = set()  # keys a typo was taken for ("did you mean"), dotted
        # the dotted key of each problem, and those naming a file that is not there: a
        # refusal that names them and no value (SettingsRefused; nk.decide says it in Danish)
        self.keys: list[str] = []
        self.missing: list[str] = []
        # what a typo's key was taken for, and the value of a key naming a file not there:
        # a Danish refusal suggests the key and names the file looked for, as English does
        self.suggested: dict[str, str] = {}
        self.looked_for: dict[str, str] = {}

    def problem(self, text: str, key: str = "") -> None:
        self.problems.append(f"{self.name}: {text}")
        found = key or _problem_key(text)
        if found:
            self.keys.append(found)

    def table(self, data: dict[str, Any], schema: dict[str, str], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            dotted = f"{where}.{key}" if where else key
            if key not in schema:
                import difflib

                # a typo ("server_ip") is named first: 26 keys to read through hid it (a
                # consultant's cold run)
                close = difflib.get_close_matches(str(key), list(schema), n=1, cutoff=0.75)
                shown = _shown_key(dotted)
                if close:
                    self.problem(f"unknown key {shown!r}: did you mean {close[0]!r}?", dotted)
                    self.meant.add(_dotted(where, close[0]))
                    self.suggested[dotted] = close[0]
                else:
                    known = ", ".join(sorted(schema))
                    self.problem(f"unknown key {shown!r} (known here: {known})", dotted)
                continue
            if not _type_ok(value, schema[key]):
                self.problem(
                    f"{dotted} must be {schema[key]}, not {_type_name(value)} ({_short(value)})"
                )
                continue
            texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            why = next((w for t in texts if isinstance(t, str) and (w := _text_problem(t))), "")
            if why:
                self.problem(f"{dotted} {why}")
                continue
            out[key] = value
            self.given.add(dotted)
        return out

    def file(self, value: str | None, key: str, *, must_exist: bool = True) -> Path | None:
        if value is None:
            return None
        bad = [c for c in value if ord(c) < 32]
        if bad:
            names = {
                "\t": "a TAB",
                "\n": "a line break",
                "\r": "a carriage return",
                "\b": "a backspace",
                "\f": "a form feed",
            }
            what = names.get(bad[0], f"control character {ord(bad[0]):#04x}")
            self.problem(
                f"{key} = {value!r} holds {what}: in TOML a backslash in double quotes is an escape; "
                f"write Windows paths in single quotes, e.g. {key} = '{value.encode('unicode_escape').decode()}'"
            )
            return None
        if _DRIVE_RELATIVE.match(value):
            # "D:certs\test.p12": Windows reads it from the folder drive D: was last in, in
            # the window the kit runs from, not from the settings' folder (a consultant's
            # Windows pass: another window read another certificate, or none)
            # the value as it is typed between single quotes (repr doubled each backslash,
            # which in TOML's literal string is another path); hidden as any value shown
            shown = shortened(value, 120)
            typed = f"'{shown}'" if "'" not in shown else repr(shown)
            # the drive and the path in full from what is shown: a secret pasted here whole
            # ("Q:…" as the certificate password) is hidden, and its first two characters
            # were said as the drive (an attacker's look)
            drive = shown[:2] if _DRIVE_RELATIVE.match(shown) else ""
            self.problem(
                f"{key} = {typed} is relative to the current folder of "
                + (f"drive {drive}" if drive else "its drive")
                + ", which depends on the window the kit runs in: write the path in full "
                + (f"({drive}\\{shown[2:] or '…'})" if drive else "(a backslash after the colon)")
                + " or relative to the settings file"
            )
            return None
        path = Path(value.replace("\\", "/")) if "\\" in value else Path(value)
        if not path.is_absolute():
            path = self.path.parent / path
        path = on_disk(path)
        if not must_exist:
            return path
        try:
            exists, is_dir, is_file = path.exists(), path.is_dir(), path.is_file()
        except OSError as exc:  # a name too long for the disk, a folder not to be entered
            # (a tester's look: a 300-character file name crashed check and run, exit 3)
            self.problem(f"{key} = {value!r} cannot be looked up ({exc.strerror or exc})")
            return path
        if not exists:
            hint = not_found_hint(path, value, self.path.parent)
            self.problem(f"{key}: file not found: {value}{hint}", key)
            self.missing.append(key)
            self.looked_for[key] = value
        elif is_dir:
            self.problem(f"{key} = {value!r} is a folder, not a file")
        elif not is_file:  # a FIFO, a device (/dev/zero) or a socket
            self.problem(f"{key} = {value!r} is not a regular file")
        return path


MAX_SECONDS = 3600


def _seconds(value: Any, given: bool) -> str:
    """A number of seconds that bounds network work: positive, finite (``nan`` and ``inf``
    are TOML floats) and at most an hour."""
    try:
        usable = math.isfinite(value) and 0 < value <= MAX_SECONDS
    except OverflowError:  # an integer of thousands of digits
        usable = False
    return (
        ""
        if usable
        else f"= {_short(value)} must be a positive, finite number of seconds (at most {MAX_SECONDS})"
    )


def _positive(value: Any, given: bool) -> str:
    if _finite(value) and value > 0:  # nan <= 0 is False: say it outright
        return ""
    return f"= {_short(value)} must be a positive, finite number"


def _language(value: Any, given: bool) -> str:
    # _short: a CPR number or a secret typed here is hidden, as in every type's refusal
    return "" if value in ("da", "en") else f'must be "da" or "en", not {_short(value)}'


# Capitals, digits and _ (NGDPKIT_TEST_AUTHORIZATION): a name in lower or mixed case is
# refused too, since a pasted password or token made only of letters and digits would
# otherwise pass for a name, and be printed as the variable that is not set. For the same
# reason a name with a digit needs a _ as well: a generated password in capitals and digits
# (K7QX2M9PLR) has none, the names people give variables (CERT_PASSWORD_2026) do.
_VARIABLE_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,127}\Z")


def _variable_name(value: Any, given: bool) -> str:
    """The name of the environment variable that holds a secret. Anything else is refused
    without being shown: a consultant who pasted the password or the header itself here
    would otherwise see it printed, and written into every page that names the variable."""
    if (
        isinstance(value, str)
        and _VARIABLE_NAME.match(value)
        and ("_" in value or not any(c.isdigit() for c in value))
    ):
        return ""
    return (
        "must be the name of an environment variable in capitals, digits and _ (such as "
        "NGDPKIT_TEST_AUTHORIZATION; a name with a digit holds a _ too), never the secret "
        "itself; what is there is not shown"
    )


def variable_name_problem(value: str) -> str:
    """Why ``value`` is not the name of a secret's variable ("" when it is); the value is
    never quoted (``cert inspect --password-env`` asks this of its argument)."""
    return _variable_name(value, True)


def _kind(value: Any, given: bool) -> str:
    """An environment's kind; left out, it is the environment's name, which must be one."""
    if value in KINDS:
        return ""
    if given:
        return f'must be "test" or "production", not {_short(value)}'
    return (
        f'must be "test" or "production" (the environment\'s name {_short(value)} '
        f"is neither, so set kind)"
    )


def _api_url(value: Any, given: bool) -> str:
    """``ngdp_api_url`` that is no URL at all (a port that is not a number, a broken IPv6
    bracket): ``check --online`` ended as a crash of the kit (httpx's ``InvalidURL``). Its
    scheme is a finding of its own (``NGDP_API_URL_NOT_HTTPS``)."""
    from urllib.parse import urlsplit

    try:
        urlsplit(value).port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError:
        return f"= {_short(_without_userinfo(value))} is not a URL (a port is a number)"
    return ""


def _timestamp_url(value: Any, given: bool) -> str:
    why = timestamp_url_problem(value)
    return f"= {_short(_without_userinfo(value))} {why}" if why else ""


def _type_ok(value: Any, kind: str) -> bool:
    if kind == _STR:
        return isinstance(value, str)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _NUM:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind == _LIST_STR:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == _TABLE:
        return isinstance(value, dict)
    if kind == _LIST_TABLE:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if kind == _DATE:  # a datetime is a date too in Python: a day is asked for here
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if kind == _WHEN:  # a local time alone (16:00:00) names no day
        return isinstance(value, dt.date)
    raise AssertionError(kind)


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
        dt.date: "a date",
        dt.datetime: "a date-time",
        dt.time: "a time of day",
    }.get(type(value), type(value).__name__)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


MAX_SETTINGS_BYTES = 1024 * 1024
MAX_TEXT = 1000  # characters in one settings value: a name, a path, an address
# Control characters (C0, DEL, C1) and the invisible ones that reorder or break text: line
# and paragraph separators, bidirectional marks and overrides, zero-width characters.
# Never in a settings text: control characters, and every character the leak scan counts as
# unseen (zero-width, soft hyphen, direction marks, tags, fillers: redact.UNSEEN_RANGES; an
# attacker's pass found U+00AD, U+206A and U+E0041 reaching runbook.ics and the pages)
_CONTROL_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff"  # and a lone surrogate: a name's byte that is not UTF-8
    + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in UNSEEN_RANGES)
    + "]"
)
_ESCAPE_HINT = (
    "; in TOML a backslash in double quotes is an escape: write Windows paths in single "
    "quotes, e.g. 'C:\\certs\\test.p12'"
)


def _text_problem(text: str) -> str:
    """Why a settings text cannot be used ("" when it can): it is copied into pages, XML
    (the diagram), scripts and folder names, so it is bounded and holds no control or
    invisible character (a TAB, backspace or line break most often comes from a Windows
    path in double quotes, and the message says so)."""
    if len(text) > MAX_TEXT:
        return f"is {len(text):,} characters long, over the {MAX_TEXT:,}-character bound"
    m = _CONTROL_CHARS.search(text)
    if m:
        ch = m.group(0)
        what = _NAMED_CHARS.get(ch, f"character U+{ord(ch):04X}")
        hint = _ESCAPE_HINT if ch in "\t\n\r\b\f" and "\\" not in text else ""
        return f"holds {what}, which no name, path or address can hold{hint}"
    return ""


_NAMED_CHARS = {
    "\t": "a TAB",
    "\n": "a line break",
    "\r": "a carriage return",
    "\b": "a backspace",
    "\f": "a form feed",
    "\x00": "a NUL (U+0000)",
}


KEY_CHARACTERS = 80


def _shown_key(dotted: str) -> str:
    """An unknown key as a refusal names it: cut to :data:`KEY_CHARACTERS` characters, secrets
    hidden first (an attacker's look: a key of 10,000 characters was printed whole on one
    line); the file's line of it is found by its start, which is kept."""
    return shortened(str(dotted), KEY_CHARACTERS)


def _short(value: Any) -> str:
    if isinstance(value, dt.date | dt.time):  # as TOML writes it, not datetime.date(…)
        return value.isoformat()
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return "(a number too long to show)"
    # a CPR number typed without quotes (rehearsal.recipient_id = 1512901234) is an integer:
    # the line that says so reaches the console and a CI log, never the number itself; a
    # secret hidden first: one holding a CPR-shaped part ("Kx9 01-01-70-1299 Qz7") was
    # no longer whole once that was hidden, and the rest of it was printed
    text = hide_cpr(redact(text), "a CPR-shaped number, hidden")
    return shortened(text, 40)  # a secret pasted into the wrong key is hidden before the cut


def _cp1252(raw: bytes) -> bool:
    """The bytes read as Windows-1252 text holding æ, ø, å or another letter above ASCII
    (Notepad's "ANSI" of a Danish Windows): the likeliest reason a settings file is not
    UTF-8, and the message then says how to save it."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return any(c.isalpha() and ord(c) > 127 for c in text)


def parse_toml(raw: bytes, name: str) -> dict[str, Any]:
    """The TOML step of :func:`load_settings`, for every reader of a settings file (``status``
    reads hundreds without checking them): the text as TOML, or an :class:`InputError` of
    one line naming ``name`` (never a traceback, whatever the file holds).

    Raises:
        InputError: not UTF-8, a syntax error, nested too deeply, a number too long.
    """
    from .secrets import utf16_encoding

    wide = utf16_encoding(raw)
    try:
        if wide and not (wide == "utf-16" and raw.startswith((b"\xff\xfe", b"\xfe\xff"))):
            # UTF-16 without its BOM is valid UTF-8 with a NUL in every other byte: it read
            # as a bare "TOML syntax error" (a maintainer's review); said as with its BOM
            raise UnicodeDecodeError("utf-8", raw[:2], 0, 1, "a NUL in every other byte")
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        # in the words of the Windows tools that wrote it (a consultant's Windows pass: what
        # to do was left to them, and "save it as UTF-8" is not a choice Out-File offers)
        if wide and wide.startswith("utf-32"):
            legacy = (
                "; it looks like UTF-32 (PowerShell -Encoding UTF32): save it as UTF-8 "
                "(Notepad: Save As, Encoding UTF-8; PowerShell: Out-File -Encoding utf8)"
            )
        elif wide:
            legacy = (
                '; it looks like UTF-16 (Notepad "Unicode", or Windows PowerShell 5.1 > and '
                "Out-File): save it as UTF-8 (Notepad: Save As, Encoding UTF-8; PowerShell: "
                "Out-File -Encoding utf8)"
            )
        elif _cp1252(raw):
            legacy = (
                "; it looks like Windows-1252 (ANSI, as Notepad and Set-Content write it): save "
                "it as UTF-8 (Notepad: Save As, Encoding UTF-8; PowerShell: Set-Content "
                "-Encoding UTF8)"
            )
        else:
            legacy = ""
        raise SettingsRefused(
            f"{name}: not UTF-8 text (line {line}, byte {exc.start}: {exc.reason}){legacy}",
            kind="text",
            line=line,
        ) from exc
    except RecursionError as exc:
        raise SettingsRefused(
            f"{name}: TOML nested too deeply to be a settings file", kind="text"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        hint = _escape_hint(exc, raw) or _leading_zero_hint(exc, raw)
        at = _AT_LINE.search(str(exc))
        raise SettingsRefused(
            f"{name}: TOML syntax error: {exc}{hint}",
            kind="text",
            line=int(at.group(1)) if at else 0,
        ) from exc
    except ValueError as exc:  # tomllib's own int(): a number of more than 4,300 digits
        raise SettingsRefused(
            f"{name}: a number in it is too long to be a setting", kind="text"
        ) from exc


_AT_LINE = re.compile(r"\(at line ([0-9]+), column [0-9]+\)")
_KEY = re.compile(r"\s*([A-Za-z0-9_.-]+)\s*=")
_LEADING_ZERO = re.compile(r"\s*([A-Za-z0-9_.-]+)\s*=\s*0[0-9][0-9 -]*(?:#.*)?")


def _leading_zero_hint(exc: Exception, raw: bytes) -> str:
    """For a number written with a leading zero and no quotes (``recipient_id = 0101709996``,
    a CPR number of someone born on the 1st to the 9th), which TOML reads as no value at all
    ("Expected newline or end of document"): the key, and that the value goes in quotes; the
    value is not repeated (a CPR number, or a line of the settings that holds a secret)."""
    if (at := _AT_LINE.search(str(exc))) is None:
        return ""
    lines = raw.split(b"\n")  # as tomllib counts them (see _escape_hint)
    number = int(at.group(1))
    if not 0 < number <= len(lines):
        return ""
    found = _LEADING_ZERO.fullmatch(lines[number - 1].decode("utf-8", "replace").rstrip())
    if found is None:
        return ""
    key = found.group(1) if found.group(1) in known_keys() else "the value"
    return (
        f"; {key} begins with 0 and is not in quotes, and TOML reads no number that begins "
        'with 0: write it in double quotes, all its digits ("0…"), as a CPR number, a '
        "postkasse ID or a CVR number is written"
    )


def _escape_hint(exc: Exception, raw: bytes) -> str:
    """For a backslash TOML read as an escape (``"C:\\Users\\…"``: ``\\U`` wants eight hex
    digits, "Invalid hex value"), the key on that line and the single-quoted form; the value is
    not repeated (a line of the settings is not known to hold no secret)."""
    said = str(exc).lower()
    if "escape" not in said and "hex value" not in said:
        return ""
    key = ""
    if (at := _AT_LINE.search(str(exc))) is not None:
        # lines as tomllib counts them (at "\n" only: splitlines() also cut at U+2028 and NEL,
        # and an attacker's line "… = x" that was a password became the key named), and a key
        # named only when the settings know it: nothing else of the file is repeated
        lines = raw.split(b"\n")
        number = int(at.group(1))
        if 0 < number <= len(lines):
            named = _KEY.match(lines[number - 1].decode("utf-8", "replace"))
            key = named.group(1) if named is not None and named.group(1) in known_keys() else ""
    if key in path_keys():
        example = f" ({key} = 'C:\\Users\\…\\test.p12')"
    elif key:  # a domain account, a table of servers: the key's own kind of value
        example = f" ({key} = '…\\…')" if key != "servers" else ""
    else:
        example = " ('C:\\certs\\test.p12')"
    return (
        "; in double quotes a backslash starts an escape (\\U, \\u, \\t …): write values "
        f"with a backslash, such as Windows paths and accounts, in single quotes{example}"
    )


@functools.cache
def known_keys() -> frozenset[str]:
    """Every key the settings' records declare (their fields' names)."""
    return frozenset(f.name for record in _RECORDS for f in fields(record))


@functools.cache
def path_keys() -> frozenset[str]:
    """The settings keys whose value is a file (a path, or a list of them)."""
    names = set()
    for record in _RECORDS:
        for f in fields(record):
            kinds = _types(f)
            if Path in kinds or any(
                get_origin(k) is tuple and get_args(k)[:1] == (Path,) for k in kinds
            ):
                names.add(f.name)
    return frozenset(names)


@dataclass(frozen=True)
class Outline:
    """What ``status`` needs of a settings file, read without checking the rest of it (it
    reads hundreds, some written for machines whose files are not here)."""

    organisation: str  # the organisation's name as the file gives it ("?" when it does not)
    environments: tuple[str, ...]  # the names of its [environments.<name>] tables


def outline(raw: bytes, name: str, folder: Path | None = None) -> Outline | None:
    """The outline of the settings file whose bytes are ``raw``: :func:`parse_toml`, then the
    tables a settings file cannot do without (the required keys of :class:`Settings`);
    None when the TOML has not all of them as tables (some other TOML file). With the
    ``folder`` the file lies in, the secrets it names are registered first (each variable a
    ``*_env`` key names, from its secrets file and from here) and hidden in the names shown.

    Raises:
        InputError: one line naming ``name`` when the text is not TOML (see :func:`parse_toml`).
    """
    data = parse_toml(raw, name)
    required = [f.name for f in fields(Settings) if f.metadata.get("key") is not False]
    if not all(isinstance(data.get(k), dict) for k in required if _required(_field(k))):
        return None
    organisation = data["organisation"].get("name", "?")
    if folder is not None:
        # a secret's value as the organisation's name (which a run warns of and its scan
        # hides) stood whole in status.html and status --json, which read no secrets
        _register_secrets_named(data, folder, named_only=True)
    # status reads every settings file below a folder, refused by run or not: the name it
    # shows has no control or invisible character (an attacker's pass: ESC and U+202E came
    # through to status.html), as load_settings would refuse it; a secret hidden before the
    # name is cut, so no beginning of one is left
    shown = redact(_CONTROL_CHARS.sub("", str(organisation)))[:200]
    # an environment's name too (the second look): it is a column of status.html. Its
    # secret is hidden here, while this file's are registered: the registry keeps one value
    # per variable, so the next customer's file (its NGDPKIT_TEST_CERT_PASSWORD another
    # value) replaced it before the page, the console and status --json were redacted (a
    # hostile third look: a password named as an environment stood whole in all three)
    names = data["environments"]
    return Outline(shown, tuple(redact(_CONTROL_CHARS.sub("", str(n)))[:64] for n in names))


# the single quotation marks PowerShell reads as its own ' (ASCII and typographic alike)
_POWERSHELL_QUOTES = "\u2018\u2019\u201a\u201b"


def _field(name: str) -> Field[Any]:
    return next(f for f in fields(Settings) if f.name == name)


def on_disk(path: Path) -> Path:
    """``path`` as the disk spells it when its names differ from the disk's only in Unicode
    form: a name typed on Windows (NFC, "å" one character) and a file copied from a Mac or
    unpacked from its zip (NFD, "a" and a ring) look the same and are the same file to the
    user, but not to Linux. ``path`` itself when it exists, or when no single file matches."""
    try:
        if path.exists() or not path.is_absolute():
            return path
        return _matched(path, _nfc) or path
    except OSError:  # a name too long for the disk, a folder not to be entered: the
        return path  # caller says why it cannot use the path (it crashed here, exit 3)


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def _nfc_casefold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _matched(path: Path, fold: Callable[[str], str]) -> Path | None:
    """The existing file whose names equal ``path``'s once folded by ``fold``, name by name;
    None when a name has no single such twin."""
    current = Path(path.anchor)
    try:
        for part in path.parts[1:]:
            step = current / part
            if part not in (".", "..") and not step.exists():
                twins = [entry for entry in os.listdir(current) if fold(entry) == fold(part)]
                if len(twins) != 1:
                    return None
                step = current / twins[0]
            current = step
        return current if current.exists() else None
    except OSError:  # a folder missing, not to be listed, or a name too long: no twin
        return None


# A drive letter without the folder separator after it ("D:certs\\test.p12", "D:"): relative
# to that drive's current folder on Windows
_DRIVE_RELATIVE = re.compile(r"[A-Za-z]:(?![\\/])")

# ~ only as a folder of its own ("~/x", "~\\x", "~"): "~$export.xlsx" is the owner file Excel
# keeps beside a workbook it has open, and "~backup" a name
_VARIABLE_IN_PATH = re.compile(r"%[A-Za-z_][A-Za-z0-9_()]*%|(?<![~])[$][{]?[A-Za-z_]|^~(?:[/\\]|$)")


def not_found_hint(path: Path, value: str, base: Path | None = None) -> str:
    """Why a path the settings name is not found when the reason can be seen: a variable
    (%USERPROFILE%, $HOME, ~) the kit does not expand, or a name whose letter case differs
    from the file on disk (Windows ignores it, Linux, where CI runs, does not). ``base``:
    the folder the hint names the file on disk from."""
    if _VARIABLE_IN_PATH.search(value):
        return (
            " (the kit does not expand %USERPROFILE%, $HOME or ~ in a path: write it in full, "
            "or in the settings relative to the settings file, e.g. certs\\test.p12)"
        )
    twin = _matched(path.absolute(), _nfc_casefold) if not path.exists() else None
    if twin is None:
        return ""
    try:
        shown = twin.relative_to(base).as_posix() if base is not None else str(twin)
    except ValueError:  # outside the base folder: named in full
        shown = str(twin)
    return (
        f" (there is {shown}: the letter case differs, which Windows ignores and Linux "
        "does not; write the name as it is on disk)"
    )


def path_problem(path: Path | str) -> str:
    """Why the kit cannot work in ``path`` ("" when it can): a folder or file name holding a
    line break, an escape or an invisible character would be printed and written into every
    page, script and log line that names a run folder below it. The path is not quoted."""
    m = _CONTROL_CHARS.search(str(path))
    if not m:
        return ""
    return (
        f"holds character U+{ord(m.group(0)):04X}, which no page, script or console line can "
        "show as it is; move it to a folder whose names are plain text"
    )


def one_line_path(path: Path | str) -> str:
    """``path`` as one line of the console: each character :func:`path_problem` refuses (a
    line break, a carriage return, an escape) as U+FFFD. A folder name a walk found (``status``
    over a customers folder) is no path argument the kit checked first: one holding a line
    break printed a row of the status table in two lines, the second of the folder's choosing."""
    return _CONTROL_CHARS.sub("\ufffd", str(path))


def load_settings(path: Path | str) -> Settings:
    """Read and check a settings file.

    Raises:
        InputError: with every problem found, one line each (exit code 2).
    """
    given = str(path)
    path = on_disk(Path(path).resolve())
    odd = path_problem(path)
    if odd:
        raise InputError(f"the settings file's path {odd}")
    try:
        is_dir, is_file = path.is_dir(), path.is_file()
    except OSError as exc:  # a name too long for the disk, a folder not to be entered
        raise InputError(f"--settings {path}: cannot be looked up ({exc.strerror or exc})") from exc
    if is_dir:  # `--settings kunder/hjortby`: say which file it holds, if one
        found = sorted(path.glob("*.toml"))
        hint = f" (it holds {', '.join(p.name for p in found[:3])})" if found else ""
        raise InputError(f"--settings {path} is a folder: give its settings file{hint}")
    if not is_file:
        raise InputError(f"settings file not found: {path}{not_found_hint(path, given)}")
    if path.stat().st_size > MAX_SETTINGS_BYTES:
        raise SettingsRefused(
            f"{path.name}: {path.stat().st_size:,} bytes, over the 1 MB bound for a settings file",
            kind="text",
        )
    raw = path.read_bytes()
    data = parse_toml(raw, path.name)

    import hashlib

    r = _Reader(path)
    values = _table(r, Settings, data, "", {})
    if r.problems:
        _register_secrets_named(data, path.parent)
        # read again to write the refusal: a value is quoted cut to length (_short), and
        # cut before its secret was registered the beginning of a password pasted as a list
        # stood on the console (34 of its 43 characters), which the whole no longer matched
        r = _Reader(path)
        _table(r, Settings, data, "", {})
        raise SettingsRefused(
            _at_most(r.problems, path.name),
            kind="files" if r.missing else "keys",
            keys=r.missing or r.keys,
            suggested=r.suggested,
            looked_for=r.looked_for,
        )
    return Settings(path=path, raw_sha256=hashlib.sha256(raw).hexdigest(), given=given, **values)


MAX_PROBLEM_LINES = 50


def _at_most(problems: list[str], name: str) -> list[str]:
    """The first :data:`MAX_PROBLEM_LINES` problems and a line counting the rest: a file of
    2,000 unknown keys printed 2,000 lines, its first problems long gone from the screen."""
    if len(problems) <= MAX_PROBLEM_LINES:
        return problems
    more = len(problems) - MAX_PROBLEM_LINES
    return problems[:MAX_PROBLEM_LINES] + [
        f"{name}: and {more:,} more problem(s) like these, not listed: fix these first"
    ]


def _register_secrets_named(
    data: dict[str, Any], folder: Path, *, named_only: bool = False
) -> None:
    """Before settings that cannot be read are refused: register for the redaction what the
    settings name as secrets (every value of the secrets file, and each variable a ``*_env``
    key names), so that a refusal quoting a value hides a secret pasted into the wrong key
    (the attacker's fifth look: ``language = "<the header>"`` printed the header). What
    cannot be read here is left for the run to report. ``named_only``: of the secrets file,
    only the variables the ``*_env`` keys name, as a run reads it (``status`` shows every
    customer's names: a secrets file's other line, ``NOTE=Organisation``, hid a column's
    heading of status.html)."""
    import os

    from .secrets import read_dotenv

    tables = [data.get("signing"), *(data.get("environments") or {}).values()]
    named = {
        name
        for table in tables
        if isinstance(table, dict)
        for name in (table.get("certificate_password_env"), table.get("authorization_env"))
        if isinstance(name, str) and _VARIABLE_NAME.match(name)
    }
    file = data.get("secrets_file")
    if isinstance(file, str) and file:
        candidate = folder / file
        try:
            if candidate.is_file():  # read as it can be: a run refuses the file itself later
                for key, value in read_dotenv(candidate, lenient=True).items():
                    if named_only and key not in named:
                        continue
                    if len(value.strip()) >= SHORT_SECRET:  # not a word of the refusal itself
                        register(key, value)
        except (OSError, ValueError, InputError):
            pass
    for name in sorted(named):
        if os.environ.get(name):
            register(name, os.environ[name])


# -- the reader: every table is read the same way, as its dataclass declares it -------------


def _table(
    r: _Reader, cls: type, raw: dict[str, Any], where: str, base: dict[str, Any]
) -> dict[str, Any]:
    """The fields of record ``cls`` from the settings table ``raw`` at ``where``: unknown
    keys, wrong types and unusable texts are problems (:meth:`_Reader.table`), then each
    key is read as its type and metadata say. A key left out (or refused) takes its value
    from ``base`` (what this table extends), else the field's default; a required key left
    out is a problem."""
    return _values(r, cls, raw, r.table(raw, schema(cls), where), where, base)


def _values(
    r: _Reader,
    cls: type,
    raw: dict[str, Any],
    checked: dict[str, Any],
    where: str,
    base: dict[str, Any],
) -> dict[str, Any]:
    keys = [f for f in fields(cls) if f.metadata.get("key") is not False]
    for f in keys:
        if _required(f) and f.name not in base and f.name not in raw:
            if _dotted(where, f.name) in r.meant:
                continue  # its typo was named already: one line for one mistake
            missing = f.metadata.get("missing", "missing required key {key}")
            r.problem(missing.format(key=_dotted(where, f.name)), _dotted(where, f.name))
    out: dict[str, Any] = {}
    for f in sorted(keys, key=lambda f: bool(f.metadata.get("late"))):  # a stable sort
        dotted = _dotted(where, f.name)
        inherited = base.get(f.name, MISSING)
        if f.metadata.get("flat"):  # its keys are this table's own
            flat = f.metadata["flat"]
            out[f.name] = flat(**_values(r, flat, raw, checked, where, _fields_of(inherited)))
            continue
        check, then = _hook(f, "check"), _hook(f, "then")
        given = f.name in checked
        if given:
            value = _value(r, f, checked[f.name], dotted, _or_default(inherited, f), out)
        elif inherited is not MISSING:
            value = inherited
        elif _required(f):
            continue
        else:
            value = _or_default(MISSING, f)
        # a default is never checked; a value given or extended is
        from_file = given or inherited is not MISSING
        why = check(value, given) if check and from_file and value is not None else ""
        if why:  # refused: what it extends, else its default (the problem is raised anyway)
            r.problem(f"{dotted} {why}")
            value = _or_default(inherited, f)
        elif then and given and value is not None:
            then(r, value, dotted)
        if value is not None or not _required(f):
            out[f.name] = value
    return out


def _value(
    r: _Reader, f: Field[Any], value: Any, where: str, base: Any, table: dict[str, Any]
) -> Any:
    """One key's value, of the right TOML type, as its field is: a file is resolved (and must
    exist), a nested table is read over ``base``, a blank optional text is left out."""
    hook = _hook(f, "read")
    if hook:
        return hook(r, value, where, base, table)
    kind = _types(f)
    if value == "" and type(None) in kind and f.metadata.get("blank") != "kept":
        return None
    record = next((k for k in kind if isinstance(k, type) and is_dataclass(k)), None)
    if record is not None:
        built = _record(record, _table(r, record, value, where, _fields_of(base)))
        return built
    if Path in kind:
        return r.file(value, where)
    args = [get_args(k) for k in kind if get_origin(k) is tuple]
    if args:
        item = args[0][0]
        if item is Path:
            return tuple(p for p in (r.file(v, where) for v in value) if p is not None)
        if isinstance(item, type) and is_dataclass(item):
            tables = (_table(r, item, t, f"{where}[{i}]", {}) for i, t in enumerate(value))
            return tuple(x for x in (_record(item, t) for t in tables) if x is not None)
        return tuple(value)
    return value


def _record(cls: Any, values: dict[str, Any], **computed: Any) -> Any:
    """``cls`` of ``values``; None when a required field is missing (its problem noted)."""
    values = {**values, **computed}
    if any(_required(f) and values.get(f.name) is None for f in fields(cls)):
        return None
    return cls(**values)


def _dotted(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _required(f: Field[Any]) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def _or_default(value: Any, f: Field[Any]) -> Any:
    if value is not MISSING:
        return value
    if f.default_factory is not MISSING:
        return f.default_factory()  # type: ignore[operator]
    return None if f.default is MISSING else f.default


def _fields_of(record: Any) -> dict[str, Any]:
    """A record's fields by name (what a table read over it extends); none for no record."""
    return {f.name: getattr(record, f.name) for f in fields(record)} if is_dataclass(record) else {}


def _hook(f: Field[Any], name: str) -> Callable[..., Any] | None:
    hook = f.metadata.get(name)
    return globals()[hook] if hook else None


_TYPES: dict[tuple[type, str], tuple[Any, ...]] = {}


def _types(f: Field[Any]) -> tuple[Any, ...]:
    """The types a field's annotation allows (``Path | None``: Path and NoneType)."""
    owner = next(c for c in _RECORDS if f in fields(c))
    key = (owner, f.name)
    if key not in _TYPES:
        hint = get_type_hints(owner)[f.name]
        _TYPES[key] = get_args(hint) if isinstance(hint, UnionType) else (hint,)
    return _TYPES[key]


# -- the hooks: the keys that need more than their type -------------------------------------


def _guid(r: _Reader, value: str, where: str, base: Any, table: dict[str, Any]) -> str | None:
    return normal_or_raw(value)


def _contact_points(
    r: _Reader, value: str, where: str, base: Any, table: dict[str, Any]
) -> Path | None:
    """A contact point listing, or ``"ngdp"``: NgDP's own (read with --online)."""
    return None if value == NGDP_SOURCE else r.file(_blank_none(value), where)


def _checks_in_order(r: _Reader, checks: Checks, where: str) -> None:
    if checks.cert_error_days > checks.cert_warn_days:
        r.problem(
            f"{where}.cert_error_days ({checks.cert_error_days}) must not exceed "
            f"{where}.cert_warn_days ({checks.cert_warn_days})"
        )


def _trust(
    r: _Reader, value: dict[str, Any], where: str, base: Any, table: dict[str, Any]
) -> dict[str, tuple[Path, ...]]:
    """``[trust_anchors]``: a list of root certificate files per environment kind."""
    return {
        kind: tuple(p for p in (r.file(f, f"{where}.{kind}") for f in files) if p is not None)
        for kind, files in r.table(value, _TRUST, where).items()
    }


def _environments(
    r: _Reader, value: dict[str, Any], where: str, base: Any, table: dict[str, Any]
) -> dict[str, Environment]:
    """``[environments.<name>]``: each over the top level's keys of the same name, its kind
    its name unless set."""
    if not value:
        r.problem("no environment: add a table [environments.test]", "environments")
    shared = {f.name: table[f.name] for f in fields(Environment) if f.name in table}
    read: dict[str, dict[str, Any]] = {}
    for name, env_raw in value.items():
        env = _environment(r, name, env_raw, f"{where}.{name}", {**shared, "kind": name})
        if env is not None:
            read[name] = env
    for env in read.values():
        me = env["inputs"].mailboxes_environment
        if me and me not in read:
            r.problem(
                f"mailboxes_environment = {me!r} names no environment (the settings have: {', '.join(read)})"
            )
    built = {name: _record(Environment, env, name=name) for name, env in read.items()}
    return {name: env for name, env in built.items() if env is not None}


def _environment(
    r: _Reader, name: str, env_raw: Any, where: str, base: dict[str, Any]
) -> dict[str, Any] | None:
    """One ``[environments.<name>]`` table's fields; None (with the problems noted) when
    unusable."""
    if name == "all":
        r.problem(
            f"[{where}]: 'all' is not allowed as an environment name (it means every environment)"
        )
        return None
    if not ENVIRONMENT_NAME.match(name):
        r.problem(
            f"[environments.{name!r}]: environment names become folder names; use 1-32 "
            "lower-case letters, digits, '-' or '_', starting with a letter or digit"
        )
        return None
    if not isinstance(env_raw, dict):
        r.problem(f"{where} must be a table, not {_type_name(env_raw)}")
        return None
    env = _table(r, Environment, env_raw, where, base)
    own = f"{where}.mailboxes" in r.given
    if env["inputs"].mailboxes is None and "inputs.mailboxes" not in r.given and not own:
        r.problem(f"missing required key inputs.mailboxes (or {where}.mailboxes)")
    # the decisions named, else the default beside the settings file when it exists (the
    # notebook's editor creates it with the first decision)
    decisions = r.path.parent / f"decisions-{name}.csv"
    return {
        **env,
        "inputs": replace(env["inputs"], mailboxes_in_environment=own),
        "decisions": env["decisions"] or (decisions if decisions.is_file() else None),
        "contact_points_ngdp": env_raw.get("contact_points") == NGDP_SOURCE,
    }


GOLIVE_MOMENTS = tuple(f.name for f in fields(GoLive) if "datetime" in str(f.type))
GOLIVE_YEARS = range(2000, 2200)  # a date outside is a typo, and near the calendar's end


def _golive(
    r: _Reader, value: dict[str, Any], where: str, base: GoLive, table: dict[str, Any]
) -> GoLive:
    """``[golive]`` (or an environment's ``golive = {…}`` over ``base``): an owner given here
    replaces that one owner of ``base``, the others stay. An environment's own ``date``
    moves the dates of ``base`` that it does not set by as many days (the same time of day,
    Copenhagen time): ``golive = { date = 2027-01-15 }`` is the shared plan on that day,
    never the shared plan's e-Boks and NgDP dates under a header that says 15 January."""
    given = r.table(value, schema(GoLive), where)
    values = _values(r, GoLive, value, given, where, _fields_of(base))
    for key in ("date", *GOLIVE_MOMENTS):  # an attacker's pass: 9999-12-28 crashed the run
        when = values.get(key)  # (its daily watch adds six days: OverflowError, exit 3)
        if isinstance(when, dt.date) and when.year not in GOLIVE_YEARS:
            r.problem(
                f"{where}.{key} = {when.isoformat()}: a go-live date lies between the years "
                f"{GOLIVE_YEARS.start} and {GOLIVE_YEARS.stop - 1}"
            )
            values[key] = None
    own_date = given.get("date") if values.get("date") is not None else None
    reference = base.date or (_golive_day(base.ngdp_enable) if base.ngdp_enable else None)
    if isinstance(own_date, dt.date) and reference is not None and own_date != reference:
        moved = own_date - reference
        for key in GOLIVE_MOMENTS:
            if key not in given and values[key] is not None:
                values[key] = _golive_moved(values[key], moved)
                if values[key].year not in GOLIVE_YEARS:  # moved past the bound (the second
                    r.problem(  # look): the shared plan's date, moved by this one's
                        f"{where}.date = {own_date.isoformat()} moves [golive].{key} to "
                        f"{values[key].isoformat()}, outside the years {GOLIVE_YEARS.start} to "
                        f"{GOLIVE_YEARS.stop - 1}"
                    )
                    values[key] = None
    return GoLive(**values)


def _golive_zone() -> dt.tzinfo | None:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo("Europe/Copenhagen")
    except Exception:  # no tz database: the runbook says its times are UTC then
        return None


def _golive_day(value: dt.date | dt.datetime) -> dt.date:
    """The Copenhagen day of a ``[golive]`` value (a date is its own day)."""
    if isinstance(value, dt.datetime):
        zone = _golive_zone()
        if value.tzinfo is not None and zone is not None:
            return value.astimezone(zone).date()
        return value.date()
    return value


def _golive_moved(value: dt.date | dt.datetime, days: dt.timedelta) -> dt.date | dt.datetime:
    """``value`` that many days later (or earlier), at the same Copenhagen time of day: a
    date-time with an offset becomes Copenhagen time without one (a move across a change to
    or from summer time keeps 16:00 at 16:00)."""
    if isinstance(value, dt.datetime):
        zone = _golive_zone()
        if value.tzinfo is not None and zone is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return value + days
    return value + days


LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def _without_userinfo(url: str) -> str:
    """``url`` as an error may quote it: a user name or password in it (a credential) is
    replaced by ``***``, never repeated on the console."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{path}"


def timestamp_url_problem(url: str) -> str:
    """Why ``url`` cannot be the time-stamping service ("" when it can). It must be
    ``https://`` like every other address the kit calls; plain ``http://`` only to this
    machine (a local service in a rehearsal or a test). No user name or password in it
    (a settings file is no place for a credential) and no fragment."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("https", "http") or not host:
        return "must be an https:// address of an RFC 3161 time-stamping service"
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return "must be https:// (plain http:// only to this machine: 127.0.0.1, ::1, localhost)"
    if parts.username is not None or parts.password is not None:
        return "must not hold a user name or password"
    if parts.fragment:
        return "must not hold a fragment (#...)"
    return ""


def _pairs(
    r: _Reader, value: dict[str, Any], where: str, base: dict[str, str], table: dict[str, Any]
) -> dict[str, str]:
    """``[compare] contact_points``: a table of names (test = production), each a string
    that could be a contact point's name; anything else is a problem, one line each."""
    pairs: dict[str, str] = {}
    for key, name in value.items():
        here = f"{where}.{_short(key)}"
        if not isinstance(name, str):
            r.problem(
                f"{here} must be a string (the contact point's name in production), "
                f"not {_type_name(name)} ({_short(name)})"
            )
            continue
        why = _text_problem(key) or _text_problem(name)
        if why:
            r.problem(f"{here} {why}")
            continue
        pairs[key] = name
    return {**base, **pairs}


def _columns(
    r: _Reader, value: dict[str, Any], where: str, base: dict[str, str], table: dict[str, Any]
) -> dict[str, str]:
    """``[inputs.columns]``: own headers of the export's columns, over ``base``'s."""
    clean: dict[str, str] = {}
    for key, header in value.items():
        if key not in COLUMN_FIELDS:
            r.problem(
                f"unknown key '{_shown_key(f'{where}.{key}')}' (known here: {', '.join(COLUMN_FIELDS)})",
                f"{where}.{key}",
            )
        elif not isinstance(header, str):
            r.problem(
                f"{where}.{key} must be a string, not {_type_name(header)} ({_short(header)})"
            )
        else:
            clean[key] = header
    return {**base, **clean}


def _blank_none(value: Any) -> Any:
    return None if value == "" else value


_RECORDS = (
    Settings,
    Organisation,
    Inputs,
    Checks,
    Rehearsal,
    Environment,
    Server,
    Signing,
    GoLive,
    Owners,
    Compare,
)
