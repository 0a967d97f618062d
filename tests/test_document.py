"""Issue 14 (in part): honest statuses, what a signature confirms, the diagram, the checklist
and the whole document as one A4 PDF, read back."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from ngdpkit.findings import Finding
from tests.conftest import pdf_texts, run_cli


def test_verdict_is_honest() -> None:
    from ngdpkit.run.pages import verdict

    ready = {"ready": True}
    warn = [Finding("warning", "IP_DOCUMENTATION_RANGE", "x")]
    err = [Finding("error", "CONTACT_POINT_UNKNOWN", "x")]
    info = [Finding("info", "MAILBOX_SHEET_USED", "x")]
    assert verdict(info, ready, crashed=False) == "ready"
    assert verdict(warn, ready, crashed=False) == "ready_with_remarks"  # not "klar" with warnings
    assert verdict(err, ready, crashed=False) == "not_ready"
    assert verdict(info, {"ready": False}, crashed=False) == "not_ready"
    assert verdict(info, None, crashed=False) == "not_ready"
    assert verdict(info, ready, crashed=True) == "not_ready"


@pytest.fixture(scope="module")
def blocked_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """A run whose dispatcher is not ready: the default contact point is another environment's."""
    sample = tmp_path_factory.mktemp("blocked") / "sample"
    shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
    toml = sample / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'default_contact_point = "9366b98e-64ef-58fe-a723-950f3d511167"',
            'default_contact_point = "0e3f7507-6c3a-5658-910d-f93aafd577e7"',
        ),
        encoding="utf-8",
    )
    run_cli("run", "--settings", str(toml), "--env", "test")
    return next((sample / "runs" / "test").glob("2*"))


def test_a_withheld_dispatcher_step_is_not_ok(blocked_run: Path) -> None:
    page = (blocked_run / "signoff" / "index.html").read_text(encoding="utf-8")
    row = re.search(r"05 Dispatcher-konfiguration</a></td><td>(.*?)</td>", page, re.S)
    assert row and "blokeret" in row.group(1) and ">ok<" not in row.group(1)
    assert "ikke klar" in page and ">klar<" not in page
    checklist = (blocked_run / "signoff" / "checklist.html").read_text(encoding="utf-8")
    assert "blokeret" in checklist


def test_the_trail_says_when_step_05_s_dispatcher_is_blocked(
    blocked_run: Path, sample_run_dir: Path
) -> None:
    """A support engineer's read: the trail's step 05 said "ok" (its own findings are none)
    beside a dispatcher the other steps' errors withheld; its record says which it was."""

    def step_05(run_dir: Path) -> dict[str, object]:
        records = [json.loads(x) for x in (run_dir / "audit.jsonl").read_text().splitlines()]
        (record,) = [r for r in records if r.get("step") == "05_dispatcher_config"]
        return record

    blocked = step_05(blocked_run)
    assert blocked["dispatcher"] in {"withheld", "not_ready"}, blocked
    assert "DEFAULT_CONTACT_POINT_UNKNOWN" in blocked.get("withheld_by", blocked.get("blocking"))
    assert step_05(sample_run_dir)["dispatcher"] == "ready"


