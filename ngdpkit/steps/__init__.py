"""The six steps: what each notebook calls, one package call per cell.

``core`` holds the framework (a :class:`Step`, its step file, its display); each
``nNN_*`` module holds one notebook's calls; ``pipeline`` runs steps 01-05
in-process and in order, which is what ``ngdpkit check`` does.
"""

from . import (
    core,
    n01_mailboxes,
    n02_contact_points,
    n03_certificate,
    n04_system_and_network,
    n05_dispatcher_config,
)
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
    section,
    show_findings,
    start_step,
)
from .deliver import OutputContext, PageContext
from .editor import mapping_editor
from .n01_mailboxes import load_mailboxes
from .n02_contact_points import (
    check_register,
    load_contact_points,
    load_mapping_file,
    mailboxes_from_step,
    map_mailboxes,
    read_ngdp,
    show_contact_points,
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
    ngdp_registration,
    portal_registration,
    probe_evidence,
    show_firewall,
    show_portal,
    show_system,
)
from .n05_dispatcher_config import dispatcher_config, show_dispatcher
from .n06_rehearsal import run_rehearsal, show_acceptance
from .pipeline import RUNNERS, run_all
from .records import RECORDS, StepFile, read_step

core.RUNNERS.update(RUNNERS)  # how Step.earlier computes a missing step, without importing up

# The steps a run executes, in order: each module's ``outputs`` and ``pages`` (when it has
# them) are what the run writes for it (see :mod:`ngdpkit.steps.deliver`).
STEP_MODULES = {
    m.__name__.rsplit(".", 1)[1][1:]: m
    for m in (
        n01_mailboxes,
        n02_contact_points,
        n03_certificate,
        n04_system_and_network,
        n05_dispatcher_config,
    )
}
assert tuple(STEP_MODULES) == STEP_NAMES

__all__ = [
    "DEFAULT_SETTINGS",
    "LAB_DIR",
    "RECORDS",
    "RUNNERS",
    "STEP_MODULES",
    "STEP_NAMES",
    "STEP_SCHEMA",
    "OutputContext",
    "PageContext",
    "Step",
    "StepFile",
    "read_step",
    "_find_settings",
    "certificate_card",
    "check_certificate",
    "check_register",
    "check_system",
    "dispatcher_config",
    "finish_step",
    "section",
    "show_contact_points",
    "firewall_rules",
    "header",
    "installation_steps",
    "lab_run_dir",
    "load_contact_points",
    "load_mailboxes",
    "load_mapping_file",
    "mapping_editor",
    "mailboxes_from_step",
    "map_mailboxes",
    "network_checks",
    "ngdp_registration",
    "pending",
    "portal_registration",
    "probe_evidence",
    "read_ngdp",
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
