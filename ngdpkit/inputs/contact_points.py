"""Contact points (kontaktpunkter) of one environment: .xlsx/.csv or the NgDP API JSON list.

The rules come from the vendor page and NgDP's contact structure (``docs/domain.md``):
at least one target, at least one visible contact point, at least one contact
point for the receiving system. GUIDs are stored canonical lower-case.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import findings as F
from ..errors import InputError
from ..findings import Finding
from ..guids import canonical_guid as canonical_guid  # re-exported
from ..redact import shortened, without_lone_surrogates
from . import NUMBER_DIGITS, is_number
from .mailboxes import formula_findings, open_in_excel
from .personal import contact_point_cpr_findings
from .workbooks import Field, TableCache, check_size, clean_text, mixed_scripts, read_table

TARGETS = ("CITIZEN", "COMPANY", "AUTHORITY")
_TRUE = {"ja", "yes", "x", "true", "1", "sand", "y", "j"}
_FALSE = {"nej", "no", "false", "0", "falsk", "n"}

CP_FIELDS = (
    Field(
        "id",
        ("Kontaktpunkt ID", "Kontaktpunkt GUID", "Contact point ID", "Contact point GUID"),
        ("GUID", "id"),
        True,
    ),
    Field("name", ("Kontaktpunkt navn", "Contact point name"), ("Name", "Navn"), True),
    Field("citizens", ("Citizens", "Borgere", "Borger")),
    Field("companies", ("Companies", "Virksomheder", "Virksomhed")),
    Field("authorities", ("Authorities", "Myndigheder", "Myndighed")),
    Field("hidden", ("Hidden", "Skjult")),
    Field("visible", ("Visible", "Synlig")),
    Field("active", ("Active", "Aktiv")),
    Field("system_id", ("System ID", "Modtagersystem", "Modtager system ID", "Receiving system")),
    Field(
        "postkasse_ids",
        ("Postkasse IDs", "Postkasse ID", "Postkasser", "Translations", "Oversættelser"),
    ),
)


def parse_bool(value: str) -> bool | None:
    """ja/nej/yes/no/x/true/false/1/0; blank is None (not set)."""
    text = value.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


@dataclass(frozen=True)
class ContactPoint:
    id: str
    name: str
    targets: tuple[str, ...]
    active: bool = True
    visible: bool = True
    system_id: str | None = None
    translations: tuple[tuple[int, int | None], ...] = ()
    location: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "targets": list(self.targets),
            "active": self.active,
            "visible": self.visible,
            "system_id": self.system_id,
            # (postkasse, emne) pairs as they are: JSON writes a tuple as the list it reads
            # back, and a list per pair cost 0.1 s for 99,000 translations.
            "translations": list(self.translations),
            "location": self.location,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ContactPoint:
        return cls(
            id=d["id"],
            name=d["name"],
            targets=tuple(d["targets"]),
            active=d["active"],
            visible=d["visible"],
            system_id=d.get("system_id"),
            translations=tuple(
                (int(a), None if b is None else int(b)) for a, b in d.get("translations", [])
            ),
            location=d.get("location", ""),
        )


def _register_contact_point() -> None:
    """Step 02 stores its contact points as :meth:`ContactPoint.to_dict` gives them (99,000
    translations at 100,000 mailboxes: the converter's element-by-element way would cost
    more than the step); reading one back checks each value's kind."""
    from .typed import converter

    def structure(data: Any, kind: Any) -> ContactPoint:
        if not isinstance(data, dict):
            raise ValueError(f"a contact point is a {type(data).__name__}")
        try:
            point = ContactPoint.from_dict(data)
        except KeyError as exc:
            raise ValueError(f"a contact point has no {exc}") from exc
        texts = (point.id, point.name, point.location, *point.targets)
        if (
            not all(isinstance(x, str) for x in texts)
            or not isinstance(point.active, bool)
            or not isinstance(point.visible, bool)
            or not isinstance(point.system_id, str | None)
            or isinstance(data["targets"], str)
        ):
            raise ValueError(f"contact point {point.id!r} has a value of the wrong kind")
        return point

    converter.register_unstructure_hook(ContactPoint, ContactPoint.to_dict)
    converter.register_structure_hook(ContactPoint, structure)


_register_contact_point()


