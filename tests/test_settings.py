from __future__ import annotations

from pathlib import Path

import pytest

from ngdpkit.errors import InputError
from ngdpkit.settings import load_settings, variable_name_problem
from tests.conftest import cli

GOOD = """
[organisation]
name = "Kommune"
cvr = "98765433"
[inputs]
mailboxes = "m.xlsx"
[environments.test]
protocol = "REST_PULL"
server_ips = ["203.0.113.5"]
"""


def write(tmp_path: Path, text: str, files: tuple[str, ...] = ("m.xlsx",)) -> Path:
    for name in files:
        (tmp_path / name).write_bytes(b"x")
    path = tmp_path / "migration.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_settings(path)
    return info.value.problems


def test_minimal_settings_day_one(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, GOOD))
    env = s.environment("test")
    assert env.kind == "test"
    assert env.inputs.mailboxes == tmp_path / "m.xlsx"
    assert env.pending() == [
        "system_id",
        "certificate",
        "contact_points",
        "mapping",
        "default_contact_point",
    ]
    assert s.language == "da" and s.checks.cert_warn_days == 60


def test_toml_syntax_error_is_one_line(tmp_path: Path) -> None:
    out = problems(write(tmp_path, GOOD + "\n[broken\n"))
    assert len(out) == 1 and "TOML syntax error" in out[0]


def test_every_refusal_reported_at_once(tmp_path: Path) -> None:
    text = (
        GOOD.replace('cvr = "98765433"', 'cvr = 98765433\ncolour = "blue"')
        + """
[environments.production]
server_ips = "203.0.113.9"
certificate = "missing.p12"
"""
    )
    out = problems(write(tmp_path, text))
    joined = "\n".join(out)
    assert "organisation.cvr must be a string, not an integer (98765433)" in joined
    assert "unknown key 'organisation.colour'" in joined
    assert "environments.production.server_ips must be a list of strings" in joined
    assert "missing required key environments.production.protocol" in joined
    assert "environments.production.certificate: file not found: missing.p12" in joined
    assert len(out) == 5


def test_windows_backslash_path_names_the_tab(tmp_path: Path) -> None:
    text = GOOD.replace(
        'server_ips = ["203.0.113.5"]',
        'server_ips = ["203.0.113.5"]\ncertificate = "certs\\test.p12"',
    )
    out = problems(write(tmp_path, text))
    assert len(out) == 1
    assert "holds a TAB" in out[0] and "single quotes" in out[0]


def test_single_quoted_windows_path_is_literal(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "test.p12").write_bytes(b"x")
    text = GOOD.replace(
        'server_ips = ["203.0.113.5"]',
        "server_ips = [\"203.0.113.5\"]\ncertificate = 'certs\\test.p12'",
    )
    s = load_settings(write(tmp_path, text))
    assert s.environment("test").certificate == tmp_path / "certs" / "test.p12"


def test_unknown_environment_and_all(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, GOOD))
    assert s.select(["all"]) == ["test"]
    with pytest.raises(InputError, match="unknown environment 'prod'"):
        s.select(["prod"])
    out = problems(
        write(
            tmp_path,
            GOOD + "[environments.all]\nprotocol='REST_PULL'\nserver_ips=[]\nkind='test'\n",
        )
    )
    assert any("'all' is not allowed" in p for p in out)


def test_missing_required_keys(tmp_path: Path) -> None:
    out = problems(write(tmp_path, "[environments.test]\nprotocol='REST_PULL'\nserver_ips=[]\n"))
    joined = "\n".join(out)
    assert "missing required table [organisation]" in joined
    assert "missing required key inputs.mailboxes (or environments.test.mailboxes)" in joined


def test_kind_defaults_to_name_and_must_be_known(tmp_path: Path) -> None:
    out = problems(
        write(tmp_path, GOOD + "[environments.staging]\nprotocol='REST_PULL'\nserver_ips=[]\n")
    )
    assert any("environments.staging.kind must be" in p for p in out)


