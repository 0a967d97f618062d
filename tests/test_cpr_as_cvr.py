"""A CPR number typed as ``organisation.cvr`` stays off everything a run writes."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.conftest import cli


def test_a_cpr_number_as_the_cvr_is_on_no_page_workbook_or_notebook(sample_copy: Path) -> None:
    """A consultant's week two: with a CPR number in organisation.cvr, CVR_INVALID and
    CERT_CVR_MISMATCH left it out, but every page's and notebook's header ("Organisation:
    Eksempel Kommune (CVR 010170-1299)"), the overview and mailbox-mapping.xlsx's "Om" sheet
    still printed it, on the pages the customer signs. They say it is left out instead."""
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('cvr = "98765433"', 'cvr = "010170-1299"'), encoding="utf-8")
    r = cli("run", "--settings", str(settings), "--env", "test", cwd=sample_copy)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "010170-1299" not in r.stdout + r.stderr
    run_dir = Path(r.stdout.strip().splitlines()[-1])
    held = []
    for path in run_dir.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        if b"010170-1299" in data or b"0101701299" in data:
            held.append(path.relative_to(run_dir).as_posix())
    assert held == []
    overview = (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "(CVR CPR-nummer udeladt)" in overview
