"""The signed document speaks one language (contract §12.8, §12.9; issue 27).

Two runs of the sample, with every kind of change between them (a finding fixed and one
new, a mapping row moved, one retired, one added by a new contact point translation, a
contact point's visibility and target groups, the system's IP addresses, the dispatcher's
default contact point), rendered in Danish and in English. Every page's visible text is
searched, with the data taken out (names of units, mailboxes and contact points are the
customer's, in Danish either way), for the other language's small words and for raw Python
values (True, None, a list's brackets).
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.conftest import cli, run_cli

ENGLISH = re.compile(
    r"\b(the|is|are|and|not|of|with|was|from|this|that|which|it|has|been|or|"
    r"skipped|found|missing|does|cannot|should|must)\b",
    re.I,
)
DANISH = re.compile(
    r"\b(og|er|ikke|til|af|med|der|som|på|kan|skal|blev|har|eller|fra|efter|ingen|alle|"
    r"kørsel|miljø|postkassen|fund|mangler)\b",
    re.I,
)
RAW = re.compile(r"\b(True|False|None)\b|\[\s*['\"\]]|\{['\"]")
TAGS = re.compile(r"<(code|style|script)\b.*?</\1>|<[^>]+>", re.S | re.I)
FILES = re.compile(r"\S+\.(pem|p12|pfx|ps1|json|xlsx|csv|toml)\b")  # names, not words
QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"|'[^']*'")


def edit(path: Path, change: Any) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb.active)
    wb.save(path)


def two_runs(sample_dir: Path, target: Path, language: str) -> Path:
    """The sample in ``language``, run twice with every kind of change between the runs."""
    shutil.copytree(sample_dir, target, ignore=shutil.ignore_patterns("runs"))
    toml = target / "migration.toml"
    text = toml.read_text(encoding="utf-8").replace('language = "da"', f'language = "{language}"')
    first = text.replace(
        'server_ips = ["198.51.100.10", "198.51.100.12/31"]',
        'server_ips = ["198.51.100.10", "198.51.100.12/31", "198.51.100.10"]',
    )
    toml.write_text(first, encoding="utf-8")
    r = run_cli("run", "--settings", str(toml), "--env", "test")
    assert r.returncode == 0, r.stdout + r.stderr
    # the duplicate IP fixed, another address, and the default contact point changed
    second = text.replace(
        'server_ips = ["198.51.100.10", "198.51.100.12/31"]',
        'server_ips = ["198.51.100.10", "198.51.100.20"]',
    )
    default = re.search(r'default_contact_point = "([^"]+)"', second)
    assert default
    cps = openpyxl.load_workbook(target / "contact-points-test.xlsx").active
    other_guid = str(cps.cell(row=2, column=1).value)  # Borgerservice's contact point
    second = second.replace(default.group(0), f'default_contact_point = "{other_guid}"')
    toml.write_text(second, encoding="utf-8")

    def mapping(ws: Any) -> None:
        ws.cell(row=2, column=3).value = other_guid  # a mailbox moved to another unit's point
        ws.cell(row=3, column=3).value = "udgår"  # one retired

    def points(ws: Any) -> None:
        ws.cell(row=3, column=6).value = "ja"  # a contact point hidden
        ws.cell(row=3, column=4).value = "ja"  # and open to companies too

    edit(target / "mapping-test.xlsx", mapping)
    edit(target / "contact-points-test.xlsx", points)
    r = run_cli("run", "--settings", str(toml), "--env", "test")
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return sorted((target / "runs" / "test").glob("2*"))[-1]


@pytest.fixture(scope="module", params=["da", "en"])
def changed_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sample_dir: Path
) -> tuple[str, Path]:
    language = request.param
    return language, two_runs(sample_dir, tmp_path_factory.mktemp(language) / "s", language)


def data_values(run: Path) -> list[str]:
    """The customer's own words: every cell of the mapping, the names in the settings.
    "Postkasse" stays out of the Danish words: the portal's own term, which the English
    pages keep (as in "Postkasse ID")."""
    values: set[str] = set()
    text = (run / "mailbox-mapping.csv").read_text(encoding="utf-8-sig")
    for line in text.splitlines()[1:]:
        values.update(cell for cell in line.split(";") if len(cell) > 2)
    portal = json.loads((run / "portal-registration.json").read_text(encoding="utf-8"))
    values.update(str(c.get("name")) for c in portal.get("contact_points") or [])
    values.update(
        [
            "Eksempel Kommune (fiktiv)",
            "Eksempel Kommune",
            "WorkZone test - Eksempel Kommune",
            "EKSEMPEL\\svc-workzone-t",
            "udgår",
            "Postkasser",
            "Mapping",
            "(NOT OCES3)",  # the sample CAs' own names say so
        ]
    )
    return sorted(values, key=len, reverse=True)


def visible_text(page: str, data: list[str]) -> str:
    text = html.unescape(TAGS.sub(" ", page))
    for value in data:
        text = text.replace(value, " ")
    return QUOTED.sub(" ", FILES.sub(" ", text))


def test_every_change_is_recorded_with_a_code_and_params(changed_run: tuple[str, Path]) -> None:
    _language, run = changed_run
    change = json.loads((run / "changes.json").read_text(encoding="utf-8"))
    assert change["schema"] == "ngdpkit/changes/2"
    codes = {
        section: {e["code"] for e in change[section]}
        for section in (
            "findings_added",
            "findings_resolved",
            "mapping_changed",
            "dispatcher_changed",
            "portal_changed",
            "outputs_changed",
        )
    }
    assert "IP_DUPLICATE" in codes["findings_resolved"]
    assert {"MAPPING_CHANGED"} <= codes["mapping_changed"]
    assert codes["dispatcher_changed"] == {"DISPATCHER_CHANGED"}
    assert {"PORTAL_SYSTEM_CHANGED", "PORTAL_CONTACT_POINT_CHANGED"} <= codes["portal_changed"]
    for section in codes:
        assert all(isinstance(e["params"], dict) for e in change[section])


def test_the_pages_hold_one_language_and_no_raw_values(changed_run: tuple[str, Path]) -> None:
    language, run = changed_run
    other = ENGLISH if language == "da" else DANISH
    data = data_values(run)
    problems = []
    pages = sorted((run / "signoff").glob("*.html"))
    assert len(pages) >= 8
    for path in pages:
        text = visible_text(path.read_text(encoding="utf-8"), data)
        for sentence in re.split(r"(?<=[.:;!?])\s+|\n", text):
            if other.search(sentence):
                problems.append(f"{path.name}: {' '.join(sentence.split())[:160]}")
            if RAW.search(sentence):
                problems.append(f"{path.name} (raw value): {' '.join(sentence.split())[:160]}")
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_overview_summarises_changes_by_code_and_unit(changed_run: tuple[str, Path]) -> None:
    language, run = changed_run
    page = (run / "signoff" / "index.html").read_text(encoding="utf-8")
    summary = page[: page.index("signatures") if "signatures" in page else len(page)]
    word = {"da": "Tilknytning ændret", "en": "Mapping changed"}[language]
    assert word in html.unescape(summary)
    # the summary comes before the signatures, the sentences after them (an appendix)
    assert page.index(word) < page.index('class="sigs"') < page.rindex("0101159")


def test_a_count_says_its_noun_in_the_form_it_takes_and_a_value_is_never_changed() -> None:
    """Templates write "{count} letter(s)"; a Danish customer read "12 brev(e)" and "1
    leveringer". The noun takes the count's form in both languages; a value holding the
    same shape (a contact point named "Team 2 borger(e)") is data and stays as it is."""
    from ngdpkit import findings as F
    from ngdpkit.documents.i18n import t

    one = F.warning(
        "X",
        "Contact point {name!r} has {count} mailbox(es).",
        "s",
        name="Team 2 borger(e)",
        count=1,
    )
    assert one.message == "Contact point 'Team 2 borger(e)' has 1 mailbox."
    many = F.warning("X", "{count} deliver(y|ies) to the receiving system failed.", "s", count=3)
    assert many.message == "3 deliveries to the receiving system failed."
    assert t("da", "decisions_lead", n=1, file="d.csv", superseded=0, unused=2).startswith(
        "1 beslutning fra d.csv"
    )
    assert "(0 tidligere beslutninger er erstattet" in t(
        "da", "decisions_lead", n=1, file="d.csv", superseded=0, unused=2
    )


def test_a_verb_after_a_count_agrees_with_it() -> None:
    """Session 21's leftover: "1 letter wait in NgDP". A verb written ``wait(s|)`` right after
    the counted noun takes the count's number; the Danish verb has one form."""
    from ngdpkit import findings as F

    template = (
        "{count} letter(s) wait(s|) in NgDP {waiting}; NgDP logged no delivery to WorkZone"
        " in the last {days} day(s)."
    )
    one = F.warning("WATCH_BACKLOG", template, "s", count=1, waiting="for WorkZone", days=7)
    assert one.message.startswith("1 letter waits in NgDP for WorkZone;"), one.message
    assert one.message.endswith("in the last 7 days.")
    many = F.warning("WATCH_BACKLOG", template, "s", count=12, waiting="for WorkZone", days=1)
    assert many.message.startswith("12 letters wait in NgDP for WorkZone;"), many.message
    assert many.message.endswith("in the last 1 day.")
    assert (F.danish_text(template, one.params) or "").startswith("1 brev venter i NgDP")
    assert (F.danish_text(template, many.params) or "").startswith("12 breve venter i NgDP")


