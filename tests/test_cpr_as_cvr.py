"""A CPR number typed as ``organisation.cvr`` stays off everything a run writes."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

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


# --- session 42: a CPR number written with its date set apart, and where the CVR is sent ---

SPACED = ["01 01 70 1299", "01-01-70-1299", "010170 1299", "01. 01. 70-1299", "01 01 70-1299"]
NOT_CPR = [
    "12 34 56 78",  # a phone number
    "+45 12 04 56 78",
    "12345678",  # a CVR number
    "98765433",
    "tlf. 01 02 03 04 05 06",  # pairs all through: the last four are no group
    "2026-01-07 1234",  # an ISO date: its year is four digits
    "31 12 24 12 00",
    "Postkasse 0999001",
]


@pytest.mark.parametrize("typed", SPACED)
def test_a_cpr_number_with_its_date_set_apart_is_hidden_everywhere(typed: str) -> None:
    """A DPO's look: "01 01 70 1299" and "01-01-70-1299" matched no CPR pattern of the kit,
    so a finding's words, the console and the pages' CVR echoed them."""
    from ngdpkit.checks.system import cpr_shaped, shown_cvr
    from ngdpkit.redact import HIDDEN_CPR, hide_cpr, hide_cpr_in_name, hide_cpr_words, holds_cpr

    assert hide_cpr(f"Enhed {typed} mangler") == f"Enhed {HIDDEN_CPR} mangler"
    assert hide_cpr_words(f"Enhed {typed}.") == f"Enhed {HIDDEN_CPR}."
    assert hide_cpr_in_name(f"Værgemål ({typed})") == f"Værgemål ({HIDDEN_CPR})"
    assert holds_cpr(typed) and cpr_shaped(typed) and shown_cvr(typed) == HIDDEN_CPR


@pytest.mark.parametrize("text", NOT_CPR)
def test_phone_numbers_cvr_numbers_and_dates_still_show(text: str) -> None:
    from ngdpkit.checks.system import cpr_shaped, shown_cvr
    from ngdpkit.redact import hide_cpr, hide_cpr_words, holds_cpr

    assert hide_cpr(text) == text and hide_cpr_words(text) == text and not holds_cpr(text)
    if text.replace(" ", "").isdigit():
        assert not cpr_shaped(text) and shown_cvr(text) == text


def with_cvr(sample: Path, cvr: str) -> Path:
    settings = sample / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('cvr = "98765433"', f'cvr = "{cvr}"'), encoding="utf-8")
    return settings


@pytest.mark.parametrize("cvr", ["010170-1299", "01 01 70 1299"])
def test_the_ngdp_read_never_sends_a_cpr_number_as_the_cvr(
    sample_dir: Path, tmp_path: Path, cvr: str
) -> None:
    """The organisation search (GET /organisations/?cvrNumber=) sent organisation.cvr as it
    was, a CPR number too: against the local NgDP no request is made, and the finding says why."""
    from tests.test_ngdp_read import codes, copy_sample, serve

    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = serve(sample, "test", tmp_path)
    with_cvr(sample, cvr)
    with sim:
        r = cli(
            "check", "--settings", str(sample / "migration.toml"), "--env", "test",
            "--online", "ngdp", "--json",
        )  # fmt: skip
        requests = list(sim.server.config.registry.requests)
    assert requests == []
    assert cvr not in r.stdout + r.stderr and cvr.replace(" ", "") not in r.stdout
    result = json.loads(r.stdout)
    assert "CVR_INVALID" in codes(result)
    said = [f["message"] for f in result["findings"] if f["code"] == "NGDP_NOT_READ"]
    assert said and "et CPR-nummer sendes aldrig til NgDP" in said[0]


def test_the_reader_itself_refuses_to_search_by_a_cpr_number() -> None:
    """The search's own guard: whoever calls read_ngdp, a CPR-shaped CVR is not sent."""
    from ngdpkit.checks.ngdp import NgdpReader, read_ngdp

    class Refuse:  # a client any request to would fail the test
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"a request was made: {name}")

    reader = NgdpReader(Refuse(), "https://127.0.0.1:9/apis/v1", "environments.test")
    seen = read_ngdp(reader, cvr="01 01 70 1299", system_id=None)
    assert seen.organisation is None and reader.failed == ["/organisations/"]
    assert "01 01 70 1299" not in json.dumps([f.message for f in reader.findings])


