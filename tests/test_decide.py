"""nk.decide: decisions written from code, checked before anything is written (no browser)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import ngdpkit as nk
from ngdpkit.errors import InputError
from ngdpkit.findings import local_time
from ngdpkit.inputs.contact_points import ContactPoint
from ngdpkit.inputs.decisions import HEADERS, read_decisions
from ngdpkit.steps import decide as decide_module
from tests.conftest import edit_settings

BORGERSERVICE = "7f9c69da-044c-5324-b789-212f3097dbac"
SKOLE = "0ecb8511-d743-547f-9b6e-4454c7a6b014"
HOVEDPOSTKASSE = "9366b98e-64ef-58fe-a723-950f3d511167"


HOSTILE = "<img src=x onerror=alert(1)> $x$ & Co"


def unmapped_sample(sample_copy: Path, *, hostile: str | None = None) -> Path:
    """The sample without test's mapping file: a third of the mailboxes have no contact
    point, and the contact points' names suggest one for each. ``hostile`` renames the
    first of them (a postkasse without subjects) in the export."""
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('mapping = "mapping-test.xlsx"\n', "", 1), encoding="utf-8")
    if hostile is not None:
        import openpyxl

        book = openpyxl.load_workbook(sample_copy / "mailboxes.xlsx")
        sheet = book.active
        row = next(
            r
            for r in sheet.iter_rows(min_row=4)
            if r[2].value == "Skole og Dagtilbud" and not r[4].value
        )
        row[1].value = hostile
        book.save(sample_copy / "mailboxes.xlsx")
    return settings


def hostile_mailbox(settings: Path) -> str:
    import openpyxl

    sheet = openpyxl.load_workbook(settings.parent / "mailboxes.xlsx").active
    return next(str(r[0]) for r in sheet.iter_rows(min_row=4, values_only=True) if r[1] == HOSTILE)


class Session:
    """A lab session of notebook 02 on the sample, mapped once (with suggestions)."""

    def __init__(self, settings: Path) -> None:
        self.settings = settings
        self.step = nk.start_step("02_contact_points", settings=settings, environment="test")
        self.contact_points = nk.load_contact_points(self.step)
        self.mapping_file = nk.load_mapping_file(self.step)
        self.mapping = nk.map_mailboxes(
            self.step, nk.mailboxes_from_step(self.step), self.contact_points, self.mapping_file
        )
        self.file = settings.parent / "decisions-test.csv"

    def unmapped(self) -> list[tuple[str, str]]:
        frame = self.mapping.frame
        rows = frame[frame["status"] == "unmapped"]
        return list(zip(rows["mailbox_id"], rows["subject_id"], strict=True))

    def suggestions(self, mailbox: str, subject: str = "") -> list[str]:
        s = self.mapping.suggestions
        rows = s[(s["Mailbox ID"] == mailbox) & (s["Subject ID"] == subject)]
        return list(rows["NgDP Guid"])

    def read(self) -> Any:
        log, found = read_decisions(self.file, label="decisions-test.csv")
        assert not found
        return log.decisions


@pytest.fixture
def session(sample_copy: Path) -> Session:
    return Session(unmapped_sample(sample_copy))


@pytest.fixture(autouse=True)
def no_decider(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a fresh kernel: nobody has said who decides yet."""
    monkeypatch.setattr(decide_module, "_decider", None)


def a_mailbox_without_subject(session: Session) -> str:
    return next(m for m, s in session.unmapped() if not s)


def test_override_by_name_any_case_is_written_with_who_and_when(session: Session) -> None:
    mailbox = a_mailbox_without_subject(session)
    written = nk.decide(
        session.step,
        mailbox,
        "override",
        "  borgerservice - EKSEMPEL kommune ",
        by="Anne Konsulent",
        note="aftalt med kunden",
    )
    assert [(d.key, d.decision, d.guid, d.decided_by, d.note) for d in written] == [
        (mailbox, "override", BORGERSERVICE, "Anne Konsulent", "aftalt med kunden")
    ]
    assert written[0].decided_at[:4].isdigit() and "T" in written[0].decided_at
    raw = session.file.read_bytes()
    assert raw.startswith(
        b"\xef\xbb\xbf" + b"Mailbox ID;Decision;NgDP Guid;Decided by;Decided at;Note"
    )
    back = session.read()
    assert [replace(d, row=0) for d in back] == list(written)


def test_a_guid_in_any_form_and_several_mailboxes_at_once(session: Session) -> None:
    first, second = [m for m, s in session.unmapped() if not s][:2]
    written = nk.decide(
        session.step, [first, second, first], "override", "{" + SKOLE.upper() + "}", by="Anne"
    )
    # named twice: written once, in the order of the last naming (the last counts in the file)
    assert [(d.key, d.guid) for d in written] == [(second, SKOLE), (first, SKOLE)]
    assert len(session.read()) == 2
    # IDs compare as numbers (contract §4; Excel drops leading zeros when it saves a CSV):
    # 101178 is 0101178, written as the export spells it
    [again] = nk.decide(session.step, int(first), "retire", by="Anne")
    assert again.key == first and first.startswith("0")