def test_checks_table_is_framed_in_the_settings_language(sample_copy: Path) -> None:
    """The consultant's second cold run: a Danish run's ``check`` framed Danish messages in
    English ("== test: warnings (0 errors, 5 warnings, 5 info)", "2 network check(s)
    skipped"). The frame is said in the settings' language; "1 warnings" is gone in English."""
    settings = sample_copy / "migration.toml"
    out = cli("check", "--settings", str(settings), "--env", "test").stdout.splitlines()
    assert out[1].startswith("== test: advarsler (0 fejl, ")
    assert any("netværkskontroller sprunget over" in line for line in out), out
    # the severity column too (session 21's leftover: "warning" beside a Danish message)
    assert any(line.startswith("  advarsel IP_DOCUMENTATION_RANGE ") for line in out), out
    assert not any(line.startswith("  warning ") for line in out), out
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('language = "da"', 'language = "en"'), encoding="utf-8")
    assert 'language = "en"' in settings.read_text(encoding="utf-8")
    out = cli("check", "--settings", str(settings), "--env", "test").stdout.splitlines()
    assert out[1].startswith("== test: warnings (0 errors, ")
    assert any(line.startswith("  warning IP_DOCUMENTATION_RANGE ") for line in out), out
    assert any("network checks skipped" in line for line in out), out