@dataclass
class ContactPoints:
    points: list[ContactPoint]
    source: str
    findings: list[Finding] = field(default_factory=list)
    language: str = "da"  # what a notebook shows it in (set by the step)

    def by_id(self) -> dict[str, ContactPoint]:
        return {p.id: p for p in self.points}

    def __repr__(self) -> str:
        # A notebook keeps text/plain beside the HTML: a summary, never every point.
        return f"<ContactPoints: {len(self.points):,} from {self.source}>"


def read_contact_points(
    path: Path, *, label: str, system_id: str | None, cache: TableCache | None = None
) -> ContactPoints:
    """Read the environment's contact points and check the rules that need no mapping.

    Raises:
        InputError: the file cannot be used at all.
    """

    def read() -> ContactPoints:
        if path.suffix.lower() == ".json":
            points, found = _read_json(path, label)
        else:
            points, found = _read_sheet(path, label, cache)
        found.extend(check_contact_points(points, label=label, system_id=system_id))
        return ContactPoints(points=points, source=label, findings=found)

    if cache is None or path.suffix.lower() == ".json":
        return read()
    points_read: ContactPoints = cache.derived(
        ("contact_points", label, system_id), path, CP_FIELDS, read
    )
    return points_read


_SEPARATORS = re.compile(r"[,;\s]+")


def _parse_translations(
    text: str, label: str, where: str, found: list[Finding]
) -> tuple[tuple[int, int | None], ...]:
    out: list[tuple[int, int | None]] = []
    after = ("", "")  # the translation with a subject just read ("0100233:2") and its postkasse
    for token in _SEPARATORS.split(text.strip()):
        if not token:
            continue
        pk, _, subject = _unmarked(token).partition(":")
        # a subject's few digits, not an ID written without its leading zeros as the portal
        # shows it ("0100233:2, 100240" is two postkasser: my review of this rule)
        if after[1] and not subject and is_number(pk) and len(pk) < min(len(after[1]), 4):
            found.append(_subject_alone(token, after, label, where))
            continue  # one after it as short is the next subject (0100233:2,3,4)
        after = (_unmarked(token), pk) if subject and is_number(pk) else ("", "")
        if is_number(pk) and (several := _SEVERAL_SUBJECTS.fullmatch(subject)):
            found.append(_subjects_in_one(token, pk, several, label, where))
            continue
        if not is_number(pk) or (subject and not is_number(subject)):
            found.append(
                F.warning(
                    "CONTACT_POINT_VALUE_INVALID",
                    "Postkasse translation {token!r} is not a number or number:subject.",
                    label,
                    where,
                    token=token,
                )
            )
            continue
        out.append((int(pk), int(subject) if subject else None))
    return tuple(out)


# Two subjects written in one translation with a separator that is no separator of
# translations: a list ("0100233:2/3", "2+3", "2&3", "2|3") or a range ("0100233:2-3")
_SEVERAL_SUBJECTS = re.compile("([0-9]{1,9})([-/+&|])([0-9]{1,9})")
_RANGE_MAX = 10  # a range of more subjects is shown by its ends only


def _subjects_in_one(
    token: str, pk: str, several: re.Match[str], label: str, where: str
) -> Finding:
    """``CONTACT_POINT_VALUE_INVALID`` for a translation that writes several subjects in one
    (``0100233:2/3``, ``0100233:2-3``): not read, as any translation that is not a number or
    number:subject, but the finding says how to write it, each subject with its postkasse
    (a data specialist's pass: only "not a number or number:subject" was said, and the
    consultant tried ``0100233:2,3``, which the kit reads as postkasse 3). A hyphen is a
    range, as a person reads it: ``2-5`` is subjects 2, 3, 4 and 5."""
    first, sep, last = int(several.group(1)), several.group(2), int(several.group(3))
    written = [f"{pk}:{first}", f"{pk}:{last}"]
    if sep == "-" and 0 < last - first < _RANGE_MAX:
        written = [f"{pk}:{n}" for n in range(first, last + 1)]
    elif sep == "-" and last - first >= _RANGE_MAX:
        written = [f"{pk}:{first}", f"{pk}:{first + 1}", "…", f"{pk}:{last}"]
    return F.warning(
        "CONTACT_POINT_VALUE_INVALID",
        "Postkasse translation {token!r} writes several subjects in one, which is not read: write each subject with its postkasse, separated by spaces ({value2}).",
        label,
        where,
        token=token,
        value2=" ".join(written),
    )