def test_ambiguous_name_lists_the_candidates_and_writes_nothing(session: Session) -> None:
    twin = "11111111-2222-4333-8444-555555555555"
    session.step.set(  # the record is frozen: the step holds one with the twin added
        contact_points=(
            *session.step.record.contact_points,
            ContactPoint(twin, "BORGERSERVICE - Eksempel Kommune", ()),
        )
    )
    with pytest.raises(InputError) as caught:
        nk.decide(
            session.step,
            a_mailbox_without_subject(session),
            "override",
            "borgerservice - eksempel kommune",
            by="Anne",
        )
    message = str(caught.value)
    assert "names 2 contact points" in message and BORGERSERVICE in message and twin in message
    assert not session.file.exists()


def test_unknown_name_says_what_is_near_and_writes_nothing(session: Session) -> None:
    with pytest.raises(InputError, match=r"no contact point is named 'skole'.*Skole og Dagtilbud"):
        nk.decide(session.step, a_mailbox_without_subject(session), "override", "skole", by="A")
    with pytest.raises(InputError, match="not one of this environment's contact points"):
        nk.decide(
            session.step,
            a_mailbox_without_subject(session),
            "override",
            "11111111-2222-4333-8444-555555555555",
            by="A",
        )
    assert not session.file.exists()


def test_one_bad_mailbox_refuses_the_whole_call(session: Session) -> None:
    good = a_mailbox_without_subject(session)
    for bad, why in (("12ab", "not a postkasse ID"), ("999999999", "not in the export")):
        with pytest.raises(InputError, match=why):
            nk.decide(session.step, [good, bad], "retire", by="Anne")
    assert not session.file.exists()


def test_retire_names_no_contact_point(session: Session) -> None:
    mailbox = a_mailbox_without_subject(session)
    (written,) = nk.decide(session.step, mailbox, "retire", by="Anne", note="nedlægges")
    assert (written.decision, written.guid, written.note) == ("retire", "", "nedlægges")
    with pytest.raises(InputError, match="a retire decision names no contact point"):
        nk.decide(session.step, mailbox, "retire", BORGERSERVICE, by="Anne")
    assert len(session.read()) == 1


def test_one_subject_of_a_postkasse(session: Session) -> None:
    mailbox, subject = next((m, s) for m, s in session.unmapped() if s)
    (written,) = nk.decide(session.step, f"{mailbox}:{subject}", "retire", by="Anne")
    assert (written.mailbox_id, written.subject_id, written.key) == (
        mailbox,
        subject,
        f"{mailbox}:{subject}",
    )
    assert (
        session.file.read_text(encoding="utf-8-sig")
        .splitlines()[1]
        .startswith(f"{mailbox}:{subject};retire;;Anne;")
    )
    with pytest.raises(InputError, match="not in the export"):
        nk.decide(session.step, f"{mailbox}:999", "retire", by="Anne")


def test_accept_takes_a_suggestion_and_only_a_suggestion(session: Session) -> None:
    mailbox = a_mailbox_without_subject(session)
    offered = session.suggestions(mailbox)
    assert len(offered) >= 2
    (best,) = nk.decide(session.step, mailbox, "accept", by="Anne")
    assert best.guid == offered[0]
    (second,) = nk.decide(session.step, mailbox, "accept", offered[1], by="Anne")
    assert second.guid == offered[1]
    other = next(g for g in (BORGERSERVICE, SKOLE, HOVEDPOSTKASSE) if g not in offered)
    with pytest.raises(InputError, match="is not one of its suggestions.*use 'override'"):
        nk.decide(session.step, mailbox, "accept", other, by="Anne")
    with pytest.raises(InputError, match="override needs a contact point"):
        nk.decide(session.step, mailbox, "override", by="Anne")
    assert [d.guid for d in session.read()] == [offered[1]]  # the last counts; the file keeps both
    assert len(session.file.read_text(encoding="utf-8-sig").splitlines()) == 3


def test_who_decides_is_asked_once_per_session(session: Session) -> None:
    mailbox = a_mailbox_without_subject(session)
    with pytest.raises(InputError, match="who decides is not known"):
        nk.decide(session.step, mailbox, "retire")
    assert not session.file.exists()
    decide_module.set_decider("  Anne\nKonsulent ")
    (written,) = nk.decide(session.step, mailbox, "retire")
    assert written.decided_by == "Anne Konsulent" and decide_module.decider() == "Anne Konsulent"
    (other,) = nk.decide(session.step, mailbox, "retire", by="Bo")
    assert other.decided_by == "Bo" and decide_module.decider() == "Anne Konsulent"
    with pytest.raises(InputError, match="empty"):
        decide_module.set_decider("   ")


def test_a_colleague_s_decision_replaced_is_said_at_once(session: Session) -> None:
    """A consultant taking over in week two replaced a colleague's decision, and nothing
    said so until the next run's overview: what nk.decide returns says whose decision it
    replaced, when and what it was (the same person deciding again replaces nothing)."""
    mailbox = a_mailbox_without_subject(session)
    first = nk.decide(session.step, mailbox, "retire", by="Anne Konsulent", note="nedlægges")
    assert first.replaced == () and repr(first) == (f"1 beslutning skrevet i {session.file.name}.")
    again = nk.decide(session.step, mailbox, "retire", by="anne  konsulent")
    assert again.replaced == ()  # the same person, as a person reads the name
    (point,) = session.suggestions(mailbox)[:1]
    taken = nk.decide(session.step, mailbox, "override", point, by="Bo")
    assert taken.replaced == (replace(again[0], row=3),), taken.replaced
    assert taken == (taken[0],) and taken[0].decided_by == "Bo"  # still the tuple it was
    assert repr(taken).splitlines()[1] == (
        f"Postkasse {mailbox}: den nye beslutning erstatter beslutningen, som anne konsulent "
        f"traf den {local_time(again[0].decided_at, 'da')} (udgår)."
    )


