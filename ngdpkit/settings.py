"""The settings file (contract §3): TOML in, typed frozen objects out.

Every refusal (syntax, unknown key, wrong type, missing key, missing file,
unknown environment) is collected and raised at once as one
:class:`~ngdpkit.errors.InputError`, one line per problem. A well-typed value
that breaks a domain rule (a bad CVR, a malformed UUID) is not refused here; the
checks turn it into a finding.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import InputError
from .guids import normal_or_raw

KINDS = ("test", "production")
ENVIRONMENT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
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

NOT_A_KEY: dict[str, bool] = {"key": False}  # field metadata: computed, not in the file
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
    cert_warn_days: int = 60
    cert_error_days: int = 14
    probe_timeout_s: float = 10.0
    probe_total_s: float = 60.0


@dataclass(frozen=True)
class Rehearsal:
    recipient_id: str = ""
    recipient_id_type: str = "CPR"
    case_id: str = ""
    timeout_s: int = 30


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
    mailboxes: Path | None = None
    mailboxes_sheet: str | None = None
    mailboxes_environment: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    mailboxes_in_environment: bool = field(default=False, metadata=NOT_A_KEY)


@dataclass(frozen=True)
class Environment:
    """One environment (test or production) of the settings file."""

    name: str = field(metadata=NOT_A_KEY)  # the table's name, [environments.<name>]
    kind: str
    protocol: str
    server_ips: tuple[str, ...]
    inputs: Inputs = field(metadata={"flat": Inputs})  # its keys are the environment's own
    rehearsal: Rehearsal
    system_id: str | None = None
    system_name: str = ""
    push_base_url: str | None = None
    servers: tuple[Server, ...] = ()
    service_account: str = ""
    certificate: Path | None = None
    certificate_password_env: str | None = None
    authorization_env: str | None = None
    # How the authorization header reaches whoever enters it in Configurator (a channel the
    # customer agreed, e.g. "the customer's password vault, item NgDP test"): named on the
    # dispatcher page, never the header itself.
    authorization_handover: str = ""
    contact_points: Path | None = None
    mapping: Path | None = None
    default_contact_point: str | None = None
    probe_evidence: tuple[Path, ...] = ()
    ngdp_api_url: str | None = None
    ngdp_api_ca: Path | None = None
    workzone_register: Path | None = None  # a Configurator export of Mailbox mappings (§12.3)
    # The consultant's decisions (§12.7): the first mapping source. Left out, the default
    # decisions-<env>.csv beside the settings file is read when it exists.
    decisions: Path | None = None
    golive: GoLive = GoLive()  # [golive], with this environment's golive = {…} over it
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

    certificate: Path
    certificate_password_env: str | None = None  # the NAME of the variable, never the value
    timestamp_url: str | None = None  # an RFC 3161 time-stamping service, for the PDF


@dataclass(frozen=True)
class Compare:
    """``[compare]``: how ``compare`` pairs the two environments' contact points where
    their names do not match once normalised (contract §12.8)."""

    # name in the test environment -> name in the production environment
    contact_points: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """A parsed settings file. Paths are absolute; :meth:`rel` shows them to people."""

    path: Path = field(metadata=NOT_A_KEY)
    language: str
    organisation: Organisation
    inputs: Inputs
    environments: dict[str, Environment]
    checks: Checks = Checks()
    trust_anchors: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    secrets_file: Path | None = None
    rehearsal: Rehearsal = Rehearsal()  # the defaults every environment's [rehearsal] extends
    golive: GoLive = GoLive()  # the defaults every environment's golive = {…} extends
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

        return shlex.quote(self.given or str(self.path))

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
        try:
            return p.resolve().relative_to(self.base_dir.resolve()).as_posix()
        except ValueError:
            import os

            try:
                return Path(os.path.relpath(p.resolve(), self.base_dir.resolve())).as_posix()
            except ValueError:  # another drive on Windows
                return p.as_posix()

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


_TOP = schema(Settings)
_ORGANISATION = schema(Organisation)
_INPUTS = schema(Inputs)
_TRUST = dict.fromkeys(KINDS, _LIST_STR)
_CHECKS = schema(Checks)
_REHEARSAL = schema(Rehearsal)
_ENVIRONMENT = schema(Environment)
_SERVER = schema(Server)
_SIGNING = schema(Signing)
_GOLIVE = schema(GoLive)
_OWNERS = schema(Owners)
_COMPARE = schema(Compare)


class _Reader:
    """Collects every problem while reading, so they are all reported at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.problems: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.name}: {text}")

    def table(self, data: dict[str, Any], schema: dict[str, str], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            dotted = f"{where}.{key}" if where else key
            if key not in schema:
                known = ", ".join(sorted(schema))
                self.problem(f"unknown key {dotted!r} (known here: {known})")
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
        path = Path(value.replace("\\", "/")) if "\\" in value else Path(value)
        if not path.is_absolute():
            path = self.path.parent / path
        if must_exist and not path.exists():
            self.problem(f"{key}: file not found: {value}")
        elif must_exist and not path.is_file():
            self.problem(f"{key} = {value!r} is a folder, not a file")
        return path


MAX_SECONDS = 3600


def _bounded_seconds(r: _Reader, table: dict[str, Any], key: str, where: str) -> None:
    """A number of seconds that bounds network work: positive, finite (``nan`` and ``inf``
    are TOML floats) and at most an hour; otherwise a problem, and the default is kept."""
    if key not in table:
        return
    value = table[key]
    try:
        usable = math.isfinite(value) and 0 < value <= MAX_SECONDS
    except OverflowError:  # an integer of thousands of digits
        usable = False
    if not usable:
        r.problem(
            f"{where}.{key} = {_short(value)} must be a positive, finite number of seconds "
            f"(at most {MAX_SECONDS})"
        )
        del table[key]


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
_CONTROL_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]"
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


