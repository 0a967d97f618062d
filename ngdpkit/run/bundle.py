"""``ngdpkit bundle``: a zip for KMD or Digitaliseringsstyrelsen support, with no secrets.

It holds findings, versions, the system ID, certificate facts and probe results
with their times; the mapping workbooks only when asked (they may hold personal data).
"""

from __future__ import annotations

import json
import platform
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from ..errors import InputError

VERSIONS = (
    "ngdpkit",
    "papermill",
    "nbclient",
    "nbconvert",
    "pandas",
    "openpyxl",
    "rustpy-xlsxwriter",
    "python-calamine",
    "cryptography",
    "httpx",
)


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in VERSIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def make_bundle(run_dir: Path, *, with_workbooks: bool = False) -> Path:
    if not (run_dir / "findings.json").is_file():
        raise InputError(f"{run_dir}: not a run folder (no findings.json)")
    from ..steps.records import support_facts

    # Per step, what its record allows a support bundle to carry (records' ``support``).
    steps = {p.stem: support_facts(p) for p in sorted((run_dir / "steps").glob("*.json"))}
    summary = {
        "run": run_dir.name,
        "environment": run_dir.parent.name,
        "versions": versions(),
        "steps": steps,
    }
    target = run_dir.parent / f"{run_dir.name}-support.zip"
    names = [
        "findings.json",
        "manifest.json",
        "audit.jsonl",
        "portal-registration.json",
        "firewall-rules.csv",
        "dispatcher-config.json",
    ]
    if with_workbooks:
        names += [
            "mailbox-mapping.xlsx",
            "mailbox-mapping.csv",
            "mapping-suggestions.xlsx",
            "contact-point-plan.xlsx",
        ]
    tmp = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("summary.json", json.dumps(summary, ensure_ascii=False, indent=2))
        for name in names:
            if (run_dir / name).is_file():
                zf.write(run_dir / name, name)
    tmp.chmod(0o600)
    tmp.replace(target)
    return target