def _subject_alone(token: str, after: tuple[str, str], label: str, where: str) -> Finding:
    """``CONTACT_POINT_VALUE_INVALID`` for a number shorter than a postkasse ID right after
    a translation with a subject: in "0100233:2,3" the 3 is subject 3 of 0100233 as a person
    reads it and postkasse 3 as the separators do (a data specialist's pass: a translation of
    a postkasse that is none, and subject 3 unmapped without a word on why). Neither is
    guessed: the token is not read, and the finding says how to write it."""
    return F.warning(
        "CONTACT_POINT_VALUE_INVALID",
        "Postkasse translation {token!r} follows {value!r} in the Postkasse IDs cell and is too short for a postkasse ID, so it is not read: write each subject with its postkasse ({value2}), or the whole postkasse ID.",
        label,
        where,
        token=token,
        value=after[0],
        value2=f"{after[0]} {after[1]}:{_unmarked(token)}",
    )


# Excel's text markers on an ID, as the export's are read (``mailboxes.text_marked_ids``): a
# leading apostrophe ("'0100233", pasted from a tool that writes it into the cell, or on the
# first ID of a cell typed so) and a CSV's text formula ="0100233"
_MARKED = re.compile('\'([0-9]+(?::[0-9]+)?)|="([0-9]+(?::[0-9]+)?)"')


def _unmarked(token: str) -> str:
    """A translation without Excel's text marker (``'0100233:2`` is ``0100233:2``); any
    other token as it is. A data specialist's pass: the marked IDs of a contact point were
    each CONTACT_POINT_VALUE_INVALID, and their mailboxes unmapped, where the export's same
    IDs so marked were read as their digits."""
    if token[:1] not in ("'", "="):
        return token
    found = _MARKED.fullmatch(token)
    return (found.group(1) or found.group(2)) if found else token


CONTINUED = ("citizens", "companies", "authorities", "hidden", "visible", "active", "system_id")


def _continues(cells: dict[str, str], previous: ContactPoint) -> bool:
    """A row that only carries more translations of the contact point above it: no ID, the
    same name, nothing else but postkasse IDs (``contact-point-plan.xlsx`` writes such rows
    when one contact point's IDs would pass Excel's 32,767 characters in a cell)."""
    return (
        not cells.get("id", "").strip()
        and cells.get("name", "").strip() == previous.name.strip()
        and bool(cells.get("postkasse_ids", "").strip())
        and not any(cells.get(k, "").strip() for k in CONTINUED)
    )


def _read_sheet(
    path: Path, label: str, cache: TableCache | None
) -> tuple[list[ContactPoint], list[Finding]]:
    table = read_table(path, CP_FIELDS, label=label, cache=cache, hidden=True)
    found: list[Finding] = F.Bounded()
    found += formula_findings(table, label, columns=_FORMULA_COLUMNS)
    points: list[ContactPoint] = []
    names = list(table.columns)
    hidden = set(table.hidden_rows)
    unseen: dict[int, int] = {}  # index in points -> the first hidden row it was read from
    for num, row in zip(table.row_numbers, table.rows, strict=True):
        cells = dict(zip(names, row, strict=True))
        where = table.where(num)
        if (num, "postkasse_ids") in table.at_cell_limit:
            cells["postkasse_ids"] = _without_cut_id(cells, label, where, found)
        if points and _continues(cells, points[-1]):
            # a plan row whose translations did not fit one cell goes on below it
            points[-1] = replace(
                points[-1],
                translations=points[-1].translations
                + _parse_translations(cells.get("postkasse_ids", ""), label, where, found),
            )
            if num in hidden:
                unseen.setdefault(len(points) - 1, num)
            continue
        point = _row_point(cells, label, where, found)
        if point is not None:
            points.append(point)
            if num in hidden:
                unseen[len(points) - 1] = num
    found += _hidden_rows([(unseen[i], points[i]) for i in sorted(unseen)], table, label)
    found += open_in_excel(path, label)
    return points, found


# the last ID of a cell, matched from the cell's end, read backwards (a search for it from the
# front, with $ after it, is quadratic on a 32,767-character cell of few separators)
_LAST_ID = re.compile(r"[,;\s]*([^,;\s]+)")


