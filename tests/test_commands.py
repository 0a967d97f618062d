"""The kit's commands as the pages and workbooks name them (deliverables/commands.py): whole,
so that a command copied from the runbook or the checklist runs as it stands."""

from __future__ import annotations

import html
import re
import shlex
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import cli

from ngdpkit.cli import build_parser
from ngdpkit.deliverables.commands import KitCommands, is_placeholder
from ngdpkit.documents.signoff import with_commands

CODE = re.compile(r'<code class="cmd[^"]*">(.*?)</code>')
NEEDS_SETTINGS = {"run", "check", "confirm", "rehearse", "watch", "status"}


def commands_on(page: Path) -> list[str]:
    found = CODE.findall(page.read_text(encoding="utf-8"))
    return [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in found]


@pytest.mark.parametrize("env", ["test", "production"])
def test_every_command_the_pages_name_runs_as_copied(
    sample_run_all: dict[str, Any], env: str
) -> None:
    """An operations engineer followed production's runbook literally: ``ngdpkit rehearse
    --against ngdp``, ``ngdpkit confirm --step 8`` and ``confirm --step 7`` stopped at once
    (exit 2: --settings, --env and --by are required), and "kør ngdpkit igen" named no
    command. Every kit command the checklist, the runbook and the overview set as code parses
    with the kit's own parser, for this environment and the settings file, from its folder;
    production's rehearsal carries --production, which the kit demands there."""
    (run_dir,) = [f for f in sample_run_all["folders"] if f.parent.name == env]
    said: list[str] = []
    for name in ("checklist.html", "runbook.html", "index.html"):
        said += commands_on(run_dir / "signoff" / name)
    kit = [c for c in said if c.split()[1:2] and c.split()[1] in NEEDS_SETTINGS]
    assert {c.split()[1] for c in kit} >= {"run", "confirm", "rehearse", "watch"}, said
    for command in kit:
        args = build_parser().parse_args(shlex.split(command)[1:])  # exits on a missing option
        environments = args.env if isinstance(args.env, list) else [args.env]
        assert (str(args.settings), environments) == ("migration.toml", [env]), command
        if args.command == "rehearse":
            assert args.production == (env == "production"), command
    # the audit command is typed in the run folder, where "." is the folder
    (verify,) = [c for c in said if c.startswith("ngdpkit audit verify")]
    assert verify.startswith("ngdpkit audit verify . --expect-hash "), verify
    r = cli(*shlex.split(verify)[1:], cwd=run_dir)
    assert r.returncode == 0 and "intact" in r.stdout, r.stdout + r.stderr
    # and where they are typed is said beside them
    for name in ("checklist.html", "runbook.html", "index.html"):
        page = (run_dir / "signoff" / name).read_text(encoding="utf-8")
        assert "Kommandoerne køres i mappen med indstillingsfilen migration.toml." in page


def test_the_runbook_workbook_names_the_commands_whole(sample_run_all: dict[str, Any]) -> None:
    """The runbook as a workbook (runbook.xlsx, what operations keep open on go-live day)
    names the same whole commands: step 6's watch and the gate's run, rehearsal and
    confirmation."""
    (run_dir,) = [f for f in sample_run_all["folders"] if f.parent.name == "production"]
    book = openpyxl.load_workbook(run_dir / "runbook.xlsx", read_only=True)
    text = "\n".join(
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )
    target = "--settings migration.toml --env production"
    assert f"ngdpkit watch {target}" in text
    assert f"ngdpkit run {target}" in text
    assert f"ngdpkit rehearse --against ngdp {target} --production" in text
    assert f'ngdpkit confirm --step 8 {target} --by "<dit navn>"' in text
    assert not re.search(r"ngdpkit (confirm|rehearse|run|watch)(?! --step \d+ --settings| --against ngdp --settings| --settings)", text)  # fmt: skip


def test_confirm_refuses_the_pages_placeholder_for_a_name(sample_copy: Path) -> None:
    """A command copied from the checklist with ``--by "<dit navn>"`` as it stood would have
    recorded the placeholder as the person, in a file where a line stays: it is refused,
    nothing is written, and the line says what to put there."""
    command = KitCommands("migration.toml", "test", production=False).confirm(1)
    r = cli(*shlex.split(command)[1:], cwd=sample_copy)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.strip() == (
        "ngdpkit: --by: write the name of the person who did the step in place of <dit navn>;"
        " nothing was recorded"
    )
    assert not (sample_copy / "confirmations.jsonl").exists()
    assert is_placeholder(" <your name> ") and not is_placeholder("Jens <jh@example.dk")