def test_bad_words_and_hostile_text(session: Session) -> None:
    mailbox = a_mailbox_without_subject(session)
    with pytest.raises(InputError, match="not one of accept, override, retire"):
        nk.decide(session.step, mailbox, "delete", by="Anne")
    with pytest.raises(InputError, match="at most 500"):
        nk.decide(session.step, mailbox, "retire", by="Anne", note="x" * 501)
    hostile = '=HYPERLINK("http://x")\r\n<img src=x onerror=alert(1)>'
    (written,) = nk.decide(session.step, mailbox, "retire", by="@Anne", note=hostile)
    line = session.file.read_text(encoding="utf-8-sig").splitlines()[1]
    assert ";'@Anne;" in line and "'=HYPERLINK" in line  # no spreadsheet runs them
    (back,) = session.read()
    assert back.decided_by == "@Anne"
    assert back.note == '=HYPERLINK("http://x") <img src=x onerror=alert(1)>' == written.note


def test_a_decision_is_the_first_mapping_source_when_mapped_again(session: Session) -> None:
    mailbox = a_mailbox_without_subject(session)
    nk.decide(session.step, mailbox, "override", "Eksempel Kommune - hovedpostkasse", by="Anne")
    step = nk.start_step("02_contact_points", settings=session.settings, environment="test")
    mapping = nk.map_mailboxes(
        step, nk.mailboxes_from_step(step), nk.load_contact_points(step), nk.load_mapping_file(step)
    )
    row = mapping.frame[mapping.frame["mailbox_id"] == mailbox].iloc[0]
    assert (row["source"], row["ngdp_guid"], row["status"]) == (
        "decision",
        HOVEDPOSTKASSE,
        "mapped",
    )
    assert step.record.decisions is not None and len(step.record.decisions.decisions) == 1
    assert any(i["path"] == "decisions-test.csv" and "sha256" in i for i in step.inputs_read)


def test_recompute_keeps_the_suggestions_of_what_is_still_open(session: Session) -> None:
    first, second = [m for m, s in session.unmapped() if not s][:2]
    done = decide_module.apply(
        session.step,
        [(first, None), (second, None)],
        "accept",
        contact_points=session.contact_points,
        mapping_file=session.mapping_file,
        previous=session.mapping,
        by="Anne",
    )
    assert [d.key for d in done.decisions] == [first, second] and done.seconds > 0
    before, after = session.mapping.suggestions, done.mapping.suggestions
    assert set(after["Mailbox ID"]) == set(before["Mailbox ID"]) - {first, second}
    assert len(after) == len(before) - 2 * 3  # three suggestions a mailbox, none made again
    counts = done.mapping.counts()
    assert counts["unmapped"] == session.mapping.counts()["unmapped"] - 2
    frame = done.mapping.frame
    assert set(frame.loc[frame["source"] == "decision", "mailbox_id"]) == {first, second}
    # the notebook's step is left as it was: its findings and files come from a run again
    assert session.step.record.counts == session.mapping.counts()


def test_every_refusal_is_said_in_either_language(session: Session) -> None:
    """A refusal reads in English as ``str`` (the notebook's API) and in Danish for the
    Danish editor: every problem of one call, each from the catalogue."""
    good = a_mailbox_without_subject(session)
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, [good, "12ab", "999999999"], "override", "skole", by="Anne")
    error = caught.value
    assert len(error.sentences) == 3 and str(error) == error.text("en")
    assert error.text("en").startswith("no contact point is named 'skole' (did you mean: ")
    danish = error.text("da")
    assert danish.startswith("intet kontaktpunkt hedder 'skole' (mente du: ")
    assert "postkassen '12ab' er ikke et postkasse-ID (cifre, eller cifre:cifre)" in danish
    assert "postkassen 999999999 er ikke i eksporten" in danish
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, good, "keep", by="Anne")
    assert caught.value.text("da") == ("beslutningen 'keep' er ikke en af accept, override, retire")
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, good, "retire", by="Anne", note="x" * 501)
    assert caught.value.text("da") == "noten er 501 tegn lang; højst 500"
    assert not session.file.exists()


def test_a_decision_after_the_settings_changed_in_the_session_is_refused(
    session: Session,
) -> None:
    """A consultant's session: the settings edited in another tab after notebook 02 read
    them (here naming another decisions file). ``nk.decide`` (and the editor) wrote to the
    file the kernel's old settings named and said it was saved; the headless run, reading
    the settings as they are now, read the other file and never saw the decision."""
    mailbox = a_mailbox_without_subject(session)
    settings = session.settings
    other = settings.parent / "beslutninger.csv"
    header = ";".join(HEADERS).encode("utf-8") + b"\r\n"
    other.write_bytes(header)  # the customer's own, named in the settings
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace(
            "[environments.test]\n", '[environments.test]\ndecisions = "beslutninger.csv"\n', 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        InputError, match="migration.toml changed after this notebook read it"
    ) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert caught.value.text("da").startswith(
        "migration.toml er ændret, efter at notebooken læste den: kør notebooken igen fra første celle"
    )
    assert not session.file.exists() and other.read_bytes() == header
    # the notebook run again from its first cell: the decision goes where the run reads it
    again = Session(settings)
    nk.decide(again.step, mailbox, "retire", by="Anne Konsulent")
    log, _ = read_decisions(other, label="beslutninger.csv")
    assert [d.mailbox_id for d in log.decisions] == [mailbox] and not session.file.exists()


