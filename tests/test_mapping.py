from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ngdpkit.inputs.contact_points import ContactPoint
from ngdpkit.inputs.mailboxes import COLUMNS
from ngdpkit.inputs.mapping import contact_point_plan, map_mailboxes, read_mapping_file, suggest
from tests.conftest import edit_settings, write_xlsx

SYS = "5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40"
A = "7f9c69da-044c-5324-b789-212f3097dbac"
B = "472c59fd-ecb8-568f-8006-b8d846f1ce68"
C = "0ecb8511-d743-547f-9b6e-4454c7a6b014"


def frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(mailbox_id, subject_id, name, unit)"""
    recs = [
        {
            "row": i + 2,
            "mailbox_id": m,
            "mailbox_name": n,
            "responsible_unit": u,
            "case": "",
            "subject_id": s,
            "ngdp_guid": "",
        }
        for i, (m, s, n, u) in enumerate(rows)
    ]
    return pd.DataFrame(recs, columns=list(COLUMNS))


def cps(*points: ContactPoint) -> list[ContactPoint]:
    return list(points)


def cp(guid: str, name: str, translations=(), **kw) -> ContactPoint:
    return ContactPoint(
        id=guid,
        name=name,
        targets=("CITIZEN",),
        system_id=SYS,
        translations=tuple(translations),
        **kw,
    )


def mapped(f: pd.DataFrame, mf: Any, points: list[ContactPoint], default: str = A) -> Any:
    """The mapping of ``f`` with the mapping file ``mf`` and ``points`` (export "e")."""
    return map_mailboxes(
        f,
        mapping=mf,
        contact_points=points,
        system_id=SYS,
        default_contact_point=default,
        export_label="e",
    )


def by(mapping, mid: str, sid: str = "") -> dict:
    f = mapping.frame
    return f[(f["mailbox_id"] == mid) & (f["subject_id"] == sid)].iloc[0].to_dict()


def test_precedence_translation_subjects_and_conflict(tmp_path: Path) -> None:
    mf = read_mapping_file(
        write_xlsx(
            tmp_path / "m.xlsx",
            [
                ["Mailbox ID", "NgDP Guid", "Begrundelse"],
                ["100", A, "fil"],
                ["300", "udgår", "nedlægges"],
            ],
        ),
        label="m.xlsx",
    )
    points = cps(
        cp(A, "Borgerservice"),
        cp(B, "Børn og Unge", [(100, None), (200, 2), (400, None), (500, 2)]),
        cp(C, "Skole", [(500, 1)]),
    )
    f = frame(
        [
            ("100", "", "x", "U"),
            ("200", "2", "y", "U"),
            ("200", "3", "z", "U"),
            ("300", "", "r", "U"),
            ("0400", "7", "w", "U"),
            ("500", "", "amb", "U"),
        ]
    )
    m = map_mailboxes(
        f,
        mapping=mf,
        contact_points=points,
        system_id=SYS,
        default_contact_point=A,
        export_label="e.xlsx",
        export_sheet="Ark",
    )
    assert by(m, "100")["ngdp_guid"] == A and by(m, "100")["source"] == "mapping file"
    assert by(m, "200", "2")["ngdp_guid"] == B and by(m, "200", "2")["source"] == "translation"
    assert by(m, "200", "3")["status"] == "unmapped"
    assert by(m, "300")["status"] == "retired" and by(m, "300")["ngdp_guid"] == ""
    assert (
        by(m, "0400", "7")["ngdp_guid"] == B
    )  # IDs compare as integers; no subject = every subject
    assert by(m, "500")["status"] == "unmapped"
    codes = {(x.code, x.severity) for x in m.findings}
    assert ("MAPPING_CONFLICT", "warning") in codes  # 100: file says A, translation says B
    assert ("MAILBOX_RETIRED", "info") in codes
    assert ("MAILBOX_UNMAPPED", "error") in codes
    conflict = [x for x in m.findings if x.code == "MAPPING_CONFLICT"]
    assert any(A in x.message and B in x.message for x in conflict)
    assert any("500" in x.message and "mapping file" in x.message for x in conflict)
    assert all(x.location.startswith("Ark!") for x in m.findings if x.code == "MAILBOX_UNMAPPED")


def test_unknown_unused_inactive_wrong_system_default(tmp_path: Path) -> None:
    other = "9e7d6c5b-4a3f-4b2e-8d1c-0f9e8d7c6b51"
    test_guid = "11111111-2222-4333-8444-555555555555"
    mf = read_mapping_file(
        write_xlsx(
            tmp_path / "m.xlsx",
            [["Postkasse ID", "NgDP Guid"], ["1", test_guid], ["2", A], ["3", B]],
        ),
        label="m.xlsx",
    )
    points = cps(
        cp(A, "A", active=False),
        ContactPoint(id=B, name="B", targets=("CITIZEN",), system_id=other),
        cp(C, "C"),
    )
    f = frame([("1", "", "a", "U"), ("2", "", "b", "U"), ("3", "", "c", "U")])
    m = map_mailboxes(
        f,
        mapping=mf,
        contact_points=points,
        system_id=SYS,
        default_contact_point="99999999-2222-4333-8444-555555555555",
        export_label="e",
    )
    codes = [(x.code, x.severity) for x in m.findings]
    assert ("CONTACT_POINT_UNKNOWN", "error") in codes
    assert ("CONTACT_POINT_INACTIVE", "error") in codes
    assert ("CONTACT_POINT_WRONG_SYSTEM", "error") in codes
    assert ("CONTACT_POINT_UNUSED", "info") in codes
    assert ("DEFAULT_CONTACT_POINT_UNKNOWN", "error") in codes
    assert by(m, "1")["status"] == "unknown contact point"


def test_an_unknown_contact_point_is_named_where_it_is_mended(tmp_path: Path) -> None:
    """A support engineer's look: CONTACT_POINT_UNKNOWN named the export's row, which holds
    no GUID, when the mapping file gave it; the file's own sheet and row are named (a
    subject without its own row: the mailbox's row), the export's row only for its own."""
    test_guid = "11111111-2222-4333-8444-555555555555"
    mf = read_mapping_file(
        write_xlsx(
            tmp_path / "m.xlsx",
            [["Postkasse ID", "NgDP Guid"], ["2", A], ["1", test_guid]],
            title="Tilknytning",
        ),
        label="m.xlsx",
    )
    f = frame([("1", "7", "a", "U"), ("2", "", "b", "U"), ("3", "", "c", "U")])
    f.loc[2, "ngdp_guid"] = test_guid  # the export's own column gives mailbox 3 the GUID
    m = mapped(f, mf, cps(cp(A, "A")))
    unknown = {
        x.params["mid"]: (x.source, x.location)
        for x in m.findings
        if x.code == "CONTACT_POINT_UNKNOWN"
    }
    assert unknown == {"1": ("m.xlsx", "Tilknytning!3"), "3": ("e", "row 4")}, unknown


def test_two_units_swapped_in_the_mapping_file_are_named(tmp_path: Path) -> None:
    """A customer's cold read: two units' GUIDs swapped down a block of rows of the mapping
    file said nothing (each unit still landed on one contact point). Each unit landing on a
    contact point not named after it, while another is, is named once; a contact point
    carrying the unit's name with more after it counts as named after it, a unit no contact
    point is named after is not judged, and a decision says the mapping is right."""
    from ngdpkit.inputs.mapping import carries_name

    skole, kultur, hoved, okonomi = A, B, C, "4b3a2f1e-8d4a-4e7b-9c2f-1a6d3e8b7c41"
    borger = "5c4b3a2f-8d4a-4e7b-9c2f-1a6d3e8b7c42"
    rows = [["Postkasse ID", "NgDP Guid"]]
    rows += [[str(i), kultur] for i in (1, 2, 3)]  # Skole og Dagtilbud's, swapped
    rows += [[str(i), skole] for i in (4, 5)]  # Kultur og Fritid's, swapped
    rows += [["6", okonomi], ["7", hoved], ["8", hoved]]
    rows += [[str(i), borger] for i in (9, 10, 11)] + [["12", kultur]]  # one moved away
    mf = read_mapping_file(write_xlsx(tmp_path / "m.xlsx", rows), label="m.xlsx")
    f = frame(
        [(str(i), "", f"m{i}", "Skole og Dagtilbud") for i in (1, 2, 3)]
        + [(str(i), "", f"m{i}", "kultur og  fritid") for i in (4, 5)]
        + [("6", "", "m6", "Økonomi og Løn"), ("7", "", "m7", "Ældreplejen")]
        + [("8", "", "m8", "Ældreplejen")]
        + [(str(i), "", f"m{i}", "Borgerservice") for i in (9, 10, 11, 12)]
    )
    points = cps(
        cp(skole, "Skole og Dagtilbud - Eksempel Kommune"),
        cp(kultur, "Kultur og Fritid - Eksempel Kommune"),
        cp(hoved, "Eksempel Kommune - hovedpostkasse"),
        cp(okonomi, "Økonomi og Løn (borgerhenvendelser)"),
        cp("9e7d6c5b-4a3f-4b2e-8d1c-0f9e8d7c6b51", "Økonomi og Løn"),
        cp(borger, "Borgerservice - Eksempel Kommune"),
    )
    m = mapped(f, mf, points, hoved)
    named = [x for x in m.findings if x.code == "UNIT_NAMED_ELSEWHERE"]
    assert [(x.severity, x.params["unit"], x.params["count"]) for x in named] == [
        ("warning", "'Skole og Dagtilbud'", "3"),
        ("warning", "'kultur og  fritid'", "2"),
    ], named
    assert named[0].location == "row 2" and named[0].params["mid"] == "1"
    # mailbox 12, moved away from Borgerservice, is named once: by MAILBOX_LANDS_APART_FROM_UNIT
    apart = [x.params["mid"] for x in m.findings if x.code == "MAILBOX_LANDS_APART_FROM_UNIT"]
    assert apart == ["12"]
    assert (
        named[0]
        .text("da")
        .startswith(
            "Enheden 'Skole og Dagtilbud': 3 af enhedens 3 rækker (første: postkasse 1) "
            "lander på 'Kultur og Fritid - Eksempel Kommune'"
        )
    )
    assert "så ret deres GUID i tilknytningsfilen;" in named[0].text("da")
    assert carries_name("Borgerservice  -  Eksempel", "borgerservice")
    assert carries_name("Skole", "skole") and not carries_name("Skoleindskrivning", "Skole")
    # the rows both findings name are marked in their units' tables, and only they
    from ngdpkit.documents.display import flagged_rows
    from ngdpkit.steps.n02_contact_points import show_mapping_by_unit

    flags = flagged_rows(m.frame, m.findings)
    marked = {str(m.frame.at[i, "mailbox_id"]): codes for i, (_, codes) in flags.items()}
    assert marked == {
        **{str(i): "UNIT_NAMED_ELSEWHERE" for i in (1, 2, 3, 4, 5)},
        "12": "MAILBOX_LANDS_APART_FROM_UNIT",
    }, marked
    page = str(show_mapping_by_unit(m))
    assert page.count("tilknyttet, se fund: UNIT_NAMED_ELSEWHERE") == 5


def test_a_mailbox_apart_by_the_mapping_file_is_told_to_correct_the_file(
    tmp_path: Path,
) -> None:
    """A customer's cold read: a mailbox the mapping file sent away from its unit was told
    to move a translation in Administrativ Adgang it never had; it is told to correct the
    mapping file."""
    rows = [["Postkasse ID", "NgDP Guid"], ["1", A], ["2", A], ["3", A], ["4", B]]
    mf = read_mapping_file(write_xlsx(tmp_path / "m.xlsx", rows), label="m.xlsx")
    f = frame([(str(i), "", f"m{i}", "U") for i in (1, 2, 3, 4)])
    m = mapped(f, mf, cps(cp(A, "A"), cp(B, "B")))
    (apart,) = [x for x in m.findings if x.code == "MAILBOX_LANDS_APART_FROM_UNIT"]
    assert "correct its GUID in the mapping file" in apart.message
    assert "ret dens GUID i tilknytningsfilen" in apart.text("da")


def test_mapping_file_accept_column_and_bad_guid(tmp_path: Path) -> None:
    rows = [
        ["Mailbox ID", "NgDP Guid", "Accept"],
        ["1", A, ""],
        ["1", B, "x"],
        ["2", "nonsense", "x"],
    ]
    mf = read_mapping_file(write_xlsx(tmp_path / "s.xlsx", rows), label="s.xlsx")
    assert mf.rows[["mailbox_id", "guid"]].values.tolist() == [["1", B]]
    assert [x.code for x in mf.findings] == ["CONTACT_POINT_GUID_INVALID"]


def test_suggestions_and_plan() -> None:
    points = cps(
        cp(A, "Borgerservice - Eksempel Kommune"),
        cp(B, "Børn og Unge - Eksempel Kommune"),
        cp(C, "Teknik og Miljø"),
    )
    f = frame(
        [
            ("1", "", "Pas og kørekort", "Borgerservice"),
            ("2", "", "Familierådgivning", "Børn og Unge"),
        ]
    )
    m = map_mailboxes(
        f,
        mapping=None,
        contact_points=points,
        system_id=SYS,
        default_contact_point=A,
        export_label="e",
    )
    s = suggest(m, points)
    assert list(s.columns[:5]) == [
        "Mailbox ID",
        "Subject ID",
        "Mailbox name",
        "Responsible unit",
        "NgDP Guid",
    ]
    assert "Accept" in s.columns
    best = s.groupby("Mailbox ID").first()
    assert best.loc["1", "NgDP Guid"] == A and best.loc["2", "NgDP Guid"] == B
    assert (s.groupby("Mailbox ID").size() <= 3).all()
    plan = contact_point_plan(f)
    assert [p.name for p in plan] == ["Borgerservice", "Børn og Unge"] and plan[0].translations == (
        "1",
    )


def test_a_mapping_row_for_no_exported_mailbox_is_named_and_leading_zeros_still_match(
    tmp_path: Path,
) -> None:
    """The consultant's second cold run: a mapping row for a mailbox not in the export (a
    typo) was dropped without a word. And a row whose leading zeros Excel dropped
    (``100233`` for ``0100233``) maps the mailbox, as IDs compare as integers (contract §4)."""
    mf = read_mapping_file(
        write_xlsx(
            tmp_path / "m.xlsx",
            [["Mailbox ID", "NgDP Guid"], ["100233", A], ["9999999", B], ["0100300", B]],
        ),
        label="m.xlsx",
    )
    f = frame([("0100233", "", "x", "U"), ("0100300", "", "y", "U")])
    m = map_mailboxes(
        f,
        mapping=mf,
        contact_points=cps(cp(A, "Borgerservice"), cp(B, "Ydelser")),
        system_id=SYS,
        default_contact_point=A,
        export_label="e.xlsx",
    )
    assert by(m, "0100233")["ngdp_guid"] == A and by(m, "0100300")["ngdp_guid"] == B
    unused = [x for x in m.findings if x.code == "MAPPING_ROW_UNUSED"]
    assert [(x.location, x.params["mailbox_id"]) for x in unused] == [("row 3", "9999999")]
    assert unused[0].text("da").startswith("Tilknytningsfilens række 3: postkassen 9999999")


def test_an_unmapped_mailbox_without_a_name_has_no_empty_brackets() -> None:
    """A consultant's cold run: a name cell holding a formula (no value) gave "Postkassen
    0109994 () har ingen kontaktpunkt-GUID."; without a name the sentence names the ID."""
    m = map_mailboxes(
        frame([("0109994", "", "", "U"), ("0109995", "", "Pas", "U")]),
        mapping=None,
        contact_points=cps(cp(A, "Borgerservice")),
        system_id=SYS,
        default_contact_point=A,
        export_label="e.xlsx",
        export_sheet="Ark",
    )
    said = sorted(x.text("da") for x in m.findings if x.code == "MAILBOX_UNMAPPED")
    assert said == [
        "Postkassen 0109994 har ingen kontaktpunkt-GUID.",
        "Postkassen 0109995 (Pas) har ingen kontaktpunkt-GUID.",
    ]