def test_inputs_overridden_per_environment(tmp_path: Path) -> None:
    (tmp_path / "other.xlsx").write_bytes(b"x")
    text = GOOD.replace(
        "[environments.test]",
        "[inputs.columns]\nmailbox_id = 'PK nr.'\n[environments.test]\nmailboxes = 'other.xlsx'\nmailboxes_sheet = 'Ark2'",
    )
    env = load_settings(write(tmp_path, text)).environment("test")
    assert env.inputs.mailboxes == tmp_path / "other.xlsx"
    assert env.inputs.mailboxes_sheet == "Ark2"
    assert env.inputs.columns == {"mailbox_id": "PK nr."}
    assert env.inputs.mailboxes_in_environment


def test_wrong_type_in_checks_and_unknown_column_field(tmp_path: Path) -> None:
    text = (
        GOOD.replace("[environments.test]", "[inputs.columns]\npostbox = 'x'\n[environments.test]")
        + "[checks]\ncert_warn_days = '60'\n"
    )
    out = problems(write(tmp_path, text))
    assert "migration.toml: checks.cert_warn_days must be an integer, not a string ('60')" in out
    assert any("unknown key 'inputs.columns.postbox'" in p for p in out)


def test_bad_domain_values_are_not_refused(tmp_path: Path) -> None:
    text = GOOD.replace('cvr = "98765433"', 'cvr = "12345678"').replace(
        'server_ips = ["203.0.113.5"]', 'server_ips = ["10.0.0.1"]\nsystem_id = "not-a-uuid"'
    )
    s = load_settings(write(tmp_path, text))
    assert s.organisation.cvr == "12345678"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("x" * 8_000_000, "over the 1 MB bound"),
        ("x" * 2000, "2,000 characters"),
        ("a\\u0000b", "NUL"),
        ("a\\u2028b", "U+2028"),
        ("a\\u202eb", "U+202E"),
        ("a\\u00adb", "U+00AD"),  # a soft hyphen: unseen in runbook.ics and on the pages
        ("a\\u206ab", "U+206A"),
        ("a\\U000e0041b", "U+E0041"),  # a tag character
        ("a\\nb", "line break"),
    ],
)
def test_organisation_names_are_bounded_and_clean(sample_copy: Path, name: str, words: str) -> None:
    """Issue 26: an 8 MB name made a 217 MB run folder; a NUL made diagram.svg invalid XML."""
    toml = sample_copy / "migration.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'name = "Eksempel Kommune (fiktiv)"', f'name = "{name}"'
        ),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(toml), "--env", "test")
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr) < 2000


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 400_000 + "]" * 400_000,
        "[checks]\nprobe_total_s = " + "9" * 4000,
        "[checks]\nprobe_total_s = " + "9" * 5000,
    ],
)
def test_settings_that_crashed_check_are_exit_2(tmp_path: Path, text: str) -> None:
    """Issue 26's retest: nested arrays were a RecursionError, a 4,000-digit number an
    OverflowError (exit 3)."""
    path = tmp_path / "s.toml"
    path.write_text(GOOD + "\n" + text if text.startswith("[checks]") else text + "\n" + GOOD)
    r = cli("check", "--settings", str(path), "--env", "test")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-300:]


def test_the_compare_table_pairs_contact_point_names(tmp_path: Path) -> None:
    """``[compare] contact_points``: names in test = names in production, strings only."""
    good = GOOD + '[compare]\ncontact_points = { "Skolen (test)" = "Skole og Dagtilbud" }\n'
    assert load_settings(write(tmp_path, good)).compare.contact_points == {
        "Skolen (test)": "Skole og Dagtilbud"
    }
    assert load_settings(write(tmp_path, GOOD)).compare.contact_points == {}
    bad = GOOD + (
        '[compare]\ncolour = 1\ncontact_points = { "A" = 5, "B" = ["x"], "C" = "ok", '
        '"D\\u0007" = "x" }\n'
    )
    assert problems(write(tmp_path, bad)) == [
        "migration.toml: unknown key 'compare.colour' (known here: contact_points)",
        "migration.toml: compare.contact_points.'A' must be a string (the contact point's "
        "name in production), not an integer (5)",
        "migration.toml: compare.contact_points.'B' must be a string (the contact point's "
        "name in production), not a list (['x'])",
        "migration.toml: compare.contact_points.'D\\x07' holds character U+0007, which no "
        "name, path or address can hold",
    ]
    for text in ("compare = 3\n", '[compare]\ncontact_points = ["x"]\n'):
        r = cli("check", "--settings", str(write(tmp_path, text + GOOD)), "--env", "test")
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "compare" in r.stderr


