"""The same steps, in-process and in order: what ``ngdpkit check`` runs."""

from __future__ import annotations

from ..inputs.workbooks import TableCache
from ..settings import Settings
from .core import STEP_NAMES, Step
from .n01_mailboxes import load_mailboxes
from .n02_contact_points import (
    check_register,
    load_contact_points,
    load_mapping_file,
    mailboxes_from_step,
    map_mailboxes,
    read_ngdp,
)
from .n03_certificate import check_certificate
from .n04_system_and_network import (
    check_system,
    evidence,
    firewall_rules,
    network_checks,
    ngdp_registration,
)
from .n05_dispatcher_config import dispatcher_config
from .records import StepFile


def _run_01(step: Step) -> None:
    load_mailboxes(step)


def _run_02(step: Step) -> None:
    frame = mailboxes_from_step(step)
    cps = load_contact_points(step)
    mapping_file = load_mapping_file(step)
    mapping = map_mailboxes(step, frame, cps, mapping_file)
    # Offline, the portal to-do is a deliverable that finds nothing (every planned translation,
    # not verified): ``check`` writes no file, so it is left out, as step 04's registration is.
    read_ngdp(step, mapping, offline_todo=False)
    check_register(step, mapping)


def _run_03(step: Step) -> None:
    check_certificate(step)


def _run_04(step: Step) -> None:
    # The portal registration is a deliverable, not a check (it finds nothing): the notebook
    # builds it for the run's files; here, where only findings count, it is left out.
    check_system(step)
    firewall_rules(step)
    evidence(step)
    network_checks(step)
    ngdp_registration(step)


def _run_05(step: Step) -> None:
    dispatcher_config(step)


RUNNERS = {
    "01_mailboxes": _run_01,
    "02_contact_points": _run_02,
    "03_certificate": _run_03,
    "04_system_and_network": _run_04,
    "05_dispatcher_config": _run_05,
}


def run_all(
    settings: Settings,
    environment: str,
    *,
    online: bool | str = False,
    tables: TableCache | None = None,
) -> list[Step]:
    """Every step in-process, in order, sharing results: what ``ngdpkit check`` does.

    Run-level findings (certificate reuse across environments, leaks) are not a step's:
    the caller adds them after the steps, ``check`` to its findings as ``run`` does to
    ``findings.json`` (and ``dispatcher.final_config`` applies them to the configuration).
    ``tables``: workbooks read already (``check`` reads them side by side first).
    """
    env = settings.environment(environment)
    cache: dict[str, StepFile] = {}
    steps = []
    for name in STEP_NAMES:
        step = Step(name, settings, env, None, online, cache=cache, quiet=True, tables=tables)
        RUNNERS[name](step)
        cache[name] = step.as_file()
        steps.append(step)
    return steps