def test_a_decision_after_the_settings_were_saved_with_other_line_ends_is_made(
    session: Session,
) -> None:
    """A consultant's Windows editor saves the settings unchanged but with CRLF during the
    session: the kit reads them as the very file ("line ends alone are never a change", as
    status and compare judge them), yet ``nk.decide`` refused the decision as made after
    the settings changed."""
    mailbox = a_mailbox_without_subject(session)
    settings = session.settings
    raw = settings.read_bytes()
    settings.write_bytes(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert settings.read_bytes() != raw
    nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    log, _ = read_decisions(session.file, label=session.file.name)
    assert [d.mailbox_id for d in log.decisions] == [mailbox]


def _edited(settings: Path, *pairs: tuple[str, str]) -> None:
    """The settings file with each (old, new) text replaced once, as a consultant edits it
    in another tab during the session."""
    edit_settings(settings, *pairs)


def test_an_edit_no_decision_depends_on_lets_it_through_and_the_run_uses_it(
    session: Session,
) -> None:
    """A consultant's session over weeks: a comment, a server's name, production's firewall
    and a contact points key quoted otherwise, edited after notebook 02 read the settings.
    Each cost a run of notebook 02 from its first cell (minutes for a large customer, and the
    editor's state); none of them touches the decision, and the headless run reading the
    settings as they are now uses it."""
    import csv

    from tests.conftest import cli

    mailbox = a_mailbox_without_subject(session)
    settings = session.settings
    _edited(
        settings,
        ("[organisation]\n", "# agreed with the customer on the phone\n[organisation]\n"),
        ('name = "wz-web01-t"', 'name = "wz-web1-t"'),
        ('"203.0.113.21"', '"203.0.113.22"'),
        (
            'contact_points = "contact-points-test.xlsx"',
            "contact_points = 'contact-points-test.xlsx'",
        ),
    )
    done = nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert [d.mailbox_id for d in done] == [mailbox]
    assert [d.mailbox_id for d in session.read()] == [mailbox]
    r = cli("run", "--settings", str(settings), "--env", "test")
    assert r.returncode in (0, 1), r.stderr
    run_dir = next((settings.parent / "runs" / "test").glob("2*"))
    with (run_dir / "mailbox-mapping.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {row["Mailbox ID"]: row for row in csv.DictReader(fh, delimiter=";")}
    assert rows[mailbox]["Source"] == "decision" and rows[mailbox]["Status"] == "retired"


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (
            ("[environments.test]\n", '[environments.test]\ndecisions = "beslutninger.csv"\n'),
            "environments.test.decisions",
        ),
        (
            ('contact_points = "contact-points-test.xlsx"', 'contact_points = "kp-test.xlsx"'),
            "environments.test.contact_points",
        ),
        (('mailboxes = "mailboxes.xlsx"', 'mailboxes = "postkasser.xlsx"'), "inputs.mailboxes"),
    ],
)
def test_an_edit_a_decision_depends_on_refuses_naming_the_key(
    session: Session, edit: tuple[str, str], key: str
) -> None:
    """The decisions file, the contact points or the export named otherwise in another tab
    (here copies, so that only the settings differ): the decision is refused, nothing is
    written, and the refusal names the key that changed (never its value), in either
    language; it said only that the settings changed, and the consultant looked for what."""
    import shutil

    folder = session.settings.parent
    shutil.copy(folder / "contact-points-test.xlsx", folder / "kp-test.xlsx")
    shutil.copy(folder / "mailboxes.xlsx", folder / "postkasser.xlsx")
    (folder / "beslutninger.csv").write_bytes(b"")
    mailbox = a_mailbox_without_subject(session)
    _edited(session.settings, edit)
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    english, danish = caught.value.text("en"), caught.value.text("da")
    assert english.startswith("migration.toml changed after this notebook read it: run")
    assert english.endswith(f"what changed is a setting the decision depends on: {key}")
    assert danish.endswith(f"det ændrede er en indstilling, som beslutningen afhænger af: {key}")
    assert edit[1].split('"')[1] not in english + danish  # the key, not its value
    assert not session.file.exists() and (folder / "beslutninger.csv").read_bytes() == b""


