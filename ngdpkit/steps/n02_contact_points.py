"""Step 02: contact points and the mailbox mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import display
from ..i18n import t
from .core import Step, pending
from .deliver import OutputContext
from .records import ContactPointsRecord, MailboxesRecord


def mailboxes_from_step(step: Step) -> Any:
    return step.previous(MailboxesRecord).mailboxes


def load_contact_points(step: Step) -> Any:
    from ..contact_points import read_contact_points

    path = step.env.contact_points
    if path is None:
        pending(
            step,
            "contact_points",
            "the mapping cannot be checked against NgDP; a contact point plan is proposed instead",
        )
        step.record.contact_points = None
        return None
    cps = read_contact_points(
        path, label=step.rel(path), system_id=step.env.system_id, cache=step.tables
    )
    step.record_input(path)
    step.add(cps.findings)
    step.record.contact_points = [p.to_dict() for p in cps.points]
    cps.language = step.language
    return cps


def load_mapping_file(step: Step) -> Any:
    from ..mapping import read_mapping_file

    path = step.env.mapping
    if path is None:
        pending(
            step,
            "mapping",
            "only the export's own GUIDs and the contact points' translations map mailboxes",
        )
        return None
    mapping = read_mapping_file(path, label=step.rel(path), cache=step.tables)
    step.record_input(path)
    step.add(mapping.findings)
    return mapping


def map_mailboxes(step: Step, frame: Any, contact_points: Any, mapping_file: Any) -> Any:
    from ..mapping import contact_point_plan, suggest
    from ..mapping import map_mailboxes as do_map
    from .records import hand_over

    env = step.env
    if not env.default_contact_point:
        pending(step, "default_contact_point", "the dispatcher's ContactPointGuid is not known")
    points = contact_points.points if contact_points is not None else None
    result = do_map(
        frame,
        mapping=mapping_file,
        contact_points=points,
        system_id=env.system_id,
        default_contact_point=env.default_contact_point,
        export_label=step.previous(MailboxesRecord).source,
        export_sheet=step.previous(MailboxesRecord).sheet,
        contact_points_label=step.rel(env.contact_points),
    )
    step.add(result.findings)
    if step.run_dir is not None:  # the run begins its mapping files while suggestions are made
        hand_over(env.name, result.frame, step.findings)
    if points and step.run_dir is not None:  # an output of a run, not a check
        result.suggestions = suggest(result, points)
    if contact_points is None:
        result.plan = contact_point_plan(frame)
    rec = step.record
    rec.mapping, rec.counts = result.frame, result.counts()
    rec.suggestions, rec.plan = result.suggestions, result.plan
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
                    t(lang, "subject"),
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
    return display.mapping_by_unit_html(mapping.frame, language=mapping.language)


def show_plan(step: Step) -> display.HTML:
    plan = step.record.plan or []
    if not plan:
        return display.HTML("")
    rows = [
        (
            p["name"],
            ", ".join(t(step.language, f"target_{x.lower()}") for x in p["targets"]),
            p["mailboxes"],
            " ".join(p["translations"]),  # every ID: the plan is typed into the portal
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
    """The mapping (CSV and workbook), the contact point plan and the suggestions."""
    from ..outputs import write_plan, write_suggestions

    files: list[Path] = []
    if record.mapping is not None:
        files += ctx.mapping_files()
    if record.plan:
        files.append(write_plan(ctx.run_dir / "contact-point-plan.xlsx", record.plan))
    if record.suggestions is not None and len(record.suggestions):
        rows = record.suggestions.to_dict(orient="records")
        files.append(write_suggestions(ctx.run_dir / "mapping-suggestions.xlsx", rows))
    return files
