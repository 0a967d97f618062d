"""Excel's owner file: while ``mailboxes.xlsx`` is open, Excel keeps ``~$mailboxes.xlsx``
beside it (165 bytes: its user's name, no zip). A consultant's Windows pass: the kit read the
workbook as last saved while the screen showed more, and the owner file picked in a file
dialog was "not a valid .xlsx zip file", as if the export were broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from ngdpkit.errors import InputError
from ngdpkit.inputs.contact_points import read_contact_points
from ngdpkit.inputs.mailboxes import read_mailbox_export
from ngdpkit.inputs.mapping import read_mapping_file
from tests.conftest import CVR, cli


def owner_file(user: str = "Søren Konsulent") -> bytes:
    """The owner file as Excel writes it: the user's name as a length and ANSI text padded
    to 54 bytes, then as a length and UTF-16 text padded with spaces, 165 bytes in all."""
    ansi = bytes([len(user)]) + user.encode("cp1252").ljust(53, b" ")
    wide = bytes([len(user), 0]) + (user + " " * 60).encode("utf-16-le")
    return (ansi + wide)[:165]


@pytest.mark.parametrize(
    "name,read",
    [
        ("mailboxes.xlsx", lambda p: read_mailbox_export(p, label=p.name).findings),
        ("mapping-test.xlsx", lambda p: read_mapping_file(p, label=p.name).findings),
        (
            "contact-points-test.xlsx",
            lambda p: read_contact_points(p, label=p.name, system_id=None).findings,
        ),
    ],
)
def test_a_workbook_open_in_excel_is_a_warning_naming_it(
    sample_copy: Path, name: str, read: object
) -> None:
    path = sample_copy / name
    assert callable(read)
    assert not [f for f in read(path) if f.code == "INPUT_OPEN_IN_EXCEL"]
    (sample_copy / f"~${name}").write_bytes(owner_file())
    (found,) = [f for f in read(path) if f.code == "INPUT_OPEN_IN_EXCEL"]
    assert found.severity == "warning" and found.source == name
    assert found.params == {"file": name, "owner": f"~${name}"}
    assert "Søren" not in found.message  # the user's name in it is not repeated


def test_check_says_the_export_is_open_in_excel(sample_copy: Path) -> None:
    (sample_copy / "~$mailboxes.xlsx").write_bytes(owner_file())
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "INPUT_OPEN_IN_EXCEL" in r.stdout
    assert "mailboxes.xlsx er åben i Excel (~$mailboxes.xlsx ligger ved siden af)" in r.stdout


def test_the_owner_file_named_as_the_export_says_which_file_to_name(sample_copy: Path) -> None:
    (sample_copy / "~$mailboxes.xlsx").write_bytes(owner_file())
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('"mailboxes.xlsx"', '"~$mailboxes.xlsx"'), encoding="utf-8")
    r = cli("check", "--settings", str(settings), "--env", "test")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    (line,) = [x for x in r.stderr.splitlines() if x.startswith("ngdpkit:")]
    assert "~$mailboxes.xlsx: this is the owner file Excel keeps beside a workbook" in line
    assert "name mailboxes.xlsx instead" in line


def test_init_refuses_the_owner_file_as_the_export_in_one_line(tmp_path: Path) -> None:
    owner = tmp_path / "~$Postkasser.xlsx"
    owner.write_bytes(owner_file())
    r = cli(
        "init",
        "--organisation",
        "Ærø Kommune",
        "--cvr",
        CVR,
        "--mailboxes",
        str(owner),
        str(tmp_path / "ny"),
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "owner file Excel keeps" in r.stderr and "name Postkasser.xlsx instead" in r.stderr


def test_a_workbook_whose_name_starts_with_the_owner_mark_is_still_read(
    sample_copy: Path,
) -> None:
    """Only the small file that is no zip is the owner file: a real workbook so named is read."""
    path = sample_copy / "~$eksport.xlsx"
    (sample_copy / "mailboxes.xlsx").rename(path)
    assert len(read_mailbox_export(path, label=path.name).frame) > 100
    with pytest.raises(InputError, match="owner file"):
        path.write_bytes(owner_file())
        read_mailbox_export(path, label=path.name)
