"""Step 06 (lab only): the acceptance test; ``ngdpkit rehearse`` writes its own folder."""

from __future__ import annotations

import json
from typing import Any

from .. import display
from ..findings import Finding
from ..i18n import t
from .core import LAB_DIR, Step


def run_rehearsal(step: Step, *, against: str = "simulator") -> dict[str, Any]:
    """The acceptance test for this environment; its folder lies beside the run folders."""
    from ..rehearsal import rehearse

    out = step.settings.base_dir / "runs"
    if step.run_dir is not None and step.run_dir.name != LAB_DIR:
        out = step.run_dir.parent.parent
    code, folder = rehearse(
        step.settings.path,
        step.env.name,
        against=against,
        out=out,
        progress=lambda line: None if step.quiet else print(line, flush=True),
    )
    data = json.loads((folder / "acceptance.json").read_text(encoding="utf-8"))
    step.add([Finding.from_dict(d) for d in data["findings"]])
    step.record.acceptance, step.record.folder = data, step.rel(folder)
    return data


def show_acceptance(step: Step, acceptance: dict[str, Any]) -> display.HTML:
    rows = [
        (
            s["name"],
            display.badge(
                "ok" if s["status"] == "ok" else "error", s["status"], language=step.language
            ),
            f"{s['duration_s']:.2f} s",
            s["detail"],
        )
        for s in acceptance["steps"]
    ]
    head = display.para(
        f"{t(step.language, 'local_rehearsal') if acceptance['against'] == 'simulator' else 'NgDP'}: "
        f"{acceptance.get('memo_uuid') or '-'} → {acceptance.get('reply_uuid') or '-'}"
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
