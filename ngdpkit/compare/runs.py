"""Reading finished run folders back, as ``diff`` and ``status`` need them.

A run folder is untrusted input like any other: a missing or truncated file is an
:class:`~ngdpkit.errors.InputError` naming the folder and the file, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks.certificates import CertificateFacts
from ..deliverables.dispatcher import DispatcherConfig
from ..deliverables.portal import PortalRegistration
from ..documents.signing import MANIFEST
from ..errors import InputError
from ..run.audit import AUDIT, INCOMPLETE, SEALED, Checked
from ..run.folder import LATEST
from ..run.neighbours import RUN_NAME as RUN_NAME  # one pattern for a run's folder name

MAPPING_KEY = ("Mailbox ID", "Subject ID")
MAPPING_VALUES = ("NgDP Guid", "Contact point name", "Status")
MAPPING_UNIT = "Responsible unit"  # the unit a change concerns; a move is MAPPING_UNIT_CHANGED
# the mailbox's name: said beside its ID in the changes (``Changes.mailbox_names``); a new one
# is MAPPING_RENAMED, never a change of where the mailbox lands
MAPPING_NAME = "Mailbox name"


def _json(
    path: Path,
    label: str,
    *,
    required: bool = True,
    kind: type | None = None,
    checked: Checked | None = None,
) -> Any:
    """A JSON file of a run folder: a regular file (never a link or a FIFO), bounded in size
    and depth, of the JSON type ``kind`` when given; any fault an :class:`InputError`. With
    ``checked``, the bytes :func:`~ngdpkit.run.audit.verify_files` verified are read, never
    the file again (one it did not keep is missing)."""
    from ..run.neighbours import Replaced, read_json_bytes, read_json_file

    raw = None
    if checked is not None:  # its name in the run folder: the file, or steps/ and the file
        name = path.name if path.parent.name != "steps" else f"steps/{path.name}"
        raw = checked.contents.get(name)
    if (raw is None) if checked is not None else not path.exists() and not path.is_symlink():
        if required:
            raise InputError(f"{label}: {path.name} is missing (not a finished ngdpkit run folder)")
        return None
    try:
        data = read_json_bytes(raw, path.name) if raw is not None else read_json_file(path)
    except Replaced as exc:  # the run's own placeholder: which secret, and what to do
        raise InputError(f"{label}: {exc}") from exc
    except ValueError as exc:
        raise InputError(f"{label}: {exc} (truncated or edited?)") from exc
    if kind is not None and not isinstance(data, kind):
        raise InputError(f"{label}: {path.name} does not hold a JSON {kind.__name__} (edited?)")
    return data


@dataclass
class RunView:
    """What a finished run left: its findings, deliverables and anchor."""

    path: Path
    environment: str
    status: str
    findings: list[dict[str, Any]]
    manifest: dict[str, str]  # file -> SHA-256
    anchor: str
    kit_version: str
    dispatcher: DispatcherConfig | None = None
    portal: PortalRegistration | None = None
    mapping: Any = None  # a table (read_mapping_csv), None without one
    certificate: CertificateFacts | None = None
    # (Mailbox ID, responsible unit, "Sheet!row") per export row: which unit a finding is
    # about; None when the run kept no mailbox table.
    mailboxes: list[tuple[str, str, str]] | None = None
    # ``mailboxes`` read from ``path`` only when a finding first needs them (a run's view of
    # itself, for changes.json: at 100,000 mailboxes 0.1 s, usually for no finding at all)
    units_on_demand: bool = False
    # findings.json's readiness (contract §12.2) as (steps done, steps in all); None for a
    # run made before the checklist had evidence, or a value that is not two counts
    readiness: tuple[int, int] | None = None
    # checklist.json's steps; None for a run made before it had one
    checklist: tuple[ChecklistState, ...] | None = None
    # each export row's place and (Mailbox ID, Subject ID): which row a finding is about;
    # None: read from ``path`` when a finding first needs it (or not known)
    export_rows: tuple[ExportRow, ...] | None = None

    @property
    def when(self) -> dt.datetime | None:
        m = RUN_NAME.match(self.path.name)
        if not m:
            return None
        return dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)

    def counts(self) -> dict[str, int]:
        from ..findings import counts

        return counts(self.findings)

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        label: str | None = None,
        mapping: bool = True,
        checked: Checked | None = None,
    ) -> RunView:
        """The run at ``path``; with ``checked`` (``status``), from the bytes
        :func:`~ngdpkit.run.audit.verify_files` verified, and ``mapping`` is not read."""
        label = label or str(path)
        if not path.is_dir():
            raise InputError(f"{label}: not a folder")
        if (path / INCOMPLETE).exists():
            raise InputError(f"{label}: the run did not finish (INCOMPLETE)")
        findings = _json(path / "findings.json", label, checked=checked)
        if not isinstance(findings, dict) or not isinstance(findings.get("findings"), list):
            raise InputError(f"{label}: findings.json does not hold a findings list")
        manifest = checked.manifest if checked is not None else _json(path / MANIFEST, label)
        files = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(files, list):
            raise InputError(f"{label}: manifest.json does not list the files")
        if checked is not None:
            anchor, version = checked.anchor, checked.kit_version
            if not anchor:
                raise InputError(_before_seals(label, version))
        else:
            anchor, version = _trail(path, label)
        view = cls(
            path=path,
            environment=str(findings.get("environment") or path.parent.name),
            status=str(findings.get("status") or "?"),
            findings=[f for f in findings["findings"] if isinstance(f, dict)],
            manifest={
                str(f.get("path")): str(f.get("sha256"))
                for f in files
                if isinstance(f, dict) and f.get("path")
            },
            anchor=anchor,
            kit_version=version,
            dispatcher=_typed(path / "dispatcher-config.json", label, DispatcherConfig, checked),
            portal=_typed(path / "portal-registration.json", label, PortalRegistration, checked),
            readiness=_readiness(findings.get("readiness")),
        )
        step3 = _json(
            path / "steps" / "03_certificate.json",
            label,
            required=False,
            kind=dict,
            checked=checked,
        )
        view.certificate = _certificate(step3)
        view.checklist = read_checklist(path, label, checked)
        if mapping and checked is None:
            view.mapping = read_mapping_csv(path / "mailbox-mapping.csv", label)
            view.mailboxes = read_mailbox_units(path, label)
        return view


def _typed(path: Path, label: str, kind: Any, checked: Checked | None) -> Any:
    """A deliverable of the run as its typed record (``kind.of``); None when the run has
    none. A file that does not read as one is an :class:`InputError` naming it."""
    data = _json(path, label, required=False, kind=dict, checked=checked)
    if data is None:
        return None
    try:
        return kind.of(data)
    except ValueError as exc:
        raise InputError(f"{label}: {path.name} is {exc} (edited?)") from exc


def _certificate(data: Any) -> CertificateFacts | None:
    """Step 03's certificate facts, read through its record; None when the file has none or
    they do not read (a status row then simply shows no expiry)."""
    from ..steps.records import CertificateRecord, StepFile

    if not isinstance(data, dict):
        return None
    try:
        record = StepFile.from_data("03_certificate", data).record
    except InputError:
        return None
    assert isinstance(record, CertificateRecord)
    return record.certificate


@dataclass(frozen=True)
class ChecklistState:
    """One checklist step as a run's ``checklist.json`` left it (contract §12.2)."""

    step: int
    title: str
    status: str  # done, not_verified, to_do, blocked
    evidence: str  # observed, confirmed, planned, none
    detail: str
    next_action: str = ""  # what the step needs next (a blocked one: the findings to fix)