def _short(value: Any) -> str:
    if isinstance(value, dt.date | dt.time):  # as TOML writes it, not datetime.date(…)
        return value.isoformat()
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return "(a number too long to show)"
    return text if len(text) <= 40 else text[:37] + "..."


def parse_toml(raw: bytes, name: str) -> dict[str, Any]:
    """The TOML step of :func:`load_settings`, for every reader of a settings file (``status``
    reads hundreds without checking them): the text as TOML, or an :class:`InputError` of
    one line naming ``name`` (never a traceback, whatever the file holds).

    Raises:
        InputError: not UTF-8, a syntax error, nested too deeply, a number too long.
    """
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except RecursionError as exc:
        raise InputError(f"{name}: TOML nested too deeply to be a settings file") from exc
    except tomllib.TOMLDecodeError as exc:
        hint = ""
        if "escape" in str(exc).lower():
            hint = "; write Windows paths in single quotes ('C:\\certs\\test.p12')"
        raise InputError(f"{name}: TOML syntax error: {exc}{hint}") from exc
    except ValueError as exc:  # tomllib's own int(): a number of more than 4,300 digits
        raise InputError(f"{name}: a number in it is too long to be a setting") from exc


def load_settings(path: Path | str) -> Settings:
    """Read and check a settings file.

    Raises:
        InputError: with every problem found, one line each (exit code 2).
    """
    given = str(path)
    path = Path(path).resolve()
    if not path.is_file():
        raise InputError(f"settings file not found: {path}")
    if path.stat().st_size > MAX_SETTINGS_BYTES:
        raise InputError(
            f"{path.name}: {path.stat().st_size:,} bytes, over the 1 MB bound for a settings file"
        )
    raw = path.read_bytes()
    data = parse_toml(raw, path.name)

    import hashlib

    r = _Reader(path)
    top = r.table(data, _TOP, "")
    if "organisation" not in data:
        r.problem("missing required table [organisation] (name and cvr)")
    if "environments" not in data:
        r.problem("missing required table [environments.<name>], e.g. [environments.test]")
    org_raw = r.table(top.get("organisation", {}), _ORGANISATION, "organisation")
    for key in ("name", "cvr"):
        if "organisation" in top and key not in top["organisation"]:
            r.problem(f"missing required key organisation.{key}")
    organisation = Organisation(name=org_raw.get("name", ""), cvr=org_raw.get("cvr", ""))

    language = top.get("language", "da")
    if language not in ("da", "en"):
        r.problem(f'language must be "da" or "en", not {language!r}')

    inputs_raw = r.table(top.get("inputs", {}), _INPUTS, "inputs")
    shared_inputs = _inputs(r, inputs_raw, "inputs")

    trust_raw = r.table(top.get("trust_anchors", {}), _TRUST, "trust_anchors")
    trust: dict[str, tuple[Path, ...]] = {}
    for kind, files in trust_raw.items():
        paths = [r.file(f, f"trust_anchors.{kind}") for f in files]
        trust[kind] = tuple(p for p in paths if p is not None)

    checks_raw = r.table(top.get("checks", {}), _CHECKS, "checks")
    for key, value in list(checks_raw.items()):
        if key.endswith("_s"):
            _bounded_seconds(r, checks_raw, key, "checks")
        elif not (_finite(value) and value > 0):  # nan <= 0 is False: say it outright
            r.problem(f"checks.{key} = {_short(value)} must be a positive, finite number")
            del checks_raw[key]
    checks = Checks(**checks_raw)
    if checks.cert_error_days > checks.cert_warn_days:
        r.problem(
            f"checks.cert_error_days ({checks.cert_error_days}) must not exceed "
            f"checks.cert_warn_days ({checks.cert_warn_days})"
        )

    rehearsal_raw = r.table(top.get("rehearsal", {}), _REHEARSAL, "rehearsal")
    _bounded_seconds(r, rehearsal_raw, "timeout_s", "rehearsal")
    rehearsal = Rehearsal(**rehearsal_raw)

    secrets_file = r.file(top.get("secrets_file"), "secrets_file")
    signing = _signing(r, top["signing"]) if "signing" in top else None
    golive = _golive(r, top.get("golive", {}), "golive", GoLive())
    compare = _compare(r, top.get("compare", {}))

    environments: dict[str, Environment] = {}
    envs_raw = top.get("environments", {})
    if not envs_raw and "environments" in data:
        r.problem("no environment: add a table [environments.test]")
    for name, env_raw in envs_raw.items():
        parsed_env = _environment(
            r,
            name,
            env_raw,
            shared=shared_inputs,
            shared_has_mailboxes="mailboxes" in inputs_raw,
            rehearsal=rehearsal,
            golive=golive,
        )
        if parsed_env is not None:
            environments[name] = parsed_env
    for parsed in environments.values():
        me = parsed.inputs.mailboxes_environment
        if me and me not in environments:
            r.problem(
                f"mailboxes_environment = {me!r} names no environment (the settings have: {', '.join(environments)})"
            )

    if r.problems:
        raise InputError(r.problems)
    return Settings(
        path=path,
        language=language,
        organisation=organisation,
        inputs=shared_inputs,
        environments=environments,
        checks=checks,
        trust_anchors=trust,
        secrets_file=secrets_file,
        rehearsal=rehearsal,
        golive=golive,
        signing=signing,
        compare=compare,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        given=given,
    )


