"""A long hostile value quoted in a finding or a refusal is cut to a readable length, its
secrets hidden before the cut, while the file, row or key it came from is still named."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from ngdpkit import findings as F
from ngdpkit import redact
from ngdpkit.findings import PARAM_CHARACTERS, TEXT_CHARACTERS
from tests.conftest import cli


def test_a_quoted_value_of_32000_characters_is_cut_in_english_and_danish() -> None:
    f = F.warning(
        "CONTACT_POINT_VALUE_INVALID",
        "Postkasse translation {token!r} is not a number or number:subject.",
        "contact-points-test.xlsx",
        "Kontaktpunkter!2",
        token="X" * 32_000,
    )
    assert len(f.message) < PARAM_CHARACTERS + 80 and "X" * 150 in f.message
    assert "...'" in f.message  # cut inside the quotes
    assert len(f.text("da")) < PARAM_CHARACTERS + 80
    assert (f.source, f.location) == ("contact-points-test.xlsx", "Kontaktpunkter!2")
    # a quoted text at the limit stays whole
    short = F.warning("X_CODE", "Value {value!r} here.", value="Y" * PARAM_CHARACTERS)
    assert short.message == f"Value '{'Y' * PARAM_CHARACTERS}' here."
    # a text not quoted (a sentence of the kit's own, translated whole) is cut only far beyond
    kit_text = "set default_contact_point to the GUID " * 10
    assert F.info("X_CODE", "Do {what}.", what=kit_text).message == f"Do {kit_text}."
    unquoted = F.warning("X_CODE", "Mailbox {value} has no name.", value="9" * 32_000)
    assert len(unquoted.message) < TEXT_CHARACTERS + 40 and "..." in unquoted.message


def test_a_secret_across_the_cut_is_hidden_not_left_in_part() -> None:
    token = "s3cr3t-T0ken-" + "q" * 30
    redact.register("NGDPKIT_TEST_TOKEN", token)
    try:
        value = "a" * (PARAM_CHARACTERS - 50) + token + "b" * 1000
        f = F.error("X_CODE", "Bad value {value!r}.", value=value)
        assert "s3cr3t" not in f.message and "s3cr3t" not in json.dumps(f.to_dict("da"))
        assert "[hidden: NGDPKIT_TEST_TOKEN]" in f.message
    finally:
        redact.forget_all()


def test_a_long_bad_translation_cell_is_cut_on_the_console_and_in_findings(
    sample_copy: Path,
) -> None:
    """An attacker's look: CONTACT_POINT_VALUE_INVALID quoted a 32,000-character cell whole."""
    book = sample_copy / "contact-points-test.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb.active
    column = [c.value for c in ws[1]].index("Postkasse IDs") + 1
    ws.cell(row=2, column=column).value = "Z" * 32_000
    wb.save(book)
    toml = str(sample_copy / "migration.toml")
    r = cli("check", "--settings", toml, "--env", "test", "--json", cwd=sample_copy)
    said = [
        f for f in json.loads(r.stdout)["findings"] if f["code"] == "CONTACT_POINT_VALUE_INVALID"
    ]
    assert said and all(len(f["message"]) < 400 for f in said)
    assert said[0]["location"].endswith("!2") and "Z" * 100 in said[0]["message"]
    r = cli("check", "--settings", toml, "--env", "test", "--all", cwd=sample_copy)
    assert "Z" * 1000 not in r.stdout + r.stderr


def test_an_unknown_settings_key_of_10000_characters_is_named_by_its_start(
    sample_copy: Path,
) -> None:
    toml = sample_copy / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace("[organisation]\n", "[organisation]\n" + "k" * 10_000 + " = 1\n", 1),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(toml), "--env", "test", cwd=sample_copy)
    assert r.returncode == 2, r.stdout + r.stderr
    out = r.stdout + r.stderr
    assert "unknown key 'organisation.kkkk" in out and "k" * 1000 not in out
    assert max(len(line) for line in out.splitlines()) < 300


