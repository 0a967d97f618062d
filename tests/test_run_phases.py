"""The phases of one environment's run, each tested on its own (issue 30): the shared core,
the notebook sequence's helpers, the render-ahead cache, the previous run read on a thread,
the findings file the outputs phase writes, and the environment run that wires them.

Whole runs, through the notebooks, are in test_run.py; here each part meets a real run
folder made from the sample settings, without starting a kernel."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from ngdpkit import findings as F
from ngdpkit.errors import InputError
from ngdpkit.run.ahead import RenderAhead, content_key
from ngdpkit.run.child import skip_iri_grammar
from ngdpkit.run.core import RunCore
from ngdpkit.run.environment import EnvironmentRun
from ngdpkit.run.outputs import Outputs, PreviousRun
from ngdpkit.run.pages import Pages
from ngdpkit.run.sequence import NotebookSequence, crash_reason, notebook_source, scrub_notebook
from ngdpkit.settings import load_settings
from ngdpkit.steps.records import ContactPointsRecord, DispatcherRecord


def _core(sample_copy: Path, tmp_path: Path, **kw: Any) -> RunCore:
    settings = load_settings(sample_copy / "migration.toml")
    return RunCore(
        settings,
        settings.environment("test"),
        tmp_path / "runs",
        online=False,
        pdf=False,
        extra=list(kw.get("extra", [])),
    )


def test_the_core_before_any_notebook_has_finished(sample_copy: Path, tmp_path: Path) -> None:
    """Every step file is a stand-in until its notebook writes it; the findings are the run's
    own; there is no dispatcher configuration to derive."""
    extra = F.warning("CONFIRMATION_CHAIN_BROKEN", "broken", "confirmations.jsonl")
    core = _core(sample_copy, tmp_path, extra=[extra])
    assert core.run_dir.is_dir() and core.run_dir.parent.name == "test"
    assert core.step_file("02_contact_points").status == "missing"
    assert core.record(ContactPointsRecord).mapping is None
    assert core.record(DispatcherRecord).dispatcher is None
    assert core.all_findings() == [extra]
    assert core.dispatcher() is None
    assert core.mapping_paths() == [
        core.run_dir / "mailbox-mapping.csv",
        core.run_dir / "mailbox-mapping.xlsx",
    ]
    assert core.output_context().system_id == core.env.system_id.lower()


def test_the_mapping_workbooks_findings_sheet_takes_only_mapping_findings(
    sample_copy: Path, tmp_path: Path
) -> None:
    core = _core(sample_copy, tmp_path)
    mailbox = F.error("MAILBOX_UNMAPPED", "unmapped {mailbox}", "mapping", mailbox="A1")
    cert = F.error("CERT_EXPIRED", "expired", "certificate")
    sheet = core.for_sheet([mailbox, cert])
    assert [row["code"] for row in sheet] == ["MAILBOX_UNMAPPED"]


def test_a_step_file_is_read_once(sample_copy: Path, tmp_path: Path) -> None:
    """Final when its notebook has finished: a later change on disk is not read again."""
    from ngdpkit.steps.records import write_step_file

    core = _core(sample_copy, tmp_path)
    steps = core.run_dir / "steps"
    steps.mkdir()
    write_step_file(steps, "05_dispatcher_config", {"status": "ok", "findings": [], "results": {}})
    first = core.step_file("05_dispatcher_config")
    assert first.status == "ok"
    write_step_file(
        steps, "05_dispatcher_config", {"status": "errors", "findings": [], "results": {}}
    )
    assert core.step_file("05_dispatcher_config") is first


def test_the_packaged_notebook_unless_the_folder_has_its_own(tmp_path: Path) -> None:
    packaged = notebook_source("01_mailboxes")
    assert packaged.is_file() and packaged.name == "01_mailboxes.ipynb"
    assert notebook_source("01_mailboxes", tmp_path) == packaged
    own = tmp_path / "01_mailboxes.ipynb"
    own.write_text(packaged.read_text(encoding="utf-8"), encoding="utf-8")
    assert notebook_source("01_mailboxes", tmp_path) == own


def test_scrubbing_leaves_the_parameters_names_and_no_value(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {
        "parameters": {"settings": "/home/anna/secret-path.toml", "online": True},
        "input_path": "/opt/kit/notebooks/01_mailboxes.ipynb",
        "output_path": "/home/anna/runs/test/x/notebooks/01_mailboxes.ipynb",
    }
    injected = nbformat.v4.new_code_cell('settings = "/home/anna/secret-path.toml"')
    injected.metadata["tags"] = ["injected-parameters"]
    injected.outputs = [nbformat.v4.new_output("stream", text="secret-path")]
    nb.cells = [injected, nbformat.v4.new_code_cell("print(1)")]
    path = tmp_path / "01_mailboxes.ipynb"
    nbformat.write(nb, str(path))

    scrub_notebook(path)

    text = path.read_text(encoding="utf-8")
    assert "secret-path" not in text and "/home/anna" not in text and "/opt/kit" not in text
    meta = nbformat.read(str(path), as_version=4).metadata["papermill"]
    assert meta["parameters"] == {"settings": "(scrubbed)", "online": "(scrubbed)"}
    assert meta["input_path"] == meta["output_path"] == "01_mailboxes.ipynb"
    assert "print(1)" in text


def test_a_crash_is_said_on_one_line() -> None:
    class CellError(Exception):
        ename = "ValueError"
        evalue = "first line\nsecond line\n" + "x" * 400

    assert crash_reason(CellError()) == "ValueError: first line"
    long = crash_reason(RuntimeError("y" * 500))
    assert long.startswith("RuntimeError: ") and len(long) == len("RuntimeError: ") + 300


def _notebook(path: Path, text: str) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(verdict)")
    cell.outputs = [nbformat.v4.new_output("stream", text=text)]
    nb.cells = [cell]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def test_a_body_rendered_ahead_serves_only_the_notebook_it_was_rendered_from(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A leak stub replaces a notebook after its body was rendered: the body is made again."""
    core = _core(sample_copy, tmp_path)
    ahead = RenderAhead(core)
    nb = core.run_dir / "notebooks" / "03_certificate.ipynb"
    _notebook(nb, "Certifikatet er gyldigt")
    try:
        ahead.after("03_certificate")
        body = ahead.notebook_body(nb)
        assert body is not None and "Certifikatet er gyldigt" in str(body)
        nb.write_text("stub", encoding="utf-8")
        assert ahead.notebook_body(nb) is None
    finally:
        ahead.shutdown()
    assert ahead.prepared_for("02_contact_points") == {}
    assert ahead.written_ahead("04_system_and_network") is None
    assert ahead.notebook_body(core.run_dir / "notebooks" / "nothing.ipynb") is None