def test_the_plan_proposes_only_ids_that_can_be_translations() -> None:
    """An attacker's pass: a mailbox ID in full-width or Arabic-Indic digits, or with a
    letter, was MAILBOX_ID_INVALID and still went into the plan's "Postkasse IDs" for the
    portal administrator to type as a translation. NgDP's postkasse and emne IDs are numbers:
    only those are proposed, and a unit left with none is not proposed at all."""
    import pandas as pd

    from ngdpkit.inputs.mapping import contact_point_plan

    frame = pd.DataFrame(
        {
            "mailbox_id": ["0100233", "\uff10\uff11", "\u0660\u0661", "0100235", "0100236", "x1"],
            "subject_id": ["", "", "", "x", "2", ""],
            "responsible_unit": ["A", "A", "A", "B", "B", "C"],
        }
    )
    plan = {p.name: (p.translations, p.mailboxes) for p in contact_point_plan(frame)}
    assert plan == {"A": (("0100233",), 1), "B": (("0100236:2",), 1)}


def test_the_plan_leaves_out_what_is_retired_and_names_a_unit_as_its_warning_does() -> None:
    """A consultant's second look at day one: mailboxes marked udgår (as the hidden-row
    warning advised) stayed in the plan's translations and on the portal page; and the plan
    named a unit as its own rows spelt it most ("Børn og unge") while UNIT_NAME_VARIANTS,
    counting every row, said "Børn og Unge". Retired mailboxes are no translations, and the
    plan's name is counted over every row of the export."""
    import pandas as pd

    from ngdpkit.inputs.mapping import contact_point_plan

    frame = pd.DataFrame(
        {
            "mailbox_id": ["1", "3", "4", "x5", "x6", "7", "8"],
            "subject_id": ["", "", "1", "", "", "", ""],
            "responsible_unit": ["Børn og unge"] * 2 + ["Børn og Unge"] * 3 + ["Kultur"] * 2,
        }
    )
    plan = {p.name: p.translations for p in contact_point_plan(frame, frozenset({("8", "")}))}
    assert plan == {"Børn og Unge": ("1", "3", "4:1"), "Kultur": ("7",)}