def test_the_dispatcher_configuration_holds_no_cpr_number(sample_dir: Path, tmp_path: Path) -> None:
    """dispatcher-config.json wrote organisation.cvr as it was: with a CPR number there, it
    holds null, and CVR_INVALID leaves it not ready."""
    from ngdpkit.checks.system import check_cvr
    from ngdpkit.deliverables.dispatcher import DispatcherConfig, build_config
    from ngdpkit.settings import load_settings
    from tests.test_dispatcher import STORED, facts

    sample = tmp_path / "s"
    shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
    settings = load_settings(with_cvr(sample, "01-01-70-1299"))
    config, own, other = build_config(
        settings,
        settings.environment("test"),
        certificate=facts(STORED),
        mapping={"file": "mailbox-mapping.csv", "rows": 3},
        findings=check_cvr(settings.organisation.cvr),
        run_id="20250101-000000",
        kit_version="9.9.9",
    )
    assert config is not None and own == [] and other == ["CVR_INVALID"]
    assert config["organisation"]["cvr"] is None and config["ready"] is False
    assert "01-01-70-1299" not in json.dumps(config)
    assert DispatcherConfig.of(config).organisation.cvr is None  # read back as it is written


def test_a_rehearsal_refuses_before_a_letter_names_a_cpr_number(sample_copy: Path) -> None:
    """The rehearsal's letter names its sender by organisation.cvr: with a CPR number there
    it was built, sent to the local NgDP and kept in memo/sent-….xml."""
    settings = with_cvr(sample_copy, "010170-1299")
    r = cli("rehearse", "--settings", str(settings), "--env", "test", cwd=sample_copy)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "010170-1299" not in r.stdout + r.stderr
    runs = [p for p in (sample_copy / "runs").rglob("acceptance.json")]
    assert len(runs) == 1
    run_dir = runs[0].parent
    assert not list(run_dir.glob("memo/sent-*.xml"))
    acceptance = json.loads(runs[0].read_text(encoding="utf-8"))
    assert "CVR_INVALID" in [f["code"] for f in acceptance["findings"]]
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert b"010170-1299" not in path.read_bytes(), path


def test_a_dispatcher_withheld_by_the_certificate_names_the_cvr_number_too(
    sample_dir: Path, tmp_path: Path
) -> None:
    """A consultant's read (session 42): with a CPR number in organisation.cvr, the console's
    step line, the step page and the dispatcher page said the dispatcher was withheld by
    CERT_CVR_MISMATCH alone, "Certifikatet tilhører et andet CVR-nummer", of a certificate that
    was the organisation's own, while the checklist said to correct organisation.cvr first.
    The settings' number withholds it as much: both are named."""
    from ngdpkit import findings as F
    from ngdpkit.checks.system import check_cvr
    from ngdpkit.deliverables.dispatcher import blocking
    from ngdpkit.settings import load_settings

    sample = tmp_path / "s"
    shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
    settings = load_settings(with_cvr(sample, "01 01 70-1299"))
    env = settings.environment("test")
    mismatch = F.error("CERT_CVR_MISMATCH", "x", "certs/test.p12")
    found = [*check_cvr(settings.organisation.cvr), mismatch]
    assert blocking(found, env) == (["CERT_CVR_MISMATCH", "CVR_INVALID"], [])
    # without the certificate's finding CVR_INVALID leaves the file not ready, as before
    assert blocking(check_cvr(settings.organisation.cvr), env) == ([], ["CVR_INVALID"])

    r = cli("run", "--settings", str(sample / "migration.toml"), "--env", "test", cwd=sample)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "blokeret (tilbageholdt: CERT_CVR_MISMATCH, CVR_INVALID)" in r.stdout
    run_dir = Path(r.stdout.strip().splitlines()[-1])
    for page in ("dispatcher.html", "05_dispatcher_config.html"):
        text = (run_dir / "signoff" / page).read_text(encoding="utf-8")
        assert "CVR-nummeret er ugyldigt (CVR_INVALID)" in text, page
        assert "1299" not in text, page


# --- session 42, a DPO's second look: a full-width dash, a dot before the last four ---

OTHER_FORMS = [
    "010170\uff0d1299",  # a full-width hyphen-minus, as an input method types it
    "\uff10\uff11\uff10\uff11\uff17\uff10\uff0d\uff11\uff12\uff19\uff19",  # all full-width
    "01\u300001\u300070\u30001299",  # ideographic spaces
    "01\u202f01\u202f70\u202f1299",  # narrow no-break spaces
    "01.01.70.1299",  # dotted all through
    "01\uff0e01\uff0e70\uff0d1299",  # full-width full stops
]