def test_a_secret_pasted_where_its_variable_is_named_is_refused_unshown(tmp_path: Path) -> None:
    """The attacker's fourth look: a consultant who pasted the header or the password into
    ``authorization_env`` saw it printed in SECRET_MISSING and written into every page that
    names the variable. A value that is not a variable's name is refused, and never shown."""
    header = "Basic NWIzZjJjMWUtOGQ0YTp0b2tfOWY4ZTdkNmM1YjRh"
    password = "REmWQymfhUnSmqavLOtlpY9"  # letters and digits only: it would pass for a name
    text = GOOD + (
        f'authorization_env = "{header}"\ncertificate_password_env = "{password}"\n'
        f'[signing]\ncertificate = "m.xlsx"\ncertificate_password_env = "pw with space"\n'
    )
    found = problems(write(tmp_path, text))
    assert sorted(p.split(": ", 1)[-1].split(" must")[0] for p in found) == [
        "environments.test.authorization_env",
        "environments.test.certificate_password_env",
        "signing.certificate_password_env",
    ]
    said = "\n".join(found)
    assert "never the secret itself; what is there is not shown" in said
    assert not any(part in said for part in ("NWIzZjJj", "Basic", "REmWQ", "with space"))
    ok = GOOD + 'authorization_env = "NGDPKIT_TEST_AUTHORIZATION"\n'
    assert load_settings(write(tmp_path, ok)).environment("test").authorization_env
    r = cli("cert", "inspect", str(tmp_path / "m.xlsx"), "--password-env", password)
    assert r.returncode == 2 and password not in r.stdout + r.stderr, r.stderr
    assert "--password-env must be the name of an environment variable" in r.stderr


@pytest.mark.parametrize("pasted", ["K7QX2M9PLR", "7QX2M9PLRK", "ABCDEFGH1"])
def test_a_password_in_capitals_and_digits_is_no_variable_name(tmp_path: Path, pasted: str) -> None:
    """A generated password in capitals and digits matched the pattern of a name, and was
    printed as the variable that is not set. A name with a digit must hold a _ as well."""
    text = GOOD + f'certificate_password_env = "{pasted}"\n'
    found = problems(write(tmp_path, text))
    assert len(found) == 1 and "certificate_password_env must be the name" in found[0]
    assert pasted not in "\n".join(found)
    r = cli("cert", "inspect", str(tmp_path / "m.xlsx"), "--password-env", pasted)
    assert r.returncode == 2 and pasted not in r.stdout + r.stderr, r.stderr
    for name in ("CERT_PASSWORD_2026", "PASSWORD", "NGDPKIT_TEST_CERT_PASSWORD", "_X1"):
        assert not variable_name_problem(name), name


def test_a_value_quoted_in_an_error_loses_its_secret_before_it_is_cut() -> None:
    """``str(value)[:40]`` left 18 of a token's 32 characters in an evidence file's error;
    the token is hidden first, then the text is cut."""
    from ngdpkit import redact as R
    from ngdpkit.deliverables.servercheck import evidence_shape_problems

    token = "qHzVJ5UR392QyY1mHK9bbltT5AvQbdJn"
    R.forget_all()
    try:
        R.register("NGDPKIT_TEST_AUTHORIZATION", token)
        data = {"checks": [{"kind": "https", "ok": False, "target": ["x" * 20 + token]}]}
        (said,) = evidence_shape_problems(data)
        assert not any(token[i : i + 6] in said for i in range(len(token) - 5)), said
        assert "[hidden" in said and said.endswith('...")')
        assert R.shortened("a" * 10, 8) == "aaaaa..." and R.shortened("short", 8) == "short"
    finally:
        R.forget_all()


