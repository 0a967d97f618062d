"""Step 05: the WorkZone NgDP dispatcher configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..deliverables.dispatcher import DispatcherConfig
from ..documents import display
from ..documents.change_text import codes_in_words
from ..documents.i18n import t
from ..findings import Finding
from .core import STEP_NAMES, Step
from .deliver import OutputContext, PageContext
from .records import CertificateRecord, ContactPointsRecord, DispatcherRecord


def dispatcher_config(step: Step) -> DispatcherConfig | None:
    from .. import __version__
    from ..deliverables.dispatcher import build_config

    findings: list[Finding] = []
    for name in STEP_NAMES[:4]:
        findings += step.earlier(name).findings
    frame = step.previous(ContactPointsRecord).mapping
    config, own, other = build_config(
        step.settings,
        step.env,
        certificate=step.previous(CertificateRecord).certificate,
        # The runner fills in the SHA-256 when it writes the file; nothing here builds it twice.
        mapping={"rows": len(frame), "file": "mailbox-mapping.csv", "sha256": None},
        findings=findings,
        run_id=step.run_dir.name if step.run_dir else "",
        kit_version=__version__,
    )
    typed = DispatcherConfig.of(config) if config is not None else None
    step.set(dispatcher=typed, withheld_by=tuple(own), blocking=tuple(other))
    # The go-live runbook switches this dispatcher on: its dates must be in an order it can keep.
    from ..documents.runbook import golive_findings

    step.add(golive_findings(step.env))
    return typed


def show_dispatcher(step: Step, config: DispatcherConfig | None) -> display.HTML:
    lang = step.language
    if config is None:
        codes = codes_in_words(step.own(DispatcherRecord).withheld_by, lang)
        return display.block(display.banner(t(lang, "dispatcher_withheld", codes=codes)))
    from ..documents.signoff import default_contact_point_words

    points = step.previous(ContactPointsRecord).contact_points or ()
    names = {p.id: p.name for p in points}
    pairs: list[tuple[str, Any]] = []
    for name, value in config.parameters.pairs():
        pairs.append((name, value))
        if name == "ContactPointGuid" and value:
            # its own row, so that the GUID is copied alone (an attacker's look: the name in
            # the same cell came along with the value)
            said = default_contact_point_words(str(value), names, lang)
            pairs.append((t(lang, "contact_point"), said))
    pairs.append(
        (
            t(lang, "status"),  # the values', not the migration's, as on the overview
            t(lang, "dispatcher_values_ready")
            if config.ready
            else f"{t(lang, 'not_ready')}: {codes_in_words(config.blocking, lang)}",
        )
    )
    shown = display.key_values(pairs, language=lang, cls="also-in-pdf")  # the dispatcher page
    where = f"{t(lang, 'dispatcher_page')} ({step.env.name})"
    # the names above are ngdpkit's own but ContactPointGuid (the vendor page names only that
    # one), said here too: the step page showed SystemId and the rest bare, as if Configurator's
    names_note = display.block(display.para(t(lang, "dispatcher_names_note")))
    return display.HTML(display.printed_elsewhere(shown, where, lang).html + names_note.html)


def outputs(record: DispatcherRecord, ctx: OutputContext) -> list[Path]:
    """``dispatcher-config.json``: the run's final configuration, unless it is withheld."""
    from ..deliverables.outputs import write_json

    if ctx.dispatcher is None:
        return []
    return [write_json(ctx.run_dir / "dispatcher-config.json", ctx.dispatcher.to_json())]


def pages(record: DispatcherRecord, ctx: PageContext) -> dict[str, str]:
    """``dispatcher.html``: the WorkZone administrator's page (or why it is withheld)."""
    from ..documents.signoff import render_dispatcher

    return {
        "dispatcher.html": render_dispatcher(
            ctx.dispatcher,
            withheld_by=ctx.withheld_by,
            authorization_env=ctx.authorization_env,
            environment=ctx.environment,
            contact_point_names=ctx.contact_point_names,
            **ctx.common(),
        )
    }
