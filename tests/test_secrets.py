from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from ngdpkit import secrets as S
from ngdpkit.findings import Finding


def test_repr_never_shows_the_value() -> None:
    s = S.Secret("NGDPKIT_TEST_CERT_PASSWORD", "hunter2-very-secret")
    for text in (repr(s), str(s), f"{s}", repr([s]), repr({"x": s})):
        assert "hunter2" not in text
    assert s.reveal() == "hunter2-very-secret"
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_order_environment_file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "s.env"
    f.write_text("# comment\nexport A=\"from-file\"\nB='quoted value'\nC=plain\n", encoding="utf-8")
    assert S.resolve("A", secrets_file=f, environ={"A": "from-env"}).origin == "environment"
    got = S.resolve("A", secrets_file=f, environ={})
    assert got.reveal() == "from-file" and got.origin == "secrets file"
    assert S.resolve("B", secrets_file=f, environ={}).reveal() == "quoted value"
    monkeypatch.setattr(S, "_from_keyring", lambda name: "from-keyring" if name == "K" else None)
    assert S.resolve("K", secrets_file=f, environ={}).origin == "keyring"
    assert S.resolve("MISSING", secrets_file=f, environ={}) is None
    assert S.resolve(None) is None


def test_prompt_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    asked = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or "typed-value")
    monkeypatch.setattr("sys.stdin", type("T", (), {"isatty": lambda self: False})())
    assert S.resolve("P", environ={}, prompt=True) is None and asked == []
    monkeypatch.setattr("sys.stdin", type("T", (), {"isatty": lambda self: True})())
    got = S.resolve("P", environ={}, prompt=True, label="Certificate password")
    assert got.reveal() == "typed-value" and got.origin == "prompt" and "input hidden" in asked[0]


def test_importing_ipykernel_does_not_make_a_kernel() -> None:
    import ipykernel  # noqa: F401

    assert not S._in_jupyter_kernel()