@pytest.mark.parametrize("typed", OTHER_FORMS)
def test_a_cpr_number_with_a_full_width_dash_or_dotted_is_hidden(typed: str) -> None:
    """ "010170－1299" (a full-width hyphen beside the digits) and "01.01.70.1299" were no CPR
    number to the kit: as organisation.cvr they reached every page, the support bundle's
    summary and the rehearsal's letter to the local NgDP."""
    from ngdpkit.checks.system import cpr_shaped, shown_cvr
    from ngdpkit.redact import HIDDEN_CPR, hide_cpr, hide_cpr_in_name, hide_cpr_words, holds_cpr

    assert hide_cpr(f"CPR: {typed} mangler") == f"CPR: {HIDDEN_CPR} mangler"
    assert hide_cpr_words(f"Enhed {typed}.") == f"Enhed {HIDDEN_CPR}."
    assert hide_cpr_in_name(f"Værgemål ({typed})") == f"Værgemål ({HIDDEN_CPR})"
    assert holds_cpr(typed) and cpr_shaped(typed) and shown_cvr(typed) == HIDDEN_CPR
    assert cpr_shaped(f"CPR: {typed}")


@pytest.mark.parametrize("text", ["10.10.10.123", "v1.2.3.4567", "1.234.567,89", "01.01.70. 1299x"])
def test_dotted_numbers_that_are_no_cpr_number_still_show(text: str) -> None:
    from ngdpkit.redact import hide_cpr, hide_cpr_words

    assert hide_cpr(text) == text and hide_cpr_words(text) == text


def test_a_bundle_leaves_out_a_file_with_a_full_width_cpr_number() -> None:
    """A run's JSON holding a CPR number in full-width digits and dash went into the default
    support bundle: its search read ASCII digits only."""
    from ngdpkit.run.bundle import _holds_cpr

    typed = OTHER_FORMS[1]
    assert _holds_cpr("steps/01_mailboxes.json", f'{{"unit": "Værgemål {typed}"}}'.encode())
    assert not _holds_cpr("steps/01_mailboxes.json", b'{"unit": "Tlf. 12 34 56 78"}')


def test_a_rehearsal_refuses_a_full_width_cpr_number_as_the_cvr(sample_copy: Path) -> None:
    """ "CPR: ０１０１７０－１２９９" as organisation.cvr was sent to the local NgDP as the
    letter's sender and kept in memo/sent-….xml, and printed on the console."""
    typed = "CPR: " + OTHER_FORMS[1]
    settings = with_cvr(sample_copy, typed)
    r = cli("rehearse", "--settings", str(settings), "--env", "test", cwd=sample_copy)
    assert r.returncode != 0, r.stdout + r.stderr
    assert OTHER_FORMS[1] not in r.stdout + r.stderr
    runs = [p for p in (sample_copy / "runs").rglob("acceptance.json")]
    assert len(runs) == 1
    assert not list(runs[0].parent.glob("memo/sent-*.xml"))
    for path in runs[0].parent.rglob("*"):
        if path.is_file():
            assert OTHER_FORMS[1].encode() not in path.read_bytes(), path


# --- session 42: a consultant's cold read of a run with a CPR number as the CVR ---


def test_a_run_online_with_a_cpr_number_as_the_cvr_says_ngdp_was_not_read(
    sample_dir: Path, tmp_path: Path
) -> None:
    """``run --online ngdp`` against the local NgDP with a CPR number in organisation.cvr:
    NgDP was not read (NGDP_NOT_READ, info) and the console read as an ordinary run; the
    finding said the NgDP steps "stay unverified" while step 1 read blocked, and steps 4
    and 5 said to run again with --online, which cannot read NgDP until the CVR is right;
    CVR_INVALID said what was wrong, not what to do. Now the console names NgDP not read
    and why, the finding and the checklist agree, and CVR_INVALID says to correct it."""
    from tests.test_ngdp_read import copy_sample, serve

    sample = copy_sample(sample_dir, tmp_path)
    sim, _ = serve(sample, "test", tmp_path)
    settings = with_cvr(sample, "0101701299")
    with sim:
        r = cli(
            "run", "--settings", str(settings), "--env", "test", "--online", "ngdp",
            "--out", str(tmp_path / "runs"), cwd=sample,
        )  # fmt: skip
        requests = list(sim.server.config.registry.requests)
    assert r.returncode == 1 and requests == [], r.stdout + r.stderr
    assert "0101701299" not in r.stdout + r.stderr
    said = [line for line in r.stdout.splitlines() if "NGDP_NOT_READ" in line]
    assert said == [
        "  info NGDP_NOT_READ: NgDP selv blev ikke læst: organisation.cvr har form som et "
        "CPR-nummer, og et CPR-nummer sendes aldrig til NgDP; før organisation.cvr er rettet, "
        "kan ingen af tjeklistens NgDP-trin verificeres. [environments.test NgDP]"
    ]
    (cvr_line,) = [line for line in r.stdout.splitlines() if "fejl CVR_INVALID" in line]
    assert "Ret organisation.cvr i indstillingerne til organisationens CVR-nummer på 8 cifre." in (
        cvr_line
    )
    run_dir = Path(r.stdout.strip().splitlines()[-1])
    rows = json.loads((run_dir / "checklist.json").read_text(encoding="utf-8"))
    assert rows[0]["status"] == "blocked"
    for row in rows[3:5]:
        assert row["status"] == "not_verified"
        assert row["next_action"].startswith("Ret først organisation.cvr i indstillingerne")