def read_checklist(
    path: Path, label: str, checked: Checked | None = None
) -> tuple[ChecklistState, ...] | None:
    """The steps of a run's ``checklist.json``; None for a run made before it had one. A row
    that is not a step's record is left out (the folder's trail vouches for the file)."""
    data = _json(path / "checklist.json", label, required=False, kind=list, checked=checked)
    if data is None:
        return None
    out = []
    for row in data:
        if not isinstance(row, dict) or type(row.get("step")) is not int:
            continue
        fields = [row.get(k) for k in ("title", "status", "evidence", "detail")]
        if all(isinstance(v, str) for v in fields):
            title, status, evidence, detail = (str(v)[:500] for v in fields)
            nxt = row.get("next_action")
            out.append(
                ChecklistState(
                    row["step"],
                    title,
                    status,
                    evidence,
                    detail,
                    next_action=nxt[:500] if isinstance(nxt, str) else "",
                )
            )
    return tuple(out)


def _readiness(value: Any) -> tuple[int, int] | None:
    if not isinstance(value, dict):
        return None
    done, total = value.get("steps_done"), value.get("steps_total")
    if type(done) is not int or type(total) is not int:  # a bool is no count
        return None
    return (done, total) if 0 <= done <= total else None


def read_mailbox_units(path: Path, label: str) -> list[tuple[str, str, str]] | None:
    """(Mailbox ID, unit, ``Sheet!row``) for each export row, from step 01's table; None
    when the run has none or it does not read (a unit is then simply not named)."""
    read = _export_columns(path, "responsible_unit")
    if read is None:
        return None
    where, ids, units = read
    return [(m, u, w) for w, m, u in zip(where, ids, units, strict=True)]


