"""Notebook 02's mapping editor without a browser: its widgets driven from Python as the
front end would (values set, buttons' handlers called); the file is what counts."""

from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Any

import pytest

import ngdpkit as nk
from ngdpkit.findings import local_time
from ngdpkit.inputs.decisions import read_decisions
from ngdpkit.steps import decide as decide_module
from ngdpkit.steps.editor import PAGE, MappingEditor, in_lab, mapping_editor
from tests.test_decide import HOSTILE, Session, hostile_mailbox, unmapped_sample

ipywidgets = pytest.importorskip("ipywidgets", reason="the editor needs the [lab] extra")


@pytest.fixture(autouse=True)
def no_decider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decide_module, "_decider", None)


@pytest.fixture
def session(sample_copy: Path) -> Session:
    return Session(unmapped_sample(sample_copy, hostile=HOSTILE))


def editor(session: Session) -> MappingEditor:
    return MappingEditor(
        session.step, session.mapping, session.contact_points, session.mapping_file, ipywidgets
    )


def walk(widget: Any) -> list[Any]:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += walk(child)
    return out


def text(widget: Any) -> str:
    """What a person reads in an HTML widget (its value is escaped text)."""
    return html.unescape(widget.value)


def ed_first_best(session: Session, key: str) -> str:
    mailbox, _, subject = key.partition(":")
    return session.suggestions(mailbox, subject)[0]


def decisions(session: Session) -> Any:
    if not session.file.exists():
        return ()
    log, found = read_decisions(session.file, label="decisions-test.csv")
    assert not found
    return log.decisions


def test_outside_jupyterlab_the_cell_is_a_note(sample_copy: Path, tmp_path: Path) -> None:
    settings = unmapped_sample(sample_copy)
    step = nk.start_step(
        "02_contact_points", settings=settings, environment="test", run_dir=tmp_path / "run"
    )
    cps, mf = nk.load_contact_points(step), nk.load_mapping_file(step)
    mapping = nk.map_mailboxes(step, nk.mailboxes_from_step(step), cps, mf)
    assert not in_lab(step)
    shown = mapping_editor(step, mapping, cps, mf)
    assert isinstance(shown, nk.steps.core.display.HTML)
    # no decisions file yet: the note never names it as read (a customer's cold read found
    # "this run reads the decisions from decisions-production.csv", a file that was not there)
    assert not (sample_copy / "decisions-test.csv").exists()
    assert "der findes endnu ingen beslutningsfil (decisions-test.csv)" in str(shown)
    assert "læser beslutningerne" not in str(shown)
    assert 'class="nk consultant"' in str(shown)  # on screen, never printed for signing
    (sample_copy / "decisions-test.csv").write_text("", encoding="utf-8")
    shown = mapping_editor(step, mapping, cps, mf)
    assert "denne kørsel læser beslutningerne fra decisions-test.csv" in str(shown)


