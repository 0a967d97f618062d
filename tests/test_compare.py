"""Issue 15: test against production (`compare`), a run against the one before (`diff`,
`changes.json`), and a consultancy's portfolio (`status`), on real runs of the sample."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngdpkit.compare.runs import RunView
from ngdpkit.errors import InputError
from tests.conftest import cli, copy_sample_run, run_cli

BORGERSERVICE = "0ffbfcfe-6486-599d-966a-8da4407ea788"  # a production contact point


def edit_workbook(path: Path, edit: Any) -> None:
    wb = openpyxl.load_workbook(path)
    edit(wb.active)
    wb.save(path)


def test_compare_finds_the_three_classic_mistakes(sample_copy: Path) -> None:
    # 1. production lacks a mapping that test has
    edit_workbook(sample_copy / "mapping-production.xlsx", lambda ws: ws.delete_rows(2))

    # 2. a contact point hidden in production only
    def hide(ws: Any) -> None:
        for row in ws.iter_rows(min_row=2):
            if row[1].value == "Børn og Unge - Eksempel Kommune":
                row[5].value = "ja"

    edit_workbook(sample_copy / "contact-points-production.xlsx", hide)
    # 3. the default contact points do not correspond
    toml = sample_copy / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'default_contact_point = "0e3f7507-6c3a-5658-910d-f93aafd577e7"',
            f'default_contact_point = "{BORGERSERVICE}"',
        ),
        encoding="utf-8",
    )
    r = cli("compare", "--settings", str(toml), "--from-inputs", "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    result = json.loads(r.stdout)
    codes = {(f["code"], f["severity"]) for f in result["findings"]}
    assert ("COMPARE_MAPPED_ONLY_IN_TEST", "error") in codes
    assert "0101159" in result["mapped_only_in_test"]
    assert ("COMPARE_CONTACT_POINT_DIFFERS", "warning") in codes
    hidden = [c for c in result["contact_points"] if c["name"] == "Børn og Unge - Eksempel Kommune"]
    assert hidden and hidden[0]["visible"] == {"test": True, "production": False}
    assert ("COMPARE_DEFAULT_CONTACT_POINT_DIFFERS", "error") in codes
    assert result["environments"] == ["test", "production"]
    folder = next((sample_copy / "runs" / "compare").glob("2*"))
    assert json.loads((folder / "compare.json").read_text(encoding="utf-8")) == result
    assert (folder / "signoff" / "index.html").is_file()
    assert cli("audit", "verify", str(folder)).returncode == 0
    page = (folder / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "Sammenligning af test og produktion" in page and "0101159" in page


def test_compare_of_the_sample_as_shipped_has_no_error(sample_copy: Path) -> None:
    r = cli("compare", "--settings", str(sample_copy / "migration.toml"), "--from-inputs")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "COMPARE_PROTOCOL_DIFFERS" in r.stdout  # the sample's test is PULL, production PUSH


def test_compare_refuses_bad_environment_choices(sample_copy: Path) -> None:
    toml = str(sample_copy / "migration.toml")
    for args in (
        ["--env", "test"],
        ["--env", "test", "--env", "test"],
        ["--env", "nope", "--env", "test"],
    ):
        r = cli("compare", "--settings", toml, *args)
        assert r.returncode == 2 and "Traceback" not in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, Any]:
    """Two runs of the sample: between them one mapping row changes and one finding is fixed."""
    sample = tmp_path_factory.mktemp("two") / "sample"
    shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
    toml = sample / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    broken = text.replace(
        'server_ips = ["198.51.100.10", "198.51.100.12/31"]',
        'server_ips = ["198.51.100.10", "198.51.100.12/31", "198.51.100.10"]',
    )
    toml.write_text(broken, encoding="utf-8")
    first = cli("run", "--settings", str(toml), "--env", "test")  # in this process
    assert first.returncode == 0, first.stdout + first.stderr
    toml.write_text(text, encoding="utf-8")  # the duplicate IP fixed
    other = "76b6866f-28cf-5130-a631-cfb0cae28e8a"  # unused by test: an unknown GUID there

    def remap(ws: Any) -> None:
        ws.cell(row=2, column=3).value = other

    edit_workbook(sample / "mapping-test.xlsx", remap)
    second = cli("run", "--settings", str(toml), "--env", "test")
    runs = sorted((sample / "runs" / "test").glob("2*"))
    return {"sample": sample, "runs": runs, "second": second, "other": other}


def test_changes_json_names_exactly_what_changed(two_runs: dict[str, Any]) -> None:
    first, second = two_runs["runs"]
    assert not (first / "changes.json").exists()  # nothing before the first run
    change = json.loads((second / "changes.json").read_text(encoding="utf-8"))
    assert change["previous"]["run"] == first.name
    resolved = [f["code"] for f in change["findings_resolved"]]
    assert resolved == ["IP_DUPLICATE"]
    rows = change["mapping_changed"]
    assert [(r["code"], r["params"]["mailbox"]) for r in rows] == [("MAPPING_CHANGED", "0101159")]
    assert rows[0]["params"]["after"]["guid"] == two_runs["other"]
    assert rows[0]["unit"] == "Skole og Dagtilbud"  # the mailbox's responsible unit
    outputs = [c["params"]["file"] for c in change["outputs_changed"]]
    assert {c["code"] for c in change["outputs_changed"]} == {"OUTPUT_CHANGED"}
    assert "mailbox-mapping.csv" in outputs
    for same in ("install-certificate.ps1", "server-check.ps1", "mapping-suggestions.xlsx"):
        assert same not in outputs  # same content (a workbook: new save time)
    page = (second / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "Ændringer siden forrige kørsel" in page and first.name in page
    anchor = change["previous"]["anchor"]
    assert anchor and anchor in page


def test_diff_command_agrees_with_changes_json(two_runs: dict[str, Any]) -> None:
    first, second = two_runs["runs"]
    r = cli("diff", str(first), str(second), "--json")
    assert r.returncode == 0, r.stderr
    diffed = json.loads(r.stdout)
    stored = json.loads((second / "changes.json").read_text(encoding="utf-8"))
    for key in ("findings_resolved", "mapping_changed"):
        assert diffed[key] == stored[key]
    text = cli("diff", str(first), str(second)).stdout
    assert "IP_DUPLICATE" in text and "0101159" in text
    # in the runs' language (session 21's leftover: English change lines beside Danish
    # findings); the folder records none, its findings say it
    assert "mailbox-mapping.csv har nyt indhold." in text and "has new content" not in text


def test_diff_of_the_newer_run_first_says_so(two_runs: dict[str, Any]) -> None:
    """A consultant's cold run: ``diff`` with the newer run first printed its changes
    backwards ("færdig → ikke verificeret") without a word. It says which way it counts; the
    right order says nothing of it."""
    first, second = two_runs["runs"]
    backwards = cli("diff", str(second), str(first)).stdout
    assert "den første kørsel er nyere end den anden" in backwards, backwards
    assert "nyere end den anden" not in cli("diff", str(first), str(second)).stdout


def test_a_runs_language_is_read_from_its_findings(tmp_path: Path) -> None:
    from ngdpkit import findings as F
    from ngdpkit.compare.runs import run_language

    found = F.warning("IP_DUPLICATE", "{text} is listed twice.", "k", text="203.0.113.1")
    for language in ("da", "en"):
        run = tmp_path / language
        run.mkdir()
        (run / "findings.json").write_text(
            json.dumps({"findings": [found.to_dict(language)]}), encoding="utf-8"
        )
        assert run_language(run) == language
    # a forged template or values that do not fit are no crash (the attacker's pass: exit 3)
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / "findings.json").write_text(
        json.dumps(
            {
                "findings": [
                    {"template": "{x[0]}", "params": {"x": 5}, "message": "m"},
                    {"template": "{x[a][b]}", "params": {"x": {"a": "s"}}, "message": "m"},
                    found.to_dict("da"),
                ]
            }
        ),
        encoding="utf-8",
    )
    assert run_language(forged) == "da"
    (tmp_path / "none").mkdir()
    assert run_language(tmp_path / "none") == "en"  # no file: English, as before
    (tmp_path / "none" / "findings.json").write_text("{ not json", encoding="utf-8")
    assert run_language(tmp_path / "none") == "en"


def test_diff_refuses_bad_input_in_one_line(two_runs: dict[str, Any], tmp_path: Path) -> None:
    first, second = two_runs["runs"]
    empty = tmp_path / "empty"
    empty.mkdir()
    truncated = tmp_path / "truncated" / second.name
    shutil.copytree(second, truncated)
    (truncated / "findings.json").write_text('{"environment": "test", "find', encoding="utf-8")
    old = tmp_path / "old" / second.name
    shutil.copytree(second, old)
    lines = (old / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    (old / "audit.jsonl").write_text(
        "\n".join(
            x.replace('"kit_version": "0.2.0"', '"kit_version": "0.1.0"')
            for x in lines
            if '"outputs_sealed"' not in x
        )
        + "\n",
        encoding="utf-8",
    )
    # a genuine run copied under its own name with one value edited: verify refuses it
    edited = tmp_path / "edited" / second.name
    shutil.copytree(second, edited)
    config = edited / "dispatcher-config.json"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            '"ContactPointGuid": "', '"ContactPointGuid": "1'
        ),
        encoding="utf-8",
    )
    for bad, why in (
        (empty, "not named like a folder ngdpkit writes"),
        (truncated, "does not verify"),
        (old, "does not verify"),
        (edited, "dispatcher-config.json"),
    ):
        r = cli("diff", str(first), str(bad))
        assert r.returncode == 2, (bad, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr and why in r.stderr and "cannot be compared" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_status_over_three_customers_one_unreadable(
    two_runs: dict[str, Any], tmp_path: Path
) -> None:
    portfolio = tmp_path / "customers"
    for name in ("alpha", "beta", "gamma"):
        target = portfolio / name
        shutil.copytree(two_runs["sample"], target)
        toml = target / "migration.toml"
        toml.write_text(
            toml.read_text(encoding="utf-8").replace(
                "Eksempel Kommune (fiktiv)", f"{name.title()} Kommune"
            ),
            encoding="utf-8",
        )
    latest = (portfolio / "gamma" / "runs" / "test" / "LATEST").read_text().strip()
    (portfolio / "gamma" / "runs" / "test" / latest / "findings.json").write_text(
        "{", encoding="utf-8"
    )
    (portfolio / "notes.toml").write_text("[tool]\nx = 1\n")  # not a settings file: ignored
    html = tmp_path / "status.html"
    r = cli("status", str(portfolio), "--json", "--html", str(html))
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["rows"]
    assert len(rows) == 6  # three customers, two environments each
    assert rows[0]["organisation"] == "Gamma Kommune" and rows[0]["status"] == "unreadable"
    assert "findings.json" in rows[0]["problem"]
    alpha = next(
        x for x in rows if x["organisation"] == "Alpha Kommune" and x["environment"] == "test"
    )
    assert alpha["errors"] >= 1 and alpha["anchor"] and alpha["run_date"]
    assert alpha["certificate_days_left"] > 900 and alpha["dispatcher_ready"] is False
    assert {x["status"] for x in rows if x["environment"] == "production"} == {"no run"}
    page = html.read_text(encoding="utf-8")
    assert "Gamma Kommune" in page and "<script" not in page
    table = cli("status", str(portfolio)).stdout.splitlines()
    assert table[0].startswith("times in Europe/Copenhagen")
    assert table[2].startswith("Gamma Kommune") and "unreadable" in table[2]
    # the consultant's cold read: "ready yes" read as the migration's readiness and
    # "2 blocked" as a count; the columns say the dispatcher's values and the step
    assert " values " in table[1] and " ready " not in table[1]
    assert any(" step " in line and " d " in line for line in table[2:]), table


def test_status_of_a_missing_path_is_exit_2(tmp_path: Path) -> None:
    r = cli("status", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


def test_status_of_a_folder_without_settings_is_exit_2(tmp_path: Path) -> None:
    """A consultant's cold run: ``status emptydir`` printed "no ngdpkit settings files
    found" and exited 0, so a scheduled status job pointed at the wrong folder passed (and its
    page stayed as it was). Nothing to list is refused, on stderr, and no page is written."""
    (tmp_path / "notes.toml").write_text("[tool]\nx = 1\n")
    html = tmp_path / "status.html"
    for extra in ((), ("--json",), ("--html", str(html))):
        r = cli("status", str(tmp_path), *extra)
        assert r.returncode == 2, (extra, r.stdout, r.stderr)
        assert r.stderr.strip() == f"ngdpkit: no ngdpkit settings file found in {tmp_path}"
        assert r.stdout == ""
    assert not html.exists()


def test_mapping_changes_by_key_in_key_order(tmp_path: Path) -> None:
    """Added, removed and changed rows, field by field, read from the CSVs the runs wrote
    (a quoted cell with ``;`` and a newline, a key given twice: the last row wins)."""
    from ngdpkit.compare.diff import mapping_changes
    from ngdpkit.compare.runs import RunView, read_mapping_csv

    head = "Mailbox ID;Mailbox name;NgDP Guid;Contact point name;Status;Subject ID\r\n"
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_bytes(
        (
            "\ufeff" + head + "2;x;g1;A;mapped;\r\n"
            "1;x;g1;A;mapped;\r\n"
            "3;x;;;unmapped;7\r\n"
            '4;x;g2;"B; ""quoted""\nname";mapped;\r\n'
            "5;x;g1;A;mapped;\r\n"
        ).encode()
    )
    b.write_bytes(
        (
            "\ufeff" + head + "1;x;g1;A;mapped;\r\n"
            "3;x;g3;C;mapped;7\r\n"
            '4;x;g2;"B; ""quoted""\nname";mapped;\r\n'
            "5;x;g9;A;mapped;\r\n"
            "5;x;g1;A;mapped;\r\n"
            "10;x;g1;A;mapped;\r\n"
        ).encode()
    )

    def view(path: Path) -> RunView:
        return RunView(
            path=tmp_path,
            environment="test",
            status="ok",
            findings=[],
            manifest={},
            anchor="",
            kit_version="",
            mapping=read_mapping_csv(path, path.name),
        )

    from ngdpkit.inputs.typed import unstructure

    rows = unstructure(mapping_changes(view(a), view(b)))
    assert rows == [
        {"code": "MAPPING_ADDED", "unit": "",
         "params": {"mailbox": "10", "subject": "",
                    "after": {"guid": "g1", "contact_point": "A", "status": "mapped"}}},
        {"code": "MAPPING_REMOVED", "unit": "",
         "params": {"mailbox": "2", "subject": "",
                    "before": {"guid": "g1", "contact_point": "A", "status": "mapped"}}},
        {"code": "MAPPING_CHANGED", "unit": "",
         "params": {"mailbox": "3", "subject": "7",
                    "before": {"guid": "", "contact_point": "", "status": "unmapped"},
                    "after": {"guid": "g3", "contact_point": "C", "status": "mapped"}}},
    ]  # fmt: skip
    none = view(tmp_path / "missing.csv")
    assert none.mapping is None and mapping_changes(none, none) == ()
    assert [r.code for r in mapping_changes(none, view(a))] == ["MAPPING_ADDED"] * 5
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe;\x00")
    with pytest.raises(InputError, match="bad.csv: mailbox-mapping.csv is not UTF-8"):
        read_mapping_csv(tmp_path / "bad.csv", "bad.csv")


_CSV_HEAD = (
    "Mailbox ID;Mailbox name;Responsible unit;NgDP Guid;Contact point name;Status;Subject ID\r\n"
)


def _csv_view(path: Path) -> RunView:
    """A finished run's view whose mapping is the CSV ``path`` (its folder named after it)."""
    from ngdpkit.compare.runs import read_mapping_csv

    return RunView(
        path=path.parent / path.stem, environment="test", status="ok", findings=[],
        manifest={}, anchor="", kit_version="", mapping=read_mapping_csv(path, path.name),
    )  # fmt: skip