def test_the_plan_counts_mailboxes_not_rows() -> None:
    """The plan's "Antal postkasser" counted the export's rows: a mailbox with three
    subjects was three mailboxes beside one postkasse ID. It counts distinct mailboxes; the
    translations stay one per (mailbox, subject)."""
    import pandas as pd

    from ngdpkit.inputs.mapping import contact_point_plan

    frame = pd.DataFrame(
        {
            "mailbox_id": ["0100233", "0100233", "0100233", "0100240"],
            "subject_id": ["1", "2", "3", ""],
            "responsible_unit": ["A"] * 4,
        }
    )
    (entry,) = contact_point_plan(frame)
    assert entry.mailboxes == 2
    assert entry.translations == ("0100233:1", "0100233:2", "0100233:3", "0100240")


def test_a_unit_none_of_whose_mailboxes_is_mapped_is_named_once() -> None:
    """A week-two consultant: a unit new in the export ("Klima og Bæredygtighed") gave only
    MAILBOX_UNMAPPED for its mailbox, and the suggestions proposed other units' contact
    points. With contact points known and something mapped, each unit none of whose
    mailboxes is mapped (or retired) is one UNIT_NO_CONTACT_POINT (info) at its first row;
    a unit partly mapped, or a run where nothing is mapped yet, gives none."""
    export = frame(
        [
            ("0100233", "", "Pas", "Borgerservice"),
            ("0100253", "", "Kørekort", "Borgerservice"),
            ("0103801", "", "Klimaplan", "Klima og Bæredygtighed"),
            ("0103802", "", "Klimatilpasning", "Klima og Bæredygtighed"),
            ("0103803", "", "Vej", "Teknik og Miljø"),
            ("0103804", "", "Park", "Teknik og Miljø"),
        ]
    )
    points = cps(cp(A, "Borgerservice", [(100233, None), (100253, None), (103804, None)]))

    def run(points: list[ContactPoint]) -> Any:
        return map_mailboxes(
            export,
            mapping=None,
            contact_points=points,
            system_id=SYS,
            default_contact_point=A,
            export_label="e.xlsx",
            export_sheet="Ark",
        )

    found = [f for f in run(points).findings if f.code == "UNIT_NO_CONTACT_POINT"]
    assert [(f.severity, f.location, f.params["unit"], f.params["count"]) for f in found] == [
        ("info", "Ark!4", "'Klima og Bæredygtighed'", "2")
    ]
    assert (
        found[0]
        .text("da")
        .startswith(
            "Ingen postkasse i enheden 'Klima og Bæredygtighed' er tilknyttet (2 postkasser): "
            "intet kontaktpunkt i dette miljø oversætter dem"
        )
    )
    assert "Administrativ Adgang" in found[0].message
    nothing = run(cps(cp(A, "Borgerservice")))  # nothing mapped yet: no unit is new
    assert not [f for f in nothing.findings if f.code == "UNIT_NO_CONTACT_POINT"]


def test_a_mapping_file_subject_compares_as_a_number(tmp_path: Path) -> None:
    """A consultant's retest: a mapping file writing subject "01" where the export writes
    "1" (or the other way round) left the mailbox unmapped, "har ingen kontaktpunkt-GUID",
    with no hint. Subjects compare as numbers, as IDs and the translations' subjects do."""
    rows = [["Mailbox ID", "Subject ID", "NgDP Guid"], ["0100272", "01", A], ["0100273", "2", B]]
    mf = read_mapping_file(write_xlsx(tmp_path / "m.xlsx", rows), label="m.xlsx")
    m = map_mailboxes(
        frame([("0100272", "1", "Pas", "U"), ("0100273", "02", "Kort", "U")]),
        mapping=mf,
        contact_points=cps(cp(A, "Borgerservice"), cp(B, "Børn og Unge")),
        system_id=SYS,
        default_contact_point=A,
        export_label="e.xlsx",
        export_sheet="Ark",
    )
    assert by(m, "0100272", "1")["ngdp_guid"] == A
    assert by(m, "0100273", "02")["ngdp_guid"] == B
    assert not [f for f in m.findings if f.code == "MAILBOX_UNMAPPED"]


def test_an_export_whose_ids_lost_their_zeros_beside_the_mapping_file_is_named(
    tmp_path: Path,
) -> None:
    """A consultant's retest: a whole ID column saved as numbers in Excel (0100233 became
    100233) gave no finding (MAILBOX_ID_ZERO_LOST compares an ID with the export's usual
    length, which every ID lost), and the outputs wrote the shorter IDs beside a mapping
    file holding the longer. Rows still map (IDs compare as numbers); one warning names the
    spellings; a mapping file written as the export is says nothing."""
    rows = [["Mailbox ID", "NgDP Guid"], ["0100233", A], ["0100300", B]]
    mf = read_mapping_file(write_xlsx(tmp_path / "m.xlsx", rows), label="m.xlsx")
    cpts = cps(cp(A, "Borgerservice"), cp(B, "Ydelser"))

    def run(ids: tuple[str, str]) -> Any:
        return map_mailboxes(
            frame([(ids[0], "", "x", "U"), (ids[1], "", "y", "U")]),
            mapping=mf,
            contact_points=cpts,
            system_id=SYS,
            default_contact_point=A,
            export_label="e.xlsx",
            export_sheet="Ark",
        )

    m = run(("100233", "100300"))
    assert by(m, "100233")["ngdp_guid"] == A and by(m, "100300")["ngdp_guid"] == B
    (dropped,) = [f for f in m.findings if f.code == "MAPPING_ZEROS_DROPPED"]
    assert (dropped.severity, dropped.source, dropped.params["count"]) == ("warning", "e.xlsx", "2")
    assert dropped.params["value"] == "100233 / 0100233, 100300 / 0100300"
    assert dropped.text("da").startswith("For 2 postkasser skriver eksporten ID'et uden det")
    same = run(("0100233", "0100300"))
    assert not [f for f in same.findings if f.code == "MAPPING_ZEROS_DROPPED"]