def test_content_key_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert content_key(tmp_path / "gone") == ""
    (tmp_path / "f").write_bytes(b"abc")
    assert content_key(tmp_path / "f") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_no_previous_run_is_no_change(sample_copy: Path, tmp_path: Path) -> None:
    core = _core(sample_copy, tmp_path)
    previous = PreviousRun(core.run_dir.parent, "test")
    assert previous.result() == (None, None)  # read now when it was not started ahead


def test_a_previous_run_that_does_not_verify_is_said_not_compared(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A finished-looking folder without a manifest: nothing of it reaches a page."""
    out = tmp_path / "runs" / "test"
    fake = out / "20260101T000000Z-abcdef"
    fake.mkdir(parents=True)
    (fake / "findings.json").write_text("{}", encoding="utf-8")
    previous = PreviousRun(out, "test")
    previous.start()
    folder, why = previous.result()
    assert folder == fake
    assert isinstance(why, InputError)


def test_the_findings_file_says_which_notebook_crashed(sample_copy: Path, tmp_path: Path) -> None:
    core = _core(sample_copy, tmp_path)
    sequence = NotebookSequence(core, None)
    outputs = Outputs(core, sequence, RenderAhead(core))
    warning = F.warning("CERT_EXPIRES_SOON", "soon", "certificate")
    assert outputs.findings_json([warning])["status"] == "warnings"
    sequence.crashed = "03_certificate"
    out = outputs.findings_json([warning])
    assert out["status"] == "crashed" and out["error"] == "03_certificate crashed"
    assert [f["code"] for f in out["findings"]] == ["CERT_EXPIRES_SOON"]
    assert "readiness" not in out  # no checklist derived yet


def test_the_environment_run_wires_its_phases(sample_copy: Path, tmp_path: Path) -> None:
    settings = load_settings(sample_copy / "migration.toml")
    run = EnvironmentRun(
        settings, settings.environment("test"), tmp_path / "runs", online=False, pdf=False, extra=[]
    )
    try:
        assert isinstance(run.pages, Pages)
        assert run.pages.outputs is run.outputs and run.outputs.sequence is run.sequence
        assert run.outputs.ahead is run.ahead is run.pages.ahead
        assert run.result(0) == (0, "ok")
        assert run.summary().startswith("test: ok → ")
        assert run.revise() is False  # nothing found while rendering
        run.sequence.crashed = "02_contact_points"
        assert run.summary().startswith("test: brudt ned: 02_contact_points → ")  # in Danish
        assert run.result(3) == (3, "crashed")
    finally:
        run.close()


def test_the_iri_grammar_is_skipped_in_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)
    skip_iri_grammar()
    assert sys.modules["rfc3987_syntax"] is None
    with pytest.raises(ImportError):
        import rfc3987_syntax  # noqa: F401


def test_the_render_ahead_thread_does_what_is_waited_for_first_first() -> None:
    """A step's files before any page part, whatever order they were handed over in; an
    exception reaches the caller through its future; what has not begun is cancelled."""
    import threading

    from ngdpkit.run.ahead import BODY, OUTPUTS, PREPARE, PriorityWorker

    gate = threading.Event()
    done: list[str] = []
    worker = PriorityWorker("test-ahead")
    try:
        worker.submit(OUTPUTS, gate.wait)  # holds the thread while the rest is queued
        body = worker.submit(BODY, done.append, "body 02")
        prepare = worker.submit(PREPARE, done.append, "prepare 04")
        files = worker.submit(OUTPUTS, done.append, "outputs 04")
        failing = worker.submit(PREPARE, lambda: 1 / 0)
        gate.set()
        for future in (body, prepare, files):
            future.result(timeout=10)
        assert done == ["outputs 04", "prepare 04", "body 02"]
        with pytest.raises(ZeroDivisionError):
            failing.result(timeout=10)
        gate.clear()
        worker.submit(OUTPUTS, gate.wait)
        late = worker.submit(BODY, done.append, "never")
        threading.Timer(0.2, gate.set).start()
    finally:
        worker.shutdown()
    assert late.cancelled() and "never" not in done


def test_in_order_does_each_job_in_turn_and_raises_the_first_failure_when_waited_for() -> None:
    """Issue 31: a finished notebook's records are made on this thread while the next one
    executes; their order is kept, and a failure stops what comes after it."""
    import threading

    from ngdpkit.run.sequence import InOrder

    done: list[str] = []
    book = InOrder("test-in-order")
    try:
        gate = threading.Event()
        book.submit(gate.wait)
        for word in ("a", "b", "c"):
            book.submit(done.append, word)
        assert done == []  # behind the first job
        gate.set()
        book.wait()
        assert done == ["a", "b", "c"]

        def fail() -> None:
            raise InputError("steps/01_mailboxes.json: not a step file")

        book.submit(fail)
        book.submit(done.append, "after the failure")
        with pytest.raises(InputError, match="not a step file"):
            book.wait()
        assert done == ["a", "b", "c"]  # nothing after a failure is done
        book.wait()  # raised once
        book.submit(fail)
        failed = book.wait(quietly=True)  # the sequence is ending for another reason
        assert isinstance(failed, InputError)  # handed back to be said, not raised
        never = threading.Event()
        book.submit(never.wait)  # a job that does not end
        assert book.wait(quietly=True, timeout=0.3) is None  # given up on, not waited for ever
        never.set()
    finally:
        book.close()


def test_two_threads_appending_to_the_trail_keep_its_chain(tmp_path: Path) -> None:
    """Issue 31: the run's thread and the one recording finished notebooks both append to
    the audit trail; every record follows the one before (seq and prev), whoever wrote it."""
    import json
    import threading

    from ngdpkit.run.audit import AuditTrail, record_hash

    trail = AuditTrail(tmp_path / "audit.jsonl")
    threads = [
        threading.Thread(target=lambda n=n: [trail.append("step", n=n, i=i) for i in range(40)])
        for n in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [r["seq"] for r in records] == list(range(80))
    for before, record in zip(records, records[1:], strict=False):
        assert record["prev"] == before["hash"]
    assert all(
        record_hash({k: v for k, v in r.items() if k != "hash"}) == r["hash"] for r in records
    )


def test_a_command_works_without_the_cyclic_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 31: ``run``, a run's child and ``check`` work with the cyclic collector off
    (0.2-0.25 s of a 100,000-mailbox run in each process, 0.4 s of ``check``); ``simulate``,
    which serves until it is stopped, keeps it; a caller that runs a command in its own
    process has it back afterwards, also after an error."""
    import gc

    from ngdpkit import cli as cli_module

    seen: dict[str, bool] = {}

    def handler(name: str, fail: bool = False) -> Any:
        def handle(args: Any) -> int:
            seen[name] = gc.isenabled()
            if fail:
                raise InputError(f"{name}: refused")
            return 0

        return handle

    monkeypatch.setitem(cli_module.COMMANDS, "run", handler("run", fail=True))
    monkeypatch.setitem(cli_module.COMMANDS, "_run-environment", handler("child"))
    monkeypatch.setitem(cli_module.COMMANDS, "check", handler("check"))
    monkeypatch.setitem(cli_module.COMMANDS, "simulate", handler("simulate"))
    assert gc.isenabled()
    assert cli_module.main(["run", "--settings", "x.toml"]) == 2
    assert gc.isenabled()
    assert cli_module.main(["_run-environment", "--settings", "x", "--env", "t", "--out", "o"]) == 0
    assert cli_module.main(["check", "--settings", "x.toml"]) == 0
    assert cli_module.main(["simulate", "--settings", "x.toml", "--env", "t"]) == 0
    assert seen == {"run": False, "child": False, "check": False, "simulate": True}
    assert gc.isenabled()

    from ngdpkit.run.collector import LONG_LIVED, collector_for

    assert LONG_LIVED == {"simulate"}
    gc.disable()  # a caller that has it off keeps it off
    try:
        with collector_for("run"):
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("stop", ["Ctrl-C", "a crash of the kit"])
def test_an_unfinished_run_says_so_in_the_settings_language(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, stop: str
) -> None:
    """A Danish consultant's Ctrl-C: every step line before it was Danish, and the run's last
    line read "test: interrupted; … stays marked INCOMPLETE", which said neither that the
    folder is not for sign-off nor what to do. The line is in the settings' language and says
    both; a crash of the kit is said in it too."""
    from ngdpkit.run import environment

    settings = load_settings(sample_copy / "migration.toml")
    assert settings.language == "da"
    run = EnvironmentRun(
        settings, settings.environment("test"), tmp_path / "runs", online=False, pdf=False, extra=[]
    )

    def stopped(name: str) -> None:
        raise KeyboardInterrupt if stop == "Ctrl-C" else RuntimeError("boom")

    monkeypatch.setattr(environment, "ignore_interrupts", lambda: None)  # the test's process
    monkeypatch.setattr(run.sequence, "launch_kernel", stopped)
    code, closed = environment._run_phases(run)
    out = capsys.readouterr().out
    assert not closed and (run.run_dir / "INCOMPLETE").exists()
    if stop == "Ctrl-C":
        assert code == 130
        assert f"test: afbrudt; {run.run_dir} forbliver mærket INCOMPLETE" in out, out
        assert "ikke til godkendelse: kør miljøet igen" in out and "interrupted" not in out
    else:
        assert (
            code == 3 and "test: ngdpkit brød ned (the kit crashed): RuntimeError: boom" in out
        ), out


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_pdf_not_made_is_said_in_the_settings_language(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, language: str
) -> None:
    """A Danish run's step lines were Danish, and its PDF line read "PDF: …/chromium did not
    write the PDF". The line is in the settings' language and says what to do; the reason
    is the browser's, as said (an English run's line is as it was)."""
    settings = load_settings(sample_copy / "migration.toml")
    settings = dataclasses.replace(settings, language=language)
    run = EnvironmentRun(
        settings, settings.environment("test"), tmp_path / "runs", online=False, pdf=True, extra=[]
    )
    why = "/usr/bin/chromium did not write the PDF"
    monkeypatch.setattr(run, "acceptance", lambda: None)
    monkeypatch.setattr(run.pages, "print_document", lambda names, acceptance: why)
    monkeypatch.setattr(run.pages, "without_pdf", lambda overview: None)
    run.pages.make_pdf([], None)
    out = capsys.readouterr().out
    if language == "da":
        assert out == (
            f"  PDF: ikke lavet ({why}); åbn signoff/index.html, og udskriv den i stedet\n"
        ), out
    else:
        assert out == f"  PDF: {why}\n", out


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_pdf_made_is_named_with_its_pages_in_the_settings_language(
    sample_copy: Path, tmp_path: Path, language: str
) -> None:
    """``run --pdf`` said nothing when it wrote signoff.pdf (only a PDF not made was said): a
    consultant opened the folder to learn whether it was there. One line names it with its
    page count, in the settings' language; nothing without --pdf, without the file, or for a
    link put in its place."""
    from pypdf import PdfWriter

    settings = load_settings(sample_copy / "migration.toml")
    settings = dataclasses.replace(settings, language=language)

    def run_with(pdf: bool) -> EnvironmentRun:
        return EnvironmentRun(
            settings,
            settings.environment("test"),
            tmp_path / "runs",
            online=False,
            pdf=pdf,
            extra=[],
        )

    run = run_with(True)
    pdf = run.run_dir / "signoff" / "signoff.pdf"
    pdf.parent.mkdir(exist_ok=True)
    assert run.pdf_line() == []  # none made: why not was said when it was not
    for pages, words in ((374, {"da": "374 sider", "en": "374 pages"}), (1, {"da": "1 side", "en": "1 page"})):  # fmt: skip
        writer = PdfWriter()
        for _ in range(pages):
            writer.add_blank_page(595, 842)
        writer.write(pdf)
        assert run.pdf_line() == [f"  PDF: signoff/signoff.pdf, {words[language]}"]
    pdf.write_bytes(b"not a PDF")
    assert run.pdf_line() == ["  PDF: signoff/signoff.pdf"]
    pdf.unlink()
    pdf.symlink_to(tmp_path / "elsewhere.pdf")
    assert run.pdf_line() == []
    plain = run_with(False)
    (plain.run_dir / "signoff").mkdir(exist_ok=True)
    (plain.run_dir / "signoff" / "signoff.pdf").write_bytes(b"%PDF-1.7")
    assert plain.pdf_line() == []
    run.close()
    plain.close()


def test_a_run_with_pdf_names_the_pdf_before_its_summary(sample_copy: Path) -> None:
    """The whole console of ``run --pdf``: the PDF's line just before the summary, so that the
    runbook's verdict still follows the summary at once."""
    from pypdf import PdfReader

    from ngdpkit.documents.signoff import find_browser
    from tests.conftest import cli

    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    r = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--pdf")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    folder = Path(lines[-1])
    pages = len(PdfReader(str(folder / "signoff" / "signoff.pdf")).pages)
    summary = next(i for i, x in enumerate(lines) if x.startswith("test: ") and " → " in x)
    assert lines[summary - 1] == f"  PDF: signoff/signoff.pdf, {pages} sider"
    assert [x for x in lines if x.startswith("  PDF: ")] == [lines[summary - 1]]
    assert lines[summary + 1].startswith("test: Drejebogens trin 1: ")


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_pdf_the_last_resort_removed_is_said_and_no_success(
    sample_copy: Path, tmp_path: Path, language: str
) -> None:
    """A consultant's rough edge: ``run --pdf`` whose last resort (the folder sealed, printed
    and scanned after its last round) removed the PDF, as a page it was printed from held a
    secret, said nothing more of the PDF asked for. The console says it was removed and
    why, in the settings' language; and a leak only that last scan found (the rounds before
    it revised, not leaking: no SECRET_LEAK counted) is no success, exit 1."""
    from ngdpkit.run.folder import ROUNDS

    token = "IhsPHD2PaW3SzxVeqHWEdgs-j2_WeloN"
    settings = load_settings(sample_copy / "migration.toml")
    settings = dataclasses.replace(settings, language=language)
    run = EnvironmentRun(
        settings, settings.environment("test"), tmp_path / "runs", online=False, pdf=True, extra=[]
    )
    sign = run.run_dir / "signoff"
    (run.run_dir / "findings.json").write_text("{}", encoding="utf-8")
    renders: list[str] = []

    def render(anchor: str) -> None:  # the page leaks only when printed the last time
        renders.append(anchor)
        sign.mkdir(exist_ok=True)
        leak = token if len(renders) > ROUNDS else ""
        (sign / "index.html").write_text(f"{anchor} {leak}", encoding="utf-8")
        (sign / "signoff.pdf").write_bytes(f"%PDF-1.7 {anchor}".encode())

    try:
        code = _close_leaking(run, token, render, lambda: True)
        assert len(renders) == ROUNDS + 1 and not (sign / "signoff.pdf").exists()
        assert code == 1 and run.folder.pdfs_removed == ["signoff/signoff.pdf"]
        (line,) = run.pdf_line()
        said = {
            "da": "  PDF: fjernet: en side, den blev trykt fra, indeholdt en hemmelighed",
            "en": "  PDF: removed: a page it was printed from held a secret",
        }
        assert line.startswith(said[language]) and "--pdf" in line, line
        assert token not in line
    finally:
        run.close()


def test_a_leak_the_scan_after_the_last_round_found_is_no_success(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A hostile second look at the exit code rule: every round revised (clean), and the last
    revise wrote a file holding a secret (findings.json, rewritten with a late finding). The
    scan after the rounds stubbed it, the pages printed again held none, and the run exited
    0: only a leak the last render's scan found counted."""
    from ngdpkit.run.folder import ROUNDS

    token = "IhsPHD2PaW3SzxVeqHWEdgs-j2_WeloN"
    settings = load_settings(sample_copy / "migration.toml")
    run = EnvironmentRun(
        settings, settings.environment("test"), tmp_path / "runs", online=False, pdf=False, extra=[]
    )
    findings = run.run_dir / "findings.json"
    findings.write_text("{}", encoding="utf-8")
    revised: list[int] = []

    def render(anchor: str) -> None:  # the pages never hold the secret
        (run.run_dir / "signoff").mkdir(exist_ok=True)
        (run.run_dir / "signoff" / "index.html").write_text(anchor, encoding="utf-8")

    def revise() -> bool:  # the last one writes the secret, after the last round's scan
        revised.append(1)
        leak = token if len(revised) == ROUNDS else ""
        findings.write_text(f'{{"late": "{leak}"}}', encoding="utf-8")
        return True

    try:
        code = _close_leaking(run, token, render, revise)
        assert len(revised) == ROUNDS
        assert token not in findings.read_text(encoding="utf-8")  # stubbed
        assert code == 1
    finally:
        run.close()


def _close_leaking(run: Any, token: str, render: Any, revise: Any) -> int:
    """Close ``run``'s folder as a run that found nothing wrong ("warnings"), with ``token``
    the test environment's authorization: what the two exit-code tests above share."""
    return int(
        run.folder.close(
            secrets={"NGDPKIT_TEST_AUTHORIZATION": [token]},
            render=render,
            on_leak=lambda hits: None,
            result=lambda: (0, "warnings"),
            revise=revise,
        )
    )
