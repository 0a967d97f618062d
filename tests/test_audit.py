from __future__ import annotations

import json
from pathlib import Path

import pytest

from ngdpkit.run.audit import GENESIS, AuditTrail, record_hash, verify, write_manifest
from tests.conftest import cli


def make_trail(tmp_path: Path, n: int = 5) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "findings.json").write_text("{}", encoding="utf-8")
    trail = AuditTrail(run / "audit.jsonl")
    trail.append("run_started", environment="test")
    for i in range(n - 3):
        trail.append("step", step=f"0{i + 1}", status="ok")
    trail.append("checks_finished", status="ok")
    trail.append("run_finished", status="ok", exit_code=0)
    write_manifest(run, trail)
    return run


def lines(run: Path) -> list[str]:
    return (run / "audit.jsonl").read_text(encoding="utf-8").splitlines()


def put(run: Path, new: list[str]) -> None:
    (run / "audit.jsonl").write_text("\n".join(new) + "\n", encoding="utf-8")


def test_canonical_hash_and_chain(tmp_path: Path) -> None:
    run = make_trail(tmp_path)
    records = [json.loads(x) for x in lines(run)]
    assert records[0]["prev"] == GENESIS
    for a, b in zip(records, records[1:], strict=False):
        assert b["prev"] == a["hash"]
    rec = records[1]
    body = {k: v for k, v in rec.items() if k != "hash"}
    import hashlib

    assert (
        rec["hash"]
        == hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
        == record_hash(rec)
    )
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["records"] == 5 and manifest["final_hash"] == records[-1]["hash"]
    assert {f["path"] for f in manifest["files"]} == {"audit.jsonl", "findings.json"}
    assert verify(run).ok


def test_edit_delete_reorder_insert_truncate(tmp_path: Path) -> None:
    run = make_trail(tmp_path)
    orig = lines(run)

    edited = list(orig)
    rec = json.loads(edited[2])
    rec["status"] = "errors"
    edited[2] = json.dumps(rec)
    put(run, edited)
    assert verify(run).problems[0].startswith("record 3 (step): its content was changed")

    put(run, orig[:2] + orig[3:])
    assert (
        "record 3 (step): follows record 2" in verify(run).problems[0]
        or "removed" in verify(run).problems[0]
    )

    put(run, [orig[0], orig[2], orig[1], *orig[3:]])
    assert "record 2" in verify(run).problems[0]

    forged = json.loads(orig[1])
    forged["step"] = "99"
    forged["hash"] = record_hash(forged)
    put(run, orig[:2] + [json.dumps(forged)] + orig[2:])
    assert "record 3" in verify(run).problems[0]

    put(run, orig[:-1])
    assert "missing tail" in verify(run).problems[0]

    put(run, orig)
    assert verify(run).ok


def test_missing_tail_without_manifest(tmp_path: Path) -> None:
    run = make_trail(tmp_path)
    (run / "manifest.json").unlink()
    put(run, lines(run)[:-1])
    v = verify(run / "audit.jsonl")
    assert not v.ok and "missing tail" in v.problems[0]


def test_cli_verify_and_expect_hash(tmp_path: Path) -> None:
    run = make_trail(tmp_path)
    checks = json.loads(lines(run)[-2])["hash"]
    r = cli("audit", "verify", str(run), "--expect-hash", checks)
    assert r.returncode == 0 and "intact" in r.stdout and "checks_finished" in r.stdout
    r = cli("audit", "verify", str(run), "--expect-hash", "ab" * 32)
    assert r.returncode == 1 and "not in the trail" in r.stdout
    put(run, lines(run)[:-1])
    r = cli("audit", "verify", str(run / "audit.jsonl"))
    assert r.returncode == 1 and "NOT INTACT" in r.stdout


# --- issue 26: a removed or replaced trail file is itself a failure ------------------------


def finished_folder(tmp_path: Path, main: str) -> tuple[Path, str]:
    """A folder closed the way run, rehearse and compare close theirs, with ``main`` (the
    run's dispatcher config, ``acceptance.json`` or ``compare.json``) among its files."""
    from ngdpkit.run.folder import RunFolder

    folder = RunFolder.create(tmp_path / "out", "test")
    (folder.path / main).write_text('{"status": "failed"}', encoding="utf-8")
    (folder.path / "mailbox-mapping.csv").write_text("a;b\r\n", encoding="utf-8")
    (folder.path / "signoff").mkdir()
    code = folder.close(
        secrets={},
        render=lambda anchor: (folder.path / "signoff" / "index.html").write_text(anchor),
        on_leak=lambda hits: None,
        result=lambda: (1, "errors"),
    )
    assert code == 1 and verify(folder.path, expect_hash=folder.anchor).ok
    return folder.path, folder.anchor