def test_a_mailbox_landing_apart_from_the_rest_of_its_unit_is_a_warning() -> None:
    """A customer's week two: three mailboxes moved to other units in the export kept their
    old unit's contact point (its postkasse translation still listed them); the next run
    showed the move once as a change and then said nothing. A mailbox mapped by a translation
    (or the mapping file, or the export's GUID column) that lands on another contact point
    than most of its unit's mapped mailboxes (at least 2 on one) is a warning at its
    row, on every run, naming both contact points; a decision clears it, and a unit spread
    over contact points, retired and unmapped rows and blank units give none."""
    export = frame(
        [
            ("0100233", "", "Pas", "Borgerservice"),
            ("0100253", "", "Kørekort", "Borgerservice"),
            ("0100730", "", "Ledighed", "Beskæftigelse"),
            ("0100737", "", "Sygedagpenge", "Beskæftigelse"),
            ("0100754", "", "Fleksjob", "Beskæftigelse"),
            ("0100272", "2", "Boligstøtte", "Beskæftigelse"),  # moved from Borgerservice
            ("0100760", "", "Udgået", "Beskæftigelse"),  # retired: neither judged nor counted
            ("0100761", "", "Ny", "Beskæftigelse"),  # unmapped: neither judged nor counted
            ("0103801", "", "Vej", "Teknik og Miljø"),  # a unit on two contact points
            ("0103802", "", "Park", "Teknik og Miljø"),
            ("0103803", "", "Byggesag", "Teknik og Miljø"),
            ("0103804", "", "Miljø", "Teknik og Miljø"),
            ("0103901", "", "Kultur", ""),  # blank units are no unit
            ("0103902", "", "Fritid", ""),
            ("0103903", "", "Idræt", ""),
            ("0104001", "", "Tandpleje", "Sundhed"),  # one other mailbox is not enough
            ("0104002", "", "Hjemmepleje", "Sundhed"),
        ]
    )
    a = [100233, 100253, 103803, 103804, 103902, 103903]
    b = [100730, 100737, 100754, 100760, 104002]
    c = [103801, 103802, 103901, 104001]
    points = cps(
        cp(A, "Borgerservice", [*((i, None) for i in a), (100272, 2)]),
        cp(B, "Beskæftigelse", [(i, None) for i in b]),
        cp(C, "Teknik", [(i, None) for i in c]),
    )
    retired = pd.DataFrame(
        {"row": [2], "mailbox_id": ["0100760"], "subject_id": [""], "guid": [""], "retired": [True]}
    )

    def run(decisions=()) -> Any:
        from ngdpkit.inputs.mapping import MappingFile

        return map_mailboxes(
            export,
            mapping=MappingFile(rows=retired, source="m.xlsx"),
            contact_points=points,
            system_id=SYS,
            default_contact_point=A,
            export_label="e.xlsx",
            export_sheet="Ark",
            decisions=decisions,
        )

    m = run()
    assert by(m, "0100760")["status"] == "retired" and by(m, "0100761")["status"] == "unmapped"
    apart = [f for f in m.findings if f.code == "MAILBOX_LANDS_APART_FROM_UNIT"]
    assert [(f.severity, f.location) for f in apart] == [("warning", "Ark!7")]
    (f,) = apart
    assert f.source == "e.xlsx"
    assert {k: f.params[k] for k in ("mid", "value", "name", "unit", "count")} == {
        "mid": "0100272",
        "value": ":2",
        "name": "Boligstøtte",
        "unit": "'Beskæftigelse'",
        "count": "3",
    }
    assert f.params["cp"] == f"'Borgerservice' ({A})"
    assert f.params["cp2"] == f"'Beskæftigelse' ({B})"
    assert f.text("da") == (
        "Postkassen 0100272:2 (Boligstøtte) i enheden 'Beskæftigelse' lander på "
        f"'Borgerservice' ({A}), mens 3 af enhedens 4 postkasser lander på "
        f"'Beskæftigelse' ({B}): er postkassen flyttet til denne enhed, så flyt dens "
        "oversættelse til enhedens kontaktpunkt i Administrativ Adgang og i kontaktpunktsfilen; "
        "er tilknytningen rigtig, så tilføj en beslutning for postkassen med GUID'en for "
        f"'Borgerservice' ({A}) (i editoren eller i beslutningsfilen)."
    )

    # the consultant decides that it is right: the decision maps it, and nothing is said
    from ngdpkit.inputs.decisions import Decision

    accepted = Decision("0100272", "", "accept", A, "Bo", "2026-12-04T11:05:00+01:00")
    decided = run((accepted,))
    assert by(decided, "0100272", "2")["source"] == "decision"
    assert not [f for f in decided.findings if f.code == "MAILBOX_LANDS_APART_FROM_UNIT"]


def test_a_mailbox_apart_from_its_unit_by_the_mapping_file_without_a_name() -> None:
    """The mapping file (and the export's own GUID column) map as a translation does; a
    mailbox without a name gets no empty brackets, and its subjects are one mailbox."""
    export = frame(
        [
            ("0100730", "1", "Ledighed", "Beskæftigelse"),
            ("0100730", "2", "Ledighed", "Beskæftigelse"),
            ("0100737", "", "Sygedagpenge", "Beskæftigelse"),
            ("0100272", "", "", "Beskæftigelse"),
        ]
    )
    export.loc[2, "ngdp_guid"] = B
    rows = pd.DataFrame(
        {
            "row": [2, 3],
            "mailbox_id": ["0100730", "0100272"],
            "subject_id": ["", ""],
            "guid": [B, A],
            "retired": [False, False],
        }
    )
    from ngdpkit.inputs.mapping import MappingFile

    m = map_mailboxes(
        export,
        mapping=MappingFile(rows=rows, source="m.xlsx"),
        contact_points=cps(cp(A, "Borgerservice"), cp(B, "")),
        system_id=SYS,
        default_contact_point=A,
        export_label="e.xlsx",
    )
    apart = [f for f in m.findings if f.code == "MAILBOX_LANDS_APART_FROM_UNIT"]
    assert [(f.location, f.params["count"], f.params["cp2"]) for f in apart] == [("row 5", "2", B)]
    assert "name" not in apart[0].params and apart[0].params["value"] == ""
    assert (
        apart[0]
        .text("da")
        .startswith(
            f"Postkassen 0100272 i enheden 'Beskæftigelse' lander på 'Borgerservice' ({A}), "
            f"mens 2 af enhedens 3 postkasser lander på {B}:"
        )
    )


def test_the_sample_has_no_mailbox_apart_from_its_unit_until_one_moves(
    sample_copy: Path,
) -> None:
    """The unchanged sample says none of it in either environment; a mailbox moved to
    another unit in the export (its old unit's translation unchanged) is named."""
    import openpyxl

    from ngdpkit.settings import load_settings
    from ngdpkit.steps import run_all

    def apart(env: str) -> list[Any]:
        settings = load_settings(sample_copy / "migration.toml")
        return [
            f
            for s in run_all(settings, env)
            for f in s.findings
            if f.code == "MAILBOX_LANDS_APART_FROM_UNIT"
        ]

    assert apart("test") == [] and apart("production") == []
    book = openpyxl.load_workbook(sample_copy / "mailboxes.xlsx")
    sheet = book.active
    assert sheet["A4"].value == "0100233" and sheet["C4"].value == "Borgerservice"
    sheet["C4"] = "Børn og Unge"
    book.save(sample_copy / "mailboxes.xlsx")
    (f,) = apart("test")
    assert (f.location, f.params["mid"], f.params["unit"]) == (
        "Postkasser!4",
        "0100233",
        "'Børn og Unge'",
    )
    assert f.params["cp"].startswith("'Borgerservice - Eksempel Kommune' (")
    assert f.params["cp2"].startswith("'Børn og Unge - Eksempel Kommune' (")


