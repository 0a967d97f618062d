"""``changes.json`` for people (contract §12.8): every change a sentence in Danish and English,
every value in a reader's words; no ``True``, ``None`` or Python list ever reaches a page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ngdpkit import findings as F
from ngdpkit.documents.change_text import (
    TEXTS,
    code_title,
    code_words,
    finding_sentence,
    guid_names,
    human,
    lines,
    sentence,
    summary,
    unit_counts,
    unit_of,
)

GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
OTHER = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
NAMES = {GUID: "Borgerservice"}


def test_values_in_a_readers_words() -> None:
    assert (human(True, "da"), human(False, "da")) == ("ja", "nej")
    assert (human(True, "en"), human(False, "en")) == ("yes", "no")
    for nothing in (None, "", [], {}):
        assert human(nothing, "da") == "ikke sat" and human(nothing, "en") == "not set"
    assert human(1234567, "da") == "1.234.567" and human(1234567, "en") == "1,234,567"
    assert human("CITIZEN", "da") == "borgere" and human("CITIZEN", "en") == "citizens"
    assert human("retired", "da") == "udgår"
    assert human(GUID.upper(), "en", NAMES) == f"Borgerservice ({GUID.upper()})"
    assert human(OTHER, "en", NAMES) == OTHER  # a GUID nobody named stays as it is
    assert human({"ready": True, "custom": None}, "da") == "klar til brug ja; custom ikke sat"


def test_a_decimal_number_in_danish_has_a_decimal_comma() -> None:
    assert human(1.5, "en") == "1.5" and human(1234.5, "en") == "1,234.5"
    assert human(1.5, "da") == "1,5" and human(1234.5, "da") == "1.234,5"


def test_a_long_list_names_eight_then_how_many_more() -> None:
    items = [f"10.0.0.{i}" for i in range(11)]
    assert human(items, "da") == ", ".join(items[:8]) + " og 3 mere"
    assert human(items, "en") == ", ".join(items[:8]) + " and 3 more"
    assert human(items[:8], "en") == ", ".join(items[:8])
    assert human([None, True], "en") == "not set, yes"


def test_a_mapping_change_names_the_contact_point_and_the_subject() -> None:
    params = {
        "mailbox": "M-1",
        "subject": "S-9",
        "before": {"guid": GUID, "contact_point": "Borgerservice", "status": "mapped"},
        "after": {"guid": "", "status": "retired"},
    }
    assert sentence("MAPPING_CHANGED", params, "da", {}) == (
        f"Postkasse M-1 (emne S-9): Borgerservice ({GUID}) → udgår."
    )
    assert sentence("MAPPING_CHANGED", params, "en", {}) == (
        f"Mailbox M-1 (subject S-9): Borgerservice ({GUID}) → retired."
    )
    # the name found elsewhere in the document, by GUID in any case
    added = {"mailbox": "M-2", "after": {"guid": GUID.upper(), "status": "pending"}}
    assert sentence("MAPPING_ADDED", added, "en", NAMES) == (
        f"Mailbox M-2 is new: Borgerservice ({GUID.upper()}), pending."
    )
    removed = {"mailbox": "M-3", "before": "garbage"}
    assert sentence("MAPPING_REMOVED", removed, "da", {}) == (
        "Postkasse M-3 er ikke længere i eksporten (var: ikke sat)."
    )


def test_a_list_that_changed_says_what_was_added_and_removed() -> None:
    params = {"field": "allowed_ips", "before": ["1.1.1.1", "2.2.2.2"], "after": ["2.2.2.2"]}
    assert sentence("PORTAL_SYSTEM_CHANGED", params, "da", {}) == (
        "Systemets tilladte IP-adresser: tilføjet intet; fjernet 1.1.1.1."
    )
    cp = {"contact_point": GUID, "field": "translations", "before": [], "after": ["P1", "P2"]}
    assert sentence("PORTAL_CONTACT_POINT_CHANGED", cp, "en", NAMES) == (
        f"Contact point Borgerservice ({GUID}), postkasse translations: added P1, P2; "
        "removed nothing."
    )


def test_hostile_values_are_never_read_as_templates() -> None:
    """A file name or a reason holding ``{…}`` is text, not a placeholder."""
    assert sentence("OUTPUT_CHANGED", {"file": "{file.__class__}"}, "en", {}) == (
        "{file.__class__} has new content."
    )
    reason = {"run": "r1", "reason": "{0} {reason!r} }{"}
    assert sentence("CHANGES_NOT_COMPARED", reason, "da", {}) == (
        "Den forrige kørsel r1 kan ikke sammenlignes med denne: «{0} {reason!r} }{»."
    )


def test_a_code_from_a_newer_kit_is_still_readable() -> None:
    text = sentence("FUTURE_CHANGE", {"flag": True, "gone": None, "ips": ["a"]}, "da", {})
    assert text == "FUTURE_CHANGE: flag ja, gone ikke sat, ips a"
    # a known code missing a parameter its template names: its title and what there is
    assert sentence("MAPPING_CHANGED", {"mailbox": "M-1"}, "en", {}) == "Mapping changed: M-1"


def test_findings_through_the_catalogue_and_garbage_as_its_message() -> None:
    f = F.error("CERT_EXPIRED", "The certificate expired on {date}.", "certificate", date="x")
    entry = f.to_dict()
    assert finding_sentence(entry, "en") == "The certificate expired on x."
    assert finding_sentence({"message": "raw text"}, "da") == "raw text"  # no severity
    assert finding_sentence({}, "da") == ""


def change() -> dict[str, Any]:
    return {
        "findings_added": [F.error("CERT_EXPIRED", "gone", "certificate").to_dict()],
        "findings_resolved": ["not a mapping", 7],
        "mapping_changed": [
            {
                "code": "MAPPING_CHANGED",
                "unit": "Borgerservice",
                "params": {
                    "mailbox": "M-1",
                    "before": {"guid": OTHER, "status": "mapped"},
                    "after": {"guid": GUID, "contact_point": "Borgerservice", "status": "mapped"},
                },
            },
            {"code": "MAPPING_ADDED", "unit": "Borgerservice", "params": {"mailbox": "M-2"}},
            {"code": "MAPPING_ADDED", "unit": "", "params": "not a mapping"},
        ],
        "dispatcher_changed": [
            {
                "code": "DISPATCHER_CHANGED",
                "params": {"field": "ready", "before": True, "after": False},
            }
        ],
        "portal_changed": [
            {
                "code": "PORTAL_CONTACT_POINT_CHANGED",
                "params": {
                    "contact_point": GUID,
                    "field": "visible",
                    "before": None,
                    "after": True,
                },
            }
        ],
        "outputs_changed": [{"code": "OUTPUT_CHANGED", "params": {"file": "firewall-rules.csv"}}],
    }


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_line_of_a_document_reads_as_words(language: str) -> None:
    out = lines(change(), language)
    assert [s for s, *_ in out] == [
        "findings_added",
        "mapping_changed",
        "mapping_changed",
        "mapping_changed",
        "dispatcher_changed",
        "portal_changed",
        "outputs_changed",
    ]
    for _section, _code, _unit, text in out:
        for python in ("True", "False", "None", "[", "{", "'M-", "(None"):
            assert python not in text, text
    # the GUID the mapping names is named on the portal line too
    assert f"Borgerservice ({GUID})" in out[5][3]
    assert guid_names(change()) == NAMES


def test_the_summary_counts_by_section_code_and_unit() -> None:
    counted = summary(change(), "en")
    assert counted[0] == ("findings_added", "CERT_EXPIRED", "", 1)
    assert ("mapping_changed", "MAPPING_ADDED", "", 1) in counted
    assert ("mapping_changed", "MAPPING_ADDED", "Borgerservice", 1) in counted
    assert [s for s, *_ in counted] == sorted(
        (s for s, *_ in counted), key=[*dict.fromkeys(s for s, *_ in lines(change(), "en"))].index
    )


def test_titles_and_code_words() -> None:
    assert code_title("findings_added", "CERT_EXPIRED", "da") == "Certifikatet er udløbet"
    assert code_title("findings_added", "CERT_EXPIRED", "en") == "Certificate expired"
    assert code_title("mapping_changed", "MAPPING_ADDED", "da") == "Ny postkasse"
    assert code_title("mapping_changed", "NEWER_CODE", "da") == "NEWER_CODE"
    assert code_words("NGDP_API_URL_OVERRIDDEN") == "NgDP API URL overridden"
    assert code_words("CERT_P12_WRONG") == "Certificate .p12 wrong"
    assert code_words("__") == ""


def test_units_counted_and_findings_placed_by_mailbox_or_row() -> None:
    assert unit_counts(["A", "B", "A", ""], "da") == "A 2, B 1, hele miljøet 1"
    assert unit_counts(["", ""], "en") == "the whole environment 2"
    units = ({"M-1": "Borgerservice"}, {"mailboxes.xlsx:7": "Børn og Unge"})
    assert unit_of({"params": {"mailbox_id": "M-1"}}, units) == "Borgerservice"
    assert unit_of({"params": {"mid": "M-9"}, "location": "mailboxes.xlsx:7"}, units) == (
        "Børn og Unge"
    )
    assert unit_of({"params": ["M-1"], "location": None}, units) == ""


def test_a_mailbox_named_with_its_subject_is_placed_in_its_unit() -> None:
    """A customer's read of an online run: NGDP_TRANSLATION_MISSING names a mailbox with its
    subject ("0101204:1"), and 22 of them were counted under "hele miljøet" instead of their
    units."""
    units = ({"0101204": "Kultur og Fritid", "7:1": "Odd"}, {})
    assert unit_of({"params": {"mailbox": "0101204:1"}}, units) == "Kultur og Fritid"
    assert unit_of({"params": {"mailbox": "7:1"}}, units) == "Odd"  # the whole ID first
    assert unit_of({"params": {"mailbox": "0109999:1"}}, units) == ""


def test_every_change_code_has_both_languages() -> None:
    for code, texts in TEXTS.items():
        assert set(texts) == {"da", "en"}, code


def test_a_deliverable_new_or_gone_is_said_so_not_as_new_content() -> None:
    """A customer's week-two read: "mapping-suggestions.xlsx har nyt indhold" for a file the
    signed run did not have (and the first runbook.ics the same)."""
    assert sentence("OUTPUT_CHANGED", {"file": "runbook.ics", "was": "added"}, "da", {}) == (
        "runbook.ics er ny i denne kørsel."
    )
    assert sentence("OUTPUT_CHANGED", {"file": "runbook.ics", "was": "removed"}, "en", {}) == (
        "runbook.ics is no longer written."
    )
    assert sentence("OUTPUT_CHANGED", {"file": "runbook.ics"}, "da", {}) == (
        "runbook.ics har nyt indhold."
    )


def test_output_changes_say_which_side_lacks_the_file(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from ngdpkit.compare.diff import output_changes

    a = SimpleNamespace(manifest={"firewall-rules.csv": "1", "old.csv": "2"}, path=tmp_path)
    b = SimpleNamespace(manifest={"firewall-rules.csv": "3", "runbook.ics": "4"}, path=tmp_path)
    said = {c.params["file"]: c.params.get("was") for c in output_changes(a, b)}  # type: ignore[arg-type]
    assert said == {"firewall-rules.csv": None, "old.csv": "removed", "runbook.ics": "added"}


def test_a_step_now_blocked_says_what_blocks_it_after_its_evidence() -> None:
    """A customer's week-two read: "Trin 7 (…): ikke verificeret → blokeret (Anne Konsulent,
    …: Dispatcher oprettet i Configurator)" read as if the confirmation had blocked the step;
    the blocking findings were named nowhere near it. The step's next action follows."""
    params = {
        "step": 7,
        "title": "NgDP-dispatcheren sat op i WorkZone",
        "before": "not_verified",
        "after": "blocked",
        "detail": "Anne Konsulent, 06-12-2026 kl. 06:51: Dispatcher oprettet i Configurator",
        "next": "Ret de blokerende fund: dispatcherens værdier er ikke klare til brug før da.",
    }
    assert sentence("CHECKLIST_CHANGED", params, "da", {}) == (
        "Trin 7 (NgDP-dispatcheren sat op i WorkZone): ikke verificeret → blokeret (Anne "
        "Konsulent, 06-12-2026 kl. 06:51: Dispatcher oprettet i Configurator). Ret de "
        "blokerende fund: dispatcherens værdier er ikke klare til brug før da."
    )
    done = {**params, "after": "done", "next": "x"}  # only a blocked step says it
    assert not sentence("CHECKLIST_CHANGED", done, "da", {}).endswith(" x")