def _without_cut_id(cells: dict[str, str], label: str, where: str, found: list[Finding]) -> str:
    """The Postkasse IDs of a cell exactly Excel's 32,767 characters long without its last ID,
    and ``CONTACT_POINT_CELL_CUT`` for it. Excel (and openpyxl) cut a longer text at the limit
    without a word, most often in the middle of an ID: half an ID read as a translation told
    the portal administrator to remove postkasse "0" (a consultant's 20,000 mailboxes). The
    last ID is not read, whole or not: a portal instruction for half an ID is worse than
    none, and the ones after it are missing anyway."""
    text = cells.get("postkasse_ids", "")
    last = _LAST_ID.match(text[::-1])
    if last is None:
        return text
    found.append(
        F.error(
            "CONTACT_POINT_CELL_CUT",
            "The Postkasse IDs cell of contact point {name!r} is 32,767 characters long, the most Excel keeps in a cell: it was almost certainly cut there, so the translations after it are missing and its last ID {token!r} is likely cut and is not read. Have the customer export the translations again with those that do not fit in rows below it, each row with the contact point name, no ID and nothing but Postkasse IDs (as contact-point-plan.xlsx writes them; the kit reads such rows as more translations of the contact point above), every cell under 32,767 characters.",
            label,
            where,
            name=cells.get("name", ""),
            token=shortened(last.group(1)[::-1], 40),  # a cell of no separators is one token
        )
    )
    return text[: len(text) - last.end()]


# The contact-point file's columns, as CELL_FORMULA_NO_VALUE names them: a formula Excel
# never saved a value for reads as blank, and a blank means something here (no translations,
# active, visible, no target), so each is named, as in the export and the mapping file
_FORMULA_COLUMNS = {
    "id": "contact point ID",
    "name": "contact point name",
    "citizens": "citizens target",
    "companies": "companies target",
    "authorities": "authorities target",
    "hidden": "hidden flag",
    "visible": "visible flag",
    "active": "active flag",
    "system_id": "receiving system",
    "postkasse_ids": "postkasse IDs",
}


def _hidden_rows(unseen: list[tuple[int, ContactPoint]], table: Any, label: str) -> list[Finding]:
    """``CONTACT_POINT_ROWS_HIDDEN`` for the rows a filter left on (or Hide) keeps out of
    sight in Excel: read like the others, so a contact point the consultant filtered away
    still receives the mailboxes its translations name (a data specialist's pass: the
    export's hidden rows were named, a hidden contact point with translations not)."""
    if not unseen:
        return []
    rows = [row for row, _point in unseen]
    names = [p.name or p.id for _row, p in unseen]
    translations = sum(len(p.translations) for _row, p in unseen)
    return [
        F.warning(
            "CONTACT_POINT_ROWS_HIDDEN",
            "Row {value} is hidden in Excel and read like the others: contact point {name!r} is used, and its {count} postkasse translation(s) map mailboxes to it; show the row in Excel if it is meant to be used, or remove it from the file (and its translations from Administrativ Adgang) if not."
            if len(rows) == 1 and translations
            else "Row {value} is hidden in Excel and read like the others: contact point {name!r} is used as any other (a mapping row or a decision may send mailboxes to it); show the row in Excel if it is meant to be used, or remove it from the file (and from Administrativ Adgang) if not."
            if len(rows) == 1
            else "{count2} row(s) hidden in Excel (rows {value}) are read like the others: their contact points ({name}) are used, and their {count} postkasse translation(s) map mailboxes to them; show the rows in Excel if they are meant to be used, or remove them from the file (and their translations from Administrativ Adgang) if not."
            if translations
            else "{count2} row(s) hidden in Excel (rows {value}) are read like the others: their contact points ({name}) are used as any other (a mapping row or a decision may send mailboxes to them); show the rows in Excel if they are meant to be used, or remove them from the file (and from Administrativ Adgang) if not.",
            label,
            table.where(rows[0]),
            value=F.first_of(rows),
            name=names[0] if len(rows) == 1 else F.first_of(names),
            count=translations,
            count2=len(rows),
        )
    ]


