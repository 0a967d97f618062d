"""Paths as a consultant's Windows laptop and a colleague's Mac hand them to the kit: names
in another Unicode form or letter case, variables the kit does not expand, folders that
cannot be written, an out folder past Windows' 260 characters. Each either works or is one
line with exit 2 naming the path and what to do; nothing half-written."""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pytest

from ngdpkit.errors import InputError
from ngdpkit.run import folder as run_folder
from ngdpkit.settings import load_settings, on_disk
from tests.conftest import CVR, cli

NAME = "Postkasser Århus å.xlsx"
NFD = unicodedata.normalize("NFD", NAME)


def _point_export_at(sample: Path, value: str) -> Path:
    settings = sample / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('"mailboxes.xlsx"', f"'{value}'"), encoding="utf-8")
    return settings


def _problems(settings: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_settings(settings)
    return "\n".join(caught.value.problems)


def test_an_export_named_in_nfd_on_disk_is_found_from_an_nfc_name(sample_copy: Path) -> None:
    (sample_copy / "mailboxes.xlsx").rename(sample_copy / NFD)
    assert NFD != NAME and not (sample_copy / NAME).exists()
    settings = load_settings(_point_export_at(sample_copy, NAME))
    assert settings.inputs.mailboxes is not None
    assert settings.inputs.mailboxes.is_file()
    assert on_disk(sample_copy / NAME) == sample_copy / NFD


def test_a_name_in_another_letter_case_is_named_as_on_disk(sample_copy: Path) -> None:
    if (sample_copy / "MAILBOXES.XLSX").exists():
        pytest.skip("a file system that ignores letter case finds the file")
    said = _problems(_point_export_at(sample_copy, "Mailboxes.XLSX"))
    assert "inputs.mailboxes: file not found: Mailboxes.XLSX (there is mailboxes.xlsx" in said
    assert "letter case differs" in said


@pytest.mark.parametrize("value", ["%USERPROFILE%\\eksport.xlsx", "~/eksport.xlsx", "$HOME/x.xlsx"])
def test_a_variable_in_a_path_is_said_to_be_unexpanded(sample_copy: Path, value: str) -> None:
    said = _problems(_point_export_at(sample_copy, value))
    assert f"file not found: {value} (the kit does not expand %USERPROFILE%" in said
    assert len(said.splitlines()) == 1


def test_an_nfc_argument_finds_the_nfd_file(sample_copy: Path, tmp_path: Path) -> None:
    (sample_copy / "mailboxes.xlsx").rename(sample_copy / NFD)
    target = tmp_path / "kunde"
    done = cli(
        "init", str(target), "--organisation", "Ærø Kommune", "--cvr", CVR,
        "--mailboxes", str(sample_copy / NAME),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (target / "migration.toml").is_file()


def test_a_settings_path_from_home_is_expanded(sample_copy: Path) -> None:
    done = cli(
        "check", "--settings", "~/sample/migration.toml", "--env", "test",
        env={"HOME": str(sample_copy.parent), "USERPROFILE": str(sample_copy.parent)},
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr


def test_only_a_bare_tilde_is_home_and_a_path_that_exists_is_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``~backup`` is a folder of that name (and on Linux the home of the user "backup"), and
    a folder named ``~`` in the working folder is that folder: neither is the user's home."""
    from ngdpkit.cli import _on_disk_arg

    (tmp_path / "~backup").mkdir()
    (tmp_path / "~").mkdir()
    monkeypatch.chdir(tmp_path)
    assert _on_disk_arg(Path("~backup/x.toml"), on_disk) == Path("~backup/x.toml")
    assert _on_disk_arg(Path("~"), on_disk) == Path("~")
    assert _on_disk_arg(Path("~/nope.toml"), on_disk) == Path.home() / "nope.toml"


def _refuse_writes_in(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """``locked`` behaves as a folder made read-only (or held by a sync client): root
    writes through a mode, so the refusal is imitated where the kit writes."""
    write_bytes, mkstemp = Path.write_bytes, tempfile.mkstemp

    def guarded_write(self: Path, data: bytes) -> int:
        if self.parent == locked:
            raise PermissionError(1, "Operation not permitted", str(self))
        return write_bytes(self, data)

    def guarded_mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        if Path(str(kwargs.get("dir"))) == locked:
            raise PermissionError(1, "Operation not permitted", str(locked))
        return mkstemp(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(Path, "write_bytes", guarded_write)
    monkeypatch.setattr(tempfile, "mkstemp", guarded_mkstemp)


def test_a_read_only_environment_folder_is_refused_before_the_run(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_dir = sample_copy / "runs" / "test"
    env_dir.mkdir(parents=True)
    _refuse_writes_in(monkeypatch, env_dir)
    done = cli("run", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert f"{env_dir}: the folder is not writable (Operation not permitted)" in lines[-1]
    assert "give another folder with --out" in lines[-1]
    assert list(env_dir.iterdir()) == []  # no run folder begun
    assert "Traceback" not in done.stderr


def test_an_out_folder_past_the_windows_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_folder, "windows_path_limit", lambda: 259)
    deep = tmp_path / ("Kørsler til kundens godkendelse " * 6)
    with pytest.raises(InputError) as caught:
        run_folder.writable_out(deep, ["test"])
    said = str(caught.value)
    assert f"--out {deep}: the run's files there would have paths of up to" in said
    assert "give a shorter --out" in said and "LongPathsEnabled" in said
    assert not deep.exists()
    short = tmp_path / "runs"
    assert run_folder.writable_out(short, ["test"]) == short


def test_no_path_limit_off_windows() -> None:
    import sys

    if sys.platform != "win32":
        assert run_folder.windows_path_limit() is None


def test_sample_into_a_read_only_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "OneDrive - Aarhus Kommune"
    locked.mkdir()
    _refuse_writes_in(monkeypatch, locked)
    done = cli("sample", str(locked / "sample"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"the folder {locked} is not writable (Operation not permitted)" in done.stderr
    assert "crashed" not in done.stderr
    assert list(locked.iterdir()) == []


def test_status_page_that_cannot_be_replaced_is_refused(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ngdpkit.deliverables import outputs

    page = tmp_path / "status.html"
    page.write_text("the page open in a browser that holds it", encoding="utf-8")

    def held(path: Path, data: object, **_: object) -> Path:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(outputs, "atomic_write", held)
    done = cli("status", str(sample_copy), "--html", str(page))
    assert done.returncode == 2
    assert f"--html {page}: cannot be replaced (Permission denied)" in done.stderr
    assert "crashed" not in done.stderr


def test_a_name_too_long_for_the_disk_is_one_line_not_a_crash(sample_copy: Path) -> None:
    """A reviewer's look: a 300-character name, as a settings path or as a settings value,
    raised "File name too long" out of the look-up of its spelling on disk: a traceback
    (exit 1) for --settings, "the kit crashed" (exit 3) for inputs.mailboxes. Both are
    refused in one line, exit 2."""
    long_name = "a" * 300
    done = cli("check", "--settings", f"/{long_name}/migration.toml")
    assert done.returncode == 2, done.stderr
    assert "cannot be looked up" in done.stderr and "Traceback" not in done.stderr
    said = _problems(_point_export_at(sample_copy, f"{long_name}.xlsx"))
    assert f"inputs.mailboxes = '{long_name}.xlsx' cannot be looked up" in said
    assert len(said.splitlines()) == 1
    assert on_disk(sample_copy / long_name / "x.xlsx") == sample_copy / long_name / "x.xlsx"


def test_an_extended_length_out_folder_is_not_held_to_the_windows_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer's look: ``--out \\\\?\\C:\\…`` (an extended-length path) has no 259-character
    limit, long paths on or off, and was refused as too deep."""
    monkeypatch.setattr(run_folder, "windows_path_limit", lambda: 259)
    monkeypatch.chdir(tmp_path)
    deep = Path("\\\\?\\" + "k" * 200)  # on Linux one folder of that name, in tmp_path
    assert run_folder.writable_out(deep, ["production"]) == deep


@pytest.mark.parametrize("value", ["~$mailboxes.xlsx", "~backup/mailboxes.xlsx"])
def test_an_excel_owner_file_or_a_tilde_name_is_no_variable(tmp_path: Path, value: str) -> None:
    """``~$mailboxes.xlsx`` is the owner file Excel keeps beside a workbook it has open, and
    ``~backup`` a name: neither is told that the kit does not expand ``~``."""
    from ngdpkit.settings import not_found_hint

    assert "does not expand" not in not_found_hint(tmp_path / value, value, tmp_path)
    assert "does not expand" in not_found_hint(tmp_path / "x", "~/x.xlsx", tmp_path)


@pytest.mark.parametrize("value", ["D:eksport\\mailboxes.xlsx", "d:mailboxes.xlsx", "D:"])
def test_a_drive_relative_path_is_refused_naming_the_key_and_the_drive(
    sample_copy: Path, value: str
) -> None:
    """A consultant's Windows pass: "D:eksport\\mailboxes.xlsx" (no backslash after the
    colon) is read on Windows from the folder drive D: was last in, in the window the kit
    runs from, not beside the settings: another window read another file, or none. One line
    naming the key, and both ways to write it."""
    said = _problems(_point_export_at(sample_copy, value))
    assert said.startswith(
        f"migration.toml: inputs.mailboxes = '{value}' is relative to the current folder of drive {value[:2]}"
    )  # as typed in a TOML literal string: a doubled backslash there is another path
    assert f"write the path in full ({value[:2]}\\{value[2:] or '…'})" in said
    assert said.endswith("or relative to the settings file")
    assert len(said.splitlines()) == 1


def test_a_drive_relative_path_that_is_a_secret_says_no_part_of_it(sample_copy: Path) -> None:
    """An attacker's look: the certificate password "Q:…" pasted as the path is hidden in the
    refusal, and its first two characters were said as the drive ("drive Q:") and again in
    the path in full ("([h\\idden: …])")."""
    secret = "Q:Zx9kLm2wTr"
    env = sample_copy / "sample.env"
    text = env.read_text(encoding="utf-8").splitlines()
    env.write_text(
        "\n".join(
            f'NGDPKIT_TEST_CERT_PASSWORD="{secret}"'
            if line.startswith("NGDPKIT_TEST_CERT_PASSWORD=")
            else line
            for line in text
        )
        + "\n",
        encoding="utf-8",
    )
    said = _problems(_point_export_at(sample_copy, secret))
    assert "[hidden: NGDPKIT_TEST_CERT_PASSWORD]" in said
    assert "Q:" not in said and "Zx9" not in said
    assert "relative to the current folder of its drive" in said
    assert "write the path in full (a backslash after the colon)" in said
    assert len(said.splitlines()) == 1


@pytest.mark.parametrize("value", ["mailboxes.xlsx", ".\\mailboxes.xlsx", "./mailboxes.xlsx"])
def test_a_path_relative_to_the_settings_is_read_with_either_slash(
    sample_copy: Path, value: str
) -> None:
    settings = load_settings(_point_export_at(sample_copy, value))
    assert settings.inputs.mailboxes == sample_copy / "mailboxes.xlsx" or (
        settings.inputs.mailboxes is not None
        and settings.inputs.mailboxes.resolve() == (sample_copy / "mailboxes.xlsx").resolve()
    )