def test_several_mailboxes_moved_into_one_unit_are_each_named() -> None:
    """Two mailboxes moved into one unit made it look split when the rule wanted all of the
    unit's other mailboxes on one contact point: each is named while three in four of the
    unit land on one contact point; a unit split half and half is not judged."""
    moved = [("0100272", "Boligstøtte"), ("0100273", "Boligsikring")]
    staying = [(f"01007{i:02d}", f"Sag {i}") for i in range(6)]
    halves = [(f"01038{i:02d}", f"Vej {i}") for i in range(4)]
    export = frame(
        [(m, "", n, "Beskæftigelse") for m, n in moved + staying]
        + [(m, "", n, "Teknik") for m, n in halves]
    )
    points = cps(
        cp(A, "Borgerservice", [(int(m), None) for m, _ in moved + halves[:2]]),
        cp(B, "Beskæftigelse", [(int(m), None) for m, _ in staying]),
        cp(C, "Teknik", [(int(m), None) for m, _ in halves[2:]]),
    )
    m = map_mailboxes(
        export,
        mapping=None,
        contact_points=points,
        system_id=SYS,
        default_contact_point=A,
        export_label="e.xlsx",
    )
    apart = [f for f in m.findings if f.code == "MAILBOX_LANDS_APART_FROM_UNIT"]
    assert [f.params["mid"] for f in apart] == ["0100272", "0100273"]
    assert all((f.params["count"], f.params["total"]) == ("6", "8") for f in apart)
    assert "mens 6 af enhedens 8 postkasser lander på 'Beskæftigelse'" in apart[0].text("da")


def test_no_mapping_file_is_asked_for_when_the_translations_map_every_mailbox(
    sample_copy: Path,
) -> None:
    """A day-one consultant gave back the contact point plan with every mailbox translated:
    all 200 were mapped, and PENDING_MAPPING still asked for a mapping file (and kept
    checklist step 6 to do). It is said only while a mailbox is left."""
    import json

    import openpyxl

    from tests.conftest import cli

    plan = openpyxl.load_workbook(sample_copy / "contact-points-test.xlsx")
    points = plan.active
    by_guid = {row[0].value: row for row in points.iter_rows(min_row=2)}
    rows = openpyxl.load_workbook(sample_copy / "mapping-test.xlsx").active
    for mailbox, subject, guid, _ in rows.iter_rows(min_row=2, values_only=True):
        if guid in by_guid:  # the one "udgår" row is left unmapped
            cell = by_guid[guid][8]
            cell.value = f"{cell.value} {mailbox}" + (f":{subject}" if subject else "")
    plan.save(sample_copy / "contact-points-test.xlsx")
    toml = sample_copy / "migration.toml"
    toml.write_text(toml.read_text().replace('mapping = "mapping-test.xlsx"\n', "", 1))

    def codes() -> list[str]:
        r = cli("check", "--settings", str(toml), "--env", "test", "--json", "--all")
        return [f["code"] for f in json.loads(r.stdout)["findings"]]

    left = codes()
    assert left.count("MAILBOX_UNMAPPED") == 1 and "PENDING_MAPPING" in left  # the "udgår" row
    export = openpyxl.load_workbook(sample_copy / "mailboxes.xlsx")
    sheet = export.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "0103679":
            sheet.delete_rows(row[0].row)
            break
    export.save(sample_copy / "mailboxes.xlsx")
    every = codes()
    assert "MAILBOX_UNMAPPED" not in every and "PENDING_MAPPING" not in every


def test_a_contact_point_proposed_from_a_unit_with_a_cpr_number_does_not_carry_it() -> None:
    """A DPO's review: "Sagsbehandler Karen Nielsen 0202851234" was proposed as a visible
    contact point (contact-point-plan.xlsx, portal-registration.json). The plan proposes it
    with the number replaced by "(CPR-nummer udeladt)", a bracket already round it kept once;
    the export's own rows, and units without one, are as they were."""
    from ngdpkit.redact import HIDDEN_CPR, hide_cpr_in_name

    f = frame(
        [
            ("1", "", "a", "Sagsbehandler Karen Nielsen 0202851234"),
            ("2", "", "b", "Værgemål (010170-1299)"),
            ("3", "", "c", "Borgerservice"),
            ("4", "", "d", "Team 12 - 2026"),
        ]
    )
    plan = contact_point_plan(f)
    assert [p.name for p in plan] == [
        "Borgerservice",
        "Sagsbehandler Karen Nielsen (CPR-nummer udeladt)",
        "Team 12 - 2026",
        "Værgemål (CPR-nummer udeladt)",
    ]
    assert [p.translations for p in plan] == [("3",), ("1",), ("4",), ("2",)]
    assert f.loc[0, "responsible_unit"].endswith("0202851234")  # the export is not changed
    assert hide_cpr_in_name("Borgerservice") == "Borgerservice" and HIDDEN_CPR in plan[1].name


def test_a_mapping_files_conflict_names_the_guids_in_the_rows_order(tmp_path: Path) -> None:
    """A support engineer's look: "rows 59, 68 to 9cc2ab97…, a53cec02…" listed the GUIDs
    sorted, and row 59 read as the first GUID's while it held the second (the one used). The
    GUIDs come in the order of their rows."""
    mf = read_mapping_file(
        write_xlsx(
            tmp_path / "m.xlsx",
            [["Mailbox ID", "NgDP Guid", "Begrundelse"], ["100", B, "fil"], ["100", A, "dublet"]],
        ),
        label="m.xlsx",
    )
    (conflict,) = [f for f in mf.findings if f.code == "MAPPING_CONFLICT"]
    assert conflict.params["rows"] == "2, 3", conflict.params
    assert conflict.message.index(B) < conflict.message.index(A), conflict.message


def test_a_subject_excel_took_for_a_date_is_no_blank_subject() -> None:
    """An export consultant's pass: subject 3 typed in a column formatted as dates reads
    "1900-01-03" (MAILBOX_ID_INVALID, a warning), and the translations matched the row as if
    it had no subject: it took the contact point of 0100272:2, exit 0, where the subject
    typed as text was MAILBOX_UNMAPPED. A subject that is there but unread is covered only
    by a translation of the whole postkasse."""
    points = cps(
        cp(A, "Borgerservice", [(100272, 2)]),
        cp(B, "Børn og Unge", [(100300, None)]),
    )
    f = frame(
        [
            ("0100272", "1900-01-03", "dato", "U"),
            ("0100272", "3", "tekst", "U"),
            ("0100272", "", "uden emne", "U"),
            ("0100300", "1900-01-02", "hele postkassen", "U"),
        ]
    )
    m = mapped(f, None, points)
    assert by(m, "0100272", "1900-01-03")["status"] == "unmapped"
    assert by(m, "0100272", "3")["status"] == "unmapped"
    assert by(m, "0100272")["ngdp_guid"] == A  # no subject: every subject's translation
    assert by(m, "0100300", "1900-01-02")["ngdp_guid"] == B


