"""Step 06 (lab only): the acceptance test; ``ngdpkit rehearse`` writes its own folder."""

from __future__ import annotations

import json
from typing import Any

from ..documents import display
from ..documents.i18n import seconds, t
from ..errors import InputError
from ..inputs.acceptance import AcceptanceRecord
from .core import LAB_DIR, Step, lab_run_dir


def run_rehearsal(step: Step, *, against: str = "simulator") -> dict[str, Any]:
    """The acceptance test for this environment. From a run, its folder lies beside the run
    folders; from a JupyterLab session, inside the session's ``lab/`` folder
    (``lab/rehearsals/<env>/``), marked not for sign-off: a lab rehearsal never becomes the
    acceptance page of a signed run (contract §12.7).

    Returns ``acceptance.json`` as the rehearsal wrote it (the notebook's API since 0.1);
    the step's record holds it typed (:class:`AcceptanceRecord`)."""
    from ..rehearsal.flow import rehearse

    run_dir = step.run_dir or lab_run_dir(step.settings, step.env.name)
    lab = run_dir.name == LAB_DIR
    out = run_dir / "rehearsals" if lab else run_dir.parent.parent
    code, folder = rehearse(
        step.settings.path,
        step.env.name,
        against=against,
        out=out,
        lab=lab,
        progress=lambda line: None if step.quiet else print(line, flush=True),
    )
    path = folder / "acceptance.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    acceptance = _typed(data, step.rel(path))
    step.add(list(acceptance.findings))
    step.set(acceptance=acceptance, folder=step.rel(folder))
    return data


def _typed(data: Any, label: str) -> AcceptanceRecord:
    try:
        return AcceptanceRecord.of(data)
    except ValueError as exc:
        raise InputError(f"{label}: {exc}") from exc


def show_acceptance(step: Step, acceptance: AcceptanceRecord | dict[str, Any]) -> display.HTML:
    """The acceptance record (typed, or as :func:`run_rehearsal` returns it) as a table."""
    if not isinstance(acceptance, AcceptanceRecord):
        acceptance = _typed(acceptance, "acceptance.json")
    rows = [
        (
            t(step.language, s.name),
            display.badge(
                "ok" if s.status == "ok" else "warning" if s.status == "skipped" else "error",
                t(step.language, f"step_{s.status}"),
                language=step.language,
            ),
            seconds(step.language, s.duration_s),
            s.text(step.language),
        )
        for s in acceptance.steps
    ]
    head = display.para(
        f"{t(step.language, 'local_rehearsal') if acceptance.against == 'simulator' else 'NgDP'}: "
        f"{acceptance.memo_uuid or '-'} → {acceptance.reply_uuid or '-'}"
    )
    return display.block(
        head,
        display.table(
            rows,
            [
                t(step.language, "step"),
                t(step.language, "status"),
                t(step.language, "duration"),
                t(step.language, "value"),
            ],
            language=step.language,
        ),
    )