def replace_with(path: Path, how: str) -> None:
    import os

    path.unlink()
    if how == "directory":
        path.mkdir()
        (path / "files.json").write_text("{}")
    elif how == "symlink":
        (path.parent / "elsewhere.json").write_text("{}")
        path.symlink_to(path.parent / "elsewhere.json")
    elif how == "fifo":
        os.mkfifo(path)


@pytest.mark.parametrize("main", ["dispatcher-config.json", "acceptance.json", "compare.json"])
@pytest.mark.parametrize("name", ["manifest.json", "audit.jsonl"])
@pytest.mark.parametrize("how", ["deleted", "directory", "symlink", "fifo"])
def test_a_removed_or_replaced_trail_file_fails(
    tmp_path: Path, main: str, name: str, how: str
) -> None:
    run, anchor = finished_folder(tmp_path, main)
    replace_with(run / name, how)
    verdict = verify(run, expect_hash=anchor)
    assert not verdict.ok, (name, how)
    assert any(name in p or "no audit trail" in p for p in verdict.problems), verdict.problems


@pytest.mark.parametrize("main", ["dispatcher-config.json", "acceptance.json", "compare.json"])
def test_files_are_held_against_the_trail_without_a_manifest(tmp_path: Path, main: str) -> None:
    """The issue's attack: the manifest deleted after the outputs were edited and a script
    added; the output records and the anchor, which live in the trail, still catch each."""
    run, anchor = finished_folder(tmp_path, main)
    (run / main).write_text('{"status": "ok"}', encoding="utf-8")
    (run / "mailbox-mapping.csv").write_text("a;c\r\n", encoding="utf-8")
    (run / "install-certificate.ps1").write_text("Start-Process calc.exe")
    (run / "manifest.json").unlink()
    r = cli("audit", "verify", str(run), "--expect-hash", anchor)
    assert r.returncode == 1, r.stdout
    for text in (
        "manifest.json is missing",
        f"changed file: {main}",
        "changed file: mailbox-mapping.csv",
        "install-certificate.ps1",
    ):
        assert text in r.stdout, (text, r.stdout)


def test_links_and_temporary_files_in_the_folder_are_named(tmp_path: Path) -> None:
    import os

    run, anchor = finished_folder(tmp_path, "dispatcher-config.json")
    os.symlink("/etc/passwd", run / "signoff" / "extra.html")
    (run / ".planted.tmp").write_text("x")
    problems = "\n".join(verify(run, expect_hash=anchor).problems)
    assert "not a regular file: signoff/extra.html" in problems
    assert ".planted.tmp" in problems


