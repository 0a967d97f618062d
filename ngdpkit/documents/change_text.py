"""``changes.json`` for people: every change rendered in the run's language (contract §12.8).

A change carries a ``code`` and the ``params`` its message names, as raw JSON values; this
module turns them into sentences through :data:`TEXTS` and renders every value for a
reader: ja/nej for a flag, "ikke sat" for nothing, a contact point's name beside its GUID,
a list as words. No ``True``, ``None`` or Python list ever reaches a page (a test renders
every kind of change in both languages and looks for them).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from .i18n import t

# The message per change code, in both languages. Findings keep their own catalogue
# (ngdpkit.catalogue); these are the changes that are not findings.
TEXTS: dict[str, dict[str, str]] = {
    "MAPPING_ADDED": {
        "da": "Postkasse {mailbox} er ny: {after}.",
        "en": "Mailbox {mailbox} is new: {after}.",
    },
    "MAPPING_REMOVED": {
        "da": "Postkasse {mailbox} er ikke længere i eksporten (var: {before}).",
        "en": "Mailbox {mailbox} is no longer in the export (was: {before}).",
    },
    # MAPPING_REMOVED of a row whose mailbox the export still holds in other rows (another
    # subject): the mailbox is not gone, only this row is (``mailbox_kept`` in its params)
    "MAPPING_ROW_REMOVED": {
        "da": "Postkasse {mailbox} er ikke længere i eksporten med denne række; postkassen har stadig andre rækker i eksporten (var: {before}).",
        "en": "Mailbox {mailbox} is no longer in the export with this row; the mailbox still has other rows in the export (was: {before}).",
    },
    "MAPPING_CHANGED": {
        "da": "Postkasse {mailbox}: {before} → {after}.",
        "en": "Mailbox {mailbox}: {before} → {after}.",
    },
    "MAPPING_RENAMED": {
        "da": "Postkasse {mailbox} hedder nu {to_name} i eksporten (før: {from_name}).",
        "en": "Mailbox {mailbox} is now called {to_name} in the export (was: {from_name}).",
    },
    "MAPPING_UNIT_CHANGED": {
        "da": "Postkasse {mailbox} hører nu til {to_unit} (før: {from_unit}) og lander på {contact_point}.",
        "en": "Mailbox {mailbox} now belongs to {to_unit} (was: {from_unit}) and lands on {contact_point}.",
    },
    "MAPPING_UNIT_RESPELT": {
        "da": "Enheden {from_unit} staves nu {to_unit} i eksporten (rækker: {count}); ingen postkasse er flyttet af den grund.",
        "en": "Unit {from_unit} is now spelt {to_unit} in the export (rows: {count}); no mailbox moved for it.",
    },
    "LIST_CHANGED": {
        "da": "{where}{field}: tilføjet {added}; fjernet {removed}.",
        "en": "{where}{field}: added {added}; removed {removed}.",
    },
    "DISPATCHER_CHANGED": {
        "da": "Dispatcherens {field}: {before} → {after}.",
        "en": "The dispatcher's {field}: {before} → {after}.",
    },
    "CHECKLIST_CHANGED": {
        "da": "Trin {step} ({title}): {before} → {after}{detail}.",
        "en": "Step {step} ({title}): {before} → {after}{detail}.",
    },
    # CHECKLIST_CHANGED whose status stayed: only its evidence changed
    "CHECKLIST_EVIDENCE_CHANGED": {
        "da": "Trin {step} ({title}): stadig {after}, nyt belæg{detail}.",
        "en": "Step {step} ({title}): still {after}, new evidence{detail}.",
    },
    "DISPATCHER_SHOWN_AGAIN": {
        "da": "Dispatcherens værdier vises igen efter kørslen {run}, der holdt dem tilbage: sammenlign dem med det, der står i Configurator.",
        "en": "The dispatcher's values are shown again after run {run}, which withheld them: compare them with what Configurator holds.",
    },
    "DISPATCHER_WITHHELD": {
        "da": "Dispatcherens værdier er holdt tilbage i denne kørsel ({codes}): de vises igen, når fejlene er rettet. Ret ikke værdierne i Configurator på grund af dette.",
        "en": "The dispatcher's values are withheld in this run ({codes}): they are shown again once the errors are fixed. Do not change the values in Configurator because of this.",
    },
    "PORTAL_SYSTEM_CHANGED": {
        "da": "Systemets {field} i portalen: {before} → {after}.",
        "en": "The system's {field} in the portal: {before} → {after}.",
    },
    "PORTAL_CONTACT_POINT_CHANGED": {
        "da": "Kontaktpunktet {contact_point}, {field}: {before} → {after}.",
        "en": "Contact point {contact_point}, {field}: {before} → {after}.",
    },
    "PORTAL_CONTACT_POINT_ADDED": {
        "da": "Kontaktpunktet {contact_point} er nyt i denne kørsel (oversættelser: {count}).",
        "en": "Contact point {contact_point} is new in this run (translations: {count}).",
    },
    "PORTAL_CONTACT_POINT_REMOVED": {
        "da": "Kontaktpunktet {contact_point} er ikke længere blandt kontaktpunkterne (oversættelser før: {count}).",
        "en": "Contact point {contact_point} is no longer among the contact points (translations before: {count}).",
    },
    "OUTPUT_CHANGED": {
        "da": "{file} har nyt indhold.",
        "en": "{file} has new content.",
    },
    # what OUTPUT_CHANGED of firewall-rules.csv adds when its servers changed
    "SERVERS_ADDED": {
        "da": "Nye servere i firewall-reglerne: {servers}.",
        "en": "New servers in the firewall rules: {servers}.",
    },
    "SERVERS_REMOVED": {
        "da": "Servere fjernet fra firewall-reglerne: {servers}.",
        "en": "Servers removed from the firewall rules: {servers}.",
    },
    # OUTPUT_CHANGED's sentences for a deliverable that one of the two runs did not write
    "OUTPUT_ADDED": {
        "da": "{file} er ny i denne kørsel.",
        "en": "{file} is new in this run.",
    },
    "OUTPUT_REMOVED": {
        "da": "{file} skrives ikke længere.",
        "en": "{file} is no longer written.",
    },
    # The reason is the kit's own (English) sentence: quoted, after a sentence of the page's.
    "CHANGES_NOT_COMPARED": {
        "da": "Den forrige kørsel {run} kan ikke sammenlignes med denne: «{reason}».",
        "en": "The previous run {run} cannot be compared with this one: “{reason}”.",
    },
}
# What each change code is called in the summary table.
TITLES: dict[str, dict[str, str]] = {
    "MAPPING_ADDED": {"da": "Ny postkasse", "en": "New mailbox"},
    "MAPPING_UNIT_RESPELT": {"da": "Enhed stavet anderledes", "en": "Unit spelt anew"},
    "MAPPING_REMOVED": {"da": "Postkasse fjernet", "en": "Mailbox removed"},
    "MAPPING_CHANGED": {"da": "Tilknytning ændret", "en": "Mapping changed"},
    "MAPPING_RENAMED": {"da": "Postkasse omdøbt", "en": "Mailbox renamed"},
    "MAPPING_UNIT_CHANGED": {
        "da": "Postkasse flyttet til en anden enhed",
        "en": "Mailbox moved to another unit",
    },
    "LIST_CHANGED": {
        "da": "{where}{field}: tilføjet {added}; fjernet {removed}.",
        "en": "{where}{field}: added {added}; removed {removed}.",
    },
    "DISPATCHER_CHANGED": {"da": "Dispatcher-værdi ændret", "en": "Dispatcher value changed"},
    "CHECKLIST_CHANGED": {"da": "Tjeklistetrin ændret", "en": "Checklist step changed"},
    "DISPATCHER_SHOWN_AGAIN": {
        "da": "Dispatcher-værdier vist igen",
        "en": "Dispatcher values shown again",
    },
    "DISPATCHER_WITHHELD": {
        "da": "Dispatcher-værdier holdt tilbage",
        "en": "Dispatcher values withheld",
    },
    "PORTAL_SYSTEM_CHANGED": {"da": "Systemværdi ændret", "en": "System value changed"},
    "PORTAL_CONTACT_POINT_CHANGED": {
        "da": "Kontaktpunkt ændret",
        "en": "Contact point changed",
    },
    "PORTAL_CONTACT_POINT_ADDED": {"da": "Kontaktpunkt tilføjet", "en": "Contact point added"},
    "PORTAL_CONTACT_POINT_REMOVED": {"da": "Kontaktpunkt fjernet", "en": "Contact point removed"},
    "OUTPUT_CHANGED": {"da": "Leverance med nyt indhold", "en": "Deliverable with new content"},
}
# Field names as a reader knows them; dispatcher parameter names stay as they are (they are
# what the page lists), the kit's internal keys get words.
FIELDS: dict[str, dict[str, str]] = {
    "ready": {"da": "klar til brug", "en": "ready"},
    "system_id": {"da": "system-ID", "en": "system ID"},
    "system_name": {"da": "systemnavn", "en": "system name"},
    "name": {"da": "navn", "en": "name"},
    "protocol": {"da": "protokol", "en": "protocol"},
    "ips": {"da": "IP-adresser", "en": "IP addresses"},
    "allowed_ips": {"da": "tilladte IP-adresser", "en": "allowed IP addresses"},
    "endpoints": {"da": "endepunkter", "en": "endpoints"},
    "receipt_endpoint_url": {"da": "kvitteringsendepunkt", "en": "receipt endpoint"},
    "message_endpoint": {"da": "beskedendepunkt", "en": "message endpoint"},
    "server_ips": {"da": "IP-adresser", "en": "IP addresses"},
    "receipt_format": {"da": "kvitteringsformat", "en": "receipt format"},
    "endpoint": {"da": "beskedendepunkt", "en": "message endpoint"},
    "receipt_endpoint": {"da": "kvitteringsendepunkt", "en": "receipt endpoint"},
    "targets": {"da": "målgrupper", "en": "target groups"},
    "visible": {"da": "synlig", "en": "visible"},
    "translations": {"da": "postkasse-oversættelser", "en": "postkasse translations"},
    "guid": {"da": "kontaktpunkt", "en": "contact point"},
    "status": {"da": "status", "en": "status"},
}
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
TARGETS = {"CITIZEN", "COMPANY", "AUTHORITY"}
MAPPING_STATUSES = {"mapped", "retired", "unmapped", "pending"}
LIST_SHOWN = 8  # items of a list value named before "and N more"


def _lang(language: str) -> str:
    return "da" if language == "da" else "en"


def field_label(field: str, language: str) -> str:
    """A field as a reader knows it (a dispatcher parameter keeps its own name)."""
    words = FIELDS.get(field)
    return words[_lang(language)] if words else field


def human(value: Any, language: str, names: Mapping[str, str] | None = None) -> str:
    """``value`` for a person: ja/nej, "ikke sat", a GUID with its contact point's name,
    a list as words (at most :data:`LIST_SHOWN`, then how many more)."""
    lang = _lang(language)
    if value is None or value == "" or value == [] or value == {}:
        return t(lang, "not_set")
    if isinstance(value, bool):
        return t(lang, "yes" if value else "no")
    if isinstance(value, int | float):  # Danish swaps the separators: 1.234,5
        return f"{value:,}".translate(str.maketrans(",.", ".,") if lang == "da" else {})
    if isinstance(value, list | tuple):
        items = [human(v, lang, names) for v in value]
        shown = ", ".join(items[:LIST_SHOWN])
        if len(items) > LIST_SHOWN:
            shown += " " + t(lang, "and_more", n=len(items) - LIST_SHOWN)
        return shown
    if isinstance(value, dict):
        return "; ".join(
            f"{field_label(str(k), lang)} {human(v, lang, names)}" for k, v in value.items()
        )
    text = str(value)
    if text in TARGETS:
        return t(lang, f"target_{text.lower()}")
    if text in MAPPING_STATUSES:
        return t(lang, text)
    if GUID.match(text):
        name = (names or {}).get(text.lower())
        return f"{name} ({text})" if name else text
    return text


def _mapping_side(side: Any, language: str, names: Mapping[str, str] | None) -> str:
    """A mapping row's destination: the contact point's name and GUID, and its status when
    it is not plainly mapped."""
    if not isinstance(side, Mapping):
        return t(_lang(language), "not_set")
    guid = str(side.get("guid") or "")
    name = str(side.get("contact_point") or "") or (names or {}).get(guid.lower(), "")
    status = str(side.get("status") or "")
    where = f"{name} ({guid})" if name and guid else guid or name
    if status and status != "mapped":
        state = t(_lang(language), status) if status in MAPPING_STATUSES else status
        return f"{where}, {state}" if where else state
    return where or t(_lang(language), "not_set")


def sentence(
    code: str,
    params: Mapping[str, Any],
    language: str,
    names: Mapping[str, str],
    mailboxes: Mapping[str, str] | None = None,
) -> str:
    """One change (not a finding) as a sentence in ``language``; a mapping change says the
    mailbox's name from ``mailboxes`` (by ID) beside its ID."""
    lang = _lang(language)
    before, after = params.get("before"), params.get("after")
    if (
        not code.startswith("MAPPING_")
        and isinstance(before, list)
        and isinstance(after, list)
        and "field" in params
    ):
        return _list_sentence(code, params, before, after, lang, names)
    template = TEXTS.get(code, {}).get(lang)
    if code == "OUTPUT_CHANGED" and params.get("was") in ("added", "removed"):
        # a deliverable new in this run is no "new content" (a customer's week-two read)
        template = TEXTS[f"OUTPUT_{str(params['was']).upper()}"][lang]
    if code == "MAPPING_REMOVED" and params.get("mailbox_kept") is True:
        # a subject's row gone from a mailbox with other rows: "er ikke længere i eksporten"
        # overstated it (a consultant's read: the mailbox was still there)
        template = TEXTS["MAPPING_ROW_REMOVED"][lang]
    if code == "CHECKLIST_CHANGED" and before == after:
        # only its evidence changed (a confirmation of a blocked step): "blokeret → blokeret"
        # read as a change of status (a consultant's cold run)
        template = TEXTS["CHECKLIST_EVIDENCE_CHANGED"][lang]
    if template is None:  # a code from a newer kit: its name and values, still readable
        return f"{code}: " + ", ".join(f"{k} {human(v, lang, names)}" for k, v in params.items())
    values: dict[str, str] = {}
    for key, value in params.items():
        if code == "CHECKLIST_CHANGED":
            values[key] = _checklist_value(key, value, lang)
        elif code.startswith("MAPPING_") and key in ("before", "after"):
            values[key] = _mapping_side(value, lang, names)
        elif key == "field":
            values[key] = field_label(str(value), lang)
        else:
            values[key] = human(value, lang, names)
    if code == "MAPPING_UNIT_CHANGED":  # an empty unit is said, not left blank
        for key in ("from_unit", "to_unit"):
            if not str(params.get(key) or "").strip():
                values[key] = t(lang, "no_unit")
        # "lander på ikke sat" read as a value left out: a mailbox not yet mapped lands on none
        if not str(params.get("contact_point") or "").strip():
            values["contact_point"] = t(lang, "no_contact_point_yet")
    mailbox = str(params.get("mailbox") or "")
    subject = str(params.get("subject") or "")
    # "Postkasse 0100233 (Pas og kørekort; emne 12)": the name first, then the subject
    named = code.startswith("MAPPING_") and code != "MAPPING_RENAMED"  # which says both names
    known = mailboxes or {}
    # the subject's own row's name, else (an older kit's file) the mailbox's
    said = [known.get(row_key(mailbox, subject)) or known.get(mailbox, "")] if named else []
    if subject:
        said.append(f"{t(lang, 'subject').lower()} {subject}")
    if any(said):
        values["mailbox"] = f"{mailbox} ({'; '.join(part for part in said if part)})"
    # a step now blocked says what blocks it, after the evidence in brackets: "ikke verificeret
    # → blokeret (Anne, …: Dispatcher oprettet)" read as if the confirmation blocked it (a
    # customer's week-two read); its next action names the findings
    after_text = ""
    if code == "CHECKLIST_CHANGED" and after == "blocked" and str(params.get("next") or ""):
        after_text = " " + human(params["next"], lang, names)
    for key in ("servers_added", "servers_removed"):  # the firewall order's servers
        if code == "OUTPUT_CHANGED" and isinstance(params.get(key), list) and params[key]:
            after_text += " " + TEXTS[key.upper()][lang].format(servers=human(params[key], lang))
    try:
        return template.format(**values) + after_text
    except (KeyError, IndexError, ValueError):
        return f"{TITLES.get(code, {}).get(lang, code)}: " + ", ".join(values.values())