def test_the_firewall_orders_servers_that_came_and_went_are_named(tmp_path: Path) -> None:
    """A customer's week-two read: a server renamed and one added read only as
    "firewall-rules.csv har nyt indhold", while eight and eleven rules changed with them."""
    from types import SimpleNamespace

    from ngdpkit.compare.diff import output_changes

    head = "\ufeffsource;source_server;source_ip;destination_host;ip;port;protocol;direction\r\n"

    def order(folder: Path, *servers: str) -> SimpleNamespace:
        folder.mkdir()
        rows = [
            f"{s};{s};{s};api.test.digitalpost.dk;80.198.95.44;443;TCP;outgoing" for s in servers
        ]
        rows.append("NgDP;;not published;wzpush;x;443;TCP;incoming")
        (folder / "firewall-rules.csv").write_text(head + "\r\n".join(rows) + "\r\n", "utf-8")
        return SimpleNamespace(manifest={"firewall-rules.csv": str(servers)}, path=folder)

    a = order(tmp_path / "a", "wz-web01-t", "wz-agent01-t")
    b = order(tmp_path / "b", "wz-web01-t", "wz-agent02-t", "wz-web02-t")
    (change,) = output_changes(a, b)  # type: ignore[arg-type]
    assert change.params["servers_added"] == ["wz-agent02-t", "wz-web02-t"]
    assert change.params["servers_removed"] == ["wz-agent01-t"]
    assert sentence(change.code, change.params, "da", {}) == (
        "firewall-rules.csv har nyt indhold. Nye servere i firewall-reglerne: wz-agent02-t, "
        "wz-web02-t. Servere fjernet fra firewall-reglerne: wz-agent01-t."
    )
    same = order(tmp_path / "c", "wz-web01-t", "wz-agent01-t")
    same.manifest = {"firewall-rules.csv": "other rules, same servers"}
    (only,) = output_changes(a, same)  # type: ignore[arg-type]
    assert set(only.params) == {"file"}


