"""What each step hands on: one dataclass per step, and the step file read back as one.

A step's record is what ``steps/NN_*.json`` holds under ``results`` (contract §7). Records
are frozen: the step module sets its fields while its notebook runs (``Step.set``, which
makes the step's record anew); later steps, the run, the overview, the bundle and
``compare`` read it by attribute, so a misspelt or missing field is a type error, not a
silent ``None``. Every payload is a nested frozen record (:data:`TYPED`), read back through
the converter; only (de)serialisation reads step data by key. Tables (mailboxes, the mapping, suggestions) are pandas
DataFrames in memory and Parquet files beside the step file (:mod:`ngdpkit.steps.core`).

``support`` names the fields a support bundle may carry: facts, never personal data.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, get_origin

from ..checks.certificates import CertificateFacts
from ..checks.evidence import EvidenceSummary, RegisterComparison
from ..checks.network import NetworkRun
from ..checks.ngdp import NgdpObservation
from ..checks.ngdp_compare import PortalTodo
from ..checks.system import PushEndpoints as PushEndpoints  # where step 04's system had it
from ..deliverables.dispatcher import DispatcherConfig
from ..deliverables.firewall import FirewallRule
from ..deliverables.portal import PortalRegistration
from ..errors import InputError
from ..findings import Finding
from ..inputs.acceptance import AcceptanceRecord
from ..inputs.contact_points import ContactPoint
from ..inputs.decisions import DecisionLog
from ..inputs.mapping import MappingCounts, PlanEntry

Frame = Any  # a pandas DataFrame; pandas is imported only where a table is read or written
PRETTY_MAX = 256 * 1024  # a step file this small is indented for a reader; a larger one is compact
TABLE_KEY = "parquet"  # in a step file, a table is {"parquet": "<file>", "rows": n}


@dataclass(frozen=True, slots=True)
class StoredTable:
    """A table of a step file that nothing has used yet: read from its Parquet file the first
    time its field is read (a later step that needs only the findings never parses it)."""

    path: Path
    rows: int

    def load(self) -> Frame:
        import pandas as pd

        return pd.read_parquet(self.path)


@dataclass(frozen=True, slots=True)
class SharedField:
    """In a step file, in place of a field's value: the same-named field of an earlier step's
    file holds it (see :attr:`Record.shared`), so the value is stored once."""

    stored_in: str  # that step's name


@dataclass(frozen=True, slots=True)
class StoredShared:
    """A shared field of a step file read back: read from the earlier step's file (beside
    it) the first time the field is read."""

    path: Path  # the earlier step's file
    key: str

    def raw(self) -> Any:
        """The value as that file stores it (plain JSON)."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))["results"][self.key]
        except (OSError, ValueError, RecursionError, KeyError, TypeError) as exc:
            raise InputError(f"{self.path.name}: its {self.key} is not readable") from exc

    def load(self) -> Any:
        name = self.path.name.removesuffix(".json")
        value = self.raw()
        kind = TYPED.get(str(RECORDS[name].__dataclass_fields__[self.key].type))
        if value is None or kind is None:
            return value
        from ..inputs.typed import structure

        try:
            return structure(value, kind)
        except ValueError as exc:
            raise InputError(f"{name}.json: {self.key} is {exc}") from exc


@dataclass(frozen=True, slots=True)
class LinkedShared:
    """A shared field linked to the earlier step's record, already in memory (a run holds
    every step file it has read): read through that record, so that the value is read and
    structured once for both (step 02's portal to-do, once for step 02's file and step 04's
    page, not twice)."""

    record: Any  # the earlier step's Record
    key: str

    def load(self) -> Any:
        return getattr(self.record, self.key)


@dataclass(frozen=True, slots=True)
class StoredTyped:
    """A typed field of a step file (see :data:`LAZY`) as the file holds it: structured the
    first time the field is read. Step 02's portal to-do lists 99,000 translations offline at
    100,000 mailboxes; notebooks 04 and 05 and the run read step 02's record without it."""

    raw: Any
    kind: Any
    label: str  # "step record <Record>: <field>", for the error

    def load(self) -> Any:
        from ..inputs.typed import structure

        try:
            return structure(self.raw, self.kind)
        except ValueError as exc:
            raise InputError(f"{self.label} is {exc}") from exc