def test_settings_gone_or_broken_refuse_in_one_line(session: Session) -> None:
    """The settings file deleted, or saved half-edited, during the session: the decision
    cannot be checked against the settings as they are, so it is refused, in one line
    naming the file (never a traceback), and nothing is written."""
    mailbox = a_mailbox_without_subject(session)
    settings = session.settings
    raw = settings.read_bytes()
    settings.write_bytes(raw.replace(b"[organisation]", b"[organisation", 1))
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    english = caught.value.text("en")
    assert english.startswith("migration.toml no longer reads as settings (")
    assert english.endswith("): correct it, then decide again; nothing is written")
    assert caught.value.text("da").startswith(
        "migration.toml kan ikke længere læses som indstillinger ("
    )
    assert "\n" not in english and "Traceback" not in english
    settings.unlink()
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert caught.value.text("en") == (
        "migration.toml is gone since this notebook read it: the decision cannot be checked "
        "against the settings, so nothing is written"
    )
    assert caught.value.text("da").startswith("migration.toml er væk, siden notebooken læste den")
    assert not session.file.exists()
    settings.write_bytes(raw)  # put back as it was: the decision is made
    nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert [d.mailbox_id for d in session.read()] == [mailbox]


def test_settings_that_no_longer_read_are_refused_in_danish_naming_keys_never_values(
    session: Session,
) -> None:
    """A consultant's week two: the Danish refusal quoted the loader's English ("… kan ikke
    længere læses som indstillinger (migration.toml: environments.test.contact_points: file
    not found: 0101701299.xlsx): ret den, og beslut så igen"), a value with it (a CPR number
    typed into the wrong key stood there), and "ret den, og beslut så igen" was not what to do
    when the fix is another contact points file: the next call asked for the notebook to be
    run from its first cell. The Danish names the kind of problem and the keys, never a value,
    and says what to do in each case; the English keeps the loader's words, CPR hidden."""
    mailbox = a_mailbox_without_subject(session)
    settings = session.settings
    raw = settings.read_bytes()
    again = "kør notebooken igen fra første celle"
    cases = [
        (  # a key the decision depends on names a file that is not there
            ('contact_points = "contact-points-test.xlsx"', 'contact_points = "0101701299.xlsx"'),
            "(environments.test.contact_points peger på en fil, der ikke findes): læg filen "
            "tilbage, og beslut så igen; skal environments.test.contact_points pege på en anden "
            f"fil, så {again}",
            "0101701299",
        ),
        (  # its value wrong: a CPR number typed without quotes
            ('contact_points = "contact-points-test.xlsx"', "contact_points = 1512901234"),
            "(en nøgle eller dens værdi er forkert: environments.test.contact_points): ret den, "
            "og beslut så igen; skal environments.test.contact_points have en anden værdi, end "
            f"da notebooken læste den, så {again}",
            "1512901234",
        ),
        (  # a key no decision depends on: corrected, the decision goes through
            ("[organisation]", "[organisation]\nfoo_bar = 'hemmelig-3112995678'"),
            "(en nøgle eller dens værdi er forkert: organisation.foo_bar): ret den, og beslut "
            "så igen; intet gemmes",
            "3112995678",
        ),
    ]
    for edit, danish, value in cases:
        settings.write_bytes(raw)
        _edited(settings, edit)
        with pytest.raises(InputError) as caught:
            nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
        english, da = caught.value.text("en"), caught.value.text("da")
        assert da.startswith("migration.toml kan ikke længere læses som indstillinger (")
        assert danish in da, da
        assert da.endswith("; intet gemmes") and "file not found" not in da and "must be" not in da
        assert (again in da) is (again in danish)
        assert value not in english + da and "\n" not in english + da
        assert english.startswith("migration.toml no longer reads as settings (")
        assert "migration.toml: " not in english  # the file is named once
    assert "(unknown key 'organisation.foo_bar'" in english  # the loader's own words in English
    settings.write_bytes(raw.replace(b"[organisation]", b"[organisation", 1))
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert re.search(
        r"\(den er ikke gyldig TOML; se linje [0-9]+\): ret den", caught.value.text("da")
    )
    assert "TOML syntax error" in caught.value.text("en")
    assert not session.file.exists()
    settings.write_bytes(raw)  # put back as it was: the decision is made
    nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert [d.mailbox_id for d in session.read()] == [mailbox]


def test_settings_gone_say_in_danish_what_to_do(session: Session) -> None:
    """A consultant's week two: the settings file moved away, and the Danish said only
    "migration.toml er væk, siden notebooken læste den: … så intet gemmes", not what to do.
    It says both ways out: put it back and decide again, or run the notebook again from its
    first cell with NGDPKIT_SETTINGS naming the new place (the English is as it was)."""
    mailbox = a_mailbox_without_subject(session)
    settings = session.settings
    moved = settings.with_name("flyttet.toml")
    settings.rename(moved)
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    da = caught.value.text("da")
    assert da.startswith("migration.toml er væk, siden notebooken læste den: ")
    assert "så intet gemmes; læg filen tilbage, og beslut så igen, eller kør notebooken igen " in da
    assert "fra første celle med NGDPKIT_SETTINGS" in da and da.endswith("filens nye sted")
    assert "\n" not in da and not session.file.exists()