def test_a_mapping_change_says_the_mailboxs_name_beside_its_id() -> None:
    """A customer's week-two read: "Postkasse 0100233" alone named nothing they knew. The
    name comes from ``changes.json``'s ``mailbox_names``; a change whose mailbox has none, and
    a file from an older kit without the list, read as before."""
    change = {
        "mapping_changed": [
            {
                "code": "MAPPING_CHANGED",
                "unit": "Borgerservice",
                "params": {
                    "mailbox": "0100233",
                    "subject": "12",
                    "before": {"guid": GUID, "contact_point": "Borgerservice", "status": "mapped"},
                    "after": {"guid": "", "status": "retired"},
                },
            },
            {
                "code": "MAPPING_UNIT_CHANGED",
                "unit": "Ny enhed",
                "params": {"mailbox": "0100309", "subject": "", "from_unit": "Borgerservice",
                           "to_unit": "Ny enhed", "contact_point": "Borgerservice"},
            },
            {
                "code": "MAPPING_ADDED",
                "params": {"mailbox": "7", "after": {"guid": GUID, "status": "mapped"}},
            },
        ],
        "mailbox_names": [
            {"mailbox": "0100233", "name": "Pas og kørekort"},
            {"mailbox": "0100309", "name": "Folkeregister"},
            {"mailbox": "7"},  # no name: as if none were given
            "garbage",
        ],
    }  # fmt: skip
    texts = [text for _s, _c, _u, text in lines(change, "da")]
    assert texts == [
        f"Postkasse 0100233 (Pas og kørekort; emne 12): Borgerservice ({GUID}) → udgår.",
        "Postkasse 0100309 (Folkeregister) hører nu til Ny enhed (før: Borgerservice) og lander "
        "på Borgerservice.",
        f"Postkasse 7 er ny: Borgerservice ({GUID}).",
    ]
    assert [text for *_, text in lines(change, "en")][0] == (
        f"Mailbox 0100233 (Pas og kørekort; subject 12): Borgerservice ({GUID}) → retired."
    )
    older = {"mapping_changed": change["mapping_changed"][:1]}
    assert [text for *_, text in lines(older, "da")] == [
        f"Postkasse 0100233 (emne 12): Borgerservice ({GUID}) → udgår."
    ]
    # only a mapping change takes a mailbox's name
    assert "Pas" not in sentence(
        "OUTPUT_CHANGED", {"mailbox": "0100233"}, "da", {}, {"0100233": "Pas"}
    )