def test_the_commands_of_an_environment() -> None:
    """Each command names the settings file (quoted when a shell needs it, single quotes read
    the same in PowerShell) and the environment; the tokens of a text are replaced as they
    stand, never through str.format (a text may hold a value with braces)."""
    c = KitCommands("'min fil.toml'", "drift", production=True, language="en")
    assert c.run(online=True) == "ngdpkit run --settings 'min fil.toml' --env drift --online"
    assert c.rehearse() == (
        "ngdpkit rehearse --against ngdp --settings 'min fil.toml' --env drift --production"
    )
    assert c.confirm(5) == (
        "ngdpkit confirm --step 5 --settings 'min fil.toml' --env drift --by \"<your name>\""
    )
    assert c.fill("Run <<run>> {x}; then <<confirm>>.", 7) == (
        "Run ngdpkit run --settings 'min fil.toml' --env drift {x}; then "
        "ngdpkit confirm --step 7 --settings 'min fil.toml' --env drift --by \"<your name>\"."
    )
    assert c.where() == (
        "Run the commands in the folder that holds the settings file 'min fil.toml'."
    )
    # a checklist evaluated on its own: the short reminders it always said
    bare = KitCommands.unnamed("da")
    assert bare.fill("<<confirm>> eller <<rehearse>>", 8) == (
        "ngdpkit confirm --step 8 eller ngdpkit rehearse --against ngdp"
    )


def test_a_whole_command_is_set_as_code_up_to_its_last_option() -> None:
    """On a page, a command with its settings, environment and name is one code fragment
    (copied whole), and the sentence after it stays prose. Kept on one line it pushed the
    checklist's table off the page; a line may now end between two options, never inside one
    (nor inside a quoted value)."""
    said = str(
        with_commands(
            "Kør ngdpkit run --settings 'min fil.toml' --env drift --online, så NgDP læses,"
            ' eller ngdpkit confirm --step 5 --settings migration.toml --env test --by "<dit navn>".'
        )
    )
    parts = ["ngdpkit run", "--settings &#39;min fil.toml&#39;", "--env drift", "--online"]
    spans = " ".join(f"<span>{p}</span>" for p in parts)
    assert f'Kør <code class="cmd cmd-long">{spans}</code>, så NgDP læses' in said, said
    assert "<span>--by &#34;&lt;dit navn&gt;&#34;</span></code>." in said, said
    # a short one stays one piece, as before
    assert str(with_commands("ngdpkit rehearse --against ngdp")) == (
        '<code class="cmd">ngdpkit rehearse --against ngdp</code>'
    )


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("migration.toml", "migration.toml"),
        ("Søby Kommune.toml", '"Søby Kommune.toml"'),
        ("Kommunens d'Arc plan.toml", '"Kommunens d\'Arc plan.toml"'),
        ("x\u2019; calc; \u2019.toml", '"x\u2019; calc; \u2019.toml"'),
        ("$(calc).toml", None),
        ("a%PATH%.toml", None),
        ('a"b.toml', None),
        ("a\u201d; calc.toml", None),
        ("a`b.toml", None),
        ("a!b.toml", None),
        ("tab\tx.toml", None),
        ("a\u2028b.toml", None),  # a line separator: the command read as two lines
        ("a\u3164b.toml", None),  # a filler: a blank a reader cannot tell from a space
    ],
)
def test_the_settings_file_is_one_word_in_every_shell(name: str, word: str | None) -> None:
    """A go-live look and an attacker's: the settings file's name was quoted for bash only.
    PowerShell ends a single-quoted string on a curly quote too, so a file named
    "x’; calc; ’.toml" ran calc from a copied command, and cmd.exe keeps single quotes, so
    "Søby Kommune.toml" was two words there. A plain name is bare, one with a space or an
    apostrophe is in double quotes (read alike by bash, PowerShell and cmd.exe), and one that
    no quoting keeps ($, %, !, a backtick, a backslash, a quotation mark, a control
    character) is not named: the commands hold a placeholder, and the sentence says why."""
    from types import SimpleNamespace

    from ngdpkit.deliverables.commands import shell_word

    assert shell_word(name) == word
    settings = SimpleNamespace(path=Path("/x") / name, language="da")
    env = SimpleNamespace(name="production", kind="production")
    c = KitCommands.of(settings, env)  # type: ignore[arg-type]
    if word is None:
        assert c.run() == 'ngdpkit run --settings "<indstillingsfilen>" --env production'
        assert c.where().startswith(f"Kommandoerne køres i mappen med indstillingsfilen {name}.")
        assert "omdøb filen, eller erstat selv <indstillingsfilen> med filens navn" in c.where()
    else:
        assert c.run() == f"ngdpkit run --settings {word} --env production"
        assert c.where() == f"Kommandoerne køres i mappen med indstillingsfilen {name}."
        # and on a page the whole command is one code fragment
        said = html.unescape(re.sub(r"<[^>]+>", "", str(with_commands(c.confirm(7)))))
        assert said == c.confirm(7)
        assert str(with_commands(c.confirm(7))).count("<code") == 1


