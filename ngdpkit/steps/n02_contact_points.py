"""Step 02: contact points and the mailbox mapping."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..checks.ngdp_compare import compact_todo, removals_offline
from ..documents import display
from ..documents.i18n import local_time, number, t
from ..findings import Finding
from ..inputs.decisions import Decision, DecisionLog
from ..inputs.mapping import MappingCounts
from .core import Step, pending
from .deliver import OutputContext
from .records import ContactPointsRecord, MailboxesRecord


def mailboxes_from_step(step: Step) -> Any:
    return step.previous(MailboxesRecord).mailboxes


def load_contact_points(step: Step) -> Any:
    from ..inputs.contact_points import read_contact_points

    path = step.env.contact_points
    if step.env.contact_points_ngdp:
        return _contact_points_from_ngdp(step)
    if path is None:
        pending(
            step,
            "contact_points",
            "the mapping cannot be checked against NgDP; a contact point plan is proposed instead",
        )
        step.set(contact_points=None)
        return None
    cps = read_contact_points(
        path, label=step.rel(path), system_id=step.env.system_id, cache=step.tables
    )
    step.record_input(path)
    step.add(cps.findings)
    step.set(contact_points=tuple(cps.points), contact_points_source="file")
    cps.language = step.language
    return cps


def show_contact_points(step: Step, contact_points: Any) -> Any:
    """The contact points under their heading; without them one sentence on what is missing
    and what to do (a consultant's read: the page's "Kontaktpunkter" stood over nothing,
    and the coverage below counted 200 mailboxes of no source)."""
    if contact_points is not None:
        return contact_points
    lang = step.language
    key = "contact_points_none_ngdp" if step.env.contact_points_ngdp else "contact_points_none"
    # a mapping file or decisions map mailboxes without the contact points (a consultant's
    # read: "så ingen postkasse kan tilknyttes" above a coverage of 65 mailboxes mapped)
    if step.env.mapping is not None or step.settings.decisions_path(step.env.name).is_file():
        key += "_mapping"
    elif _export_has_guids(step):
        # the export's own NgDP Guid column maps its mailboxes (rare; mailboxes_environment):
        # "så ingen postkasse kan tilknyttes" was false over the mailboxes it maps
        key += "_export"
    return display.block(display.para(t(lang, key)))


def _export_has_guids(step: Step) -> bool:
    """Whether the export read in step 01 holds a contact point GUID for a mailbox of this
    environment (its NgDP Guid column, blank unless the settings say it is this one's)."""
    frame = step.previous(MailboxesRecord).mailboxes
    if frame is None or "ngdp_guid" not in frame.columns:
        return False
    return bool((frame["ngdp_guid"].astype(str).str.strip() != "").any())


def _contact_points_from_ngdp(step: Step) -> Any:
    """``contact_points = "ngdp"``: NgDP's own listing is the source (``--online``)."""
    from ..inputs.contact_points import ContactPoint, ContactPoints, check_contact_points
    from .ngdp_read import observe

    observation = observe(step) if step.online else None
    if observation is None or observation.contact_points is None:
        pending(step, "contact_points", "", said="pending_contact_points_ngdp", is_set=True)
        step.set(contact_points=None)
        return None
    points = [
        ContactPoint(
            id=p.id,
            name=p.name,
            targets=tuple(t for t in p.targets if t in ("CITIZEN", "COMPANY", "AUTHORITY")),
            active=p.active is not False,
            visible=p.visible is not False,
            system_id=p.system_id,
            translations=tuple((t.postkasse, t.emne) for t in p.translations),
            location=f"NgDP[{i}]",
        )
        for i, p in enumerate(observation.contact_points)
    ]
    source = f"NgDP {observation.base_url}"
    found = check_contact_points(points, label=source, system_id=step.env.system_id)
    step.add(found)
    step.set(contact_points=tuple(points), contact_points_source="ngdp")
    cps = ContactPoints(points, source, list(found))
    cps.language = step.language
    return cps


def read_ngdp(step: Step, mapping: Any, *, offline_todo: bool = True) -> display.HTML:
    """With ``--online``: NgDP's own contact points and translations against this run's
    mapping (and the contact points file), and the portal administrator's to-do. Offline:
    the to-do lists every planned translation as not verified, and each translation of the
    contact points file this run does not map to its contact point, to remove if present
    (``offline_todo``: it finds nothing, so ``check``, which writes no file, leaves it out)."""
    from ..checks.ngdp_compare import compare_contact_points, compare_translations, planned_todo
    from .ngdp_read import observe

    env = step.env
    frame = mapping.frame if mapping is not None else None
    used = set()
    if frame is not None and len(frame):
        used = {g for g in frame.loc[frame["status"] == "mapped", "ngdp_guid"].unique() if g}
    if env.default_contact_point:
        used.add(env.default_contact_point)
    names = {p.id: p.name for p in step.own(ContactPointsRecord).contact_points or ()}
    observation = observe(step, used) if step.online else None
    if observation is None:
        if offline_todo:
            own = step.own(ContactPointsRecord)
            file_points = own.contact_points if own.contact_points_source == "file" else None
            step.set(portal_todo=planned_todo(frame, names, file_points))
        return _ngdp_summary(step)
    source = f"NgDP {observation.base_url}"
    if step.own(ContactPointsRecord).contact_points_source == "file":
        step.add(
            compare_contact_points(
                observation,
                step.own(ContactPointsRecord).contact_points,
                used,
                source=step.rel(env.contact_points),
                system_id=env.system_id,
            )
        )
    else:
        step.add(
            compare_contact_points(observation, None, used, source=source, system_id=env.system_id)
        )
    found, todo = compare_translations(observation, frame, source=source)
    step.add(found)
    step.set(portal_todo=todo)
    return _ngdp_summary(step)


def check_register(step: Step, mapping: Any) -> display.HTML:
    """``workzone_register``: the Configurator export of Mailbox mappings, row by row against
    this run's mapping (WZ_REGISTER_*); when it matches, checklist step 6 is observed."""
    from ..checks.evidence import compare_register

    path = step.env.workzone_register
    lang = step.language
    if path is None:
        return display.block(display.para(t(lang, "register_none")))
    comparison, found = compare_register(
        path,
        mapping.frame if mapping is not None else None,
        label=step.rel(path),
        cache=step.tables,
    )
    step.record_input(path)
    step.add(found)
    step.set(register=comparison)
    return display.key_values(
        [
            (t(lang, "register_rows"), str(comparison.rows)),
            (t(lang, "register_compared"), str(comparison.compared)),
            ("WZ_REGISTER_GUID_DIFFERS", str(comparison.differs)),
            ("WZ_REGISTER_GUID_MISSING", str(comparison.guid_missing)),
            ("WZ_REGISTER_ROW_MISSING", str(comparison.row_missing)),
            ("WZ_REGISTER_ROW_EXTRA", str(comparison.extra)),
        ],
        title=t(lang, "register_title"),
        language=lang,
    )


def _ngdp_summary(step: Step) -> display.HTML:
    lang = step.language
    obs, todo = step.own(ContactPointsRecord).ngdp, step.own(ContactPointsRecord).portal_todo
    pairs: list[tuple[str, Any]] = []
    if obs is None:
        pairs.append((t(lang, "ngdp_read"), t(lang, "ngdp_not_read")))
    else:
        # the time in Danish time and the listing's count in words (a signer's read: "Læst fra
        # … (2026-12-07T08:20:07Z)" and "Kontaktpunkt | 11/11", where the checklist said
        # "07-12-2026 kl. 09:20")
        pairs += [
            (t(lang, "ngdp_read"), f"{obs.base_url} ({local_time(obs.fetched_at, lang)})"),
            (t(lang, "organisation"), obs.organisation.name if obs.organisation else "-"),
            (
                t(lang, "ngdp_listing_read"),
                "-"
                if obs.contact_points is None
                else t(
                    lang,
                    "ngdp_listing_of",
                    read=number(lang, obs.listing_read),
                    total="?" if obs.listing_total is None else number(lang, obs.listing_total),
                ),
            ),
        ]
    if todo is not None:  # offline every planned translation: none known to add or remove
        # (a customer's cold read took 199 "to add or remove" for a comparison with NgDP)
        label = t(lang, "portal_todo" if todo.verified else "portal_todo_planned")
        removals = removals_offline(todo)
        pairs.append((label, str(todo.count - removals)))
        if removals:  # offline: the contact points file's translations this run does not map
            pairs.append((t(lang, "portal_todo_remove_planned"), str(removals)))
    # under its section's own heading ("NgDP selv"): no second heading saying the same
    return display.key_values(pairs, language=lang)


def load_mapping_file(step: Step) -> Any:
    from ..inputs.mapping import read_mapping_file

    path = step.env.mapping
    if path is None and step.settings.decisions_path(step.env.name).is_file():
        return None  # the decisions map mailboxes: no mapping file is needed beside them
    if path is None:  # PENDING_MAPPING is said with the mapping, when a mailbox is left
        return None
    mapping = read_mapping_file(path, label=step.rel(path), cache=step.tables)
    step.record_input(path)
    step.add(mapping.findings)
    return mapping


def load_decisions(step: Step, frame: Any, points: Any) -> tuple[Any, ...]:
    """The consultant's decisions (§12.7), read again each time the mapping is made: an input
    of the run (hashed in the audit), each decision it cannot use a finding."""
    read = read_usable_decisions(step, frame, points)
    if read.log is None:
        step.set(decisions=None)
        return ()
    step.record_input(read.path)
    step.add(list(read.findings))
    step.set(
        decisions=replace(
            read.log,
            decisions=read.usable,
            unused=len(read.log.decisions) - len(read.usable) + read.invalid_rows,
        )
    )
    return read.usable


@dataclass(frozen=True, slots=True)
class DecisionsRead:
    """The decisions file as it is now: ``log`` is None when there is no file."""

    path: Path
    log: DecisionLog | None
    usable: tuple[Decision, ...] = ()
    findings: tuple[Finding, ...] = ()
    invalid_rows: int = 0  # rows that are no decision at all (DECISION_INVALID)


def read_usable_decisions(step: Step, frame: Any, points: Any) -> DecisionsRead:
    """Read the step's environment's decisions file and check it against ``frame`` (the
    export) and ``points`` (the contact points, None while unknown). Changes nothing on the
    step: the editor recomputes with it and leaves the notebook's findings as they are."""
    from ..inputs.decisions import check_against, read_decisions

    path = step.settings.decisions_path(step.env.name)  # the editor may have just made it
    if not path.is_file():
        return DecisionsRead(path, None)
    log, found = read_decisions(path, label=step.rel(path))
    pairs = set(zip(frame["mailbox_id"].astype(str), frame["subject_id"].astype(str), strict=True))
    known = {p.id: p.name for p in points} if points is not None else None
    usable, unusable = check_against(log, pairs, known)
    return DecisionsRead(path, log, usable, (*found, *unusable), len(found))


def compute_mapping(
    step: Step, frame: Any, points: Any, mapping_file: Any, decisions: tuple[Any, ...]
) -> Any:
    """The mapping of ``frame`` with this step's environment and labels (no suggestions)."""
    from ..inputs.mapping import map_mailboxes as do_map

    env = step.env
    mailboxes = step.previous(MailboxesRecord)
    return do_map(
        frame,
        mapping=mapping_file,
        contact_points=points,
        system_id=env.system_id,
        default_contact_point=env.default_contact_point,
        export_label=mailboxes.source,
        export_sheet=mailboxes.sheet,
        contact_points_label=step.rel(env.contact_points),
        decisions=decisions,
        id_errors=frozenset(int(row) for row in mailboxes.id_errors),
    )


def map_mailboxes(step: Step, frame: Any, contact_points: Any, mapping_file: Any) -> Any:
    from ..inputs.mapping import STATUS_RETIRED, STATUS_UNMAPPED, contact_point_plan, suggest
    from .records import hand_over

    env = step.env
    if not env.default_contact_point:
        pending(step, "default_contact_point", "the dispatcher's ContactPointGuid is not known yet")
    points = contact_points.points if contact_points is not None else None
    decisions = load_decisions(step, frame, points)
    result = compute_mapping(step, frame, points, mapping_file, decisions)
    if env.mapping is None and not decisions and (result.frame["status"] == STATUS_UNMAPPED).any():
        # only while a mailbox is left: a day-one consultant whose contact points'
        # translations mapped all 200 was still asked for a mapping file (and step 6 with it).
        # A decisions file none of whose rows the run can use maps nothing: without this, no
        # finding named the open rows (with usable decisions MAILBOX_UNMAPPED names each)
        if getattr(step.record, "decisions", None) is not None:
            # its advice named only a mapping file, and a consultant deciding in notebook
            # 02 (the first mapping source) read that the decisions were not the way
            pending(step, "mapping", "", said="pending_mapping_decisions")
        else:
            pending(
                step,
                "mapping",
                "only the export's own GUIDs and the contact points' translations map mailboxes",
            )
    step.add(result.findings)
    if step.run_dir is not None:  # the run begins its mapping files while suggestions are made
        hand_over(env.name, result.frame, step.findings)
    if points and step.run_dir is not None:  # an output of a run, not a check
        result.suggestions = suggest(result, points)
    if contact_points is None:
        mapped = result.frame
        gone = mapped[mapped["status"] == STATUS_RETIRED]
        result.plan = contact_point_plan(
            frame, frozenset(zip(gone["mailbox_id"], gone["subject_id"], strict=True))
        )
    step.set(
        mapping=result.frame,
        counts=MappingCounts.of(result.counts()),
        suggestions=result.suggestions,
        plan=result.plan,
    )
    result.language = step.language
    return result


def show_unmapped(mapping: Any) -> display.HTML:
    frame = mapping.frame[mapping.frame["status"].isin(["unmapped", "unknown contact point"])]
    lang = mapping.language
    parts: list[Any] = []
    if not len(frame):
        parts.append(
            display.para(
                display.badge("ok", language=lang), f"{t(lang, 'unmapped')}: {t(lang, 'none')}"
            )
        )
    else:
        rows = [
            (*r[:4], t(lang, r[4]))
            for r in frame[
                ["mailbox_id", "subject_id", "mailbox_name", "responsible_unit", "status"]
            ].itertuples(index=False)
        ]
        parts.append(
            display.table(
                rows,
                [
                    t(lang, "mailbox_id"),
                    t(lang, "subject_id_header"),
                    t(lang, "mailbox_name"),
                    t(lang, "responsible_unit"),
                    t(lang, "mapping_status"),
                ],
                language=lang,
            )
        )
    if mapping.suggestions is not None and len(mapping.suggestions):
        parts.append(display.heading(t(lang, "suggestions_title"), 4))
        parts.append(
            display.table(
                mapping.suggestions[
                    ["Mailbox ID", "Mailbox name", "Contact point name", "Score"]
                ].itertuples(index=False),
                [
                    t(lang, "mailbox_id"),
                    t(lang, "mailbox_name"),
                    t(lang, "contact_point"),
                    t(lang, "score"),
                ],
                language=lang,
            )
        )
    return display.block(*parts)


def show_mapping_by_unit(mapping: Any) -> display.HTML:
    """The mapping by unit; printed once, in the document's appendix, so the printed step
    says where (its heading "Tilknytning pr. enhed" stood with nothing under it: a signer's
    read of the PDF)."""
    shown = display.mapping_by_unit_html(
        mapping.frame, language=mapping.language, findings=mapping.findings
    )
    if not len(mapping.frame):
        return shown
    return display.printed_with_note(shown, t(mapping.language, "mapping_in_appendix"))


def show_plan(step: Step) -> display.HTML:
    plan = step.own(ContactPointsRecord).plan or ()
    if not plan:
        return display.HTML("")
    rows = [
        (
            p.name,
            ", ".join(t(step.language, f"target_{x.lower()}") for x in p.targets),
            p.mailboxes,
            " ".join(p.translations),  # every ID: the plan is typed into the portal
        )
        for p in plan
    ]
    return display.block(
        display.heading("contact-point-plan.xlsx", 4),
        display.table(
            rows,
            [
                t(step.language, "contact_point"),
                t(step.language, "targets"),
                t(step.language, "count"),
                t(step.language, "postkasser"),
            ],
            language=step.language,
        ),
    )


OUTPUTS_AHEAD = True  # its files need nothing but its record (see deliver.py)


def outputs(record: ContactPointsRecord, ctx: OutputContext) -> list[Path]:
    """The mapping (CSV and workbook), the contact point plan, the suggestions, what NgDP
    showed and the portal to-do, in that order. The to-do's workbook is written first (99,000
    rows offline at 100,000 mailboxes), while the mapping writers finish on their threads."""
    from ..deliverables.outputs import write_plan, write_portal_todo, write_suggestions

    todo_file: list[Path] = []
    todo = record.stored("portal_todo", compact_todo)
    if todo is not None and todo.contact_points:
        todo_file.append(write_portal_todo(ctx.run_dir / "portal-todo.xlsx", todo, ctx.language))
    files: list[Path] = []
    if record.mapping is not None:
        files += ctx.mapping_files()
    if record.plan:
        files.append(
            write_plan(
                ctx.run_dir / "contact-point-plan.xlsx",
                record.plan,
                language=ctx.language,
                system_id=ctx.system_id,
            )
        )
    if record.suggestions is not None and len(record.suggestions):
        rows = record.suggestions.to_dict(orient="records")
        files.append(
            write_suggestions(ctx.run_dir / "mapping-suggestions.xlsx", rows, language=ctx.language)
        )
    if record.ngdp is not None:
        from ..deliverables.outputs import write_json

        files.append(write_json(ctx.run_dir / "ngdp-observed.json", record.ngdp.to_json()))
    return files + todo_file