def test_a_contact_point_that_came_or_went_is_one_change() -> None:
    """A week-two consultant: a contact point new in the contact points file read as four
    "Kontaktpunkt ændret" ("navn: ikke sat → …", then its target groups, visibility and
    translations). It is one change saying it is new (or gone), with its translations
    counted; a contact point in both runs still says each field that changed."""
    from ngdpkit.compare.diff import portal_changes
    from ngdpkit.compare.runs import RunView
    from ngdpkit.deliverables.portal import PortalContactPoint, PortalRegistration, PortalSystem

    system = PortalSystem("WorkZone test", "REST_PULL", (), None, "MEMO", None)

    def view(*points: PortalContactPoint) -> RunView:
        portal = PortalRegistration("s", "test", "test", "p", system, points, ())
        return RunView(Path("r"), "test", "ok", [], {}, "", "", portal=portal)

    kept = PortalContactPoint(
        name="Borgerservice", id=GUID, targets=("CITIZEN",), visible=True, translations=("1",)
    )
    new = PortalContactPoint(
        name="Klima", id=OTHER, targets=("CITIZEN",), visible=True, translations=("2", "3")
    )
    added = portal_changes(view(kept), view(kept, new))
    assert [(c.code, c.params["contact_point"], c.params["count"]) for c in added] == [
        ("PORTAL_CONTACT_POINT_ADDED", "Klima", 2)
    ]
    assert sentence(added[0].code, added[0].params, "da", {}) == (
        "Kontaktpunktet Klima er nyt i denne kørsel (oversættelser: 2)."
    )
    gone = portal_changes(view(kept, new), view(kept))
    assert [c.code for c in gone] == ["PORTAL_CONTACT_POINT_REMOVED"]
    assert sentence(gone[0].code, gone[0].params, "en", {}) == (
        "Contact point Klima is no longer among the contact points (translations before: 2)."
    )
    assert (
        code_title("portal_changed", "PORTAL_CONTACT_POINT_ADDED", "da") == "Kontaktpunkt tilføjet"
    )
    moved = PortalContactPoint(
        name="Borgerservice", id=GUID, targets=("CITIZEN",), visible=False, translations=("1",)
    )
    assert [c.code for c in portal_changes(view(kept), view(moved))] == [
        "PORTAL_CONTACT_POINT_CHANGED"
    ]