@pytest.mark.parametrize(
    "by",
    [
        '"<dit navn>".',
        "<dit navn>.",
        "<dit navn>,",
        "(<dit navn>)",
        "<your name>)",
        "<dit navn> Jens",
        "dit navn",
        "Dit  Navn.",
    ],
)
def test_confirm_refuses_the_placeholder_with_what_a_copy_takes_along(
    sample_copy: Path, by: str
) -> None:
    """A go-live look: a command copied from a workbook cell took the sentence's full stop
    along (``--by "<dit navn>".`` reaches the kit as ``<dit navn>.``), and "<dit navn>." was
    recorded as the person who confirmed, in a file where a line stays."""
    r = cli(
        "confirm", "--step", "5", "--settings", str(sample_copy / "migration.toml"),
        "--env", "test", "--by", by,
    )  # fmt: skip
    assert r.returncode == 2 and "--by: write the name of the person" in r.stderr, r.stderr
    assert not (sample_copy / "confirmations.jsonl").exists()
    assert not is_placeholder("Jens Hansen (drift).")
    # an attacker's look: the angle quotes and full-width brackets a font or a word
    # processor substitutes, and typographic quotes around it, are the placeholder too
    for typed in ("‹dit navn›", "＜dit navn＞", "“<dit navn>”.", "〈your name〉", "﹤dit navn﹥"):
        assert is_placeholder(typed), typed
    assert not is_placeholder("‹Jens› Hansen") and not is_placeholder("Jens ＜drift＞")


def test_a_cpr_number_in_a_mailbox_name_stays_off_the_console(sample_copy: Path) -> None:
    """An attacker's look: CPR_IN_TEXT did not repeat the number, but the line of another
    finding naming the mailbox ("Postkassen 0999001 (Ny postkasse 010170-1231) …") printed it
    to the console, and so to a CI log. ``check`` prints it hidden; the finding itself (in
    findings.json, for the pages) is unchanged, and --by given twice hides it as well."""
    book = openpyxl.load_workbook(sample_copy / "mailboxes.xlsx")
    sheet = book.active
    assert sheet is not None
    sheet.append(["0999001", "Ny postkasse 010170-1231", "Ny enhed", None, None, None])
    book.save(sample_copy / "mailboxes.xlsx")
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--all")
    said = r.stdout + r.stderr
    assert "0999001" in said and "CPR_IN_TEXT" in said, said
    assert "010170-1231" not in said and "Ny postkasse CPR-nummer udeladt" in said, said
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--json")
    assert "010170-1231" in r.stdout  # the finding as the pages show it
    r = cli(
        "confirm", "--step", "1", "--settings", str(sample_copy / "migration.toml"),
        "--env", "test", "--by", "Karen 010170-1299", "--by", "Karen",
    )  # fmt: skip
    assert r.returncode == 2 and "given twice" in r.stderr and "010170-1299" not in r.stderr


def test_the_summary_table_s_units_hide_cpr_numbers_and_are_bounded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An attacker's look: past its line limit `check` prints a summary by code and unit,
    and its units column printed 400 units named with CPR numbers, a 13 KB line on the
    console and in a CI log. The column is one line, its CPR-shaped words hidden, bounded."""
    from ngdpkit.cli import SUMMARY_UNITS_WIDTH, print_findings_table

    where = ", ".join(f"Enhed {i} 010170{i:04d} ({i})" for i in range(400))
    payload = {"environment": "test", "status": "warnings", "findings": []}
    summary = [("warning", "UNIT_NAMED_ELSEWHERE", "Enhedens postkasser", 400, where + "\nx")]
    print_findings_table(payload, summary=summary, language="da")
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "UNIT_NAMED_ELSEWHERE" in x)
    assert "0101700001" not in out and "CPR-nummer udeladt" in line
    assert len(line) < 60 + 50 + SUMMARY_UNITS_WIDTH and "\nx" not in out