def _row_point(
    cells: dict[str, str], label: str, where: str, found: list[Finding]
) -> ContactPoint | None:
    """One row of the sheet as a contact point, or None when its ID is missing or not a
    GUID (a finding each); values that are not yes/no are findings and read as unset."""
    guid = canonical_guid(cells.get("id", ""))
    if guid is None and not cells.get("id", "").strip():
        found.append(
            F.error(
                "CONTACT_POINT_GUID_INVALID",
                "Contact point {name!r} has no ID: fill in its ID from Administrativ Adgang.",
                label,
                where,
                name=cells.get("name", ""),
            )
        )
        return None
    if guid is None:
        found.append(
            F.error(
                "CONTACT_POINT_GUID_INVALID",
                "Contact point ID {value!r} is not a GUID.",
                label,
                where,
                value=cells.get("id", ""),
            )
        )
        return None
    flags: dict[str, bool | None] = {}
    for key in ("citizens", "companies", "authorities", "hidden", "visible", "active"):
        try:
            flags[key] = parse_bool(cells.get(key, ""))
        except ValueError:
            found.append(
                F.error(
                    "CONTACT_POINT_VALUE_INVALID",
                    "{value} value {value2!r} is not ja/nej/yes/no/x/true/false/1/0.",
                    label,
                    where,
                    value=key.capitalize(),
                    value2=cells[key],
                )
            )
            flags[key] = None
    hidden, visible = flags["hidden"], flags["visible"]
    if hidden is not None and visible is not None and hidden == visible:
        found.append(
            F.error(
                "CONTACT_POINT_VISIBILITY_CONFLICT",
                "Contact point {guid} says Hidden={hidden!r} and Visible={visible!r}; they contradict.",
                label,
                where,
                guid=guid,
                hidden=cells["hidden"],
                visible=cells["visible"],
            )
        )
    is_visible = visible if visible is not None else (not hidden if hidden is not None else True)
    targets = tuple(
        t
        for t, k in zip(TARGETS, ("citizens", "companies", "authorities"), strict=True)
        if flags[k]
    )
    system = cells.get("system_id", "").strip()
    return ContactPoint(
        id=guid,
        name=cells.get("name", ""),
        targets=targets,
        active=flags["active"] if flags["active"] is not None else True,
        visible=is_visible,
        system_id=(canonical_guid(system) or system) if system else None,
        translations=_parse_translations(cells.get("postkasse_ids", ""), label, where, found),
        location=where,
    )


def _json_id(value: object) -> int:
    """A postkasse or subject ID from NgDP's JSON: a whole number of at most 18 digits, as a
    number or as text. ``true``, ``1.9``, ``-5``, ``1e400`` and ``Infinity`` are none (a
    ValueError)."""
    if type(value) is int and 0 <= value < 10**NUMBER_DIGITS:
        return value
    if isinstance(value, str) and is_number(value.strip()):
        return int(value.strip())
    raise ValueError("not a whole number of at most 18 digits")


def _json_translations(
    item: dict[str, Any], guid: str, label: str, where: str, found: list[Finding]
) -> tuple[tuple[int, int | None], ...]:
    """A JSON contact point's translations; one that is not a whole postkasse ID (with an
    optional subject) is a finding and left out."""
    translations: list[tuple[int, int | None]] = []
    listed = item.get("translations") or []
    for t in listed if isinstance(listed, list) else [listed]:
        try:
            if not isinstance(t, dict):
                raise TypeError("not an object")
            subject = t.get("postkasseEmneId")
            translations.append(
                (
                    _json_id(t["postkasseId"]),
                    None if subject in (None, "") else _json_id(subject),
                )
            )
        except (KeyError, TypeError, ValueError):
            text = shortened(repr(t), 80)
            found.append(
                F.warning(
                    "CONTACT_POINT_VALUE_INVALID",
                    "Translation {t} of contact point {guid} has no numeric postkasseId.",
                    label,
                    where,
                    t=text,
                    guid=guid,
                )
            )
    return tuple(translations)


