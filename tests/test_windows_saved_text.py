"""Text files as a consultant's Windows tools save them: Windows PowerShell 5.1's ``>`` and
``Out-File`` write UTF-16 with its BOM, ``Set-Content`` and Notepad's "ANSI" Windows-1252.
The kit reads UTF-8 (with or without the BOM Notepad writes); any other is one line with
exit 2 that names the file and says, in the tools' own terms, how to save it as UTF-8 (a
consultant's Windows pass: "save it as UTF-8" is no choice ``Out-File`` offers)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cli


def _check(sample: Path) -> tuple[int, str]:
    r = cli("check", "--settings", str(sample / "migration.toml"), "--env", "test")
    assert "Traceback" not in r.stderr, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("ngdpkit:")]
    assert len(lines) == 1, r.stderr
    return r.returncode, lines[0]


def test_settings_written_by_out_file_say_how_to_write_them_as_utf8(sample_copy: Path) -> None:
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8").replace("\n", "\r\n")
    settings.write_bytes(text.encode("utf-16"))  # Out-File's UTF-16 LE with its BOM
    code, line = _check(sample_copy)
    assert code == 2 and "migration.toml: not UTF-8 text" in line
    assert "it looks like UTF-16" in line and "Out-File -Encoding utf8" in line


def test_settings_in_utf16_without_a_bom_say_so_too(sample_copy: Path) -> None:
    """A maintainer's review: UTF-16 without a BOM (.NET's UnicodeEncoding told to write none)
    is valid UTF-8 with a NUL in every other byte, and read as a bare "TOML syntax error"."""
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8").replace("\n", "\r\n")
    settings.write_bytes(text.encode("utf-16-le"))
    code, line = _check(sample_copy)
    assert code == 2 and "migration.toml: not UTF-8 text (line 1" in line, line
    assert "it looks like UTF-16" in line and "Out-File -Encoding utf8" in line


def test_settings_written_by_set_content_say_how_to_write_them_as_utf8(sample_copy: Path) -> None:
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8").replace("Eksempel Kommune (fiktiv)", "Ærø Kommune")
    settings.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))
    code, line = _check(sample_copy)
    assert code == 2 and "migration.toml: not UTF-8 text" in line
    assert "Windows-1252" in line and "Set-Content -Encoding UTF8" in line


def test_a_secrets_file_written_by_powershell_says_how_and_shows_no_secret(
    sample_copy: Path,
) -> None:
    env_file = sample_copy / "sample.env"
    good = env_file.read_text(encoding="utf-8")
    password = "Rødgrød-med-fløde-42"
    lines = [
        f'$env:NGDPKIT_TEST_CERT_PASSWORD = "{password}"' if "TEST_CERT_PASSWORD" in x else x
        for x in good.splitlines()
    ]
    text = "\r\n".join(lines) + "\r\n"
    for encoding, how in (("utf-16", "Out-File -Encoding utf8"), ("cp1252", "Set-Content")):
        env_file.write_bytes(text.encode(encoding))
        r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert "sample.env:" in r.stderr and how in r.stderr, r.stderr
        assert "Notepad: Save As, Encoding UTF-8" in r.stderr
        assert password not in r.stdout + r.stderr


def test_a_utf16_csv_export_says_how_excel_and_powershell_save_a_csv(sample_copy: Path) -> None:
    export = sample_copy / "mailboxes.csv"
    export.write_bytes(
        "Postkasse-ID;Postkassenavn;Ansvarlig enhed\r\n0100233;Pas;Borgerservice\r\n".encode(
            "utf-16"
        )
    )
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('"mailboxes.xlsx"', '"mailboxes.csv"'), encoding="utf-8")
    code, line = _check(sample_copy)
    assert code == 2 and "mailboxes.csv: not a text CSV file" in line
    assert '"CSV UTF-8"' in line and "Export-Csv -Encoding UTF8" in line


def test_a_windows_1252_secrets_file_hides_its_password_pasted_into_another_key(
    sample_copy: Path,
) -> None:
    """An attacker's look: the secrets file saved as "ANSI" (Notepad, Set-Content) and the
    certificate password, with a "€" and a typographic quote, pasted into ``language``. The
    settings' refusal comes before the secrets file's own, and the file read as Latin-1 gave
    "\\x80" for the "€": the refusal showed the password whole."""
    env_file = sample_copy / "sample.env"
    password = "Kode€2026-Hemmelig‘X"
    lines = [
        f'NGDPKIT_TEST_CERT_PASSWORD="{password}"' if "TEST_CERT_PASSWORD" in x else x
        for x in env_file.read_text(encoding="utf-8").splitlines()
    ]
    env_file.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('language = "da"', f'language = "{password}"'), "utf-8")
    code, line = _check(sample_copy)
    assert code == 2 and "language must be" in line, line
    assert "[hidden: NGDPKIT_TEST_CERT_PASSWORD]" in line, line
    assert "2026-Hemmelig" not in line


def test_a_utf16_secrets_file_without_its_bom_is_refused_and_hides_its_password(
    sample_copy: Path,
) -> None:
    """An attacker's look: UTF-16 without a BOM (.NET's UnicodeEncoding told to write none) is
    valid UTF-8 with a NUL in every other byte. Read so, no secret was registered, and the
    password pasted into ``language`` was shown whole; put back, check said only that the
    secrets were missing, not that the file is UTF-16."""
    env_file = sample_copy / "sample.env"
    text = env_file.read_text(encoding="utf-8")
    password = next(
        line.split("=", 1)[1].strip('"')
        for line in text.splitlines()
        if line.startswith("NGDPKIT_TEST_CERT_PASSWORD=")
    )
    env_file.write_bytes(text.replace("\n", "\r\n").encode("utf-16-le"))
    settings = sample_copy / "migration.toml"
    good = settings.read_text(encoding="utf-8")
    settings.write_text(good.replace('language = "da"', f'language = "{password}"'), "utf-8")
    code, line = _check(sample_copy)
    assert code == 2 and "[hidden: NGDPKIT_TEST_CERT_PASSWORD]" in line, line
    assert password not in line
    settings.write_text(good, "utf-8")
    code, line = _check(sample_copy)
    assert code == 2 and "sample.env: it looks like UTF-16" in line, line


def test_a_utf32_secrets_file_hides_its_password_pasted_into_another_key(
    sample_copy: Path,
) -> None:
    """An attacker's look: PowerShell's ``-Encoding UTF32`` (BOM ``FF FE 00 00``, and without
    one) was read as UTF-16 with a NUL after every letter: no secret was registered, and the
    password pasted into ``language`` was shown whole; put back, it said UTF-16."""
    env_file = sample_copy / "sample.env"
    text = env_file.read_text(encoding="utf-8")
    password = next(
        line.split("=", 1)[1].strip('"')
        for line in text.splitlines()
        if line.startswith("NGDPKIT_TEST_CERT_PASSWORD=")
    )
    settings = sample_copy / "migration.toml"
    good = settings.read_text(encoding="utf-8")
    for encoding in ("utf-32", "utf-32-le", "utf-32-be"):
        env_file.write_bytes(text.replace("\n", "\r\n").encode(encoding))
        settings.write_text(good.replace('language = "da"', f'language = "{password}"'), "utf-8")
        code, line = _check(sample_copy)
        assert code == 2 and "[hidden: NGDPKIT_TEST_CERT_PASSWORD]" in line, (encoding, line)
        assert password not in line
        settings.write_text(good, "utf-8")
        code, line = _check(sample_copy)
        assert code == 2 and "sample.env: it looks like UTF-32" in line, (encoding, line)
        assert password not in line


def test_settings_in_utf32_say_utf32(sample_copy: Path) -> None:
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8").replace("\n", "\r\n")
    for encoding in ("utf-32", "utf-32-le", "utf-32-be"):
        settings.write_bytes(text.encode(encoding))
        code, line = _check(sample_copy)
        assert code == 2 and "migration.toml: not UTF-8 text (line 1" in line, line
        assert "it looks like UTF-32" in line and "Out-File -Encoding utf8" in line, line