def test_a_misspelt_file_name_says_both_ways_out_and_the_name_looked_for(
    session: Session,
) -> None:
    """A consultant's week two: a typo in the contact points file's name read "læg filen
    tilbage", though the file never moved: the key's value was wrong. The Danish says both
    (put the file there, or correct the name in the key) and names the file looked for,
    the consultant's own text, a CPR-shaped number in it hidden, bounded and on one line;
    for a key no decision depends on (the certificate) too."""
    mailbox = a_mailbox_without_subject(session)
    settings = session.settings
    raw = settings.read_bytes()
    cases = [
        ('"contact-point-test.xlsx"', "»contact-point-test.xlsx«"),
        ('"kunder/0101701299-kp.xlsx"', "»CPR-nummer udeladt-kp.xlsx«"),
        ('"' + "k" * 200 + '.xlsx"', "»" + "k" * 57 + "...«"),
    ]
    for value, shown in cases:
        settings.write_bytes(raw)
        _edited(
            settings, ('contact_points = "contact-points-test.xlsx"', f"contact_points = {value}")
        )
        with pytest.raises(InputError) as caught:
            nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
        da, english = caught.value.text("da"), caught.value.text("en")
        assert "læg filen tilbage, og beslut så igen" in da, da
        assert (
            "; er filnavnet i environments.test.contact_points stavet forkert (der blev søgt "
            f"efter {shown}), så ret det, og beslut så igen; intet gemmes"
        ) in da, da
        assert (
            "or correct the file name in environments.test.contact_points if it is misspelt"
            in english
        )
        assert "0101701299" not in da + english and "\u202e" not in da + english
        assert "kunder" not in da and "\n" not in da + english and len(da) < 1_000
    settings.write_bytes(raw)
    _edited(settings, ('certificate = "certs/test.p12"', 'certificate = "certs/tset.p12"'))
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert caught.value.text("da").endswith(
        "(environments.test.certificate peger på en fil, der ikke findes; der blev søgt efter "
        "»tset.p12«): læg filen dér, eller ret filnavnet i nøglen, hvis det er stavet forkert, "
        "og beslut så igen; intet gemmes"
    )
    assert not session.file.exists()
    settings.write_bytes(raw)
    nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert [d.mailbox_id for d in session.read()] == [mailbox]


def test_a_misspelt_key_is_suggested_in_danish_too(session: Session) -> None:
    """A consultant's week two: default_contact_piont read "did you mean
    'default_contact_point'?" in English, but only "en nøgle eller dens værdi er forkert" in
    Danish. A key the kit knows is no value: the Danish suggests it too."""
    mailbox = a_mailbox_without_subject(session)
    settings = session.settings
    _edited(
        settings,
        (
            'contact_points = "contact-points-test.xlsx"',
            'contact_points = "contact-points-test.xlsx"\n'
            'default_contact_piont = "00000000-0000-0000-0000-000000000001"',
        ),
    )
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert caught.value.text("da") == (
        "migration.toml kan ikke længere læses som indstillinger (en nøgle eller dens værdi er "
        "forkert: environments.test.default_contact_piont; mente du default_contact_point?): "
        "ret den, og beslut så igen; intet gemmes"
    )
    assert "did you mean 'default_contact_point'?" in caught.value.text("en")
    assert "00000000-0000" not in caught.value.text("da")
    assert not session.file.exists()


def test_a_hostile_key_in_settings_that_no_longer_read_is_bounded_in_either_language(
    session: Session,
) -> None:
    """An attacker's second look: the Danish refusal named a key cut to 60 characters, but
    the English one quoted the loader's line whole, so an unknown key of 10,000 characters
    (with a CPR number at its end) stood in it whole. Both are bounded, one line each."""
    mailbox = a_mailbox_without_subject(session)
    settings = session.settings
    raw = settings.read_bytes()
    key = "A" * 10_000 + "\u202e<b>0101701299</b>"
    settings.write_bytes(raw.replace(b"[organisation]", f'[organisation]\n"{key}" = 1'.encode(), 1))
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    english, da = caught.value.text("en"), caught.value.text("da")
    assert "unknown key 'organisation.AAAA" in english
    assert len(english) < 1_000 and len(da) < 1_000, (len(english), len(da))
    assert "0101701299" not in english + da and "\u202e" not in english + da
    assert "\n" not in english + da and not session.file.exists()
    settings.write_bytes(raw)


def test_an_environment_table_renamed_is_named_as_the_table_not_as_its_keys(
    session: Session,
) -> None:
    """An attacker's look at the refusal: the environment's table renamed in another tab
    (``[environments.test]`` to ``[environments.test2]``) said that six of its keys changed
    (``environments.test.decisions``, ``.contact_points`` …), none of which was edited; the
    consultant looked for them in the file. It names the table that is gone."""
    mailbox = a_mailbox_without_subject(session)
    _edited(session.settings, ("[environments.test]\n", '[environments.test2]\nkind = "test"\n'))
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert caught.value.text("en").endswith(
        "what changed is a setting the decision depends on: environments.test"
    )
    assert caught.value.text("da").endswith(
        "det ændrede er en indstilling, som beslutningen afhænger af: environments.test"
    )
    assert not session.file.exists()


def test_accept_of_a_mailbox_without_suggestions_says_what_to_do_instead(
    sample_copy: Path,
) -> None:
    """A consultant's cold try of the README's ``nk.decide(step, "0102038", "accept", ...)``
    on the sample, where every mailbox is mapped: "accept needs a contact point (the
    mailbox has no suggestion)", and naming one then failed as "not one of its
    suggestions". The refusal says the next step, in either language."""
    mapped = Session(sample_copy / "migration.toml")
    assert mapped.mapping.suggestions.empty
    with pytest.raises(InputError) as caught:
        nk.decide(mapped.step, "0100233", "accept", by="Anne")
    assert str(caught.value) == (
        "0100233: accept needs a contact point (the mailbox has no suggestion): "
        "use 'override' and name one"
    )
    assert caught.value.text("da").endswith(
        "(postkassen har intet forslag): brug 'override', og angiv et"
    )
    assert not mapped.file.exists()


