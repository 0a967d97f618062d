"""A JupyterLab session (contract §12.7): it writes only inside ``<out>/<env>/lab/``,
rehearsals included, nothing from there reaches a signed document, and ``NGDPKIT_ENV``
picks the environment of every notebook of the session (and of no run)."""

from __future__ import annotations

from pathlib import Path

import pytest

import ngdpkit as nk
from ngdpkit.errors import InputError
from tests.conftest import run_cli


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_a_lab_rehearsal_stays_in_lab_and_never_reaches_a_signed_run(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NGDPKIT_ENV", raising=False)
    settings = str(sample_copy / "migration.toml")
    before = _files(sample_copy)
    step = nk.start_step("06_rehearsal", settings=settings, environment="test", run_dir="")
    step.quiet = True
    acceptance = nk.run_rehearsal(step)
    lab = sample_copy / "runs" / "test" / "lab"
    written = _files(sample_copy) - before
    assert written, "the rehearsal wrote nothing"
    outside = sorted(str(p.relative_to(sample_copy)) for p in written if lab not in p.parents)
    assert outside == []
    folder = next((lab / "rehearsals" / "test").glob("*-rehearsal-*"))
    assert (folder / "NOT-FOR-SIGNOFF.txt").is_file()
    assert acceptance["environment"] == "test"
    # the signed run that follows does not take it as its acceptance test
    r = run_cli("run", "--settings", settings, "--env", "test")
    assert r.returncode in (0, 1), r.stderr
    run_dir = next(
        p for p in (sample_copy / "runs" / "test").glob("2*") if "rehearsal" not in p.name
    )
    page = (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "rehearsal" not in page.split("<body", 1)[1].lower().replace("rehearsal-", "")
    assert "lab/" not in page
    import json

    checklist = json.loads((run_dir / "checklist.json").read_text())
    assert next(row for row in checklist if row["step"] == 8)["status"] != "done"


def test_a_rehearsal_folder_marked_lab_is_never_the_newest_rehearsal(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: even moved beside the run folders, a lab rehearsal does not count."""
    import shutil

    from ngdpkit.run.neighbours import latest_rehearsal

    monkeypatch.delenv("NGDPKIT_ENV", raising=False)
    step = nk.start_step(
        "06_rehearsal", settings=str(sample_copy / "migration.toml"), environment="test"
    )
    step.quiet = True
    nk.run_rehearsal(step)
    lab_folder = next((sample_copy / "runs" / "test" / "lab" / "rehearsals" / "test").glob("*"))
    env_dir = sample_copy / "runs" / "test"
    shutil.move(str(lab_folder), env_dir / lab_folder.name)
    assert latest_rehearsal(env_dir) is None


def test_ngdpkit_env_picks_the_environment_of_a_lab_session_only(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = str(sample_copy / "migration.toml")
    monkeypatch.setenv("NGDPKIT_ENV", "production")
    step = nk.start_step("01_mailboxes", settings=settings, environment="test", run_dir="")
    assert step.env.name == "production"
    assert step.run_dir == sample_copy / "runs" / "production" / "lab"
    assert "NGDPKIT_ENV" in nk.header(step).html
    # a run (papermill sets run_dir) always takes its own parameter
    run = nk.start_step(
        "01_mailboxes", settings=settings, environment="test", run_dir=str(tmp_path / "run")
    )
    assert run.env.name == "test"
    # a notebook whose parameter was changed by hand keeps it
    assert (
        nk.start_step("01_mailboxes", settings=settings, environment="production").env.name
        == "production"
    )
    monkeypatch.setenv("NGDPKIT_ENV", "prod")
    with pytest.raises(InputError, match="NGDPKIT_ENV='prod' names no environment"):
        nk.start_step("01_mailboxes", settings=settings, environment="test", run_dir="")


def _without_secrets_file(sample_copy: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The sample as a customer's session has it: no secrets file, no variable set, so the
    kernel asks."""
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('secrets_file = "sample.env"', "", 1), encoding="utf-8")
    for name in ("NGDPKIT_ENV", "NGDPKIT_TEST_CERT_PASSWORD", "NGDPKIT_TEST_AUTHORIZATION"):
        monkeypatch.delenv(name, raising=False)
    return str(settings)


@pytest.fixture
def kernel_asks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A JupyterLab kernel whose hidden prompt answers "not-the-password" and records what
    it asked (the kernel's answers of an earlier test forgotten)."""
    import getpass

    from ngdpkit import secrets as S

    asked: list[str] = []
    monkeypatch.setattr(S, "_in_jupyter_kernel", lambda: True)
    monkeypatch.setattr(S, "_kernel_cache", {})
    monkeypatch.setattr(S, "_from_keyring", lambda name: None)
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or "not-it-1")
    return asked


def test_a_danish_lab_session_asks_for_a_secret_in_danish_and_says_how_to_type_it_again(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, kernel_asks: list[str]
) -> None:
    """A consultant's session with the customer watching: the kernel's prompt read "Password
    of certs/test.p12 (…, input hidden)" on a Danish screen, and the wrong password typed
    there stayed: running the cell again did not ask, and the finding spoke of a variable."""
    settings = _without_secrets_file(sample_copy, monkeypatch)
    step = nk.start_step("03_certificate", settings=settings, environment="test")
    nk.check_certificate(step)
    system = nk.start_step("04_system_and_network", settings=settings, environment="test")
    nk.check_system(system)
    assert kernel_asks == [
        "Adgangskode til certs/test.p12 (NGDPKIT_TEST_CERT_PASSWORD, skjult indtastning): ",
        "Autorisationsheaderen fra Administrativ Adgang "
        "(NGDPKIT_TEST_AUTHORIZATION, skjult indtastning): ",
    ]
    (bad,) = [f for f in step.findings if f.code == "CERT_BAD_PASSWORD"]
    said = bad.text("da")
    assert "genstart den (Kernel, Restart Kernel)" in said, said
    assert "not-it-1" not in said
    # the kernel asks once: the same cell again asks nothing
    nk.check_certificate(nk.start_step("03_certificate", settings=settings, environment="test"))
    assert len(kernel_asks) == 2


def test_an_english_lab_session_asks_in_english(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch, kernel_asks: list[str]
) -> None:
    settings = _without_secrets_file(sample_copy, monkeypatch)
    path = Path(settings)
    path.write_text(
        path.read_text(encoding="utf-8").replace('language = "da"', 'language = "en"', 1),
        encoding="utf-8",
    )
    nk.check_certificate(nk.start_step("03_certificate", settings=settings, environment="test"))
    assert kernel_asks == [
        "Password of certs/test.p12 (NGDPKIT_TEST_CERT_PASSWORD, input hidden): "
    ]


def test_a_lab_step_reads_an_earlier_step_again_when_its_inputs_changed(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Back the next week with the customer's new export, the consultant opened notebook 02:
    it took the mailboxes from last week's ``lab/steps/01_mailboxes.json``, so the editor
    listed mailboxes the export no longer has and none of its new ones, without a word."""
    import os

    import openpyxl

    monkeypatch.delenv("NGDPKIT_ENV", raising=False)
    settings = str(sample_copy / "migration.toml")
    first = nk.start_step("01_mailboxes", settings=settings, environment="test")
    nk.load_mailboxes(first)
    nk.finish_step(first)
    before = len(
        nk.mailboxes_from_step(
            nk.start_step("02_contact_points", settings=settings, environment="test")
        )
    )
    # unchanged inputs: the lab file is what the next notebook reads
    step_file = sample_copy / "runs" / "test" / "lab" / "steps" / "01_mailboxes.json"
    assert step_file.is_file()

    book = openpyxl.load_workbook(sample_copy / "mailboxes.xlsx")
    book.active.delete_rows(4, 5)
    book.save(sample_copy / "mailboxes.xlsx")
    after = nk.mailboxes_from_step(
        nk.start_step("02_contact_points", settings=settings, environment="test")
    )
    assert len(after) == before - 5

    # the settings changed after the step file was written: they name another export
    first = nk.start_step("01_mailboxes", settings=settings, environment="test")
    nk.load_mailboxes(first)
    nk.finish_step(first)
    book = openpyxl.load_workbook(sample_copy / "mailboxes.xlsx")
    book.active.delete_rows(4, 5)
    book.save(sample_copy / "mailboxes-december.xlsx")
    path = sample_copy / "migration.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'mailboxes = "mailboxes.xlsx"', 'mailboxes = "mailboxes-december.xlsx"', 1
        ),
        encoding="utf-8",
    )
    written = step_file.stat().st_mtime_ns
    os.utime(path, ns=(written + 10**9, written + 10**9))  # saved after, whatever the clock
    again = nk.mailboxes_from_step(
        nk.start_step("02_contact_points", settings=settings, environment="test")
    )
    assert len(again) == before - 10


def test_a_password_typed_wrong_says_in_danish_what_to_type_again() -> None:
    """A Danish proofreader's pass: "genstart den …, og kør notebooken igen for at indtaste
    den igen" left the reader to guess whether the last "den" was the kernel or the
    password, and said "igen" twice; it names the password."""
    from ngdpkit.checks.certificates import _bad_password
    from ngdpkit.secrets import KERNEL_PROMPT, Secret

    typed = _bad_password(
        "certs/test.p12", Secret("NGDPKIT_TEST_CERT_PASSWORD", "x", KERNEL_PROMPT)
    )
    said = typed.text("da")
    assert said.endswith(
        "genstart den (Kernel, Restart Kernel), og kør notebooken igen for at indtaste "
        "adgangskoden på ny."
    ), said
    assert said.count("igen") == 1


def test_a_lab_step_reads_step_02_again_after_the_first_decision_of_the_session(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A consultant's session: notebook 02 mapped, the first decision made in its editor
    (no decisions file before), then the rest of the notebook run, whose ``finish_step``
    wrote ``lab/steps/02_contact_points.json`` after the decisions file, with the mapping
    from before the decision. Notebook 05 of the session took that file: the mailbox just
    retired was unmapped there, and its decisions none."""
    from ngdpkit.steps.records import read_step
    from tests.test_decide import unmapped_sample

    monkeypatch.delenv("NGDPKIT_ENV", raising=False)
    settings = unmapped_sample(sample_copy)
    assert not (sample_copy / "decisions-test.csv").exists()
    step = nk.start_step("02_contact_points", settings=settings, environment="test")
    step.quiet = True
    contact_points = nk.load_contact_points(step)
    mapping_file = nk.load_mapping_file(step)
    mapping = nk.map_mailboxes(step, nk.mailboxes_from_step(step), contact_points, mapping_file)
    frame = mapping.frame
    open_one = str(frame.loc[frame["status"] == "unmapped", "mailbox_id"].iloc[0])
    nk.decide(step, open_one, "retire", by="Anne Konsulent")  # the editor's first click
    nk.finish_step(step)
    step_file = sample_copy / "runs" / "test" / "lab" / "steps" / "02_contact_points.json"
    decisions = sample_copy / "decisions-test.csv"
    assert step_file.stat().st_mtime_ns >= decisions.stat().st_mtime_ns

    later = nk.start_step("05_dispatcher_config", settings=settings, environment="test")
    record = later.earlier("02_contact_points").record
    assert record.decisions is not None
    rows = record.mapping[record.mapping["mailbox_id"].astype(str) == open_one]
    assert set(rows["status"]) == {"retired"}, rows
    assert set(rows["source"]) == {"decision"}

    # read once with the decisions file among its inputs, the step file is taken as it is
    step = nk.start_step("02_contact_points", settings=settings, environment="test")
    step.quiet = True
    nk.map_mailboxes(step, nk.mailboxes_from_step(step), nk.load_contact_points(step), None)
    nk.finish_step(step)
    again = nk.start_step("05_dispatcher_config", settings=settings, environment="test")
    assert not again._outdated(read_step(step_file), step_file)
