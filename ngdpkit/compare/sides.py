"""One environment as ``compare`` sees it: read from its latest finished run, or from the inputs.

By default a comparison is of what was run and signed (contract §12.8): each environment's
latest finished run (``<out>/<env>/LATEST``), verified as ``diff`` verifies a folder (its
trail, its files, its own name and environment) and read into a :class:`Side`. With
``--from-inputs`` the same record comes from running the checks in-process on today's
inputs, as ``check`` does. Either way the comparison sees one typed record per environment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import findings as F
from ..checks.certificates import CertificateFacts, whole_days_left
from ..errors import InputError
from ..findings import aware_time, has_passed
from ..settings import Settings
from .diff import RunRef

if TYPE_CHECKING:
    from ..inputs.contact_points import ContactPoint

MAX_STEP_FILE = 64 * 1024 * 1024  # a step file of a run: the contact points of a large municipality


@dataclass(frozen=True)
class Landing:
    """Where one mailbox (and subject) of the export goes in one environment."""

    mailbox_id: str
    subject_id: str
    name: str
    unit: str
    status: str  # mapped, retired, unmapped, unknown contact point, …
    guid: str
    contact_point: str  # the contact point's name; empty when the contact points are unknown

    @property
    def key(self) -> tuple[str, str]:
        return (self.mailbox_id, self.subject_id)

    @property
    def label(self) -> str:
        """``0101159`` or, for one subject of a postkasse, ``0101159:2``."""
        return f"{self.mailbox_id}:{self.subject_id}" if self.subject_id else self.mailbox_id


@dataclass(frozen=True)
class PointFacts:
    """What ``compare`` compares of a contact point."""

    id: str
    name: str
    targets: tuple[str, ...] = ()
    visible: bool | None = None
    active: bool | None = None


@dataclass(frozen=True)
class SideCertificate:
    """What a comparison knows of one side's certificate: its CVR and when it expires (not
    :class:`~ngdpkit.checks.certificates.CertificateFacts`, which step 03 checks)."""

    cvr: str | None = None
    not_after: str | None = None  # ISO 8601 UTC, ``Z``

    def days_left(self, now: dt.datetime | None = None) -> int | None:
        """Whole days from now to ``not_after`` (negative once expired); None if unknown."""
        end = aware_time(self.not_after)
        return None if end is None else whole_days_left(end, now or dt.datetime.now(dt.UTC))

    def ended(self, now: dt.datetime | None = None) -> bool:
        """``not_after`` lies at or before ``now``: an end under a day ago has 0 days left as
        :meth:`days_left` counts them, and the page must say it expired all the same."""
        return has_passed(self.not_after, now or dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class CertificateStanding:
    """A side's certificate as ``comparison.json`` holds it, at the comparison's time: an
    end passed under a day ago has 0 ``days_left`` and ``ended`` true (the page read "0", as
    for one that ends tonight)."""

    cvr: str | None
    days_left: int | None
    ended: bool
    not_after: str | None

    @classmethod
    def of(cls, certificate: SideCertificate, now: dt.datetime) -> CertificateStanding:
        return cls(
            cvr=certificate.cvr,
            days_left=certificate.days_left(now),
            ended=certificate.ended(now),
            not_after=certificate.not_after,
        )


@dataclass(frozen=True)
class Side:
    """One environment of the comparison."""

    name: str
    kind: str
    protocol: str
    server_ips: tuple[str, ...]
    default_contact_point: str  # its GUID, lower-case; empty when not known
    landings: tuple[Landing, ...]
    contact_points: tuple[PointFacts, ...] | None  # None: pending (not known in this env)
    certificate: SideCertificate | None
    status: str  # the checks' status: ok, warnings, errors
    run: RunRef | None = None  # the run it was read from; None when read from the inputs
    # the run's readiness as findings.json gives it (steps done, steps in all); None from the
    # inputs or a run made before the checklist
    readiness: tuple[int, int] | None = None
    # when the run was made (ISO 8601 UTC, from its folder's name) and the files the settings
    # name that are no longer what it read (the settings first when they changed): a run that
    # stopped with exit 2 leaves the one before it as the latest, compared without a word
    made_at: str = ""
    inputs_changed: tuple[str, ...] = ()
    # the settings file among them was judged by its whole bytes: the run's kit recorded no
    # SHA-256 of what concerns its environment, so another environment's edit counts too
    settings_whole_file: bool = False

    def by_key(self) -> dict[tuple[str, str], Landing]:
        return {row.key: row for row in self.landings}


def oriented(left: Side, right: Side) -> tuple[Side, Side]:
    """(the test side, the production side): by kind, else in the order given."""
    if right.kind == "test" and left.kind == "production":
        return right, left
    return left, right


def _landings(frame: Any) -> tuple[Landing, ...]:
    """The mapping table (a run's ``02_contact_points`` record) as landings; the last row
    wins for a key given twice, as in the mapping files."""
    if frame is None or not len(frame):
        return ()
    columns = ["mailbox_id", "subject_id", "mailbox_name", "responsible_unit", "status"]
    columns += ["ngdp_guid", "contact_point"]
    table = frame.reindex(columns=columns)

    def text(value: Any) -> str:
        return "" if value is None or value != value else str(value)  # NaN != NaN

    rows: dict[tuple[str, str], Landing] = {}
    for mid, sid, name, unit, status, guid, cp in table.itertuples(index=False):
        row = Landing(
            text(mid), text(sid), text(name), text(unit), text(status), text(guid), text(cp)
        )
        rows[row.key] = row
    return tuple(rows.values())


def _points(points: Sequence[ContactPoint] | None) -> tuple[PointFacts, ...] | None:
    """What compare compares of a ``02_contact_points`` record's contact points (read and
    checked with the record); None when pending."""
    if points is None:
        return None
    return tuple(PointFacts(p.id, p.name, p.targets, p.visible, p.active) for p in points)


def _certificate(facts: CertificateFacts | None) -> SideCertificate | None:
    if facts is None:
        return None
    return SideCertificate(cvr=facts.cvr or None, not_after=facts.not_after or None)


def from_inputs(settings: Settings, name: str) -> Side:
    """The environment as ``check`` finds it today (in-process, offline, no secret asked for)."""
    from ..steps.pipeline import run_all
    from ..steps.records import CertificateRecord, ContactPointsRecord

    steps = {s.name: s for s in run_all(settings, name)}
    contact = steps["02_contact_points"].own(ContactPointsRecord)
    certificate = steps["03_certificate"].own(CertificateRecord)
    env = settings.environment(name)
    return Side(
        name=name,
        kind=env.kind,
        protocol=env.protocol,
        server_ips=tuple(env.server_ips),
        default_contact_point=(env.default_contact_point or "").strip("{}").lower(),
        landings=_landings(contact.mapping),
        contact_points=_points(contact.contact_points),
        certificate=_certificate(certificate.certificate),
        status=F.status_of(f for s in steps.values() for f in s.findings),
    )


def latest_finished(settings: Settings, name: str, out: Path) -> Path:
    """The run folder of ``name`` that ``<out>/<name>/LATEST`` names (else the newest
    finished one), verified; an :class:`InputError` of one line when there is none or it
    does not verify."""
    from ..run.neighbours import check_folder
    from .runs import latest_run

    env_dir = out / name
    run = latest_run(env_dir)
    if run is None:
        raise InputError(
            f"{settings.rel(env_dir)}: no finished run of {name!r} to compare; make one with "
            f"`ngdpkit run --settings {settings.command_path} --env {name}`, "
            "or compare today's inputs with --from-inputs"
        )
    verified, why = check_folder(run, environment=name)
    if verified is None:
        raise InputError(f"{settings.rel(run)}: cannot be compared: {why}")
    return run


def from_run(settings: Settings, name: str, out: Path) -> Side:
    """The environment as its latest finished run left it (see :func:`latest_finished`)."""
    from ..run.neighbours import judged_whole_file, run_inputs_changed
    from ..steps.records import (
        CertificateRecord,
        ContactPointsRecord,
        DispatcherRecord,
        SystemRecord,
        read_step,
    )
    from .runs import RunView

    run = latest_finished(settings, name, out)
    label = settings.rel(run)
    view = RunView.load(run, label=label, mapping=False)

    def step(kind: type[Any]) -> Any:
        path = run / "steps" / f"{kind.step}.json"
        try:
            if path.is_symlink() or not path.is_file():
                raise ValueError(f"{path.name} is missing")
            if path.stat().st_size > MAX_STEP_FILE:
                raise ValueError(f"{path.name} is larger than {MAX_STEP_FILE // 2**20} MB")
            return read_step(path).record
        except InputError as exc:
            raise InputError(f"{label}: cannot be compared: {exc.problems[0]}") from exc
        except (OSError, ValueError, TypeError, KeyError, RecursionError) as exc:
            raise InputError(f"{label}: cannot be compared: {exc}") from exc

    points: ContactPointsRecord = step(ContactPointsRecord)
    certificate: CertificateRecord = step(CertificateRecord)
    system: SystemRecord = step(SystemRecord)
    dispatcher: DispatcherRecord = step(DispatcherRecord)
    planned = system.system
    config = dispatcher.dispatcher
    try:
        landings = _landings(points.mapping)
    except (OSError, ValueError, TypeError, KeyError) as exc:  # a damaged table
        raise InputError(f"{label}: cannot be compared: its mapping table does not read") from exc
    env = settings.environment(name)
    changed = tuple(run_inputs_changed(settings, name, run, certificate=True, unread=True))
    return Side(
        name=name,
        kind=env.kind,
        protocol=planned.protocol if planned else "",
        server_ips=planned.server_ips if planned else (),
        default_contact_point=config.parameters.ContactPointGuid if config else "",
        landings=landings,
        contact_points=_points(points.contact_points),
        certificate=_certificate(certificate.certificate),
        status=view.status,
        run=RunRef(run.name, view.anchor, view.status),
        readiness=view.readiness,
        made_at=view.when.strftime("%Y-%m-%dT%H:%M:%SZ") if view.when else "",
        inputs_changed=changed,
        settings_whole_file=settings.rel(settings.path) in changed and judged_whole_file(run),
    )
