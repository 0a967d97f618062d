"""``ngdpkit init`` (contract §12.7) and the settings reference generated from the schema."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from ngdpkit import settings as S
from ngdpkit.documents.settings_reference import DOCS, TABLES, keys, reference_markdown
from tests.conftest import REPO, cli


def test_init_then_check_works_on_a_fresh_folder(sample_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kunder" / "soeby"
    r = cli(
        "init",
        str(folder),
        "--organisation",
        "Søby Kommune",
        "--cvr",
        "98765433",
        "--mailboxes",
        str(sample_dir / "mailboxes.xlsx"),
    )
    assert r.returncode == 0, r.stderr
    text = (folder / "migration.toml").read_text(encoding="utf-8")
    assert (folder / "mailboxes.xlsx").read_bytes() == (sample_dir / "mailboxes.xlsx").read_bytes()
    data = tomllib.loads(text)
    assert data["organisation"] == {"name": "Søby Kommune", "cvr": "98765433"}
    assert set(data["environments"]) == {"test", "production"}
    assert data["environments"]["production"]["kind"] == "production"
    # every key of the schema is there, set or commented out, under a Danish comment
    lines = text.splitlines()
    for _header, cls, _name in TABLES:
        start = lines.index("[environments.test]") if cls is S.Environment else 0
        for doc_key, key, _default in keys(cls):
            if cls is S.Environment and doc_key.startswith("Inputs."):
                continue
            pattern = rf"^(# )?({key} =|\[{key}[.\]])"
            if cls in (S.Server, S.Owners):  # listed under servers = / owners =
                pattern = rf"^#   {key}: "
            at = next((i for i, x in enumerate(lines) if i > start and re.match(pattern, x)), None)
            assert at is not None, key
            near = "".join(lines[max(0, at - 4) : at + 1])
            assert lines[at - 1].startswith("# ") and DOCS[doc_key].da.split()[0] in near, key
    check = cli("check", "--settings", str(folder / "migration.toml"), "--env", "all")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "PENDING_SERVER_IPS" in check.stdout and "PENDING_SYSTEM_ID" in check.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cvr", "12345678"], "--cvr '12345678' is not a CVR number"),
        (["--cvr", "98765433", "--env", "Prod"], "--env 'Prod'"),
        (["--cvr", "98765433", "--env", "all"], "--env 'all'"),
        # an attacker's pass: "$" took one trailing line break, and init crashed (exit 3)
        (["--cvr", "98765433", "--env", "test\n"], "--env 'test\\n'"),
        (
            ["--cvr", "98765433", "--mailboxes", "nowhere.xlsx"],
            "--mailboxes nowhere.xlsx: file not found",
        ),
    ],
)
def test_init_refuses_bad_input_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    folder = tmp_path / "kunde"
    r = cli("init", str(folder), "--organisation", "Søby Kommune", *args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (folder / "migration.toml").exists()


@pytest.mark.parametrize("typed", ["0101701299", "010170-1299", " 3112995678 "])
def test_init_never_repeats_a_cpr_number_typed_as_the_cvr(tmp_path: Path, typed: str) -> None:
    """A consultant's week two: a CPR number typed into --cvr was echoed on the console
    ("--cvr '0101701299' is not a CVR number"), and the console is copied into a ticket. It
    says what is wrong (the shape of a CPR number) without repeating it; nothing is written."""
    folder = tmp_path / "kunde"
    r = cli("init", str(folder), "--organisation", "Søby Kommune", "--cvr", typed, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--cvr has the shape of a CPR number (10 digits), not of a CVR number" in r.stderr
    assert "personal data, so it is not repeated here" in r.stderr
    digits = typed.strip()
    assert digits not in r.stdout + r.stderr and digits.replace("-", "") not in r.stderr
    assert not (folder / "migration.toml").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["confirm", "--step", "0101701299", "--by", "A"], "--step CPR-nummer udeladt:"),
        (["watch", "--days", "010170-1299"], "--days CPR-nummer udeladt:"),
        (["check", "--env", "0101701299"], "unknown environment 'CPR-nummer udeladt'"),
        (["rehearse", "--against", "0101701299"], "invalid choice: 'CPR-nummer udeladt'"),
    ],
)
def test_a_refused_argument_that_is_a_cpr_number_is_not_echoed(
    sample_copy: Path, args: list[str], said: str
) -> None:
    """An attacker's read of every echo: a CPR number typed into --step, --days, --env or
    --against was repeated in the refusal on the console (and argparse's own words). Each
    refusal still says what was wrong, with the number hidden."""
    command, *rest = args
    settings = str(sample_copy / "migration.toml")
    env = [] if "--env" in rest else ["--env", "test"]
    r = cli(command, "--settings", settings, *env, *rest, cwd=sample_copy)
    assert r.returncode == 2, r.stdout + r.stderr
    assert said in r.stderr, r.stderr
    assert "0101701299" not in r.stdout + r.stderr and "010170-1299" not in r.stderr


@pytest.mark.parametrize(
    ("args", "typed"),
    [
        (["check", "--env", "test0101701299"], "0101701299"),
        (["confirm", "--step", "x010170-1299", "--by", "A"], "010170-1299"),
        (
            ["watch", "--days", "\u0660\u0661\u0660\u0661\u0667\u0660\u0661\u0662\u0669\u0669"],
            "\u0669\u0669",
        ),
        (
            [
                "rehearse",
                "--against",
                "\uff10\uff11\uff10\uff11\uff17\uff10-\uff11\uff12\uff19\uff19",
            ],
            "\uff19\uff19",
        ),
        (["rehearse", "--against", "ngdp0101701299"], "0101701299"),
    ],
)
def test_a_cpr_number_inside_a_word_or_in_other_digits_is_not_echoed(
    sample_copy: Path, args: list[str], typed: str
) -> None:
    """An attacker's second look: the refusals hid a CPR number only as a word of its own
    in ASCII digits, so one inside a longer word ("test0101701299") or typed in Arabic-Indic
    or full-width digits was echoed as given, by the kit and by argparse alike."""
    command, *rest = args
    settings = str(sample_copy / "migration.toml")
    env = [] if "--env" in rest else ["--env", "test"]
    r = cli(command, "--settings", settings, *env, *rest, cwd=sample_copy)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "CPR-nummer udeladt" in r.stderr, r.stderr
    assert typed not in r.stdout + r.stderr, r.stderr


@pytest.mark.parametrize(
    "typed",
    [
        "\u0660\u0661\u0660\u0661\u0667\u0660\u0661\u0662\u0669\u0669",
        "\uff13\uff11\uff11\uff12\uff19\uff19\uff15\uff16\uff17\uff18",
    ],
)
def test_init_never_repeats_a_cpr_number_in_other_digits_typed_as_the_cvr(
    tmp_path: Path, typed: str
) -> None:
    """A CPR number in Arabic-Indic or full-width digits as --cvr was "not a CVR number",
    repeated in the digits it was typed in."""
    folder = tmp_path / "kunde"
    r = cli("init", str(folder), "--organisation", "Søby Kommune", "--cvr", typed, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--cvr has the shape of a CPR number" in r.stderr, r.stderr
    assert typed[-4:] not in r.stdout + r.stderr
    assert not (folder / "migration.toml").exists()


def test_init_never_overwrites_a_settings_file(tmp_path: Path) -> None:
    (tmp_path / "migration.toml").write_text("# mine\n", encoding="utf-8")
    r = cli("init", str(tmp_path), "--organisation", "X", "--cvr", "98765433")
    assert r.returncode == 2 and "already exists" in r.stderr
    assert (tmp_path / "migration.toml").read_text(encoding="utf-8") == "# mine\n"


@pytest.mark.parametrize(
    "name",
    ["Søby \"Kommune\" \\ 'x'", 'A"\n[environments.evil]\nprotocol = "x', "Kommune\u202e"],
)
def test_a_hostile_organisation_name_is_escaped_or_refused(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "kunde"
    r = cli("init", str(folder), "--organisation", name, "--cvr", "98765433")
    if r.returncode == 2:  # a line break or an invisible character: no settings text holds one
        assert "--organisation holds" in r.stderr and not folder.exists()
        return
    assert r.returncode == 0, r.stderr
    data = tomllib.loads((folder / "migration.toml").read_text(encoding="utf-8"))
    assert data["organisation"]["name"] == name and set(data["environments"]) == {
        "test",
        "production",
    }


def test_the_readme_settings_reference_is_generated_from_the_schema() -> None:
    documented = set(DOCS)
    declared = {doc_key for _h, cls, _n in TABLES for doc_key, _k, _d in keys(cls)}
    assert declared - documented == set(), "keys without words in settings_reference.DOCS"
    assert documented - declared == set(), "words for keys the settings no longer have"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    current = readme.split("<!-- settings-reference:start -->\n", 1)[1].split(
        "<!-- settings-reference:end -->", 1
    )[0]
    assert current == reference_markdown(), (
        "README's settings reference is stale: .venv/bin/python -m ngdpkit.documents.settings_reference README.md"
    )


def test_the_next_command_is_typed_again_as_printed_in_a_folder_with_spaces(
    tmp_path: Path,
) -> None:
    """The consultant's cold run: ``init`` in ``Kunde Ærø Kommune/migrering å`` printed
    ``next: ngdpkit check --settings Kunde Ærø Kommune/migrering å/migration.toml``, which a
    shell splits at every space. The path is quoted as a shell (bash or PowerShell) reads it."""
    import shlex

    folder = tmp_path / "Kunde Ærø Kommune" / "migrering å"
    r = cli("init", str(folder), "--organisation", "Ærø Kommune", "--cvr", "98765433")
    assert r.returncode == 0, r.stderr
    (hint,) = [line for line in r.stdout.splitlines() if line.startswith("next: ")]
    words = shlex.split(hint.removeprefix("next: "))
    assert words[:3] == ["ngdpkit", "check", "--settings"]
    assert Path(words[3]) == folder / "migration.toml"


def test_a_settings_file_saved_as_ansi_is_named_with_its_line_and_how_to_save_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "migration.toml"
    path.write_bytes('[organisation]\nname = "Ærø Kommune"\n'.encode("cp1252"))
    r = cli("check", "--settings", str(path), "--env", "test")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "not UTF-8 text (line 2, byte 23" in r.stderr and "save it as UTF-8" in r.stderr
    path.write_bytes('[organisation]\nname = "Ærø Kommune"\n'.encode("utf-16"))
    r = cli("check", "--settings", str(path), "--env", "test")
    assert r.returncode == 2 and "looks like UTF-16" in r.stderr, r.stderr


def test_an_export_whose_name_the_settings_cannot_hold_is_refused_before_any_write(
    sample_dir: Path, tmp_path: Path
) -> None:
    """The attacker's sixth look: ``--mailboxes`` named a file with a line break in its name;
    ``init`` copied it and wrote settings that ``check`` then refused."""
    import shutil

    odd = tmp_path / "a\nb.xlsx"
    shutil.copy(sample_dir / "mailboxes.xlsx", odd)
    folder = tmp_path / "k"
    r = cli(
        "init", str(folder), "--organisation", "X", "--cvr", "98765433", "--mailboxes", str(odd)
    )
    assert r.returncode == 2 and "U+000A" in r.stderr and len(r.stderr.splitlines()) == 1
    assert not folder.exists()


def test_the_readme_lists_every_header_the_kit_reads_each_table_by() -> None:
    """Contract §4: the README lists every header alias. It did not (a consultant's export
    headed "Afdeling" was read without its units, and nothing said which headers count);
    the list is generated from the fields the readers use."""
    from ngdpkit.documents.settings_reference import headers_markdown, input_tables
    from ngdpkit.inputs.mailboxes import EXPORT_FIELDS

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    current = readme.split("<!-- input-headers:start -->\n", 1)[1].split(
        "<!-- input-headers:end -->", 1
    )[0]
    assert current == headers_markdown(), (
        "README's input headers are stale: .venv/bin/python -m ngdpkit.documents.settings_reference README.md"
    )
    assert any(fields is EXPORT_FIELDS for _t, fields in input_tables())
    for _table, fields in input_tables():
        for f in fields:
            assert all(f"`{h}`" in current for h in (*f.specific, *f.generic)), f.name


def test_init_says_the_kind_it_gives_an_environment_named_otherwise(tmp_path: Path) -> None:
    """A day-one cold run: ``--env test --env drift`` ("drift", the Danish word for
    operations) wrote ``kind = "test"`` for drift without a word, and compare then found no
    production environment. A name that reads as production is one, and every name but
    test and production is said with the kind it got."""
    folder = tmp_path / "k"
    args = ["--organisation", "Søby Kommune", "--cvr", "98765433"]
    r = cli("init", str(folder), *args, "--env", "test", "--env", "drift", "--env", "uddannelse")
    assert r.returncode == 0, r.stderr
    kinds = {
        n: e["kind"]
        for n, e in tomllib.loads((folder / "migration.toml").read_text())["environments"].items()
    }
    assert kinds == {"test": "test", "drift": "production", "uddannelse": "test"}
    assert 'environment drift: kind = "production" (from its name;' in r.stdout
    assert 'environment uddannelse: kind = "test" (from its name;' in r.stdout
    assert "environment test:" not in r.stdout


def test_init_never_writes_through_a_link_to_nothing(sample_dir: Path, tmp_path: Path) -> None:
    """An attacker's look: with ``migration.toml`` a link to nothing, init said "cannot write
    the settings (File exists)" after it had copied the export in; with the export's name a
    link to nothing, the copy was written where the link pointed, outside the folder. Both
    are refused before anything is written."""
    export = sample_dir / "mailboxes.xlsx"
    settings_link = tmp_path / "a"
    settings_link.mkdir()
    (settings_link / "migration.toml").symlink_to(tmp_path / "nowhere.toml")
    r = cli("init", str(settings_link), "--organisation", "X", "--cvr", "98765433",
            "--mailboxes", str(export))  # fmt: skip
    assert r.returncode == 2 and "already exists" in r.stderr, r.stderr
    assert sorted(p.name for p in settings_link.iterdir()) == ["migration.toml"]
    assert not (tmp_path / "nowhere.toml").exists()

    export_link = tmp_path / "b"
    export_link.mkdir()
    victim = tmp_path / "victim.xlsx"
    (export_link / "mailboxes.xlsx").symlink_to(victim)
    r = cli("init", str(export_link), "--organisation", "X", "--cvr", "98765433",
            "--mailboxes", str(export))  # fmt: skip
    assert r.returncode == 2 and "is a link to nothing" in r.stderr, r.stderr
    assert not victim.exists() and not (export_link / "migration.toml").exists()


def test_an_export_with_its_own_headers_is_refused_with_a_way_out_init_can_take(
    tmp_path: Path,
) -> None:
    """A consultant's first day with a real export headed "PK nr.": init refused it with
    "give its headers in the settings: [inputs.columns]", and wrote no settings to give them
    in. The refusal now says how to start anyway, and doing what it says is read by check."""
    export = tmp_path / "WzpEboksMailMap.csv"
    export.write_text(
        "PK nr.;Navn på postkasse;Afdeling\r\n0100233;Borgerservice Søby;Borgerservice\r\n",
        encoding="utf-8",
    )
    folder = tmp_path / "kunde"
    args = ("init", str(folder), "--organisation", "Søby Kommune", "--cvr", "98765433")
    r = cli(*args, "--mailboxes", str(export))
    assert r.returncode == 2 and not folder.exists() and "Traceback" not in r.stderr
    way_out = r.stderr.splitlines()[-1]
    assert "run init without --mailboxes" in way_out, r.stderr
    assert f"copy WzpEboksMailMap.csv into {folder}" in way_out
    assert 'set mailboxes = "WzpEboksMailMap.csv" and uncomment columns' in way_out
    # as it says: init without the export, the export copied in, the two lines set
    assert cli(*args).returncode == 0
    (folder / export.name).write_bytes(export.read_bytes())
    settings = folder / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace('mailboxes = "mailboxes.xlsx"', f'mailboxes = "{export.name}"', 1)
    text = text.replace(
        '# columns = { mailbox_id = "PK nr." }',
        'columns = { mailbox_id = "PK nr.", mailbox_name = "Navn på postkasse" }',
        1,
    )
    settings.write_text(text, encoding="utf-8")
    r = cli("check", "--settings", str(settings), "--env", "test", "--json")
    assert r.returncode == 0, r.stderr
    assert "PENDING_MAPPING" in r.stdout  # the export read, the steps checked


def test_an_unreadable_export_of_another_kind_gets_no_settings_advice(tmp_path: Path) -> None:
    """The way out is said only where it helps (a header or sheet the settings can name), not
    under a refusal that no setting mends."""
    export = tmp_path / "export.xlsx"
    export.write_bytes(b"not a zip")
    r = cli(
        "init",
        str(tmp_path / "k"),
        "--organisation",
        "X",
        "--cvr",
        "98765433",
        "--mailboxes",
        str(export),
    )
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_pending_system_id_names_where_its_values_are(
    sample_dir: Path, tmp_path: Path, language: str
) -> None:
    """Day one's PENDING_SYSTEM_ID said "with the values below" on the console, where
    nothing is below it (a consultant's first day): it names the file and the page that hold
    the values, and where the portal's ID goes."""
    folder = tmp_path / "kunde"
    check = _day_one_check(sample_dir, folder, language)
    line = next(x for x in check.stdout.splitlines() if "PENDING_SYSTEM_ID" in x)
    assert "portal-registration.json" in line, line
    assert "below" not in line and "nedenfor" not in line, line
    # day one's check writes no file: the line says which command does (a second look)
    assert "ngdpkit run" in line, line


def test_the_next_command_quotes_a_path_as_powershell_and_cmd_read_it(tmp_path: Path) -> None:
    """A consultant on Windows: ``ngdpkit init kunder\\soeby`` printed ``next: ngdpkit check
    --settings 'kunder\\soeby\\migration.toml' --env all``, POSIX quotes, which cmd.exe keeps
    as part of the name (file not found: every Windows path holds a backslash), and a folder
    with an apostrophe (``O'Brien``) came out as ``'O'"'"'Brien …'``, which PowerShell does
    not read as one word. The path is in double quotes, as the pages' commands are, which
    bash, PowerShell and cmd.exe read alike."""
    import shlex

    folder = tmp_path / "O'Brien kunde" / "søby"
    r = cli("init", str(folder), "--organisation", "X", "--cvr", "98765433")
    assert r.returncode == 0, r.stderr
    (hint,) = [line for line in r.stdout.splitlines() if line.startswith("next: ")]
    assert f'--settings "{folder / "migration.toml"}" --env all' in hint, hint
    assert Path(shlex.split(hint.removeprefix("next: "))[3]) == folder / "migration.toml"


@pytest.mark.parametrize(
    ("path", "windows", "word"),
    [
        ("kunder/soeby/migration.toml", False, "kunder/soeby/migration.toml"),
        ("data\\sample\\migration.toml", True, '"data\\sample\\migration.toml"'),
        (
            "C:\\Users\\jh\\OneDrive - Søby Kommune\\migration.toml",
            True,
            '"C:\\Users\\jh\\OneDrive - Søby Kommune\\migration.toml"',
        ),
        ("C:\\Users\\O'Brien\\migration.toml", True, '"C:\\Users\\O\'Brien\\migration.toml"'),
        # nothing keeps a $ in double quotes everywhere: PowerShell's own quotes on Windows
        ("C:\\kunde$\\O'B\\migration.toml", True, "'C:\\kunde$\\O''B\\migration.toml'"),
        # a backslash in a POSIX name is no separator: quoted as bash reads it
        ("a\\b/migration.toml", False, "'a\\b/migration.toml'"),
        ("kunde $x/migration.toml", False, "'kunde $x/migration.toml'"),
    ],
)
def test_a_path_is_one_word_for_the_shell_it_is_typed_in(
    path: str, windows: bool, word: str
) -> None:
    from ngdpkit.deliverables.commands import path_word

    assert path_word(path, windows=windows) == word


@pytest.mark.parametrize("language", ["da", "en"])
def test_day_one_pending_keys_name_the_key_and_what_to_do(
    sample_dir: Path, tmp_path: Path, language: str
) -> None:
    """A consultant's day one: PENDING_CERTIFICATE read "certifikat er ikke sat endnu" in
    Danish, where every other PENDING_ names its settings key (`certificate`), and
    PENDING_DEFAULT_CONTACT_POINT said only that the dispatcher's ContactPointGuid was not
    known yet: it says which key to set, and where the contact point's GUID is found."""
    folder = tmp_path / "kunde"
    check = _day_one_check(sample_dir, folder, language)
    lines = check.stdout.splitlines()
    line = next(x for x in lines if "PENDING_CERTIFICATE" in x)
    assert "  certificate " in line and "certifikat er" not in line, line
    line = next(x for x in lines if "PENDING_DEFAULT_CONTACT_POINT" in x)
    assert line.count("default_contact_point") >= 2, line  # the key, and what to set
    assert "Administrativ Adgang" in line and "Kontaktpunkt ID" in line, line


def test_a_settings_key_in_a_message_is_never_put_into_danish() -> None:
    """A parameter named ``key`` is what a person types or looks up as it stands."""
    from ngdpkit.findings import danish_text

    text = danish_text("{key} is not set yet: {what}.", {"key": "certificate", "what": "x"})
    assert text == "certificate er ikke sat endnu: x."


@pytest.mark.parametrize("case", ["nothing blocks", "errors", "english", "unreadable"])
def test_check_ends_on_the_next_command(sample_dir: Path, tmp_path: Path, case: str) -> None:
    """A consultant's look: init and sample end on ``next:``, check ended on its last
    finding, and what to type after it (the run? fix first?) was guessed. Check names the
    run when nothing blocks it, else the errors to fix (by code) and check again: in the
    settings' language, as its table, the path quoted as init's."""
    import shlex
    import shutil

    folder = tmp_path / "kunde Ærø"
    shutil.copytree(sample_dir, folder, ignore=shutil.ignore_patterns("runs"))
    settings = folder / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    if case == "errors":
        text = text.replace('cvr = "98765433"', 'cvr = "12345678"', 1)
    if case == "english":
        text = text.replace('language = "da"', 'language = "en"', 1)
    if case == "unreadable":
        (folder / "mapping-test.xlsx").write_text("not a workbook", encoding="utf-8")
    settings.write_text(text, encoding="utf-8")
    r = cli("check", "--settings", str(settings), "--env", "all")
    last = r.stdout.splitlines()[-1]
    word = f'"{settings}"'
    if case == "nothing blocks":
        assert r.returncode == 0 and last == f"næste: ngdpkit run --settings {word} --env all"
        assert Path(shlex.split(last.removeprefix("næste: "))[3]) == settings
    elif case == "english":
        assert r.returncode == 0 and last == f"next: ngdpkit run --settings {word} --env all"
    elif case == "errors":
        assert r.returncode == 1 and last.startswith("næste: ret fejlene ovenfor først ("), last
        assert "CVR_INVALID" in last and "ngdpkit run" not in last, last
        assert last.endswith(f"kontrollér igen: ngdpkit check --settings {word} --env all")
    else:
        assert r.returncode == 2 and "mapping-test.xlsx" in r.stderr
        assert last == (
            "næste: ret det, linjerne ovenfor nævner, og kontrollér igen: "
            f"ngdpkit check --settings {word} --env all"
        ), last
    json_said = cli("check", "--settings", str(settings), "--env", "all", "--json")
    assert "næste:" not in json_said.stdout and "next:" not in json_said.stdout


def _day_one_check(sample_dir: Path, folder: Path, language: str) -> Any:
    """``init`` of a customer in ``folder`` with the sample's export, its settings switched
    to ``language``, and ``check --env test`` of them: day one's console."""
    r = cli(
        "init",
        str(folder),
        "--organisation",
        "X",
        "--cvr",
        "98765433",
        "--mailboxes",
        str(sample_dir / "mailboxes.xlsx"),
    )
    assert r.returncode == 0, r.stderr
    settings = folder / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('language = "da"', f'language = "{language}"', 1), "utf-8")
    return cli("check", "--settings", str(settings), "--env", "test")


def test_init_dates_its_comment_with_the_danish_day() -> None:
    """A date-and-time auditor's look: ``init`` on a UTC runner at 23:30 UTC wrote
    "Skrevet af ngdpkit init" with the runner's day, the day before the customer's."""
    import datetime as dt

    from ngdpkit.documents.settings_reference import danish_day

    assert danish_day(dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC)) == dt.date(2026, 12, 8)
    assert danish_day(dt.datetime(2026, 12, 7, 22, 59, tzinfo=dt.UTC)) == dt.date(2026, 12, 7)
    assert danish_day(dt.datetime(2026, 7, 7, 22, 0, tzinfo=dt.UTC)) == dt.date(2026, 7, 8)
    la = dt.timezone(dt.timedelta(hours=-8))  # a laptop's own clock, with its offset
    assert danish_day(dt.datetime(2026, 12, 7, 16, 0, tzinfo=la)) == dt.date(2026, 12, 8)
