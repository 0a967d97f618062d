"""Step 05: the WorkZone NgDP dispatcher configuration."""

from __future__ import annotations

from typing import Any

from .. import display
from ..findings import Finding
from ..i18n import t
from .core import STEP_NAMES, Step


def dispatcher_config(step: Step) -> dict[str, Any] | None:
    from .. import __version__
    from ..dispatcher import build_config

    findings: list[Finding] = []
    for name in STEP_NAMES[:4]:
        findings += [Finding.from_dict(d) for d in step.earlier(name)["findings"]]
    frame = step.previous("02_contact_points")["mapping"]
    config, own, other = build_config(
        step.settings,
        step.env,
        certificate=step.previous("03_certificate").get("certificate"),
        # The runner fills in the SHA-256 when it writes the file; nothing here builds it twice.
        mapping={"rows": len(frame), "file": "mailbox-mapping.csv", "sha256": None},
        findings=findings,
        run_id=step.run_dir.name if step.run_dir else "",
        kit_version=__version__,
    )
    step.results.update(dispatcher=config, withheld_by=own, blocking=other)
    return config


def show_dispatcher(step: Step, config: dict[str, Any] | None) -> display.HTML:
    lang = step.language
    if config is None:
        codes = ", ".join(step.results.get("withheld_by") or [])
        return display.block(display.banner(t(lang, "dispatcher_withheld", codes=codes)))
    pairs: list[tuple[str, Any]] = [(k, v) for k, v in config["parameters"].items()]
    pairs.append(
        (
            t(lang, "status"),
            t(lang, "ready")
            if config["ready"]
            else f"{t(lang, 'not_ready')}: {', '.join(config['blocking'])}",
        )
    )
    return display.key_values(pairs, language=lang)