def test_a_secret_in_a_mapping_cell_is_hidden_before_the_cut_in_a_run(sample_copy: Path) -> None:
    """An attacker's look: a run's kernel registered the secrets only when the certificate
    step read them, so CONTACT_POINT_GUID_INVALID of the mailbox step quoted a mapping cell
    holding the authorization token unhidden, and the cut at 200 characters kept its first
    17 characters in findings.json and on the console: the leak scan looks for the whole."""
    from ngdpkit.redact import parse_authorization
    from ngdpkit.secrets import read_dotenv

    header = read_dotenv(sample_copy / "sample.env")["NGDPKIT_TEST_AUTHORIZATION"]
    parsed = parse_authorization(header)
    assert parsed is not None
    token = parsed[1]
    path = sample_copy / "mapping-test.xlsx"
    wb = openpyxl.load_workbook(path)
    wb.active.cell(3, 3).value = "G" * 180 + token + "B" * 50
    wb.save(path)
    r = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    run_dir = Path(r.stdout.strip().splitlines()[-1])
    findings = (run_dir / "findings.json").read_text(encoding="utf-8")
    assert "CONTACT_POINT_GUID_INVALID" in findings
    for text in (findings, r.stdout + r.stderr):
        assert token[:10] not in text and token[-10:] not in text


def test_another_environments_secret_in_a_mapping_cell_is_hidden_before_the_cut(
    sample_copy: Path,
) -> None:
    """A hostile second look: test's kernel registered test's secrets alone, so production's
    token or certificate password in a mapping cell of test was cut at 200 characters
    unhidden, and its first characters stood in findings.json and on the console, where
    the run's scan (which looks for every environment's secrets) looks for the whole."""
    from ngdpkit.redact import parse_authorization
    from ngdpkit.secrets import read_dotenv

    values = read_dotenv(sample_copy / "sample.env")
    parsed = parse_authorization(values["NGDPKIT_PRODUCTION_AUTHORIZATION"])
    assert parsed is not None
    token, password = parsed[1], values["NGDPKIT_PRODUCTION_CERT_PASSWORD"]
    path = sample_copy / "mapping-test.xlsx"
    wb = openpyxl.load_workbook(path)
    wb.active.cell(3, 3).value = "G" * 185 + token + "B" * 50
    wb.active.cell(4, 3).value = "G" * 185 + password + "B" * 50
    wb.save(path)
    r = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    run_dir = Path(r.stdout.strip().splitlines()[-1])
    findings = (run_dir / "findings.json").read_text(encoding="utf-8")
    assert findings.count("CONTACT_POINT_GUID_INVALID") >= 2
    for text in (findings, r.stdout + r.stderr):
        for secret in (token, password):
            assert secret[:8] not in text, secret[:8]


def test_the_cut_never_leaves_the_start_of_a_cpr_number() -> None:
    """A DPO's look: a quoted cell cut at 200 characters inside "Hans 010170-1299" left
    "Hans 010170-12..." on the console, whose hiding takes only a whole CPR number; the
    number the cut falls inside is left out whole, a long run of digits is cut as any text."""
    from ngdpkit.redact import hide_cpr_words

    for typed in (
        "010170-1299",
        "01 01 70 1299",
        "\uff10\uff11\uff10\uff11\uff17\uff10\uff0d\uff11\uff12\uff19\uff19",
    ):
        for n in range(170, 200):
            f = F.warning(
                "CONTACT_POINT_VALUE_INVALID",
                "Postkasse translation {token!r} is not a number or number:subject.",
                token="A" * n + f" Hans {typed} ekstra",
            )
            for said in (hide_cpr_words(f.message), hide_cpr_words(f.text("da"))):
                assert typed[:4] not in said and "0101" not in said, (n, said)
    assert redact.shortened("9" * 300, 50) == "9" * 47 + "..."
    assert redact.shortened("A" * 40 + " 0101", 40) == "A" * 37 + "..."


def test_a_secret_holding_a_cpr_shaped_part_is_hidden_whole_in_a_settings_refusal(
    sample_copy: Path,
) -> None:
    """A hostile second look: a settings value quoted in a refusal had its CPR-shaped part
    hidden before its secrets, so a certificate password "Kx9 01-01-70-1299 Qz7" given as
    organisation.name was no longer whole and its rest was printed around the marker."""
    env = sample_copy / "sample.env"
    password = "Kx9wq 01-01-70-1299 Qz7mr"
    lines = env.read_text(encoding="utf-8").splitlines()
    lines = [
        f"NGDPKIT_TEST_CERT_PASSWORD={password}"
        if line.startswith("NGDPKIT_TEST_CERT_PASSWORD=")
        else line
        for line in lines
    ]
    env.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace('name = "Eksempel Kommune (fiktiv)"', f'name = ["{password}"]', 1)
    settings.write_text(text, encoding="utf-8")
    r = cli("check", "--settings", str(settings), "--env", "test")
    out = r.stdout + r.stderr
    assert "organisation.name" in out
    assert "Kx9wq" not in out and "Qz7mr" not in out, out