def test_a_refusal_quoting_a_value_hides_the_secrets_the_settings_name(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fifth look: settings that cannot be read are refused before any secret is read,
    so ``language = "<the header>"`` printed the header. The secrets the settings name (the
    secrets file's values, the variables the ``*_env`` keys name) are hidden first."""
    from ngdpkit import redact as R
    from ngdpkit.secrets import read_dotenv

    secrets = read_dotenv(sample_copy / "sample.env")
    header = secrets["NGDPKIT_TEST_AUTHORIZATION"]
    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('language = "da"', f'language = "{header}"'), encoding="utf-8")
    R.forget_all()
    try:
        r = cli("check", "--settings", str(toml), "--env", "test")
        assert r.returncode == 2, r.stderr
        assert header not in r.stderr and header.split()[-1] not in r.stderr, r.stderr
        assert "[hidden: NGDPKIT_TEST_AUTHORIZATION]" in r.stderr
    finally:
        R.forget_all()


def test_a_folder_given_as_the_settings_file_is_named_as_a_folder(tmp_path: Path) -> None:
    """A consultant's cold run: ``confirm --settings kunder/hjortby`` (the customer's folder)
    said "settings file not found", of a folder that exists. It says it is a folder, and
    which settings file it holds."""
    (tmp_path / "migration.toml").write_text("", encoding="utf-8")
    r = cli("confirm", "--settings", str(tmp_path), "--env", "test", "--step", "7", "--by", "M")
    assert r.returncode == 2
    assert r.stderr.strip() == (
        f"ngdpkit: --settings {tmp_path} is a folder: give its settings file (it holds migration.toml)"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("check", "--settings", str(empty), "--env", "test")
    assert r.returncode == 2 and r.stderr.strip().endswith("is a folder: give its settings file")


def test_a_typo_of_a_key_is_named_once_with_what_was_meant(tmp_path: Path) -> None:
    """A consultant's cold run: ``server_ip`` gave the list of 26 keys known there and a
    second line, "missing required key environments.test.server_ips", for one mistake. A
    key close to a known one is named with it, and the key it was taken for is not said
    missing again; a key like none is listed with what is known, as before."""
    typo = GOOD.replace('server_ips = ["203.0.113.5"]', 'server_ip = ["203.0.113.5"]')
    assert problems(write(tmp_path, typo)) == [
        "migration.toml: unknown key 'environments.test.server_ip': did you mean 'server_ips'?"
    ]
    far = GOOD + "[environments.test.rehearsal]\nxyzzy = 1\n"
    (said,) = problems(write(tmp_path, far))
    assert said.startswith(
        "migration.toml: unknown key 'environments.test.rehearsal.xyzzy' (known here: "
    )


def test_a_file_of_thousands_of_problems_says_fifty_and_counts_the_rest(tmp_path: Path) -> None:
    """An attacker's (or a bad generator's) settings file: 2,000 unknown keys printed 2,000
    lines, the first problems long gone from the screen. The first 50 are said, one line
    counts the rest, and the command line says it as one refusal (exit 2)."""
    junk = "".join(f"junk_key_{i} = 1\n" for i in range(2000))
    path = write(tmp_path, junk + GOOD)
    said = problems(path)
    assert len(said) == 51
    assert said[0].startswith("migration.toml: unknown key 'junk_key_0' (known here: ")
    assert said[-1] == (
        "migration.toml: and 1,950 more problem(s) like these, not listed: fix these first"
    )
    r = cli("check", "--settings", str(path), "--env", "test")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 51, r.stderr[-300:]


def test_status_shows_an_organisation_name_without_control_characters() -> None:
    """An attacker's pass: ``status`` reads settings files that ``run`` refuses, and the
    outline's name reached status.html with ESC and U+202E in it."""
    from ngdpkit.settings import outline

    raw = (
        GOOD.replace('name = "Kommune"', 'name = "=cmd\\u001b[31mRED\\u202eLIVE\\u200b\\u00ad"')
    ).encode()
    said = outline(raw, "s.toml")
    assert said is not None and said.organisation == "=cmd[31mREDLIVE"
    env = GOOD.replace("[environments.test]", '[environments."\\u001b[2JTSET\\u202e"]')
    said = outline(env.encode(), "s.toml")
    assert said is not None and said.environments == ("[2JTSET",)


def test_a_date_moved_by_an_environments_own_go_live_date_stays_in_the_bound(
    tmp_path: Path,
) -> None:
    """The second look: the years were held before an environment's own date moved the
    shared plan's dates, and 2199-12-31 moved rollback_until to 2399."""
    text = GOOD.replace(
        "[environments.test]",
        "[golive]\ndate = 2000-01-01\nrollback_until = 2199-12-31\n\n[environments.test]\n"
        "golive = { date = 2199-12-31 }",
    )
    (said,) = problems(write(tmp_path, text))
    assert "moves [golive].rollback_until to 2399-12-31" in said, said
    assert "outside the years 2000 to 2199" in said


@pytest.mark.parametrize("path", ["C:\\Users\\anne\\test.p12", "D:\\kunder\\u2\\test.p12"])
def test_a_users_folder_in_double_quotes_names_the_key_and_the_way_out(
    tmp_path: Path, path: str
) -> None:
    """A consultant's Windows pass: ``certificate = "C:\\Users\\anne\\test.p12"``, the path
    people type most, was "TOML syntax error: Invalid hex value", naming no key and giving no
    way out (``\\t`` and ``\\b`` got one). It names the key and the single-quoted form, and
    does not repeat the line's value."""
    text = GOOD.replace(
        'server_ips = ["203.0.113.5"]', f'server_ips = ["203.0.113.5"]\ncertificate = "{path}"'
    )
    (out,) = problems(write(tmp_path, text))
    assert "TOML syntax error" in out and "single quotes" in out, out
    assert "(certificate = 'C:\\Users\\…\\test.p12')" in out, out
    assert "anne" not in out and "kunder" not in out


def test_a_backslash_in_an_account_is_not_answered_with_a_path(tmp_path: Path) -> None:
    """A consultant's second look: ``service_account = "EKSEMPEL\\svc-workzone-t"`` was told to
    write ``service_account = 'C:\\Users\\…\\test.p12'``, and a server written inline as
    ``servers = [{…}]`` to replace the list with a path. A key that is not a file gets its
    own kind of example, an inline table none."""
    account = GOOD.replace(
        'server_ips = ["203.0.113.5"]',
        'server_ips = ["203.0.113.5"]\nservice_account = "EKSEMPEL\\svc-workzone-t"',
    )
    (out,) = problems(write(tmp_path, account))
    assert "single quotes (service_account = '…\\…')" in out and "test.p12" not in out, out
    inline = GOOD.replace(
        'server_ips = ["203.0.113.5"]',
        'server_ips = ["203.0.113.5"]\n'
        'servers = [{ name = "wz", service_account = "EKSEMPEL\\wz" }]',
    )
    (out,) = problems(write(tmp_path, inline))
    assert "single quotes" in out and "test.p12" not in out and "(servers =" not in out, out


def test_the_escape_hint_repeats_nothing_of_the_file_but_a_key_the_settings_know(
    tmp_path: Path,
) -> None:
    """An attacker's pass: a settings line holding U+2028 made the hint read the wrong line
    (``splitlines()`` cuts there, TOML does not), and its "password = x" became the key the
    hint named: the sample's password on the console. Lines are counted as TOML counts them,
    and only a key the settings declare is named."""
    secret = "FEGTMSUOOjZtclTUXQKHMPjy"
    text = GOOD.replace(
        'server_ips = ["203.0.113.5"]',
        f'server_ips = ["203.0.113.5"]\nsystem_name = "WorkZone test\\u2028{secret} = x"\n'
        'service_account = "EKSEMPEL\\svc-workzone-t"',
    )
    (out,) = problems(write(tmp_path, text))
    assert secret not in out and "single quotes (service_account = '…\\…')" in out, out
    planted = GOOD.replace(
        'server_ips = ["203.0.113.5"]', f'server_ips = ["203.0.113.5"]\n{secret} = "C:\\Users\\x"'
    )
    (out,) = problems(write(tmp_path, planted))
    assert secret not in out and "single quotes ('C:\\certs\\test.p12')" in out, out


def test_a_cpr_number_in_the_settings_free_text_is_a_warning_naming_the_key(
    sample_copy: Path,
) -> None:
    """A DPO's review: a CPR number in the organisation's name, a system's name, the
    handover note or a go-live owner went into every sign-off page, the portal registration,
    the dispatcher configuration and the runbook without a word. ``check`` (as ``run``) says
    CPR_IN_TEXT per key, naming the key and never the number; the rehearsal's recipient, a
    CPR number by design, is not one of them."""
    import json

    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace(
        'name = "Eksempel Kommune (fiktiv)"', 'name = "Eksempel Kommune 010190-1234"'
    )
    text = text.replace(
        'system_name = "WorkZone test - Eksempel Kommune"',
        'system_name = "WorkZone test 0101901234"\nauthorization_handover = "Ring til Ole (CPR 010190-1234)"',
    )
    text += '\n[golive]\ndate = 2027-02-01\nowners = { operations = "Ole Drift 0101901234", portal = "Mette" }\n'
    settings.write_text(text, encoding="utf-8")
    r = cli("check", "--settings", str(settings), "--env", "test", "--json")
    assert r.returncode in (0, 1), r.stderr
    found = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "CPR_IN_TEXT"]
    assert sorted(f["source"] for f in found) == [
        "environments.test.authorization_handover",
        "environments.test.system_name",
        "golive.owners.operations",
        "organisation.name",
    ]
    assert {f["severity"] for f in found} == {"warning"}
    said = json.dumps(found, ensure_ascii=False) + r.stderr
    assert "0101901234" not in said and "010190-1234" not in said
    (system,) = [f for f in found if f["source"].endswith("system_name")]
    assert system["message"].startswith("Indstillingen environments.test.system_name indeholder")
    assert "portal-registration.json" in system["message"]


@pytest.mark.parametrize("shape", ['["{pw}"]', '{{ v = "{pw}" }}', '["NGDPKIT_X", "{pw}"]'])
def test_a_secret_pasted_as_a_list_or_table_leaves_no_beginning_in_the_refusal(
    sample_copy: Path, shape: str
) -> None:
    """A leak hunter's look (session 38): a password of the secrets file pasted into
    ``certificate_password_env`` as a list or a table was quoted cut to 40 characters
    ("must be a string, not a list (['LongPw-Qk29vX81mZa7Lq0PzX5bN3cV8tR1...)") before the
    settings' secrets were registered, so its first 34 characters stood on the console: the
    whole secret, which the redaction looks for, was no longer there. The refusal is now
    written after they are registered, each secret hidden before the cut."""
    # one password per case: the redaction's registry outlives a command run in this process
    password = f"LongPw{len(shape)}-Qk29vX81mZa7Lq0PzX5bN3cV8tR1yH6uJ4wE"
    env_file = sample_copy / "sample.env"
    env_file.write_text(
        env_file.read_text(encoding="utf-8")
        + f'NGDPKIT_TEST_CERT_PASSWORD="{password}"\n',  # the last line wins
        encoding="utf-8",
    )
    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    named = 'certificate_password_env = "NGDPKIT_TEST_CERT_PASSWORD"'
    toml.write_text(
        text.replace(named, "certificate_password_env = " + shape.format(pw=password), 1),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(toml), "--env", "test")
    assert r.returncode == 2 and "certificate_password_env must be a string" in r.stderr
    said = r.stdout + r.stderr
    assert password[:12] not in said, said
    assert "[hidden: NGDPKIT_TEST" in said, said  # the marker may be cut, never the secret


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:abc/apis/v1", "https://[::1/apis/v1", "https://h:99999999/"]
)
def test_an_ngdp_api_url_that_is_no_url_is_one_line_exit_2(sample_copy: Path, url: str) -> None:
    """A leak hunter's aside (session 38): ``ngdp_api_url = "https://127.0.0.1:abc/"`` ended
    ``check --online ngdp`` as a crash of the kit (httpx's InvalidURL, exit 3). A value that
    is no URL is refused with the settings, one line naming the key and the value."""
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace("[environments.test]\n", f'[environments.test]\nngdp_api_url = "{url}"\n', 1),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(settings), "--env", "test", "--online", "ngdp")
    assert r.returncode == 2, r.stdout + r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("ngdpkit: ")]
    assert len(lines) == 1 and "environments.test.ngdp_api_url" in lines[0], r.stderr
    assert "is not a URL" in lines[0] and "Traceback" not in r.stderr


