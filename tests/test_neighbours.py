"""Issue 26's third high cause: no byte of another folder reaches a page unless that folder
verifies, and a rehearsal's part of the document comes from its acceptance.json through the
kit's templates, never from its HTML."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.run.neighbours import (
    AcceptanceView,
    check_folder,
    latest_comparison,
    latest_rehearsal,
)
from tests.conftest import cli, copy_sample_run, pdf_texts, run_cli

FORGED = "GODKENDT AF NGDP (forged)"
STYLE = "<style>table{display:none}h1::after,h2::after{content:'" + FORGED + "'}</style>"


def plant_rehearsal(env_dir: Path, name: str = "29991231T000000Z-rehearsal-ffffff") -> Path:
    """What a hostile insider writes: a rehearsal folder that sorts newest, never verified."""
    d = env_dir / name
    (d / "signoff").mkdir(parents=True)
    (d / "acceptance.json").write_text(
        json.dumps(
            {
                "environment": "test",
                "against": "ngdp",
                "status": "ok",
                "steps": [{"name": "send", "status": "ok", "duration_s": 0.1, "detail": FORGED}],
                "memo_uuid": None,
                "reply_uuid": None,
                "findings": [],
            }
        )
    )
    (d / "signoff" / "index.html").write_text(f"<html><body>{STYLE}<h1>{FORGED}</h1></body></html>")
    (d / "audit.jsonl").write_text("")
    return d


def plant_run(env_dir: Path, name: str) -> Path:
    d = env_dir / name
    d.mkdir(parents=True)
    (d / "findings.json").write_text(
        json.dumps(
            {
                "environment": "test",
                "status": "errors",
                "findings": [{"severity": "error", "code": "CERT_REVOKED", "message": FORGED}],
            }
        )
    )
    (d / "dispatcher-config.json").write_text("[1]")
    (d / "manifest.json").write_text(json.dumps({"files": []}))
    (d / "audit.jsonl").write_text(
        json.dumps({"event": "outputs_sealed", "hash": "f" * 64, "files": {}}) + "\n"
    )
    return d


@pytest.fixture(scope="module")
def planted(
    tmp_path_factory: pytest.TempPathFactory, sample_run_all: dict[str, Any]
) -> dict[str, Path]:
    """A real run of the sample (the session's ``run --env all``, which this module's last
    test copies too), then a real rehearsal, then planted folders that sort newest (a
    rehearsal, a run named by LATEST, a comparison), then a second run with --pdf. The
    commands run through the command line's ``main`` in this process (their children and
    kernels are processes as ever): nothing here is about how the command's process starts."""
    from ngdpkit.documents.signoff import find_browser

    r = sample_run_all["result"]
    assert r.returncode == 0, r.stdout + r.stderr
    sample = copy_sample_run(sample_run_all, tmp_path_factory.mktemp("planted") / "sample")
    toml = str(sample / "migration.toml")
    env_dir = sample / "runs" / "test"
    first = (env_dir / "LATEST").read_text().strip()
    r = cli("rehearse", "--settings", toml, "--env", "test")
    assert r.returncode == 0, r.stdout + r.stderr
    real_rehearsal = next(env_dir.glob("*-rehearsal-*"))
    plant_rehearsal(env_dir)
    plant_rehearsal(env_dir, "20991231T000000Z-rehearsal-eeeeee")
    import datetime as dt

    future = plant_run(env_dir, "20991231T000000Z-abcdef")
    tampered = plant_run(env_dir, f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-abcdef")
    (env_dir / "LATEST").write_text(tampered.name + "\n")
    compare = sample / "runs" / "compare" / "29991231T000000Z-aaaaaa"
    (compare / "signoff").mkdir(parents=True)
    (compare / "compare.json").write_text("{}")
    pdf = ["--pdf"] if find_browser() else []
    r = cli("run", "--settings", toml, "--env", "test", *pdf)
    assert r.returncode in (0, 1), r.stdout + r.stderr  # never a crash (exit 3)
    second_dir = env_dir / (env_dir / "LATEST").read_text().strip()
    assert second_dir.name not in (first, tampered.name, future.name)
    return {"run": second_dir, "rehearsal": real_rehearsal, "env": env_dir}


def test_no_planted_byte_reaches_the_run(planted: dict[str, Path]) -> None:
    for path in planted["run"].rglob("*"):
        if path.is_file() and path.suffix != ".pdf":
            text = path.read_bytes().decode("utf-8", "replace")
            assert FORGED not in text and "rehearsal-ffffff" not in text, path
            assert "29991231T000000Z" not in text and "20991231T000000Z" not in text, path


def test_the_verified_rehearsal_is_the_one_linked(planted: dict[str, Path]) -> None:
    page = (planted["run"] / "signoff" / "index.html").read_text(encoding="utf-8")
    assert f"../../{planted['rehearsal'].name}/signoff/index.html" in page


def test_the_tampered_previous_run_cannot_be_compared(planted: dict[str, Path]) -> None:
    changes = json.loads((planted["run"] / "changes.json").read_text(encoding="utf-8"))
    assert not changes["previous"]["run"].startswith("2099")  # never the one dated in the future
    assert (
        changes["previous"]["run"].endswith("-abcdef")
        and "does not verify" in changes["problem"]["params"]["reason"]
    )


def test_the_pdf_carries_the_rehearsal_from_its_record(planted: dict[str, Path]) -> None:
    from ngdpkit.documents.signoff import find_browser

    if find_browser() is None:
        pytest.skip("no Chromium, Chrome or Edge here (.ci/run installs Debian's chromium)")
    text = "\n".join(pdf_texts(planted["run"] / "signoff" / "signoff.pdf"))
    assert FORGED not in text
    assert planted["rehearsal"].name in text  # the verified rehearsal, rendered by the kit


def test_choices_by_name_skip_what_does_not_verify(
    planted: dict[str, Path], tmp_path: Path
) -> None:
    env_dir = planted["env"]
    found = latest_rehearsal(env_dir)
    assert found is not None and found.path == planted["rehearsal"] and len(found.anchor) == 64
    assert AcceptanceView.load(found).against == "simulator"
    assert latest_comparison(env_dir.parent) is None
    _, why = check_folder(env_dir / "29991231T000000Z-rehearsal-ffffff")
    assert "future" in why
    # a faithful copy of the real rehearsal, renamed to sort newest but dated now: its
    # trail no longer names it, yet it verifies as a folder; a changed byte does not
    copy = env_dir / (planted["rehearsal"].name[:16] + "-rehearsal-000000")
    shutil.copytree(planted["rehearsal"], copy)
    (copy / "acceptance.json").write_text(
        (copy / "acceptance.json").read_text().replace('"simulator"', '"ngdp"')
    )
    _, why = check_folder(copy)
    assert "does not verify" in why
    link = tmp_path / "20000101T000000Z-rehearsal-111111"
    link.symlink_to(planted["rehearsal"], target_is_directory=True)
    assert "not a folder" in check_folder(link)[1]
    shutil.rmtree(copy)


def test_a_hostile_acceptance_record_is_refused(tmp_path: Path) -> None:
    from ngdpkit.run.neighbours import Verified

    d = tmp_path / "r"
    d.mkdir()
    for body in ("[1]", '{"steps": "x", "findings": []}', "[" * 100_000, '{"against": 1}'):
        (d / "acceptance.json").write_text(body)
        with pytest.raises(ValueError):
            AcceptanceView.load(Verified(d, ""))


# --- issue 26's retest: what the hostile tester found after the first round ------------------


def test_a_genuine_folder_copied_under_another_name_or_environment_does_not_count(
    planted: dict[str, Path], tmp_path: Path
) -> None:
    env_dir = planted["env"]
    renamed = env_dir / "20261231T000000Z-rehearsal-aaaaaa"  # newer than any, not in the future
    import datetime as dt

    now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    shutil.copytree(planted["rehearsal"], renamed)
    try:
        assert "renamed or copied" in check_folder(renamed, now=now)[1]
        other = tmp_path / "production"
        moved = other / planted["rehearsal"].name
        shutil.copytree(planted["rehearsal"], moved)
        assert "belongs to environment 'test'" in check_folder(moved, environment="production")[1]
    finally:
        shutil.rmtree(renamed)


def test_latest_is_a_name_never_a_path(planted: dict[str, Path]) -> None:
    from ngdpkit.compare.runs import latest_run

    env_dir = planted["env"]
    before = (env_dir / "LATEST").read_text()
    try:
        for text in (f"../production/{planted['run'].name}", str(planted["run"]), "../../etc"):
            (env_dir / "LATEST").write_text(text + "\n")
            found = latest_run(env_dir)
            assert found is None or found.parent == env_dir, (text, found)
    finally:
        (env_dir / "LATEST").write_text(before)


def test_a_planted_module_in_the_working_folder_never_runs(
    sample_copy: Path, tmp_path: Path
) -> None:
    """``python -m`` puts the working folder first on the import path; the children and their
    kernels run with PYTHONSAFEPATH, so a planted nbformat.py there is never imported."""
    work = tmp_path / "cwd"
    work.mkdir()
    marker = tmp_path / "planted-ran"
    (work / "nbformat.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(9)\n"
    )
    r = run_cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test", cwd=work)
    assert not marker.exists(), r.stdout + r.stderr
    assert r.returncode in (0, 1), r.stdout + r.stderr


def test_a_line_separator_in_a_record_is_text(tmp_path: Path) -> None:
    """U+2028 in an input's name made a genuine trail 'not a JSON record' (splitlines)."""
    from ngdpkit.run.audit import AuditTrail, verify, write_manifest

    run = tmp_path / "run"
    run.mkdir()
    trail = AuditTrail(run / "audit.jsonl")
    trail.append("run_started", environment="test", kit_version="0.1.0")
    trail.append("input_read", path="mail\u2028boxes.xlsx", size=1, sha256="0" * 64)
    trail.append("run_finished", status="ok", exit_code=0)
    write_manifest(run, trail)
    verdict = verify(run)
    assert verdict.ok, verdict.problems


def test_a_script_planted_among_the_pages_is_named(tmp_path: Path) -> None:
    from tests.test_audit import finished_folder

    run, anchor = finished_folder(tmp_path, "dispatcher-config.json")
    from tests.test_hostile import rewrite_chain

    (run / "signoff" / "install-certificate.ps1").write_text("Start-Process calc.exe")

    def keep(rec: dict) -> bool:
        return rec["event"] not in ("output_written", "run_finished")

    rewrite_chain(run, keep)  # the tail recomputed without the outputs, then added back below
    from ngdpkit.run.audit import AuditTrail, record_outputs, write_manifest

    lines = (run / "audit.jsonl").read_text().splitlines()
    trail = AuditTrail(run / "audit.jsonl")
    trail.count, trail.last_hash = len(lines), json.loads(lines[-1])["hash"]
    record_outputs(trail, run)
    trail.append("run_finished", status="ok", exit_code=0)
    write_manifest(run, trail)
    problems = verify_problems(run, anchor)
    assert any("unexpected file: signoff/install-certificate.ps1" in p for p in problems), problems


def verify_problems(run: Path, anchor: str) -> list[str]:
    from ngdpkit.run.audit import verify

    return verify(run, expect_hash=anchor).problems


def test_a_planted_file_named_after_a_secret_is_never_quoted(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """An attacker's look: a file named after the certificate password, put in a run folder.
    ``diff``, ``audit verify`` and ``compare`` quoted it whole in "extra file: …" on the
    console, and the next run's changes.json and overview page held it in "cannot be
    compared", which spoiled that run with SECRET_LEAK errors and its dispatcher values
    withheld. The name is hidden as every registered secret is."""
    from ngdpkit import redact
    from ngdpkit.secrets import read_dotenv

    sample = copy_sample_run(sample_run_all, tmp_path / "sample")
    secrets = read_dotenv(sample / "sample.env")
    password = secrets["NGDPKIT_TEST_CERT_PASSWORD"]
    other = secrets["NGDPKIT_PRODUCTION_CERT_PASSWORD"]
    test_run = next((sample / "runs" / "test").glob("2*"))
    production_run = next((sample / "runs" / "production").glob("2*"))
    (test_run / password).write_text("x")
    (production_run / other).write_text("x")
    redact.forget_all()  # as in a fresh process: nothing read yet
    r = cli("audit", "verify", str(test_run))
    assert r.returncode == 1 and "extra file: [hidden: NGDPKIT_TEST_CERT_PASSWORD]" in r.stdout
    redact.forget_all()
    r = cli("diff", str(test_run), str(test_run))
    assert r.returncode == 2 and "[hidden: NGDPKIT_TEST_CERT_PASSWORD]" in r.stderr
    redact.forget_all()
    r = cli("compare", "--settings", str(sample / "migration.toml"))
    assert r.returncode == 2 and "[hidden: NGDPKIT_PRODUCTION_CERT_PASSWORD]" in r.stderr
    for said in (r.stdout, r.stderr):
        assert password not in said and other not in said
    # the run after it: "cannot be compared" says why without the name
    redact.forget_all()
    redact.register("NGDPKIT_TEST_CERT_PASSWORD", password)
    verified, why = check_folder(test_run)
    assert verified is None and password not in why and "[hidden:" in why
    redact.forget_all()
