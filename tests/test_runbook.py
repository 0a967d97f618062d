"""The go-live runbook: ``[golive]`` settings, ``runbook.xlsx``, ``signoff/runbook.html`` and
``runbook.ics`` (issue 29), read back with a strict RFC 5545 reader written here and with the
``icalendar`` package."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ngdpkit.deliverables.ics import Event, calendar, fold, text
from ngdpkit.errors import InputError
from ngdpkit.settings import load_settings
from tests.conftest import cli, run_cli

HOSTILE_FORMULA = "=cmd|' /C calc'!A0"
HOSTILE_MARKUP = "<script>alert(1)</script>"
GOLIVE = f"""
[golive]
date = 2027-02-01
eboks_disable = 2027-01-29T16:00:00
ngdp_enable = 2027-02-01T08:00:00+01:00
rollback_until = 2027-02-08
owners = {{ portal = "Anne Portal", operations = "{HOSTILE_FORMULA}", workzone = "{HOSTILE_MARKUP}", consultant = "Bo; Konsulent, ApS" }}
"""


# ---------------------------------------------------------------------------------------------
# A strict reader of what RFC 5545 allows, for the files the kit writes


TEXT_ESCAPES = {"\\\\": "\\", "\\;": ";", "\\,": ",", "\\n": "\n", "\\N": "\n"}


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            pair = value[i : i + 2]
            assert pair in TEXT_ESCAPES, f"bad escape {pair!r} in {value!r}"
            out.append(TEXT_ESCAPES[pair])
            i += 2
        else:
            assert value[i] not in ";,", f"unescaped {value[i]!r} in TEXT {value!r}"
            out.append(value[i])
            i += 1
    return "".join(out)


def read_ics(data: bytes) -> list[dict[str, tuple[dict[str, str], str]]]:
    """The events of a calendar: property -> (parameters, raw value). Fails on anything the
    RFC forbids in what the kit writes: a line not ending in CRLF, a line over 75 octets, a
    fold that is not CRLF + one space, a component not closed."""
    assert data.endswith(b"\r\n")
    physical = data[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert all(len(line) <= 75 for line in physical), max(physical, key=len)
    lines: list[str] = []
    for raw in physical:
        line = raw.decode("utf-8")  # a fold never splits a UTF-8 character
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            assert not line.startswith("\t")
            lines.append(line)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    top = {line.split(":", 1)[0] for line in lines[1:] if not line.startswith(" ")}
    assert {"VERSION", "PRODID"} <= top
    assert "VERSION:2.0" in lines
    events: list[dict[str, tuple[dict[str, str], str]]] = []
    current: dict[str, tuple[dict[str, str], str]] | None = None
    for line in lines[1:-1]:
        m = re.match(r"^([A-Z][A-Z0-9-]*)((?:;[A-Z-]+=[^;:]+)*):(.*)$", line)
        assert m, line
        name, params, value = m.group(1), m.group(2), m.group(3)
        if line == "BEGIN:VEVENT":
            assert current is None
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            assert name not in current, f"{name} twice in one event"
            current[name] = (dict(p.split("=", 1) for p in params.split(";") if p), value)
    assert current is None
    for e in events:
        for key in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert key in e, f"{key} missing"
        assert re.fullmatch(r"\d{8}T\d{6}Z", e["DTSTAMP"][1])
        kinds = []
        for key in ("DTSTART", "DTEND"):
            params, value = e[key]
            if params.get("VALUE") == "DATE":
                assert re.fullmatch(r"\d{8}", value)
                kinds.append("date")
            else:
                assert not params and re.fullmatch(r"\d{8}T\d{6}Z", value), (key, value)
                kinds.append("utc")
        assert kinds[0] == kinds[1], "DTSTART and DTEND of one value type"
        assert e["DTSTART"][1] < e["DTEND"][1]
        for key in ("SUMMARY", "DESCRIPTION"):
            if key in e:
                unescape(e[key][1])
    assert len({e["UID"][1] for e in events}) == len(events)
    return events


def value(event: dict[str, tuple[dict[str, str], str]], key: str) -> str:
    return unescape(event[key][1])


# ---------------------------------------------------------------------------------------------
# deliverables/ics.py


def test_fold_keeps_every_line_within_75_octets_and_unfolds_back() -> None:
    line = "DESCRIPTION:" + "æøå€" * 40 + "x" * 100
    folded = fold(line)
    pieces = folded.encode("utf-8").split(b"\r\n")[:-1]
    assert all(len(p) <= 75 for p in pieces)
    assert all(p.startswith(b" ") for p in pieces[1:])
    assert folded.replace("\r\n ", "").removesuffix("\r\n") == line


@given(st.text(min_size=0, max_size=300))
def test_text_round_trips_through_the_strict_reader(value_: str) -> None:
    data = calendar(
        [
            Event(
                "u1@x",
                dt.date(2027, 2, 1),
                dt.date(2027, 2, 2),
                summary=value_,
                description=value_,
            )
        ],
        stamp=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        product="-//t//t//DA",
        name="t",
    )
    (event,) = read_ics(data)
    expect = value_.replace("\r\n", "\n").replace("\r", "\n")
    expect = expect.replace("<", "\u2039").replace(">", "\u203a")
    assert value(event, "SUMMARY") == expect
    assert value(event, "DESCRIPTION") == expect if value_ else "DESCRIPTION" not in event


def test_text_escapes_what_rfc_5545_names_and_never_holds_markup() -> None:
    assert text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    assert text(HOSTILE_MARKUP) == "\u2039script\u203aalert(1)\u2039/script\u203a"


def test_timed_events_are_utc_and_mixed_kinds_are_refused() -> None:
    start = dt.datetime(2027, 2, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    data = calendar(
        [Event("u@x", start, start + dt.timedelta(hours=1), summary="s")],
        stamp=start,
        product="p",
        name="n",
    )
    (event,) = read_ics(data)
    assert event["DTSTART"][1] == "20270201T070000Z"
    with pytest.raises(ValueError):
        calendar(
            [Event("u@x", start, dt.date(2027, 2, 2), summary="s")],
            stamp=start,
            product="p",
            name="n",
        )


# ---------------------------------------------------------------------------------------------
# [golive] settings


def settings_file(tmp_path: Path, extra: str, env_extra: str = "", *, top: str = "") -> Path:
    (tmp_path / "m.xlsx").write_bytes(b"")
    path = tmp_path / "migration.toml"
    path.write_text(
        f"""{top}