def test_a_cpr_number_typed_without_quotes_is_not_repeated_on_the_console(
    tmp_path: Path,
) -> None:
    """A consultant's read (session 39): a test CPR number typed without quotes,
    ``recipient_id = 1512901234``, is a TOML integer, and the line that refused it repeated
    the number on the console and so in a CI log. The line still names the key and the type,
    never the number, and ``check`` says the same."""
    text = GOOD + '\n[rehearsal]\nrecipient_id = 1512901234\nrecipient_id_type = "CPR"\n'
    out = problems(write(tmp_path, text))
    joined = "\n".join(out)
    assert "rehearsal.recipient_id must be a string, not an integer" in joined
    assert "CPR-shaped" in joined and "1512901234" not in joined
    r = cli("check", "--settings", str(tmp_path / "migration.toml"))
    assert r.returncode == 2 and "1512901234" not in r.stdout + r.stderr


@pytest.mark.parametrize(
    ("key", "said"),
    [("language", "language must be"), ("kind", "environments.test.kind must be")],
)
def test_a_cpr_number_in_a_key_of_fixed_words_is_not_repeated(
    tmp_path: Path, key: str, said: str
) -> None:
    """An attacker's look past the integer above: a CPR number typed as a string into a key
    of fixed words (``language``, an environment's ``kind``) was quoted whole in the line that
    refused it, where every type's refusal hides it."""
    cpr = "151290-1234"
    if key == "language":
        text = f'language = "{cpr}"\n' + GOOD
    else:
        text = GOOD.replace("[environments.test]\n", f'[environments.test]\nkind = "{cpr}"\n')
    assert text != GOOD
    joined = "\n".join(problems(write(tmp_path, text)))
    assert said in joined and "CPR-shaped number, hidden" in joined, joined
    assert "151290" not in joined