def _environment(
    r: _Reader,
    name: str,
    env_raw: Any,
    *,
    shared: Inputs,
    shared_has_mailboxes: bool,
    rehearsal: Rehearsal,
    golive: GoLive,
) -> Environment | None:
    """One ``[environments.<name>]`` table; None (with the problems noted) when unusable."""
    where = f"environments.{name}"
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
    env = r.table(env_raw, _ENVIRONMENT, where)
    for key in ("protocol", "server_ips"):
        if key not in env_raw:
            r.problem(f"missing required key {where}.{key}")
    kind = env.get("kind", name)
    if kind not in KINDS:
        r.problem(
            f'{where}.kind must be "test" or "production" (the environment\'s name {name!r} '
            f"is neither, so set kind)"
            if "kind" not in env
            else f'{where}.kind must be "test" or "production", not {kind!r}'
        )
    env_inputs = _inputs(r, {k: env[k] for k in _INPUTS if k in env}, where)
    merged = replace(
        shared,
        **{
            k: getattr(env_inputs, k)
            for k in ("mailboxes", "mailboxes_sheet", "mailboxes_environment")
            if k in env
        },
        columns={**shared.columns, **env_inputs.columns},
        mailboxes_in_environment="mailboxes" in env,
    )
    if merged.mailboxes is None and not shared_has_mailboxes and "mailboxes" not in env:
        r.problem(f"missing required key inputs.mailboxes (or {where}.mailboxes)")
    servers = []
    for i, s in enumerate(env.get("servers", [])):
        s_ok = r.table(s, _SERVER, f"{where}.servers[{i}]")
        if "name" not in s_ok:
            r.problem(f"missing required key {where}.servers[{i}].name")
            continue
        servers.append(Server(**s_ok))
    reh = r.table(env.get("rehearsal", {}), _REHEARSAL, f"{where}.rehearsal")
    _bounded_seconds(r, reh, "timeout_s", f"{where}.rehearsal")
    return Environment(
        name=name,
        kind=kind if kind in KINDS else "test",
        protocol=env.get("protocol", ""),
        server_ips=tuple(env.get("server_ips", [])),
        inputs=merged,
        rehearsal=replace(rehearsal, **reh),
        system_id=normal_or_raw(env.get("system_id")),
        system_name=env.get("system_name", ""),
        push_base_url=_blank_none(env.get("push_base_url")),
        servers=tuple(servers),
        service_account=env.get("service_account", ""),
        certificate=r.file(_blank_none(env.get("certificate")), f"{where}.certificate"),
        certificate_password_env=_blank_none(env.get("certificate_password_env")),
        authorization_env=_blank_none(env.get("authorization_env")),
        authorization_handover=env.get("authorization_handover", ""),
        contact_points=None
        if env.get("contact_points") == NGDP_SOURCE
        else r.file(_blank_none(env.get("contact_points")), f"{where}.contact_points"),
        contact_points_ngdp=env.get("contact_points") == NGDP_SOURCE,
        workzone_register=r.file(
            _blank_none(env.get("workzone_register")), f"{where}.workzone_register"
        ),
        mapping=r.file(_blank_none(env.get("mapping")), f"{where}.mapping"),
        decisions=_decisions_file(r, name, _blank_none(env.get("decisions")), where),
        default_contact_point=normal_or_raw(env.get("default_contact_point")),
        probe_evidence=tuple(
            p
            for p in (r.file(e, f"{where}.probe_evidence") for e in env.get("probe_evidence", []))
            if p
        ),
        ngdp_api_url=_blank_none(env.get("ngdp_api_url")),
        ngdp_api_ca=r.file(_blank_none(env.get("ngdp_api_ca")), f"{where}.ngdp_api_ca"),
        golive=_golive(r, env.get("golive", {}), f"{where}.golive", golive),
    )