@dataclass(frozen=True, slots=True)
class Record:
    """The base of every step record (frozen: :meth:`replace` makes a changed one)."""

    step: ClassVar[str] = ""
    support: ClassVar[tuple[str, ...]] = ()
    # Fields that hold the same value as the same-named field of an earlier step (by name):
    # its file stores the value, this one a SharedField naming it.
    shared: ClassVar[dict[str, str]] = {}

    if not TYPE_CHECKING:  # to a type checker a field is of its declared kind, not Any

        def __getattribute__(self, name: str) -> Any:
            value = object.__getattribute__(self, name)
            if type(value) in _STORED:
                # A run reads one record on two threads (its own and the render-ahead one): the
                # value is read once, by whichever comes first; the other waits for it.
                with _LOADING:
                    value = object.__getattribute__(self, name)
                    if type(value) in _STORED:
                        value = value.load()
                        object.__setattr__(self, name, value)
            return value

    def link(self, earlier: Record) -> None:
        """Read the fields shared with ``earlier`` (its step's record, already read) through
        it rather than from its file again; a field already read is left as it is."""
        for key, step in self.shared.items():
            if step == earlier.step and type(object.__getattribute__(self, key)) is StoredShared:
                object.__setattr__(self, key, LinkedShared(earlier, key))

    def held(self, name: str) -> Any:
        """A field as the record holds it: a value not read yet stays unread (to hand a
        shared field on without reading it)."""
        return object.__getattribute__(self, name)

    def stored(self, name: str, read: Callable[[Any], T]) -> T:
        """``read`` of a typed field as its step file stores it, without structuring the
        field: of the file's JSON while the field has not been read (also through the earlier
        record a shared field is linked to), else of the value. To count or write out a large
        field (step 02's portal to-do) without making a record of each of its entries. JSON
        that ``read`` refuses (ValueError) is refused as reading the field refuses it."""
        value = self.held(name)
        while type(value) is LinkedShared:
            value = value.record.held(value.key)
        if type(value) is StoredTyped:
            value = value.raw
        elif type(value) is StoredShared:
            value = value.raw()
        elif type(value) in _STORED:
            value = getattr(self, name)
        try:
            return read(value)
        except ValueError:
            getattr(self, name)  # the InputError naming the step, the field and why
            raise

    def replace(self: R, **changes: Any) -> R:
        """This record with ``changes``; the other fields as held (a value not read yet
        stays unread, unlike :func:`dataclasses.replace`, which reads every field)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise AttributeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        return type(self)(**{name: self.held(name) for name in known} | changes)

    def fields(self) -> dict[str, Any]:
        """The record as the step file's ``results`` (shallow: tables stay DataFrames; a
        shared field, which the file only names, as held)."""
        shared = type(self).shared
        return {
            f.name: self.held(f.name) if f.name in shared else getattr(self, f.name)
            for f in dataclasses.fields(self)
        }

    @classmethod
    def from_results(cls, results: dict[str, Any]) -> Record:
        """The record from a step file's ``results``; keys it does not know are left out
        (a step file of an older kit), values of the wrong kind are refused. A typed field
        (a nested frozen record, see :data:`TYPED`) is read through the converter."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        values = {k: v for k, v in results.items() if k in known}
        for name, value in list(values.items()):
            kind = TYPED.get(str(known[name].type))
            if (
                kind is not None
                and type(value) is not StoredShared
                and value is not None
                and not isinstance(value, get_origin(kind) or kind)
            ):
                shape = (list, tuple) if get_origin(kind) is tuple else dict
                if not isinstance(value, shape):  # not even the JSON a record is written as
                    raise InputError(
                        f"step record {cls.__name__}: {name} is a {type(value).__name__}"
                    )
                if kind in LAZY:
                    values[name] = StoredTyped(value, kind, f"step record {cls.__name__}: {name}")
                    continue
                from ..inputs.typed import structure

                try:
                    values[name] = structure(value, kind)
                except ValueError as exc:
                    raise InputError(f"step record {cls.__name__}: {name} is {exc}") from exc
        record = cls(**values)
        record.check()
        return record

    def check(self) -> None:
        """Refuse a value that is not of its field's kind (a hand-edited or damaged file)."""
        for f in dataclasses.fields(self):
            kinds = _KINDS.get(str(f.type))
            if kinds is None:
                continue  # a table (read when used) or a field of any kind
            value = getattr(self, f.name)
            if value is not None and not isinstance(value, kinds):
                raise InputError(
                    f"step record {type(self).__name__}: {f.name} is a {type(value).__name__}"
                )


_KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "bool": (bool,),
    "str | None": (str,),
}


@dataclass(frozen=True, slots=True)
class MailboxesRecord(Record):
    """01: the e-Boks export, one row per mailbox."""

    step: ClassVar[str] = "01_mailboxes"
    support: ClassVar[tuple[str, ...]] = ("count",)
    source: str = ""
    sheet: str = ""
    count: int = 0
    blank_rows: int = 0
    guid_column_used: bool = False
    mailboxes: Frame = None
    # the rows whose ID is an error of its own (no MAILBOX_UNMAPPED), their numbers as text:
    # a kind the record reader knows (TYPED)
    id_errors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContactPointsRecord(Record):
    """02: the contact points, the mapping of every mailbox, suggestions and a plan; with
    ``--online``, what NgDP itself showed and the portal administrator's to-do."""

    step: ClassVar[str] = "02_contact_points"
    # with NgDP's own view (--online): what support compares first (the certificate NgDP
    # holds, the system, each contact point); translations counted (support_facts)
    support: ClassVar[tuple[str, ...]] = ("counts", "ngdp")
    contact_points: tuple[ContactPoint, ...] | None = None
    mapping: Frame = None
    counts: MappingCounts = field(default_factory=MappingCounts)
    suggestions: Frame = None
    plan: tuple[PlanEntry, ...] | None = None
    contact_points_source: str = ""  # "file", "ngdp" or "" (none)
    ngdp: NgdpObservation | None = None
    portal_todo: PortalTodo | None = None
    register: RegisterComparison | None = None
    decisions: DecisionLog | None = None  # the consultant's decisions that count (§12.7)


@dataclass(frozen=True, slots=True)
class CertificateRecord(Record):
    """03: the certificate's facts and the script that installs it."""

    step: ClassVar[str] = "03_certificate"
    support: ClassVar[tuple[str, ...]] = ("certificate", "public_only")
    certificate: CertificateFacts | None = None
    certificate_file: str = ""
    public_only: bool = False
    custom_anchors: tuple[str, ...] = ()
    issuing_ca_der: str | None = None
    root_ca_der: str | None = None
    install_script: str | None = None


@dataclass(frozen=True, slots=True)
class SystemFacts:
    """04: the sender/receiver system as planned (``results.system``)."""

    system_id: str | None
    system_name: str
    protocol: str
    server_ips: tuple[str, ...]
    push_endpoints: PushEndpoints | None
    authorization: str  # "not configured", "missing" or what check_authorization says
    api_base_url: str


@dataclass(frozen=True, slots=True)
class SystemRecord(Record):
    """04: the system, the portal registration, the firewall order and network results."""

    step: ClassVar[str] = "04_system_and_network"
    support: ClassVar[tuple[str, ...]] = ("system", "network", "evidence")
    shared: ClassVar[dict[str, str]] = {"portal_todo": "02_contact_points"}
    system: SystemFacts | None = None
    portal: PortalRegistration | None = None
    portal_todo: PortalTodo | None = None  # step 02's, for the portal page (stored there)
    firewall: tuple[FirewallRule, ...] | None = None
    firewall_columns: tuple[str, ...] = ()
    server_check_script: str | None = None
    evidence: tuple[EvidenceSummary, ...] | None = None
    network: NetworkRun | None = None


@dataclass(frozen=True, slots=True)
class DispatcherRecord(Record):
    """05: the dispatcher configuration, or who withheld it."""

    step: ClassVar[str] = "05_dispatcher_config"
    support: ClassVar[tuple[str, ...]] = ("withheld_by", "blocking")
    dispatcher: DispatcherConfig | None = None
    withheld_by: tuple[str, ...] = ()
    blocking: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RehearsalRecord(Record):
    """06: a rehearsal's acceptance record."""

    step: ClassVar[str] = "06_rehearsal"
    acceptance: AcceptanceRecord | None = None
    folder: str = ""


