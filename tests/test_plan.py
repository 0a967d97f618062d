"""The contact point plan reads back (contract §12.7): written in the run's language with an
empty contact point ID column, filled in after the portal, it is a contact points file."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import cli


def _without_contact_points(settings: Path, language: str) -> None:
    text = settings.read_text(encoding="utf-8")
    text = text.replace('contact_points = "contact-points-test.xlsx"\n', "", 1)
    text = text.replace('mapping = "mapping-test.xlsx"\n', "", 1)
    text = re.sub(r'^language = "\w+"', f'language = "{language}"', text, count=1, flags=re.M)
    settings.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("language", "first_header"), [("da", "Kontaktpunkt ID"), ("en", "Contact point ID")]
)
def test_the_filled_plan_reads_back_as_contact_points(
    sample_copy: Path, language: str, first_header: str
) -> None:
    settings = sample_copy / "migration.toml"
    _without_contact_points(settings, language)
    r = cli("run", "--settings", str(settings), "--env", "test")
    assert r.returncode in (0, 1), r.stderr
    plan = next((sample_copy / "runs" / "test").glob("2*/contact-point-plan.xlsx"))
    wb = openpyxl.load_workbook(plan)
    ws = wb.active
    headers = [c.value for c in ws[1]]
    assert headers[0] == first_header and all(r[0].value is None for r in ws.iter_rows(min_row=2))
    units = [r[1].value for r in ws.iter_rows(min_row=2)]
    for row in ws.iter_rows(min_row=2):  # the portal administrator fills in the IDs
        row[0].value = str(uuid.uuid4())
    wb.save(sample_copy / "plan-filled.xlsx")
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace(
            "[environments.test]\n", '[environments.test]\ncontact_points = "plan-filled.xlsx"\n', 1
        ),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(settings), "--env", "test", "--json")
    assert r.returncode in (0, 1), r.stderr
    codes = {f["code"] for f in json.loads(r.stdout)["findings"]}
    assert not codes & {
        "CONTACT_POINT_NO_TARGET",
        "MAILBOX_UNMAPPED",
        "CONTACT_POINT_GUID_INVALID",
        "CONTACT_POINT_WRONG_SYSTEM",
        "PENDING_CONTACT_POINTS",
    }, codes
    assert len(units) == len(set(units)) > 1


def test_a_contact_point_whose_ids_pass_one_cell_continues_below_and_reads_back(
    tmp_path: Path,
) -> None:
    """Excel keeps 32,767 characters in a cell: 6,000 postkasse IDs of one unit go on in rows
    below, and the filled-in plan reads back with every one of them."""
    from ngdpkit.deliverables.outputs import write_plan
    from ngdpkit.inputs.contact_points import read_contact_points
    from ngdpkit.inputs.mapping import PlanEntry

    ids = tuple(f"{100000 + i:07d}" for i in range(6000)) + ("0100233:2",)
    plan = (
        PlanEntry("Borgerservice", ("CITIZEN", "COMPANY"), True, 6001, ids),
        PlanEntry("Skole", ("CITIZEN",), True, 1, ("0200001",)),
    )
    path = write_plan(tmp_path / "plan.xlsx", plan, language="da")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    cells = [r[8].value for r in ws.iter_rows(min_row=2)]
    assert len(cells) == 3 and all(len(c) <= 32_767 for c in cells)
    assert [r[1].value for r in ws.iter_rows(min_row=2)] == ["Borgerservice"] * 2 + ["Skole"]
    for row in ws.iter_rows(min_row=2):
        if row[2].value:  # the first row of each contact point
            row[0].value = str(uuid.uuid4())
    wb.save(path)
    points = read_contact_points(path, label="plan.xlsx", system_id=None)
    assert [f.code for f in points.findings] == []
    by_name = {p.name: p for p in points.points}
    assert len(by_name["Borgerservice"].translations) == 6001
    assert (100233, 2) in by_name["Borgerservice"].translations
    assert by_name["Skole"].targets == ("CITIZEN",)


def test_a_plan_row_without_its_id_says_to_fill_it_in(tmp_path: Path) -> None:
    from ngdpkit.deliverables.outputs import write_plan
    from ngdpkit.inputs.contact_points import read_contact_points
    from ngdpkit.inputs.mapping import PlanEntry

    path = write_plan(
        tmp_path / "plan.xlsx", (PlanEntry("Skole", ("CITIZEN",), True, 1, ("0200001",)),)
    )
    found = read_contact_points(path, label="plan.xlsx", system_id=None).findings
    assert [(f.code, f.message) for f in found] == [
        (
            "CONTACT_POINT_GUID_INVALID",
            "Contact point 'Skole' has no ID: fill in its ID from Administrativ Adgang.",
        )
    ]


def test_the_suggestions_are_in_the_runs_language_and_read_back_as_a_mapping_file(
    sample_copy: Path,
) -> None:
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('mapping = "mapping-test.xlsx"\n', "", 1), encoding="utf-8")
    r = cli("run", "--settings", str(settings), "--env", "test")
    assert r.returncode in (0, 1), r.stderr
    path = next((sample_copy / "runs" / "test").glob("2*/mapping-suggestions.xlsx"))
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "Forslag"
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["Postkasse-ID", "Emne-ID", "NgDP Guid", "Begrundelse", "Godkend"]
    first = next(ws.iter_rows(min_row=2))
    assert first[3].value == "foreslået ud fra navnet"
    first[4].value = "x"  # the consultant marks one suggestion
    wb.save(sample_copy / "marked.xlsx")
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "[environments.test]\n", '[environments.test]\nmapping = "marked.xlsx"\n', 1
        ),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(settings), "--env", "test", "--json")
    found = json.loads(r.stdout)["findings"]
    unmapped = [f for f in found if f["code"] == "MAILBOX_UNMAPPED"]
    assert not any(str(first[0].value) in f["message"] for f in unmapped)
    assert not [f for f in found if f["code"] == "CONTACT_POINT_GUID_INVALID"]