def _checklist_value(key: str, value: Any, lang: str) -> str:
    """A checklist step's status in words (``not_verified`` is "ikke verificeret"), and its
    evidence's detail in brackets when it has one."""
    from ..deliverables.checklist import STATUS

    text = "" if value is None else str(value)
    if key in ("before", "after"):
        return STATUS.get(lang, STATUS["en"]).get(text, text)
    if key == "detail":
        return f" ({text})" if text else ""
    return text


def _list_sentence(
    code: str,
    params: Mapping[str, Any],
    before: list[Any],
    after: list[Any],
    lang: str,
    names: Mapping[str, str],
) -> str:
    """A list that changed (a contact point's translations, the allowed IPs): what was
    added and what was removed, rather than two long lists side by side."""
    added = [x for x in after if x not in before]
    removed = [x for x in before if x not in after]
    where = {
        "DISPATCHER_CHANGED": t(lang, "change_where_dispatcher"),
        "PORTAL_SYSTEM_CHANGED": t(lang, "change_where_system"),
        "PORTAL_CONTACT_POINT_CHANGED": t(lang, "change_where_contact_point").format(
            name=human(params.get("contact_point"), lang, names)
        ),
    }.get(code, "")
    nothing = t(lang, "nothing")
    return TEXTS["LIST_CHANGED"][lang].format(
        where=where,
        field=field_label(str(params.get("field")), lang),
        added=human(added, lang, names) if added else nothing,
        removed=human(removed, lang, names) if removed else nothing,
    )