def test_an_unusable_input_is_framed_without_counts_in_the_settings_language(
    sample_copy: Path,
) -> None:
    """Session 23's leftover: a workbook no step could read printed "== test: unusable (0 fejl,
    0 advarsler, 0 info)": English beside Danish, and three zeros that read as a clean bill.
    The status is said in the settings' language, with no counts when there are no findings."""
    (sample_copy / "mailboxes.xlsx").write_bytes(b"not a workbook")
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode == 2
    out = r.stdout.splitlines()
    assert out[1] == "== test: kan ikke bruges", out
    assert "mailboxes.xlsx" in out[2] and "0 fejl" not in r.stdout


def test_no_word_table_says_one_key_twice() -> None:
    """A key written twice in one dict literal is silently the last one: a session's new
    "ngdp_not_read" for the overview replaced step 02's own, and the overview said step 02's
    words. Every dict literal in the package holds each constant key once."""
    import ast

    package = Path(__file__).resolve().parent.parent / "ngdpkit"
    twice = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                twice += [
                    f"{path.name}:{node.lineno}: {k!r}" for k in set(keys) if keys.count(k) > 1
                ]
    assert not twice


# Danish forms that leave a placeholder out on purpose: "fejl" is one word for one error and
# for several, so the count's noun is not needed
DANISH_LEAVES_OUT = {("workbook_about.py", "counts"): {"error"}}


