"""A WorkZone consultant's cold read of session 45's changes (contact_points = "ngdp" read
offline, the export sorted again in Excel, a decision, a second run and ``diff``): what the
pages and ``diff`` said that was not true, or named a command that does not run as
printed. In-process where the behaviour allows it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from ngdpkit import findings as F
from ngdpkit.compare.diff import changes, portal_changes
from ngdpkit.compare.runs import RunView
from ngdpkit.deliverables.commands import KitCommands
from ngdpkit.deliverables.portal import PortalContactPoint, PortalRegistration, PortalSystem
from ngdpkit.settings import load_settings
from ngdpkit.steps.pipeline import run_all

TEXT = "Mailbox {mid} ({name}) has no contact point GUID."


def _unmapped(row: int, mid: str, name: str) -> dict[str, Any]:
    return F.error(
        "MAILBOX_UNMAPPED", TEXT, "mailboxes.xlsx", f"Postkasser!{row}", mid=mid, name=name
    ).to_dict()


def test_run_ngdp_is_the_run_that_reads_ngdp_only(sample_copy: Path) -> None:
    """``<<run_ngdp>>`` is the whole command with ``--online ngdp``: what a step waiting for
    NgDP's contact points needs, without the network checks of ``--online``."""
    settings = load_settings(sample_copy / "migration.toml")
    commands = KitCommands.of(settings, settings.environment("test"))
    assert commands.fill("kør <<run_ngdp>>, ikke <<run_online>> eller <<run>>") == (
        "kør ngdpkit run --settings migration.toml --env test --online ngdp, ikke"
        " ngdpkit run --settings migration.toml --env test --online eller"
        " ngdpkit run --settings migration.toml --env test"
    )
    assert KitCommands.unnamed("da").fill("<<run_ngdp>>") == "ngdpkit run --online ngdp"


def test_page_05_of_a_run_names_the_whole_run_command(sample_copy: Path) -> None:
    """Page 05 said "Næste: ret fundene, og kør ngdpkit run igen.": copied, that stops at once
    (``--settings`` and ``--env`` are required). It names the command whole, as the
    checklist does; so does the lab's line and the English one."""
    from ngdpkit.steps.core import finish_step

    settings_file = sample_copy / "migration.toml"
    settings_file.write_text(
        settings_file.read_text(encoding="utf-8").replace('mapping = "mapping-test.xlsx"\n', "", 1),
        encoding="utf-8",
    )
    five = run_all(load_settings(settings_file), "test")[4]
    command = "ngdpkit run --settings migration.toml --env test"
    lab = re.sub(r"<[^>]+>", "", finish_step(five).html)
    assert f"og kør {command} for at få godkendelsesdokumentet." in lab, lab
    five.run_dir = sample_copy / "runs" / "test" / "20261201T000000Z-abcdef"  # a run's page
    (five.run_dir / "steps").mkdir(parents=True)
    page = re.sub(r"<[^>]+>", "", finish_step(five).html)
    assert f"og kør {command} igen." in page, page
    assert "kør ngdpkit run igen" not in page and "<<" not in page
    five.settings = dataclasses.replace(five.settings, language="en")
    english = re.sub(r"<[^>]+>", "", finish_step(five).html)
    assert f"and run {command} again." in english, english


def test_an_export_sorted_again_does_not_make_unmapped_mailboxes_new_and_resolved() -> None:
    """The customer sorted the export by name, one mailbox was decided, and ``diff`` listed
    14 mailboxes as newly unmapped and 15 as resolved, though each was unmapped in both
    runs: a row's finding was taken for the one of whichever mailbox the row held before.
    A finding that names a mailbox is the one of that mailbox; only the one decided is
    resolved."""
    before = [
        _unmapped(4, "0100233", "Pas og kørekort"),
        _unmapped(5, "0102038", "Jobcenter"),
        _unmapped(6, "0103627", "Biblioteket"),
    ]
    # sorted by name; Jobcenter decided
    after = [_unmapped(4, "0103627", "Biblioteket"), _unmapped(6, "0100233", "Pas og kørekort")]
    a = RunView(Path("a"), "test", "errors", before, {}, "", "")
    b = RunView(Path("b"), "test", "errors", after, {}, "", "")
    change = changes(a, b)
    assert not change["findings_added"]
    assert [f["params"]["mid"] for f in change["findings_resolved"]] == ["0102038"]


def test_a_finding_naming_no_mailbox_stays_the_same_when_a_parameter_changes() -> None:
    """What the pairing by place was for is kept: a finding naming no mailbox whose
    parameter changes (days left) at one place is the same finding."""

    def days(n: int) -> dict[str, Any]:
        return F.warning("CERT_EXPIRES_SOON", "{days} days left", "certs/test.p12", "", days=n).to_dict()  # fmt: skip

    a = RunView(Path("a"), "test", "warnings", [days(30)], {}, "", "")
    b = RunView(Path("b"), "test", "warnings", [days(29)], {}, "", "")
    change = changes(a, b)
    assert not change["findings_added"] and not change["findings_resolved"]


def _portal(translations: tuple[str, ...]) -> RunView:
    system = PortalSystem(
        name="WZ", protocol="REST_PULL", allowed_ips=(), endpoints=None,
        receipt_format="MEMO", system_id=None,
    )  # fmt: skip
    point = PortalContactPoint(
        name="Borgerservice", id="g1", targets=("CITIZEN",), visible=True,
        translations=translations,
    )  # fmt: skip
    portal = PortalRegistration(
        schema="x", environment="test", kind="test", portal="p", system=system,
        contact_points=(point,), notes=(),
    )  # fmt: skip
    return RunView(Path("r"), "test", "ok", [], {}, "", "", portal=portal)


def test_translations_in_another_order_are_no_portal_change() -> None:
    """After the export was sorted again every contact point read "postkasse-oversættelser:
    tilføjet intet; fjernet intet": the same translations, listed in the export's new
    order. The translations are a set to type in; a translation added is still one."""
    assert portal_changes(_portal(("1", "2:1", "3")), _portal(("3", "1", "2:1"))) == ()
    (change,) = portal_changes(_portal(("1", "3")), _portal(("3", "2", "1")))
    assert change.code == "PORTAL_CONTACT_POINT_CHANGED"


def test_simulate_says_it_holds_no_contact_points_with_contact_points_from_ngdp(
    sample_copy: Path,
) -> None:
    """Step 5 said to run --online ngdp; against ``simulate`` of the same settings that run
    read 200 mailboxes unmapped and the default contact point missing: the simulator takes
    the contact points from a contact points file, and with ``contact_points = "ngdp"`` it
    holds none. It says so, and how to try it; with a file it says nothing more."""
    from ngdpkit.cli import _simulator_lines

    toml = sample_copy / "migration.toml"
    settings = load_settings(toml)
    ca = sample_copy / "ca.pem"
    plain = _simulator_lines(settings.environment("test"), "https://127.0.0.1:1/apis/v1", ca, toml, None)  # fmt: skip
    assert not [line for line in plain if line.startswith("note:")]
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'contact_points = "contact-points-test.xlsx"', 'contact_points = "ngdp"', 1
        ),
        encoding="utf-8",
    )
    env = load_settings(toml).environment("test")
    lines = _simulator_lines(env, "https://127.0.0.1:1/apis/v1", ca, toml, None)
    (note,) = [line for line in lines if line.startswith("note:")]
    assert "lists none of the contact points" in note
    assert (
        "start it from a copy of the settings whose contact_points names a contact points file"
        in note
    )
    assert lines[-1] == "Ctrl-C stops it."