# Fields holding nested frozen records, by their annotation: read back through the
# converter (``typed.structure``), written as plain JSON (``typed.unstructure``).
TYPED: dict[str, type] = {
    "CertificateFacts | None": CertificateFacts,
    "SystemFacts | None": SystemFacts,
    "tuple[FirewallRule, ...] | None": tuple[FirewallRule, ...],
    "tuple[EvidenceSummary, ...] | None": tuple[EvidenceSummary, ...],
    "NetworkRun | None": NetworkRun,
    "NgdpObservation | None": NgdpObservation,
    "PortalTodo | None": PortalTodo,
    "RegisterComparison | None": RegisterComparison,
    "DecisionLog | None": DecisionLog,
    "tuple[PlanEntry, ...] | None": tuple[PlanEntry, ...],
    "tuple[ContactPoint, ...] | None": tuple[ContactPoint, ...],
    "MappingCounts": MappingCounts,
    "PortalRegistration | None": PortalRegistration,
    "DispatcherConfig | None": DispatcherConfig,
    "AcceptanceRecord | None": AcceptanceRecord,
    "tuple[str, ...]": tuple[str, ...],
}

# Typed fields structured only when first read (StoredTyped): the large ones.
LAZY: tuple[type, ...] = (PortalTodo,)
_STORED = (StoredTable, StoredShared, LinkedShared, StoredTyped)
_LOADING = threading.RLock()  # a LinkedShared loads its earlier record's field inside

RECORDS: dict[str, type[Record]] = {
    kind.step: kind
    for kind in (
        MailboxesRecord,
        ContactPointsRecord,
        CertificateRecord,
        SystemRecord,
        DispatcherRecord,
        RehearsalRecord,
    )
}
R = TypeVar("R", bound=Record)
T = TypeVar("T")


def _refuse(self: Record, name: str, *value: Any) -> None:
    """Records are frozen: a field changes through :meth:`Record.replace` (``Step.set``), and
    a misspelt one is no new attribute. (Python 3.11's own ``__setattr__`` of a frozen,
    slotted dataclass raises a TypeError for a name that is not a field.)"""
    known = {f.name for f in dataclasses.fields(self)}
    what = "is frozen: use Step.set" if name in known else "has no such field"
    raise dataclasses.FrozenInstanceError(f"{type(self).__name__}.{name}: the record {what}")


for _kind in (Record, *RECORDS.values()):
    setattr(_kind, "__setattr__", _refuse)  # noqa: B010 (not a method mypy may assign)
    setattr(_kind, "__delattr__", _refuse)  # noqa: B010


@dataclass(frozen=True, slots=True)
class InputRead:
    """An input file a step read, as its step file and the audit trail note it: the path,
    and its size and SHA-256 unless it is read by path only (a secrets file)."""

    path: str
    size: int | None = None
    sha256: str | None = None

    def entry(self) -> dict[str, Any]:
        """As the step file and the audit trail hold it (no size or hash when not taken)."""
        out: dict[str, Any] = {"path": self.path}
        if self.size is not None:
            out["size"] = self.size
        if self.sha256 is not None:
            out["sha256"] = self.sha256
        return out


@dataclass(frozen=True, slots=True)
class StepFile:
    """A step file read back: status, findings, inputs and the typed record."""

    name: str
    status: str
    findings: tuple[Finding, ...]
    inputs_read: tuple[InputRead, ...]
    record: Record  # the step's Record subclass (see RECORDS)
    duration_s: float | None = None

    @classmethod
    def missing(cls, name: str) -> StepFile:
        """The stand-in for a step whose notebook wrote no file (it crashed before the end)."""
        return cls(name, "missing", (), (), RECORDS[name]())

    @classmethod
    def from_data(cls, name: str, data: dict[str, Any]) -> StepFile:
        """The step file's JSON (tables as placeholders or frames) as typed values; a
        finding or an input entry that does not read is refused (InputError)."""
        from ..inputs.typed import structure

        try:
            findings = tuple(Finding.from_dict(d) for d in data.get("findings") or ())
            inputs = structure(data.get("inputs_read") or [], tuple[InputRead, ...])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"step file {name}: its findings or inputs do not read ({exc})"
            ) from exc
        duration = data.get("duration_s")
        return cls(
            name=name,
            status=str(data.get("status", "?")),
            findings=findings,
            inputs_read=inputs,
            record=RECORDS[name].from_results(dict(data.get("results") or {})),
            duration_s=duration if isinstance(duration, (int, float)) else None,
        )


