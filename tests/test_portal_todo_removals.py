"""Offline, the portal to-do also lists each translation of the contact points file that
this run does not map to its contact point, to remove if it is there (a consultant's week
two: the workbook said only "tilføj, hvis den mangler", and replies to a mailbox moved, retired
or gone from the export kept landing on the old contact point)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ngdpkit.checks.ngdp_compare import (
    PortalTodo,
    StoredTodo,
    compact_todo,
    planned_todo,
    stored_json,
    unmapped_translations,
)
from ngdpkit.deliverables.outputs import TODO_WORDS, portal_todo_rows, write_portal_todo
from ngdpkit.inputs.contact_points import ContactPoint
from ngdpkit.inputs.typed import converter, structure, unstructure

A = "7f9c69da-044c-5324-b789-212f3097dbac"
B = "472c59fd-ecb8-568f-8006-b8d846f1ce68"
C = "0ecb8511-d743-547f-9b6e-4454c7a6b014"


def cp(guid: str, name: str, translations=()) -> ContactPoint:
    return ContactPoint(id=guid, name=name, targets=("CITIZEN",), translations=tuple(translations))


def mapping() -> pd.DataFrame:
    rows = [  # mailbox_id, subject_id, mailbox_name, ngdp_guid, status
        ("100", "", "a", A, "mapped"),
        ("200", "2", "b", B, "mapped"),
        ("300", "", "r", "", "retired"),
        ("0400", "7", "w", B, "mapped"),
        ("600", "", "u", "", "unmapped"),
    ]
    return pd.DataFrame(
        rows, columns=["mailbox_id", "subject_id", "mailbox_name", "ngdp_guid", "status"]
    )


def points() -> list[ContactPoint]:
    return [
        # 200:2 is mapped to B here, 300 retired, 900 not in the export
        cp(A, "Alfa", [(900, None), (100, None), (200, 2), (300, None)]),
        # 400 without emne covers 0400:7, mapped to B; 100:5 is covered by 100 mapped to A;
        # 600 is unmapped (this run has not decided where it goes): left out
        cp(B, "Beta", [(200, 2), (400, None), (100, 5), (600, None)]),
        cp(C, "=Cirkus", [(100, None)]),  # only a removal; a name Excel could read as a formula
    ]


def entries(todo: PortalTodo) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (c.name, e.action, e.postkasse, e.emne, e.mailbox_name, e.reason)
        for c in todo.contact_points
        for e in c.entries
    ]


def todo() -> PortalTodo:
    return planned_todo(mapping(), {A: "Alfa", B: "Beta", C: "=Cirkus"}, points())


def test_offline_the_to_do_lists_the_files_translations_this_run_does_not_map_there() -> None:
    planned = todo()
    assert not planned.verified
    assert [c.id for c in planned.contact_points] == [C, A, B]  # by name: "=" sorts first
    assert entries(planned) == [
        ("=Cirkus", "remove_if_present", "100", "", "a", "mapped_elsewhere"),
        ("Alfa", "not_verified", "100", "", "a", "offline"),
        ("Alfa", "remove_if_present", "200", "2", "b", "mapped_elsewhere"),
        ("Alfa", "remove_if_present", "300", "", "r", "retired"),
        ("Alfa", "remove_if_present", "900", "", "", "not_in_export"),
        ("Beta", "not_verified", "200", "2", "b", "offline"),
        ("Beta", "not_verified", "0400", "7", "w", "offline"),
        ("Beta", "remove_if_present", "100", "5", "a", "mapped_elsewhere"),
    ]
    # without the contact points file (or with nothing in it to remove), as before
    assert planned_todo(mapping(), {A: "Alfa", B: "Beta"}) == planned_todo(
        mapping(), {A: "Alfa", B: "Beta"}, [cp(A, "Alfa", [(100, None)]), cp(B, "Beta")]
    )
    assert [c.id for c in planned_todo(mapping(), {}).contact_points] == [B, A]  # by GUID


def test_the_removals_compare_translations_as_the_mapping_keys_do() -> None:
    frame = pd.DataFrame(
        {
            "mailbox_id": ["0100200", "500", "501", "502"],
            "subject_id": ["", "3", "", "4"],
            "mailbox_name": ["x", "y", "z", "v"],
            "ngdp_guid": [A, A, "", B],
            "status": ["mapped", "mapped", "retired", "mapped"],
        }
    )
    point = cp(
        A,
        "Alfa",
        [
            (100200, None),  # leading zeros: the same postkasse, kept
            (100200, 9),  # a mapped row without emne covers every subject: kept
            (500, None),  # a translation without emne covers 500:3, mapped here: kept
            (500, 4),  # 500:4 is not in the export
            (501, 1),  # covers the retired 501 (no emne)
            (502, None),  # covers 502:4, mapped to B
        ],
    )
    assert {
        g: [(e.postkasse, e.emne, e.reason) for e in es]
        for g, es in unmapped_translations(frame, [point]).items()
    } == {
        A: [("502", "", "mapped_elsewhere"), ("501", "1", "retired"), ("500", "4", "not_in_export")]
    }
    assert unmapped_translations(None, [point]) == {}  # no export read: nothing said gone
    assert unmapped_translations(frame, None) == {}


def test_the_removals_survive_the_stored_form_and_its_round_trip() -> None:
    planned = todo()
    compact = compact_todo(planned)
    assert isinstance(compact, StoredTodo) and compact.count == planned.count == 8
    alfa = next(c for c in compact.contact_points if c.id == A)
    assert [(r.action, r.reason, r.postkasser) for r in alfa.runs] == [
        ("not_verified", "offline", ("100",)),
        ("remove_if_present", "mapped_elsewhere", ("200",)),
        ("remove_if_present", "retired", ("300",)),
        ("remove_if_present", "not_in_export", ("900",)),
    ]
    assert alfa.action_counts() == {"not_verified": 1, "remove_if_present": 3}
    raw = json.loads(json.dumps(unstructure(planned)))
    assert stored_json(compact) == converter.unstructure(compact) == raw
    assert structure(raw, PortalTodo) == planned
    assert compact_todo(raw) == compact
    columns = compact.columns()
    assert columns["action"].count("remove_if_present") == 5
    assert columns["reason"][-1] == "mapped_elsewhere" and columns["emne"][-1] == "5"


def test_portal_todo_xlsx_lists_the_removals_in_words_and_keeps_formula_text_inert(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    for language, remove, gone in (
        ("da", "fjern, hvis den står der", "postkassen er ikke i eksporten"),
        ("en", "remove if present", "the mailbox is not in the export"),
    ):
        assert TODO_WORDS[language]["remove_if_present"] == remove
        assert TODO_WORDS[language]["not_in_export"] == gone
        path = write_portal_todo(tmp_path / f"portal-todo-{language}.xlsx", todo(), language)
        sheet = load_workbook(path).active
        assert sheet is not None
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        assert rows == [[v or None for v in r] for r in portal_todo_rows(todo(), language)]
        assert [r[2] for r in rows].count(remove) == 5
        assert [rows[4][1], rows[4][3], rows[4][6]] == [A, "900", gone]
        assert rows[0][0] == "=Cirkus" and sheet["A2"].data_type == "s" and sheet["A2"].quotePrefix


def test_the_portal_page_counts_the_removals_and_lists_them_offline() -> None:
    from ngdpkit.documents.signoff import _portal_todo

    da = str(_portal_todo(todo(), "da"))
    assert "fjern, hvis den står der: 3" in da and "tilføj, hvis den mangler: 1" in da
    assert "Bilag: oversættelser at fjerne i portalen, hvis de står der, én pr. række" in da
    assert "fjern dem i portalen, hvis de står der" in da
    assert "postkassen er ikke i eksporten" in da and "udgår" in da
    assert "tilknyttet et andet kontaktpunkt her" in da
    assert "NgDP ikke læst (offline)" not in da  # the planned ones stay in the other appendix
    en = str(_portal_todo(compact_todo(unstructure(todo())), "en"))  # the stored JSON too
    assert "remove if present: 1" in en and "Appendix: translations to remove if present" in en
    assert "the mailbox is not in the export" in en
    # offline with nothing to remove: as before, no appendix of removals
    plain = str(_portal_todo(planned_todo(mapping(), {}), "en"))
    assert "add if missing: 1" in plain and "remove if present" not in plain


def test_the_step_summary_counts_the_removals_apart() -> None:
    from ngdpkit.checks.ngdp_compare import removals_offline as _removal_count

    assert _removal_count(todo()) == 5
    assert _removal_count(planned_todo(mapping(), {})) == 0


def test_the_removals_at_100000_mailboxes() -> None:
    """Column-wise as planned_todo is: the removals are sets over the file's translations
    (its speed is the benchmarks' to measure, not a test's)."""
    n = 100_000
    frame = pd.DataFrame(
        {
            "mailbox_id": [str(100_000 + i) for i in range(n)],
            "subject_id": [""] * n,
            "mailbox_name": [f"m{i}" for i in range(n)],
            "ngdp_guid": [A if i % 2 else B for i in range(n)],
            "status": ["retired" if i % 1000 == 0 else "mapped" for i in range(n)],
        }
    )
    file_points = [
        cp(A, "Alfa", [(100_000 + i, None) for i in range(0, n, 2)]),
        cp(B, "Beta", [(100_000 + i, None) for i in range(0, n, 2)] + [(99, None)]),
    ]
    removals = unmapped_translations(frame, file_points)
    # every even mailbox is B's (every thousandth retired), the file puts them on A too
    assert len(removals[A]) == n // 2
    assert {e.reason for e in removals[A][: n // 2 - n // 1000]} == {"mapped_elsewhere"}
    assert {e.reason for e in removals[A][n // 2 - n // 1000 :]} == {"retired"}
    assert [e.reason for e in removals[B]] == ["retired"] * (n // 1000) + ["not_in_export"]


def test_a_removal_writes_the_mailbox_as_the_export_does() -> None:
    """A week-two retest: the removal rows said "102065" where the export, the add rows and
    the contact points file write "0102065", and applied to the file literally they removed
    nothing. A mailbox the export holds is written as the export writes it (its emne too); one
    gone from the export as NgDP holds it, a number."""
    frame = pd.DataFrame(
        [
            ("0102065", "", "Jobcenter", B, "mapped"),
            ("0102466", "02", "Ydelser", B, "mapped"),
        ],
        columns=["mailbox_id", "subject_id", "mailbox_name", "ngdp_guid", "status"],
    )
    file_points = [cp(A, "Alfa", [(102065, None), (102466, 2), (103999, None)])]
    removals = unmapped_translations(frame, file_points)
    assert [(e.postkasse, e.emne, e.reason) for e in removals[A]] == [
        ("0102065", "", "mapped_elsewhere"),
        ("0102466", "02", "mapped_elsewhere"),
        ("103999", "", "not_in_export"),
    ]


def test_the_checklist_counts_the_removals_of_an_offline_to_do_in_any_form() -> None:
    """What step 5's evidence counts (the to-do as the step file stores it, or whole); a
    to-do read from NgDP, none, or a damaged one counts none."""
    from ngdpkit.checks.ngdp_compare import removals_offline

    assert removals_offline(todo()) == 5
    assert removals_offline(compact_todo(todo())) == 5
    assert removals_offline(stored_json(compact_todo(todo()))) == 5
    assert removals_offline(planned_todo(mapping(), {})) == 0
    assert removals_offline(PortalTodo(True, ())) == 0
    assert removals_offline(None) == removals_offline({"verified": "x"}) == 0


def test_long_ids_compare_exactly_and_many_subjects_of_one_mailbox_are_looked_up_once() -> None:
    """An attacker's look: IDs of 17 and 18 digits compared as floats, so a right translation
    was listed to remove (a gap step 5 could never close) and a wrong one next to it hidden;
    an export ID written "1e2" or "+100" matched 100 and named itself so in the row; and one
    postkasse with thousands of subjects and as many translations took seconds."""
    long_a, long_b = 12345678901234567, 12345678901234568
    frame = pd.DataFrame(
        [
            (str(long_a), "", "a", A, "mapped"),
            (str(long_b), "", "b", B, "mapped"),
            ("1e2", "", "c", B, "mapped"),
        ],
        columns=["mailbox_id", "subject_id", "mailbox_name", "ngdp_guid", "status"],
    )
    removals = unmapped_translations(
        frame, [cp(A, "Alfa", [(long_a, None), (long_b, None), (100, None)])]
    )
    assert [(e.postkasse, e.reason) for e in removals[A]] == [
        (str(long_b), "mapped_elsewhere"),
        ("100", "not_in_export"),  # "1e2" is no mailbox ID: nothing of the export matches 100
    ]
    n = 3000
    many = pd.DataFrame(
        {
            "mailbox_id": ["0100200"] * n,
            "subject_id": [str(i) for i in range(1, n + 1)],
            "mailbox_name": ["m"] * n,
            "ngdp_guid": [B] * n,
            "status": ["mapped"] * n,
        }
    )
    moved = unmapped_translations(many, [cp(A, "Alfa", [(100200, i) for i in range(1, n + 1)])])
    assert len(moved[A]) == n and moved[A][0].postkasse == "0100200"
    assert {e.reason for e in moved[A]} == {"mapped_elsewhere"}