def _without_row(export: Path, mailbox: str) -> None:
    """The export saved again without ``mailbox``'s row: the customer's new export."""
    import openpyxl

    book = openpyxl.load_workbook(export)
    sheet = book.active
    row = next(r for r in sheet.iter_rows(min_row=4) if str(r[0].value) == mailbox)
    sheet.delete_rows(row[0].row)
    book.save(export)


@pytest.mark.parametrize("how", ["replaced", "moved"])
def test_a_decision_after_the_export_was_replaced_or_moved_is_refused(
    session: Session, how: str
) -> None:
    """A consultant's lab session: notebook 02 mapped the export, then the customer's new
    export was saved over it (the mailbox no longer in it) or the file was moved away, and
    ``nk.decide`` still wrote the decision, checked against the mailboxes the session had
    read: the decisions file, hashed in the audit, held a decision about a mailbox the
    export no longer has. It is refused in one line naming the file; the notebooks run again
    (the export read as it is now), a decision for a mailbox still in it is made."""
    mailbox = a_mailbox_without_subject(session)
    export = session.settings.parent / "mailboxes.xlsx"
    if how == "replaced":
        _without_row(export, mailbox)
    else:
        export.rename(export.with_name("flyttet.xlsx"))
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    said = {"replaced": "changed after this session read it", "moved": "is gone since"}[how]
    english, danish = str(caught.value), caught.value.text("da")
    assert english.startswith(f"mailboxes.xlsx {said}") and "run the notebooks again" in english
    assert len(english.splitlines()) == 1 and english.endswith("nothing is written")
    assert danish.startswith("mailboxes.xlsx er ") and "kør notebookene igen fra 01" in danish
    assert not session.file.exists()
    if how == "moved":
        export.with_name("flyttet.xlsx").rename(export)  # put back: the same export, decided
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
        assert [d.mailbox_id for d in session.read()] == [mailbox]
        return
    again = Session(session.settings)  # the notebooks run again: the new export is read
    with pytest.raises(InputError, match="is not in the export"):
        nk.decide(again.step, mailbox, "retire", by="Anne Konsulent")
    other = next(m for m, s in again.unmapped() if not s)
    nk.decide(again.step, other, "retire", by="Anne Konsulent")
    assert [d.mailbox_id for d in again.read()] == [other]


def _saved_again(export: Path, mailbox: str | None = None, name: str = "") -> None:
    """The export opened and saved again (new bytes: zip times, styles), ``mailbox``'s
    name changed to ``name`` when given, every other cell as it was."""
    import openpyxl

    book = openpyxl.load_workbook(export)
    if mailbox is not None:
        row = next(r for r in book.active.iter_rows(min_row=4) if str(r[0].value) == mailbox)
        row[1].value = name
    book.save(export)


def test_a_decision_after_the_export_was_saved_again_unchanged_is_written(
    session: Session,
) -> None:
    """A consultant's week two: the e-Boks export opened in Excel and saved without a cell
    changed has other bytes, and every decision was refused as if the customer had sent a new
    export. The rows read again are the ones the session read: the decision is written, and
    so is the next one (the export is read again once)."""
    import hashlib

    first, second = [m for m, s in session.unmapped() if not s][:2]
    export = session.settings.parent / "mailboxes.xlsx"
    before = hashlib.sha256(export.read_bytes()).hexdigest()
    _saved_again(export)
    assert hashlib.sha256(export.read_bytes()).hexdigest() != before
    nk.decide(session.step, first, "retire", by="Anne Konsulent")
    nk.decide(session.step, second, "retire", by="Anne Konsulent")
    assert [d.mailbox_id for d in session.read()] == [first, second]


@pytest.mark.parametrize("whose", ["decided", "another"])
def test_a_decision_after_a_row_of_the_export_changed_is_refused(
    session: Session, whose: str
) -> None:
    """The export saved again with one mailbox's name changed (the decided one, or another:
    the session's mapping and suggestions were made from the rows it read): refused in the
    one line an export replaced gets; nothing is written."""
    decided, other = [m for m, s in session.unmapped() if not s][:2]
    export = session.settings.parent / "mailboxes.xlsx"
    _saved_again(export, decided if whose == "decided" else other, "Omdøbt postkasse")
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, decided, "retire", by="Anne Konsulent")
    assert str(caught.value) == (
        "mailboxes.xlsx changed after this session read it: run the notebooks again from 01, "
        "so that the decision is checked against the export as it is now; nothing is written"
    )
    assert not session.file.exists()


def _sorted_by_name(export: Path, change: str | None = None) -> None:
    """The export sorted by mailbox name and saved, as a customer does in Excel: every row
    still there, in another order; with ``change``, one row's name changed too."""
    import openpyxl

    book = openpyxl.load_workbook(export)
    sheet = book.active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    rows.sort(key=lambda r: (str(r[1]), str(r[0])))
    assert [r[0] for r in rows] != [r[0].value for r in sheet.iter_rows(min_row=4)]
    if change is not None:
        rows[-1][1] = change
    for at, values in enumerate(rows, start=4):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=at, column=column).value = value  # value=None would keep the old
    book.save(export)


