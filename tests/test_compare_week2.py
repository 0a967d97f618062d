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