[organisation]
name = "Testkommune"
cvr = "98765433"
[inputs]
mailboxes = "m.xlsx"
{extra}
[environments.test]
protocol = "REST_PULL"
server_ips = ["198.51.100.10"]
{env_extra}
[environments.production]
protocol = "REST_PULL"
server_ips = ["198.51.100.11"]
""",
        encoding="utf-8",
    )
    return path


def test_golive_is_read_with_environment_overrides(tmp_path: Path) -> None:
    path = settings_file(
        tmp_path,
        GOLIVE,
        'golive = { date = 2027-01-15, owners = { operations = "Drift A/S" } }',
    )
    s = load_settings(path)
    assert s.golive.date == dt.date(2027, 2, 1)
    assert s.golive.eboks_disable == dt.datetime(2027, 1, 29, 16, 0)
    test, production = s.environments["test"].golive, s.environments["production"].golive
    assert test.date == dt.date(2027, 1, 15) and production == s.golive
    # the shared plan, 17 days earlier, at the same Copenhagen time of day
    assert test.eboks_disable == dt.datetime(2027, 1, 12, 16, 0)
    assert test.ngdp_enable == dt.datetime(2027, 1, 15, 8, 0)  # was 08:00+01:00
    assert test.rollback_until == dt.date(2027, 1, 22)
    assert test.owners.operations == "Drift A/S"
    assert test.owners.workzone == HOSTILE_MARKUP  # the other owners stay


def test_an_environments_own_date_moves_the_steps_it_does_not_set(tmp_path: Path) -> None:
    """The cold try: `[environments.test] golive = { date = 2027-01-15 }` showed 15 January
    in the page's header while every step kept the shared dates. The steps move with it; a
    date the environment sets itself stays; a move across summer time keeps the clock time."""
    from ngdpkit.documents.runbook import build_runbook, render_runbook, rows

    path = settings_file(
        tmp_path,
        GOLIVE,
        "golive = { date = 2027-01-15, rollback_until = 2027-01-20 }",
    )
    s = load_settings(path)
    book = build_runbook(s, s.environments["test"])
    when = [r[1] for r in rows(book)]
    assert when[0] == "12-01-2027 kl. 16:00"
    assert when[2] == when[3] == "15-01-2027 kl. 08:00"
    assert when[4] == "15-01-2027 kl. 08:00 – 20-01-2027"  # its own rollback_until
    assert when[5] == "dagligt 15-01-2027 – 21-01-2027"
    html = render_runbook(book, nav="", banners=[], anchor="", calendar_file=True)
    assert "15-01-2027" in html and "01-02-2027" not in html and "29-01-2027" not in html
    assert [r[1] for r in rows(build_runbook(s, s.environments["production"]))][0] == (
        "29-01-2027 kl. 16:00"
    )
    summer = settings_file(
        tmp_path,
        "[golive]\ndate = 2027-04-05\neboks_disable = 2027-04-02T16:00:00+02:00",
        "golive = { date = 2027-03-15 }",
    )
    moved = load_settings(summer).environments["test"].golive
    assert moved.eboks_disable == dt.datetime(2027, 3, 12, 16, 0)  # 16:00 in winter time too


def test_a_time_in_the_summer_time_gap_is_moved_forward_and_lasts_an_hour(
    tmp_path: Path,
) -> None:
    """02:30 on 2027-03-28 does not exist in Copenhagen: it is 03:30 summer time (RFC 5545
    §3.3.5, the offset before the gap), and its event lasts an hour, never zero."""
    from ngdpkit.documents.runbook import build_runbook, rows, write_runbook

    s = load_settings(
        settings_file(
            tmp_path, "[golive]\nngdp_enable = 2027-03-28T02:30:00\neboks_disable = 2027-03-27"
        )
    )
    book = build_runbook(s, s.environments["test"])
    assert [r[1] for r in rows(book)][2] == "28-03-2027 kl. 03:30"
    write_runbook(tmp_path, book, stamp=dt.datetime(2027, 3, 1, tzinfo=dt.UTC))
    by = {
        e["UID"][1].split("-test-")[1]: e for e in read_ics((tmp_path / "runbook.ics").read_bytes())
    }
    for key in ("ngdp_enable@ngdpkit", "first_letter@ngdpkit"):
        assert by[key]["DTSTART"][1] == "20270328T013000Z", key
        assert by[key]["DTEND"][1] == "20270328T023000Z", key
    assert by["drain@ngdpkit"]["DTEND"][1] == "20270328T013000Z"
    twice = load_settings(settings_file(tmp_path, "[golive]\nngdp_enable = 2027-10-31T02:30:00"))
    book = build_runbook(twice, twice.environments["test"])
    write_runbook(tmp_path, book, stamp=dt.datetime(2027, 3, 1, tzinfo=dt.UTC))
    by = {
        e["UID"][1].split("-test-")[1]: e for e in read_ics((tmp_path / "runbook.ics").read_bytes())
    }
    assert by["ngdp_enable@ngdpkit"]["DTSTART"][1] == "20271031T003000Z"  # the first 02:30


@pytest.mark.parametrize(
    ("golive", "expected"),
    [
        (
            "eboks_disable = 2027-02-02\nngdp_enable = 2027-02-01T08:00:00",
            ["eboks_disable (2027-02-02) is after ngdp_enable (2027-02-01 08:00)"],
        ),
        (
            "date = 2027-02-01\nrollback_until = 2027-01-31",
            ["rollback_until (2027-01-31) is before the go-live, date (2027-02-01)"],
        ),
        (
            "date = 2027-02-01\neboks_disable = 2027-02-03T09:00:00\nrollback_until = 2027-01-31T12:00:00",
            [
                "eboks_disable (2027-02-03 09:00) is after date (2027-02-01)",
                "rollback_until (2027-01-31 12:00) is before the go-live, date (2027-02-01)",
            ],
        ),
        ("date = 2027-02-01\neboks_disable = 2027-02-01T16:00:00", []),  # that day: in order
        ("ngdp_enable = 2027-02-01T08:00:00\nrollback_until = 2027-02-01", []),
        ("date = 2027-02-01", []),
        ("rollback_until = 2027-01-01", []),  # no go-live to be before
    ],
)
def test_dates_out_of_order_are_a_warning_naming_both(
    tmp_path: Path, golive: str, expected: list[str]
) -> None:
    from ngdpkit.documents.runbook import golive_findings

    s = load_settings(settings_file(tmp_path, f"[golive]\n{golive}"))
    found = golive_findings(s.environments["test"])
    assert [f.code for f in found] == ["GOLIVE_DATES_OUT_OF_ORDER"] * len(expected)
    for f, words in zip(found, expected, strict=True):
        assert f.severity == "warning" and words in f.message and f.source == "golive"
        danish = f.text("da")
        assert danish != f.message and ("forkert rækkefølge" in danish or "ingen dag" in danish)


def test_check_and_run_report_dates_out_of_order(tmp_path: Path, sample_dir: Path) -> None:
    """Through the command line: `check` names the two dates (step 5, the dispatcher that the
    runbook switches on)."""
    d = tmp_path / "sample"
    shutil.copytree(sample_dir, d, ignore=shutil.ignore_patterns("runs"))
    settings = d / "migration.toml"
    text_ = settings.read_text(encoding="utf-8")
    bad = "[golive]\ndate = 2027-02-01\neboks_disable = 2027-02-04\n"
    settings.write_text(text_.replace("[environments.test]", bad + "\n[environments.test]", 1))
    r = cli("check", "--settings", str(settings), "--env", "test", "--json")
    assert r.returncode in (0, 1), r.stderr
    (found,) = [
        f for f in json.loads(r.stdout)["findings"] if f["code"] == "GOLIVE_DATES_OUT_OF_ORDER"
    ]
    assert found["severity"] == "warning"
    assert "eboks_disable (2027-02-04) ligger efter date (2027-02-01)" in found["message"]


def test_the_watch_step_says_who_watches_each_environment(tmp_path: Path) -> None:
    """CI watches production only, and examples/ci is a path in the kit, not the customer's
    repository: step 6 says so per environment."""
    from ngdpkit.documents.runbook import build_runbook

    s = load_settings(settings_file(tmp_path, GOLIVE))
    test = build_runbook(s, s.environments["test"]).steps[5].what
    production = build_runbook(s, s.environments["production"]).steps[5].what
    assert "--env test" in test and "i hånden eller som en planlagt opgave" in test
    assert "holder kun øje med produktionsmiljøet" in test and "CI-pipeline gør det" not in test
    assert "--env production" in production and "watch-job i jeres CI-pipeline" in production
    assert "examples/ci" not in test + production


@pytest.mark.parametrize(
    ("extra", "env_extra", "line"),
    [
        ('[golive]\ndate = "2027-02-01"', "", "golive.date must be a TOML date without quotes"),
        ("[golive]\ndate = 2027-02-01T10:00:00", "", "not a date-time (2027-02-01T10:00:00)"),
        ("[golive]\nngdp_enable = 08:00:00", "", "not a time of day (08:00:00)"),
        ("[golive]\nwhen = 2027-02-01", "", "unknown key 'golive.when'"),
        ('[golive]\nowners = { boss = "x" }', "", "unknown key 'golive.owners.boss'"),
        ("[golive]\nowners = { portal = 3 }", "", "golive.owners.portal must be a string"),
        ("", 'golive = { rollback_until = "soon" }', "environments.test.golive.rollback_until"),
        ("", "golive = 2027", "environments.test.golive must be a table"),
    ],
)
def test_golive_refusals_are_one_line_each(
    tmp_path: Path, extra: str, env_extra: str, line: str
) -> None:
    with pytest.raises(InputError) as info:
        load_settings(settings_file(tmp_path, extra, env_extra))
    problems = info.value.problems
    assert len(problems) == 1 and line in problems[0], problems
    assert "\n" not in problems[0]


def test_golive_refusal_is_exit_2_on_the_command_line(tmp_path: Path) -> None:
    path = settings_file(tmp_path, '[golive]\ndate = "2027-02-01"')
    r = cli("check", "--settings", str(path), "--env", "test")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "golive.date" in r.stderr


# ---------------------------------------------------------------------------------------------
# The runbook, built and written


def test_without_dates_every_step_says_so_and_no_calendar_is_written(tmp_path: Path) -> None:
    from ngdpkit.documents.runbook import build_runbook, render_runbook, rows, write_runbook

    s = load_settings(settings_file(tmp_path, ""))
    book = build_runbook(s, s.environments["test"])
    assert [r[1] for r in rows(book)] == ["dato ikke fastsat"] * 6
    files = write_runbook(tmp_path, book, stamp=dt.datetime.now(dt.UTC))
    assert [f.name for f in files] == ["runbook.xlsx"] and not (tmp_path / "runbook.ics").exists()
    html = render_runbook(book, nav="", banners=[], anchor="", calendar_file=False)
    assert "Der er ingen kalenderfil (runbook.ics)" in html
    assert "Tidspunkter er dansk tid" not in html  # no time to read (a customer's cold read)


def test_undated_steps_are_named_and_left_out_of_the_calendar(tmp_path: Path) -> None:
    from ngdpkit.documents.runbook import build_runbook, render_runbook, write_runbook

    s = load_settings(settings_file(tmp_path, "[golive]\nrollback_until = 2027-03-01"))
    book = build_runbook(s, s.environments["test"])
    write_runbook(tmp_path, book, stamp=dt.datetime.now(dt.UTC))
    (event,) = read_ics((tmp_path / "runbook.ics").read_bytes())
    assert event["UID"][1].endswith("-test-rollback@ngdpkit")
    assert event["DTSTART"] == ({"VALUE": "DATE"}, "20270301")
    html = render_runbook(book, nav="", banners=[], anchor="", calendar_file=True)
    assert "ikke i kalenderfilen: 1, 2, 3, 4, 6." in html
    assert "Tidspunkter er dansk tid." in html


def test_english_settings_give_an_english_runbook(tmp_path: Path) -> None:
    from ngdpkit.documents.runbook import build_runbook, rows

    s = load_settings(settings_file(tmp_path, GOLIVE, top='language = "en"'))
    book = build_runbook(s, s.environments["production"])
    table = rows(book)
    assert table[0][1] == "2027-01-29 16:00" and table[5][1] == "daily 2027-02-01 – 2027-02-07"
    assert table[5][2] == f"operations: {HOSTILE_FORMULA}"
    assert "Disable the e-Boks dispatcher" in table[0][3]
    assert "dato" not in json.dumps(table, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# A whole run of the sample with [golive] and hostile owner names


@pytest.fixture(scope="module")
def golive_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    d = tmp_path_factory.mktemp("golive") / "sample"
    shutil.copytree(sample_dir, d, ignore=shutil.ignore_patterns("runs"))
    settings = d / "migration.toml"
    text_ = settings.read_text(encoding="utf-8")
    settings.write_text(text_.replace("[environments.test]", GOLIVE + "\n[environments.test]", 1))
    r = run_cli("run", "--settings", str(settings), "--env", "test")
    assert r.returncode == 0, r.stdout + r.stderr
    return next((d / "runs" / "test").glob("2*"))


def test_the_run_writes_the_three_files_and_seals_them(golive_run: Path) -> None:
    manifest = json.loads((golive_run / "manifest.json").read_text(encoding="utf-8"))
    listed = json.dumps(manifest)
    for name in ("runbook.xlsx", "runbook.ics", "signoff/runbook.html"):
        assert (golive_run / name).is_file() and f'"{name}"' in listed, name
    sealed = [
        json.loads(line)
        for line in (golive_run / "audit.jsonl").read_text(encoding="utf-8").splitlines()
        if '"outputs_sealed"' in line
    ][-1]
    assert {"runbook.xlsx", "runbook.ics"} <= set(sealed["files"])
    r = cli("audit", "verify", str(golive_run))
    assert r.returncode == 0, r.stdout + r.stderr
    overview = (golive_run / "signoff" / "index.html").read_text(encoding="utf-8")
    assert 'href="runbook.html"' in overview


def test_the_calendar_holds_the_six_steps(golive_run: Path) -> None:
    from icalendar import Calendar

    data = (golive_run / "runbook.ics").read_bytes()
    events = read_ics(data)
    assert [e["UID"][1].split("-test-")[1] for e in events] == [
        "eboks_disable@ngdpkit",
        "drain@ngdpkit",
        "ngdp_enable@ngdpkit",
        "first_letter@ngdpkit",
        "rollback@ngdpkit",
        "watch@ngdpkit",
    ]
    by = {e["UID"][1].split("-test-")[1].split("@")[0]: e for e in events}
    assert by["eboks_disable"]["DTSTART"][1] == "20270129T150000Z"  # 16:00 in Copenhagen
    assert by["ngdp_enable"]["DTSTART"][1] == "20270201T070000Z"  # 08:00+01:00
    assert by["drain"]["DTEND"][1] == "20270201T070000Z"
    assert by["rollback"]["DTEND"][1] == "20270208T230000Z"  # through the 8th, Copenhagen
    assert by["watch"]["DTSTART"] == ({"VALUE": "DATE"}, "20270201")
    assert by["watch"]["RRULE"][1] == "FREQ=DAILY;COUNT=7"
    assert "WATCH_DELIVERY_FAILING" in value(by["rollback"], "DESCRIPTION")
    assert "til og med 08-02-2027" in value(by["rollback"], "DESCRIPTION")
    # the hostile names: plain text here, never markup
    assert "<" not in data.decode("utf-8")
    assert "\u2039script\u203a" in value(by["ngdp_enable"], "DESCRIPTION")
    assert "Bo; Konsulent, ApS" in value(by["first_letter"], "DESCRIPTION")
    # and an independent reader agrees
    cal = Calendar.from_ical(data)
    parsed = list(cal.walk("VEVENT"))
    assert [str(e["UID"]) for e in parsed] == [e["UID"][1] for e in events]
    assert str(parsed[3]["DESCRIPTION"]) == value(by["first_letter"], "DESCRIPTION")
    assert parsed[5]["DTSTART"].dt == dt.date(2027, 2, 1)


def test_the_workbook_has_the_steps_and_no_formula(golive_run: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(golive_run / "runbook.xlsx")
    steps, owners = wb["Drejebog"], wb["Ansvarlige"]
    header = [c.value for c in steps[1]]
    assert header == ["Trin", "Hvornår", "Ansvarlig", "Hvad", "Færdig når", "Udført"]
    body = [[c.value for c in row] for row in steps.iter_rows(min_row=2)]
    assert [r[0] for r in body] == ["1", "2", "3", "4", "5", "6"]
    assert body[0][1] == "29-01-2027 kl. 16:00"
    assert body[1][1] == "29-01-2027 kl. 16:00 – 01-02-2027 kl. 08:00"
    assert body[5][1] == "dagligt 01-02-2027 – 07-02-2027"
    assert body[5][2] == f"drift: {HOSTILE_FORMULA}" and body[2][2].endswith(HOSTILE_MARKUP)
    names = {row[0].value: row[1] for row in owners.iter_rows(min_row=2)}
    formula = names["drift"]
    assert formula.value == HOSTILE_FORMULA and formula.data_type == "s" and formula.quotePrefix
    for ws in wb.worksheets:
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_the_page_escapes_and_is_linked(golive_run: Path) -> None:
    html = (golive_run / "signoff" / "runbook.html").read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=cmd|&#39; /C calc&#39;!A0" in html
    assert "Drejebog for idriftsættelse (test)" in html
    assert "runbook.ics holder alle trin" in html
    assert 'href="runbook.html"' in html  # the navigation of every page names it
    assert "Content-Security-Policy" in html


def test_a_secret_folded_into_the_calendar_is_found(tmp_path: Path) -> None:
    """A fold or an escape can fall inside a secret: the scan reads the calendar unfolded."""
    from ngdpkit.run.scan import needles, scan_file

    secret = "Tok3n,with;punct\\and-more-than-75-octets-" + "x" * 60
    data = calendar(
        [Event("u@x", dt.date(2027, 2, 1), dt.date(2027, 2, 2), summary="s", description=secret)],
        stamp=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        product="p",
        name="n",
    )
    assert secret.encode() not in data  # folded and escaped
    path = tmp_path / "runbook.ics"
    path.write_bytes(data)
    assert scan_file(path, needles({"NGDPKIT_TEST_AUTHORIZATION": [secret]})) == [
        "NGDPKIT_TEST_AUTHORIZATION"
    ]


def test_every_golive_key_is_in_the_readme() -> None:
    from ngdpkit.settings import GoLive, Owners, schema

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Go-live runbook", 1)[1].split("\n## ", 1)[0]
    for key in [*schema(GoLive), *schema(Owners)]:
        assert re.search(rf"\b{key}\b", section), key


def _checklist(statuses: dict[int, str], confirmed: tuple[int, ...] = ()) -> object:
    from ngdpkit.deliverables.checklist import STEPS, Checklist, ChecklistRow, Readiness

    keys = list(STEPS["da"])
    rows = tuple(
        ChecklistRow(
            n,
            keys[n - 1],
            f"Trin {n}",
            "kunden",
            statuses.get(n, "done"),
            "confirmed" if n in confirmed else "observed",
            "",
            "",
        )
        for n in range(1, 9)
    )
    done = sum(1 for r in rows if r.status == "done")
    return Checklist(rows, Readiness.of(done, 8, "ok"))


def _runbook(tmp_path: Path, golive: str = "") -> Any:
    from ngdpkit.documents.runbook import build_runbook
    from ngdpkit.settings import load_settings

    s = load_settings(settings_file(tmp_path, golive))
    return build_runbook(s, s.environment("test"))


def _finding(severity: str, code: str, text: str) -> Any:
    from ngdpkit.findings import Finding

    return Finding(severity, code, text, "test", "")


@pytest.mark.parametrize(
    ("statuses", "errors", "da", "en"),
    [
        (
            {7: "to_do", 8: "to_do"},
            0,
            "Klar til at begynde: tjeklistens trin 1–6 er færdige, og kørslen har ingen fejl.",
            "Ready to begin: checklist steps 1–6 are done, and the run has no error.",
        ),
        (
            {3: "not_verified"},
            0,
            "Vent – begynd ikke endnu: tjeklistens trin 3 er ikke færdigt.",
            "Wait – do not begin yet: checklist step 3 is not done.",
        ),
        (
            {2: "blocked", 5: "to_do", 6: "not_verified"},
            1,
            "Vent – begynd ikke endnu: tjeklistens trin 2, 5 og 6 er ikke færdige, og kørslen har én fejl.",
            "Wait – do not begin yet: checklist steps 2, 5, and 6 are not done, and the run has 1 error.",
        ),
        (
            {1: "to_do", 2: "to_do", 3: "to_do", 4: "to_do", 6: "to_do"},
            0,
            "Vent – begynd ikke endnu: tjeklistens trin 1–4 og 6 er ikke færdige.",
            "Wait – do not begin yet: checklist steps 1–4 and 6 are not done.",
        ),
        (
            {},
            3,
            "Vent – begynd ikke endnu: kørslen har 3 fejl.",
            "Wait – do not begin yet: the run has 3 errors.",
        ),
    ],
)
def test_the_gate_before_step_1_goes_only_on_steps_1_to_6_done_and_no_error(
    tmp_path: Path, statuses: dict[int, str], errors: int, da: str, en: str
) -> None:
    """A consultant's go-live: the overview's readiness counts all eight steps, and steps 7
    (the dispatcher) and 8 (the acceptance test) come with the go-live itself, so it never
    read "klar" on the day. The runbook says, before its step 1, ready to begin or wait by
    what the run saw of the steps the go-live rests on (1-6) and of its errors; 7 and 8 do
    not hold it, and a run of three or more steps reads as a range (the customer's read)."""
    from ngdpkit.documents.runbook import gate_of, gate_verdict

    found = [_finding("error", f"CERT_X{i}", "x") for i in range(errors)]
    found.append(_finding("info", "INFO_X", "x"))  # an info holds nothing
    gate = gate_of(_checklist(statuses), found, "r", _runbook(tmp_path))  # type: ignore[arg-type]
    assert [s.step for s in gate.steps] == [1, 2, 3, 4, 5, 6]
    assert gate.go is da.startswith("Klar")
    assert gate_verdict(gate, "da") == da
    assert gate_verdict(gate, "en") == en


def test_the_gate_names_errors_warnings_confirmations_and_a_passed_step_1(
    tmp_path: Path,
) -> None:
    """The project lead's two reads of a go-live page: "Gå" rested on steps a person
    confirmed in a minute, said so only further down, beside warnings the verdict never named
    (one about a confirmed step: no server check from the servers), an error it did not name,
    and a step 1 already past with "run again before step 1". The verdict says whose word it
    rests on, the notes name each error and warning (a warning about a confirmed step first,
    in full), when the page was made and that step 1 has passed, with what to do then, why
    the overview's status is as expected, and the acceptance test before step 1."""
    from ngdpkit.documents.runbook import gate_notes, gate_of, gate_short, gate_verdict

    runbook = _runbook(tmp_path, "[golive]\neboks_disable = 2020-01-29T16:00:00\n")
    checklist = _checklist({7: "not_verified", 8: "to_do"}, confirmed=(1, 3, 5))
    missing = "Intet servertjek fra wz-web01, wz-web02."
    found = [
        _finding("warning", "NET_EVIDENCE_MISSING", missing),
        _finding("warning", "IP_DOCUMENTATION_RANGE", "y"),
        _finding("warning", "IP_DOCUMENTATION_RANGE", "z"),
    ]
    gate = gate_of(checklist, found, "20270201T070000Z-abc123", runbook)  # type: ignore[arg-type]
    assert gate_verdict(gate, "da") == (
        "Klar til at begynde på personers bekræftelse af trin 1, 3 og 5: tjeklistens trin 1–6 "
        "er færdige, og kørslen har ingen fejl."
    )
    assert gate_short(gate, "da") == (
        "klar til at begynde; trin 1, 3 og 5 kun bekræftet af personer; 3 advarsler; "
        "tidspunktet for trin 1 er passeret"
    )
    notes = gate_notes(gate, runbook)
    assert notes[0] == (
        f"Advarsel om trin 3, som kun er bekræftet af en person: {missing} "
        "Afgør, om I vil begynde uden det."
    )
    assert notes[1].startswith("Kørslen har 3 advarsler: ") and "(NET_EVIDENCE_MISSING)" in notes[1]
    assert notes[1].count("(IP_DOCUMENTATION_RANGE)") == 1  # a code once, however often
    assert "2 × " in notes[1]  # with how often: "4 advarsler" then named three titles
    assert notes[1].endswith("Læs dem i godkendelsesdokumentet, før I begynder.")
    assert notes[2] == (
        "Trin 1, 3 og 5 er bekræftet af personer; ngdpkit har ikke selv set dem. "
        "Tjeklisten viser, hvem der har bekræftet dem, og hvornår."
    )
    assert notes[3].startswith("Siden er dannet ") and notes[3].endswith(
        "ved kørslen 20270201T070000Z-abc123. Tidspunktet for drejebogens trin 1 "
        "(29-01-2020 kl. 16:00) er passeret. Er trinnet ikke taget: aftal et nyt tidspunkt, "
        "og ret datoerne."
    )
    assert "Kør ngdpkit igen før" not in notes[3]
    assert notes[4] == (
        "Oversigtens status, »ikke klar: 2 af 8 trin mangler«, tæller alle otte trin. Det er "
        "som forventet: trin 7 (dispatcheren, i drejebogens trin 3) og trin 8 (accepttesten, "
        "se nedenfor) hører til selve idriftsættelsen."
    )
    assert notes[5].startswith(
        "Anbefalet: tag accepttesten (tjeklistens trin 8) før drejebogens trin 1"
    )
    # wait, with an error and a passed step 1: the error named, and e-Boks back on
    wait = gate_of(
        _checklist({3: "to_do", 8: "done"}),
        [_finding("error", "DEFAULT_CONTACT_POINT_UNKNOWN", "x"), found[1]],
        "r",
        runbook,
    )  # type: ignore[arg-type]
    # the overview's words name the errors, the reason to wait, before the warnings
    assert gate_short(wait, "da") == (
        "vent – begynd ikke endnu; én fejl; én advarsel; tidspunktet for trin 1 er passeret"
    )
    said = gate_notes(wait, runbook)
    assert said[0].startswith("Fejl, der skal rettes først: ")
    assert said[0].endswith("(DEFAULT_CONTACT_POINT_UNKNOWN).")
    assert said[1].startswith("Kørslen har én advarsel: ") and "Læs den i" in said[1]
    assert said[2].startswith("Tjeklisten siger under »Næste handling«")
    assert said[3].endswith(
        "Er e-Boks-dispatcheren allerede deaktiveret, mens siden siger »Vent«: aktivér den "
        "igen, indtil tjeklistens trin 1–6 er færdige."
    )
    assert said[4].startswith("Tjeklistens trin 7 (dispatcheren i WorkZone)")
    assert not any("accepttesten" in n for n in said)  # step 8 done
    # many codes: the first eight named, the rest counted
    many = [_finding("warning", f"NET_W{i}", "w") for i in range(11)]
    many.insert(1, _finding("warning", "NET_W0", "the same code again: said in full once"))
    crowded = gate_notes(gate_of(checklist, many, "r", runbook), runbook)  # type: ignore[arg-type]
    assert [n.startswith("Advarsel om trin 3") for n in crowded[:4]] == [True] * 3 + [False]
    assert not any("said in full once" in n for n in crowded)
    assert crowded[3].startswith("Kørslen har 12 advarsler: ")
    assert "og 3 flere (se »Bilag: alle fund« i godkendelsesdokumentet)" in crowded[3]


def test_the_page_says_ready_or_wait_before_step_1(golive_run: Path) -> None:
    """The sample's run has seen none of steps 1-6 (only planned values): wait, each step
    with its status, the run it was read from, and that 7 and 8 are not part of the gate; the
    overview says the same verdict beside its readiness, which counts all eight steps."""
    html = (golive_run / "signoff" / "runbook.html").read_text(encoding="utf-8")
    gate = html[html.index('<section class="gate lead">') : html.index('<section class="runbook">')]
    assert "Før drejebogens trin 1: klar til at begynde?" in gate
    assert (
        '<p class="status-bad"><strong>Vent – begynd ikke endnu: tjeklistens trin 1–6 er ikke færdige.</strong></p>'
        in gate
    )
    assert (
        "<td>2. FOCES3/VOCES3-certifikat pr. miljø, installeret på alle servere</td><td>ikke verificeret</td>"
        in gate
    )
    assert "<td>Fejl i kørslen</td><td>ingen</td>" in gate
    assert (
        f"ved kørslen {golive_run.name}. Kør ngdpkit igen før drejebogens trin 1 (29-01-2027 kl. 16:00)"
        in gate
    )
    assert "Tjeklistens trin 7 (dispatcheren i WorkZone) udføres i drejebogens trin 3." in gate
    assert html.index("Før drejebogens trin 1") < html.index("<th>Trin</th>")
    overview = (golive_run / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "Drejebogens trin 1" in overview
    assert (
        "vent – begynd ikke endnu" in overview and "(se »Drejebog for idriftsættelse«)" in overview
    )
    # the reason to wait, before the warnings (a customer's cold read: "vent – begynd ikke
    # endnu; 4 advarsler" read as if the warnings were why)
    assert "vent – begynd ikke endnu; trin 1–6 ikke færdige; " in overview


def test_the_overviews_words_give_the_reason_to_wait(tmp_path: Path) -> None:
    """The errors when there are any, else the steps not done, before the warnings."""
    from ngdpkit.documents.runbook import gate_of, gate_short

    runbook = _runbook(tmp_path, "")
    warned = [_finding("warning", "IP_DOCUMENTATION_RANGE", "y")]
    one = gate_of(_checklist({3: "to_do", 8: "to_do"}), warned, "r", runbook)  # type: ignore[arg-type]
    assert gate_short(one, "da") == "vent – begynd ikke endnu; trin 3 ikke færdigt; én advarsel"
    assert gate_short(one, "en") == "wait – do not begin yet; step 3 not done; 1 warning"
    two = gate_of(_checklist({2: "to_do", 4: "blocked"}), [], "r", runbook)  # type: ignore[arg-type]
    assert gate_short(two, "da") == "vent – begynd ikke endnu; trin 2 og 4 ikke færdige"


def test_step_7_done_before_the_runbook_may_begin_is_said(tmp_path: Path) -> None:
    """A customer's cold read: step 7 (the dispatcher in WorkZone) confirmed while steps 1-6
    were not done, and the runbook said nothing of NgDP sending while e-Boks still does."""
    from ngdpkit.documents.runbook import gate_notes, gate_of

    runbook = _runbook(tmp_path, "")
    early = "Tjeklistens trin 7 er allerede færdigt, før drejebogen kan begynde"
    wait = gate_of(_checklist({2: "to_do", 8: "to_do"}, confirmed=(7,)), [], "r", runbook)  # type: ignore[arg-type]
    assert any(n.startswith(early) for n in gate_notes(wait, runbook))
    in_time = gate_of(_checklist({2: "to_do", 7: "to_do", 8: "to_do"}), [], "r", runbook)  # type: ignore[arg-type]
    assert not any(n.startswith(early) for n in gate_notes(in_time, runbook))
    go = gate_of(_checklist({8: "to_do"}, confirmed=(7,)), [], "r", runbook)  # type: ignore[arg-type]
    assert not any(n.startswith(early) for n in gate_notes(go, runbook))


def test_a_withheld_dispatcher_is_not_enabled_with_values_the_run_did_not_give(
    tmp_path: Path,
) -> None:
    """A consultant's cold run: with the dispatcher's values withheld (a wrong certificate
    password), the runbook's step 3 still said to enable the dispatcher "med værdierne … i
    denne kørsel (ContactPointGuid …)". It says to fix the findings and run again first."""
    from ngdpkit.documents.runbook import build_runbook
    from ngdpkit.settings import load_settings

    s = load_settings(settings_file(tmp_path, ""))
    env = s.environment("test")
    usual = build_runbook(s, env).steps[2].what
    withheld = build_runbook(s, env, withheld=True).steps[2].what
    assert "ContactPointGuid" in usual or "i denne kørsel" in usual
    assert "ContactPointGuid" not in withheld
    assert "denne kørsel har tilbageholdt dem på grund af blokerende fund" in withheld
    assert withheld.endswith("så ret fundene, og kør igen først.")


def test_the_workbook_opens_with_the_verdict_before_step_1(golive_run: Path) -> None:
    """A consultant's cold run: ``runbook.xlsx``, the copy that gets mailed around, had only
    the steps and the owners, and read as a plan to go while the page said wait. Its first
    sheet is the verdict, each step's status and the notes; no run or time in it (a run of
    unchanged inputs would otherwise always have a runbook "med nyt indhold")."""
    import openpyxl

    wb = openpyxl.load_workbook(golive_run / "runbook.xlsx")
    assert wb.sheetnames[0] == "Før trin 1" and "Drejebog" in wb.sheetnames
    rows_ = [[c.value for c in row] for row in wb["Før trin 1"].iter_rows()]
    assert rows_[0] == ["Tjeklistens trin", "Status ved denne kørsel"]
    assert rows_[1] == [
        "Klar til at begynde?",
        "Vent – begynd ikke endnu: tjeklistens trin 1–6 er ikke færdige.",
    ]
    assert rows_[3] == [
        "2. FOCES3/VOCES3-certifikat pr. miljø, installeret på alle servere",
        "ikke verificeret",
    ]
    notes = [r[1] for r in rows_ if r[0] in (None, "")]
    assert any(
        n.startswith("Kør ngdpkit igen før drejebogens trin 1 (29-01-2027 kl. 16:00)")
        for n in notes
    )
    assert not any(golive_run.name in str(c) for r in rows_ for c in r)  # no run, no time


def test_the_codes_past_the_first_eight_are_counted_without_a_doubled_and() -> None:
    """A consultant's second look at day one: "…(PENDING_CERTIFICATE) og og 4 flere" (the
    count began with "og", and the list added its own)."""
    from ngdpkit.documents.runbook import GATE_LISTED, GateFinding, _codes

    found = [
        GateFinding("warning", f"CODE_{i}", 1, f"ord {i}", None) for i in range(GATE_LISTED + 4)
    ]
    for lang, doubled in (("da", " og og "), ("en", " and and ")):
        said = _codes(found, lang)
        assert doubled not in said and said.endswith(")"), said
    assert _codes(found, "da").endswith(
        "og 4 flere (se »Bilag: alle fund« i godkendelsesdokumentet)"
    )


def test_the_rollback_says_what_waits_in_ngdp_and_the_seven_days(golive_run: Path) -> None:
    """An operations engineer's look: step 5 said only to switch the dispatchers back; what
    reaches NgDP after a rollback, and NgDP's seven days before it deactivates the receiving
    system, were for the consultant to remember."""
    html = (golive_run / "signoff" / "runbook.html").read_text(encoding="utf-8")
    assert "Efter en tilbagerulning kan svar og kvitteringer" in html
    assert "slet ikke har kunnet modtage post i 7 dage" in html


def test_the_drain_step_says_what_is_inferred() -> None:
    """A Windows administrator's read: "Deaktivér e-Boks-dispatcheren", then "Lad køen løbe
    tom" only works if a disabled dispatcher still sends its queue, which WorkZone's
    documentation does not say. The step says so, and to confirm it with KMD before."""
    from ngdpkit.documents.runbook import WORDS

    assert "udledt – WorkZones dokumentation siger det ikke: afklar med KMD" in WORDS["da"]["drain"]
    assert "inferred: WorkZone's documentation does not say so" in WORDS["en"]["drain"]


def test_an_owner_of_one_long_word_may_break_anywhere(tmp_path: Path) -> None:
    """An attacker's look at the runbook, now printed in signoff.pdf: an owner of one long
    word ("W" × 400) widened the "Ansvarlig" column and pushed "Færdig når" past the printed
    page. The owners' cells may end a line anywhere; the other cells, and the commands in
    them, keep their rules."""
    from ngdpkit.documents.runbook import render_runbook

    long = "W" * 400
    book = _runbook(tmp_path, f'[golive]\ndate = 2027-01-15\nowners = {{ portal = "{long}" }}')
    html = render_runbook(book, nav="", banners=[], anchor="", calendar_file=True)
    assert f'<td class="owner">{long}</td>' in html
    assert html.count('<td class="owner">') == 1  # the owners' row (no step is the portal's)
    assert "td.owner { overflow-wrap: anywhere; }" in html
    # an owner of ordinary words keeps them whole ("WorkZone-administrat/or" when every owner
    # cell might break anywhere)
    assert "<td>WorkZone-administrator</td>" in html


def test_the_gate_writes_a_large_count_as_the_language_does(tmp_path: Path) -> None:
    """A consultant's 20,000-mailbox run: the console's status line said "1.001 fejl" and
    the runbook's line under it "kørslen har 1001 fejl". Every count of the gate is written
    in the language's number format, as the status line writes it."""
    from ngdpkit.documents.runbook import gate_of, gate_short, gate_verdict

    found = [_finding("error", "MAILBOX_UNMAPPED", "x") for _ in range(1001)]
    found += [_finding("warning", "IP_DOCUMENTATION_RANGE", "y") for _ in range(1200)]
    gate = gate_of(_checklist({}), found, "r", _runbook(tmp_path))  # type: ignore[arg-type]
    assert gate_verdict(gate, "da") == "Vent – begynd ikke endnu: kørslen har 1.001 fejl."
    assert gate_verdict(gate, "en") == "Wait – do not begin yet: the run has 1,001 errors."
    assert gate_short(gate, "da") == "vent – begynd ikke endnu; 1.001 fejl; 1.200 advarsler"
    assert gate_short(gate, "en") == "wait – do not begin yet; 1,001 errors; 1,200 warnings"