@dataclass(frozen=True)
class ExportRow:
    """One row of a run's export: where it is (``Sheet!row``, as findings name it) and its
    identity, (Mailbox ID, Subject ID), as the mapping files key it."""

    where: str
    mailbox: str
    subject: str


def read_export_rows(path: Path) -> tuple[ExportRow, ...] | None:
    """Each export row of the run at ``path``, from step 01's table; None when the run has
    none or it does not read (``diff`` then judges a row by its mailbox)."""
    read = _export_columns(path, "subject_id")
    if read is None:
        return None
    return tuple(ExportRow(*row) for row in zip(*read, strict=True))


def _export_columns(path: Path, column: str) -> tuple[list[str], list[str], list[str]] | None:
    """(``Sheet!row``, Mailbox ID, ``column``) of each row of step 01's table, as text; None
    when the run has none or it does not read."""
    from ..steps.records import MailboxesRecord, StoredTable, read_step

    steps = path / "steps"
    step = steps / "01_mailboxes.json"
    if not step.is_file() or step.is_symlink():
        return None
    try:
        record = read_step(step).record
    except (InputError, OSError, ValueError, RecursionError, KeyError, TypeError, AttributeError):
        return None  # a step file that does not read: units are a courtesy of the summary
    table = record.held("mailboxes") if isinstance(record, MailboxesRecord) else None
    file = table.path if isinstance(table, StoredTable) else None
    if file is None or file.parent != steps or not file.is_file() or file.is_symlink():
        return None  # never a table beside the run's own steps folder
    sheet = record.sheet if isinstance(record, MailboxesRecord) else ""
    try:
        import pyarrow.parquet as pq

        data = pq.read_table(file, columns=["row", "mailbox_id", column])
    except Exception:  # a damaged table: units are a courtesy of the summary
        return None
    rows = data.column("row").to_pylist()
    return (
        [f"{sheet}!{r}" if sheet else f"row {r}" for r in rows],
        [str(m or "") for m in data.column("mailbox_id").to_pylist()],
        [str(v or "") for v in data.column(column).to_pylist()],
    )


def _trail(path: Path, label: str) -> tuple[str, str]:
    """(the anchor, the kit version) from the audit trail; a run before v0.2 has no anchor."""
    trail = path / AUDIT
    if not trail.is_file():
        raise InputError(f"{label}: audit.jsonl is missing")
    anchor, version = "", "?"
    try:
        for line in trail.read_text(encoding="utf-8").split("\n"):
            if not line:
                continue
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a record")
            if record.get("event") == "run_started":
                version = str(record.get("kit_version", "?"))
            elif record.get("event") == SEALED:
                anchor = str(record.get("hash", ""))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{label}: audit.jsonl is not a readable trail") from exc
    if not anchor:
        raise InputError(_before_seals(label, version))
    return anchor, version


def _before_seals(label: str, version: str) -> str:
    return (
        f"{label}: the run was made by ngdpkit {version}, before runs sealed their outputs; "
        "run it again with this version"
    )


