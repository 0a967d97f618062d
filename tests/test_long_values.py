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