def _read_json(path: Path, label: str) -> tuple[list[ContactPoint], list[Finding]]:
    check_size(path, label)
    try:
        # a "\ud800" escape is no character: U+FFFD, as a reader shows it (writing it crashed)
        data = without_lone_surrogates(json.loads(path.read_bytes().decode("utf-8-sig")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{label}: not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise InputError(f"{label}: not usable JSON: nested too deeply") from exc
    if isinstance(data, dict):
        data = data.get("content", data.get("contactPoints", data.get("items")))
    if not isinstance(data, list):
        raise InputError(f"{label}: expected the NgDP API's list of contact points (a JSON array)")
    found: list[Finding] = F.Bounded()
    points: list[ContactPoint] = []
    for i, item in enumerate(data):
        where = f"[{i}]"
        if not isinstance(item, dict):
            found.append(
                F.error(
                    "CONTACT_POINT_GUID_INVALID",
                    "Entry {i} is not a contact point object.",
                    label,
                    where,
                    i=i,
                )
            )
            continue
        guid = canonical_guid(str(item.get("id", "")))
        if guid is None:
            found.append(
                F.error(
                    "CONTACT_POINT_GUID_INVALID",
                    "Contact point id {value!r} is not a GUID.",
                    label,
                    where,
                    value=item.get("id"),
                )
            )
            continue
        translations = _json_translations(item, guid, label, where, found)
        system = item.get("systemId")
        listed_targets = item.get("targets") or []
        flags = {}
        for key in ("active", "visible"):
            flag = item.get(key, True)
            if not isinstance(flag, bool):
                found.append(
                    F.warning(
                        "CONTACT_POINT_VALUE_INVALID",
                        "{key} of contact point {guid} is {value}, not true or false: read as true.",
                        label,
                        where,
                        key=key,
                        guid=guid,
                        value=shortened(repr(flag), 40),
                    )
                )
                flag = True
            flags[key] = flag
        points.append(
            ContactPoint(
                id=guid,
                name=clean_text(str(item.get("name", ""))),  # as a cell: no control bytes
                targets=tuple(
                    t
                    for t in (listed_targets if isinstance(listed_targets, list) else ())
                    if isinstance(t, str) and t in TARGETS
                ),
                active=flags["active"],
                visible=flags["visible"],
                system_id=(canonical_guid(str(system)) or clean_text(str(system)))
                if system
                else None,
                translations=translations,
                location=where,
            )
        )
    return points, found


def check_contact_points(
    points: list[ContactPoint], *, label: str, system_id: str | None
) -> list[Finding]:
    """Rules on the list itself; the rules that need the mapping live in :mod:`ngdpkit.inputs.mapping`."""
    found: list[Finding] = F.Bounded()
    places: dict[str, list[str]] = {}
    for p in points:
        places.setdefault(p.id, []).append(p.location)
    for guid, where in places.items():
        if len(where) > 1:
            found.append(
                F.error(
                    "CONTACT_POINT_DUPLICATE",
                    "Contact point {guid} is listed {count} times (at {value}).",
                    label,
                    where[1],
                    guid=guid,
                    count=len(where),
                    value=F.first_of(where),
                )
            )
    for p in points:
        if not p.targets:
            found.append(
                F.error(
                    "CONTACT_POINT_NO_TARGET",
                    "Contact point {name!r} ({id}) has no target; choose at least one of citizens, companies, authorities.",
                    label,
                    p.location,
                    name=p.name,
                    id=p.id,
                )
            )
        if scripts := mixed_scripts(p.name):
            found.append(
                F.warning(
                    "NAME_MIXED_SCRIPTS",
                    "Contact point {name!r} ({id}) mixes letters of several scripts ({scripts}) in one word: it reads like a name in one script and is another, and people will choose the wrong one; write it in one script.",
                    label,
                    p.location,
                    name=p.name,
                    id=p.id,
                    scripts=", ".join(s.title() for s in scripts),
                )
            )
        if not p.name.strip():
            found.append(
                F.warning(
                    "CONTACT_POINT_NAME_BLANK",
                    "Contact point {id} has no name: the pages and mailbox-mapping.xlsx show it without one, and compare cannot match it between test and production (it matches by name).",
                    label,
                    p.location,
                    id=p.id,
                )
            )
    found += contact_point_cpr_findings(points, label)
    if points and not any(p.visible for p in points):
        found.append(
            F.error(
                "CONTACT_POINTS_ALL_HIDDEN",
                "Every contact point is hidden; at least one must be visible.",
                label,
            )
        )
    sys_id = canonical_guid(system_id or "")
    if sys_id and not any(p.system_id in (None, sys_id) for p in points):
        found.append(
            F.error(
                "CONTACT_POINT_NONE_FOR_SYSTEM",
                "No contact point is attached to the receiving system {sys_id}; without one, replies go to the organisation's standard mailbox and are not saved on WorkZone cases.",
                label,
                sys_id=sys_id,
            )
        )
    return found