def test_a_decision_after_the_export_was_sorted_again_is_written_and_says_so(
    session: Session,
) -> None:
    """A consultant's week two: the customer sorted the export by name in Excel and saved
    it; every row is still there, in another order, and ``nk.decide`` refused it as a new
    export, sending the consultant back to notebook 01 with no word of why. A decision is of
    a mailbox, not of a row: it is written, and the notebook says in one line that the rows
    were sorted again and that notebook 01 is to be run again so its findings name the right
    rows (in Danish and in English; the editor says the same, :meth:`Decided.remarks`)."""
    first, second = [m for m, s in session.unmapped() if not s][:2]
    _sorted_by_name(session.settings.parent / "mailboxes.xlsx")
    written = nk.decide(session.step, first, "retire", by="Anne Konsulent")
    assert [d.mailbox_id for d in session.read()] == [first]
    assert written.resorted == "mailboxes.xlsx"
    said = repr(written).splitlines()
    assert said[0] == "1 beslutning skrevet i decisions-test.csv."
    assert said[1:] == [
        "Rækkerne i mailboxes.xlsx er sorteret på ny, efter at sessionen læste filen (de samme "
        "rækker i en anden rækkefølge). Beslutningen gælder postkassen, ikke rækken, og er "
        "gemt; kør notebook 01 igen, så dens fund peger på de rigtige rækker."
    ]
    english = nk.decide(session.step, second, "retire", by="Anne Konsulent")
    english.language = "en"
    assert english.remarks() == [
        "The rows of mailboxes.xlsx were sorted again after this session read it (the same "
        "rows in another order). The decision is for the mailbox, not the row, and is "
        "written; run notebook 01 again so that its findings name the right rows."
    ]
    assert [d.mailbox_id for d in session.read()] == [first, second]
    again = Session(session.settings)  # notebook 01 run again: the sorted export is read
    third = next(m for m, s in again.unmapped() if not s and m not in (first, second))
    assert not nk.decide(again.step, third, "retire", by="Anne Konsulent").resorted


@pytest.mark.parametrize("how", ["changed", "removed"])
def test_a_decision_after_the_export_was_sorted_and_a_row_changed_is_refused(
    session: Session, how: str
) -> None:
    """Sorted again and one row changed, or one row gone: not the rows the session read, in
    any order. Refused in the one line a new export gets; nothing is written."""
    mailbox = a_mailbox_without_subject(session)
    export = session.settings.parent / "mailboxes.xlsx"
    if how == "changed":
        _sorted_by_name(export, change="Omdøbt postkasse")
    else:
        _sorted_by_name(export)
        import openpyxl

        book = openpyxl.load_workbook(export)
        book.active.delete_rows(book.active.max_row)
        book.save(export)
    with pytest.raises(InputError, match="^mailboxes.xlsx changed after this session read it"):
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert not session.file.exists()


def test_a_decision_after_another_export_was_saved_over_it_is_refused(
    session: Session, tmp_path: Path
) -> None:
    """Another export (other rows) saved over the one the session read, readable as an
    export: refused, nothing written."""
    mailbox = a_mailbox_without_subject(session)
    export = session.settings.parent / "mailboxes.xlsx"
    import openpyxl

    book = openpyxl.load_workbook(export)
    sheet = book.active
    sheet.delete_rows(sheet.max_row)  # the last mailbox gone, the decided one kept
    book.save(export)
    with pytest.raises(InputError, match="^mailboxes.xlsx changed after this session read it"):
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    assert not session.file.exists()


def test_a_decision_after_the_export_moved_and_the_settings_name_it_says_so(
    session: Session,
) -> None:
    """A consultant moved the export and named its new place in mailboxes in the settings;
    ``nk.decide`` (the session still holding the old place) told them to name its new place
    in the settings. The refusal says the settings now name another export, and to run the
    notebooks again from 01, in either language; nothing is written."""
    mailbox = a_mailbox_without_subject(session)
    export = session.settings.parent / "mailboxes.xlsx"
    export.rename(export.with_name("flyttet.xlsx"))
    toml = session.settings
    toml.write_text(
        toml.read_text().replace('mailboxes = "mailboxes.xlsx"', 'mailboxes = "flyttet.xlsx"', 1)
    )
    with pytest.raises(InputError) as caught:
        nk.decide(session.step, mailbox, "retire", by="Anne Konsulent")
    english, danish = str(caught.value), caught.value.text("da")
    assert english == (
        "the settings now name another export in mailboxes (flyttet.xlsx) than the one this "
        "session read (mailboxes.xlsx): run the notebooks again from 01, so that the decision "
        "is checked against that export; nothing is written"
    )
    assert danish == (
        "indstillingerne angiver nu en anden eksport i mailboxes (flyttet.xlsx) end den, "
        "sessionen læste (mailboxes.xlsx): kør notebookene igen fra 01, så beslutningen "
        "kontrolleres mod den eksport; intet gemmes"
    )
    assert "new place" not in english and not session.file.exists()
    again = Session(toml)  # the notebooks run again: the export read at its new place
    nk.decide(again.step, mailbox, "retire", by="Anne Konsulent")
    assert [d.mailbox_id for d in again.read()] == [mailbox]