def test_a_unit_moved_whole_is_one_line_above_its_moves() -> None:
    """A week-two consultant read 200 ``MAPPING_UNIT_CHANGED`` lines for one unit renamed in
    the export. ``diff`` now says it once above them (each move stays listed: the kit cannot
    tell a renamed unit from mailboxes sent elsewhere); moves to several units, or one move
    alone, get no such line."""
    from ngdpkit.documents.change_text import units_moved
    from ngdpkit.documents.i18n import t

    def move(mailbox: str, old: str, new: str) -> dict[str, Any]:
        params = {"mailbox": mailbox, "subject": "", "from_unit": old, "to_unit": new}
        return {"code": "MAPPING_UNIT_CHANGED", "params": params, "unit": new}

    change = {
        "mapping_changed": [
            *(move(str(i), "Borgerservice", "Borger- og Ydelsesservice") for i in range(200)),
            move("a", "Skole", "Dagtilbud"),
            move("b", "Skole", "Byggesager"),
            move("c", "Kultur", "Fritid"),
            move("d", "", "Ny"),
            move("e", "", "Ny"),
            {"code": "MAPPING_CHANGED", "params": {"mailbox": "1"}, "unit": "x"},
        ]
    }
    assert units_moved(change) == [("Borgerservice", "Borger- og Ydelsesservice", 200)]
    assert units_moved({}) == []
    said = t("da", "diff_unit_moved", old="Borgerservice", new="Borger- og Ydelsesservice", n=200)
    assert said.startswith("enheden »Borgerservice« er nu »Borger- og Ydelsesservice« for 200")
    said = t("en", "diff_unit_moved", old="A", new="B", n=2)
    assert said == 'unit "A" is now "B" for 2 mailboxes (each is listed below)'