def test_the_changes_name_each_changed_mailbox_by_its_name_in_the_export(tmp_path: Path) -> None:
    """A customer's week-two read: the mapping changes named mailbox IDs only. ``changes.json``
    gives each changed mailbox's name from the newer run's CSV, else the older's (a removed
    mailbox); the name is cleaned as a cell is (a previous folder is not trusted), and an
    unchanged mailbox is not listed (a renamed one is MAPPING_RENAMED, named by its new
    name)."""
    from ngdpkit.compare.diff import changes

    head = _CSV_HEAD
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(
        (
            "\ufeff" + head + "1;Pas\x1b[31m og kørekort;U;g1;A;mapped;\r\n"
            "2;Folkeregister;U;g1;A;mapped;\r\n"
            "3;Gammelt navn;U;g1;A;mapped;\r\n"
            "4;Uændret;U;g1;A;mapped;\r\n"
        ).encode()
    )
    b.write_bytes(
        (
            "\ufeff" + head + "1;;U;g2;B;mapped;\r\n"
            "3;Nyt navn;U;g1;A;mapped;\r\n"
            "4;Uændret;U;g1;A;mapped;\r\n"
            "5;Ny postkasse;U;g1;A;mapped;\r\n"
        ).encode()
    )

    change = changes(_csv_view(a), _csv_view(b))
    assert [c["params"]["mailbox"] for c in change["mapping_changed"]] == ["1", "2", "3", "5"]
    assert change["mapping_changed"][2]["code"] == "MAPPING_RENAMED"
    assert change["mailbox_names"] == [
        {"mailbox": "1", "name": "Pas og kørekort"},  # the newer run has none: the older's
        {"mailbox": "2", "name": "Folkeregister"},  # removed: the older run's
        {"mailbox": "3", "name": "Nyt navn"},
        {"mailbox": "5", "name": "Ny postkasse"},
    ]


def test_a_removed_subject_row_is_named_by_its_own_row_not_another_of_its_mailbox(
    tmp_path: Path,
) -> None:
    """A consultant's week two (session 42): 20 rows taken out of the sample's export, whose
    mailboxes keep a row of another subject ("Opkrævning (emne 10)"), read "Postkasse 0100355
    (Opkrævning (emne 10)) er ikke længere i eksporten": the name of the row that stayed. Each
    change is named by its own row (mailbox and subject); the entry says the subject only when
    there is one, and a file from an older kit (no subject) still names the mailbox."""
    from ngdpkit.compare.diff import changes
    from ngdpkit.documents.change_text import lines

    head = _CSV_HEAD
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(
        (
            "\ufeff" + head + "1;Opkrævning;U;g1;A;mapped;\r\n"
            "1;Opkrævning (emne 10);U;g1;A;mapped;10\r\n"
            "2;Pension - borgerhenvendelser;U;g1;A;mapped;4\r\n"
            "2;Pension - borgerhenvendelser (emne 11);U;g1;A;mapped;11\r\n"
        ).encode()
    )
    b.write_bytes(
        (
            "\ufeff" + head + "1;Opkrævning (emne 10);U;g1;A;mapped;10\r\n"
            "2;Pension - borgerhenvendelser (emne 11);U;g1;A;mapped;11\r\n"
        ).encode()
    )

    change = changes(_csv_view(a), _csv_view(b))
    assert change["mailbox_names"] == [
        {"mailbox": "1", "name": "Opkrævning"},
        {"mailbox": "2", "name": "Pension - borgerhenvendelser", "subject": "4"},
    ]
    texts = [text for *_, text in lines(change, "da")]
    assert texts[0].startswith("Postkasse 1 (Opkrævning) er ikke længere i eksporten"), texts
    assert texts[1].startswith("Postkasse 2 (Pension - borgerhenvendelser; emne 4) er ikke"), texts
    assert not any("(emne 1" in text for text in texts)
    older = {**change, "mailbox_names": [{"mailbox": "2", "name": "Pension"}]}
    assert [text for *_, text in lines(older, "da")][1].startswith("Postkasse 2 (Pension; emne 4)")


