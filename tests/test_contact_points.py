from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.inputs.contact_points import canonical_guid, parse_bool, read_contact_points
from tests.conftest import write_xlsx

SYS = "5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40"
G1 = "7f9c69da-044c-5324-b789-212f3097dbac"
G2 = "472c59fd-ecb8-568f-8006-b8d846f1ce68"
HEAD = [
    "Kontaktpunkt ID",
    "Navn",
    "Borgere",
    "Virksomheder",
    "Myndigheder",
    "Skjult",
    "Synlig",
    "Aktiv",
    "Modtagersystem",
    "Postkasse IDs",
]


def codes(cps) -> list[tuple[str, str]]:
    return [(f.code, f.severity) for f in cps.findings]


def test_guid_forms() -> None:
    assert canonical_guid("{7F9C69DA-044C-5324-B789-212F3097DBAC}") == G1
    assert canonical_guid("7f9c69da044c5324b789212f3097dbac") is None
    assert parse_bool("X") is True and parse_bool("nej") is False and parse_bool("") is None


def test_sheet_rules(tmp_path: Path) -> None:
    rows = [
        HEAD,
        [G1.upper(), "Borgerservice", "ja", "", "", "", "", "", SYS, "100, 200;300:2 400"],
        ["{" + G2 + "}", "Intet mål", "nej", "nej", "nej", "ja", "ja", "ja", SYS, ""],
        ["not-a-guid", "Bad", "ja", "", "", "", "", "", "", ""],
        [G1, "Dublet", "ja", "", "", "", "", "", SYS, ""],
    ]
    cps = read_contact_points(
        write_xlsx(tmp_path / "cp.xlsx", rows), label="cp.xlsx", system_id=SYS
    )
    assert [p.id for p in cps.points] == [G1, G2, G1]
    assert cps.points[0].translations == ((100, None), (200, None), (300, 2), (400, None))
    assert cps.points[0].targets == ("CITIZEN",) and cps.points[0].visible and cps.points[0].active
    found = codes(cps)
    assert ("CONTACT_POINT_GUID_INVALID", "error") in found
    assert ("CONTACT_POINT_NO_TARGET", "error") in found
    assert ("CONTACT_POINT_VISIBILITY_CONFLICT", "error") in found
    assert ("CONTACT_POINT_DUPLICATE", "error") in found
    guid_invalid = next(f for f in cps.findings if f.code == "CONTACT_POINT_GUID_INVALID")
    assert guid_invalid.location == "Sheet1!4" and "not-a-guid" in guid_invalid.message


def test_all_hidden_and_none_for_system(tmp_path: Path) -> None:
    other = "9e7d6c5b-4a3f-4b2e-8d1c-0f9e8d7c6b51"
    rows = [HEAD, [G1, "A", "ja", "", "", "ja", "", "", other, ""]]
    cps = read_contact_points(
        write_xlsx(tmp_path / "cp.xlsx", rows), label="cp.xlsx", system_id=SYS
    )
    assert ("CONTACT_POINTS_ALL_HIDDEN", "error") in codes(cps)
    assert ("CONTACT_POINT_NONE_FOR_SYSTEM", "error") in codes(cps)


def test_a_contact_point_without_a_name_is_a_warning(tmp_path: Path) -> None:
    """A blank (or only blank) name shows blank on every page, and compare, which matches
    test and production contact points by name, cannot pair it: one warning per contact
    point, at its row, naming its ID. A named contact point gets none."""
    g3 = "0b7e2f4a-9c1d-4e8b-a3f5-6d2c8e1b4a70"
    rows = [
        HEAD,
        [G1, "Borgerservice", "ja", "", "", "", "", "", SYS, ""],
        [G2, "", "ja", "", "", "", "", "", SYS, ""],
        [g3, "   ", "ja", "", "", "", "", "", SYS, ""],
    ]
    cps = read_contact_points(
        write_xlsx(tmp_path / "cp.xlsx", rows), label="cp.xlsx", system_id=SYS
    )
    blank = [f for f in cps.findings if f.code == "CONTACT_POINT_NAME_BLANK"]
    assert [(f.severity, f.location, f.params["id"]) for f in blank] == [
        ("warning", "Sheet1!3", G2),
        ("warning", "Sheet1!4", g3),
    ]
    assert blank[0].source == "cp.xlsx" and G2 in blank[0].message
    assert blank[0].text("da").startswith(f"Kontaktpunktet {G2} har intet navn")

    # The NgDP API's JSON list: a missing name is as blank as an empty one.
    path = tmp_path / "cp.json"
    path.write_text(
        json.dumps(
            [{"id": G1, "name": "A", "targets": ["CITIZEN"]}, {"id": G2, "targets": ["CITIZEN"]}]
        ),
        encoding="utf-8",
    )
    cps = read_contact_points(path, label="cp.json", system_id=SYS)
    assert [(f.code, f.location) for f in cps.findings] == [("CONTACT_POINT_NAME_BLANK", "[1]")]