def read_mapping_csv(path: Path, label: str) -> Any:
    """The machine copy of the mapping as a table of (Mailbox ID, Subject ID) and the
    register's values, all text (the last row wins for a key given twice); None when the
    run wrote none.

    Read by Arrow's CSV reader (multi-threaded, outside the GIL: 0.13 s for the 17 MB of
    100,000 mailboxes, against 0.36 s for pandas' own parser, on the run's busiest cores).
    Every cell is text; an empty cell is an empty text, never a missing value.
    """
    if not path.is_file():
        return None
    import csv
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    name = "mailbox-mapping.csv"
    try:
        data = path.read_bytes()
        text_head = data[: data.find(b"\n") + 1 or len(data)].decode("utf-8-sig")
        data.decode("utf-8")  # the whole file, so that the error names the encoding
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: {name} is not UTF-8") from exc
    except OSError as exc:
        raise InputError(f"{label}: {name} cannot be read ({exc.strerror})") from exc
    from ..run.scan import replaced

    why = replaced(name, data)
    if why is not None:  # the kit's own placeholder: said as that, never "not the headers"
        raise InputError(f"{label}: {why}")
    header = next(csv.reader([text_head.rstrip("\r\n")], delimiter=";"), [])
    if not set(MAPPING_KEY[:1] + MAPPING_VALUES) <= set(header):
        raise InputError(f"{label}: {name} does not have the register's headers")
    if len(set(header)) != len(header):
        raise InputError(f"{label}: {name} is not a readable table (a header is repeated)")
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            parse_options=pacsv.ParseOptions(delimiter=";", newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                include_columns=[
                    h
                    for h in (*MAPPING_KEY, *MAPPING_VALUES, MAPPING_UNIT, MAPPING_NAME)
                    if h in header
                ],
            ),
        )
    except (pa.ArrowInvalid, ValueError) as exc:
        raise InputError(f"{label}: {name} is not a readable table") from exc
    return register_table(table.to_pandas())


def register_table(table: Any) -> Any:
    """The mapping CSV's cells (as read, or as written: the two are the same text) as a
    table of (Mailbox ID, Subject ID), the register's values, the unit and the mailbox's
    name (empty when the file has none); the last row wins for a key given twice."""
    for optional in (MAPPING_KEY[1], MAPPING_UNIT, MAPPING_NAME):
        if optional not in table.columns:
            table = table.assign(**{optional: ""})
    table = table[[*MAPPING_KEY, *MAPPING_VALUES, MAPPING_UNIT, MAPPING_NAME]]
    return table.drop_duplicates(list(MAPPING_KEY), keep="last").reset_index(drop=True)


def run_folders(env_dir: Path) -> list[Path]:
    """The finished run folders of one environment, oldest first (rehearsals apart), in
    :func:`~ngdpkit.run.neighbours.creation_order`."""
    from ..run.neighbours import creation_order

    if not env_dir.is_dir():
        return []
    return creation_order(
        p
        for p in env_dir.iterdir()
        if p.is_dir() and RUN_NAME.match(p.name) and not (p / INCOMPLETE).exists()
    )


def latest_run(env_dir: Path) -> Path | None:
    """The folder ``LATEST`` names, else the newest finished one."""
    from ..run.neighbours import read_text_file, stamp_of

    named = env_dir / LATEST
    now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    text = read_text_file(named, limit=256)
    if text is not None and RUN_NAME.fullmatch(text.strip()):  # a name, never a path
        candidate = env_dir / text.strip()
        when = stamp_of(candidate.name)
        if candidate.is_dir() and not candidate.is_symlink() and when and when <= now:
            return candidate
    found = [p for p in run_folders(env_dir) if (stamp_of(p.name) or now) <= now]
    return found[-1] if found else None


def run_language(path: Path) -> str:
    """The language a finished run's findings were written in, ``"da"`` or ``"en"``, read
    from its own ``findings.json``: the first finding whose Danish and English forms differ
    says which one its message is (the run folder records no language of its own). ``"en"``
    when none says (no finding, an unreadable file)."""
    import json

    from ..findings import danish_text, english_text
    from ..run.neighbours import read_text_file

    text = read_text_file(path / "findings.json", limit=64 * 1024 * 1024)
    try:
        findings = json.loads(text)["findings"] if text is not None else []
    except (ValueError, TypeError, KeyError):
        return "en"
    for f in findings if isinstance(findings, list) else []:
        if not isinstance(f, dict):
            continue
        template, params, message = f.get("template"), f.get("params"), f.get("message")
        if not isinstance(template, str) or not isinstance(params, dict):
            continue
        da, en = danish_text(template, params), english_text(template, params)
        if da is None or da == en:
            continue
        if message == da:
            return "da"
        if message == en:
            return "en"
    return "en"