def read_step(path: Path) -> StepFile:
    """``steps/NN_*.json`` as a :class:`StepFile`; each Parquet table is read when its field
    is first used. A step file this process wrote itself, unchanged since, is the step as it
    was written (see :func:`remember_step`)."""
    known = _WRITTEN.get(str(path))
    if known is not None and known[0] == _identity(path):
        return known[1]
    name = path.name.removesuffix(".json")
    return StepFile.from_data(name, read_step_file(path, lazy=True))


# The step files this process wrote, by path, with the file's identity then. A run's kernel
# executes its notebooks one after another: notebooks 04 and 05 read step 02's file (8 MB of
# JSON at 100,000 mailboxes, its records structured again) that notebook 02 wrote in this
# very process. They get the step as notebook 02 left it (frozen records; pandas copies a
# table on write), as ``check`` hands one step to the next; a file changed since (another
# inode, size or time) is read from disk.
_WRITTEN: dict[str, tuple[tuple[int, ...] | None, StepFile]] = {}


def _identity(path: Path) -> tuple[int, ...] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def remember_step(path: Path, step: StepFile) -> None:
    """``step`` was just written to ``path`` by this process (one per step: the last)."""
    for other in [k for k, (_, known) in _WRITTEN.items() if known.name == step.name]:
        del _WRITTEN[other]
    _WRITTEN[str(path)] = (_identity(path), step)


# The largest step file a support bundle reads (step 02's at 100,000 mailboxes is some MB):
# a larger one was put there, and read whole it could take all memory.
SUPPORT_LIMIT = 64 << 20


def support_facts(path: Path) -> dict[str, Any]:
    """What a support bundle may carry of one step file: its status, duration and the
    record's ``support`` fields, read from the JSON alone (no tables)."""
    name = path.name.removesuffix(".json")
    try:
        if path.stat().st_size > SUPPORT_LIMIT:  # no step writes one: it was put there
            return {"status": "too large to read", "duration_s": None, "results": {}}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError, OSError):  # a leak stub or a damaged file: go on
        return {"status": "removed", "duration_s": None, "results": {}}
    results = data.get("results", {}) if isinstance(data, dict) else {}
    wanted = RECORDS[name].support if name in RECORDS else ()
    return {
        "status": data.get("status"),
        "duration_s": data.get("duration_s"),
        "results": {  # NgDP's view only when a run read it (--online)
            k: _counted(k, results[k])
            for k in wanted
            if k in results and not (k == "ngdp" and results[k] is None)
        },
    }


def _counted(key: str, value: Any) -> Any:
    """A support field as a bundle carries it: NgDP's view with each contact point's
    translations counted, not listed (100,000 of them at a large municipality; the mapping
    workbooks hold them, with ``--with-workbooks``)."""
    if key != "ngdp" or not isinstance(value, dict):
        return value
    points = value.get("contact_points")
    if not isinstance(points, list):
        return value
    counted = [
        {**p, "translations": len(p["translations"])}
        if isinstance(p, dict) and isinstance(p.get("translations"), list)
        else p
        for p in points
    ]
    return {**value, "contact_points": counted}