def finding_sentence(entry: Mapping[str, Any], language: str) -> str:
    """A finding added or resolved, through the finding catalogue in ``language``. Its
    message in ``findings.json`` is in the run's language, so English is made again from the
    template when it fits (an English ``diff`` of a Danish run showed the Danish message)."""
    from ..findings import Finding, english_text

    try:
        finding = Finding.from_dict(dict(entry))
    except (KeyError, TypeError, ValueError):
        return str(entry.get("message") or "")
    lang = _lang(language)
    if lang == "en" and finding.template:
        params = {str(k): str(v) for k, v in finding.params.items()}
        english = english_text(finding.template, params)
        if english is not None:
            return english
    return finding.text(lang)


def guid_names(change: Mapping[str, Any]) -> dict[str, str]:
    """Contact point names by GUID (lower case), from the mapping changes themselves."""
    names: dict[str, str] = {}
    for entry in change.get("mapping_changed") or []:
        params = entry.get("params") if isinstance(entry, Mapping) else None
        for side in ("before", "after"):
            value = params.get(side) if isinstance(params, Mapping) else None
            if isinstance(value, Mapping) and value.get("guid") and value.get("contact_point"):
                names[str(value["guid"]).lower()] = str(value["contact_point"])
    return names


# changes.json's sections in the document's order, each with the i18n key of its heading
SECTIONS = {
    "findings_added": "changes_added",
    "findings_resolved": "changes_resolved",
    "findings_unchecked": "changes_unchecked",  # gone: the newer run could not check them
    "findings_rechecked": "changes_rechecked",  # back: the previous run could not check them
    "findings_superseded": "changes_superseded",  # gone into their row's Mailbox ID error
    "checklist_changed": "changes_checklist",
    "mapping_changed": "changes_mapping",
    "dispatcher_changed": "changes_dispatcher",
    "portal_changed": "changes_portal",
    "outputs_changed": "changes_outputs",
}