def test_a_run_of_unchanged_inputs_reports_no_change(sample_two_runs: dict[str, Any]) -> None:
    """A customer's cold read: a second run of the same inputs listed "checklist.json,
    checklist.xlsx, runbook.xlsx har nyt indhold" (changes.json was written before them, so
    they were missing from the run it compared), in the changes a customer signs."""
    # the session's run of the sample and a second run of it: the module's (read only)
    r = sample_two_runs["result"]
    assert r.returncode in (0, 1), r.stdout + r.stderr
    runs = Path(sample_two_runs["sample"]) / "runs" / "test"
    second = runs / (runs / "LATEST").read_text().strip()
    change = json.loads((second / "changes.json").read_text(encoding="utf-8"))
    assert change["outputs_changed"] == [], change["outputs_changed"]
    assert not any(change[k] for k in ("findings_added", "findings_resolved", "mapping_changed"))
    page = (second / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "har nyt indhold" not in page


def test_a_damaged_previous_run_is_named_in_changes_json(sample_run_copy: Path) -> None:
    """The previous run is read while the notebooks run; when it cannot be read, the new
    run still finishes and its changes.json says why there is no comparison."""
    sample_copy = sample_run_copy  # the first run: the session's run of the sample, copied
    toml = str(sample_copy / "migration.toml")
    first = next((sample_copy / "runs" / "test").glob("2*"))
    (first / "findings.json").write_text("{ not json", encoding="utf-8")
    r = cli("run", "--settings", toml, "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    second = max((sample_copy / "runs" / "test").glob("2*"))
    change = json.loads((second / "changes.json").read_text(encoding="utf-8"))
    assert change["previous"] == {"run": first.name}
    assert change["problem"]["code"] == "CHANGES_NOT_COMPARED"
    assert change["problem"]["params"]["run"] == first.name
    assert "findings.json" in change["problem"]["params"]["reason"]
    page = (second / "signoff" / "index.html").read_text(encoding="utf-8")
    assert f"Den forrige kørsel {first.name} kan ikke sammenlignes" in page


def test_the_run_compares_the_mapping_cells_it_wrote_as_a_reader_gets_them(
    tmp_path: Path,
) -> None:
    """changes.json compares this run's mapping as written, not read back from the file:
    for cells with quotes, separators, line breaks, NUL, a BOM, a formula start and words a
    reader could take for missing values, the two are the same table."""
    import pandas as pd

    from ngdpkit.compare.runs import read_mapping_csv, register_table
    from ngdpkit.deliverables.outputs import MAPPING_COLUMNS
    from ngdpkit.run.mapping_files import write_mapping_outputs

    texts = ["a", '"q";x', "a\r\nb", "\r", "\n", "\x00x", "\ufeffbom", "=1", "-", "nan", "NA"]
    texts += ["", "  space ", "#N/A", "æøå", "x\u2028y"]
    frame = pd.DataFrame(
        [
            {c: text for c in MAPPING_COLUMNS} | {"mailbox_id": f"m{i % 9}", "subject_id": "7"}
            for i, text in enumerate(texts)
        ]
    )
    result = write_mapping_outputs(str(tmp_path), [], parts=("csv",), frame=frame)
    read = read_mapping_csv(tmp_path / "mailbox-mapping.csv", "run")
    pd.testing.assert_frame_equal(register_table(result["csv_table"]), read)
    assert len(read) == 9  # a key given twice: the last row wins, in both


@pytest.mark.parametrize(
    "row",
    ["1;a;b\r\n", "1;a;b;c;g;n;s;mapped;7;extra\r\n", '1;"open;b;c;g;n;s;mapped;7\r\n'],
    ids=["too few cells", "too many cells", "open quote"],
)
def test_a_mapping_csv_with_a_broken_row_is_refused_not_shifted(tmp_path: Path, row: str) -> None:
    """A run's mapping CSV whose row has another number of cells than its header (or an
    open quote) is not a readable table: never padded, and never read with its columns
    shifted (pandas took the extra cell as an index and moved every value one column)."""
    from ngdpkit.compare.runs import read_mapping_csv

    header = "Mailbox ID;Mailbox name;Responsible unit;Case;NgDP Guid;Contact point name;"
    path = tmp_path / "mailbox-mapping.csv"
    path.write_bytes(("\ufeff" + header + "Source;Status;Subject ID\r\n" + row).encode())
    with pytest.raises(InputError, match="mailbox-mapping.csv is not a readable table"):
        read_mapping_csv(path, "run")


@pytest.fixture(scope="module")
def sample_two_runs(
    tmp_path_factory: pytest.TempPathFactory, sample_run: dict[str, Any]
) -> dict[str, Any]:
    """The sample after two runs of test with nothing changed between them: the session's
    run, copied, and a second one, made once for the module (the FIFO test and the
    ``customers`` fixture each made this same second run). ``sample``, ``result`` (the
    second run's process). Read it; copy it (:func:`copy_sample_run`) to change it."""
    sample = copy_sample_run(sample_run, tmp_path_factory.mktemp("two-runs") / "sample")
    result = cli("run", "--settings", str(sample / "migration.toml"), "--env", "test")
    return {"sample": sample, "result": result}


def test_status_and_diff_survive_a_tampered_run_and_a_fifo(
    sample_two_runs: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 26: wrongly typed files crashed diff and status; a FIFO named *.toml hung
    status; U+200F reached the terminal."""
    import os

    # the session's run of the sample and a second run of it: the module's, copied
    sample_copy = copy_sample_run(sample_two_runs, tmp_path / "sample")
    toml = sample_copy / "migration.toml"
    good = toml.read_text(encoding="utf-8")
    assert sample_two_runs["result"].returncode in (0, 1)
    # status reads the organisation's name from the file itself (run refuses such a name)
    toml.write_text(
        good.replace('name = "Eksempel Kommune (fiktiv)"', 'name = "Eksempel\u200f Kommune"'),
        encoding="utf-8",
    )
    first, second = sorted((sample_copy / "runs" / "test").glob("2*"))
    (second / "dispatcher-config.json").write_text("[1]")
    (second / "findings.json").write_text('{"status": 5, "findings": [1, {"severity": []}]}')
    os.mkfifo(sample_copy / "trap.toml")
    r = run_cli("status", str(sample_copy), timeout=60)
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr and "\u200f" not in r.stdout + r.stderr
    assert "unreadable" in r.stdout
    r = cli("diff", str(first), str(second))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "dispatcher-config.json" in r.stderr
    toml.write_text(good, encoding="utf-8")
    r = run_cli("run", "--settings", str(toml), "--env", "test")
    assert r.returncode in (0, 1), r.stderr  # a tampered previous run is no denial of service


# --- issue 29: where each mailbox lands, the runs that were signed ------------------------

ECONOMY = "71b736f1-6dfe-543c-b60e-b63b18be4ed8"  # "Økonomi og Løn" in production
SCHOOL = "Skole og Dagtilbud - Eksempel Kommune"


def edit_mapping(path: Path, changes: dict[str, str]) -> None:
    """Set the NgDP Guid column (a GUID or "udgår") of the mailboxes named."""

    def edit(ws: Any) -> None:
        for row in ws.iter_rows(min_row=2):
            if row[0].value in changes:
                row[2].value = changes[row[0].value]

    edit_workbook(path, edit)


def rename_contact_points(path: Path, rename: Any) -> None:
    def edit(ws: Any) -> None:
        for row in ws.iter_rows(min_row=2):
            row[1].value = rename(row[1].value)

    edit_workbook(path, edit)


def run_both(toml: Path) -> dict[str, Path]:
    """``run --env all`` in this process (its children and kernels are processes as ever)."""
    r = cli("run", "--settings", str(toml), "--env", "all")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return latest_runs(toml)


def latest_runs(toml: Path) -> dict[str, Path]:
    """Each environment's run folder that its LATEST names."""
    runs = toml.parent / "runs"
    return {
        env: runs / env / (runs / env / "LATEST").read_text().strip()
        for env in ("test", "production")
    }


def anchor_of(run: Path) -> str:
    from ngdpkit.compare.runs import RunView

    return RunView.load(run, mapping=False).anchor


def test_a_mailbox_sent_to_another_unit_in_production_is_an_error(sample_copy: Path) -> None:
    """The error a consultant fears most: the school-enrolment mailbox goes to "Skole og
    Dagtilbud" in test and to "Økonomi og Løn" in production. Compared as the two runs left
    it (the default), named by run ID and anchor."""
    toml = sample_copy / "migration.toml"
    edit_mapping(sample_copy / "mapping-production.xlsx", {"0101159": ECONOMY})
    runs = run_both(toml)
    r = cli("compare", "--settings", str(toml), "--json")
    assert r.returncode == 1, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert result["source"] == "runs"
    assert result["runs"] == {
        env: {"run": run.name, "anchor": anchor_of(run), "status": "warnings"}
        for env, run in runs.items()
    }
    assert result["lands_differently"] == [
        {
            "mailbox_id": "0101159",
            "subject_id": "",
            "name": "Skoleindskrivning",
            "unit": "Skole og Dagtilbud",
            "contact_point": {"test": SCHOOL, "production": "Økonomi og Løn - Eksempel Kommune"},
        }
    ]
    differs = [f for f in result["findings"] if f["code"] == "COMPARE_MAPPING_DIFFERS"]
    assert [f["severity"] for f in differs] == ["error"]
    assert differs[0]["params"]["value"] == "0101159" and differs[0]["params"]["count"] == "1"
    assert "0101159" in differs[0]["message"] and "lander på" in differs[0]["message"]
    assert result["mapped_only_in_test"] == [] and result["retired_in_one"] == []
    folder = next((sample_copy / "runs" / "compare").glob("2*"))
    assert json.loads((folder / "compare.json").read_text(encoding="utf-8")) == result
    assert cli("audit", "verify", str(folder)).returncode == 0
    trail = (folder / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(trail[0])["runs"] == result["runs"]  # the trail names what was compared
    page = (folder / "signoff" / "index.html").read_text(encoding="utf-8")
    lead = page.index("Postkasser, hvor svar ville lande forskelligt (1)")
    assert lead < page.index("Udgår i det ene miljø") < page.index("<h2>Fund</h2>")
    assert page.index("Økonomi og Løn - Eksempel Kommune", lead) < page.index("<h2>Fund</h2>")
    for env, run in runs.items():
        assert f"Kørsel i {env}" in page and f"{run.name}, anker {anchor_of(run)}" in page
        # each compared run says its own readiness; the comparison's outcome is not called
        # "klar" (a customer's cold read took "klar med bemærkninger" for the migration's)
        assert f"{run.name}, anker {anchor_of(run)} · ikke klar: 8 af 8 trin mangler" in page
        assert result["readiness"][env] == {"steps_done": 0, "steps_total": 8}
    assert "Sammenligningens udfald" in page and "forskelle, der skal rettes" in page
    assert ">klar<" not in page and "klar med bemærkninger" not in page
    assert "egne tillidsankre" in page  # the sample's own anchors, said as on every page
    assert "Certifikatets CVR" in page and "Dage til certifikatet udløber" in page


def test_contact_point_names_with_an_environment_word_are_matched(sample_copy: Path) -> None:
    """ "Borgerservice (test)" in test is "Borgerservice" in production: no wall of
    COMPARE_CONTACT_POINT_MISSING, and every mailbox lands on its counterpart. A name that no
    rule can pair is paired by the [compare] table."""
    toml = sample_copy / "migration.toml"
    words = iter([" (test)", " - TEST", " [Test]", " – test", "(TEST)"] * 3)
    rename_contact_points(
        sample_copy / "contact-points-test.xlsx",
        lambda name: "Skolen (test)" if name == SCHOOL else name + next(words),
    )
    r = cli("compare", "--settings", str(toml), "--from-inputs", "--json")
    result = json.loads(r.stdout)
    codes = {f["code"]: f for f in result["findings"]}
    assert r.returncode == 1 and result["source"] == "inputs" and result["runs"] is None
    # only the school's contact point, whose name says nothing of production's
    missing = {
        f["params"]["cp_name"].strip("'")
        for f in result["findings"]
        if f["code"] == "COMPARE_CONTACT_POINT_MISSING"
    }
    assert missing == {"Skolen (test)", SCHOOL}
    assert {row["contact_point"]["test"] for row in result["lands_differently"]} == {
        "Skolen (test)"
    }
    assert codes["COMPARE_MAPPING_DIFFERS"]["params"]["count"] == str(
        len(result["lands_differently"])
    )
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + f'\n[compare]\ncontact_points = {{ "Skolen" = "{SCHOOL.upper()}" }}\n',
        encoding="utf-8",
    )
    r = cli("compare", "--settings", str(toml), "--from-inputs", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    codes = {f["code"] for f in result["findings"]}
    assert not codes & {"COMPARE_CONTACT_POINT_MISSING", "COMPARE_MAPPING_DIFFERS"}, codes
    assert result["lands_differently"] == [] and result["contact_points"] == []
    defaults = result["default_contact_points"]
    assert defaults["test"]["name"] == "Eksempel Kommune - hovedpostkasse – test"
    assert defaults["production"]["name"] == "Eksempel Kommune - hovedpostkasse"  # the same
    assert "COMPARE_DEFAULT_CONTACT_POINT_DIFFERS" not in codes


def test_a_mailbox_retired_in_one_environment_is_a_warning_only(sample_copy: Path) -> None:
    """Retired ("udgår") in production and mapped in test: a decision, not an omission."""
    toml = sample_copy / "migration.toml"
    edit_mapping(sample_copy / "mapping-production.xlsx", {"0101178": "udgår"})
    edit_mapping(sample_copy / "mapping-test.xlsx", {"0101204": "retire"})
    run_both(toml)
    r = cli("compare", "--settings", str(toml), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    retired = [f for f in result["findings"] if f["code"] == "COMPARE_RETIRED_IN_ONE"]
    assert [(f["severity"], f["params"]["name"], f["params"]["value"]) for f in retired] == [
        ("warning", "test", "0101204:1"),
        ("warning", "production", "0101178"),
    ]
    assert {f["severity"] for f in result["findings"]} <= {"warning", "info"}
    assert result["mapped_only_in_test"] == [] and result["mapped_only_in_production"] == []
    assert [
        (r["mailbox_id"], r["subject_id"], r["retired_in"], r["mapped_in"], r["contact_point"])
        for r in result["retired_in_one"]
    ] == [
        ("0101178", "", "production", "test", SCHOOL),
        ("0101204", "1", "test", "production", SCHOOL),
    ]


def test_the_command_a_refusal_names_never_ends_a_powershell_string(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A tester's look: the line said ``ngdpkit run --settings '<path>'`` with POSIX quotes,
    and PowerShell ends a single-quoted string on a curly quote too: a folder named
    "a’; calc; ‘b" ran calc when the line was pasted. Such a path is not named."""
    folder = tmp_path / "a\u2019; calc; \u2018b"
    shutil.copytree(sample_copy, folder)
    r = cli("compare", "--settings", str(folder / "migration.toml"))
    assert r.returncode == 2
    named = [line for line in r.stderr.splitlines() if "ngdpkit run --settings" in line]
    assert named and all("calc" not in line.split("ngdpkit run")[1] for line in named)
    assert all("--settings <settings file> --env" in line for line in named)


def test_compare_without_a_finished_run_says_so_in_one_line(
    sample_copy: Path, sample_run_all: dict[str, Any]
) -> None:
    toml = sample_copy / "migration.toml"
    r = cli("compare", "--settings", str(toml))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2, lines  # each environment, one line
    for env, line in zip(("test", "production"), lines, strict=True):
        assert f"runs/{env}: no finished run of '{env}'" in line
        assert f"ngdpkit run --settings {toml} --env {env}" in line  # as given
        assert "--from-inputs" in line
    assert not (sample_copy / "runs" / "compare").exists()
    # a finished run that no longer verifies is named, with the reason; the run of both
    # environments is the session's run of the unchanged sample, its runs folder copied in
    r = sample_run_all["result"]
    assert r.returncode in (0, 1), r.stdout + r.stderr
    shutil.copytree(sample_run_all["sample"] / "runs", sample_copy / "runs", symlinks=True)
    runs = latest_runs(toml)
    (runs["production"] / "findings.json").write_text("{}", encoding="utf-8")
    r = cli("compare", "--settings", str(toml))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        f"ngdpkit: runs/production/{runs['production'].name}: cannot be compared: "
        f"{runs['production'].name} does not verify: changed file: findings.json "
        "(its SHA-256 is not the manifest's)"
    ]
    r = cli("compare", "--settings", str(toml), "--from-inputs")
    assert r.returncode == 0, r.stderr


def test_contact_point_names_are_normalised() -> None:
    from ngdpkit.compare.names import NameMatcher, normal_name

    same = [
        "Borgerservice",
        "BORGERSERVICE (test)",
        "Borgerservice - Prod",
        "Borgerservice–produktion",
    ]
    same += ["Borgerservice [PRODUCTION]", "  Borgerservice  {Test} ", "Borgerservice (testmiljø)"]
    assert {normal_name(n) for n in same} == {"borgerservice"}
    assert (
        normal_name("Borgerservice (test) - Eksempel Kommune") == "borgerservice - eksempel kommune"
    )
    assert normal_name("Borgerservice - test - Eksempel") == "borgerservice - eksempel"
    for kept in ("Testcenter", "Prøvetest", "Borgerservice - Eksempel Kommune", "x-testing"):
        assert normal_name(kept) == kept.casefold()
    matcher = NameMatcher.from_table({"Skolen (test)": "Skole og Dagtilbud"})
    assert matcher.test_key("SKOLEN") == matcher.production_key("skole og dagtilbud (prod)")
    assert matcher.test_key("Skole og Dagtilbud") == "skole og dagtilbud"


@pytest.fixture(scope="module")
def customers(
    tmp_path_factory: pytest.TempPathFactory,
    sample_dir: Path,
    sample_run: dict[str, Any],
    sample_two_runs: dict[str, Any],
) -> dict[str, Any]:
    """A consultancy's tree: alpha with two settings files sharing one runs folder, two runs
    and a rehearsal of test; beta outside the tree, reached through two links; a link from
    inside alpha back up to the tree (a cycle). (alpha's two runs of the unchanged sample
    are the module's sample_two_runs, copied.)"""
    from ngdpkit.rehearsal.flow import rehearse

    root = tmp_path_factory.mktemp("consultancy")
    tree = root / "customers"
    alpha = tree / "alpha"
    tree.mkdir()
    copy_sample_run(sample_two_runs, alpha)
    shutil.copy(alpha / "migration.toml", alpha / "second.toml")
    beta = root / "outside" / "beta"
    shutil.copytree(sample_dir, beta, ignore=shutil.ignore_patterns("runs"))
    toml = beta / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "Eksempel Kommune (fiktiv)", "Beta <b>Kommune</b>"
        ),
        encoding="utf-8",
    )
    (tree / "beta").symlink_to(beta, target_is_directory=True)
    (tree / "beta-again").symlink_to(beta, target_is_directory=True)
    (alpha / "loop").symlink_to("..", target_is_directory=True)
    for r in (sample_run["result"], sample_two_runs["result"]):
        assert r.returncode in (0, 1), r.stdout + r.stderr
    code, rehearsal = rehearse(alpha / "migration.toml", "test", progress=lambda line: None)
    assert code == 0
    runs = sorted(p.name for p in (alpha / "runs" / "test").glob("2*") if "rehearsal" not in p.name)
    return {"tree": tree, "alpha": alpha, "beta": beta, "runs": runs, "rehearsal": rehearsal}


def test_status_gives_one_row_per_runs_folder_links_followed_cycles_refused(
    customers: dict[str, Any], tmp_path: Path
) -> None:
    """Issue 29: two settings files sharing a runs folder gave two rows; a linked customer
    folder was not found; times mixed UTC with local time; nothing said who was blocking."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    tree, alpha, beta = customers["tree"], customers["alpha"], customers["beta"]
    first, second = customers["runs"]
    html = tmp_path / "status.html"
    r = run_cli("status", str(tree), "--json", "--html", str(html), timeout=60)
    assert r.returncode == 0, r.stderr
    loop = tree / "alpha" / "loop"
    assert r.stderr.splitlines() == [
        f"ngdpkit: {loop}: a link back to {tree.resolve()}, a folder above it (a cycle): "
        "not followed"
    ]
    result = json.loads(r.stdout)
    assert result["time_zone"] == "Europe/Copenhagen"
    assert result["skipped"] == [
        {"path": str(loop), "kind": "cycle", "target": str(tree.resolve()), "reason": (
            f"a link back to {tree.resolve()}, a folder above it (a cycle): not followed")}
    ]  # fmt: skip
    rows = [
        (
            x["organisation"],
            x["environment"],
            x["status"],
            x["settings"],
            x["also_settings"],
            x["runs_folder"],
            x["run"],
            x["checklist"],
        )
        for x in result["rows"]
    ]
    a_toml, a_second = str(alpha / "migration.toml"), str(alpha / "second.toml")
    b_toml = str(tree / "beta" / "migration.toml")  # found through the first link
    assert rows == [
        ("Beta <b>Kommune</b>", "production", "no run", b_toml, [],
         str(beta.resolve() / "runs" / "production"), None, None),
        ("Beta <b>Kommune</b>", "test", "no run", b_toml, [],
         str(beta.resolve() / "runs" / "test"), None, None),
        ("Eksempel Kommune (fiktiv)", "production", "no run", a_toml, [a_second],
         str(alpha.resolve() / "runs" / "production"), None, None),
        ("Eksempel Kommune (fiktiv)", "test", "warnings", a_toml, [a_second],
         str(alpha.resolve() / "runs" / "test"), second, "0/8"),
    ]  # fmt: skip
    row = result["rows"][-1]
    # one time zone: the listing's, each run's, the rehearsal's and the certificate's end
    copenhagen = ZoneInfo("Europe/Copenhagen")
    stamp = dt.datetime.strptime(second[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert row["run_date"] == stamp.astimezone(copenhagen).isoformat(timespec="seconds")
    for when in (result["generated_at"], row["run_date"], row["certificate_not_after"],
                 row["rehearsal"]["date"], row["blocking"]["since"]):  # fmt: skip
        parsed = dt.datetime.fromisoformat(when)
        assert parsed.utcoffset() == parsed.astimezone(copenhagen).utcoffset(), when
    assert row["blocking"] == {
        "step": 1,
        "title": "Adgang til Administrativ Adgang (NgDP) for organisationen",
        "who": "kundens administrator i Administrativ Adgang, kunden",
        "status": "not_verified",
        "since": dt.datetime.strptime(first[:16], "%Y%m%dT%H%M%SZ")
        .replace(tzinfo=dt.UTC)
        .astimezone(copenhagen)
        .isoformat(timespec="seconds"),
        "since_run": first,  # not done in either run: blocked since the first
        "days": 0,
    }
    assert row["rehearsal"] == {
        "folder": customers["rehearsal"].name,
        "against": "simulator",
        "status": "ok",
        "date": row["rehearsal"]["date"],
        "anchor": row["rehearsal"]["anchor"],
    }
    assert len(row["rehearsal"]["anchor"]) == 64 and row["certificate_days_left"] > 900
    page = html.read_text(encoding="utf-8")
    assert "Alle tider er i Europe/Copenhagen" in page and "<script" not in page
    assert "Beta &lt;b&gt;Kommune&lt;/b&gt;" in page and "<b>Kommune</b>" not in page
    assert '<meta http-equiv="refresh" content="300">' in page
    assert "Trin 1: Adgang til Administrativ Adgang" in page and "0/8" in page
    assert "en løkke" in page
    text = run_cli("status", str(tree), str(alpha / "second.toml"), timeout=60).stdout
    lines = text.splitlines()
    assert lines[0].startswith("times in Europe/Copenhagen") and len(lines) == 2 + 4


def test_status_counts_the_days_a_step_has_held_up(customers: dict[str, Any]) -> None:
    """Days since the earliest run of the unbroken series in which the step was not done;
    a run in which it was done ends the series."""
    import datetime as dt

    from ngdpkit.compare.status import portfolio

    alpha = customers["alpha"]
    first, second = customers["runs"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3, hours=1)
    row = portfolio([alpha / "migration.toml"], now=later).rows[-1]
    assert row.environment == "test" and row.blocking is not None
    assert (row.blocking.since_run, row.blocking.days) == (first, 3)
    checklist = alpha / "runs" / "test" / first / "checklist.json"
    saved = checklist.read_bytes()
    try:
        steps = json.loads(saved)
        steps[0]["status"] = "done"
        checklist.write_text(json.dumps(steps), encoding="utf-8")
        row = portfolio([alpha / "migration.toml"], now=later).rows[-1]
        assert row.blocking is not None and row.blocking.since_run == second
    finally:
        checklist.write_bytes(saved)


def test_landings_from_typed_sides_with_hostile_values(tmp_path: Path) -> None:
    """The comparison of two typed sides, without a run: subjects, a pairing by the
    [compare] table, retirement both ways, a mailbox without a contact point name; every
    value hostile on the page (escaped once) and in compare.json (as written)."""
    from ngdpkit.compare.compare import compare_sides
    from ngdpkit.compare.pages import render_comparison
    from ngdpkit.compare.sides import Landing, PointFacts, Side
    from ngdpkit.settings import load_settings

    (tmp_path / "m.xlsx").write_bytes(b"x")
    toml = tmp_path / "migration.toml"
    toml.write_text(
        '[organisation]\nname = "K"\ncvr = "98765433"\n[inputs]\nmailboxes = "m.xlsx"\n'
        '[environments.test]\nprotocol = "REST_PULL"\nserver_ips = ["203.0.113.5"]\n'
        '[environments.production]\nprotocol = "REST_PULL"\nserver_ips = ["203.0.113.5"]\n'
        '[compare]\ncontact_points = { "Skolen" = "Skole og Dagtilbud" }\n',
        encoding="utf-8",
    )
    settings = load_settings(toml)
    evil = '<script>alert("x")</script>'

    def side(name: str, kind: str, rows: list[tuple[str, str, str, str]]) -> Side:
        points = {cp for _m, _s, _st, cp in rows if cp}
        return Side(
            name=name,
            kind=kind,
            protocol="REST_PULL",
            server_ips=("203.0.113.5",),
            default_contact_point="",
            landings=tuple(
                Landing(m, s, f"{evil} {m}", "=HYPERLINK(1)", st, "g" if cp else "", cp)
                for m, s, st, cp in rows
            ),
            contact_points=tuple(PointFacts(id=p, name=p) for p in sorted(points)),
            certificate=None,
            status="ok",
        )

    test = side(
        "test",
        "test",
        [
            ("1", "", "mapped", "Skolen (test)"),  # paired by the table: the same
            ("2", "3", "mapped", f"Borgerservice {evil} (test)"),  # normalised: the same
            ("2", "4", "mapped", "Borgerservice (test)"),  # another subject: elsewhere
            ("5", "", "retired", ""),
            ("6", "", "mapped", "Skolen"),
            ("7", "", "mapped", ""),  # no name in test: not compared
        ],
    )
    production = side(
        "production",
        "production",
        [
            ("1", "", "mapped", "Skole og Dagtilbud"),
            ("2", "3", "mapped", f"Borgerservice {evil}"),
            ("2", "4", "mapped", evil),
            ("5", "", "mapped", "Skole og Dagtilbud"),
            ("6", "", "retired", ""),
            ("7", "", "mapped", "Skole og Dagtilbud"),
        ],
    )
    result = compare_sides(settings, production, test)  # either order: test is test
    assert result["environments"] == ["production", "test"] and result["source"] == "inputs"
    assert [(r["mailbox_id"], r["subject_id"], r["contact_point"]) for r in result["lands_differently"]] == [
        ("2", "4", {"test": "Borgerservice (test)", "production": evil}),
    ]  # fmt: skip
    assert [(r["mailbox_id"], r["retired_in"], r["mapped_in"]) for r in result["retired_in_one"]] == [
        ("5", "test", "production"),
        ("6", "production", "test"),
    ]  # fmt: skip
    codes = sorted(
        (f["code"], f["severity"], f["params"].get("value", "")) for f in result["findings"]
    )
    assert codes == [
        ("COMPARE_CERT_NOT_READ", "info", ""),
        ("COMPARE_CONTACT_POINT_MISSING", "warning", ""),  # "Borgerservice" in production
        ("COMPARE_CONTACT_POINT_MISSING", "warning", ""),  # the evil name in test
        ("COMPARE_MAPPING_DIFFERS", "error", "2:4"),
        ("COMPARE_MAPPING_NOT_COMPARED", "info", "7"),
        ("COMPARE_RETIRED_IN_ONE", "warning", "5"),
        ("COMPARE_RETIRED_IN_ONE", "warning", "6"),
    ]  # fmt: skip
    assert result["mapped_only_in_test"] == [] and result["mapped_only_in_production"] == []
    page = render_comparison(result, language="da", organisation=evil, run_id="r", anchor="a")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.index("Postkasser, hvor svar ville lande forskelligt (1)") < page.index(
        "Udgår i det ene miljø, tilknyttet i det andet (2)"
    )
    assert json.loads(json.dumps(result)) == result


def test_units_are_never_read_from_a_table_outside_the_steps_folder(tmp_path: Path) -> None:
    """A step 01 file naming a table beside the steps folder: no units, nothing read there."""
    import json

    import pandas as pd

    from ngdpkit.compare.runs import read_mailbox_units

    steps = tmp_path / "run" / "steps"
    steps.mkdir(parents=True)
    frame = pd.DataFrame({"row": [2], "mailbox_id": ["1"], "responsible_unit": ["Løn"]})
    frame.to_parquet(tmp_path / "run" / "elsewhere.parquet")
    frame.to_parquet(steps / "01_mailboxes.parquet")
    results = {"sheet": "Ark1", "count": 1}

    def step(table: str) -> None:
        data = {"status": "ok", "findings": [], "inputs_read": []}
        data["results"] = {**results, "mailboxes": {"parquet": table, "rows": 1}}
        (steps / "01_mailboxes.json").write_text(json.dumps(data), encoding="utf-8")

    step("01_mailboxes.parquet")
    assert read_mailbox_units(tmp_path / "run", "run") == [("1", "Løn", "Ark1!2")]
    step("../elsewhere.parquet")
    assert read_mailbox_units(tmp_path / "run", "run") is None
    (steps / "01_mailboxes.json").write_text("[1, 2", encoding="utf-8")
    assert read_mailbox_units(tmp_path / "run", "run") is None


_CELL = st.sampled_from(["", "g1", "g2", "udgår", "A", "B; x", "0", "00"])
_ROW = st.tuples(st.sampled_from(["1", "01", "2", "3", "10"]), st.sampled_from(["", "7", None]), _CELL,
                 _CELL, st.sampled_from(["mapped", "unmapped", "retired"]), _CELL)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(_ROW, max_size=8),
    edits=st.lists(st.tuples(st.integers(0, 7), st.integers(2, 5), _CELL), max_size=4),
    reshape=st.sampled_from(
        ["same keys", "a row added", "a row removed", "reordered", "a subject missing"]
    ),
)
def test_the_mapping_diff_of_the_same_rows_is_the_whole_merge(
    before: list[tuple[str, ...]], edits: list[tuple[int, int, str]], reshape: str
) -> None:
    """Issue 31: when both runs hold the same keys in the same order, only the rows whose
    values differ are merged (0.2 s of changes.json at 100,000 mailboxes). Whatever the
    tables, the changes are those the merge of the whole tables gives."""
    import pandas as pd

    from ngdpkit.compare import diff
    from ngdpkit.compare.runs import MAPPING_KEY, MAPPING_UNIT, MAPPING_VALUES, register_table

    columns = [*MAPPING_KEY, *MAPPING_VALUES, MAPPING_UNIT]
    after = [list(r) for r in before]
    for i, column, value in edits:
        if after:
            after[i % len(after)][column] = value
    if reshape == "a row added":
        after.append(["99", "", "g1", "A", "mapped", ""])
    elif reshape == "a row removed" and after:
        after.pop(0)
    elif reshape == "reordered":
        after.reverse()
    elif reshape == "a subject missing" and after:
        after[0][1] = None if after[0][1] == "" else ""  # never the same key as an empty one

    def view(rows: list[Any]) -> RunView:
        table = register_table(pd.DataFrame(rows or None, columns=columns, dtype=object))
        return RunView(Path("r"), "test", "ok", [], {}, "", "", mapping=table)

    a, b = view(list(before)), view(after)
    aligned = diff._aligned
    took: list[bool] = []  # what the fast call's check of the two tables answered

    def seen(*args: Any) -> bool:
        took.append(aligned(*args))
        return took[-1]

    try:
        diff._aligned = seen  # the kit's own check, its answer noted
        fast = diff.mapping_changes(a, b)
        if any(took):  # the fast path was taken: the whole merge must give the same
            diff._aligned = lambda *args: False  # the whole merge, as before the fast path
            whole = diff.mapping_changes(a, b)
        else:  # the fast call already was the whole merge (the same code, the same tables):
            whole = fast  # a second computes the same again (200 of the 300 examples)
    finally:
        diff._aligned = aligned
    assert fast == whole


def test_a_runs_own_units_are_read_only_for_a_finding_that_names_a_mailbox(
    sample_run: dict[str, Any],
) -> None:
    """changes.json's view of the run reads the export rows' units from its step 01 table
    only when a finding it added needs one (at 100,000 mailboxes 0.1 s, usually for none)."""
    from ngdpkit import findings as F
    from ngdpkit.compare.diff import findings_changes
    from ngdpkit.compare.runs import read_mailbox_units

    run_dir: Path = sample_run["run_dir"]
    units = read_mailbox_units(run_dir, run_dir.name)
    assert units
    mid, unit, _ = next(u for u in units if u[1])
    named = F.warning("MAILBOX_UNMAPPED", "{mailbox_id}", "mailboxes.xlsx", mailbox_id=mid)

    def view(findings: list[Any], folder: Path) -> RunView:
        return RunView(folder, "test", "ok", findings, {}, "", "", units_on_demand=True)

    nowhere = run_dir / "no such folder"
    assert findings_changes(view([], nowhere), view([], nowhere)) == ((), ())  # none read
    (added,), () = findings_changes(view([], nowhere), view([named.to_dict()], run_dir))
    assert (added.code, added.unit) == ("MAILBOX_UNMAPPED", unit)
    (unnamed,), () = findings_changes(view([], nowhere), view([named.to_dict()], nowhere))
    assert unnamed.unit == ""  # no table to read: the unit is not named, nothing fails


def test_the_status_table_names_each_rows_settings_and_its_step_in_words(
    sample_run_all: dict[str, Any],
) -> None:
    """The consultant's cold run: two customers' rows of one organisation could not be told
    apart on the console, and the step holding a row up read ``2: not_verified``."""
    sample = Path(sample_run_all["sample"])
    r = cli("status", str(sample), cwd=sample.parent)
    rows = r.stdout.splitlines()[2:]
    assert len(rows) == 2 and all(row.endswith("sample/migration.toml") for row in rows), rows
    assert not any("not_verified" in row or "to_do" in row for row in rows), rows


def test_the_status_page_is_as_readable_as_the_users_other_files(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """The consultant's second cold run: ``status --html`` wrote its page 0600 (unreadable on
    a shared drive); it holds no secret, and takes the user's umask."""
    import os

    page = tmp_path / "status.html"
    saved = os.umask(0o022)
    try:
        r = cli("status", str(sample_run_all["sample"]), "--html", str(page))
    finally:
        os.umask(saved)
    assert r.returncode == 0, r.stderr
    assert page.stat().st_mode & 0o777 == 0o644


def test_a_finding_whose_row_moved_is_neither_new_nor_resolved() -> None:
    """A customer's cold read of a second run: one mailbox row deleted from the export moved
    every row below it up by one, and "what changed" listed the retired mailbox 0103679 both
    as a new finding (row 156) and as a resolved one (row 157). A finding is the same when
    only the number in its location moved and everything it says of its subject is the same;
    one whose subject changed, or that names no subject, is still new or resolved."""
    from ngdpkit import findings as F
    from ngdpkit.compare.diff import findings_changes

    def retired(mid: str, row: int) -> dict[str, Any]:
        text = "The mailbox {mid} is marked retired."
        return F.info(
            "MAILBOX_RETIRED", text, "mailboxes.xlsx", f"Postkasser!{row}", mid=mid
        ).to_dict()

    def blank(row: int) -> dict[str, Any]:
        text = "A mailbox has no name."
        return F.warning(
            "MAILBOX_NAME_BLANK", text, "mailboxes.xlsx", f"Postkasser!{row}"
        ).to_dict()

    def view(findings: list[dict[str, Any]], name: str) -> RunView:
        return RunView(Path(name), "test", "ok", findings, {}, "", "")

    before = view([retired("0103679", 157), retired("0100001", 20), blank(30)], "a")
    after = view([retired("0103679", 156), retired("0100002", 21), blank(31)], "b")
    added, resolved = findings_changes(before, after)
    # 0103679 only moved; 0100001 and 0100002 are other mailboxes; a finding naming no
    # subject is told apart by its row alone
    assert sorted((c.code, c.params.get("mid", ""), c.location) for c in added) == [
        ("MAILBOX_NAME_BLANK", "", "Postkasser!31"),
        ("MAILBOX_RETIRED", "0100002", "Postkasser!21"),
    ]
    assert sorted((c.code, c.params.get("mid", ""), c.location) for c in resolved) == [
        ("MAILBOX_NAME_BLANK", "", "Postkasser!30"),
        ("MAILBOX_RETIRED", "0100001", "Postkasser!20"),
    ]
    # the same mailbox retired twice (two rows) and once afterwards: one of them is resolved
    twice = view([retired("0103679", 10), retired("0103679", 11)], "a")
    once = view([retired("0103679", 9)], "b")
    added, resolved = findings_changes(twice, once)
    assert not added and [c.location for c in resolved] == ["Postkasser!11"]


def test_a_finding_that_lists_its_rows_is_the_same_when_they_moved() -> None:
    """A consultant's second week: two rows deleted above a mailbox whose unit is blank moved
    it from row 313 to 311, and diff listed MAILBOX_UNIT_BLANK as new ("(311)") and as
    resolved ("(313)"): its parameter ``value`` lists the rows from its location's row on. A
    row list elsewhere, or another mailbox at the moved row, is still a change."""
    from ngdpkit import findings as F
    from ngdpkit.compare.diff import findings_changes

    def unit_blank(rows: list[int], ids: str) -> dict[str, Any]:
        text = "The responsible unit is blank in {count} row(s) ({value}): ({ids})."
        return F.warning(
            "MAILBOX_UNIT_BLANK",
            text,
            "mailboxes.xlsx",
            f"Postkasser!{rows[0]}",
            count=len(rows),
            value=F.first_of(rows),
            ids=ids,
        ).to_dict()

    def duplicate(rows: list[int]) -> dict[str, Any]:
        text = "Mailbox ID {mid} stands {count} times (rows {value})."
        return F.error(
            "MAILBOX_ID_DUPLICATE",
            text,
            "mailboxes.xlsx",
            f"Postkasser!{rows[0]}",
            mid="0200001",
            count=len(rows),
            value=F.first_of(rows),
        ).to_dict()

    def view(findings: list[dict[str, Any]], name: str) -> RunView:
        return RunView(Path(name), "test", "ok", findings, {}, "", "")

    before = view([unit_blank([313], "0200006"), duplicate([305, 306])], "a")
    after = view([unit_blank([311], "0200006"), duplicate([303, 304])], "b")
    assert findings_changes(before, after) == ((), ())
    # another mailbox at the moved row is a change; so is a second row of the same duplicate
    after = view([unit_blank([311], "0200007"), duplicate([303, 304, 310])], "b")
    added, resolved = findings_changes(before, after)
    assert sorted(c.code for c in added) == ["MAILBOX_ID_DUPLICATE", "MAILBOX_UNIT_BLANK"]
    assert sorted(c.location for c in resolved) == ["Postkasser!305", "Postkasser!313"]


def test_an_unmapped_row_whose_id_error_now_says_it_alone_is_not_resolved() -> None:
    """Week two after session 43: a row whose Mailbox ID is an error (digits with spaces
    between them) had MAILBOX_UNMAPPED beside its MAILBOX_ID_INVALID in last week's run, and
    has the ID error only now. The changes listed MAILBOX_UNMAPPED under "Løste fund",
    though the row is as unmapped as it was: it is listed as said by the ID error now, not
    resolved. A row mapped since, and a row whose ID is only a warning (a date: it keeps its
    MAILBOX_UNMAPPED when unmapped), are resolved as before."""
    from ngdpkit import findings as F
    from ngdpkit.compare.diff import changes, findings_changes
    from ngdpkit.documents.change_text import lines, section_titles

    def invalid(row: int, value: str, error: bool = True) -> dict[str, Any]:
        make = F.error if error else F.warning
        text = "Mailbox ID {value!r} is not usable."
        return make("MAILBOX_ID_INVALID", text, "mailboxes.xlsx", f"Postkasser!{row}", value=value).to_dict()  # fmt: skip

    def unmapped(row: int, mid: str) -> dict[str, Any]:
        text = "Mailbox {mid} ({name}) has no contact point GUID."
        return F.error("MAILBOX_UNMAPPED", text, "mailboxes.xlsx", f"Postkasser!{row}", mid=mid, name="Skole").to_dict()  # fmt: skip

    def view(findings: list[dict[str, Any]], name: str) -> RunView:
        return RunView(Path(name), "test", "error", findings, {}, "", "")

    spaced, mapped_since, a_date = ("0100 233", 12), ("0100244", 13), ("02-01-1900", 14)
    before = view(
        [
            invalid(12, spaced[0]),
            unmapped(*reversed(spaced)),
            unmapped(*reversed(mapped_since)),
            invalid(14, a_date[0], error=False),
            unmapped(*reversed(a_date)),
        ],
        "a",
    )
    after = view([invalid(12, spaced[0]), invalid(14, a_date[0], error=False)], "b")
    added, resolved = findings_changes(before, after)
    assert not added
    assert [(c.code, c.location) for c in resolved] == [
        ("MAILBOX_UNMAPPED", "Postkasser!13"),
        ("MAILBOX_UNMAPPED", "Postkasser!14"),
    ]
    change = changes(before, after)
    assert [(f["code"], f["location"]) for f in change["findings_superseded"]] == [
        ("MAILBOX_UNMAPPED", "Postkasser!12")
    ]
    said = [(section, text) for section, _, _, text in lines(change, "da")]
    assert (
        "findings_superseded",
        "Postkassen 0100 233 (Skole) har ingen kontaktpunkt-GUID.",
    ) in said
    assert section_titles("da")["findings_superseded"].endswith("(ikke løst)")
    assert section_titles("en")["findings_superseded"].endswith("(not resolved)")


def test_an_unmapped_mailbox_mapped_since_is_resolved_though_its_old_row_has_an_id_error() -> None:
    """Week two: the customer's new export has rows added above, and last week's unmapped
    mailbox 0100233 (row 12) is mapped now at row 15; row 12 holds another mailbox whose
    ID Excel wrote in scientific notation. Its MAILBOX_UNMAPPED was listed as "said by the
    ID error of the same row (ikke løst)", though 0100233 is mapped: it is resolved."""
    import pandas as pd

    from ngdpkit import findings as F
    from ngdpkit.compare.diff import changes

    def view(findings: list[dict[str, Any]], name: str, mapping: Any = None) -> RunView:
        return RunView(Path(name), "test", "error", findings, {}, "", "", mapping=mapping)

    text = "Mailbox {mid} ({name}) has no contact point GUID."
    unmapped = F.error("MAILBOX_UNMAPPED", text, "mailboxes.xlsx", "Postkasser!12", mid="0100233", name="Skole").to_dict()  # fmt: skip
    invalid = F.error("MAILBOX_ID_INVALID", "Mailbox ID {value!r} is not usable.", "mailboxes.xlsx", "Postkasser!12", value="1,00E+11").to_dict()  # fmt: skip
    mapping = pd.DataFrame(
        {
            "Mailbox ID": ["0100233", "1,00E+11"],
            "Subject ID": ["", ""],
            "NgDP Guid": ["0ecb8511-d743-547f-9b6e-4454c7a6b014", ""],
            "Contact point name": ["Skole", ""],
            "Status": ["mapped", "unmapped"],
            "Responsible unit": ["Skole", "Skole"],
            "Mailbox name": ["Skole", "Ny"],
        }
    )
    change = changes(view([unmapped], "a"), view([invalid], "b", mapping))
    assert [(f["code"], f["location"]) for f in change["findings_resolved"]] == [
        ("MAILBOX_UNMAPPED", "Postkasser!12")
    ]
    assert not change["findings_superseded"]
    # still unmapped (its ID the error now): said by the ID error, as before
    mapping.loc[0, ["NgDP Guid", "Contact point name", "Status"]] = ["", "", "unmapped"]
    change = changes(view([unmapped], "a"), view([invalid], "b", mapping))
    assert [f["code"] for f in change["findings_superseded"]] == ["MAILBOX_UNMAPPED"]
    assert not change["findings_resolved"]


def _subject_rows_runs(moved_row_mapped: bool, rows_known: bool = True) -> tuple[RunView, RunView]:
    """Last week: mailbox 0100233 has subject 1 mapped (row 11) and subject 2 unmapped (row
    12). This week rows were added above: subject 1 is mapped at row 14, and row 12 holds a
    row whose Mailbox ID is an error ("0100 233"); subject 2 is that row (still unmapped), or,
    with ``moved_row_mapped``, it moved to row 15 and is mapped there."""
    import pandas as pd

    from ngdpkit import findings as F
    from ngdpkit.compare.runs import ExportRow

    text = "Mailbox {mid} ({name}) has no contact point GUID."
    unmapped = F.error("MAILBOX_UNMAPPED", text, "mailboxes.xlsx", "Postkasser!12", mid="0100233", name="Skole (emne 2)").to_dict()  # fmt: skip
    invalid = F.error("MAILBOX_ID_INVALID", "Mailbox ID {value!r} is not usable.", "mailboxes.xlsx", "Postkasser!12", value="0100 233").to_dict()  # fmt: skip
    guid = "0ecb8511-d743-547f-9b6e-4454c7a6b014"
    ids, subjects = ["0100233", "0100 233"], ["1", "2"]
    status, guids = ["mapped", "unmapped"], [guid, ""]
    if moved_row_mapped:
        ids, subjects = ["0100233", "0100 233", "0100233"], ["1", "", "2"]
        status, guids = ["mapped", "unmapped", "mapped"], [guid, "", guid]
    mapping = pd.DataFrame(
        {
            "Mailbox ID": ids,
            "Subject ID": subjects,
            "NgDP Guid": guids,
            "Contact point name": ["Skole" if g else "" for g in guids],
            "Status": status,
            "Responsible unit": ["Skole"] * len(ids),
            "Mailbox name": ["Skole"] * len(ids),
        }
    )
    rows = (
        (ExportRow("Postkasser!11", "0100233", "1"), ExportRow("Postkasser!12", "0100233", "2"))
        if rows_known
        else None
    )
    before = RunView(Path("a"), "test", "error", [unmapped], {}, "", "", export_rows=rows)
    after = RunView(Path("b"), "test", "error", [invalid], {}, "", "", mapping=mapping)
    return before, after


def test_an_unmapped_subject_row_of_a_mailbox_with_a_mapped_one_is_compared_by_row() -> None:
    """Week two: a mailbox with one subject mapped and one unmapped, rows added above in the
    new export, and the unmapped subject's row now read with its Mailbox ID an error. Judged
    by mailbox (one of its rows is mapped), the unmapped row's MAILBOX_UNMAPPED was listed as
    resolved, though that row is as unmapped as it was. Judged by row (Mailbox ID, Subject
    ID, the identity of a row in the export): said by the ID error, not resolved. The
    subject mapped since, at another row, is resolved."""
    from ngdpkit.compare.diff import changes

    change = changes(*_subject_rows_runs(moved_row_mapped=False))
    assert not change["findings_resolved"]
    assert [(f["code"], f["location"]) for f in change["findings_superseded"]] == [
        ("MAILBOX_UNMAPPED", "Postkasser!12")
    ]
    change = changes(*_subject_rows_runs(moved_row_mapped=True))
    assert [(f["code"], f["location"]) for f in change["findings_resolved"]] == [
        ("MAILBOX_UNMAPPED", "Postkasser!12")
    ]
    assert not change["findings_superseded"]


def test_without_the_older_runs_rows_a_mailbox_is_settled_only_when_every_row_is() -> None:
    """A run that kept no mailbox table: which subject a finding was about is not known, so
    its mailbox counts as mapped only when every row of it is (here the row with the ID
    error is keyed by that ID, so the mailbox's own rows are all mapped: resolved, as
    before session 45); with a row of it still unmapped, not resolved."""
    from ngdpkit.compare.diff import changes

    before, after = _subject_rows_runs(moved_row_mapped=True, rows_known=False)
    assert [f["code"] for f in changes(before, after)["findings_resolved"]] == ["MAILBOX_UNMAPPED"]
    after.mapping.loc[2, ["NgDP Guid", "Contact point name", "Status"]] = ["", "", "unmapped"]
    change = changes(before, after)
    assert not change["findings_resolved"]
    assert [f["code"] for f in change["findings_superseded"]] == ["MAILBOX_UNMAPPED"]


def test_a_runs_export_rows_are_read_from_its_folder(sample_run: dict[str, Any]) -> None:
    """``diff`` reads the older run's rows from its step 01 table: each row's place, as the
    findings name it, with its Mailbox ID and Subject ID."""
    from ngdpkit.compare.runs import read_export_rows

    rows = read_export_rows(sample_run["run_dir"])
    assert rows is not None and len(rows) == 200
    assert ("Postkasser!4", "0100233", "") in [(r.where, r.mailbox, r.subject) for r in rows]
    assert ("Postkasser!6", "0100272", "2") in [(r.where, r.mailbox, r.subject) for r in rows]


def test_findings_of_one_place_are_told_apart_by_what_they_say() -> None:
    """Two findings with one code at one place (two addresses in the documentation range at
    one settings key) were one entry of the comparison: one of them fixed was no change. A
    parameter that changes by itself (days left) still does not make a finding new."""
    from ngdpkit import findings as F
    from ngdpkit.compare.diff import findings_changes

    def ip(text: str) -> dict[str, Any]:
        return F.warning("IP_DOCUMENTATION_RANGE", "{text}", "environments.test.server_ips", text=text).to_dict()  # fmt: skip

    def expiring(days: int) -> dict[str, Any]:
        return F.warning("CERT_EXPIRES_SOON", "{days}", "certs/test.p12", days=days).to_dict()

    def view(findings: list[dict[str, Any]], name: str) -> RunView:
        return RunView(Path(name), "test", "ok", findings, {}, "", "")

    before = view([ip("198.51.100.10"), ip("198.51.100.11"), expiring(59)], "a")
    after = view([ip("198.51.100.11"), expiring(58)], "b")
    added, resolved = findings_changes(before, after)
    assert not added and [c.params["text"] for c in resolved] == ["198.51.100.10"]
    added, resolved = findings_changes(after, before)
    assert [c.params["text"] for c in added] == ["198.51.100.10"] and not resolved
    # the same finding said twice alike (an address listed twice) is one: once is no change
    twice = view([ip("198.51.100.10"), ip("198.51.100.10"), ip("198.51.100.11")], "a")
    assert findings_changes(twice, view([ip("198.51.100.10"), ip("198.51.100.11")], "b")) == (
        (),
        (),
    )


def test_what_a_run_could_not_check_is_not_called_resolved(
    sample_run_copy: Path,
) -> None:
    """A consultant's cold run: a run with a wrong certificate password listed the
    certificate's findings (custom trust anchors, the skipped revocation check) as "Løste
    fund" in the changes the customer signs, and every dispatcher value as "→ ikke sat",
    which a WorkZone administrator could take as "clear the field". They are findings the run
    could not check, and the dispatcher's values are said to be withheld, once."""
    settings = sample_run_copy / "migration.toml"
    r = cli(
        "run", "--settings", str(settings), "--env", "test",
        env={"NGDPKIT_TEST_CERT_PASSWORD": "not the password at all"},
    )  # fmt: skip
    assert r.returncode == 1, r.stdout + r.stderr
    runs = sample_run_copy / "runs" / "test"
    latest = runs / (runs / "LATEST").read_text().strip()
    change = json.loads((latest / "changes.json").read_text(encoding="utf-8"))
    assert "CERT_BAD_PASSWORD" in {f["code"] for f in change["findings_added"]}
    assert change["findings_resolved"] == []
    assert {f["code"] for f in change["findings_unchecked"]} == {
        "CERT_CUSTOM_TRUST_ANCHORS",
        "NET_SKIPPED",
    }
    (withheld,) = [c for c in change["dispatcher_changed"] if c["code"] == "DISPATCHER_WITHHELD"]
    assert "CERT_BAD_PASSWORD" in withheld["params"]["codes"]
    assert all(c["params"].get("after") is not None for c in change["dispatcher_changed"][1:])
    page = (latest / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "Fund, som denne kørsel ikke kunne kontrollere (ikke løst)" in page
    assert "Løste fund" not in page
    assert "Ret ikke værdierne i Configurator på grund af dette" in page
    # diff on the console says the same
    d = cli("diff", str(latest.parent / sorted(p.name for p in runs.iterdir() if p.is_dir())[0]), str(latest))  # fmt: skip
    assert d.returncode == 0, d.stderr
    assert "  ? CERT_CUSTOM_TRUST_ANCHORS" in d.stdout and "  - " not in d.stdout

    # the customer's second look at the run after it, with the right password: the values
    # read "ikke sat → …" seven times (unchanged since the run before), and the findings the
    # wrong-password run could not check came back as new
    r = cli("run", "--settings", str(settings), "--env", "test")
    assert r.returncode == 0, r.stdout + r.stderr
    after = runs / (runs / "LATEST").read_text().strip()
    change = json.loads((after / "changes.json").read_text(encoding="utf-8"))
    assert {f["code"] for f in change["findings_rechecked"]} == {
        "CERT_CUSTOM_TRUST_ANCHORS",
        "NET_SKIPPED",
    }
    assert not {f["code"] for f in change["findings_added"]} & {
        "CERT_CUSTOM_TRUST_ANCHORS",
        "NET_SKIPPED",
    }
    assert [c["code"] for c in change["dispatcher_changed"]] == ["DISPATCHER_SHOWN_AGAIN"]
    page = (after / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "Fund, som den forrige kørsel ikke kunne kontrollere (kontrolleret igen nu)" in page
    assert "Dispatcherens værdier vises igen efter kørslen" in page and "ikke sat →" not in page


def test_a_confirmed_step_is_named_in_what_changed(sample_run_copy: Path) -> None:
    """A consultant's cold run: a step confirmed between two runs read, in the changes a
    customer who signed the first one reads, only as "checklist.json har nyt indhold". The
    step, its status before and after and who confirmed it are named, on the page and in
    ``diff``; a run before the checklist had a file compares without it."""
    from ngdpkit.compare.diff import checklist_changes
    from ngdpkit.compare.runs import ChecklistState

    settings = sample_run_copy / "migration.toml"
    r = cli(
        "confirm", "--settings", str(settings), "--env", "test", "--step", "7",
        "--by", "Mette Konsulent", "--note", "tastet i Configurator",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = cli("run", "--settings", str(settings), "--env", "test")
    runs = sample_run_copy / "runs" / "test"
    first, second = sorted(p for p in runs.iterdir() if p.is_dir())
    change = json.loads((second / "changes.json").read_text(encoding="utf-8"))
    (step,) = change["checklist_changed"]
    assert step["code"] == "CHECKLIST_CHANGED" and step["params"]["step"] == 7
    assert (step["params"]["before"], step["params"]["after"]) == ("not_verified", "done")
    assert "Mette Konsulent" in step["params"]["detail"]
    page = (second / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "Tjeklistetrin ændret" in page  # the overview's count
    assert "Trin 7 (" in page and "): ikke verificeret → færdig (" in page
    text = cli("diff", str(first), str(second)).stdout
    assert "CHECKLIST_CHANGED" in text and "ikke verificeret → færdig" in text
    # runs from before checklist.json: nothing to compare, no crash
    a = RunView(first, "test", "ok", [], {}, "", "", checklist=None)
    b = RunView(
        second,
        "test",
        "ok",
        [],
        {},
        "",
        "",
        checklist=(ChecklistState(7, "t", "done", "confirmed", ""),),
    )
    assert checklist_changes(a, b) == ()


def _status_after_compare(
    sample_run_all: dict[str, Any], tmp_path: Path, *how: str
) -> tuple[Path, dict[str, Any], str]:
    """A copy of the session's two runs compared (``how``: compare's options), then
    ``status --json --html``: (the sample, each environment's comparison, the page)."""
    sample = copy_sample_run(sample_run_all, tmp_path / "sample")
    settings = sample / "migration.toml"
    assert cli("compare", "--settings", str(settings), *how).returncode in (0, 1)
    r = cli("status", str(sample), "--json", "--html", str(tmp_path / "s.html"))
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["rows"]
    seen = {x["environment"]: x["comparison"] for x in rows}
    assert set(seen) == {"test", "production"}
    return sample, seen, (tmp_path / "s.html").read_text(encoding="utf-8")


def test_status_reads_a_comparison_of_the_inputs(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """A consultant's cold run: after ``compare --from-inputs`` (its compare.json has no runs),
    ``status`` called the newest comparison "unreadable" while ``audit verify`` called its
    folder intact. It gives its outcome, never as current, and says it compared the inputs."""
    sample, seen, page = _status_after_compare(sample_run_all, tmp_path, "--from-inputs")
    for comparison in seen.values():
        assert comparison["status"] in ("ok", "warnings", "errors"), comparison
        assert comparison["of_inputs"] and not comparison["current"]
    assert "af de inputfiler, indstillingerne angiver, ikke af en kørsel" in page
    table = cli("status", str(sample)).stdout
    assert " (inputs)" in table and "unreadable" not in table


def test_status_names_the_newest_comparison_of_each_environment(
    sample_run_all: dict[str, Any], tmp_path: Path
) -> None:
    """A signing customer's cold read: the comparison said "forskelle, der skal rettes", and
    neither the production document nor the status page said a word of it. Each row of
    ``status`` names the newest comparison of its environment (outcome, date, and whether it
    compared the latest run); a comparison folder edited since is unreadable, never its
    outcome; the page says it in Danish."""
    import dataclasses

    from ngdpkit.compare.status import ComparisonResult, Portfolio, StatusRow, _with_comparison
    from ngdpkit.compare.status_page import render_portfolio

    sample, seen, page = _status_after_compare(sample_run_all, tmp_path)
    for comparison in seen.values():
        assert comparison["status"] in ("ok", "warnings", "errors") and comparison["current"]
    assert "Seneste sammenligning (test ↔ produktion)" in page
    assert "forskelle med bemærkninger" in page or "ingen forskelle at bemærke" in page
    table = cli("status", str(sample)).stdout.splitlines()
    assert " compared " in table[1]

    # an edited comparison is not read as an outcome
    folder = next((sample / "runs" / "compare").glob("2*"))
    data = json.loads((folder / "compare.json").read_text(encoding="utf-8"))
    data["status"] = "ok"
    (folder / "compare.json").write_text(json.dumps(data), encoding="utf-8")
    rows = json.loads(cli("status", str(sample), "--json").stdout)["rows"]
    assert {x["comparison"]["status"] for x in rows} == {"unreadable"}

    # a comparison of an older run than the latest says so
    row = StatusRow("s.toml", "K", "test", "warnings", run="20261201T000000Z-aaaaaa")
    older = (ComparisonResult("20261130T000000Z-bbbbbb", "errors", None, False),
             {"test": "20261130T000000Z-cccccc"})  # fmt: skip
    stale = _with_comparison(row, older)
    assert stale.comparison is not None and not stale.comparison.current
    listing = Portfolio(
        "ngdpkit/status/2", "2026-12-01T10:00:00+01:00", "Europe/Copenhagen", (stale,)
    )
    html = render_portfolio(listing, language="da")
    assert "forskelle, der skal rettes" in html and "af en ældre kørsel end den seneste" in html
    assert _with_comparison(dataclasses.replace(row, environment="x"), older).comparison is None


def test_a_compared_run_with_errors_says_so_beside_its_readiness() -> None:
    """Session 23's leftover: "ingen forskelle at bemærke" stood beside a run with errors, whose
    line said only "ikke klar: 8 af 8 trin mangler". A run whose findings hold an error says
    so, before its readiness; one without says nothing more; a run from before the checklist
    (no readiness) still says it."""
    from ngdpkit.compare.pages import _run_readiness

    ready = {"steps_done": 0, "steps_total": 8}
    said = _run_readiness({"status": "errors"}, ready, "da")
    assert said == " · kørslen har fejl i sine fund · ikke klar: 8 af 8 trin mangler"
    assert (
        _run_readiness({"status": "warnings"}, ready, "da") == " · ikke klar: 8 af 8 trin mangler"
    )
    assert (
        _run_readiness({"status": "errors"}, None, "en") == " · the run has errors in its findings"
    )
    assert _run_readiness({"status": "ok"}, None, "da") == ""


def test_a_mailbox_moved_to_another_unit_is_a_change(tmp_path: Path) -> None:
    """A consultant's cold run: a mailbox moved from Borgerservice to Børn og Unge in the
    export, still landing on Borgerservice's contact point, was on no list of changes (the
    page then showed it under Børn og Unge on Borgerservice's contact point). It is
    ``MAPPING_UNIT_CHANGED``, beside a change of its contact point when there is one; a unit
    emptied or filled in is a move too (the customer's second look), and a run from before
    the unit column (no unit at all) moves nothing."""
    from ngdpkit.compare.diff import mapping_changes
    from ngdpkit.compare.runs import RunView, read_mapping_csv
    from ngdpkit.documents.change_text import sentence

    head = "Mailbox ID;Responsible unit;NgDP Guid;Contact point name;Status;Subject ID\r\n"

    def view(name: str, rows: str) -> RunView:
        path = tmp_path / name
        path.write_bytes(("\ufeff" + head + rows).encode())
        return RunView(tmp_path, "test", "ok", [], {}, "", "", mapping=read_mapping_csv(path, name))

    a = view(
        "a.csv",
        "1;Borgerservice;g1;A;mapped;\r\n2;Borgerservice;g1;A;mapped;\r\n3;;g1;A;mapped;\r\n"
        "4;Byggesager;g1;A;mapped;\r\n",
    )
    b = view(
        "b.csv",
        "1;Børn og Unge;g1;A;mapped;\r\n2;Børn og Unge;g2;B;mapped;\r\n3;Skole;g1;A;mapped;\r\n"
        "4;;g1;A;mapped;\r\n",
    )
    changes = mapping_changes(a, b)
    assert [(c.code, c.params["mailbox"], c.unit) for c in changes] == [
        ("MAPPING_UNIT_CHANGED", "1", "Børn og Unge"),
        ("MAPPING_UNIT_CHANGED", "2", "Børn og Unge"),
        ("MAPPING_CHANGED", "2", "Børn og Unge"),
        ("MAPPING_UNIT_CHANGED", "3", "Skole"),
        ("MAPPING_UNIT_CHANGED", "4", "Byggesager"),
    ]
    said = sentence(changes[0].code, changes[0].params, "da", {})
    assert said == "Postkasse 1 hører nu til Børn og Unge (før: Borgerservice) og lander på A."
    said = sentence(changes[4].code, changes[4].params, "da", {})
    assert said == "Postkasse 4 hører nu til ingen enhed (før: Byggesager) og lander på A."
    assert mapping_changes(b, b) == ()
    old_kit = view("c.csv", "1;;g1;A;mapped;\r\n2;;g1;A;mapped;\r\n")  # no unit at all
    codes = [c.code for c in mapping_changes(old_kit, b)]  # mailbox 2's contact point, 3, 4
    assert codes == ["MAPPING_CHANGED", "MAPPING_ADDED", "MAPPING_ADDED"]


def test_the_console_names_the_comparisons_outcome_as_its_page_does(sample_copy: Path) -> None:
    """A customer's look: the console said "advarsler" where the page said "forskelle med
    bemærkninger", two verdicts for one comparison."""
    r = cli("compare", "--settings", str(sample_copy / "migration.toml"), "--from-inputs")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "== test <> production: forskelle med bemærkninger (0 fejl, " in r.stdout, r.stdout


def test_a_contact_point_of_one_unit_changes_under_that_unit(tmp_path: Path) -> None:
    """A customer's second look: a contact point's translations changed and the summary
    counted it under "hele miljøet". A contact point whose mapped mailboxes all belong to one
    unit is that unit's change; one shared by units stays the environment's."""
    from ngdpkit.compare.diff import portal_changes
    from ngdpkit.compare.runs import RunView, read_mapping_csv
    from ngdpkit.deliverables.portal import PortalContactPoint, PortalRegistration, PortalSystem

    head = "Mailbox ID;Responsible unit;NgDP Guid;Contact point name;Status;Subject ID\r\n"
    rows = "1;Borgerservice;G1;A;mapped;\r\n2;Borgerservice;g1;A;mapped;\r\n3;Skole;g2;B;mapped;\r\n4;Teknik;g2;B;mapped;\r\n"
    (tmp_path / "m.csv").write_bytes(("\ufeff" + head + rows).encode())
    mapping = read_mapping_csv(tmp_path / "m.csv", "m.csv")

    def view(translations: tuple[str, ...]) -> RunView:
        system = PortalSystem(
            name="WZ", protocol="REST_PULL", allowed_ips=(), endpoints=None,
            receipt_format="MEMO", system_id=None,
        )  # fmt: skip
        points = tuple(
            PortalContactPoint(
                name=n, id=g, targets=("CITIZEN",), visible=True, translations=translations
            )
            for n, g in (("A", "g1"), ("B", "g2"))
        )
        portal = PortalRegistration(
            schema="x", environment="test", kind="test", portal="p", system=system,
            contact_points=points, notes=(),
        )  # fmt: skip
        return RunView(tmp_path, "test", "ok", [], {}, "", "", portal=portal, mapping=mapping)

    changes = portal_changes(view(("1",)), view(("1", "2")))
    assert [(c.params["contact_point"], c.unit) for c in changes] == [
        ("A", "Borgerservice"),
        ("B", ""),  # shared by Skole and Teknik
    ]


def test_a_mailbox_renamed_in_the_export_is_a_change(tmp_path: Path) -> None:
    """A customer's week-two read: "Biblioteket" renamed "Hovedbiblioteket" in the export
    was in no change, and the staff know the mailbox by its name. A rename is
    MAPPING_RENAMED, with both names; a rename with a new contact point is both changes; a
    run that wrote no names (an older kit's CSV) reads no rename."""
    from ngdpkit.compare.diff import mapping_changes
    from ngdpkit.compare.runs import read_mapping_csv
    from ngdpkit.documents.change_text import lines

    head = "Mailbox ID;Mailbox name;NgDP Guid;Contact point name;Status;Subject ID\r\n"
    a, b, bare = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "bare.csv"
    a.write_bytes((head + "1;Biblioteket;g1;A;mapped;\r\n2;Kreditorer;g1;A;mapped;\r\n").encode())
    b.write_bytes(
        (head + "1;Hovedbiblioteket;g1;A;mapped;\r\n2;Kreditor;g2;B;mapped;\r\n").encode()
    )
    bare.write_bytes(
        b"Mailbox ID;NgDP Guid;Contact point name;Status\r\n1;g1;A;mapped\r\n2;g1;A;mapped\r\n"
    )

    def view(path: Path) -> RunView:
        mapping = read_mapping_csv(path, path.name)
        return RunView(path, "test", "ok", [], {}, "", "", mapping=mapping)

    found = [(c.code, c.params.get("mailbox")) for c in mapping_changes(view(a), view(b))]
    assert found == [
        ("MAPPING_RENAMED", "1"),
        ("MAPPING_RENAMED", "2"),
        ("MAPPING_CHANGED", "2"),
    ]
    (rename, *_) = mapping_changes(view(a), view(b))
    assert rename.params == {
        "mailbox": "1", "subject": "", "from_name": "Biblioteket", "to_name": "Hovedbiblioteket"
    }  # fmt: skip
    change = {"mapping_changed": [{"code": rename.code, "params": rename.params}]}
    assert [text for *_, text in lines(change, "da")] == [
        "Postkasse 1 hedder nu Hovedbiblioteket i eksporten (før: Biblioteket)."
    ]
    assert mapping_changes(view(bare), view(b))[0].code == "MAPPING_CHANGED"  # no names before


def test_a_name_that_differs_only_as_the_cleaning_wrote_it_is_no_rename(tmp_path: Path) -> None:
    """The final read: a run before the cleaning of spaces wrote "Borger<no-break space>service"
    and "X  Y"; the run after writes "Borger service" and "X Y". Read alike, they are no
    rename (a MAPPING_RENAMED whose two names look the same would puzzle a customer)."""
    from ngdpkit.compare.diff import mapping_changes
    from ngdpkit.compare.runs import read_mapping_csv

    head = "Mailbox ID;Mailbox name;NgDP Guid;Contact point name;Status;Subject ID\r\n"
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes((head + "1;Borger\u00a0service;g1;A;mapped;\r\n3;X  Y;g1;A;mapped;\r\n").encode())
    b.write_bytes((head + "1;Borger service;g1;A;mapped;\r\n3;X Y;g1;A;mapped;\r\n").encode())

    def view(path: Path) -> RunView:
        return RunView(path, "test", "ok", [], {}, "", "", mapping=read_mapping_csv(path, "x"))

    assert mapping_changes(view(a), view(b)) == ()


def test_a_unit_spelt_anew_is_one_change_not_a_move_per_mailbox(tmp_path: Path) -> None:
    """A week-two consultant respelt "Kultur og Fritid" as "Kultur- og Fritid" in the export
    and read 15 "Postkasse flyttet til en anden enhed" that never happened. Every row of a
    unit that moved, all to a new unit spelt with the same letters (case, spaces and
    punctuation aside), is one MAPPING_UNIT_RESPELT; a unit that became another name is still
    a move per mailbox, and a contact point changed beside it is still said."""
    from ngdpkit.compare.diff import mapping_changes
    from ngdpkit.documents.change_text import code_title, sentence

    def view(name: str, rows: str) -> Any:
        return _mapping_view(tmp_path, name, rows)

    a = view(
        "a.csv",
        "1;Kultur og Fritid;g1;A;mapped;\r\n2;Kultur og Fritid;g1;A;mapped;\r\n"
        "3;Kultur og Fritid;g1;A;mapped;\r\n4;Teknik;g2;B;mapped;\r\n",
    )
    b = view(
        "b.csv",
        "1;Kultur- og Fritid;g1;A;mapped;\r\n2;Kultur- og Fritid;g1;A;mapped;\r\n"
        "3;Kultur- og Fritid;g2;B;mapped;\r\n4;Teknik;g2;B;mapped;\r\n",
    )
    changes = mapping_changes(a, b)
    assert [(c.code, c.params.get("mailbox"), c.unit) for c in changes] == [
        ("MAPPING_UNIT_RESPELT", None, "Kultur- og Fritid"),
        ("MAPPING_CHANGED", "3", "Kultur- og Fritid"),
    ]
    assert changes[0].params == {
        "from_unit": "Kultur og Fritid",
        "to_unit": "Kultur- og Fritid",
        "count": 3,
    }
    assert sentence(changes[0].code, changes[0].params, "da", {}) == (
        "Enheden Kultur og Fritid staves nu Kultur- og Fritid i eksporten (rækker: 3); ingen "
        "postkasse er flyttet af den grund."
    )
    assert code_title("mapping_changed", "MAPPING_UNIT_RESPELT", "da") == "Enhed stavet anderledes"
    # only part of the unit moved: moves, one per mailbox
    part = view(
        "p.csv",
        "1;Kultur- og Fritid;g1;A;mapped;\r\n2;Kultur og Fritid;g1;A;mapped;\r\n"
        "3;Kultur og Fritid;g1;A;mapped;\r\n4;Teknik;g2;B;mapped;\r\n",
    )
    assert [c.code for c in mapping_changes(a, part)] == ["MAPPING_UNIT_CHANGED"]
    # an attacker's look: other digits, or no letters at all, are no respelling
    from ngdpkit.compare.diff import _letters

    assert _letters("Distrikt 1-2") != _letters("Distrikt 12")
    assert _letters("–") == _letters(".") == ""
    assert _letters("Teknik/Miljø") == _letters("Teknik - Miljø") == "teknik miljø"


def _mapping_view(folder: Path, name: str, rows: str) -> Any:
    """A finished run's view holding only a mapping, written as mailbox-mapping.csv is."""
    from ngdpkit.compare.runs import RunView, read_mapping_csv

    head = "Mailbox ID;Responsible unit;NgDP Guid;Contact point name;Status;Subject ID\r\n"
    path = folder / name
    path.write_bytes(("\ufeff" + head + rows).encode())
    return RunView(folder, "test", "ok", [], {}, "", "", mapping=read_mapping_csv(path, name))


def test_an_environment_without_server_ips_yet_says_not_set(sample_copy: Path) -> None:
    """A day-one cold read: ``compare`` said "Server-IP'er: test: 203.0.113.10; production: ."
    for production without IPs yet. Each side's list is its own parameter, "ikke sat" when
    empty."""
    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("[environments.production]")
    head, tail = text[:start], text[start:]
    tail = re.sub(r"server_ips = \[[^\]]*\]", "server_ips = []", tail, count=1)
    toml.write_text(head + tail, encoding="utf-8")
    r = cli("compare", "--settings", str(toml), "--from-inputs", "--json")
    found = [
        f for f in json.loads(r.stdout)["findings"] if f["code"] == "COMPARE_SERVER_IPS_DIFFER"
    ]
    assert len(found) == 1 and found[0]["message"].endswith("; production: ikke sat."), found
    assert found[0]["params"]["ips2"] == "not set"  # the parameter as the English says it


def test_a_summary_line_is_cut_at_a_words_end() -> None:
    """A day-one cold read: diff's summary cut a title mid-word ("dokumentationsområ"),
    which read as a misspelling. A line too long ends at a word, marked "…"."""
    from ngdpkit.cli import _clip

    said = _clip("IP_DOCUMENTATION_RANGE (IP-adresse fra et dokumentationsområde)", 60)
    assert said == "IP_DOCUMENTATION_RANGE (IP-adresse fra et…" and len(said) <= 60
    assert _clip("x" * 80, 60) == "x" * 59 + "…"
    assert _clip("kort", 60) == "kort"


def test_a_shared_runs_folder_is_named_after_the_settings_that_made_its_run(
    sample_run_copy: Path,
) -> None:
    """``status`` on the demo's folder named production's and test's rows after
    ``migration-simulator.toml`` (the local NgDP's copy of the settings, sorted before
    ``migration.toml``), while ``migration.toml`` made their runs. The row is named after the
    settings file whose SHA-256 the latest run's trail holds; the other is beside it."""
    real = sample_run_copy / "migration.toml"
    simulated = sample_run_copy / "migration-simulator.toml"
    simulated.write_text(real.read_text(encoding="utf-8") + "# a local NgDP's copy\n")
    r = cli("status", str(sample_run_copy), "--json")
    assert r.returncode == 0, r.stderr
    (row,) = [x for x in json.loads(r.stdout)["rows"] if x["environment"] == "test"]
    assert (row["settings"], row["also_settings"]) == (str(real), [str(simulated)])


def test_a_shared_runs_folder_keeps_its_name_after_its_settings_were_edited(
    sample_run_copy: Path,
) -> None:
    """A consultant's cold run: after a line was added to ``migration.toml`` (no file's bytes
    were then those the latest run read), ``status`` named the run after the demo's
    ``migration-watch-prod.toml``, which never made a run. The file the trail names is
    preferred to one it does not name."""
    real = sample_run_copy / "migration.toml"
    copy = sample_run_copy / "migration-watch-prod.toml"
    copy.write_text(real.read_text(encoding="utf-8") + "# a local NgDP's copy\n")
    with real.open("a", encoding="utf-8") as f:
        f.write("# kunde: opdateret\n")
    r = cli("status", str(sample_run_copy), "--json")
    assert r.returncode == 0, r.stderr
    (row,) = [x for x in json.loads(r.stdout)["rows"] if x["environment"] == "test"]
    assert (row["settings"], row["also_settings"]) == (str(real), [str(copy)])


def test_a_removed_row_of_a_mailbox_that_keeps_other_rows_says_so(tmp_path: Path) -> None:
    """A consultant's rough edge: a subject's row removed from a mailbox that keeps a row of
    another subject read "Postkasse 1 (…; emne 10) er ikke længere i eksporten", as if the
    mailbox were gone. Such a change says the row is gone and the mailbox has other rows, in
    both languages (``mailbox_kept`` in changes.json); a mailbox that is gone keeps its
    sentence."""
    from ngdpkit.compare.diff import changes
    from ngdpkit.documents.change_text import lines

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(
        (
            "\ufeff" + _CSV_HEAD + "1;Opkrævning;U;g1;A;mapped;10\r\n"
            "1;Opkrævning;U;g1;A;mapped;11\r\n"
            "2;Pension;U;g1;A;mapped;\r\n"
        ).encode()
    )
    b.write_bytes(("\ufeff" + _CSV_HEAD + "1;Opkrævning;U;g1;A;mapped;11\r\n").encode())
    change = changes(_csv_view(a), _csv_view(b))
    removed = [c["params"] for c in change["mapping_changed"]]
    assert [(p["mailbox"], p.get("mailbox_kept")) for p in removed] == [("1", True), ("2", None)]
    da = [text for *_, text in lines(change, "da")]
    en = [text for *_, text in lines(change, "en")]
    assert da[0].startswith(
        "Postkasse 1 (Opkrævning; emne 10) er ikke længere i eksporten med denne række; "
        "postkassen har stadig andre rækker i eksporten (var: A"
    ), da
    assert en[0].startswith(
        "Mailbox 1 (Opkrævning; subject 10) is no longer in the export with this row; "
        "the mailbox still has other rows in the export (was: A"
    ), en
    assert da[1].startswith("Postkasse 2 (Pension) er ikke længere i eksporten (var: A"), da
    assert en[1].startswith("Mailbox 2 (Pension) is no longer in the export (was: A"), en


def test_a_mapping_csv_the_scan_replaced_is_said_as_that(tmp_path: Path) -> None:
    """``diff`` of a run whose mailbox-mapping.csv held a secret said "mailbox-mapping.csv
    does not have the register's headers" of the kit's own placeholder; it says which
    secret, and what to do, as it does of a replaced JSON file."""
    from ngdpkit.compare.runs import read_mapping_csv
    from ngdpkit.run.scan import stub_text

    path = tmp_path / "mailbox-mapping.csv"
    path.write_text(stub_text(path, ["NGDPKIT_TEST_CERT_PASSWORD"]), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_mapping_csv(path, "run-a")
    said = str(caught.value)
    assert said.startswith("run-a: mailbox-mapping.csv was replaced by a placeholder"), said
    assert "NGDPKIT_TEST_CERT_PASSWORD" in said and "headers" not in said
