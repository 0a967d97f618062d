"""ngdpkit: take a KMD WorkZone installation from e-Boks to NgDP (Digital Post).

``import ngdpkit as nk`` is all a notebook needs. Importing has no side effects
and stays fast: the modules behind these names load on first use.

Cheat sheet (one call per notebook cell)::

    step = nk.start_step("01_mailboxes", settings=..., environment="test", run_dir="", online=False)
    nk.header(step)
    export = nk.load_mailboxes(step)          # 01
    mapping = nk.map_mailboxes(step, nk.mailboxes_from_step(step),
                               nk.load_contact_points(step), nk.load_mapping_file(step))   # 02
    nk.decide(step, "12345", "override", "Borgerservice")    # 02: written to decisions-<env>.csv
    facts = nk.check_certificate(step)        # 03
    system = nk.check_system(step)            # 04
    config = nk.dispatcher_config(step)       # 05
    nk.show_findings(step)
    nk.finish_step(step)                      # writes steps/NN_*.json
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:  # what a type checker sees: the same names, imported for real
    from .checks.certificates import load_certificate as load_certificate
    from .inputs.contact_points import read_contact_points as read_contact_points
    from .errors import (
        InputError as InputError,
        NgdpkitError as NgdpkitError,
        StepCrashed as StepCrashed,
    )
    from .findings import (
        Finding as Finding,
        findings_frame as findings_frame,
        status_of as status_of,
    )
    from .inputs.mailboxes import read_mailbox_export as read_mailbox_export
    from .inputs.mapping import read_mapping_file as read_mapping_file
    from .run.audit import verify as verify_audit
    from .rehearsal.sample import write_sample as write_sample
    from .secrets import Secret as Secret
    from .settings import (
        Environment as Environment,
        Settings as Settings,
        load_settings as load_settings,
    )
    from .steps import (
        Step as Step,
        certificate_card as certificate_card,
        check_certificate as check_certificate,
        check_register as check_register,
        check_system as check_system,
        dispatcher_config as dispatcher_config,
        finish_step as finish_step,
        firewall_rules as firewall_rules,
        header as header,
        installation_steps as installation_steps,
        load_contact_points as load_contact_points,
        load_mailboxes as load_mailboxes,
        load_mapping_file as load_mapping_file,
        mailboxes_from_step as mailboxes_from_step,
        map_mailboxes as map_mailboxes,
        mapping_editor as mapping_editor,
        network_checks as network_checks,
        ngdp_registration as ngdp_registration,
        portal_registration as portal_registration,
        probe_evidence as probe_evidence,
        read_ngdp as read_ngdp,
        run_all as run_all,
        run_rehearsal as run_rehearsal,
        section as section,
        show_acceptance as show_acceptance,
        show_contact_points as show_contact_points,
        show_dispatcher as show_dispatcher,
        show_findings as show_findings,
        show_firewall as show_firewall,
        show_mapping_by_unit as show_mapping_by_unit,
        show_plan as show_plan,
        show_portal as show_portal,
        show_system as show_system,
        show_unmapped as show_unmapped,
        start_step as start_step,
        validity_timeline as validity_timeline,
    )
    from .steps.decide import decide as decide
    from .checks.trust import load_trust_anchors as load_trust_anchors


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
    "show_contact_points": "steps",
    "load_mapping_file": "steps",
    "map_mailboxes": "steps",
    "mapping_editor": "steps",
    "decide": "steps.decide",  # not re-exported by steps: it would hide the module
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
    "read_mailbox_export": "inputs.mailboxes",
    "read_contact_points": "inputs.contact_points",
    "read_mapping_file": "inputs.mapping",
    "load_certificate": "checks.certificates",
    "load_trust_anchors": "checks.trust",
    "write_sample": "rehearsal.sample",
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