def test_every_word_table_says_the_same_placeholders_in_both_languages() -> None:
    """A Danish proofreader's rule: a Danish text keyed like its English one names the same
    values, so that no value the English says (a code, a count, a page) is lost in Danish, and
    none is asked for that the caller does not give (a KeyError at the run's end). The finding
    catalogue has its own check (tests/test_catalogue.py); this is every other table written
    as ``{"da": {...}, "en": {...}}`` or ``{"da": "...", "en": "..."}``, the console's and
    the pages' words among them. Both languages hold the same keys."""
    import ast
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    def strings(node: ast.AST | None) -> dict[str, str] | None:
        if not isinstance(node, ast.Dict):
            return None
        out = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
                return None
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                out[k.value] = v.value
        return out

    package = Path(__file__).resolve().parent.parent / "ngdpkit"
    differ, tables = [], 0
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            by = {
                k.value: v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant)
            }
            if "da" not in by or "en" not in by:
                continue
            da, en = by["da"], by["en"]
            if isinstance(da, ast.Constant) and isinstance(en, ast.Constant):
                pairs = {"": (str(da.value), str(en.value))}
            else:
                da_words, en_words = strings(da), strings(en)
                if da_words is None or en_words is None:
                    continue
                if path.name == "firewall.py":  # English words to Danish: keyed by the English
                    continue
                if set(da_words) != set(en_words):
                    differ.append(
                        f"{path.name}:{node.lineno}: keys {set(da_words) ^ set(en_words)}"
                    )
                pairs = {k: (da_words[k], en_words[k]) for k in da_words.keys() & en_words.keys()}
            tables += 1
            for key, (da_text, en_text) in pairs.items():
                left_out = DANISH_LEAVES_OUT.get((path.name, key), set())
                if fields(da_text) != fields(en_text) - left_out:
                    differ.append(
                        f"{path.name}:{node.lineno} {key!r}: {fields(da_text)} / {fields(en_text)}"
                    )
    assert tables > 20
    assert not differ


def test_a_danish_runs_console_is_danish_from_its_first_line(sample_run: dict[str, Any]) -> None:
    """A Danish-settings console opened "ngdpkit 0.2.0: running test from …" and said each
    step "warnings (0.3 s)" above its Danish last lines; the English is unchanged."""
    from ngdpkit import __version__

    out = sample_run["result"].stdout
    assert out.startswith(f"ngdpkit {__version__}: kører test fra "), out
    assert "running" not in out and "warnings" not in out, out
    assert re.search("  1/5 01_mailboxes: ok \\([0-9]+,[0-9] s\\)", out), out
    assert re.search("  3/5 03_certificate: advarsler \\([0-9]+,[0-9] s\\)", out), out


def test_a_withheld_dispatcher_is_said_in_the_settings_language(sample_copy: Path) -> None:
    """``blocked (withheld: CERT_BAD_PASSWORD)`` stood in English in a Danish run's console."""
    settings = str(sample_copy / "migration.toml")
    wrong = {"NGDPKIT_TEST_CERT_PASSWORD": "not-the-password"}
    r = run_cli("run", "--settings", settings, "--env", "test", env=wrong)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "05_dispatcher_config: blokeret (tilbageholdt: CERT_BAD_PASSWORD)" in r.stdout
    assert "blocked" not in r.stdout and "not-the-password" not in r.stdout + r.stderr