def _decisions_file(r: _Reader, name: str, value: str | None, where: str) -> Path | None:
    """The decisions file named (it must exist), else the default beside the settings file
    when it exists (the notebook's editor creates it with the first decision)."""
    if value is not None:
        return r.file(value, f"{where}.decisions")
    default = r.path.parent / f"decisions-{name}.csv"
    return default if default.is_file() else None


GOLIVE_MOMENTS = ("eboks_disable", "ngdp_enable", "rollback_until")


def _golive(r: _Reader, raw: dict[str, Any], where: str, base: GoLive) -> GoLive:
    """``[golive]`` (or an environment's ``golive = {…}`` over ``base``): unknown keys and
    wrong types are problems like everywhere else; an owner given here replaces that one
    owner of ``base``, the others stay. An environment's own ``date`` moves the dates of
    ``base`` that it does not set by as many days (the same time of day, Copenhagen time):
    ``golive = { date = 2027-01-15 }`` is the shared plan on that day, never the shared
    plan's e-Boks and NgDP dates under a header that says 15 January."""
    table = r.table(raw, _GOLIVE, where)
    owners = r.table(table.pop("owners", {}), _OWNERS, f"{where}.owners")
    own_date = table.get("date")
    reference = base.date or (_golive_day(base.ngdp_enable) if base.ngdp_enable else None)
    if isinstance(own_date, dt.date) and reference is not None and own_date != reference:
        moved = own_date - reference
        for key in GOLIVE_MOMENTS:
            value = getattr(base, key)
            if key not in table and value is not None:
                table[key] = _golive_moved(value, moved)
    return replace(base, **table, owners=replace(base.owners, **owners))


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