def write_step_file(folder: Path, name: str, data: dict[str, Any]) -> Path:
    """``steps/NN_*.json`` with every table beside it as ``NN_*.<key>.parquet``.

    The Parquet files are zstd-compressed (about a ninth of their plain size); the leak
    scan decodes them column by column (:mod:`ngdpkit.run.scan`), so compression hides
    nothing from it. A record under 256 KB is indented for a reader; a larger one (the
    contact points and their translations of a large municipality) is written compact:
    json's C encoder does not indent, and the Python one takes 0.2 s for 4 MB.
    """
    results = dict(data["results"])
    for key, earlier in RECORDS[name].shared.items() if name in RECORDS else ():
        if results.get(key) is not None:
            results[key] = SharedField(earlier)
    for key, value in data["results"].items():
        if _is_frame(value):
            file = f"{name}.{key}.parquet"
            tmp = folder / f".{file}.tmp"
            value.to_parquet(tmp, index=False, compression="zstd")
            _private(tmp)
            os.replace(tmp, folder / file)
            results[key] = {TABLE_KEY: file, "rows": len(value)}
    target = folder / f"{name}.json"
    tmp = folder / f".{name}.json.tmp"
    record = {**data, "results": results}
    text = json.dumps(record, ensure_ascii=False, default=_json_value)
    if len(text) < PRETTY_MAX:  # indented JSON goes through the pure-Python encoder
        text = json.dumps(record, ensure_ascii=False, indent=1, default=_json_value)
    tmp.write_text(text, encoding="utf-8")
    _private(tmp)
    os.replace(tmp, target)
    return target


def _json_value(value: Any) -> Any:
    """A typed record as plain JSON; anything else as its text (paths, timestamps)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        from ..inputs.typed import unstructure

        return unstructure(value)
    return str(value)


def _private(path: Path) -> None:
    """Step files are the run's own (contract §7: 0600), in a lab folder too."""
    if os.name != "nt":
        path.chmod(0o600)


def read_step_file(path: Path, *, lazy: bool = False) -> dict[str, Any]:
    """A step file with its tables read back from Parquet (as DataFrames) and its shared
    fields from the earlier step's file, or with ``lazy`` as :class:`StoredTable` and
    :class:`StoredShared` placeholders that a record reads on first use."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, nested too deeply
        from ..run.scan import replaced_file

        why = replaced_file(path)  # the kit's own placeholder: which secret, and what to do
        raise InputError(why or f"{path.name}: not a step file ({type(exc).__name__})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path.name}: not a step file (not a JSON object)")
    results = data.get("results") or {}
    record = RECORDS.get(path.name.removesuffix(".json"))
    for key, value in list(results.items()):
        earlier = record.shared.get(key) if record is not None else None
        if earlier is not None and isinstance(value, dict) and value.get("stored_in") == earlier:
            shared = StoredShared(path.parent / f"{earlier}.json", key)
            results[key] = shared if lazy else shared.raw()
        elif isinstance(value, dict) and set(value) == {TABLE_KEY, "rows"}:
            file = path.parent / str(value[TABLE_KEY])
            if lazy:
                if not file.is_file():
                    raise InputError(f"{path.name}: its table {file.name} is missing")
                rows = value["rows"]
                results[key] = StoredTable(file, rows if type(rows) is int else -1)
            else:
                import pandas as pd

                results[key] = pd.read_parquet(file)
    return dict(data)


def _is_frame(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_parquet")


def handover_paths(folder: Path, environment: str) -> tuple[Path, Path]:
    """Where notebook 02 hands its mapping over to the run (see :func:`hand_over`)."""
    base = f"mapping-{environment}"
    return folder / f"{base}.parquet", folder / f"{base}.findings.json"


def hand_over(environment: str, frame: Any, findings: list[Any]) -> None:
    """In a run's kernel: the mapped table and the step's findings so far, for the run's
    writers of the mapping files (:mod:`ngdpkit.run.mapping_files`), in the run's private
    tables folder (the table first; the findings file, written last, says both are
    complete). Outside a run (JupyterLab, ``check``) there is no such folder: nothing is
    written."""
    from ..inputs.workbooks import TableCache

    folder = os.environ.get(TableCache.ENV)
    if not folder or not os.path.isdir(folder):
        return
    table, found = handover_paths(Path(folder), environment)
    try:
        frame.to_parquet(table.with_name(f".{table.name}.tmp"), index=False, compression=None)
        os.replace(table.with_name(f".{table.name}.tmp"), table)
        tmp = found.with_name(f".{found.name}.tmp")
        tmp.write_text(json.dumps([f.to_dict() for f in findings]), encoding="utf-8")
        os.replace(tmp, found)
    except OSError:
        pass  # the run writes the files after notebook 02 instead
