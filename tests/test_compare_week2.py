"""Week two of a migration as a consultant lives it: what ``compare`` says about the runs it
compares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import cli, copy_sample_run


def test_compare_says_when_its_runs_were_made_and_what_changed_since(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """A CI engineer's look: the week-two run of test stopped with exit 2 (the customer's new
    export did not read), so ``LATEST`` still named week one's run, and ``compare`` showed
    that run as this week's without a word, exit 0. Each compared run is now named on the
    console with the time it was made, and a run whose inputs are no longer the files the
    settings name (a new export, a decisions file begun since, a renewed certificate) is
    ``COMPARE_RUN_INPUTS_CHANGED`` naming them, on the console, in compare.json and on the
    page."""
    sample = copy_sample_run(sample_run_all, tmp_path / "sample")
    toml = str(sample / "migration.toml")
    r = cli("compare", "--settings", toml, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert result["inputs_changed"] == {"test": [], "production": []}
    for env in ("test", "production"):
        made = result["runs_made"][env]
        assert (
            made and made.endswith("Z") and made[:10].replace("-", "") in result["runs"][env]["run"]
        )
    assert "COMPARE_RUN_INPUTS_CHANGED" not in r.stdout
    r = cli("compare", "--settings", toml)
    for env in ("test", "production"):
        line = next(x for x in r.stdout.splitlines() if x.startswith(f"  {env}: kørsel "))
        assert " fra " in line and " kl. " in line and "siden ændret" not in line, r.stdout

    # week two: the new export does not read (the run stopped with exit 2 and left no run),
    # a decision was written, and production's certificate was renewed
    (sample / "mailboxes.xlsx").write_bytes(b"PK\x03\x04 not a whole workbook")
    (sample / "decisions-test.csv").write_text(
        "Mailbox ID;Decision;NgDP Guid;Decided by;Decided at;Note\n", encoding="utf-8-sig"
    )
    p12 = sample / "certs" / "production.p12"
    p12.write_bytes(p12.read_bytes() + b"\0")
    r = cli("compare", "--settings", toml, "--json")
    assert r.returncode == 0, r.stdout + r.stderr  # a warning: the comparison itself stands
    result = json.loads(r.stdout)
    assert result["inputs_changed"] == {
        "test": ["decisions-test.csv", "mailboxes.xlsx"],
        "production": ["certs/production.p12", "mailboxes.xlsx"],
    }
    stale = [f for f in result["findings"] if f["code"] == "COMPARE_RUN_INPUTS_CHANGED"]
    assert sorted((f["severity"], f["location"]) for f in stale) == [
        ("warning", "production"),
        ("warning", "test"),
    ]
    said = {f["location"]: f["message"] for f in stale}
    test_run = result["runs"]["test"]["run"]
    assert f"Kørslen af test, som sammenlignes her ({test_run}, lavet " in said["test"]
    assert "decisions-test.csv, mailboxes.xlsx er ændret siden" in said["test"]
    assert "Kør test igen" in said["test"] and "--from-inputs" in said["test"]
    assert "{" not in said["test"] and "T0" not in said["test"].split("lavet ")[1][:20]
    r = cli("compare", "--settings", toml)
    assert "siden ændret: decisions-test.csv, mailboxes.xlsx (kør test igen)" in r.stdout
    assert "siden ændret: certs/production.p12, mailboxes.xlsx (kør production igen)" in r.stdout
    folder = Path(r.stdout.strip().splitlines()[-1])
    page = (folder / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "lavet " in page and "siden ændret: decisions-test.csv, mailboxes.xlsx" in page
    # English settings say it in English
    english = sample / "en.toml"
    english.write_text(
        (sample / "migration.toml")
        .read_text(encoding="utf-8")
        .replace('language = "da"', 'language = "en"'),
        encoding="utf-8",
    )
    r = cli("compare", "--settings", str(english))
    assert "COMPARE_RUN_INPUTS_CHANGED" in r.stdout
    assert "is not of the inputs on disk" in r.stdout and "(Copenhagen)" in r.stdout
    assert "en.toml" in r.stdout  # other settings than the runs were made with: said too
    # a CI compare job holds no secret: the templates put an empty stand-in where the .p12
    # is, which says nothing (it read "certs/test.p12 changed since" every week)
    (sample / "certs" / "test.p12").write_bytes(b"")
    r = cli("compare", "--settings", toml, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["inputs_changed"]["test"] == [
        "decisions-test.csv",
        "mailboxes.xlsx",
    ]


def test_a_checkout_with_other_line_ends_is_not_an_input_changed(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """A consultant on a Windows laptop (Git for Windows checks out with core.autocrlf, CRLF)
    compared the runs CI made on Linux (LF): both were "not of the inputs on disk:
    migration.toml changed since, run test again", and running them again changed nothing
    the kit reads. A text whose line ends alone differ is the same input, for compare and
    for confirm's note; an edit beside them is still named."""
    sample = copy_sample_run(sample_run_all, tmp_path / "sample")
    toml = sample / "migration.toml"
    toml.write_bytes(toml.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    r = cli("compare", "--settings", str(toml), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert result["inputs_changed"] == {"test": [], "production": []}
    assert "COMPARE_RUN_INPUTS_CHANGED" not in {f["code"] for f in result["findings"]}
    r = cli(
        "confirm", "--settings", str(toml), "--env", "test", "--step", "6", "--by", "Konsulent",
    )  # fmt: skip
    assert r.returncode == 0 and "changed since run" not in r.stdout, r.stdout + r.stderr
    toml.write_bytes(toml.read_bytes() + b"# ny eksport\r\n")
    r = cli("compare", "--settings", str(toml), "--json")
    result = json.loads(r.stdout)
    assert result["inputs_changed"] == {
        "test": ["migration.toml"],
        "production": ["migration.toml"],
    }


def test_only_a_texts_line_ends_are_read_as_no_change(tmp_path: Path) -> None:
    """LF for CRLF and CRLF for LF in a CSV or a JSON file is the same input; the same bytes
    changed in a workbook, or a CSV with a row more, are not."""
    import hashlib

    from ngdpkit.run.neighbours import inputs_changed_since

    run = tmp_path / "run"
    run.mkdir()
    lf = b"Mailbox ID;Decision\n0100233;map\n"
    files = {
        "lf-now-crlf.csv": (lf, lf.replace(b"\n", b"\r\n")),
        "crlf-now-lf.json": (b'{\r\n "a": 1\r\n}\r\n', b'{\n "a": 1\n}\n'),
        "a-row-more.csv": (lf, lf.replace(b"\n", b"\r\n") + b"0100253;map\r\n"),
        "workbook.xlsx": (b"PK\x03\x04\n", b"PK\x03\x04\r\n"),
    }
    records = []
    for name, (then, now) in files.items():
        (tmp_path / name).write_bytes(now)
        digest = hashlib.sha256(then).hexdigest()
        records.append({"event": "input_read", "path": name, "sha256": digest})
    (run / "audit.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    inputs = {name: tmp_path / name for name in files}
    assert inputs_changed_since(run, inputs) == ["a-row-more.csv", "workbook.xlsx"]


def test_an_edit_to_production_leaves_tests_run_current(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """A consultant's week two: production's server IPs were corrected in the settings, and
    ``compare`` named migration.toml as changed since test's run too ("run test again"), for
    the trail held one SHA-256 of the whole file. A run now records one of what of the
    settings concerns its environment, and compare holds it against that: an edit to
    production's table names production's run alone, one to the top level names both."""
    sample = copy_sample_run(sample_run_all, tmp_path / "sample")
    toml = sample / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('"203.0.113.21"]', '"203.0.113.22"]'), encoding="utf-8")
    r = cli("compare", "--settings", str(toml), "--json")
    result = json.loads(r.stdout)
    assert result["inputs_changed"] == {"test": [], "production": ["migration.toml"]}, r.stdout
    codes = {f["code"] for f in result["findings"]}
    assert "COMPARE_SETTINGS_WHOLE_FILE" not in codes
    toml.write_text(text.replace("Kommune (fiktiv)", "Kommune"), encoding="utf-8")
    r = cli("compare", "--settings", str(toml), "--json")
    assert json.loads(r.stdout)["inputs_changed"] == {
        "test": ["migration.toml"],
        "production": ["migration.toml"],
    }


def test_what_of_the_settings_concerns_an_environment(sample_copy: Path, tmp_path: Path) -> None:
    """``Settings.environment_sha256``: another environment's table, ``[compare]``,
    ``secrets_file`` (CI's copy has none), comments, a decisions file begun since and the
    folder the settings lie in are no part of it; the environment's own keys, the top
    level's it extends and the trust anchors (every kind's) are."""
    import shutil

    from ngdpkit.settings import load_settings

    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    base = load_settings(toml)
    test, production = base.environment_sha256("test"), base.environment_sha256("production")
    assert len(test) == 64 and test != production

    def hashes(new: str) -> tuple[str, str]:
        toml.write_text(new, encoding="utf-8")
        s = load_settings(toml)
        return s.environment_sha256("test"), s.environment_sha256("production")

    assert hashes(text.replace('"203.0.113.21"]', '"203.0.113.22"]'))[0] == test
    assert hashes(text.replace('secrets_file = "sample.env"', "") + "# x\n") == (test, production)
    more = text + '\n[compare]\ncontact_points = { "A" = "B" }\n'
    assert hashes(more) == (test, production)
    (sample_copy / "decisions-test.csv").write_text("Mailbox ID;Decision\n", encoding="utf-8")
    assert hashes(text) == (test, production)
    (sample_copy / "decisions-test.csv").unlink()
    assert hashes(text.replace("WorkZone test - ", "WorkZone t - "))[0] != test
    top = hashes(text.replace('"0101709996"', '"0101709997"'))  # [rehearsal]: both extend it
    assert top[0] != test and top[1] != production
    # every kind's trust anchors: each run reads them all and its pages name every kind's
    own = hashes(text.replace('production = ["certs/sample-production-root.pem"]', ""))
    assert own[0] != test and own[1] != production
    toml.write_text(text, encoding="utf-8")
    moved = tmp_path / "elsewhere"
    shutil.copytree(sample_copy, moved)
    assert load_settings(moved / "migration.toml").environment_sha256("test") == test


def test_a_run_of_an_older_kit_is_judged_by_the_whole_file_and_says_so(
    sample_copy: Path,
) -> None:
    """A run made before runs recorded each environment's settings holds the whole file's
    SHA-256 only: any edit names it, as before, and ``COMPARE_SETTINGS_WHOLE_FILE`` (info)
    says why; a run that recorded them is not named for an edit to another environment's
    table alone, and still is for one no environment's hash shows (a comment)."""
    import hashlib

    from ngdpkit.compare.compare import _compare_freshness
    from ngdpkit.compare.diff import RunRef
    from ngdpkit.compare.sides import Side
    from ngdpkit.run.neighbours import judged_whole_file, settings_changed_since
    from ngdpkit.settings import load_settings

    toml = sample_copy / "migration.toml"
    before = load_settings(toml)
    old, new = sample_copy / "old-run", sample_copy / "new-run"
    for run, extra in ((old, False), (new, True)):
        run.mkdir()
        first = {"event": "run_started", "settings_sha256": before.raw_sha256}
        if extra:
            first["environments_settings_sha256"] = {
                name: before.environment_sha256(name) for name in ("test", "production")
            }
        (run / "audit.jsonl").write_text(json.dumps(first) + "\n", encoding="utf-8")
    now = load_settings(toml)
    assert not settings_changed_since(now, "test", old)
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('"203.0.113.21"]', '"203.0.113.22"]'), encoding="utf-8")
    now = load_settings(toml)
    assert now.raw_sha256 != hashlib.sha256(text.encode()).hexdigest()
    assert settings_changed_since(now, "test", old) and judged_whole_file(old)
    assert not settings_changed_since(now, "test", new) and not judged_whole_file(new)
    assert settings_changed_since(now, "production", new)  # production's own table changed
    # an edit no environment's hash shows (a comment) names the file for every run, as before
    toml.write_text(text + "# ny eksport\n", encoding="utf-8")
    now = load_settings(toml)
    assert settings_changed_since(now, "test", new) and settings_changed_since(now, "test", old)

    def side(whole: bool) -> Side:
        return Side(
            name="test", kind="test", protocol="REST_PULL", server_ips=(),
            default_contact_point="", landings=(), contact_points=None, certificate=None,
            status="ok", run=RunRef("20261130T101500Z-3fa2c1", "a" * 64, "ok"),
            made_at="2026-11-30T10:15:00Z", inputs_changed=("migration.toml",),
            settings_whole_file=whole,
        )  # fmt: skip

    found: list[Any] = []
    _compare_freshness(side(True), side(False), found)
    whole = [f for f in found if f.code == "COMPARE_SETTINGS_WHOLE_FILE"]
    assert len(whole) == 1 and whole[0].severity == "info"
    said = whole[0].message
    assert "20261130T101500Z-3fa2c1" in said and "migration.toml" in said and "{" not in said


def test_trust_anchors_of_another_kind_and_their_content_count(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """A consultant's week two: test's test CA was taken out of ``[trust_anchors]`` (the real
    OCES3 test certificate had come). Every page of production's run still said "custom trust
    anchors (test, production)", and compare called production's run current: each run reads
    every kind's anchor files (step 03: their intermediates complete either kind's chain) and
    names every kind on its pages. And a test CA renewed in its file under the same name was
    no change at all: the files' content is an input of every run."""
    sample = copy_sample_run(sample_run_all, tmp_path / "sample")
    toml = sample / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    production_run = sample / "runs" / "production"
    page = production_run / (production_run / "LATEST").read_text().strip() / "signoff"
    assert "(test, production)" in (page / "index.html").read_text(encoding="utf-8")
    toml.write_text(text.replace('test = ["certs/sample-test-root.pem"]\n', ""), encoding="utf-8")
    r = cli("compare", "--settings", str(toml), "--json")
    changed = json.loads(r.stdout)["inputs_changed"]
    assert changed == {"test": ["migration.toml"], "production": ["migration.toml"]}, r.stdout
    toml.write_text(text, encoding="utf-8")
    anchors = sample / "certs"
    renewed = (anchors / "sample-production-root.pem").read_bytes()
    (anchors / "sample-test-root.pem").write_bytes(renewed)
    r = cli("compare", "--settings", str(toml), "--json")
    changed = json.loads(r.stdout)["inputs_changed"]
    pem = ["certs/sample-test-root.pem"]
    assert changed == {"test": pem, "production": pem}, r.stdout


def test_a_trust_anchor_is_never_named_unread(sample_copy: Path) -> None:
    """A run with no certificate yet reads no trust anchor (step 03 stops first): compare,
    which names a file a run did not read and that is there now (a decisions file begun
    since), does not name the anchors so."""
    from ngdpkit.run.neighbours import run_inputs_changed
    from ngdpkit.settings import load_settings

    settings = load_settings(sample_copy / "migration.toml")
    run = sample_copy / "runs" / "test" / "20261130T101500Z-3fa2c1"
    run.mkdir(parents=True)
    first = {"event": "run_started", "settings_sha256": settings.raw_sha256}
    (run / "audit.jsonl").write_text(json.dumps(first) + "\n", encoding="utf-8")
    changed = run_inputs_changed(settings, "test", run, certificate=True, unread=True)
    assert not [name for name in changed if name.endswith(".pem")], changed


def test_a_name_decomposed_on_disk_is_the_same_setting(sample_copy: Path, tmp_path: Path) -> None:
    """The same settings, read where the export's name is decomposed on disk (a folder
    unzipped from a Mac: "a" and a ring) and where it is composed (CI's checkout), have one
    SHA-256 per environment: the kit reads the one file either way, and a run made on one
    machine is compared on the other (its name was read as another setting, and an edit to
    production's table named test's run as changed after all)."""
    import shutil
    import unicodedata

    from ngdpkit.settings import load_settings

    composed, decomposed = "Århus-eksport.xlsx", unicodedata.normalize("NFD", "Århus-eksport.xlsx")
    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    named = next(line for line in text.splitlines() if line.startswith("mailboxes = "))
    export = sample_copy / named.split('"')[1]
    toml.write_text(text.replace(named, f'mailboxes = "{composed}"'), encoding="utf-8")
    shutil.copy(export, sample_copy / composed)
    mac = tmp_path / "mac"
    shutil.copytree(sample_copy, mac)
    (mac / composed).rename(mac / decomposed)
    assert not (mac / composed).exists() or (mac / composed).samefile(mac / decomposed)
    ours, theirs = load_settings(toml), load_settings(mac / "migration.toml")
    assert ours.environment_sha256("test") == theirs.environment_sha256("test")


def test_a_trail_past_64_kb_still_says_what_made_its_run(tmp_path: Path) -> None:
    """The trail's first record was read by reading the whole trail under a 64 KB limit: a
    run whose trail had grown past it (evidence files, confirmations, many steps) said no
    settings hash at all, and its settings then never read as changed. Only the first line
    is read."""
    from ngdpkit.run.neighbours import environments_settings_of, settings_sha256_of

    run = tmp_path / "run"
    run.mkdir()
    first = {
        "event": "run_started",
        "settings_sha256": "a" * 64,
        "environments_settings_sha256": {"test": "b" * 64},
    }
    filler = [json.dumps({"event": "input_read", "path": "x" * 200}) for _ in range(1000)]
    (run / "audit.jsonl").write_text("\n".join([json.dumps(first), *filler]) + "\n")
    assert (run / "audit.jsonl").stat().st_size > 200_000
    assert settings_sha256_of(run) == "a" * 64
    assert environments_settings_of(run) == {"test": "b" * 64}
    (run / "audit.jsonl").write_text("x" * 70_000)  # no line end within the limit: nothing
    assert settings_sha256_of(run) == ""