def test_a_stale_variable_that_wins_over_the_secrets_file_is_said(
    tmp_path: Path, sample_copy: Path
) -> None:
    """A consultant's cold run: a password exported into the shell earlier, and the right one
    in the settings' secrets file: the environment's won without a word, and "the password in
    NGDPKIT_TEST_CERT_PASSWORD does not open certs/test.p12" stayed after the file was fixed.
    The secret says the file it shadows, its findings say so, and neither value is shown."""
    from ngdpkit import redact
    from ngdpkit.secrets import quality_findings, read_dotenv, resolve
    from tests.conftest import cli

    env_file = tmp_path / "s.env"
    env_file.write_text('PW="from the file, right"\n', encoding="utf-8")
    stale = resolve("PW", secrets_file=env_file, environ={"PW": "from the shell, stale"})
    assert stale is not None and stale.reveal() == "from the shell, stale"
    assert stale.shadows == "s.env"
    (found,) = [
        f for f in quality_findings(stale, "environments.test.x") if f.code == "SECRET_SHADOWED"
    ]
    assert found.severity == "warning" and "s.env holds another value" in found.message
    assert "fjern miljøvariablen for at bruge filens" in found.text("da")
    assert "from the file, right" not in redact.redact("x from the file, right y")
    same = resolve("PW", secrets_file=env_file, environ={"PW": "from the file, right"})
    assert same is not None and same.shadows == ""
    alone = resolve("PW", secrets_file=None, environ={"PW": "from the shell, stale"})
    assert alone is not None and alone.shadows == ""

    # the run's own check, in the consultant's words
    right = read_dotenv(sample_copy / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    r = cli(
        "check", "--settings", str(sample_copy / "migration.toml"), "--env", "test", "--json",
        env={"NGDPKIT_TEST_CERT_PASSWORD": "an old password left in the shell"},
    )  # fmt: skip
    codes = {f["code"] for f in json.loads(r.stdout)["findings"]}
    assert {"SECRET_SHADOWED", "CERT_BAD_PASSWORD"} <= codes, codes
    assert right not in r.stdout + r.stderr
    assert "an old password left in the shell" not in r.stdout + r.stderr


def test_a_secret_split_by_an_unseen_character_in_pythons_quoting_is_hidden() -> None:
    """An attacker's pass: a password pasted into a settings key, split by a soft hyphen or a
    tag character, was echoed by the unknown-key line in Python's quoting (``\\xad``,
    ``\\U000e0041``), which the console filter did not read as unseen. It is hidden as the
    raw, JSON and HTML forms are; a visible character written so is left alone."""
    from ngdpkit import redact as R

    secret = "jyy2PvQohVRbS3cretT41l"
    R.forget_all()
    try:
        R.register("NGDPKIT_TEST_CERT_PASSWORD", secret)
        for split in ("\\xad", "\\U000e0041", "\\x9b", "\\u200b"):
            said = R.redact(f"unknown key '{secret[:12]}{split}{secret[12:]}' (known here: …)")
            assert said == "unknown key '[hidden: NGDPKIT_TEST_CERT_PASSWORD]' (known here: …)", (
                split
            )
        assert R.redact(f"{secret[:12]}\\x64{secret[12:]}") == f"{secret[:12]}\\x64{secret[12:]}"
    finally:
        R.forget_all()


def test_a_line_copied_from_a_windows_shell_is_read(tmp_path: Path) -> None:
    """A consultant's Windows pass: "set NGDPKIT_…=x" (cmd), "$env:NGDPKIT_… = 'x'"
    (PowerShell) and a name in lower case were skipped, and the run said the secret was "not in
    the secrets file either". The shell's word before the name is dropped, and a name's case is
    ignored when no line spells it exactly, as Windows reads variable names; an exact line
    still wins."""
    f = tmp_path / "s.env"
    f.write_text(
        "\ufeffset NGDPKIT_TEST_CERT_PASSWORD=from-cmd\r\n"
        '$env:NGDPKIT_TEST_AUTHORIZATION = "Basic from-powershell"\r\n'
        "SET NGDPKIT_X=upper-set\r\n"
        "ngdpkit_production_cert_password=lower-case\r\n"
        "ngdpkit_y=lower\r\nNGDPKIT_Y=exact\r\n",
        encoding="utf-8",
    )
    got = {
        name: S.resolve(name, secrets_file=f, environ={})
        for name in (
            "NGDPKIT_TEST_CERT_PASSWORD",
            "NGDPKIT_TEST_AUTHORIZATION",
            "NGDPKIT_X",
            "NGDPKIT_PRODUCTION_CERT_PASSWORD",
            "NGDPKIT_Y",
        )
    }
    assert {k: v.reveal() if v else None for k, v in got.items()} == {
        "NGDPKIT_TEST_CERT_PASSWORD": "from-cmd",
        "NGDPKIT_TEST_AUTHORIZATION": "Basic from-powershell",
        "NGDPKIT_X": "upper-set",
        "NGDPKIT_PRODUCTION_CERT_PASSWORD": "lower-case",
        "NGDPKIT_Y": "exact",
    }
    assert all(v is not None and v.origin == "secrets file" for v in got.values())


def test_cmds_quoted_set_setx_and_a_closing_semicolon_are_read(tmp_path: Path) -> None:
    """A consultant's second look: cmd's ``set "NAME=value"`` and ``setx NAME "value"`` were
    still "not in the secrets file", and PowerShell's ``$env:NAME="value";`` kept its quotes
    (a wrong password)."""
    f = tmp_path / "s.env"
    f.write_text(
        'set "NGDPKIT_A=from set quoted"\n'
        'setx NGDPKIT_B "from setx"\n'
        "setx NGDPKIT_C plain\n"
        '$env:NGDPKIT_D="from powershell";\n'
        "NGDPKIT_E='semi;colon'\n",
        encoding="utf-8",
    )
    read = {
        name: S.resolve(name, secrets_file=f, environ={}).reveal()
        for name in ("NGDPKIT_A", "NGDPKIT_B", "NGDPKIT_C", "NGDPKIT_D", "NGDPKIT_E")
    }
    assert read == {
        "NGDPKIT_A": "from set quoted",
        "NGDPKIT_B": "from setx",
        "NGDPKIT_C": "plain",
        "NGDPKIT_D": "from powershell",
        "NGDPKIT_E": "semi;colon",
    }


def test_nothing_after_a_closing_quote_or_setxs_flag_is_read_as_the_value(tmp_path: Path) -> None:
    """An attacker's pass: ``setx NAME "pw" /M`` read as ``"pw" /M`` and ``$env:NAME = "pw";
    # c`` as ``"pw"; # c`` (a wrong password, and no word why)."""
    f = tmp_path / "s.env"
    f.write_text(
        'setx NGDPKIT_A "from setx" /M\nsetx NGDPKIT_B plain /m\n'
        '$env:NGDPKIT_C = "from powershell"; # the test password\n'
        "NGDPKIT_D='single'  # note\n",
        encoding="utf-8",
    )
    names = [f"NGDPKIT_{c}" for c in "ABCD"]
    read = {n: S.resolve(n, secrets_file=f, environ={}).reveal() for n in names}
    assert read == {
        "NGDPKIT_A": "from setx",
        "NGDPKIT_B": "plain",
        "NGDPKIT_C": "from powershell",
        "NGDPKIT_D": "single",
    }


def test_the_credentials_of_another_scheme_are_looked_for_alone() -> None:
    """An attacker's look: a header of another scheme ("Bearer <token>", which the checks
    only warn about) was looked for whole, and the token set as the organisation's name
    reached every page, notebook and deliverable with exit 0. Its credentials alone are one
    of the forms the scan and the redaction look for; a Basic header's are as before."""
    from ngdpkit.redact import authorization_parts

    token = "Zq7f3K9pLmW2xR8vT1nB6cY4hJ0dS5gA"
    assert token in authorization_parts(f"Bearer {token}")
    assert token in authorization_parts(f"Authorization: Token  {token}")
    assert authorization_parts("just-one-word") == ["just-one-word"]
    # a password of words makes no word a secret of its own
    assert authorization_parts("my value") == ["my value"]
    assert authorization_parts("correct horse battery staple") == ["correct horse battery staple"]


def test_a_short_secret_that_is_a_word_every_output_holds_is_said_before_the_run() -> None:
    """A data specialist's pass: the certificate password "test" of the environment "test"
    (a test certificate's throwaway password) was only "under 8 characters; matched as a
    whole token" in check, and the run then replaced every output, findings.json and the
    overview too, by a stub (59 SECRET_LEAK). SECRET_TOO_SHORT says it is the environment's
    name (or kind, or a word of the organisation's name) and what the scan will do; never
    the value. A short secret that is no such word keeps the old words."""
    key = "environments.test.certificate_password_env"
    own = S.own_words("test", "test", "Eksempel Kommune")

    def said(value: str) -> list[tuple[str, str, str]]:
        found = S.quality_findings(S.Secret("NGDPKIT_TEST_CERT_PASSWORD", value), key, own)
        return [(f.code, f.severity, f.params.get("where", "")) for f in found]

    assert said("test") == [("SECRET_TOO_SHORT", "warning", "the environment's name")]
    assert said("Kommune") == [("SECRET_TOO_SHORT", "warning", "the organisation's name")]
    assert said("Test1") == said("est") == [("SECRET_TOO_SHORT", "warning", "")]
    assert said("test-long-enough") == []
    (finding,) = S.quality_findings(S.Secret("NGDPKIT_TEST_CERT_PASSWORD", "test"), key, own)
    assert finding.message == (
        "The value of NGDPKIT_TEST_CERT_PASSWORD is under 8 characters and is a word "
        "of the environment's name, which the run writes in its outputs: the leak scan will replace "
        "each output that holds it by a stub; set a value of at least 8 characters."
    )
    assert finding.text("da").startswith(
        "Værdien af NGDPKIT_TEST_CERT_PASSWORD er under 8 tegn og står som et ord i miljøets navn, som"
    )
    # without the run's own words (a certificate checked alone), as before
    (alone,) = S.quality_findings(S.Secret("NGDPKIT_TEST_CERT_PASSWORD", "test"), key)
    assert "whole token only" in alone.message


def test_the_console_names_the_short_secret_before_the_files_it_emptied() -> None:
    """The run's last console lines named five of 59 replaced files and pointed to
    findings.json and the overview, both replaced too: the SECRET_TOO_SHORT that says the
    password is the environment's name comes first when the scan replaced files, and only
    then (a warning without a leak stays out of the error lines)."""
    from ngdpkit.documents.display import error_lines

    key = "environments.test.certificate_password_env"
    own = S.own_words("test", "test", "Eksempel Kommune")
    short = S.quality_findings(S.Secret("NGDPKIT_TEST_CERT_PASSWORD", "test"), key, own)
    leaks = _leaks("audit.jsonl", "checklist.json", "findings.json")
    lines = error_lines(short + leaks, "en", shown=2)
    assert [line.split(":")[0] for line in lines] == [
        "  warning SECRET_TOO_SHORT",
        "  error SECRET_LEAK",
        "  error SECRET_LEAK",
        "  … and 1 more error",
    ]
    assert error_lines(short, "en") == []
    plain = S.quality_findings(S.Secret("NGDPKIT_TEST_CERT_PASSWORD", "Xq7"), key, own)
    assert [line.split(":")[0] for line in error_lines(plain + leaks, "en", shown=1)] == [
        "  error SECRET_LEAK",
        "  … and 2 more errors",
    ]


def test_the_console_says_where_the_findings_are_when_findings_json_was_replaced() -> None:
    """A consultant's look: the password "test" of the environment "test" replaced
    findings.json and the overview, and the last console line still said "see findings.json
    or the overview", both placeholders. The line says they were replaced and names the
    command that lists the findings again, without writing a file."""
    from ngdpkit.documents.display import error_lines

    leaks = _leaks("a.json", "b.json", "findings.json")
    check = "ngdpkit check --settings migration.toml --env test"
    lines = error_lines(leaks, "en", shown=2, replaced=["findings.json", "overview"], check=check)
    assert lines[-2] == "  … and 1 more error not shown here"
    assert lines[-1].startswith(
        "  A secret was found in findings.json and the overview (signoff/index.html), so each"
        " was replaced by a placeholder and the findings are not there: " + check
    )
    assert not any("see findings.json" in line for line in lines)
    da = error_lines(leaks, "da", shown=5, replaced=["findings.json"], check=check)
    assert da[-1].startswith("  En hemmelighed blev fundet i findings.json, der derfor er")
    assert check in da[-1] and len(da) == 4  # every error shown: no count, only the note
    # nothing replaced: as before
    assert error_lines(leaks, "en", shown=2)[-1] == (
        "  … and 1 more error: see findings.json or the overview"
    )


def test_a_secret_that_is_a_word_of_the_kits_own_text_is_said_before_the_run() -> None:
    """A consultant's measure: the certificate password "password" (8 characters, so matched
    anywhere) emptied findings.json, both scripts and step 03, for it stands in the settings'
    key certificate_password_env; "adgangskode" emptied the runbook and the dispatcher page.
    Nothing said so before the run, and the SECRET_LEAK after it blamed the inputs. The scan
    never lets a secret through, so SECRET_IN_OWN_TEXT warns before; a word the kit does not
    write ("Velkommen", "sommer2026") is no finding."""
    key = "environments.test.certificate_password_env"
    own = S.own_words("test", "test", "Eksempel Kommune")

    def said(value: str, words: dict[str, str] | None = own) -> list[tuple[str, str, str]]:
        found = S.quality_findings(S.Secret("NGDPKIT_TEST_CERT_PASSWORD", value), key, words)
        return [(f.code, f.severity, f.params.get("where", "")) for f in found]

    kit = "the kit's own text (its pages, scripts and messages)"
    assert said("password") == said("adgangskode") == [("SECRET_IN_OWN_TEXT", "warning", kit)]
    assert said("Eksempel Kommune") == [
        ("SECRET_IN_OWN_TEXT", "warning", "the organisation's name")
    ]
    assert said("Velkommen") == said("sommer2026") == said("test-long-enough") == []
    assert said("password", None) == []  # a certificate checked alone: as before
    (finding,) = S.quality_findings(S.Secret("NGDPKIT_TEST_CERT_PASSWORD", "password"), key, own)
    assert "password" not in finding.text("en").replace("NGDPKIT_TEST_CERT_PASSWORD", "")
    assert finding.text("da").startswith(
        "Værdien af NGDPKIT_TEST_CERT_PASSWORD står i kittets egen tekst (dets sider, scripts"
    )


def test_a_leak_of_a_word_of_the_kits_own_text_is_not_blamed_on_the_inputs(
    tmp_path: Path,
) -> None:
    """After the run, the SECRET_LEAK that names the secret again says it stands in the
    kit's own text, not in the inputs or the settings, for a secret ``own_text_secrets``
    names; and the SECRET_IN_OWN_TEXT warning comes first on the console."""
    from ngdpkit.documents.display import error_lines
    from ngdpkit.run.scan import leak_findings, own_text_secrets

    secrets = {"PW": ["password"], "OTHER": ["x7Qk2-unique-value"]}
    assert own_text_secrets(secrets) == frozenset({"PW"})
    leaks = [(tmp_path / "findings.json", ["PW"])]
    first = leak_findings(leaks, lambda p: p.name)
    again = leak_findings(leaks, lambda p: p.name, first, kit=frozenset({"PW"}))
    (said,) = again
    assert "the kit's own text" in said.message and "inputs" not in said.message
    assert said.text("da").startswith("Hemmeligheden PW blev skrevet igen")
    blamed = leak_findings(leaks, lambda p: p.name, first)
    assert "from the inputs" in blamed[0].message  # without kit: as before
    warned = S.quality_findings(
        S.Secret("PW", "password"), "k", S.own_words("test", "test", "Eksempel Kommune")
    )
    lines = error_lines(warned + first, "en")
    assert lines[0].startswith("  warning SECRET_IN_OWN_TEXT")


def _leaks(*names: str) -> list[Finding]:
    """One SECRET_LEAK of the test password per file name, as a run's scan makes them."""
    from ngdpkit import findings as F

    return [
        F.error(
            "SECRET_LEAK",
            "{value} held the secret {values} and was replaced by a stub.",
            f"runs/x/{name}",
            value=f"runs/x/{name}",
            values="NGDPKIT_TEST_CERT_PASSWORD",
        )
        for name in names
    ]


@pytest.mark.parametrize(
    ("raw", "codec"),
    [
        ("\ufeffA=1\n".encode("utf-16-le"), "utf-16"),
        ("NGDPKIT_TEST_P12_PASSWORD=kode\n".encode("utf-16-le"), "utf-16-le"),
        ("NGDPKIT_TEST_P12_PASSWORD=kode\n".encode("utf-16-be"), "utf-16-be"),
        (b"NGDPKIT_TEST_P12_PASSWORD=kode\n", None),
        ("NGDPKIT_TEST_P12_PASSWORD=Kode€2026\n".encode("cp1252"), None),
        ("NGDPKIT_TEST_P12_PASSWORD=kode\n".encode("utf-32"), "utf-32"),
        ("\ufeffA=1\n".encode("utf-32-be"), "utf-32"),
        ("NGDPKIT_TEST_P12_PASSWORD=kodeæøå🙂\n".encode("utf-32-le"), "utf-32-le"),
        ("NGDPKIT_TEST_P12_PASSWORD=kodeæøå🙂\n".encode("utf-32-be"), "utf-32-be"),
        ("NGDPKIT_TEST_P12_PASSWORD=kodeæøå🙂\n".encode("utf-16-le"), "utf-16-le"),
        (b"", None),
        (b"\x00", None),
    ],
)
def test_utf16_is_told_by_its_bom_or_its_nuls_for_secrets_and_settings_alike(
    raw: bytes, codec: str | None
) -> None:
    assert S.utf16_encoding(raw) == codec


def test_a_text_as_long_as_the_shortest_registered_form_is_still_searched() -> None:
    """``redact`` returns a text shorter than every registered form untouched without
    searching it (a run of 100,000 mailboxes hides secrets in some 250,000 short texts): a
    secret that is the whole text, a short one standing alone, and one written in escapes
    of exactly its length are still hidden; a text one character shorter cannot hold one."""
    from ngdpkit import redact as R

    R.forget_all()
    try:
        R.register("NGDPKIT_TEST_CERT_PASSWORD", "Pw7x")  # short: hidden standing alone
        R.register("NGDPKIT_TEST_AUTH_HEADER", "Bearer k3Jd9QpXv2Lm8Rt4")
        assert R.redact("Pw7x") == "[hidden: NGDPKIT_TEST_CERT_PASSWORD]"
        assert R.redact("Bearer k3Jd9QpXv2Lm8Rt4") == "[hidden: NGDPKIT_TEST_AUTH_HEADER]"
        assert R.redact("%50w7x") == "[hidden: NGDPKIT_TEST_CERT_PASSWORD]"  # a URL's escape
        assert R.redact("Pw7") == "Pw7" and R.redact("") == ""
        R.forget_all()
        R.register("NGDPKIT_TEST_AUTH_HEADER", "Bearer k3Jd9QpXv2Lm8Rt4")
        # the shortest form is now the header's: a shorter text is left as it is
        assert R.redact("Bearer k3Jd9QpXv2Lm8Rt") == "Bearer k3Jd9QpXv2Lm8Rt"
        assert R.redact("x Bearer k3Jd9QpXv2Lm8Rt4") == "x [hidden: NGDPKIT_TEST_AUTH_HEADER]"
    finally:
        R.forget_all()
