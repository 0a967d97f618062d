"""ngdpkit: take a KMD WorkZone installation from e-Boks to NgDP (Digital Post).

``import ngdpkit as nk`` is all a notebook needs. Importing has no side effects
and stays fast: the modules behind these names load on first use.

Cheat sheet (one call per notebook cell)::

    step = nk.start_step("01_mailboxes", settings=..., environment="test", run_dir="", online=False)
    nk.header(step)
    export = nk.load_mailboxes(step)          # 01
    mapping = nk.map_mailboxes(step, nk.mailboxes_from_step(step),
                               nk.load_contact_points(step), nk.load_mapping_file(step))   # 02
    facts = nk.check_certificate(step)        # 03
    system = nk.check_system(step)            # 04
    config = nk.dispatcher_config(step)       # 05
    nk.show_findings(step)
    nk.finish_step(step)                      # writes steps/NN_*.json
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    # errors and findings
    "NgdpkitError": "errors",
    "InputError": "errors",
    "StepCrashed": "errors",
    "Finding": "findings",
    "findings_frame": "findings",
    "status_of": "findings",
    # settings and secrets
    "Settings": "settings",
    "Environment": "settings",
    "load_settings": "settings",
    "Secret": "secrets",
    # steps (what notebooks call)
    "Step": "steps",
    "start_step": "steps",
    "header": "steps",
    "section": "steps",
    "finish_step": "steps",
    "show_findings": "steps",
    "run_all": "steps",
    "load_mailboxes": "steps",
    "mailboxes_from_step": "steps",
    "load_contact_points": "steps",
    "load_mapping_file": "steps",
    "map_mailboxes": "steps",
    "read_ngdp": "steps",
    "check_register": "steps",
    "show_unmapped": "steps",
    "show_plan": "steps",
    "show_mapping_by_unit": "steps",
    "check_certificate": "steps",
    "certificate_card": "steps",
    "validity_timeline": "steps",
    "installation_steps": "steps",
    "check_system": "steps",
    "show_system": "steps",
    "portal_registration": "steps",
    "show_portal": "steps",
    "firewall_rules": "steps",
    "show_firewall": "steps",
    "probe_evidence": "steps",
    "network_checks": "steps",
    "ngdp_registration": "steps",
    "dispatcher_config": "steps",
    "show_dispatcher": "steps",
    "run_rehearsal": "steps",
    "show_acceptance": "steps",
    # library functions
    "read_mailbox_export": "mailboxes",
    "read_contact_points": "contact_points",
    "read_mapping_file": "mapping",
    "load_certificate": "certificates",
    "load_trust_anchors": "trust",
    "write_sample": "sample",
    "verify_audit": "run.audit",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ngdpkit' has no attribute {name!r}")
    target = "verify" if name == "verify_audit" else name
    value = getattr(importlib.import_module(f".{module}", __name__), target)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