def test_a_hand_made_mapping_files_marks_totals_and_ids_written_two_ways(tmp_path: Path) -> None:
    """A data specialist's pass over a consultant's hand-made mapping file: IDs marked as text
    ("'0100233", a CSV's ="0100240") were MAPPING_ROW_UNUSED, where the export's so marked
    are read as their digits; "0100250" to one contact point and "100250" to another (and
    subject "01" beside "1") were both kept, and the first the matching met used without a
    word; an Accept mark of "OK" or "✓" dropped its row without a word; a row without an ID
    said "mailbox  is not in the e-Boks export"; a total row and a repeated header row were
    CONTACT_POINT_GUID_INVALID errors."""
    mf = read_mapping_file(
        write_xlsx(
            tmp_path / "m.xlsx",
            [
                ["Postkasse-ID", "Emne-ID", "NgDP Guid", "Godkend"],
                ["'0100233", "", A, "x"],
                ["'0100240", "'2", B, "ja"],
                ["0100250", "", A, "x"],
                ["100250", "", B, "x"],
                ["0100260", "01", A, "x"],
                ["0100260", "1", B, "x"],
                ["0100270", "", B, "OK"],
                ["0100280", "", B, "✓"],
                ["", "", C, "x"],
                ["Postkasse ID", "Emne ID", "NgDP GUID", "Godkend"],
                ["I alt", "", "9", ""],
            ],
            title="Mapping",
        ),
        label="m.xlsx",
    )
    rows = mf.rows[["mailbox_id", "subject_id", "guid"]].values.tolist()
    assert rows == [
        ["0100233", "", A],
        ["0100240", "2", B],
        ["0100250", "", A],
        ["0100260", "01", A],
        ["", "", C],
    ]
    found = {(f.code, f.location): f for f in mf.findings}
    assert not any(code == "CONTACT_POINT_GUID_INVALID" for code, _ in found)
    twice = found["MAPPING_CONFLICT", "Mapping!4"]
    assert twice.message == (
        f"Mailbox 0100250 is mapped more than once in the mapping file (rows 4, 5) to {A}, {B}; "
        "the first row is used."
    )
    assert found["MAPPING_CONFLICT", "Mapping!6"].params["value"] == ":01"
    ok = found["MAPPING_ROW_UNUSED", "Mapping!8"]
    assert ok.severity == "warning" and "Accept 'OK' is not a yes or a no" in ok.message
    assert ok.text("da").startswith("Tilknytningsfilens række 8: Godkend-værdien 'OK'")
    assert "'✓'" in found["MAPPING_ROW_UNUSED", "Mapping!9"].message
    header, total = (f for f in mf.findings if f.code == "MAILBOX_ROWS_NOT_MAILBOXES")
    assert header.location == "Mapping!11" and total.location == "Mapping!12"
    m = mapped(
        frame([("0100233", "", "a", "U"), ("0100240", "2", "b", "U"), ("0100250", "", "c", "U")]),
        mf,
        cps(cp(A, "Borgerservice"), cp(B, "Ydelser"), cp(C, "Skole")),
    )
    assert by(m, "0100233")["ngdp_guid"] == A and by(m, "0100240", "2")["ngdp_guid"] == B
    assert by(m, "0100250")["ngdp_guid"] == A
    (blank,) = [f for f in m.findings if f.code == "MAPPING_ROW_UNUSED" and f.location == "row 10"]
    assert blank.message == (
        "Mapping file row 10 has no Mailbox ID; the row is not used: fill in the ID of the "
        "mailbox it maps."
    )
    assert blank.text("da").startswith("Tilknytningsfilens række 10 har intet postkasse-ID")
    # a CSV's text formula, as the export's
    path = tmp_path / "m.csv"
    path.write_bytes(f'Postkasse-ID;NgDP Guid\r\n="0100240";{B}\r\n'.encode("cp1252"))
    assert read_mapping_file(path, label="m.csv").rows["mailbox_id"].tolist() == ["0100240"]


def test_a_mapping_row_left_unused_is_titled_for_each_of_its_reasons() -> None:
    """A Danish proofreader's pass over step 02's page: an Accept mark "OK" and a row
    without an ID are MAPPING_ROW_UNUSED too, and each stood under the title "Tilknytningsrække
    for en ukendt postkasse" (the customer read of an unknown mailbox above "'OK' is neither
    yes nor no"). The row without an ID said "den postkasse, den tilknytter": it is the row
    that maps it."""
    from ngdpkit import findings as F
    from ngdpkit.catalogue import title

    assert title("MAPPING_ROW_UNUSED") == "Tilknytningsrække bruges ikke"
    blank = F.warning(
        "MAPPING_ROW_UNUSED",
        "Mapping file row {row} has no Mailbox ID; the row is not used: fill in the ID of the mailbox it maps.",
        "m.xlsx",
        "row 10",
        row=10,
    )
    assert blank.text("da") == (
        "Tilknytningsfilens række 10 har intet postkasse-ID; rækken bruges ikke: udfyld ID'et "
        "på den postkasse, som rækken tilknytter."
    )


def test_a_mapping_file_formula_without_its_value_is_named_as_in_the_export(
    tmp_path: Path,
) -> None:
    """A data specialist's pass: a formula Excel never saved a value for in the mapping file's
    Mailbox ID column read as a blank ID ("has no Mailbox ID: fill in the ID", where the ID
    was there as a formula); in the subject column it mapped the whole postkasse; in the NgDP
    Guid column it dropped the row without a word. Each is CELL_FORMULA_NO_VALUE, as in the
    export, and its row is not used."""
    mf = read_mapping_file(
        write_xlsx(
            tmp_path / "m.xlsx",
            [
                ["Postkasse-ID", "Emne-ID", "NgDP Guid"],
                ["0100233", "", A],
                ['=TEXT(E3;"0000000")', "", B],
                ["0100240", "=F4", B],
                ["0100250", "", "=VLOOKUP(A5;Kp!A:B;2;0)"],
            ],
            title="Mapping",
        ),
        label="m.xlsx",
    )
    assert mf.rows[["mailbox_id", "subject_id", "guid"]].values.tolist() == [["0100233", "", A]]
    formulas = [f for f in mf.findings if f.code == "CELL_FORMULA_NO_VALUE"]
    assert [(f.severity, f.location, f.params["value"]) for f in formulas] == [
        ("error", "Mapping!3", "mailbox id"),
        ("error", "Mapping!4", "subject id"),
        ("error", "Mapping!5", "NgDP Guid"),
    ]
    assert formulas[0].text("da") == (
        "Cellen postkasse-ID indeholder en formel uden gemt værdi; åbn projektmappen i Excel, "
        "gem den, og kør igen."
    )
    m = mapped(
        frame([("0100233", "", "a", "U"), ("0100240", "1", "b", "U"), ("0100240", "2", "c", "U")]),
        mf,
        cps(cp(A, "Borgerservice"), cp(B, "Ydelser")),
    )
    # no subject's mailbox maps by the row whose subject was a formula, and no row is named
    # as one without a Mailbox ID
    assert by(m, "0100240", "1")["ngdp_guid"] == "" and by(m, "0100240", "2")["ngdp_guid"] == ""
    assert not [f for f in m.findings if f.code == "MAPPING_ROW_UNUSED"]


def test_mapping_rows_a_filter_hides_are_named(tmp_path: Path) -> None:
    """A data specialist's pass: a filter left on in the mapping file (by unit, by Accept)
    still mapped the mailboxes of the rows it kept out of sight, without a word, where the
    export's hidden rows were MAILBOX_ROWS_HIDDEN. The rows used are named (a hidden row
    not used, its Accept blank, is not); the table read ahead of the step, as ``run``'s
    preflight reads it into the cache, is the same as the step's."""
    import openpyxl

    from ngdpkit.inputs.mapping import MAPPING_FIELDS
    from ngdpkit.inputs.workbooks import TableCache, read_table

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Mapping"
    for row in [
        ["Postkasse-ID", "Emne-ID", "NgDP Guid", "Accept"],
        ["0100233", "", A, "x"],
        ["0100240", "2", B, "x"],
        ["0100250", "", "udgår", "x"],
        ["0100260", "", C, ""],
    ]:
        ws.append(row)
    ws.auto_filter.ref = "A1:D5"
    for number in (3, 4, 5):
        ws.row_dimensions[number].hidden = True
    wb.save(tmp_path / "m.xlsx")
    cache = TableCache(collect=True)
    read_table(tmp_path / "m.xlsx", MAPPING_FIELDS, label="m.xlsx", cache=cache, hidden=True)
    for mf in (
        read_mapping_file(tmp_path / "m.xlsx", label="m.xlsx"),
        read_mapping_file(tmp_path / "m.xlsx", label="m.xlsx", cache=cache),
    ):
        assert mf.rows["mailbox_id"].tolist() == ["0100233", "0100240", "0100250"]
        said = [f for f in mf.findings if f.code == "MAPPING_ROWS_HIDDEN"]
        assert [(f.severity, f.location, f.params) for f in said] == [
            (
                "warning",
                "Mapping!3",
                {"count": "2", "value": "3, 4", "ids": "0100240:2, 0100250"},
            )
        ]
        assert said[0].text("da").startswith("2 rækker er skjult i Excel (rækkerne 3, 4)")
    # a table read without its hidden rows is not taken for one read with them
    other = TableCache(collect=True)
    read_table(tmp_path / "m.xlsx", MAPPING_FIELDS, label="m.xlsx", cache=other)
    mf = read_mapping_file(tmp_path / "m.xlsx", label="m.xlsx", cache=other)
    assert [f.code for f in mf.findings if f.code == "MAPPING_ROWS_HIDDEN"] == [
        "MAPPING_ROWS_HIDDEN"
    ]


