"""CPR-shaped numbers in text that spreads into many outputs (``CPR_IN_TEXT``).

A mailbox name, a responsible unit, a case number, a contact point's name in the contact
points file, a decision's name and note and the settings' free text (the organisation's name, an
environment's ``system_name`` and ``authorization_handover``, the go-live owners) go into
the mapping file, the sign-off pages and their PDF, portal-todo.xlsx, and a unit's name
becomes the name of a proposed contact point, which NgDP shows citizens (as the name of a
contact point in the contact points file already is). A CPR number there
is personal data copied into every one of them (a DPO's review found "Sagsbehandler Karen
Nielsen 0202851234" proposed as a visible contact point). The findings name the file, the
column and the rows, or the settings key, and never the number: findings go to the console,
CI logs and pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .. import findings as F
from ..findings import Finding
from ..redact import CPR, holds_cpr


# What the checks below read of a contact point and of a decision: the modules that hold
# those records import this one, so it names their fields, not their classes
class _ContactPoint(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def location(self) -> str: ...


class _Decision(Protocol):
    @property
    def row(self) -> int: ...
    @property
    def decided_by(self) -> str: ...
    @property
    def note(self) -> str: ...


ROWS_NAMED = 3  # the first rows a finding names; "and N more" says the rest


def _column_rows(table: Any, df: Any, field: str) -> list[int]:
    """The Excel rows whose ``field`` cell holds a CPR-shaped number, worked out on the
    column at once (a unit's name once per distinct unit: a few dozen among 100,000 rows)."""
    if field not in table.columns or field not in df.columns:
        return []
    cells = df[field].astype(str)
    if field == "responsible_unit":
        units = [u for u in cells.unique() if holds_cpr(u)]
        hit = cells.isin(units)
    else:
        hit = cells.str.contains(CPR, regex=True)
    return [int(r) for r in df.loc[hit.fillna(False).astype(bool), "row"].tolist()]


def _column_name(table: Any, field: str) -> str:
    """The column's header as the export writes it ("Postkassenavn")."""
    at = table.columns[field]
    headers = getattr(table, "headers", None) or []
    return str(headers[at]) if at < len(headers) and headers[at] else field


def export_cpr_findings(table: Any, df: Any, label: str) -> list[Finding]:
    """``CPR_IN_TEXT`` (warning) for the export's mailbox names and responsible units: one
    per column that holds CPR-shaped numbers, with the count and the first rows."""
    found: list[Finding] = []
    for field in ("mailbox_name", "responsible_unit", "case"):
        rows = _column_rows(table, df, field)
        if not rows:
            continue
        if field == "mailbox_name" and len(rows) == 1:
            msg = "The mailbox name in row {value} (column {column!r}) holds a CPR-shaped number, not repeated here. Mailbox names spread into mailbox-mapping.xlsx and .csv, the sign-off pages and signoff.pdf, and portal-todo.xlsx: remove the number from the export (a CPR number does not belong in a name)."
        elif field == "mailbox_name":
            msg = "{count} mailbox names (column {column!r}, rows {value}) hold a CPR-shaped number, not repeated here. Mailbox names spread into mailbox-mapping.xlsx and .csv, the sign-off pages and signoff.pdf, and portal-todo.xlsx: remove the numbers from the export (a CPR number does not belong in a name)."
        elif field == "case" and len(rows) == 1:
            msg = "The case number in row {value} (column {column!r}) holds a CPR-shaped number, not repeated here. Case numbers spread into mailbox-mapping.xlsx and .csv and the sign-off pages and signoff.pdf: remove the number from the export (a CPR number does not belong in a case number)."
        elif field == "case":
            msg = "{count} case numbers (column {column!r}, rows {value}) hold a CPR-shaped number, not repeated here. Case numbers spread into mailbox-mapping.xlsx and .csv and the sign-off pages and signoff.pdf: remove the numbers from the export (a CPR number does not belong in a case number)."
        elif len(rows) == 1:
            msg = "The responsible unit in row {value} (column {column!r}) holds a CPR-shaped number, not repeated here. A unit's name spreads into mailbox-mapping.xlsx and .csv, the sign-off pages and signoff.pdf, and portal-todo.xlsx, and becomes the name of a proposed contact point, which NgDP shows citizens (the kit proposes it with the number left out): remove the number from the export (a CPR number does not belong in a name)."
        else:
            msg = "The responsible unit in {count} rows (column {column!r}, rows {value}) holds a CPR-shaped number, not repeated here. A unit's name spreads into mailbox-mapping.xlsx and .csv, the sign-off pages and signoff.pdf, and portal-todo.xlsx, and becomes the name of a proposed contact point, which NgDP shows citizens (the kit proposes it with the number left out): remove the numbers from the export (a CPR number does not belong in a name)."
        found.append(
            F.warning(
                "CPR_IN_TEXT",
                msg,
                label,
                table.where(rows[0]),
                count=len(rows),
                column=_column_name(table, field),
                value=F.first_of(rows, limit=ROWS_NAMED),
            )
        )
    return found


def contact_point_cpr_findings(points: Iterable[_ContactPoint], label: str) -> list[Finding]:
    """``CPR_IN_TEXT`` (warning), one for every contact point of the contact points file whose
    name holds a CPR-shaped number, with the count and the first places. The name is what
    NgDP shows a citizen as the sender of a letter (a DPO's pass: "Sagsbehandler Karen Nielsen
    010190 1234" went into portal-registration.json and every page without a word)."""
    places = [p.location or p.id for p in points if holds_cpr(p.name)]
    if not places:
        return []
    if len(places) == 1:
        msg = "The name of the contact point at {value} holds a CPR-shaped number, not repeated here. A contact point's name is what NgDP shows citizens as the sender of a letter, and it spreads into portal-registration.json, portal-todo.xlsx, the sign-off pages and signoff.pdf: rename the contact point in Administrativ Adgang and in the contact points file (a CPR number does not belong in a name)."
    else:
        msg = "The names of {count} contact points (at {value}) hold a CPR-shaped number, not repeated here. A contact point's name is what NgDP shows citizens as the sender of a letter, and it spreads into portal-registration.json, portal-todo.xlsx, the sign-off pages and signoff.pdf: rename the contact points in Administrativ Adgang and in the contact points file (a CPR number does not belong in a name)."
    return [
        F.warning(
            "CPR_IN_TEXT",
            msg,
            label,
            places[0],
            count=len(places),
            value=F.first_of(places, limit=ROWS_NAMED),
        )
    ]


def decisions_cpr_findings(
    decisions: Iterable[_Decision], label: str, where: Callable[[int], str]
) -> list[Finding]:
    """``CPR_IN_TEXT`` (warning), one for the decisions in effect whose "Decided by" or note
    holds a CPR-shaped number, with the count and the first rows (``where(row)`` the
    location). The sign-off overview and signoff.pdf list each decision with its name and
    note (a DPO's pass: "borgeren Jens Hansen 010190-1234 ringede" was printed for the
    customer's managers to sign and archive without a word)."""
    rows = sorted(d.row for d in decisions if holds_cpr(d.decided_by) or holds_cpr(d.note))
    if not rows:
        return []
    if len(rows) == 1:
        msg = "The decision in row {value} holds a CPR-shaped number in its name or note, not repeated here. The sign-off overview and signoff.pdf show each decision with who made it and its note: decide the mailbox again with a note without the number (the newest line for a mailbox is the one that counts), and delete the line that holds it (a CPR number does not belong in a note)."
    else:
        msg = "{count} decisions (rows {value}) hold a CPR-shaped number in their name or note, not repeated here. The sign-off overview and signoff.pdf show each decision with who made it and its note: decide those mailboxes again with notes without the number (the newest line for a mailbox is the one that counts), and delete the lines that hold it (a CPR number does not belong in a note)."
    return [
        F.warning(
            "CPR_IN_TEXT",
            msg,
            label,
            where(rows[0]),
            count=len(rows),
            value=F.first_of(rows, limit=ROWS_NAMED),
        )
    ]


def _settings_texts(settings: Any, env: Any) -> list[tuple[str, str]]:
    """(key, text) of the settings' free text that reaches the run's documents."""
    key = f"environments.{env.name}"
    texts = [
        ("organisation.name", settings.organisation.name),
        (f"{key}.system_name", env.system_name),
        (f"{key}.authorization_handover", env.authorization_handover),
    ]
    for role in ("portal", "operations", "workzone", "consultant"):
        text = getattr(env.golive.owners, role)
        shared = getattr(settings.golive.owners, role) == text
        where = "golive" if shared else f"{key}.golive"
        texts.append((f"{where}.owners.{role}", text))
    return texts


def settings_cpr_findings(settings: Any, env: Any) -> list[Finding]:
    """``CPR_IN_TEXT`` (warning) for each settings key of ``env`` whose free text holds a
    CPR-shaped number, named by its key (the source, as the settings' other findings)."""
    found: list[Finding] = []
    for key, text in _settings_texts(settings, env):
        if not (text and holds_cpr(str(text))):
            continue
        if key == "organisation.name":
            msg = "Settings key {key} holds a CPR-shaped number, not repeated here. The organisation's name spreads into every sign-off page and signoff.pdf, the diagram, dispatcher-config.json and the runbook: remove the number from the settings (a CPR number does not belong in a name)."
        elif key.endswith(".system_name"):
            msg = "Settings key {key} holds a CPR-shaped number, not repeated here. The system's name spreads into portal-registration.json (the name the system gets in NgDP), the portal page, the sign-off pages and signoff.pdf: remove the number from the settings (a CPR number does not belong in a name)."
        elif key.endswith(".authorization_handover"):
            msg = "Settings key {key} holds a CPR-shaped number, not repeated here. The handover text spreads into dispatcher-config.json, the dispatcher page and signoff.pdf: remove the number from the settings (a CPR number does not belong in a note)."
        else:
            msg = "Settings key {key} holds a CPR-shaped number, not repeated here. A go-live owner spreads into the runbook (runbook.xlsx, runbook.ics, the runbook page) and signoff.pdf: remove the number from the settings (a CPR number does not belong in a name)."
        found.append(F.warning("CPR_IN_TEXT", msg, key, key=key))
    return found