def test_steps_ngdp_verifies_say_to_correct_an_invalid_cvr_first() -> None:
    """An 8-digit CVR number failing the modulus-11 check finds no organisation in NgDP
    either: steps 4 and 5 say to correct it first, in both languages; with a valid CVR
    they say what they said."""
    from ngdpkit.checks.evidence import StepEvidence
    from ngdpkit.checks.system import check_cvr
    from ngdpkit.deliverables.checklist import NEXT, evaluate

    evidence = {k: StepEvidence(kind="planned") for k in ("system", "contact_points")}
    for lang, first in (("da", "Ret først organisation.cvr"), ("en", "Correct organisation.cvr")):
        rows = {r.key: r for r in evaluate(check_cvr("12345678"), evidence, lang).rows}
        for key in ("system", "contact_points"):
            assert rows[key].status == "not_verified"
            assert rows[key].next_action.startswith(first), rows[key].next_action
        valid = {r.key: r for r in evaluate([], evidence, lang).rows}
        assert not valid["system"].next_action.startswith(first)
        assert "not_verified_cvr" not in NEXT[lang]["agreement"]  # step 1 is blocked instead


@pytest.mark.parametrize("typed", ["0101701299", "12345678"])
def test_cvr_invalid_says_what_to_do(typed: str) -> None:
    """The console and a refused rehearsal said "Afvist før afsendelse: CVR_INVALID." and
    the finding said what was wrong, not how to fix it, as checklist step 1 does."""
    from ngdpkit.checks.system import check_cvr
    from ngdpkit.documents.display import error_lines

    (found,) = check_cvr(typed)
    assert found.text("da").endswith(
        "ret organisation.cvr i indstillingerne til organisationens CVR-nummer på 8 cifre."
        if typed == "12345678"
        else "Ret organisation.cvr i indstillingerne til organisationens CVR-nummer på 8 cifre."
    )
    assert "to the organisation's 8-digit CVR number." in found.text("en")
    (line,) = error_lines([found], "da")
    assert "CVR-nummer på 8 cifre" in line and "1299" not in line


def test_an_english_console_says_a_hidden_cpr_number_in_english(sample_copy: Path) -> None:
    """A consultant's rough edge: with ``language = "en"`` the console's lines read "(CPR-nummer
    udeladt)" in Danish where a CPR-shaped number was hidden. An English console says "CPR
    number withheld"; the number is hidden as before, and findings.json (what the pages show)
    keeps the finding's own words."""
    import openpyxl

    from ngdpkit import findings as F
    from ngdpkit.documents.display import error_lines

    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8").replace('language = "da"', 'language = "en"', 1)
    toml.write_text(text.replace('cvr = "98765433"', 'cvr = "0101701299"', 1), encoding="utf-8")
    book = openpyxl.load_workbook(sample_copy / "mailboxes.xlsx")
    sheet = book.active
    assert sheet is not None
    sheet.append(["0999001", "Ny postkasse 010170-1231", "Ny enhed", None, None, None])
    book.save(sample_copy / "mailboxes.xlsx")
    r = cli("check", "--settings", str(toml), "--env", "test", "--all")
    said = r.stdout + r.stderr
    assert "CERT_CVR_MISMATCH" in said and "CPR_IN_TEXT" in said, said
    assert "not the organisation's CVR (CPR number withheld)." in said, said
    assert "Ny postkasse CPR number withheld" in said, said
    assert "udeladt" not in said and "010170-1231" not in said and "0101701299" not in said
    # the lines under a run's summary, in either language
    found = F.error("X_TEST", "Unit {name} has no contact point.", "", "", name="Enhed 010170-1231")
    (en,) = error_lines([found], "en")
    (da,) = error_lines([found], "da")
    assert "Enhed CPR number withheld" in en and "udeladt" not in en, en
    assert "Enhed CPR-nummer udeladt" in da, da