def test_a_hidden_column_costs_no_parse_of_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer's look at the mapping file's hidden rows: the sheet was parsed whenever its
    bytes held the word "hidden", and a hidden helper column (``<col hidden="1"/>``, a common
    sight) holds it: a 100,000-row mapping file took 4 s more to read, for no hidden row.
    Only a row's own mark has the sheet parsed; rows hidden beside a hidden column are still
    found, however the mark is written."""
    import zipfile

    import defusedxml.ElementTree
    import openpyxl

    from ngdpkit.inputs.workbooks import _may_hide_a_row

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Mapping"
    for row in [
        ["Postkasse-ID", "Emne-ID", "NgDP Guid", "Accept", "Note"],
        ["0100233", "", A, "x", "hidden"],
        ["0100240", "", B, "x", ""],
    ]:
        ws.append(row)
    ws.column_dimensions["E"].hidden = True
    wb.save(tmp_path / "col.xlsx")
    parsed: list[Any] = []
    iterparse = defusedxml.ElementTree.iterparse

    def counted(*args: Any, **kwargs: Any) -> Any:
        parsed.append(args)
        return iterparse(*args, **kwargs)

    monkeypatch.setattr(defusedxml.ElementTree, "iterparse", counted)
    mf = read_mapping_file(tmp_path / "col.xlsx", label="col.xlsx")
    assert mf.rows["mailbox_id"].tolist() == ["0100233", "0100240"]
    assert not [f for f in mf.findings if f.code == "MAPPING_ROWS_HIDDEN"]
    assert parsed == []
    ws.row_dimensions[3].hidden = True
    wb.save(tmp_path / "both.xlsx")
    mf = read_mapping_file(tmp_path / "both.xlsx", label="both.xlsx")
    assert [f.location for f in mf.findings if f.code == "MAPPING_ROWS_HIDDEN"] == ["Mapping!3"]
    with zipfile.ZipFile(tmp_path / "col.xlsx") as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    assert b'hidden="1"' in sheet and not _may_hide_a_row(sheet)
    for marked in (
        sheet.replace(b'<row r="3"', b'<row r="3" hidden = "1"'),
        sheet.replace(b'<row r="3"', b'<row hidden="&#49;"'),
        sheet.replace(b"<worksheet", b"<x:worksheet").replace(b'<row r="3"', b'<x:row hidden="1"'),
        sheet.replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY e "1">]><worksheet'),
    ):
        assert _may_hide_a_row(marked), marked[:300]
    assert not _may_hide_a_row(sheet.replace(b'hidden="1"', b""))


def test_a_mapping_row_excel_wrote_in_scientific_notation_says_so(tmp_path: Path) -> None:
    """A consultant's Windows pass: a mapping CSV saved from a narrow column of numbers in
    Danish Excel held "1,01159E+05"; "mailbox 1,01159E+05 is not in the e-Boks export" sent
    them looking for a mailbox, where the digits are lost and the ID is to be typed again."""
    path = tmp_path / "m.csv"
    path.write_bytes(
        f"Postkasse-ID;NgDP Guid\r\n1,01159E+05;{A}\r\n0100300;{B}\r\n".encode("cp1252")
    )
    mf = read_mapping_file(path, label="m.csv")
    m = map_mailboxes(
        frame([("0101159", "", "x", "U"), ("0100300", "", "y", "U")]),
        mapping=mf,
        contact_points=cps(cp(A, "Borgerservice"), cp(B, "Ydelser")),
        system_id=SYS,
        default_contact_point=None,
        export_label="e.xlsx",
    )
    assert by(m, "0100300")["ngdp_guid"] == B and not by(m, "0101159")["ngdp_guid"]
    (unused,) = [x for x in m.findings if x.code == "MAPPING_ROW_UNUSED"]
    assert unused.location == "row 2" and unused.params["mailbox_id"] == "1,01159E+05"
    assert "scientific notation" in unused.message and "export" not in unused.message
    assert "videnskabelig notation" in unused.text("da")


def test_a_mailbox_id_that_is_an_error_is_not_also_unmapped(sample_copy: Path) -> None:
    """A consultant's retest: an ID in scientific notation ("1.23456789012345E+17") or a
    number cell of 18 digits was MAILBOX_ID_INVALID, and then MAILBOX_UNMAPPED for the same
    row, which said nothing more (the ID is to be mended first), as a row without an ID has
    MAILBOX_ID_MISSING only. The row is still unmapped (counted, shown as such); an ID that
    is only a warning (letters) keeps its MAILBOX_UNMAPPED, the row's one error."""
    import json

    import openpyxl

    from ngdpkit.inputs.mailboxes import read_mailbox_export
    from tests.conftest import cli

    path = sample_copy / "mailboxes.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.active
    sheet["A4"].value = "1.23456789012345E+17"
    sheet["A5"].value = 123456789012345678
    sheet["A6"].value = "0100 233"
    sheet["A7"].value = "ABC123"
    book.save(path)
    toml = sample_copy / "migration.toml"
    r = cli("check", "--settings", str(toml), "--env", "test", "--json", "--all")
    found = json.loads(r.stdout)["findings"]
    at = {(f["code"], f["severity"], f["location"].rsplit("!", 1)[-1]) for f in found}
    for row in ("4", "5", "6"):
        assert ("MAILBOX_ID_INVALID", "error", row) in at
        assert not [
            f
            for f in found
            if f["code"] == "MAILBOX_UNMAPPED" and f["location"].endswith(f"!{row}")
        ]
    assert ("MAILBOX_ID_INVALID", "warning", "7") in at
    assert ("MAILBOX_UNMAPPED", "error", "7") in at
    export = read_mailbox_export(path, label="mailboxes.xlsx")
    assert export.id_errors == (4, 5, 6)
    m = map_mailboxes(
        export.frame,
        mapping=None,
        contact_points=cps(cp(A, "Borgerservice")),
        system_id=SYS,
        default_contact_point=A,
        export_label="mailboxes.xlsx",
        id_errors=frozenset(export.id_errors),
    )
    assert set(m.frame.loc[m.frame["row"].isin([4, 5, 6, 7]), "status"]) == {"unmapped"}
    unmapped = {f.location for f in m.findings if f.code == "MAILBOX_UNMAPPED"}
    assert "row 7" in unmapped and not unmapped & {"row 4", "row 5", "row 6"}


def test_decisions_without_contact_points_or_mapping_file_name_every_open_mailbox(
    sample_copy: Path,
) -> None:
    """A WorkZone consultant's run: test had a decisions file (two rows decided) but neither
    contact points nor a mapping file. The other 198 mailboxes had no contact point, and
    neither MAILBOX_UNMAPPED nor PENDING_MAPPING said so: findings.json was silent and
    checklist step 6 read "ikke verificeret", to be typed into WorkZone as it stood. With
    usable decisions each open row is MAILBOX_UNMAPPED (the decisions map, as a mapping file
    does); a decisions file none of whose rows can be used maps nothing: PENDING_MAPPING."""
    import csv
    import json

    from tests.conftest import cli

    toml = _without_test_contact_points_and_mapping(sample_copy)
    head = "Mailbox ID;Decision;NgDP Guid;Decided by;Decided at;Note\n"
    decisions = sample_copy / "decisions-test.csv"
    decisions.write_text(
        head
        + f"0100233;override;{C};Anne Konsulent;2026-12-04T10:00:00+01:00;\n"
        + "0103679;retire;;Bo Kunde;2026-12-04T10:05:00+01:00;nedlagt\n",
        encoding="utf-8-sig",
    )

    def run() -> tuple[list[dict[str, Any]], list[dict[str, str]], dict[str, Any]]:
        r = cli("run", "--settings", str(toml), "--env", "test")
        assert r.returncode in (0, 1), r.stdout + r.stderr
        runs = sample_copy / "runs" / "test"
        run_dir = runs / (runs / "LATEST").read_text().strip()
        found = json.loads((run_dir / "findings.json").read_text())["findings"]
        with (run_dir / "mailbox-mapping.csv").open(encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f, delimiter=";"))
        steps = json.loads((run_dir / "checklist.json").read_text())
        return found, rows, next(s for s in steps if s["step"] == 6)

    found, rows, step6 = run()
    open_rows = [r for r in rows if r["Status"] == "unmapped"]
    assert len(open_rows) == 198 and {r["Status"] for r in rows} == {
        "mapped",
        "retired",
        "unmapped",
    }
    unmapped = [f for f in found if f["code"] == "MAILBOX_UNMAPPED"]
    assert sorted(f["params"]["mid"] for f in unmapped) == sorted(
        r["Mailbox ID"] for r in open_rows
    )
    assert step6["status"] == "blocked" and "MAILBOX_UNMAPPED" in step6["next_action"]

    decisions.write_text(head, encoding="utf-8-sig")  # the file, but no decision in it
    found, rows, step6 = run()
    assert all(r["Status"] == "unmapped" for r in rows)
    assert [f["code"] for f in found].count("PENDING_MAPPING") == 1
    assert step6["status"] not in ("done", "not_verified"), step6