def _signing(r: _Reader, raw: dict[str, Any]) -> Signing | None:
    """``[signing]``: the certificate must exist (like every named file); the password is
    named by its variable; ``timestamp_url`` must be usable as it stands (see
    :func:`timestamp_url_problem`). None (with the problems noted) when unusable."""
    table = r.table(raw, _SIGNING, "signing")
    if "certificate" not in table:
        if "certificate" not in raw:
            r.problem("missing required key signing.certificate (the .p12/.pfx that seals)")
        return None
    url = _blank_none(table.get("timestamp_url"))
    why = timestamp_url_problem(url) if url else ""
    if why:
        r.problem(f"signing.timestamp_url = {_short(_without_userinfo(url))} {why}")
    certificate = r.file(table["certificate"], "signing.certificate")
    if certificate is None:
        return None
    return Signing(
        certificate=certificate,
        certificate_password_env=_blank_none(table.get("certificate_password_env")),
        timestamp_url=url,
    )


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


def _compare(r: _Reader, raw: dict[str, Any]) -> Compare:
    """``[compare]``: ``contact_points`` is a table of names (test = production), each a
    string that could be a contact point's name; anything else is a problem, one line each."""
    table = r.table(raw, _COMPARE, "compare")
    pairs: dict[str, str] = {}
    for key, value in table.get("contact_points", {}).items():
        where = f"compare.contact_points.{_short(key)}"
        if not isinstance(value, str):
            r.problem(
                f"{where} must be a string (the contact point's name in production), "
                f"not {_type_name(value)} ({_short(value)})"
            )
            continue
        why = _text_problem(key) or _text_problem(value)
        if why:
            r.problem(f"{where} {why}")
            continue
        pairs[key] = value
    return Compare(contact_points=pairs)


def _inputs(r: _Reader, raw: dict[str, Any], where: str) -> Inputs:
    columns = raw.get("columns", {})
    clean_columns: dict[str, str] = {}
    for key, value in columns.items():
        if key not in COLUMN_FIELDS:
            r.problem(
                f"unknown key '{where}.columns.{key}' (known here: {', '.join(COLUMN_FIELDS)})"
            )
        elif not isinstance(value, str):
            r.problem(
                f"{where}.columns.{key} must be a string, not {_type_name(value)} ({_short(value)})"
            )
        else:
            clean_columns[key] = value
    return Inputs(
        mailboxes=r.file(raw.get("mailboxes"), f"{where}.mailboxes"),
        mailboxes_sheet=raw.get("mailboxes_sheet"),
        mailboxes_environment=raw.get("mailboxes_environment"),
        columns=clean_columns,
    )


def _blank_none(value: Any) -> Any:
    return None if value == "" else value
