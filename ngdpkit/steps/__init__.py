"""The six steps: what each notebook calls, one package call per cell.

``core`` holds the framework (a :class:`Step`, its step file, its display); each
``nNN_*`` module holds one notebook's calls; ``pipeline`` runs steps 01-05
in-process and in order, which is what ``ngdpkit check`` does.
"""

from . import core
from .core import (
    DEFAULT_SETTINGS,
    LAB_DIR,
    STEP_NAMES,
    STEP_SCHEMA,
    Step,
    _find_settings,
    finish_step,
    header,
    lab_run_dir,
    pending,
    show_findings,
    start_step,
)
from .n01_mailboxes import load_mailboxes
from .n02_contact_points import (
    load_contact_points,
    load_mapping_file,
    mailboxes_from_step,
    map_mailboxes,
    show_mapping_by_unit,
    show_plan,
    show_unmapped,
)
from .n03_certificate import (
    certificate_card,
    check_certificate,
    installation_steps,
    validity_timeline,
)
from .n04_system_and_network import (
    check_system,
    firewall_rules,
    network_checks,
    portal_registration,
    probe_evidence,
    show_firewall,
    show_portal,
    show_system,
)
from .n05_dispatcher_config import dispatcher_config, show_dispatcher
from .n06_rehearsal import run_rehearsal, show_acceptance
from .pipeline import RUNNERS, run_all

core.RUNNERS.update(RUNNERS)  # how Step.earlier computes a missing step, without importing up

__all__ = [
    "DEFAULT_SETTINGS",
    "LAB_DIR",
    "RUNNERS",
    "STEP_NAMES",
    "STEP_SCHEMA",
    "Step",
    "_find_settings",
    "certificate_card",
    "check_certificate",
    "check_system",
    "dispatcher_config",
    "finish_step",
    "firewall_rules",
    "header",
    "installation_steps",
    "lab_run_dir",
    "load_contact_points",
    "load_mailboxes",
    "load_mapping_file",
    "mailboxes_from_step",
    "map_mailboxes",
    "network_checks",
    "pending",
    "portal_registration",
    "probe_evidence",
    "run_all",
    "run_rehearsal",
    "show_acceptance",
    "show_dispatcher",
    "show_findings",
    "show_firewall",
    "show_mapping_by_unit",
    "show_plan",
    "show_portal",
    "show_system",
    "show_unmapped",
    "start_step",
    "validity_timeline",
]