def test_pending_mapping_beside_an_unusable_decisions_file_names_the_decisions(
    sample_copy: Path,
) -> None:
    """A consultant deciding in notebook 02 (the decisions file is the first mapping source)
    whose only decision could not be used (no GUID for an override) read on the page that
    mapping was not set and to map the mailboxes in a mapping file: nothing said that the
    decisions file was read and held nothing usable, nor to correct it or decide again."""
    import json

    from ngdpkit.catalogue import VALUES_DA
    from ngdpkit.documents.i18n import t
    from tests.conftest import cli

    toml = sample_copy / "migration.toml"
    text = toml.read_text()
    for line in (
        'contact_points = "contact-points-test.xlsx"\n',
        'mapping = "mapping-test.xlsx"\n',
    ):
        text = text.replace(line, "", 1)
    toml.write_text(text)
    (sample_copy / "decisions-test.csv").write_text(
        "Mailbox ID;Decision;NgDP Guid;Decided by;Decided at;Note\n"
        "0100233;override;;Anne Konsulent;2026-12-04T10:00:00+01:00;\n",
        encoding="utf-8-sig",
    )
    r = cli("run", "--settings", str(toml), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    runs = sample_copy / "runs" / "test"
    run_dir = runs / (runs / "LATEST").read_text().strip()
    found = json.loads((run_dir / "findings.json").read_text())["findings"]
    [pending] = [f for f in found if f["code"] == "PENDING_MAPPING"]
    assert "DECISION_INVALID" in {f["code"] for f in found}
    assert pending["message"] == (
        "mapping er ikke sat endnu: beslutningsfilen har ingen beslutning, som denne kørsel "
        "kan bruge; ret den, eller beslut igen i notebook 02, eller tilknyt postkasserne til "
        "kontaktpunkter i en tilknytningsfil."
    )
    what = pending["params"]["what"]
    assert what == t("en", "pending_mapping_decisions")
    assert VALUES_DA[what] == t("da", "pending_mapping_decisions")
    page = (run_dir / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "beslutningsfilen har ingen beslutning, som denne kørsel kan bruge" in page


def test_page_02_without_contact_points_says_what_is_missing_and_what_to_do(
    sample_copy: Path,
) -> None:
    """A consultant's read of signoff/02_contact_points.html with no contact points: the
    heading "Kontaktpunkter" stood over nothing, and "Dækning efter kilde" counted every
    mailbox under "—". The section says in one sentence what is missing and what to do, and
    a coverage with no source at all draws no source chart."""
    import html
    import re

    from tests.conftest import cli

    toml = _without_test_contact_points_and_mapping(sample_copy)
    r = cli("run", "--settings", str(toml), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    runs = sample_copy / "runs" / "test"
    page = runs / (runs / "LATEST").read_text().strip() / "signoff" / "02_contact_points.html"
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
    text = re.sub(r"\s+", " ", text)
    said = (
        "Kontaktpunkter Ingen kontaktpunkter er angivet (contact_points er ikke sat i"
        " indstillingerne), så ingen postkasse kan tilknyttes: opret kontaktpunkterne i"
        " Administrativ Adgang efter contact-point-plan.xlsx nedenfor"
    )
    assert said in text
    assert "Dækning efter kilde" not in text and "— 200" not in text
    assert "contact-point-plan.xlsx" in text.split(said, 1)[1]  # the plan is below


def test_coverage_names_mailboxes_of_no_source_in_words() -> None:
    """Beside mapped mailboxes the coverage by source named the unmapped ones "—"."""
    from types import SimpleNamespace

    from ngdpkit.documents.display import coverage_html

    frame = pd.DataFrame(
        {
            "status": ["mapped", "unmapped"],
            "source": ["mapping file", ""],
            "responsible_unit": ["A", "B"],
        }
    )
    da = str(coverage_html(SimpleNamespace(frame=frame), language="da"))
    en = str(coverage_html(SimpleNamespace(frame=frame), language="en"))
    assert "efter kilde" in da and "ingen kilde" in da and "—" not in da
    assert "by source" in en and "no source" in en and "—" not in en


def _latest(sample_copy: Path) -> Path:
    runs = sample_copy / "runs" / "test"
    return runs / (runs / "LATEST").read_text().strip()


def _page_text(page: Path) -> str:
    import html
    import re

    text = html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
    return re.sub(r"\s+", " ", text)


def test_page_02_without_contact_points_beside_a_mapping_file_does_not_say_none_is_mapped(
    sample_copy: Path,
) -> None:
    """A consultant's read: with a mapping file and no contact points the page said "så
    ingen postkasse kan tilknyttes" above a coverage of 65 mailboxes mapped by the file. It
    says what the missing contact points cost: no check of the mapping's GUIDs against
    them, no suggestions."""
    from tests.conftest import cli

    line = 'contact_points = "contact-points-test.xlsx"\n'
    toml = edit_settings(sample_copy / "migration.toml", (line, ""))
    r = cli("run", "--settings", str(toml), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    text = _page_text(_latest(sample_copy) / "signoff" / "02_contact_points.html")
    assert "så ingen postkasse kan tilknyttes" not in text
    assert (
        "Ingen kontaktpunkter er angivet (contact_points er ikke sat i indstillingerne), så"
        " tilknytningens GUID'er kontrolleres ikke mod kontaktpunkterne, og der laves ingen"
        " forslag til de postkasser, der mangler: opret kontaktpunkterne" in text
    )
    assert "tilknytningsfil 6" in text  # the coverage by source: the file maps mailboxes


def test_step_6_names_the_mapping_rows_whose_guid_is_a_name(sample_copy: Path) -> None:
    """A consultant's read: the mapping file's NgDP Guid cells held the contact point's name
    ("Borgerservice"), and checklist step 6 said to map the mailboxes in the mapping file,
    which named them already. It says to correct the rows the findings name, and names
    CONTACT_POINT_GUID_INVALID beside MAILBOX_UNMAPPED."""
    import json

    import openpyxl

    from tests.conftest import cli

    path = sample_copy / "mapping-test.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws is not None
    column = [str(c.value) for c in ws[1]].index("NgDP Guid")
    for row in ws.iter_rows(min_row=2):
        if row[column].value and str(row[column].value).lower() not in ("udgår", "retire"):
            row[column].value = "Borgerservice"
    wb.save(path)
    r = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode == 1, r.stdout + r.stderr
    steps = json.loads((_latest(sample_copy) / "checklist.json").read_text(encoding="utf-8"))
    step6 = next(s for s in steps if s["step"] == 6)
    assert step6["status"] == "blocked"
    assert step6["next_action"].startswith("Ret først de rækker, som fundene nævner")
    assert "(CONTACT_POINT_GUID_INVALID)" in step6["next_action"]
    assert "(MAILBOX_UNMAPPED)" in step6["next_action"]


def _without_test_contact_points_and_mapping(sample: Path) -> Path:
    """The sample's settings with test's contact_points and mapping lines taken out."""
    toml = sample / "migration.toml"
    text = toml.read_text()
    for line in (
        'contact_points = "contact-points-test.xlsx"\n',
        'mapping = "mapping-test.xlsx"\n',
    ):
        assert line in text
        text = text.replace(line, "", 1)
    toml.write_text(text)
    return toml