def section_titles(language: str) -> dict[str, str]:
    """Each section's heading in ``language``."""
    return {section: t(language, key) for section, key in SECTIONS.items()}


def mailbox_names(change: Mapping[str, Any]) -> dict[str, str]:
    """Mailbox names by ID, from the changes' ``mailbox_names`` (absent from an older kit's
    file); an entry of one subject's row by ``ID:subject`` (:func:`row_key`)."""
    entries = change.get("mailbox_names")
    return {
        row_key(str(e["mailbox"]), str(e.get("subject") or "")): str(e["name"])
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, Mapping) and e.get("mailbox") and e.get("name")
    }


def row_key(mailbox: str, subject: str) -> str:
    """A row's key among :func:`mailbox_names`: the ID, with ``:subject`` for a subject's row."""
    return f"{mailbox}:{subject}" if subject else mailbox


def lines(change: Mapping[str, Any], language: str) -> list[tuple[str, str, str, str]]:
    """Every change as (section, code, unit, sentence), in the document's order."""
    names = guid_names(change)
    mailboxes = mailbox_names(change)
    out: list[tuple[str, str, str, str]] = []
    for section in SECTIONS:
        for entry in change.get(section) or []:
            if not isinstance(entry, Mapping):
                continue
            code = str(entry.get("code") or "")
            unit = str(entry.get("unit") or "")
            if section.startswith("findings_"):
                text = finding_sentence(entry, language)
            else:
                params = entry.get("params")
                text = sentence(
                    code,
                    params if isinstance(params, Mapping) else {},
                    language,
                    names,
                    mailboxes,
                )
            out.append((section, code, unit, text))
    return out