def test_rehearsal_against_the_simulator_is_never_ready(sample_copy: Path, tmp_path: Path) -> None:
    r = run_cli(
        "rehearse",
        "--settings",
        str(sample_copy / "migration.toml"),
        "--env",
        "test",
        "--out",
        str(tmp_path),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    page = next(tmp_path.rglob("signoff/index.html")).read_text(encoding="utf-8")
    assert "lokal øvelse – ikke NgDP" in page and ">klar<" not in page


def test_the_signature_says_what_it_confirms(sample_run_dir: Path) -> None:
    page = (sample_run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    anchor = [
        json.loads(x)
        for x in (sample_run_dir / "audit.jsonl").read_text().splitlines()
        if '"outputs_sealed"' in x
    ][-1]["hash"]
    declaration = re.search(r'<p class="declaration">(.*?)</p>', page, re.S)
    assert declaration
    text = declaration.group(1)
    assert "test" in text and sample_run_dir.name in text and anchor in text
    assert page.index("declaration") < page.index('class="sigs"')
    for field in ("Navn", "Rolle", "Dato", "Underskrift"):
        assert field in page
    # offline, nothing is seen in place: not ready, with the steps still to go counted
    assert '<b class="status-bad">ikke klar: 8 af 8 trin mangler</b>' in page
    # and the signatures say they do not approve go-live (a customer's cold read: "what am
    # I signing?"), before the signature blocks
    said = "Underskriften godkender ikke idriftsættelse. Miljøets status er »ikke klar: 8 af 8 trin mangler«"
    assert page.index("declaration") < page.index(said) < page.index('class="sigs"')
    # offline with no server check handed in, it does not send the reader to server checks
    assert "ingen server har afleveret en serverkontrol endnu" in page
    assert "se serverkontrollerne" not in page


def test_diagram_and_checklist(sample_run_dir: Path, sample_dir: Path) -> None:
    from ngdpkit.documents.diagram import COLOURS, render_diagram
    from ngdpkit.settings import load_settings

    svg = (sample_run_dir / "signoff" / "diagram.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "TESTMILJØ" in svg and COLOURS["test"] in svg
    assert "api.test.digitalpost.dk" in svg and "198.51.100.12/31" in svg and "wz-web01-t" in svg
    settings = load_settings(sample_dir / "migration.toml")
    prod = render_diagram(
        settings.environment("production"), organisation="<b>x</b>", language="da"
    )
    assert "PRODUKTION" in prod and COLOURS["production"] in prod and COLOURS["test"] not in prod
    assert "/api/MeMoV1/" in prod and "receipt" in prod  # NgDP's calls to the push endpoints
    assert "&lt;b&gt;x&lt;/b&gt;" in prod and "<b>x</b>" not in prod
    import openpyxl

    wb = openpyxl.load_workbook(sample_run_dir / "checklist.xlsx")
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0] == ("Trin", "Hvem", "Status", "Belæg", "Næste handling")
    assert len(rows) == 9
    assert {r[2] for r in rows[1:]} <= {"ikke verificeret", "mangler", "blokeret"}  # none done
    acceptance = rows[8]
    assert acceptance[2] == "mangler" and "rehearse --against ngdp" in acceptance[4]


@pytest.fixture(scope="module")
def sample_run_dir(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    d = tmp_path_factory.mktemp("doc") / "sample"
    shutil.copytree(sample_dir, d, ignore=shutil.ignore_patterns("runs"))
    from ngdpkit.documents.signoff import find_browser

    pdf = ["--pdf"] if find_browser() else []
    r = run_cli("run", "--settings", str(d / "migration.toml"), "--env", "test", *pdf)
    assert r.returncode == 0, r.stdout + r.stderr
    return next((d / "runs" / "test").glob("2*"))


def test_the_whole_document_as_one_a4_pdf(sample_run_dir: Path) -> None:
    from ngdpkit.documents.signoff import find_browser

    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    from pypdf import PdfReader

    reader = PdfReader(str(sample_run_dir / "signoff" / "signoff.pdf"))
    pages = reader.pages
    assert len(pages) > 10
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pages}
    assert sizes <= {(595, 842), (842, 595)}  # A4, the appendix in landscape
    texts = pdf_texts(sample_run_dir / "signoff" / "signoff.pdf")
    for i, text in enumerate(texts, start=1):
        assert f"side {i} af {len(pages)}" in text
        assert sample_run_dir.name in text and "Eksempel Kommune" in text
    whole = "\n".join(texts)
    for heading in (
        "Registrering i Administrativ Adgang",
        "Firewall-regler",
        "Certifikat",
        "Tjekliste",
        "NgDP-dispatcher i WorkZone",
    ):
        assert heading in whole, heading
    anchor = [
        json.loads(x)
        for x in (sample_run_dir / "audit.jsonl").read_text().splitlines()
        if '"outputs_sealed"' in x
    ][-1]["hash"]
    assert anchor[:24] in whole.replace("\n", "")
    mapping = (sample_run_dir / "mailbox-mapping.csv").read_text(encoding="utf-8-sig")
    guids = set(
        re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", mapping)
    )
    assert guids and all(g in whole for g in guids)  # never broken across lines
    signatures = next(i for i, t in enumerate(texts) if "Underskrifter" in t)
    appendix = next(
        i for i, t in enumerate(texts) if "Tilknytning af postkasser" in t or "Bilag" in t
    )
    assert signatures < appendix


def test_the_pdf_holds_the_runbook_with_its_whole_commands(sample_run_dir: Path) -> None:
    """A go-live look: the signed PDF held the overview, the step pages and the dispatcher,
    and not the runbook (the plan for the switch, and the verdict before its step 1). It is
    printed after the dispatcher, before the appendix, with its commands whole."""
    from ngdpkit.documents.signoff import find_browser

    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    texts = pdf_texts(sample_run_dir / "signoff" / "signoff.pdf")
    runbook = next(i for i, t in enumerate(texts) if "Drejebog for idriftsættelse (test)" in t)
    dispatcher = next(i for i, t in enumerate(texts) if "NgDP-dispatcher i WorkZone" in t)
    appendix = next(i for i, t in enumerate(texts) if "Postkasser og kontaktpunkter pr. enhed" in t)
    assert dispatcher <= runbook < appendix
    said = " ".join(" ".join(texts[runbook:appendix]).split())
    assert "Før drejebogens trin 1: klar til at begynde?" in said
    assert "ngdpkit watch --settings migration.toml --env test" in said, said


def test_plurals_and_numbers_through_babel() -> None:
    from ngdpkit.documents.i18n import count

    assert count("da", 1, "warning") == "1 advarsel"
    assert count("da", 3, "warning") == "3 advarsler"
    assert count("da", 2, "error") == "2 fejl"
    assert count("da", 1200, "mailbox") == "1.200 postkasser"
    assert (
        count("en", 1, "warning") == "1 warning"
        and count("en", 1200, "mailbox") == "1,200 mailboxes"
    )


def test_notebook_header_names_its_settings_and_the_next_step(
    sample_dir: Path, tmp_path: Path
) -> None:
    from ngdpkit.steps.core import finish_step, header, start_step

    step = start_step(
        "01_mailboxes",
        settings=str(sample_dir / "migration.toml"),
        environment="test",
        run_dir=str(tmp_path),
    )
    html = header(step)._repr_html_()
    # in Danish throughout (a customer's cold read: "notebookens parameter settings",
    # "Miljø: production (production)")
    assert "Indstillinger: migration.toml (fra notebookens parametercelle)" in html
    assert "<b>test</b> (testmiljø)" in html
    done = finish_step(step)._repr_html_()
    assert "Næste: kør 02 Kontaktpunkter og tilknytning." in done
    # step 05 with no finding does not say "fix the findings" (a customer's cold read)
    last = start_step(
        "05_dispatcher_config",
        settings=str(sample_dir / "migration.toml"),
        environment="test",
        run_dir=str(tmp_path / "05"),
    )
    said = finish_step(last)._repr_html_()
    # in a run the page is part of the sign-off document: no "run ngdpkit to get it"
    assert "Næste: oversigten (index.html) samler trinene til gennemgang og underskrift." in said
    assert "ret fundene" not in said and "kør ngdpkit run" not in said
    lab = start_step(
        "05_dispatcher_config",
        settings=str(sample_dir / "migration.toml"),
        environment="test",
        run_dir=str(tmp_path / "lab"),
    )
    assert "Næste: kør ngdpkit run for at få godkendelsesdokumentet." in (
        finish_step(lab)._repr_html_()
    )
    assert "text-align: left !important" in html  # JupyterLab right-aligns table cells


def test_the_validity_timeline_says_its_dates_in_the_pages_form_and_copenhagen() -> None:
    """A customer's cold read: the certificate page said "2026-12-05 → 2029-12-04" beside
    "04-12-2029 kl. 20:42". The dates are Copenhagen's, in the page's form."""
    from ngdpkit.documents.display import validity_timeline

    items = [("test: CN", "2026-12-05T00:30:00+00:00", "2029-12-04T23:30:00+00:00")]
    now = "2027-01-01T00:00:00+00:00"
    da = validity_timeline(items, now_iso=now, language="da")._repr_html_()
    assert "05-12-2026 → 05-12-2029" in da  # 23:30 UTC is past midnight in Copenhagen
    en = validity_timeline(items, now_iso=now, language="en")._repr_html_()
    assert "2026-12-05 → 2029-12-05" in en


def test_the_export_summary_counts_rows_and_mailboxes_apart(sample_dir: Path) -> None:
    """A customer's cold read: "200 postkasser, 165 forskellige postkasse-ID'er" left them
    asking how many mailboxes there are. Rows are (mailbox, subject) pairs."""
    from ngdpkit.documents.display import mailbox_summary_html
    from ngdpkit.inputs.mailboxes import read_mailbox_export

    export = read_mailbox_export(sample_dir / "mailboxes.xlsx", label="mailboxes.xlsx")
    frame = export.frame
    rows, ids = len(frame), int(frame["mailbox_id"].nunique())
    assert rows > ids
    da = mailbox_summary_html(export, language="da")._repr_html_()
    assert f"{rows} rækker (postkasse og emne), {ids} postkasser" in da
    en = mailbox_summary_html(export, language="en")._repr_html_()
    assert f"{rows} rows (mailbox and subject), {ids} mailboxes" in en


def test_a_mailbox_without_a_unit_is_listed_under_a_dash() -> None:
    """A consultant's cold run: a row whose "Ansvarlig enhed" was empty (None in the mapping)
    was on no unit's table, so the page's units summed to one row less than the export. It
    is under "Ingen enhed"."""
    import pandas as pd

    from ngdpkit.documents.display import mapping_by_unit_html

    cells = {
        c: ["", "", ""]
        for c in ("subject_id", "case", "ngdp_guid", "contact_point", "source", "status")
    }
    frame = pd.DataFrame(
        {
            "mailbox_id": ["0100001", "0100002", "0100003"],
            "mailbox_name": ["Pas", "Uden enhed", "Blank enhed"],
            "responsible_unit": ["Borgerservice", None, "  "],
            **cells,
        }
    )
    page = str(mapping_by_unit_html(frame, language="da"))
    assert "Borgerservice (1)" in page and "Ingen enhed (2)" in page
    # what the number counts: rows, not mailboxes (a customer's cold read)
    assert page.index("tæller rækker (postkasse og emne") < page.index("Borgerservice (1)")
    assert "Uden enhed" in page and "Blank enhed" in page


def test_blocking_codes_are_named_in_words_with_the_code_beside() -> None:
    """A consultant's cold run: the overview and the dispatcher page said "ikke klar:
    MAILBOX_UNMAPPED" to the customer who signs. Each code is its title in the page's language,
    with the code in brackets for the consultant."""
    from ngdpkit.documents.change_text import codes_in_words

    said = codes_in_words(("MAILBOX_UNMAPPED", "CELL_FORMULA_NO_VALUE"), "da")
    assert said == (
        "Postkassen er ikke tilknyttet et kontaktpunkt (MAILBOX_UNMAPPED); "
        "Formel uden gemt værdi i regnearket (CELL_FORMULA_NO_VALUE)"
    )
    assert codes_in_words(("MAILBOX_UNMAPPED",), "en") == "Mailbox unmapped (MAILBOX_UNMAPPED)"
    assert codes_in_words(("NOT_A_KNOWN_CODE",), "da") == "Not a known code (NOT_A_KNOWN_CODE)"


def test_a_part_printed_on_its_own_page_leaves_a_pointer_not_an_empty_heading(
    sample_run_dir: Path,
) -> None:
    """A customer's cold read of the PDF: "Administrativ Adgang" and "Firewall" in notebook
    04's part, and notebook 05's part, were headings with nothing under them (their tables
    are printed on their own pages). In the PDF each says where it is printed; on screen the
    table is shown and the pointer is not."""
    from ngdpkit.documents.signoff import find_browser

    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    whole = "\n".join(pdf_texts(sample_run_dir / "signoff" / "signoff.pdf"))
    for where in (
        "Registrering i Administrativ Adgang (test)",
        "Firewall-regler (test)",
        "NgDP-dispatcher i WorkZone (test)",
    ):
        assert f"Står i dokumentets eget afsnit »{where}«." in whole.replace("\r\n", " "), where
    page = (sample_run_dir / "signoff" / "04_system_and_network.html").read_text(encoding="utf-8")
    pointer = page.index("Står i dokumentets eget afsnit »Firewall-regler (test)«")
    assert page.rindex('class="nk print-only"', 0, pointer) > page.rindex("also-in-pdf", 0, pointer)


def test_the_declaration_says_what_the_anchor_pins_and_what_it_cannot(
    sample_run_dir: Path,
) -> None:
    """A customer's cold read: "identified by the anchor" promised more than ``audit verify``
    says (the pages print the anchor, so it cannot pin them). An unsealed run's declaration
    says that the anchor pins the deliverables, not the pages; a sealed one names its seal
    instead (tests/test_signing.py)."""
    page = (sample_run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    said = "Ankeret låser kørslens leverancer (bl.a. dispatcher-config.json og mailbox-mapping.xlsx), ikke selve siderne"
    assert page.index("declaration") < page.index(said) < page.index('class="sigs"')
    assert "forsegles elektronisk" not in page
    # a customer's cold read: "Værdierne tastes derfor fra leverancerne" while the checklist
    # and the runbook say to type them from the dispatcher's page; the page is what is typed
    # from, the deliverables hold in doubt
    assert "er der tvivl, gælder leverancerne" in page
    assert "Værdierne tastes derfor fra leverancerne" not in page


def test_the_checklist_says_what_its_statuses_and_evidence_mean(sample_run_dir: Path) -> None:
    """A customer's cold read: "ikke verificeret" beside "mangler" was not explained, and the
    evidence column held plans. Under the checklist, on the overview and its own page, each
    status and each kind of evidence is said in a sentence."""
    for name in ("index.html", "checklist.html"):
        page = html.unescape((sample_run_dir / "signoff" / name).read_text(encoding="utf-8"))
        for said in ("»ikke verificeret« er forberedt i leverancerne", "»planlagt« findes kun"):
            assert said in page, (name, said)


def test_the_certificate_page_writes_its_days_as_danish_numbers(sample_run_dir: Path) -> None:
    """A customer's read: "1094 dage tilbage" on the certificate's page; Danish groups the
    thousands with a dot."""
    import re

    page = (sample_run_dir / "signoff" / "03_certificate.html").read_text(encoding="utf-8")
    said = re.findall(r"([0-9.]+) dage tilbage", page)
    assert said and all(re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})*", n) for n in said), said
    # "Miljø | test → test" said nothing to a customer
    assert "test; certifikatkæden ender i det rodcertifikat, der er angivet for test" in page
    assert "test → test" not in page


def test_the_default_contact_point_is_named_beside_its_guid(sample_run_dir: Path) -> None:
    """A customer's cold read: the dispatcher's ContactPointGuid stood as a GUID alone on the
    overview and the dispatcher's page, and a unit's contact point set there by mistake
    looked like any other. Its name in this environment and what it is for stand beside it."""
    said = (
        "»Eksempel Kommune - hovedpostkasse« – standardkontaktpunktet (udledt: bruges til breve "
        "fra postkasser, der ikke er tilknyttet et kontaktpunkt; KMD's vejledning nævner kun "
        "parameteren)"
    )
    for page in ("index.html", "dispatcher.html", "05_dispatcher_config.html"):
        text = html.unescape((sample_run_dir / "signoff" / page).read_text(encoding="utf-8"))
        assert said in text, page
    from ngdpkit.documents.signoff import default_contact_point_words

    hostile = {"g": "<script>x</script>"}
    assert default_contact_point_words("g", hostile, "en").startswith(
        "'<script>x</script>' – the default contact point (inferred: used for letters"
    )
    assert default_contact_point_words("other", hostile, "da").startswith(
        "standardkontaktpunktet (udledt: bruges til breve"
    )


def test_every_unit_is_summed_up_with_where_it_lands(sample_run_dir: Path) -> None:
    """A customer's cold read: two units swapped showed only in the rows of the per-unit
    tables past the signatures, and with 3,000 rows the last units were not in the signed
    document at all ("… og 720 postkasser mere i 3 enheder", 720 rows). Every unit is one
    line of a summary, its contact points counted in rows; the table cut past its limit
    names the units it leaves out, counting rows."""
    import pandas as pd

    from ngdpkit.documents.display import mapping_by_unit_html, unit_summary_rows

    frame = pd.DataFrame(
        {
            "mailbox_id": ["1", "2", "3", "4", "5", "6"],
            "subject_id": [""] * 6,
            "mailbox_name": ["a", "b", "c", "d", "e", "f"],
            "responsible_unit": ["Skole", "Skole", "Skole", "Kultur", "Kultur", None],
            "case": [""] * 6,
            "ngdp_guid": ["k", "k", "", "s", "g", ""],
            "contact_point": ["Kultur - X", "Kultur - X", "", "Skole - X", "", ""],
            "source": [""] * 6,
            "status": ["mapped", "mapped", "retired", "mapped", "mapped", "unmapped"],
        }
    )
    assert unit_summary_rows(frame, "da") == [
        ("Ingen enhed", "1", "–", "1", "0"),
        ("Kultur", "2", "Skole - X (1); g (1)", "0", "0"),
        ("Skole", "3", "Kultur - X (2)", "0", "1"),
    ]
    numbered = frame.assign(responsible_unit=["Enhed 10", "Enhed 2", "Enhed 2", "x", "x", "x"])
    assert [r[0] for r in unit_summary_rows(numbered, "da")] == ["Enhed 2", "Enhed 10", "x"]
    cut = html.unescape(str(mapping_by_unit_html(frame, limit=1, language="da")))
    assert "… og yderligere 5 rækker (postkasse og emne) i 2 enheder: Kultur, Skole." in cut, cut
    page = html.unescape((sample_run_dir / "signoff" / "index.html").read_text(encoding="utf-8"))
    summary = page[page.index("Enheder og kontaktpunkter") :]
    assert summary.index("Borgerservice - Eksempel Kommune (43)") < summary.index("Bilag")
    assert page.index("Enheder og kontaktpunkter") > page.index("Underskrifter")


def test_the_declaration_is_printed_on_the_page_of_the_boxes(sample_run_dir: Path) -> None:
    """A customer's cold read: in signoff.pdf the signature boxes stood alone on page 3, and
    a longer declaration was split over pages 2 and 3; a signature page that can be taken
    out is poor practice. The declaration, its notes and both boxes print on one page."""
    from tests.conftest import pdf_texts

    pdf = sample_run_dir / "signoff" / "signoff.pdf"
    if not pdf.exists():
        pytest.skip("no browser here to print the PDF")
    texts = [" ".join(text.split()) for text in pdf_texts(pdf)]
    (page,) = [text for text in texts if "Med sin underskrift bekræfter hver part" in text]
    assert "Underskrifter" in page and "Konsulent" in page and "Kunde" in page
    assert "en senere kørsel har et andet anker" in page


def certificate_card_of(
    *,
    days_left: int,
    not_after: str = "2026-11-07T08:20:00Z",
    chains_to: str | None = "test",
    language: str = "da",
) -> str:
    """The certificate card of a made-up certificate (its days left, end and chain given)."""
    from ngdpkit.checks.certificates import CertificateFacts
    from ngdpkit.documents.display import certificate_card

    facts = CertificateFacts(
        thumbprint_sha1="AB" * 20,
        sha256="CD" * 32,
        subject="CN=WorkZone NgDP",
        issuer="CN=Udsteder",
        serial_number="1",
        not_before="2025-10-03T08:00:00Z",
        not_after=not_after,
        days_left=days_left,
        cvr="98765433",
        organisation="Testkommune",
        common_name="WorkZone NgDP",
        key="RSA 3072",
        chains_to=chains_to,
    )
    return str(certificate_card(facts, label="c.p12", kind="test", language=language))


def test_an_expired_certificates_card_says_since_when_not_minus_days_left() -> None:
    """A signer's read of a run with an expired certificate: its card said "-30 dage
    tilbage" (twice), and a certificate with one day left "1 dage tilbage"."""

    def card(days: int, language: str = "da") -> str:
        return certificate_card_of(days_left=days, language=language)

    expired = card(-30)
    assert "-30" not in expired and "dage tilbage" not in expired
    assert expired.count("udløbet for 30 dage siden") == 2, expired
    assert "1 dag tilbage" in card(1) and "1 dage" not in card(1)
    assert "1.094 dage tilbage" in card(1094)
    assert "expired 30 days ago" in card(-30, "en") and "-30" not in card(-30, "en")
    assert "1 day left" in card(1, "en")


def test_a_certificate_card_without_a_trusted_chain_says_so_not_a_question_mark() -> None:
    """A signer's read of a run whose certificate chains to none of the roots given
    (CERT_CHAIN_INVALID): the card said "certifikatkæden ender i det rodcertifikat, der er
    angivet for ?"."""

    def card(chains_to: str | None, language: str = "da") -> str:
        return certificate_card_of(
            days_left=700, not_after="2028-11-07T08:20:00Z", chains_to=chains_to, language=language
        )

    untrusted = card(None)
    assert "angivet for ?" not in untrusted
    assert "test; certifikatkæden ender ikke i et af de angivne rodcertifikater" in untrusted
    assert "the root given for ?" not in card(None, "en")
    assert "ends in none of the roots given" in card(None, "en")
    assert "ender i det rodcertifikat, der er angivet for test" in card("test")


def test_a_certificate_that_expired_under_a_day_ago_is_not_said_to_have_days_left() -> None:
    """A date-and-time auditor's look: one second after its end a certificate has 0 whole
    days left (as ``days_left`` counts them), and its card said "0 dage tilbage" beside
    CERT_EXPIRED. Given the check's time, the card says it has expired."""
    import datetime as dt

    from ngdpkit.checks.certificates import CertificateFacts
    from ngdpkit.documents.display import certificate_card

    end = "2026-11-07T08:20:00Z"
    facts = CertificateFacts.of(
        {
            "thumbprint_sha1": "AB" * 20, "sha256": "CD" * 32, "subject": "CN=W",
            "issuer": "CN=U", "serial_number": "1", "not_before": "2025-10-03T08:00:00Z",
            "not_after": end, "days_left": 0, "cvr": "98765433", "organisation": "T",
            "common_name": "W", "key": "RSA 3072", "chains_to": "test",
        }
    )  # fmt: skip
    at = dt.datetime(2026, 11, 7, 8, 20, 1, tzinfo=dt.UTC)

    def card(now: dt.datetime | None, language: str = "da") -> str:
        return str(certificate_card(facts, label="c", kind="test", language=language, now=now))

    assert card(at).count("udløbet for under en dag siden") == 2
    assert "0 dage tilbage" not in card(at)
    assert "expired less than a day ago" in card(at, "en")
    before = dt.datetime(2026, 11, 7, 8, 19, 59, tzinfo=dt.UTC)
    assert "0 dage tilbage" in card(before) and "udløbet" not in card(before)


def test_a_unit_table_takes_each_badge_made_once_as_it_is_made_anew() -> None:
    """Session 42 (speed): a unit's table takes the source's words and the status badge made
    for an earlier row with the same source, status and flag, instead of a template call per
    row. Every row still reads as it does made on its own: flagged or not, each status, each
    source, in both languages."""
    from ngdpkit.documents.display import _unit_table_row

    recs = [
        ("1", "", "a", "", "g1", "A", "translation", "mapped"),
        ("2", "", "b", "", "g1", "A", "translation", "mapped"),
        ("3", "", "c", "", "", "", "file", "retired"),
        ("4", "", "d", "", "", "", "", "unmapped"),
        ("5", "", "e", "", "g2", "B", "translation", "mapped"),
        ("6", "", "f", "", "g2", "B", "file", "mapped"),
        ("7", "", "g", "", "", "", "file", "retired"),
        ("8", "", "h", "", "g9", "", "export", "unknown contact point"),
    ]
    flags = [
        None,
        None,
        None,
        None,
        ("warning", "UNIT_NAMED_ELSEWHERE"),
        None,
        ("error", "X"),
        None,
    ]
    for language in ("da", "en"):
        made: dict = {}
        for rec, flag in zip(recs * 2, flags * 2, strict=True):
            once = _unit_table_row(rec, flag, language, made)
            anew = _unit_table_row(rec, flag, language)
            assert [str(c) for c in once] == [str(c) for c in anew]
            assert type(once[-1]) is type(anew[-1])
        assert len(made) == 7  # rows 1 and 2 share theirs; the second pass makes none