def test_an_interrupted_run_is_called_interrupted(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    trail = AuditTrail(run / "audit.jsonl")
    trail.append("run_started", environment="test", kit_version="0.4.0")
    trail.append("step", step="01", status="ok")
    problems = verify(run).problems
    assert any("interrupted" in p for p in problems), problems
    assert not any("recomputed" in p or "manifest.json is missing" in p for p in problems)


@pytest.mark.parametrize("name", ["audit.jsonl", "manifest.json"])
def test_a_trail_of_gigabytes_is_refused_unread(sample_run_copy: Path, name: str) -> None:
    """The attacker's sixth look: a sparse 1.5 GB ``audit.jsonl`` (no disk spent) was read
    whole by ``audit verify``, ``diff``, ``bundle`` and the next ``run`` (3 GB, or a
    MemoryError and exit 3 under a memory limit). Past 64 MB it is not read."""
    runs = sample_run_copy / "runs" / "test"
    run_dir = runs / (runs / "LATEST").read_text().strip()
    with (run_dir / name).open("r+b") as fh:
        fh.truncate(1500 << 20)
    r = cli("audit", "verify", str(run_dir))
    assert r.returncode == 1 and "larger than 64 MB" in r.stdout + r.stderr, r.stdout + r.stderr
    for args in (("diff", str(run_dir), str(run_dir)), ("bundle", str(run_dir))):
        r = cli(*args)
        assert r.returncode in (0, 1, 2) and "Traceback" not in r.stderr, (args, r.stderr)
    r = cli("run", "--settings", str(sample_run_copy / "migration.toml"), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr


# --- session 31: markers and folders in a finished folder, --expect-hash, unfinished runs ---


@pytest.mark.parametrize("marker", ["INCOMPLETE", "INTERRUPTED"])
def test_a_marker_or_a_directory_added_to_a_finished_folder_is_named(
    tmp_path: Path, marker: str
) -> None:
    """An auditor's look: 2 MB of random bytes named INCOMPLETE, or an empty directory
    signoff/x.html/, added to a finished folder passed verify --expect-hash (exit 0, never
    named) while status called the folder unfinished. In a folder whose trail says the run
    finished, the kit's marker is an extra file like any other, and a directory no recorded
    file is in is named, empty or not; the plain word for an unfinished run is not said."""
    import os

    run, anchor = finished_folder(tmp_path, "dispatcher-config.json")
    (run / marker).write_bytes(os.urandom(2 << 20))
    (run / "signoff" / "x.html").mkdir()
    (run / "evil" / "sub").mkdir(parents=True)
    (run / "evil" / "sub" / "a.ps1").write_text("Start-Process calc.exe")
    r = cli("audit", "verify", str(run), "--expect-hash", anchor)
    assert r.returncode == 1, r.stdout
    for text in (
        f"NOT INTACT: extra file: {marker} (not in the manifest)",
        "NOT INTACT: extra directory: signoff/x.html/ (no file the run recorded is in it)",
        "NOT INTACT: extra directory: evil/ (no file the run recorded is in it)",
        "NOT INTACT: extra directory: evil/sub/ (no file the run recorded is in it)",
        "NOT INTACT: extra file: evil/sub/a.ps1 (not in the manifest)",
    ):
        assert text in r.stdout, (text, r.stdout)
    assert "did not finish" not in r.stdout


def test_a_marker_added_to_the_sample_run_is_named(sample_run_copy: Path) -> None:
    """The same on a real run's folder (the session's, copied): its own directories (steps,
    notebooks, signoff) are not named, an INCOMPLETE added to it is, and so is an empty
    directory among the pages."""
    runs = sample_run_copy / "runs" / "test"
    run_dir = runs / (runs / "LATEST").read_text().strip()
    assert cli("audit", "verify", str(run_dir)).returncode == 0
    (run_dir / "INCOMPLETE").write_text("This run has not finished.\n", encoding="utf-8")
    (run_dir / "signoff" / "x.html").mkdir()
    r = cli("audit", "verify", str(run_dir))
    assert r.returncode == 1, r.stdout
    assert "extra file: INCOMPLETE (not in the manifest)" in r.stdout
    assert "extra directory: signoff/x.html/" in r.stdout
    assert "did not finish" not in r.stdout


@pytest.mark.parametrize(
    "value", ["", "   ", "ebfe886f", "sha256:" + "ab" * 32, "EB FE 88", "ab" * 31 + "g1", "ab" * 33]
)
def test_a_malformed_or_empty_expect_hash_is_bad_input(tmp_path: Path, value: str) -> None:
    """An auditor's look: --expect-hash "" (a script's unset $ANCHOR) exited 0 and checked
    nothing, and a malformed value read as "the anchor printed on the signed document no
    longer matches this folder" (tampering). Not 64 hexadecimal digits: one line on stderr
    naming the option and what it expects, exit 2, nothing verified."""
    run = make_trail(tmp_path)
    r = cli("audit", "verify", str(run), "--expect-hash", value)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout == "", r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert (
        "--expect-hash expects the anchor printed on the signed document, 64 hexadecimal"
        in (lines[0])
    )
    assert "nothing was verified" in lines[0]


def test_a_well_formed_expect_hash_keeps_its_meaning(tmp_path: Path) -> None:
    """Surrounding spaces and upper case are fine, as before; a well-formed hash the trail
    does not hold is still exit 1."""
    run, anchor = finished_folder(tmp_path, "dispatcher-config.json")
    r = cli("audit", "verify", str(run), "--expect-hash", f"  {anchor.upper()} ")
    assert r.returncode == 0 and "anchor found" in r.stdout, r.stdout + r.stderr
    r = cli("audit", "verify", str(run), "--expect-hash", "cd" * 32)
    assert r.returncode == 1 and "no longer matches this folder" in r.stdout, r.stdout


def interrupted_folder(tmp_path: Path, when: str) -> Path:
    """A run folder as a Ctrl-C leaves it (environment.run_opened): the trail finished with
    status "interrupted" and exit code 130, INCOMPLETE kept, the parent's INTERRUPTED written
    before or after the manifest, the pages marked and the PDF removed after it; or
    ("killed") a run that never wrote its last records."""
    from ngdpkit.run.environment import mark_interrupted_pages
    from ngdpkit.run.folder import INTERRUPTED, RunFolder

    folder = RunFolder.create(tmp_path / "out", "test")
    folder.trail.append("run_started", environment="test", kit_version="0.4.0")
    (folder.path / "dispatcher-config.json").write_text("{}", encoding="utf-8")
    (folder.path / "signoff").mkdir()
    page = '<html><head></head><body><div class="nk">x</div></body></html>'
    (folder.path / "signoff" / "index.html").write_text(page, encoding="utf-8")
    (folder.path / "signoff" / "signoff.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    if when == "before":
        (folder.path / INTERRUPTED).write_text("Interrupted.\n", encoding="utf-8")
    if when != "killed":
        folder.finish(130, "interrupted", keep_incomplete=True)
        assert mark_interrupted_pages(folder.path, "da") == 1
    if when == "after":
        (folder.path / INTERRUPTED).write_text("Interrupted.\n", encoding="utf-8")
    return folder.path


@pytest.mark.parametrize("when", ["before", "after", "killed"])
def test_an_interrupted_run_says_so_first_and_accuses_nobody(tmp_path: Path, when: str) -> None:
    """An auditor's look: an interrupted run's folder read "extra file: INTERRUPTED (not in
    the manifest)" and "no 'outputs_sealed' record … records were removed and the chain
    recomputed". The kit's own marker and a trail that ends unfinished: said first and
    plainly, exit 1, and no record called removed."""
    run = interrupted_folder(tmp_path, when)
    r = cli("audit", "verify", str(run))
    assert r.returncode == 1, r.stdout
    said = r.stdout.splitlines()
    assert said[0].startswith("NOT INTACT: the run did not finish: "), r.stdout
    if when == "killed":
        assert (
            "it is incomplete (the folder carries the kit's INCOMPLETE marker, and the "
            in (said[0])
        )
        assert "record 1 (seq 0), 'run_started', with no 'run_finished' record" in said[0]
    else:
        assert (
            "it was interrupted (the folder carries the kit's INCOMPLETE and INTERRUPTED "
            in (said[0])
        )
        assert "the trail's 'run_finished' record says 'interrupted'" in said[0]
    assert "it was never sealed for sign-off, so there is nothing here to sign" in said[0]
    for accusation in ("recomputed", "removed", "extra file", "changed file", "missing"):
        assert accusation not in r.stdout, (accusation, r.stdout)


def test_a_marker_does_not_silence_a_finished_runs_cut_tail(tmp_path: Path) -> None:
    """The plain word applies only when the trail itself shows no finished run: the last
    records of a finished folder cut, with the kit's markers added, still name the cut (the
    manifest says more records) beside it."""
    run, _anchor = finished_folder(tmp_path, "dispatcher-config.json")
    put(run, lines(run)[:-3])
    (run / "INCOMPLETE").write_text("This run has not finished.\n", encoding="utf-8")
    (run / "INTERRUPTED").write_text("Interrupted.\n", encoding="utf-8")
    problems = verify(run).problems
    assert not any(p.startswith("the run did not finish") for p in problems), problems
    assert any(p.startswith("missing tail: ") and "the manifest says" in p for p in problems)
    assert "extra file: INCOMPLETE (not in the manifest)" in problems, problems


def test_a_sealed_trail_cut_with_a_marker_still_names_the_changed_pages(tmp_path: Path) -> None:
    """An attacker's look: the last record cut, a marker added, the manifest removed and the
    pages changed read only "the run did not finish … run it again". A trail that holds the
    anchor (outputs_sealed) was sealed: its cut tail and its changed pages are named, and the
    marker is an extra file."""
    run, _anchor = finished_folder(tmp_path, "dispatcher-config.json")
    put(run, lines(run)[:-1])
    (run / "INCOMPLETE").write_text("", encoding="utf-8")
    (run / "manifest.json").unlink()
    (run / "signoff" / "index.html").write_text("changed", encoding="utf-8")
    problems = verify(run).problems
    assert not any(p.startswith("the run did not finish") for p in problems), problems
    assert any(p.startswith("missing tail: ") for p in problems), problems
    assert any(p.startswith("changed file: signoff/index.html") for p in problems), problems
    assert any(p.startswith("extra file: INCOMPLETE") for p in problems), problems


def test_a_trail_the_kit_removed_for_a_secret_says_so(sample_run_copy: Path) -> None:
    """A CI maintainer's look: a password whose value stood in an input got into the trail,
    the run replaced the trail with its placeholder (SECRET_LEAK), and `audit verify` and
    next week's `compare` said "record 1: not a JSON record (the line was changed)", read as
    tampering. The placeholder is named as what it is, and what to do; still not intact."""
    from ngdpkit.run.scan import stub_text

    runs = sample_run_copy / "runs" / "test"
    run_dir = runs / (runs / "LATEST").read_text().strip()
    trail = run_dir / "audit.jsonl"
    rest = trail.read_text(encoding="utf-8")
    trail.write_text(stub_text(trail, ["NGDPKIT_TEST_CERT_PASSWORD"]) + rest, encoding="utf-8")
    # as the run leaves it: the manifest, written last, pins the trail with its placeholder
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    listed = next(e for e in manifest["files"] if e["path"] == "audit.jsonl")
    forged = manifest_path.read_text(encoding="utf-8")
    import hashlib

    listed["sha256"] = hashlib.sha256(trail.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    r = cli("audit", "verify", str(run_dir))
    assert r.returncode == 1, r.stdout
    assert "the trail is the kit's placeholder: the run removed it because it held a secret" in (
        r.stdout
    )
    assert "the line was changed" not in r.stdout
    # an attacker's look: the placeholder's words in a trail the manifest does not pin were
    # called the kit's own leak by compare; it is a changed line
    manifest_path.write_text(forged, encoding="utf-8")
    r = cli("audit", "verify", str(run_dir))
    assert r.returncode == 1 and "record 1: not a JSON record (the line was changed)" in r.stdout
    assert "placeholder" not in r.stdout
    # anything else on the first line is still a changed line
    trail.write_text("This file was removed by ngdpkit\n" + rest, encoding="utf-8")
    r = cli("audit", "verify", str(run_dir))
    assert r.returncode == 1 and "the line was changed" in r.stdout, r.stdout


# --- the attacker's look (session 35): a file of terabytes planted in a run folder ----------


def test_a_planted_sparse_file_is_never_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sparse file of terabytes costs no disk, and ``audit verify`` hashed every file of
    the folder whole: an extra one, or one put in the place of a deliverable, held
    ``audit verify``, ``bundle`` and every later run (which verifies the run before it) for
    an hour per terabyte. A file no record names is extra whatever it holds, and one whose
    size is not the recorded size is changed: neither is read."""
    import ngdpkit.run.audit as audit

    run, anchor = finished_folder(tmp_path, "dispatcher-config.json")
    (run / "steps").mkdir(exist_ok=True)
    planted = (run / "steps" / "notes.bin", run / "mailbox-mapping.csv")
    for path in planted:
        with path.open("wb") as fh:
            fh.truncate(3 << 30)
    hashed: list[str] = []
    real = audit.disk_digest

    def recorded(path: Path) -> tuple[int, str]:
        assert path not in planted, f"{path.name} was read whole"
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(audit, "disk_digest", recorded)
    verdict = verify(run, expect_hash=anchor)
    assert not verdict.ok
    assert "extra file: steps/notes.bin (not in the manifest)" in verdict.problems
    assert "changed file: mailbox-mapping.csv (its SHA-256 is not the manifest's)" in (
        verdict.problems
    )
    assert "changed file: mailbox-mapping.csv (it no longer matches the anchor)" in (
        verdict.problems
    )
    assert "dispatcher-config.json" in hashed  # the run's own files are still hashed


@pytest.mark.parametrize(("code", "status"), [(3, "crashed: KeyError: 'x'"), (130, "interrupted")])
def test_a_run_that_ended_unfinished_is_never_intact_without_its_marker(
    tmp_path: Path, code: int, status: str
) -> None:
    """An attacker's look: a run the kit crashed in after it sealed its outputs (rendering,
    say), or one interrupted there, keeps its ``INCOMPLETE`` marker and a trail whose last
    record says how it ended. With the marker deleted (a file no record names), ``audit
    verify --expect-hash`` called the folder intact, exit 0. The trail's own word decides."""
    from ngdpkit.run.audit import INCOMPLETE, seal_outputs
    from ngdpkit.run.folder import RunFolder

    folder = RunFolder.create(tmp_path / "out", "test")
    (folder.path / "dispatcher-config.json").write_text('{"x": 1}', encoding="utf-8")
    anchor = seal_outputs(folder.trail, folder.path).anchor
    folder.finish(code, status, keep_incomplete=True)
    (folder.path / INCOMPLETE).unlink()
    r = cli("audit", "verify", str(folder.path), "--expect-hash", anchor)
    assert r.returncode == 1, r.stdout
    problems = [line for line in r.stdout.splitlines() if line.startswith("NOT INTACT: ")]
    assert problems[0].startswith(
        f"NOT INTACT: the run did not finish: the trail's 'run_finished' record says {status!r}"
    ), r.stdout
    assert "nothing here to sign" in problems[0]
