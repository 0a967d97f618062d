"""The contact point plan reads back (contract §12.7): written in the run's language with an
empty contact point ID column, filled in after the portal, it is a contact points file."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import run_cli


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
    r = run_cli("run", "--settings", str(settings), "--env", "test")
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
    r = run_cli("check", "--settings", str(settings), "--env", "test", "--json")
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