@pytest.mark.parametrize("value", ["0101709996", "010170-9996", "0101709996  # test"])
def test_a_number_with_a_leading_zero_without_quotes_says_to_quote_it(
    tmp_path: Path, value: str
) -> None:
    """A consultant's read (session 39): a test CPR number of someone born on the 1st to the
    9th, typed without quotes, was "TOML syntax error: Expected newline or end of document
    after a statement", with no word of the quotes it lacked. The line now names the key and
    the quotes, and never repeats the number."""
    text = GOOD + f'\n[rehearsal]\nrecipient_id = {value}\nrecipient_id_type = "CPR"\n'
    (said,) = problems(write(tmp_path, text))
    assert "TOML syntax error" in said
    assert "recipient_id begins with 0 and is not in quotes" in said
    assert "double quotes" in said and "0101709996" not in said and "9996" not in said


def test_a_local_time_with_a_leading_zero_gets_no_quotes_hint(tmp_path: Path) -> None:
    """A TOML error on a line whose value only begins with 0 (a time) is not told to quote it."""
    (said,) = problems(write(tmp_path, GOOD + "\nwhen = 01:30:00 x\n"))
    assert "TOML syntax error" in said and "not in quotes" not in said


def test_a_refusal_keeps_the_key_a_typo_was_taken_for_and_the_file_looked_for(
    sample_copy: Path,
) -> None:
    """What a Danish refusal (nk.decide, the editor) needs to say what the English says:
    the key a misspelt key was taken for and the value of a key naming a file that is not
    there, kept through pickling (a refusal crosses a process boundary as one)."""
    import pickle

    from ngdpkit.errors import SettingsRefused

    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace('"contact-points-test.xlsx"', '"contact-point-test.xlsx"', 1).replace(
            'name = "Eksempel Kommune (fiktiv)"', 'naem = "Eksempel Kommune (fiktiv)"', 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(SettingsRefused) as caught:
        load_settings(toml)
    again = pickle.loads(pickle.dumps(caught.value))
    for refused in (caught.value, again):
        assert refused.suggested == {"organisation.naem": "name"}
        assert refused.looked_for == {"environments.test.contact_points": "contact-point-test.xlsx"}
