"""The consultant's decisions file (contract §12.7): the first mapping source, an input of
the run, listed on the sign-off; a decision that cannot be used is a finding."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ngdpkit.inputs.decisions import Decision, read_decisions
from ngdpkit.steps.decide import write_decisions
from tests.conftest import cli, run_cli

HEADER = "Mailbox ID;Decision;NgDP Guid;Decided by;Decided at;Note"


def _contact_points(sample: Path) -> dict[str, str]:
    import openpyxl

    ws = openpyxl.load_workbook(sample / "contact-points-test.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    return {str(r[1]): str(r[0]) for r in rows[1:] if r[0]}


def _mailboxes(sample: Path) -> list[tuple[str, str]]:
    import openpyxl

    ws = openpyxl.load_workbook(sample / "mailboxes.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    return [(str(r[0]), str(r[1])) for r in rows[3:] if r[0]]


def _write(path: Path, lines: list[str]) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + "".join(x + "\r\n" for x in [HEADER, *lines]).encode())


def test_a_hand_written_decisions_file_drives_a_headless_run(sample_copy: Path) -> None:
    points = _contact_points(sample_copy)
    other = next(g for n, g in points.items() if n.startswith("Børn og Unge"))
    (first, _), (second, _), *_ = _mailboxes(sample_copy)
    _write(
        sample_copy / "decisions-test.csv",
        [
            f"{first};override;{other.upper()};Anne Konsulent;2026-12-04T10:00:00+01:00;kunden ønsker det",
            f"{second};retire;;Anne Konsulent;2026-12-04T10:01:00+01:00;",
        ],
    )
    r = run_cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode in (0, 1), r.stderr
    run_dir = next((sample_copy / "runs" / "test").glob("2*"))
    with (run_dir / "mailbox-mapping.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {row["Mailbox ID"]: row for row in csv.DictReader(fh, delimiter=";")}
    assert rows[first]["NgDP Guid"] == other and rows[first]["Source"] == "decision"
    assert rows[first]["Status"] == "mapped"
    assert rows[second]["Source"] == "decision" and rows[second]["Status"] == "retired"
    assert rows[second]["NgDP Guid"] == ""
    # an input like any other: hashed in the audit trail
    records = [json.loads(line) for line in (run_dir / "audit.jsonl").read_text().splitlines()]
    read = [x for x in records if x["event"] == "input_read" and x["path"] == "decisions-test.csv"]
    assert len(read) == 1 and len(read[0]["sha256"]) == 64
    # the sign-off names who decided and when
    page = (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "Beslutninger om tilknytningen" in page
    assert "Anne Konsulent" in page and "04-12-2026 kl. 10:00" in page
    assert "kunden ønsker det" in page and "andet kontaktpunkt valgt" in page
    # and each decided mailbox by its name too (a customer's week-two read: IDs only)
    decided = page.split("Beslutninger om tilknytningen", 1)[1].split("</table>", 1)[0]
    assert "Postkassenavn" in decided and dict(_mailboxes(sample_copy))[first] in decided
    # and its unit (a customer's cold read: a decision sending a unit's mailbox to another
    # unit's contact point could not be seen as such)
    assert "Ansvarlig enhed" in decided and rows[first]["Responsible unit"] in decided
    # a decision that overrides the contact point's own translation says so
    findings = json.loads((run_dir / "findings.json").read_text())["findings"]
    conflicts = [f for f in findings if f["code"] == "MAPPING_CONFLICT"]
    assert any(first in f["message"] and "beslutningen" in f["message"] for f in conflicts)
    # each contact point by name as well as GUID (the consultant's cold run saw GUIDs only)
    assert any("Eksempel Kommune' (" in f["message"] for f in conflicts), conflicts


def test_a_decision_that_cannot_be_used_is_a_finding(sample_copy: Path) -> None:
    (first, _), *_ = _mailboxes(sample_copy)
    unknown_cp = "11111111-1111-4111-8111-111111111111"
    _write(
        sample_copy / "decisions-test.csv",
        [
            "9999999;retire;;Anne;2026-12-04T10:00:00+01:00;",
            f"{first};accept;{unknown_cp};Anne;2026-12-04T10:00:00+01:00;",
            f"{first};frobnicate;;Anne;2026-12-04T10:00:00+01:00;",
            f"{first};accept;not-a-guid;Anne;2026-12-04T10:00:00+01:00;",
            f"{first};retire;;;2026-12-04T10:00:00+01:00;",
            f"{first};retire;;Anne;i går;",
        ],
    )
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--json")
    assert r.returncode == 1, r.stderr
    found = json.loads(r.stdout)["findings"]
    codes = [(f["code"], f["location"]) for f in found if f["code"].startswith("DECISION_")]
    assert ("DECISION_MAILBOX_UNKNOWN", "row 2") in codes
    assert ("DECISION_CONTACT_POINT_UNKNOWN", "row 3") in codes
    assert [loc for code, loc in codes if code == "DECISION_INVALID"] == [
        "row 4",
        "row 5",
        "row 6",
        "row 7",
    ]
    # the unusable decision changed nothing: the mailbox keeps its contact point
    assert not any(f["code"] == "CONTACT_POINT_UNKNOWN" for f in found)


def test_the_last_decision_counts_and_a_written_file_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "decisions-test.csv"
    guid = "7f9c69da-044c-5324-b789-212f3097dbac"
    write_decisions(
        path,
        [
            Decision(
                "0100233", "", "accept", guid, "=cmd|' /C calc'!A0", "2026-12-04T10:00:00+01:00"
            ),
            Decision(
                "0100233", "", "retire", "", "Anne; Konsulent", "2026-12-04T11:00:00+01:00", "-rm"
            ),
            Decision("0100234", "2", "override", guid, "Bo", "2026-12-04T11:05:00+01:00", 'a "b"'),
        ],
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert b"'=cmd" in raw  # no spreadsheet runs it
    log, found = read_decisions(path, label=path.name)
    assert found == []
    assert log.superseded == 1
    assert [(d.key, d.decision, d.decided_by, d.note) for d in log.decisions] == [
        ("0100233", "retire", "Anne; Konsulent", "-rm"),
        ("0100234:2", "override", "Bo", 'a "b"'),
    ]
    # appending keeps the history; a file without a final line end is still appended cleanly
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))
    write_decisions(
        path, [Decision("0100235", "", "retire", "", "Bo", "2026-12-04T12:00:00+01:00")]
    )
    log, found = read_decisions(path, label=path.name)
    assert found == [] and [d.key for d in log.decisions][-1] == "0100235"


def test_a_decisions_file_named_in_the_settings_must_exist(sample_copy: Path) -> None:
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace(
            'mapping = "mapping-test.xlsx"',
            'mapping = "mapping-test.xlsx"\ndecisions = "beslutninger.csv"',
            1,
        ),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(settings), "--env", "test")
    assert r.returncode == 2
    assert "environments.test.decisions: file not found: beslutninger.csv" in r.stderr
    assert "Traceback" not in r.stderr


def test_check_summarises_past_fifty_findings_by_code_and_unit(sample_copy: Path) -> None:
    mailboxes = _mailboxes(sample_copy)
    assert len(mailboxes) > 60
    retire = sample_copy / "retire-all.csv"
    retire.write_text(
        "Mailbox ID;NgDP Guid\n" + "".join(f"{m};udgår\n" for m, _ in mailboxes), encoding="utf-8"
    )
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace('mapping = "mapping-test.xlsx"', 'mapping = "retire-all.csv"', 1),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(settings), "--env", "test")
    out = r.stdout
    assert "fund; efter kode og enhed (--all viser hvert, op til 1.000 pr. kode):" in out  # da
    line = next(x for x in out.splitlines() if "MAILBOX_RETIRED" in x)
    assert str(len(mailboxes)) in line and "Borgerservice" in line  # counted, with its units
    assert out.count("MAILBOX_RETIRED") == 1
    every = cli("check", "--settings", str(settings), "--env", "test", "--all").stdout
    assert every.count("MAILBOX_RETIRED") == len(mailboxes)


def test_a_notebook_opens_its_many_findings_with_the_summary() -> None:
    from ngdpkit import findings as F
    from ngdpkit.documents.display import show_findings
    from ngdpkit.documents.signoff import findings_summary

    found = [
        F.info("MAILBOX_RETIRED", "Mailbox {mid} is retired.", "x.xlsx", f"Ark!{i}", mid=str(i))
        for i in range(2, 80)
    ]
    units = ({}, {f"Ark!{i}": "Skole" if i % 2 else "Løn" for i in range(2, 80)})
    html = show_findings(found, language="da", summary=findings_summary(found, units, "da")).html
    assert "78 fund, talt pr. kode og enhed" in html
    assert "Skole 39" in html and "Løn 39" in html
    assert html.index("talt pr. kode") < html.index("<details")


def test_the_summary_counts_findings_past_the_bound_in_full() -> None:
    """Past 1,000 findings of one code, the rest are one summary finding; the summary by
    code and unit counts them all (a customer signs the real number)."""
    from ngdpkit import findings as F
    from ngdpkit.documents.signoff import findings_summary

    found = F.Bounded()
    for i in range(2, 1502):
        found.append(
            F.error(
                "MAILBOX_UNMAPPED", "Mailbox {mid} is unmapped.", "x.xlsx", f"Ark!{i}", mid=str(i)
            )
        )
    found.settled()
    units = ({}, {f"Ark!{i}": "Skole" for i in range(2, 1502)})
    [(severity, code, _title, n, where)] = findings_summary(list(found), units, "da")
    assert (severity, code, n) == ("error", "MAILBOX_UNMAPPED", 1500)
    assert where == "Skole 1000, ikke listet enkeltvis 500"


def test_a_fault_put_right_by_a_later_decision_is_history(sample_copy: Path) -> None:
    """The file is only ever appended to: an invalid row followed by a complete decision for
    the same mailbox is not an error for ever; a mailbox ID that lost its leading zero in
    Excel is the same mailbox (IDs compare as numbers)."""
    (first, _), (second, _), *_ = _mailboxes(sample_copy)
    _write(
        sample_copy / "decisions-test.csv",
        [
            f"{first};accept;;Anne;2026-12-04T10:00:00+01:00;",
            f"{first};retire;;Anne;2026-12-04T10:05:00+01:00;rettet",
            f"{int(second)};retire;;Anne;2026-12-04T10:06:00+01:00;uden nul",
        ],
    )
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--json")
    found = json.loads(r.stdout)["findings"]
    assert not [f for f in found if f["code"].startswith("DECISION_")], found
    retired = [f for f in found if f["code"] == "MAILBOX_RETIRED"]
    assert any(first in f["message"] for f in retired)
    assert any(second in f["message"] for f in retired)


def test_nk_decide_refuses_a_mailbox_the_export_lacks_before_the_mapping_is_made(
    sample_copy: Path,
) -> None:
    import ngdpkit as nk
    from ngdpkit.errors import InputError

    step = nk.start_step(
        "02_contact_points", settings=str(sample_copy / "migration.toml"), environment="test"
    )
    import pytest

    with pytest.raises(InputError, match="mailbox 9999999 is not in the export"):
        nk.decide(step, "9999999", "retire", by="Anne")
    assert not (sample_copy / "decisions-test.csv").exists()


def test_a_retirement_by_decision_says_who_decided_it_and_when(sample_copy: Path) -> None:
    """A customer's week-two read: a mailbox retired by decision was "markeret udgår (i
    beslutningen)", and nothing in the changes said who decided it or when. The finding now
    names both, from the decision that counts (the last for the mailbox); a retirement by the
    mapping file reads as before."""
    (first, _), (second, _), *_ = _mailboxes(sample_copy)
    _write(
        sample_copy / "decisions-test.csv",
        [
            f"{first};retire;;Anne;2026-12-04T10:00:00+01:00;",
            f"{first};retire;;Bo Ørsted;2026-12-05T09:30:00+01:00;ny aftale",
            f"{second};accept;;Anne;2026-12-04T10:06:00+01:00;",
        ],
    )
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--json")
    found = json.loads(r.stdout)["findings"]
    retired = [f for f in found if f["code"] == "MAILBOX_RETIRED" and first in f["message"]]
    assert [f["message"] for f in retired] == [
        f"Postkassen {first} er markeret udgår (besluttet af Bo Ørsted 05-12-2026 kl. 09:30) og "
        "flyttes ikke med."
    ]
    assert retired[0]["params"]["by"] == "Bo Ørsted"
    assert retired[0]["params"]["at"] == "2026-12-05T09:30:00+01:00"
    by_file = [f for f in found if f["code"] == "MAILBOX_RETIRED" and first not in f["message"]]
    assert by_file and all("(i tilknytningsfilen)" in f["message"] for f in by_file)


def test_a_decisions_file_excel_saved_in_windows_1252_stays_readable(tmp_path: Path) -> None:
    """A consultant's Windows pass: Danish Excel saved the decisions file as "CSV
    (semikolonsepareret)", which is Windows-1252; the editor's next decision was appended in
    UTF-8, the file read whole as Windows-1252, and "Ærlig Øjvind" reached the signed page as
    "Ã†rlig Ã˜jvind". A decision is added in the file's own encoding (as UTF-8 only when
    Windows-1252 cannot hold it), and a file that mixes the two reads right line by line."""
    guid = "7f9c69da-044c-5324-b789-212f3097dbac"
    path = tmp_path / "decisions-test.csv"
    path.write_bytes(
        (
            HEADER + "\r\n" + "0100233;retire;;Søren Æbelø;2026-12-04T10:00:00+01:00;Lukkes\r\n"
        ).encode("cp1252")
    )
    write_decisions(
        path,
        [
            Decision(
                "0100234", "", "retire", "", "Ærlig Øjvind", "2026-12-05T10:00:00+01:00", "æøå"
            ),
            Decision("0100235", "", "override", guid, "Łukasz", "2026-12-05T10:01:00+01:00"),
        ],
    )
    raw = path.read_bytes()
    assert "Ærlig Øjvind".encode("cp1252") in raw  # as Excel will read it
    assert "Łukasz".encode() in raw  # Windows-1252 has no "Ł"
    log, found = read_decisions(path, label=path.name)
    assert found == []
    assert [(d.decided_by, d.note) for d in log.decisions] == [
        ("Søren Æbelø", "Lukkes"),
        ("Ærlig Øjvind", "æøå"),
        ("Łukasz", ""),
    ]
    # a UTF-8 file gets UTF-8
    utf8 = tmp_path / "decisions-production.csv"
    write_decisions(utf8, [Decision("1", "", "retire", "", "Åse", "2026-12-05T10:00:00+01:00")])
    write_decisions(utf8, [Decision("2", "", "retire", "", "Ærø", "2026-12-05T10:00:00+01:00")])
    assert utf8.read_bytes().decode("utf-8-sig").count("\r\n") == 3
    assert [d.decided_by for d in read_decisions(utf8, label=utf8.name)[0].decisions] == [
        "Åse",
        "Ærø",
    ]


def test_an_excel_decisions_file_of_ascii_only_gets_windows_1252(tmp_path: Path) -> None:
    """A consultant's second look: Excel's "CSV (semikolonsepareret)" file held only its
    header and a decision by "Anne Konsulent", all ASCII, and the editor's next decision by
    "Ærlig Øjvind" was added in UTF-8, which Excel showed as "Ã†rlig". A file without the
    BOM the kit writes and without letters beyond ASCII is Excel's: Windows-1252. A large file
    whose only Danish letters are in its middle is judged by all of it."""
    path = tmp_path / "decisions-test.csv"
    path.write_bytes(
        (HEADER + "\r\n0103679;retire;;Anne Konsulent;2026-12-04T10:00:00+01:00;\r\n").encode()
    )
    ours = Decision("0100272", "", "retire", "", "Ærlig Øjvind", "2026-12-05T10:00:00+01:00")
    write_decisions(path, [ours])
    assert "Ærlig Øjvind".encode("cp1252") in path.read_bytes()
    big = tmp_path / "decisions-production.csv"
    filler = "".join(
        f"{i};retire;;Anne;2026-12-04T10:00:00+01:00;{'x' * 40}\r\n" for i in range(20_000)
    )
    big.write_bytes(
        (
            HEADER + "\r\n" + filler + "1;retire;;Søren;2026-12-04T10:00:00+01:00;\r\n" + filler
        ).encode("cp1252")
    )
    write_decisions(big, [ours])
    assert big.read_bytes().endswith(
        "Ærlig Øjvind".encode("cp1252") + b";2026-12-05T10:00:00+01:00;\r\n"
    )
    assert [d.decided_by for d in read_decisions(path, label=path.name)[0].decisions][-1] == (
        "Ærlig Øjvind"
    )


def test_a_decision_is_never_added_where_it_would_not_be_read_as_one(tmp_path: Path) -> None:
    """An attacker's pass: each of these was written to "successfully", and the decision was
    lost (read as part of an open quote's note, or in the wrong columns) or the file was
    refused at the next run. Each is refused before anything is written; a file that is only
    what Excel saves empty gets the header."""
    from ngdpkit.errors import InputError

    ours = Decision("0103679", "", "retire", "", "Øjvind", "2026-12-05T10:00:00+01:00")
    bad = {
        "open quote": HEADER + '\r\n0100233;retire;;Bo;2026-12-04T10:05:00+01:00;"nedlagt\r\n',
        "commas": "Mailbox ID,Decision,NgDP Guid,Decided by,Decided at,Note\r\n",
        "another order": "Beslutning;Postkasse ID;Kontaktpunkt GUID;Besluttet af;Besluttet;Bemærkning\r\n",
        "no note": "Mailbox ID;Decision;NgDP Guid;Decided by;Decided at\r\n",
    }
    for name, text in bad.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(text.encode())
        with pytest.raises(InputError) as refused:
            write_decisions(path, [ours])
        assert path.read_bytes() == text.encode(), name  # nothing written
        assert refused.value.problems[0].startswith(f"{name}.csv: "), refused.value.problems
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(HEADER.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        write_decisions(utf16, [ours])
    for empty in (b"\xef\xbb\xbf", b"\r\n"):
        path = tmp_path / "empty.csv"
        path.write_bytes(empty)
        write_decisions(path, [ours])
        log, found = read_decisions(path, label=path.name)
        assert found == [] and [d.decided_by for d in log.decisions] == ["Øjvind"]
    danish = tmp_path / "danish.csv"
    danish.write_bytes(
        "Postkasse ID;Beslutning;Kontaktpunkt GUID;Besluttet af;Besluttet;Bemærkning\r\n".encode()
    )
    write_decisions(danish, [ours])  # the kit's order in Danish: added
    assert [d.key for d in read_decisions(danish, label="danish.csv")[0].decisions] == ["0103679"]


def test_a_removed_mailbox_retired_in_the_decisions_is_no_longer_a_warning(tmp_path: Path) -> None:
    """A week-two consultant: a decision for a mailbox the next export no longer had stayed a
    warning on every run, and the file only grows, so "klar" was out of reach but by
    rewriting its history. Appending a retire for the mailbox says it left on purpose: an
    info; the other decisions for absent mailboxes stay warnings that say so."""
    from ngdpkit.inputs.decisions import check_against

    path = tmp_path / "decisions-test.csv"
    _write(
        path,
        [
            "0100309;accept;7f9c69da-044c-5324-b789-212f3097dbac;Anne;2026-11-27T10:00:00+01:00;",
            "0100444;override;7f9c69da-044c-5324-b789-212f3097dbac;Anne;2026-11-27T10:00:00+01:00;",
            "0100309;retire;;Anne;2026-12-04T10:00:00+01:00;taget ud af eksporten",
        ],
    )
    log, problems = read_decisions(path, label="decisions-test.csv")
    assert problems == []
    usable, found = check_against(log, {("0100233", "")}, None)
    assert usable == ()
    by_mailbox = {f.params["mailbox"]: f for f in found}
    assert {(m, f.code, f.severity) for m, f in by_mailbox.items()} == {
        ("0100309", "DECISION_MAILBOX_UNKNOWN", "info"),
        ("0100444", "DECISION_MAILBOX_UNKNOWN", "warning"),
    }
    assert "append a retire decision for it" in by_mailbox["0100444"].message
    assert "tilføj en retire-beslutning for den" in by_mailbox["0100444"].text("da")
    assert (
        by_mailbox["0100309"].text("da").startswith("Postkassen 0100309 (udgår af Anne 04-12-2026")
    )


def test_a_retire_for_a_mailbox_never_decided_or_written_another_way_is_not_hidden(
    tmp_path: Path,
) -> None:
    """An attacker's look at the change above: a retire for an ID the file never mapped (a
    typo) became an info and retired nothing, and a retire for "0100272:02" was not applied
    to the export's subject 2 (subjects compared as text). A typo stays a warning; a subject
    compares as a number, as IDs do, and the decision applies."""
    from ngdpkit.inputs.decisions import check_against

    path = tmp_path / "decisions-test.csv"
    _write(
        path,
        [
            "0100223;retire;;Anne;2026-12-04T10:00:00+01:00;",
            "0100272:02;retire;;Anne;2026-12-04T10:01:00+01:00;",
        ],
    )
    log, problems = read_decisions(path, label="decisions-test.csv")
    assert problems == [] and log.mapped_before == frozenset()
    usable, found = check_against(log, {("0100272", "2"), ("0100233", "")}, None)
    assert [(d.mailbox_id, d.subject_id, d.decision) for d in usable] == [
        ("0100272", "2", "retire")
    ]
    assert [(f.code, f.severity, f.params["mailbox"]) for f in found] == [
        ("DECISION_MAILBOX_UNKNOWN", "warning", "0100223")
    ]
    # a retire of an ID nothing names says to check the ID, not to append a retire (a
    # week-two retest: the warning for a retire told to add a retire)
    assert "check the ID (a mistyped ID retires nothing;" in found[0].message
    assert "append a retire" not in found[0].message
    assert "kontrollér ID'et" in found[0].text("da")
    assert "a mailbox that left the export needs no retire" in found[0].message


def test_a_retired_subject_is_named_with_its_subject_not_as_the_whole_mailbox() -> None:
    """A customer's week-two read: only subject 6 of a mailbox was retired, and the finding
    said "Postkassen 0100847 er markeret udgår … og flyttes ikke med", the whole mailbox to
    the reader. A retired subject names its subject, and says the others are not affected."""
    from ngdpkit.inputs.mapping import map_mailboxes
    from tests.test_mapping import SYS, A, cp, frame

    f = frame([("0100847", "6", "Skat", "U"), ("0100847", "7", "Skat", "U"), ("200", "", "x", "U")])
    f.loc[f["subject_id"] == "6", "ngdp_guid"] = "udgår"
    f.loc[f["mailbox_id"] == "200", "ngdp_guid"] = "udgår"
    m = map_mailboxes(
        f,
        mapping=None,
        contact_points=[cp(A, "Borgerservice", [(100847, 7)])],
        system_id=SYS,
        default_contact_point=A,
        export_label="e.xlsx",
        export_sheet="Ark",
    )
    retired = {x.params["mid"]: x for x in m.findings if x.code == "MAILBOX_RETIRED"}
    one = retired["0100847"]
    assert one.params["subject"] == "6"
    assert one.text("da").startswith("Emne 6 i postkassen 0100847 er markeret udgår")
    assert one.text("da").endswith("; postkassens øvrige emner berøres ikke.")
    assert "subject" not in retired["200"].params
    # a mailbox with one subject only has no "other subjects" (a signer's second look)
    lone = frame([("0300", "2", "Alene", "U")])
    lone.loc[0, "ngdp_guid"] = "udgår"
    only = map_mailboxes(
        lone,
        mapping=None,
        contact_points=[cp(A, "Borgerservice")],
        system_id=SYS,
        default_contact_point=A,
        export_label="e.xlsx",
    )
    (said,) = [x.text("da") for x in only.findings if x.code == "MAILBOX_RETIRED"]
    assert said == "Emne 2 i postkassen 0300 er markeret udgår (i eksporten) og flyttes ikke med."
    assert retired["200"].text("da").startswith("Postkassen 200 er markeret udgår")


def test_a_decision_another_person_replaced_is_named_with_who_replaced_it(tmp_path: Path) -> None:
    """A consultant who took over in week two replaced a colleague's decision: ``nk.decide``
    wrote it, and the overview said only "1 tidligere beslutning er erstattet af en senere",
    without whose, what or why. The log keeps each earlier decision another person replaced
    (the same person changing their mind is history), the overview names it beside who made
    the one that counts now, and the step file reads it back."""
    from ngdpkit.documents.signoff import _replaced_decisions
    from ngdpkit.inputs.decisions import DecisionLog
    from ngdpkit.inputs.typed import structure, unstructure

    path = tmp_path / "decisions-test.csv"
    guid = "7f9c69da-044c-5324-b789-212f3097dbac"
    write_decisions(
        path,
        [
            Decision("0100233", "", "override", guid, "Mette Konsulent", "2026-12-01T10:00:00+01:00", "mail fra Lis 24/11"),
            Decision("0100234", "", "retire", "", "Mette Konsulent", "2026-12-01T10:05:00+01:00"),
            Decision("0100234", "", "override", guid, "mette  konsulent", "2026-12-02T09:00:00+01:00"),
            Decision("0100233", "", "retire", "", "Søren Overtager", "2026-12-08T13:00:00+01:00"),
        ],
    )  # fmt: skip
    log, found = read_decisions(path, label=path.name)
    assert found == [] and log.superseded == 2
    assert [(d.key, d.decided_by, d.note) for d in log.replaced] == [
        ("0100233", "Mette Konsulent", "mail fra Lis 24/11")
    ]
    assert structure(unstructure(log), DecisionLog) == log
    html = str(_replaced_decisions(log, {guid: "Borgerservice"}, {}, "da"))
    assert "Beslutninger, som en anden person senere har erstattet" in html
    for said in ("Mette Konsulent", "mail fra Lis 24/11", "Borgerservice", "Søren Overtager, 08-12-2026 kl. 13:00"):  # fmt: skip
        assert said in html, said


def test_a_danish_console_says_the_row_of_a_finding_in_danish(sample_copy: Path) -> None:
    """A Danish proofreader's read: the pages said "række 2", while check's and run's Danish
    console lines ended in "[decisions-test.csv row 2]"; findings.json keeps "row 2"."""
    _write(sample_copy / "decisions-test.csv", ["MB-0001;frobnicate;;Anne;2026-12-04;"])
    settings = str(sample_copy / "migration.toml")
    for command in ("check", "run"):
        r = cli(command, "--settings", settings, "--env", "test")
        assert r.returncode == 1, r.stdout + r.stderr
        said = [x for x in r.stdout.splitlines() if "DECISION_INVALID" in x and "[" in x]
        assert said and all(x.endswith("[decisions-test.csv række 2]") for x in said), said
        assert "row 2" not in r.stdout
    r = cli("check", "--settings", settings, "--env", "test", "--json")
    found = json.loads(r.stdout)["findings"]
    assert [f["location"] for f in found if f["code"] == "DECISION_INVALID"] == ["row 2"]


def test_a_cpr_number_in_a_decisions_note_or_name_is_named_by_row_not_repeated(
    tmp_path: Path,
) -> None:
    """A DPO's pass: a decision noted "borgeren Jens Hansen 010190-1234 ringede" was printed
    on the sign-off overview and in signoff.pdf, which the customer's managers sign and
    archive, without a word. One CPR_IN_TEXT (warning) for the decisions in effect whose
    name or note holds one, with the rows, never the number; a decision replaced by a
    later one for its mailbox is not shown and not named."""
    guid = "7f9c69da-044c-5324-b789-212f3097dbac"
    at = "2026-12-04T10:00:00+01:00"
    path = tmp_path / "decisions-test.csv"
    lines = [
        f"0100233;override;{guid};Anne;{at};borgeren Jens Hansen 010190-1234 ringede",
        f"0100240;override;{guid};Anne;{at};aftalt 04.12.2026 med CVR 98765433",
    ]
    _write(path, lines)
    _, found = read_decisions(path, label="decisions-test.csv")
    (cpr,) = [f for f in found if f.code == "CPR_IN_TEXT"]
    assert (cpr.severity, cpr.source, cpr.params["value"]) == ("warning", "decisions-test.csv", "2")
    assert "signoff.pdf" in cpr.message
    assert cpr.text("da").startswith("Beslutningen i række 2 indeholder et CPR-lignende nummer")
    _write(path, [*lines, f"0100250;accept;{guid};Bo 0101901234;{at};"])
    _, found = read_decisions(path, label="decisions-test.csv")
    (cpr,) = [f for f in found if f.code == "CPR_IN_TEXT"]
    assert cpr.params["count"] == "2" and cpr.params["value"] == "2, 4"
    assert cpr.text("da").startswith("2 beslutninger (rækkerne 2, 4)")
    said = cpr.text("en") + cpr.text("da") + str(cpr.params)
    assert "1234" not in said and "Jens" not in said
    _write(path, [*lines, f"0100233;override;{guid};Anne;{at};borgeren ringede"])
    _, found = read_decisions(path, label="decisions-test.csv")
    assert [f for f in found if f.code == "CPR_IN_TEXT"] == []


def test_dates_danish_excel_saved_in_the_decisions_file_are_read_as_it_shows_them(
    tmp_path: Path,
) -> None:
    """A consultant's Windows pass: decisions dated by hand ("2026-12-04 10:15"), the file
    opened and saved again in Danish Excel as "CSV (semikolonsepareret)", came back with
    Excel's own form of each date, day first ("04-12-2026 10:15"), and every one was
    DECISION_INVALID. They are read as the dates Excel shows, in Danish time; a date that
    is no day of the calendar, or another country's form with slashes, is still refused."""
    path = tmp_path / "decisions-test.csv"
    rows = [
        "0100233;retire;;Søren Æbelø;04-12-2026 10:15;a",
        "0100234;retire;;Søren Æbelø;4-7-2026 9.05;b",  # an older Danish Windows: a dot
        "0100235;retire;;Søren Æbelø;04-12-2026;c",
        "0100236;retire;;Søren Æbelø;31-02-2026 10:00;d",
        "0100237;retire;;Søren Æbelø;12/04/2026 10:00;e",
    ]
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1252"))
    log, found = read_decisions(path, label=path.name)
    assert [(d.mailbox_id, d.decided_at) for d in log.decisions] == [
        ("0100233", "2026-12-04T10:15:00+01:00"),
        ("0100234", "2026-07-04T09:05:00+02:00"),
        ("0100235", "2026-12-04T00:00:00+01:00"),
    ]
    assert [(f.code, f.params["value"]) for f in found] == [
        ("DECISION_INVALID", "'31-02-2026 10:00'"),
        ("DECISION_INVALID", "'12/04/2026 10:00'"),
    ]


