"""Step 05: the WorkZone NgDP dispatcher configuration."""

from __future__ import annotations

import hashlib
from typing import Any

from .. import display
from ..findings import Finding
from ..i18n import t
from .core import STEP_NAMES, Step


def dispatcher_config(step: Step) -> dict[str, Any] | None:
    from .. import __version__
    from ..dispatcher import build_config
    from ..outputs import mapping_csv_bytes

    findings: list[Finding] = []
    for name in STEP_NAMES[:4]:
        findings += [Finding.from_dict(d) for d in step.earlier(name)["findings"]]
    mapping = step.previous("02_contact_points")
    import pandas as pd

    frame = pd.DataFrame.from_records(mapping["mapping"])
    csv_bytes = mapping_csv_bytes(frame)
    config, own, other = build_config(
        step.settings,
        step.env,
        certificate=step.previous("03_certificate").get("certificate"),
        mapping={
            "rows": len(frame),
            "file": "mailbox-mapping.csv",
            "sha256": hashlib.sha256(csv_bytes).hexdigest(),
        },
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
            "ready",
            t(lang, "ready")
            if config["ready"]
            else f"{t(lang, 'not_ready')}: {', '.join(config['blocking'])}",
        )
    )
    return display.key_values(pairs)
