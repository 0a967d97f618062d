"""Open the sign-off page in headless Chromium, as a customer would, and keep a screenshot."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.documents.signoff import browser_args, find_browser


@pytest.fixture(scope="module")
def browser() -> str:
    found = find_browser()
    if found is None:
        pytest.skip(
            "no Chromium, Chrome or Edge on this machine (install Debian's chromium to run this test)"
        )
    return found


def test_signoff_page_in_chromium(browser: str, tmp_path: Path, sample_run: dict[str, Any]) -> None:
    r = sample_run["result"]  # the session's run of the sample's test environment
    assert r.returncode == 0, r.stdout
    run_dir = Path(sample_run["run_dir"])
    page = run_dir / "signoff" / "index.html"
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [*browser_args(browser, profile), "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "<title>Godkendelsesdokument - Eksempel Kommune (fiktiv) - test</title>" in dom.stdout
    assert (
        "01 Postkasser (e-Boks-eksport)" in dom.stdout
        and "05 Dispatcher-konfiguration" in dom.stdout
    )
    # the diagram and the checklist are on the overview, near its top
    assert (
        "Overblik over integrationen" in dom.stdout and "data:image/svg+xml;base64," in dom.stdout
    )
    assert "Tjekliste: hvem gør hvad" in dom.stdout and "Næste handling" in dom.stdout
    shot = tmp_path / "signoff.png"
    subprocess.run(
        [
            *browser_args(browser, profile),
            "--hide-scrollbars",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    assert shot.is_file() and shot.stat().st_size > 20_000
    keep = Path(__file__).parent / ".artifacts"
    keep.mkdir(exist_ok=True)
    shutil.copy(shot, keep / "signoff-test.png")


def test_pdf_printing(browser: str, tmp_path: Path) -> None:
    from ngdpkit.documents.signoff import page, print_pdf

    html = tmp_path / "p.html"
    html.write_text(page("t", "<h1>Hej</h1>", language="da"), encoding="utf-8")
    assert print_pdf(html, tmp_path / "p.pdf") is None
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")