def test_without_ipywidgets_the_cell_is_a_note(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails as when not installed
    shown = mapping_editor(session.step, session.mapping, session.contact_points, None)
    assert "pip install &#39;ngdpkit[lab]&#39;" in str(shown) and "nk.decide" in str(shown)


def test_the_unmapped_with_their_suggestions_a_page_at_a_time(session: Session) -> None:
    assert in_lab(session.step)
    ed = editor(session)
    unmapped = session.unmapped()
    assert len(unmapped) > PAGE
    assert len(ed.rows) == PAGE and text(ed.showing) == f"viser {PAGE} af {len(unmapped)} (1–50)"
    assert ed.previous.disabled and not ed.next.disabled
    ed.next.click()
    assert len(ed.rows) == len(unmapped) - PAGE and not ed.previous.disabled
    key, _, pick = ed.rows[0]
    mailbox, _, subject = key.partition(":")
    offered = session.suggestions(mailbox, subject)
    assert [v for _, v in pick.options] == offered and pick.value == offered[0]  # best first
    assert "Tilknyttet 134 · mangler 66 · udgår 0" in text(ed.counts)


def test_search_and_unit_filter(session: Session) -> None:
    ed = editor(session)
    mailbox = hostile_mailbox(session.settings)
    ed.search.value = mailbox
    assert [r[0] for r in ed.rows] == [mailbox] and text(ed.showing) == "viser 1 af 1"
    ed.search.value = "ONERROR"  # names, case-insensitive
    assert [r[0] for r in ed.rows] == [mailbox]
    ed.search.value = ""
    units = [v for _, v in ed.unit.options]
    assert units[0] == "*" and "Skole og Dagtilbud" in units
    ed.unit.value = "Skole og Dagtilbud"
    frame = session.mapping.frame
    expected = frame[
        (frame["status"] == "unmapped") & (frame["responsible_unit"] == "Skole og Dagtilbud")
    ]
    assert len(ed.rows) == min(PAGE, len(expected)) > 0


def test_a_hostile_name_is_text_in_every_widget(session: Session) -> None:
    ed = editor(session)
    ed.search.value = hostile_mailbox(session.settings)
    shown = walk(ed.widget)
    assert not [w for w in shown if isinstance(w, ipywidgets.HTMLMath)]
    markup = [w.value for w in shown if isinstance(w, ipywidgets.HTML)]
    assert markup and not [v for v in markup if "<" in v]  # escaped, every one
    assert HOSTILE in [html.unescape(v) for v in markup]
    assert html.escape(HOSTILE) in markup


def test_accept_writes_the_chosen_suggestion_for_the_checked_rows(session: Session) -> None:
    ed = editor(session)
    (first, check1, _), (second, check2, pick2) = ed.rows[0], ed.rows[1]
    check1.value = check2.value = True
    ed.accept.click()
    assert "Skriv dit navn først" in text(ed.message) and not session.file.exists()
    ed.name.value = "Anne Konsulent"
    chosen = pick2.options[1][1]
    pick2.value = chosen  # the second suggestion for the second row
    ed.note.value = "aftalt på mødet"
    ed.accept.click()
    assert "2 beslutninger gemt i decisions-test.csv" in text(ed.message)
    written = {d.key: d for d in decisions(session)}
    assert set(written) == {first, second}
    assert written[second].guid == chosen and written[first].guid == ed_first_best(session, first)
    assert {d.decided_by for d in written.values()} == {"Anne Konsulent"}
    assert {d.note for d in written.values()} == {"aftalt på mødet"} and ed.note.value == ""
    assert decide_module.decider() == "Anne Konsulent"  # asked once for the session
    # drawn again from the file: the decided rows are gone, the counts moved
    assert first not in [r[0] for r in ed.rows] and second not in [r[0] for r in ed.rows]
    assert "Tilknyttet 136 · mangler 64" in text(ed.counts) and "efter beslutning 2" in text(
        ed.counts
    )
    # a second editor in the same kernel knows the name already
    assert editor(session).name.value == "Anne Konsulent"


def test_the_chosen_suggestion_is_the_one_written(session: Session) -> None:
    ed = editor(session)
    ed.name.value = "Anne"
    key, check, pick = ed.rows[0]
    second_best = pick.options[1][1]
    pick.value = second_best
    check.value = True
    ed.accept.click()
    assert [(d.key, d.decision, d.guid) for d in decisions(session)] == [
        (key, "accept", second_best)
    ]


def test_override_by_name_and_retire(session: Session) -> None:
    ed = editor(session)
    ed.name.value = "Anne"
    key, check, _ = ed.rows[0]
    check.value = True
    ed.other.value = "nowhere"
    ed.override.click()
    # the refusal in the editor's language (it said "no contact point is named 'nowhere'")
    assert text(ed.message).startswith("Intet er gemt: intet kontaktpunkt hedder 'nowhere'")
    assert not session.file.exists()
    ed.other.value = "Eksempel Kommune - hovedpostkasse"
    ed.override.click()
    other, check2, _ = ed.rows[0]
    check2.value = True
    ed.retire.click()
    assert [(d.key, d.decision, d.guid) for d in decisions(session)] == [
        (key, "override", "9366b98e-64ef-58fe-a723-950f3d511167"),
        (other, "retire", ""),
    ]
    assert "udgår 1" in text(ed.counts)


def test_nothing_checked_nothing_written(session: Session) -> None:
    ed = editor(session)
    ed.name.value = "Anne"
    ed.retire.click()
    assert text(ed.message) == "Markér mindst én postkasse først." and not session.file.exists()
    ed.check_all.value = True
    assert all(check.value for _, check, _ in ed.rows)


def test_widget_state_is_never_an_input(session: Session) -> None:
    """A decision written elsewhere (by hand, another kernel) is in the next recompute."""
    ed = editor(session)
    ed.name.value = "Anne"
    outside = ed.rows[5][0]
    nk.decide(session.step, outside, "retire", by="Bo")
    key, check, _ = ed.rows[0]
    check.value = True
    ed.retire.click()
    assert outside not in [r[0] for r in ed.rows] and key not in [r[0] for r in ed.rows]
    assert "udgår 2" in text(ed.counts)


def test_texts_follow_the_settings_language(sample_copy: Path) -> None:
    settings = unmapped_sample(sample_copy)
    body = settings.read_text(encoding="utf-8").replace('language = "da"', 'language = "en"', 1)
    settings.write_text(body, encoding="utf-8")
    ed = editor(Session(settings))
    assert (ed.name.description, ed.accept.description, ed.retire.description) == (
        "Your name",
        "Accept the chosen suggestion",
        "Retire",
    )
    assert text(ed.showing).startswith("showing 50 of") and text(ed.counts).startswith("Mapped")
    ed.retire.click()
    assert text(ed.message) == "Check at least one mailbox first."


def test_a_retire_of_several_rows_waits_for_a_second_click_and_the_message_names_them(
    session: Session,
) -> None:
    """A consultant's session with a customer watching: "Markér alle viste" and one click on
    "Udgår" retired the page's mailboxes with no question, and the message said only "1
    beslutning gemt". A retire of several rows (or any decision for more than five) asks
    for a second click naming the rows; the message then says what each row got."""
    ed = editor(session)
    ed.name.value = "Anne"
    for _, check, _ in ed.rows[:3]:
        check.value = True
    keys = [key for key, _, _ in ed.rows[:3]]
    ed.retire.click()
    asked = text(ed.message)
    assert asked.startswith("»Udgår« for 3 postkasser (") and "klik på »Udgår« igen" in asked
    assert all(key in asked for key in keys) and not session.file.exists()
    ed.retire.click()  # the same rows, the same button: confirmed
    assert [d.key for d in decisions(session)] == keys
    said = text(ed.message)
    assert said.startswith("3 beslutninger gemt i decisions-test.csv")
    assert f"{keys[0]}: udgår" in said
    # a second click on another button is no confirmation
    for _, check, _ in ed.rows[:6]:
        check.value = True
    ed.other.value = "Eksempel Kommune - hovedpostkasse"
    ed.override.click()
    assert "»Vælg andet kontaktpunkt« for 6 postkasser" in text(ed.message)
    ed.retire.click()
    assert text(ed.message).startswith("»Udgår« for 6 postkasser")
    assert len(decisions(session)) == 3


def test_show_all_lists_mapped_mailboxes_to_override_or_decide_again(session: Session) -> None:
    """The same session: the editor listed only open mailboxes, so a mapped one could not be
    overridden there, nor a mistaken retire decided again. "Vis også tilknyttede og udgåede"
    lists every mailbox, each without suggestions saying where it lands now."""
    ed = editor(session)
    ed.name.value = "Anne"
    key, check, _ = ed.rows[0]
    check.value = True
    ed.retire.click()
    assert key not in [r[0] for r in ed.rows]
    ed.show_all.value = True
    ed.search.value = key
    (again, check, pick) = ed.rows[0]
    assert again == key and pick.options[0][0] == "udgår" and pick.disabled
    check.value = True
    ed.other.value = "Eksempel Kommune - hovedpostkasse"
    ed.override.click()
    assert f"{key} → Eksempel Kommune - hovedpostkasse" in text(ed.message)
    assert [(d.key, d.decision) for d in decisions(session)] == [(key, "override")]
    ed.search.value = key
    assert ed.rows[0][2].options[0][0] == "nu: Eksempel Kommune - hovedpostkasse"
    ed.show_all.value = False
    assert key not in [r[0] for r in ed.rows]


def test_a_colleague_s_decision_replaced_is_said_in_the_message(session: Session) -> None:
    """Week two: another consultant overrides a mailbox Anne retired; the editor's message
    says whose decision it replaced and what it was, as the next run's overview will."""
    ed = editor(session)
    ed.name.value = "Anne"
    key, check, _ = ed.rows[0]
    check.value = True
    ed.retire.click()
    assert "erstatter" not in text(ed.message)
    (anne,) = decisions(session)
    ed.name.value = "Bo"
    ed.show_all.value = True
    ed.search.value = key
    ed.rows[0][1].value = True
    ed.other.value = "Eksempel Kommune - hovedpostkasse"
    ed.override.click()
    said = (
        f"Postkasse {key.replace(':', ', emne ')}: den nye beslutning erstatter beslutningen, "
        f"som Anne traf den {local_time(anne.decided_at, 'da')} (udgår)."
    )
    assert said in text(ed.message), text(ed.message)


def test_accept_on_a_row_without_suggestions_and_a_question_that_went_stale(
    session: Session,
) -> None:
    """An attacker's look at the two above: "Godtag valgt forslag" on a mapped row shown with
    "show all" wrote the step's old best suggestion (the mailbox moved without a word); and a
    question asked before a page turn, or before another contact point was typed, was still
    answered by one more click. A row without a suggestion of its own is refused; turning
    the page, filtering, or changing what the rows would get asks again."""
    ed = editor(session)
    ed.name.value = "Anne"
    key, check, _ = ed.rows[0]
    check.value = True
    ed.other.value = "Eksempel Kommune - hovedpostkasse"
    ed.override.click()
    ed.show_all.value = True
    ed.search.value = key
    (_, check, pick) = ed.rows[0]
    assert pick.disabled
    check.value = True
    ed.accept.click()
    assert text(ed.message).startswith(f"Intet er gemt: {key} har intet forslag at godtage")
    assert [(d.key, d.decision) for d in decisions(session)] == [(key, "override")]
    # a question, then the page drawn again: the next click asks again
    ed.show_all.value = False
    ed.search.value = ""
    for _, check, _ in ed.rows[:2]:
        check.value = True
    ed.retire.click()
    assert "klik på »Udgår« igen" in text(ed.message)
    ed.search.value = ed.rows[0][0]
    ed.search.value = ""
    for _, check, _ in ed.rows[:2]:
        check.value = True
    ed.retire.click()
    assert "klik på »Udgår« igen" in text(ed.message)
    assert len(decisions(session)) == 1
    # another contact point typed between the clicks: asked again
    for _, check, _ in ed.rows[:6]:
        check.value = True
    ed.other.value = "Eksempel Kommune - hovedpostkasse"
    ed.override.click()
    ed.other.value = "Borgerservice - Eksempel Kommune"
    ed.override.click()
    assert "»Vælg andet kontaktpunkt« for 6 postkasser" in text(ed.message)
    assert len(decisions(session)) == 1


def test_an_unrelated_settings_edit_saves_and_a_contact_points_edit_is_named(
    session: Session,
) -> None:
    """The editor in a session whose settings are edited in another tab: a comment and a
    server's name let the retire through (the editor said "Intet er gemt" and asked for the
    notebook from its first cell); the contact points named otherwise refuse, the message
    naming the key in Danish, and nothing more is written."""
    import shutil

    folder = session.settings.parent
    text_before = session.settings.read_text(encoding="utf-8")
    session.settings.write_text(
        "# the customer's new server name\n" + text_before.replace("wz-web01-t", "wz-web1-t"),
        encoding="utf-8",
    )
    ed = editor(session)
    ed.name.value = "Anne"
    key, check, _ = ed.rows[0]
    check.value = True
    ed.retire.click()
    assert "1 beslutning gemt i decisions-test.csv" in text(ed.message)
    assert [(d.key, d.decision) for d in decisions(session)] == [(key, "retire")]
    shutil.copy(folder / "contact-points-test.xlsx", folder / "kp-test.xlsx")
    body = session.settings.read_text(encoding="utf-8")
    session.settings.write_text(
        body.replace('"contact-points-test.xlsx"', '"kp-test.xlsx"', 1), encoding="utf-8"
    )
    other, check2, _ = ed.rows[0]
    check2.value = True
    ed.retire.click()
    said = text(ed.message)
    assert said.startswith("Intet er gemt: migration.toml er ændret, efter at notebooken")
    assert said.endswith("beslutningen afhænger af: environments.test.contact_points")
    assert "kp-test" not in said
    assert [d.key for d in decisions(session)] == [key]


def test_the_editor_refuses_settings_that_no_longer_read_as_nk_decide_does(
    session: Session,
) -> None:
    """A consultant's week two, in the editor: a misspelt key is suggested in Danish, a
    misspelt file name is named with both ways out, and a settings file moved away says
    what to do, as nk.decide says it; nothing is written."""
    settings = session.settings
    raw = settings.read_bytes()
    ed = editor(session)
    ed.name.value = "Anne"
    key, check, _ = ed.rows[0]
    check.value = True
    body = raw.decode("utf-8")
    edits = [
        (
            'contact_points = "contact-points-test.xlsx"\n'
            'default_contact_piont = "00000000-0000-0000-0000-000000000001"',
            "; mente du default_contact_point?): ret den, og beslut så igen; intet gemmes",
        ),
        (
            'contact_points = "contact-point-test.xlsx"',
            "er filnavnet i environments.test.contact_points stavet forkert (der blev søgt "
            "efter »contact-point-test.xlsx«), så ret det, og beslut så igen; intet gemmes",
        ),
    ]
    for edit, said in edits:
        settings.write_text(
            body.replace('contact_points = "contact-points-test.xlsx"', edit, 1), encoding="utf-8"
        )
        ed.retire.click()
        shown = text(ed.message)
        assert shown.startswith("Intet er gemt: migration.toml kan ikke længere læses")
        assert said in shown, shown
    settings.unlink()
    ed.retire.click()
    assert "læg filen tilbage, og beslut så igen, eller kør notebooken igen fra første celle " in (
        text(ed.message)
    )
    assert "NGDPKIT_SETTINGS" in text(ed.message)
    assert decisions(session) == ()
    settings.write_bytes(raw)