def test_a_unit_moved_whole_says_counted_below_when_diff_only_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Danish coordinator's read of ``diff`` after a unit was renamed in the export: "for 43
    postkasser (hver er nævnt nedenfor)" stood above a summary that counted the moves and
    listed none (past 50 changes, without ``--all``). The line says they are counted below
    and how to list each; with ``--all`` (or few changes) it says each is listed. Its count
    is in the language's number form."""
    from ngdpkit.compare import diff, runs
    from ngdpkit.documents.change_text import unit_moved_lines
    from tests.conftest import cli

    def move(mailbox: str) -> dict[str, Any]:
        params = {"mailbox": mailbox, "subject": "", "from_unit": "Borgerservice", "to_unit": "X"}
        return {"code": "MAPPING_UNIT_CHANGED", "params": params, "unit": "X"}

    many = {"mapping_changed": [move(str(i)) for i in range(1200)]}
    (said,) = unit_moved_lines(many, "da", listed=False)
    assert said == (
        "enheden »Borgerservice« er nu »X« for 1.200 postkasser"
        " (talt op nedenfor under »X«; --all viser hver enkelt)"
    )
    (said,) = unit_moved_lines(many, "en", listed=True)
    assert said == 'unit "Borgerservice" is now "X" for 1,200 mailboxes (each is listed below)'

    change = {
        "environment": "test",
        "previous": {"run": "20261201T080000Z-aaaaaa"},
        "current": {"run": "20261202T080000Z-bbbbbb"},
        "mapping_changed": [move(str(i)) for i in range(60)],
    }
    monkeypatch.setattr(diff, "diff_runs", lambda a, b: change)
    monkeypatch.setattr(runs, "run_language", lambda run: "da")
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    counted = cli("diff", str(first), str(second)).stdout.splitlines()
    assert "60 postkasser (talt op nedenfor under »X«; --all viser hver enkelt)" in counted[1]
    assert counted[2].startswith("  60 ændringer; efter kode og enhed")
    every = cli("diff", str(first), str(second), "--all").stdout.splitlines()
    assert every[1].endswith("60 postkasser (hver enkelt står nedenfor)")
    assert len([x for x in every if "MAPPING_UNIT_CHANGED" in x]) == 60


def test_a_unit_moved_whole_counts_its_mailboxes_not_its_rows() -> None:
    """A move is a row of the mapping (mailbox and subject): a unit of 3 mailboxes with 4
    subjects each read "for 12 mailboxes", and one mailbox with two subjects "for 1
    postkasser". Each mailbox counts once, its noun agreeing; over 50 changes the moves are
    counted by unit, not listed (the line said "each is listed below" above a summary)."""
    from ngdpkit.documents.change_text import units_moved
    from ngdpkit.documents.i18n import t

    def move(mailbox: str, subject: str, old: str, new: str) -> dict[str, Any]:
        params = {"mailbox": mailbox, "subject": subject, "from_unit": old, "to_unit": new}
        return {"code": "MAPPING_UNIT_CHANGED", "params": params, "unit": new}

    rows = [move(m, s, "Teknik", "Teknik og Miljø") for m in "abc" for s in ("1", "2", "3", "4")]
    rows += [move("d", "1", "Kultur", "Fritid"), move("d", "2", "Kultur", "Fritid")]
    assert units_moved({"mapping_changed": rows}) == [
        ("Teknik", "Teknik og Miljø", 3),
        ("Kultur", "Fritid", 1),
    ]
    assert t("da", "diff_unit_moved", old="Kultur", new="Fritid", n=1).endswith(
        "for 1 postkasse (hver enkelt står nedenfor)"
    )
    counted = t("en", "diff_unit_moved_counted", old="A", new="B", n="1,200")
    assert (
        counted
        == 'unit "A" is now "B" for 1,200 mailboxes (counted below under "B"; --all lists each)'
    )
    assert "talt op nedenfor under »B«" in t("da", "diff_unit_moved_counted", old="A", new="B", n=2)


