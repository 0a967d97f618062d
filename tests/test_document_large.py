"""Issue 14 (in part), at size: the whole document of a 5,000-mailbox sample as one A4 PDF,
read back (contract §12.9). Its own module, apart from test_document.py's, so that a parallel
run starts it first: it is the suite's longest test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import pdf_texts, run_cli


@pytest.fixture(scope="module")
def large_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with 5,000 mailboxes, run with --pdf (contract §12.9)."""
    from ngdpkit.documents.signoff import find_browser

    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    d = tmp_path_factory.mktemp("large") / "sample"
    r = run_cli("sample", str(d), "--mailboxes", "5000")
    assert r.returncode == 0, r.stderr
    r = run_cli("run", "--settings", str(d / "migration.toml"), "--env", "test", "--pdf")
    assert r.returncode == 0, r.stdout + r.stderr
    return next((d / "runs" / "test").glob("2*"))


def test_a_large_document_is_signed_by_page_three(large_pdf: Path) -> None:
    """At 5,000 mailboxes the signatures come by page 3, every per-mailbox list is in the
    appendix, each table is printed once and nothing addressed to the consultant is."""
    texts = pdf_texts(large_pdf / "signoff" / "signoff.pdf")
    signatures = next(i for i, t in enumerate(texts, 1) if "Underskrifter" in t)
    assert signatures <= 3
    first_appendix = next(i for i, t in enumerate(texts, 1) if "Bilag:" in t)
    assert first_appendix > signatures
    body = "\n".join(texts[: first_appendix - 1])
    appendix = "\n".join(texts[first_appendix - 1 :])
    csv = (large_pdf / "mailbox-mapping.csv").read_text(encoding="utf-8-sig").splitlines()
    mailbox_ids = [line.split(";")[0] for line in csv[1:]]
    assert len(mailbox_ids) == 5000
    # per-mailbox rows live in the appendix only (a mailbox ID in the body is an exception:
    # the summary names none)
    in_body = [m for m in mailbox_ids[::50] if m in body]
    assert not in_body, in_body[:5]
    assert all(m in appendix for m in mailbox_ids[::50])
    for heading in (
        "Bilag: alle fund",
        "Bilag: firewall-ordren",
        "Bilag: postkasse-oversættelser",
        "Postkasser og kontaktpunkter pr. enhed",
    ):
        assert heading in appendix, heading
    whole = body + appendix
    assert "Næste:" not in whole and "Next:" not in whole  # the notebooks keep it
    assert whole.count("Tjekliste: hvem gør hvad") == 1
    assert whole.count("Bilag: firewall-ordren") == 1
    # the firewall order is printed once: one of its rows, with its purpose, in the appendix
    assert body.count("Kildeserver") == 0 and appendix.count("Kildeserver") >= 1