def units_moved(change: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """(old unit, new unit, mailboxes) for each unit whose ``MAPPING_UNIT_CHANGED`` moves all
    went to one other unit, two or more of them: a unit renamed in the export read as 200
    moves, one per mailbox, and nothing said it was one rename. Each move stays listed (the
    kit cannot tell a renamed unit from mailboxes sent elsewhere); this is the line above
    them. In the order of the first move of each. A move is a row (mailbox and subject): the
    mailboxes are counted once each (a unit of 3 mailboxes with 4 subjects each read "for 12
    mailboxes")."""
    targets: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    mailboxes: dict[str, set[str]] = {}
    for entry in change.get("mapping_changed") or []:
        params = entry.get("params") if isinstance(entry, Mapping) else None
        if entry.get("code") != "MAPPING_UNIT_CHANGED" or not isinstance(params, Mapping):
            continue
        old = str(params.get("from_unit") or "")
        targets.setdefault(old, set()).add(str(params.get("to_unit") or ""))
        mailboxes.setdefault(old, set()).add(str(params.get("mailbox") or ""))
        counts[old] += 1
    return [
        (old, next(iter(new)), len(mailboxes[old]))
        for old, new in targets.items()
        if old and len(new) == 1 and next(iter(new)) and counts[old] >= 2
    ]


def unit_moved_lines(change: Mapping[str, Any], language: str, *, listed: bool) -> list[str]:
    """:func:`units_moved` as ``diff`` says them above its changes: ``listed`` when each move
    is printed below, else they are counted by code and unit there (past ``DIFF_ROWS``
    without ``--all``), and the line says so: "hver er nævnt nedenfor" stood above a summary
    of two counts (a Danish coordinator's read: 43 moves of one renamed unit, none listed)."""
    from ..redact import one_line
    from .i18n import number

    key = "diff_unit_moved" if listed else "diff_unit_moved_counted"
    return [
        t(language, key, old=one_line(old), new=one_line(new), n=number(language, n))
        for old, new, n in units_moved(change)
    ]


def summary(change: Mapping[str, Any], language: str) -> list[tuple[str, str, str, int]]:
    """Changes counted by (section, code, unit), in the document's order: what the
    front page shows (the sentences go to the appendix)."""
    counted = Counter((s, c, u) for s, c, u, _text in lines(change, language))
    order = {s: i for i, s in enumerate(SECTIONS)}
    return [
        (s, c, u, n)
        for (s, c, u), n in sorted(
            counted.items(), key=lambda x: (order[x[0][0]], x[0][1], x[0][2])
        )
    ]


def code_title(section: str, code: str, language: str) -> str:
    """The summary's name for a code: a finding's catalogue title, else the change's."""
    lang = _lang(language)
    if section.startswith("findings_"):
        from ..catalogue import title

        return (title(code) if lang == "da" else "") or code_words(code)
    return TITLES.get(code, {}).get(lang, code)


WORDS = {"CERT": "certificate", "NET": "network", "NGDP": "NgDP", "IP": "IP", "IPS": "IPs",
         "CVR": "CVR", "TLS": "TLS", "P12": ".p12", "OCSP": "OCSP", "API": "API", "URL": "URL",
         "MEMO": "MeMo", "ID": "ID", "CA": "CA", "WINHTTP": "WinHTTP"}  # fmt: skip


def code_words(code: str) -> str:
    """A code read as words ("CERT_EXPIRED" → "Certificate expired"): the English title
    (the catalogue's titles are Danish)."""
    words = [WORDS.get(w, w.lower()) for w in code.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def codes_in_words(codes: Iterable[str], language: str) -> str:
    """Finding codes as a reader of a page takes them: each one's title in the page's language,
    its code in brackets for the consultant who looks it up ("Postkassen er ikke tilknyttet
    et kontaktpunkt (MAILBOX_UNMAPPED)"); a signing customer read "ikke klar:
    MAILBOX_UNMAPPED" (a consultant's cold run)."""
    from ..catalogue import title

    lang = _lang(language)
    said = []
    for code in codes:
        words = (title(code) if lang == "da" else "") or code_words(code)
        said.append(f"{words} ({code})" if words and words != code else code)
    return "; ".join(said)


def unit_counts(units: Iterable[str], language: str) -> str:
    """'Borgerservice 3, Børn og Unge 2' (the environment as a whole when no unit)."""
    counted = Counter(u or t(_lang(language), "whole_environment") for u in units)
    return ", ".join(f"{u} {n}" for u, n in counted.most_common())


# Which unit a finding belongs to: by the mailbox its parameters name, else by its row.
MAILBOX_PARAMS = ("mailbox", "mailbox_id", "mid")


def unit_of(f: dict[str, Any], units: tuple[dict[str, str], dict[str, str]]) -> str:
    by_id, by_row = units
    raw = f.get("params")
    params: dict[str, Any] = raw if isinstance(raw, dict) else {}
    for name in MAILBOX_PARAMS:
        if not params.get(name):
            continue
        said = str(params[name])
        # a mailbox with its subject ("0101204:1", as NgDP's translations name it) is the
        # mailbox's unit: a customer's read counted 22 of them under "hele miljøet"
        for mid in (said, said.split(":", 1)[0]):
            if mid in by_id:
                return by_id[mid]
    return by_row.get(str(f.get("location") or ""), "")