def test_a_mailbox_moved_before_it_is_mapped_lands_on_no_contact_point_yet() -> None:
    """A first-week diff after a unit was renamed in the export, before any mapping: each
    moved mailbox "lander på ikke sat", as if a value were left out. It lands on no contact
    point yet, in the run's language; a mapped one still names its contact point."""
    params = {"mailbox": "0112107", "from_unit": "Løn og Personale", "to_unit": "HR og Løn"}
    assert sentence("MAPPING_UNIT_CHANGED", params, "da", {}) == (
        "Postkasse 0112107 hører nu til HR og Løn (før: Løn og Personale)"
        " og lander på intet kontaktpunkt endnu."
    )
    assert sentence("MAPPING_UNIT_CHANGED", {**params, "contact_point": ""}, "en", {}) == (
        "Mailbox 0112107 now belongs to HR og Løn (was: Løn og Personale)"
        " and lands on no contact point yet."
    )
    mapped = {**params, "contact_point": "Løn"}
    assert sentence("MAPPING_UNIT_CHANGED", mapped, "da", {}).endswith("og lander på Løn.")


def test_diff_says_what_its_less_obvious_marks_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A consultant's cold read of ``diff``: "> MAILBOX_UNMAPPED …" stood among the "+" and
    "-" lines with nothing saying that ">" is a finding not resolved (said by its row's ID
    error now); "?" and "=" were as unexplained. A line under the changes names each such
    mark printed, in the runs' language; "+", "-" and "~" get none, nor does a mark not
    printed."""
    from ngdpkit.compare import diff, runs
    from tests.conftest import cli

    unmapped = {
        "code": "MAILBOX_UNMAPPED",
        "message": "Postkassen 0100272 har ingen kontaktpunkt-GUID.",
        "template": "Mailbox {mid} has no contact point GUID.",
        "params": {"mid": "0100272"},
        "source": "mailboxes.xlsx",
        "location": "Postkasser!6",
    }
    change: dict[str, Any] = {
        "environment": "test",
        "previous": {"run": "20261201T080000Z-aaaaaa"},
        "current": {"run": "20261202T080000Z-bbbbbb"},
        "findings_superseded": [unmapped],
    }
    monkeypatch.setattr(diff, "diff_runs", lambda a, b: change)
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    monkeypatch.setattr(runs, "run_language", lambda run: "da")
    said = cli("diff", str(first), str(second)).stdout.splitlines()
    assert said[1].startswith("  > MAILBOX_UNMAPPED")
    assert said[-1] == (
        "  tegnet > står for: Fund, der nu dækkes af fejlen i postkasse-ID'et i samme række"
        " (ikke løst)"
    )
    assert not any("tegnet ?" in line or "tegnet =" in line for line in said)
    change["findings_unchecked"] = [unmapped]
    monkeypatch.setattr(runs, "run_language", lambda run: "en")
    said = cli("diff", str(first), str(second)).stdout.splitlines()
    assert said[-2:] == [
        "  the mark ? stands for: Findings this run could not check (not resolved)",
        "  the mark > stands for: Findings now covered by the Mailbox ID error of the same row"
        " (not resolved)",
    ]
    change["findings_unchecked"] = []
    change["findings_superseded"] = []
    change["findings_added"] = [unmapped]
    said = cli("diff", str(first), str(second)).stdout.splitlines()
    assert not any("stands for" in line for line in said), said