def test_a_date_not_read_names_the_danish_excel_form_it_would_take(tmp_path: Path) -> None:
    """A consultant's read (session 39): a decision dated the American way, ``12/4/2026``,
    was refused naming ISO 8601 alone, although the kit also reads the date as Danish Excel
    saves it; the consultant retyped every date in ISO. The message names both forms."""
    from ngdpkit.findings import danish_text

    path = tmp_path / "decisions-test.csv"
    _write(path, ["0100233;retire;;Anne;12/4/2026 10:15;"])
    _, found = read_decisions(path, label=path.name)
    (invalid,) = [f for f in found if f.code == "DECISION_INVALID"]
    assert "Danish Excel" in invalid.message and "04-12-2026 10:15" in invalid.message
    danish = danish_text(invalid.template, invalid.params)
    assert danish is not None and "dansk Excel" in danish and "04-12-2026 10:15" in danish


def test_nk_decide_refusing_a_mailbox_the_export_lacks_says_what_to_do(
    sample_copy: Path,
) -> None:
    """A consultant's read: "postkassen 9999999 er ikke i eksporten" said what was wrong,
    not what to do. The refusal says to check the ID against the export and where the open
    mailboxes are listed, in English and in Danish."""
    import ngdpkit as nk
    from ngdpkit.errors import InputError

    step = nk.start_step(
        "02_contact_points", settings=str(sample_copy / "migration.toml"), environment="test"
    )
    with pytest.raises(InputError) as caught:
        nk.decide(step, "9999999", "retire", by="Anne")
    english, danish = str(caught.value), caught.value.text("da")
    assert english.startswith("mailbox 9999999 is not in the export: check the ID against")
    assert "nk.show_unmapped" in english
    assert danish.startswith("postkassen 9999999 er ikke i eksporten: tjek ID'et mod eksportens")
    assert "nk.show_unmapped viser de postkasser, der stadig mangler" in danish
    assert not (sample_copy / "decisions-test.csv").exists()


def test_nk_decide_refusing_a_subject_the_export_lacks_names_the_subject(
    sample_copy: Path,
) -> None:
    """A consultant's read: nk.decide(step, "0100233:99", …) said "postkassen 0100233:99 er
    ikke i eksporten: tjek ID'et mod eksportens kolonne med postkasse-ID", and 0100233 was
    there: its subject 99 was not. The refusal names the subject as the thing to check."""
    import ngdpkit as nk
    from ngdpkit.errors import InputError

    step = nk.start_step(
        "02_contact_points", settings=str(sample_copy / "migration.toml"), environment="test"
    )
    with pytest.raises(InputError) as caught:
        nk.decide(step, "0100233:99", "retire", by="Anne")
    english, danish = str(caught.value), caught.value.text("da")
    assert english.startswith(
        "mailbox 0100233 with subject 99 is not in the export, but the postkasse is:"
    )
    assert "Subject ID column" in english and "Mailbox ID column" not in english
    assert danish.startswith(
        "postkassen 0100233 med emne 99 er ikke i eksporten, men postkassen er: tjek emnet"
    )
    assert not (sample_copy / "decisions-test.csv").exists()