def test_api_json(tmp_path: Path) -> None:
    data = [
        {
            "id": G1,
            "name": "A",
            "targets": ["CITIZEN", "COMPANY"],
            "visible": True,
            "active": True,
            "systemId": SYS,
            "translations": [{"postkasseId": 123456, "postkasseEmneId": 2}, {"postkasseId": 7}],
        },
        {"id": G2, "name": "B", "targets": [], "visible": False, "active": False, "systemId": SYS},
    ]
    path = tmp_path / "cp.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    cps = read_contact_points(path, label="cp.json", system_id=SYS)
    assert cps.points[0].translations == ((123456, 2), (7, None))
    assert cps.points[1].active is False
    assert ("CONTACT_POINT_NO_TARGET", "error") in codes(cps)


def test_json_not_a_list(tmp_path: Path) -> None:
    from ngdpkit.errors import InputError

    path = tmp_path / "cp.json"
    path.write_text('{"oops": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="list of contact points"):
        read_contact_points(path, label="cp.json", system_id=SYS)


def test_json_names_keep_no_control_character(tmp_path: Path) -> None:
    """An attacker's pass: a JSON contact point's name went out as it came, ESC, BEL and NUL
    into mailbox-mapping.csv (a terminal that shows it obeys them) and the signed pages; a
    workbook cell loses them. A JSON name and system ID are cleaned the same way."""
    data = [
        {
            "id": G1,
            "name": "\x1b]8;;http://evil.test\x07Borger\x1b[31mservice\x00\x0b",
            "targets": ["CITIZEN"],
            "systemId": "\x1b[2Jnot a guid",
        }
    ]
    path = tmp_path / "cp.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    (point,) = read_contact_points(path, label="cp.json", system_id=SYS).points
    assert point.name == "Borgerservice"
    assert point.system_id == "not a guid"


def test_a_contact_point_name_mixing_scripts_is_named(tmp_path: Path) -> None:
    """An attacker's pass: "Borgerservicе" with a Cyrillic "е" reads as "Borgerservice" and is
    another contact point, which a portal administrator or a consultant choosing in the editor
    takes for the real one. Named as a warning; a whole word in one script (a Ukrainian
    name) and Danish letters are not."""
    from ngdpkit.inputs.contact_points import ContactPoint, check_contact_points

    guid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    points = [
        ContactPoint(guid, "Borgerservic\u0435", ("CITIZEN",), location="Ark!2"),
        ContactPoint(guid.replace("0f", "1f"), "Київ og Ærø", ("CITIZEN",), location="Ark!3"),
    ]
    (mixed,) = [
        f
        for f in check_contact_points(points, label="kp.xlsx", system_id=None)
        if f.code == "NAME_MIXED_SCRIPTS"
    ]
    assert mixed.severity == "warning" and mixed.location == "Ark!2"
    assert mixed.message.startswith(
        "Contact point 'Borgerservicе' (0f8fad5b-d9cb-469f-a165-70867728950e) mixes letters of "
        "several scripts (Cyrillic, Latin) in one word"
    )


def test_postkasse_ids_marked_as_text_are_their_digits(tmp_path: Path) -> None:
    """A data specialist's pass: translations pasted with Excel's text markers ("'0100233",
    a CSV's ="0100240") were each CONTACT_POINT_VALUE_INVALID, and their mailboxes unmapped,
    where the export's IDs so marked are read as their digits. Anything else stays a
    finding naming it."""
    rows = [HEAD, [G1, "Borgerservice", "ja", "", "", "", "", "", SYS, "'0100233 '0100272:2"]]
    cps = read_contact_points(
        write_xlsx(tmp_path / "cp.xlsx", rows), label="cp.xlsx", system_id=SYS
    )
    assert cps.points[0].translations == ((100233, None), (100272, 2))
    path = tmp_path / "cp.csv"
    path.write_bytes(
        (
            ";".join(HEAD) + f'\r\n{G1};Borgerservice;ja;;;;;;{SYS};="0100240" \'01x ="12"3\r\n'
        ).encode("cp1252")
    )
    cps = read_contact_points(path, label="cp.csv", system_id=SYS)
    assert cps.points[0].translations == ((100240, None),)
    bad = [f.message for f in cps.findings if f.code == "CONTACT_POINT_VALUE_INVALID"]
    assert bad == [
        'Postkasse translation "\'01x" is not a number or number:subject.',
        "Postkasse translation '=\"12\"3' is not a number or number:subject.",
    ]


def test_subjects_listed_after_one_postkasse_are_named_not_read_as_postkasser(
    tmp_path: Path,
) -> None:
    """A data specialist's pass: "0100233:2,3" (subjects 2 and 3 of postkasse 0100233, as a
    consultant wrote it) read the 3 as postkasse 3, without a word: a translation of a
    postkasse that is none, and subject 3 left unmapped with no reason given. A number
    shorter than the postkasse ID right after a translation with a subject is not read (not
    guessed either way); a warning names the cell and the token and says how to write it.
    A whole postkasse ID after a subject ("300:2 400") is read as before."""
    rows = [
        HEAD,
        [G1, "Borgerservice", "ja", "", "", "", "", "", SYS, "0100233:2,3 0100240; 0100250:1, 4,5"],
        [G2, "Ydelser", "ja", "", "", "", "", "", SYS, "300:2 400, 500:1,'7"],
    ]
    cps = read_contact_points(
        write_xlsx(tmp_path / "cp.xlsx", rows), label="cp.xlsx", system_id=SYS
    )
    assert cps.points[0].translations == ((100233, 2), (100240, None), (100250, 1))
    assert cps.points[1].translations == ((300, 2), (400, None), (500, 1))
    # an ID the portal shows without its leading zeros, after a subject, is a postkasse
    zeros = [HEAD, [G1, "Borgerservice", "ja", "", "", "", "", "", SYS, "0100233:2, 100240"]]
    cps_zeros = read_contact_points(
        write_xlsx(tmp_path / "zeros.xlsx", zeros), label="zeros.xlsx", system_id=SYS
    )
    assert cps_zeros.points[0].translations == ((100233, 2), (100240, None))
    assert not [f for f in cps_zeros.findings if f.code == "CONTACT_POINT_VALUE_INVALID"]
    said = [f for f in cps.findings if f.code == "CONTACT_POINT_VALUE_INVALID"]
    assert [(f.severity, f.location, f.params["token"]) for f in said] == [
        ("warning", "Sheet1!2", "'3'"),
        ("warning", "Sheet1!2", "'4'"),
        ("warning", "Sheet1!2", "'5'"),
        ("warning", "Sheet1!3", '"\'7"'),
    ]
    assert said[0].message == (
        "Postkasse translation '3' follows '0100233:2' in the Postkasse IDs cell and is too "
        "short for a postkasse ID, so it is not read: write each subject with its postkasse "
        "(0100233:2 0100233:3), or the whole postkasse ID."
    )
    assert said[2].params["value2"] == "0100250:1 0100250:5"
    assert said[3].params["value2"] == "500:1 500:7"
    assert (
        said[0]
        .text("da")
        .startswith("Postkasse-oversættelsen '3' står efter '0100233:2' i cellen Postkasse IDs")
    )


def filtered_xlsx(path: Path, rows: list[list[Any]], hidden: list[int]) -> Path:
    """A workbook as Excel saves it with a filter left on: an AutoFilter over the table and
    the rows it keeps out of sight marked hidden."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    ws.auto_filter.ref = f"A1:J{len(rows)}"
    for number in hidden:
        ws.row_dimensions[number].hidden = True
    wb.save(path)
    return path


def test_contact_points_in_rows_a_filter_hides_are_named(tmp_path: Path) -> None:
    """A data specialist's pass: a filter left on in the contact-point file ("Gammel
    (slettes)" filtered away) gave no word, and the hidden contact point still received the
    mailboxes its translations name, where the export's hidden rows were MAILBOX_ROWS_HIDDEN.
    Each file says so once, with its rows, contact points and translations; a continuation
    row of the plan (more translations of the point above) counts for its point."""
    g3 = "0b7e2f4a-9c1d-4e8b-a3f5-6d2c8e1b4a70"
    rows = [
        HEAD,
        [G1, "Borgerservice", "ja", "", "", "", "", "", SYS, "0100233"],
        [G2, "Gammel (slettes)", "ja", "", "", "", "", "", SYS, "0100240 0100253"],
        [g3, "Ydelser", "ja", "", "", "", "", "", SYS, "0100260"],
        ["", "Ydelser", "", "", "", "", "", "", "", "0100261"],
    ]
    one = read_contact_points(
        filtered_xlsx(tmp_path / "one.xlsx", rows, [3]), label="one.xlsx", system_id=SYS
    )
    assert [p.name for p in one.points] == ["Borgerservice", "Gammel (slettes)", "Ydelser"]
    said = [f for f in one.findings if f.code == "CONTACT_POINT_ROWS_HIDDEN"]
    assert [(f.severity, f.location) for f in said] == [("warning", "Sheet1!3")]
    assert said[0].message == (
        "Row 3 is hidden in Excel and read like the others: contact point 'Gammel (slettes)' "
        "is used, and its 2 postkasse translations map mailboxes to it; show the row in "
        "Excel if it is meant to be used, or remove it from the file (and its translations "
        "from Administrativ Adgang) if not."
    )
    assert (
        said[0]
        .text("da")
        .startswith(
            "Række 3 er skjult i Excel og læses som de andre: kontaktpunktet 'Gammel (slettes)' "
            "bruges, og dets 2 oversættelser tilknytter postkasser til det"
        )
    )
    two = read_contact_points(
        filtered_xlsx(tmp_path / "two.xlsx", rows, [2, 5]), label="two.xlsx", system_id=SYS
    )
    said = [f for f in two.findings if f.code == "CONTACT_POINT_ROWS_HIDDEN"]
    assert [(f.location, f.params) for f in said] == [
        (
            "Sheet1!2",
            {"value": "2, 5", "name": "Borgerservice, Ydelser", "count": "3", "count2": "2"},
        )
    ]
    # a hidden contact point without translations (the mapping file or a decision sends
    # mailboxes to it) never reads "its 0 translations map mailboxes to it" (a signer's read)
    bare = [HEAD, rows[1], [G2, "Gammel (slettes)", "ja", "", "", "", "", "", SYS, ""]]
    none = read_contact_points(
        filtered_xlsx(tmp_path / "bare.xlsx", bare, [3]), label="bare.xlsx", system_id=SYS
    )
    (said,) = [f for f in none.findings if f.code == "CONTACT_POINT_ROWS_HIDDEN"]
    assert "0 postkasse" not in said.message and "used as any other" in said.message
    assert "bruges som alle andre" in said.text("da") and "0 oversættelse" not in said.text("da")
    # no filter, or one that hides nothing: no word
    shown = read_contact_points(
        filtered_xlsx(tmp_path / "shown.xlsx", rows, []), label="shown.xlsx", system_id=SYS
    )
    assert not [f for f in shown.findings if f.code == "CONTACT_POINT_ROWS_HIDDEN"]


def test_a_contact_point_formula_without_its_value_is_named_as_in_the_export(
    tmp_path: Path,
) -> None:
    """A data specialist's pass: a formula Excel never saved a value for in the contact-point
    file read as blank without a word: Postkasse IDs as no translations (its mailboxes
    unmapped), Aktiv as active, the name as none. Each is CELL_FORMULA_NO_VALUE (error), as
    in the export and the mapping file, naming the column."""
    rows = [
        HEAD,
        [G1, "Borgerservice", "ja", "", "", "", "", "", SYS, "=Oversigt!A2"],
        [G2, "=B2", "ja", "", "", "", "", '=IF(C3="ja";"ja";"nej")', SYS, "0100240"],
    ]
    cps = read_contact_points(
        write_xlsx(tmp_path / "cp.xlsx", rows), label="cp.xlsx", system_id=SYS
    )
    formulas = [f for f in cps.findings if f.code == "CELL_FORMULA_NO_VALUE"]
    assert [(f.severity, f.location, f.params["value"]) for f in formulas] == [
        ("error", "Sheet1!2", "postkasse IDs"),
        ("error", "Sheet1!3", "active flag"),
        ("error", "Sheet1!3", "contact point name"),
    ]
    assert formulas[1].text("da") == (
        "Cellen Aktiv indeholder en formel uden gemt værdi; åbn projektmappen i Excel, "
        "gem den, og kør igen."
    )


def test_subjects_written_with_another_separator_are_named_with_how_to_write_them(
    tmp_path: Path,
) -> None:
    """A data specialist's pass: "0100233:2/3" and "0100233:2-4" (several subjects of one
    postkasse, a list and a range) were only "not a number or number:subject". Still not
    read, but the warning writes them out: each subject with its postkasse, a hyphen as a
    range."""
    rows = [
        HEAD,
        [G1, "Borgerservice", "ja", "", "", "", "", "", SYS, "0100233:2/3 0100240:2-4 0100250"],
        [G2, "Ydelser", "ja", "", "", "", "", "", SYS, "0100260:1+5 0100270:1-30 0100280:x"],
    ]
    cps = read_contact_points(
        write_xlsx(tmp_path / "cp.xlsx", rows), label="cp.xlsx", system_id=SYS
    )
    assert cps.points[0].translations == ((100250, None),) and cps.points[1].translations == ()
    said = [f for f in cps.findings if f.code == "CONTACT_POINT_VALUE_INVALID"]
    assert [(f.severity, f.location, f.params.get("value2")) for f in said] == [
        ("warning", "Sheet1!2", "0100233:2 0100233:3"),
        ("warning", "Sheet1!2", "0100240:2 0100240:3 0100240:4"),
        ("warning", "Sheet1!3", "0100260:1 0100260:5"),
        ("warning", "Sheet1!3", "0100270:1 0100270:2 … 0100270:30"),
        ("warning", "Sheet1!3", None),  # 0100280:x: the general word
    ]
    assert said[0].message == (
        "Postkasse translation '0100233:2/3' writes several subjects in one, which is not "
        "read: write each subject with its postkasse, separated by spaces "
        "(0100233:2 0100233:3)."
    )
    assert said[0].text("da").startswith("Postkasse-oversættelsen '0100233:2/3' samler flere")


def test_a_cpr_number_in_a_contact_point_name_is_named_by_place_not_repeated(
    tmp_path: Path,
) -> None:
    """A DPO's pass: a contact point named "Sagsbehandler Karen Nielsen 010190 1234" in the
    contact points file went into portal-registration.json, portal-todo.xlsx and every page
    without a word, and its name is what NgDP shows a citizen as a letter's sender. One
    CPR_IN_TEXT (warning) for the file, naming the places and the count, in either
    language, never the number; the sheet and the NgDP API's JSON alike."""
    g3 = "0b7e2f4a-9c1d-4e8b-a3f5-6d2c8e1b4a70"
    rows = [
        HEAD,
        [G1, "Borgerservice (CVR 98765433)", "ja", "", "", "", "", "", SYS, ""],
        [G2, "Sagsbehandler Karen Nielsen 010190 1234", "ja", "", "", "", "", "", SYS, ""],
        [g3, "Værgemål 0101901234", "ja", "", "", "", "", "", SYS, ""],
    ]
    cps = read_contact_points(
        write_xlsx(tmp_path / "cp.xlsx", rows), label="cp.xlsx", system_id=SYS
    )
    (found,) = [f for f in cps.findings if f.code == "CPR_IN_TEXT"]
    assert (found.severity, found.source, found.location) == ("warning", "cp.xlsx", "Sheet1!3")
    assert found.params["count"] == "2" and found.params["value"] == "Sheet1!3, Sheet1!4"
    assert "portal-registration.json" in found.message and "sender" in found.message
    assert found.text("da").startswith("Navnene på 2 kontaktpunkter (i Sheet1!3, Sheet1!4)")
    said = found.text("en") + found.text("da") + str(found.params)
    assert "1234" not in said and "Karen" not in said

    path = tmp_path / "cp.json"
    path.write_text(
        json.dumps([{"id": G1, "name": "Tina 010190-1234", "targets": ["CITIZEN"]}]),
        encoding="utf-8",
    )
    cps = read_contact_points(path, label="cp.json", system_id=SYS)
    (found,) = [f for f in cps.findings if f.code == "CPR_IN_TEXT"]
    assert found.location == "[0]" and "contact point at [0]" in found.message
    assert found.text("da").startswith("Navnet på kontaktpunktet i [0] indeholder")
