"""Finding a consultancy's settings files for ``status`` (compare/discover.py): links followed
but never round in a circle, above a folder named or into the system's folders; ``runs`` and
hidden folders left alone; a FIFO never read. Every tree is built in tmp_path."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from ngdpkit.compare.discover import looks_like_settings, read_regular, settings_files
from ngdpkit.errors import InputError

SETTINGS = '[organisation]\nname = "X"\ncvr = "1"\n\n[environments.test]\nkind = "test"\n'


def customer(folder: Path, name: str = "migration.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(SETTINGS, encoding="utf-8")
    return path


def names(found: list[Path], top: Path) -> list[str]:
    return [p.relative_to(top).as_posix() for p in found]


def test_settings_files_below_a_folder_in_name_order(tmp_path: Path) -> None:
    top = tmp_path / "customers"
    customer(top / "b-kommune")
    customer(top / "a-kommune" / "nested", "other.toml")
    customer(top / "a-kommune")
    (top / "a-kommune" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (top / "a-kommune" / "notes.txt").write_text(SETTINGS)
    found, skipped = settings_files([top])
    assert names(found, top) == [
        "a-kommune/migration.toml",
        "a-kommune/nested/other.toml",
        "b-kommune/migration.toml",
    ]
    assert skipped == []


def test_runs_and_hidden_folders_are_not_searched(tmp_path: Path) -> None:
    top = tmp_path / "c"
    customer(top / "runs" / "test")
    customer(top / ".git")
    customer(top / ".venv" / "lib")
    customer(top / "kommune" / "runs")
    hidden_file = customer(top, ".hidden.toml")  # a hidden file is still a file
    found, skipped = settings_files([top])
    assert found == [hidden_file] and skipped == []


def test_a_path_given_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        settings_files([tmp_path / "missing"])
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="dangling: not found"):
        settings_files([tmp_path / "dangling"])


def test_a_settings_file_given_is_taken_as_it_is(tmp_path: Path) -> None:
    given = tmp_path / "anything.txt"
    given.write_text("not even TOML")
    assert settings_files([given]) == ([given], [])


def test_a_customer_reached_twice_counts_once(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    customer(shared / "kommune")
    top = tmp_path / "portfolio"
    top.mkdir()
    (top / "direct").symlink_to(shared / "kommune")
    (top / "via-link").symlink_to(shared / "kommune")
    (top / "file-link.toml").symlink_to(shared / "kommune" / "migration.toml")
    found, skipped = settings_files([top, shared])
    assert len(found) == 1 and found[0].samefile(shared / "kommune" / "migration.toml")
    assert skipped == []


def test_cycles_are_refused_with_one_line(tmp_path: Path) -> None:
    top = tmp_path / "c"
    settings = customer(top / "kommune")
    (top / "kommune" / "loop").symlink_to("..")
    (top / "kommune" / "self").symlink_to(".")
    (top / "root").symlink_to("/")
    found, skipped = settings_files([top])
    assert found == [settings]
    assert {(Path(s.path).name, s.kind, s.target) for s in skipped} == {
        ("loop", "cycle", str(top.resolve())),
        ("self", "cycle", str((top / "kommune").resolve())),
        ("root", "cycle", "/"),
    }
    assert all("\n" not in s.reason and "not followed" in s.reason for s in skipped)


def test_a_link_above_a_folder_named_is_refused(tmp_path: Path) -> None:
    """A link to a folder above one named on the command line, from below another, would
    list that folder's customers a second time (and its neighbours the user did not name)."""
    a, b = tmp_path / "named" / "a", tmp_path / "b"
    mine = customer(a / "kommune")
    theirs = customer(b)
    (b / "up").symlink_to(tmp_path / "named")  # above a
    (b / "same").symlink_to(a)  # a itself
    (b / "sideways").symlink_to(a / "kommune")  # below a: the same folder, listed once
    found, skipped = settings_files([a, b])
    assert found == [mine, theirs]
    assert [(Path(s.path).name, s.kind) for s in skipped] == [("same", "above"), ("up", "above")]
    assert all(s.target in (str(a), str(tmp_path / "named")) for s in skipped)


def test_a_link_to_its_own_ancestor_is_a_cycle(tmp_path: Path) -> None:
    top = tmp_path / "named" / "deep"
    mine = customer(top / "kommune")
    customer(tmp_path / "named" / "other")
    (top / "kommune" / "up").symlink_to("../..")
    found, skipped = settings_files([top])
    assert found == [mine]
    assert [(Path(s.path).name, s.kind) for s in skipped] == [("up", "cycle")]


@pytest.mark.parametrize("system", ["/proc", "/sys", "/dev"])
def test_the_systems_folders_are_never_searched(tmp_path: Path, system: str) -> None:
    top = tmp_path / "c"
    top.mkdir()
    (top / "sys-link").symlink_to(system)
    found, skipped = settings_files([top])
    assert found == []
    assert [(s.kind, s.target) for s in skipped] == [("system", system)]
    # ... named on the command line too
    found, skipped = settings_files([Path(system)])
    assert found == [] and [s.kind for s in skipped] == ["system"]


def test_a_fifo_named_toml_is_never_read(tmp_path: Path) -> None:
    top = tmp_path / "c"
    top.mkdir()
    os.mkfifo(top / "migration.toml")
    done = threading.Event()
    result: list[object] = []

    def search() -> None:
        result.append(settings_files([top]))
        done.set()

    threading.Thread(target=search, daemon=True).start()
    assert done.wait(5), "settings_files blocked on a FIFO"
    assert result == [([], [])]
    assert read_regular(top / "migration.toml", 10) is None
    assert read_regular(Path("/dev/zero"), 10) is None  # a device would never end


def test_only_the_head_of_a_file_is_read(tmp_path: Path) -> None:
    """Settings are parsed whole up to their bound (a long comment does not hide them);
    past it, only the bound is read and the file is a row that says it is too large."""
    from ngdpkit.compare.discover import MAX_SETTINGS

    commented = tmp_path / "commented.toml"
    commented.write_text("#" * 200_000 + "\n" + SETTINGS)
    assert looks_like_settings(commented)
    big = tmp_path / "big.toml"
    big.write_text("#" * (MAX_SETTINGS + 1) + "\n" + SETTINGS)
    assert looks_like_settings(big)  # shown, as too large, never read further
    assert read_regular(big, 7) == b"#######"
    small = customer(tmp_path / "s")
    assert looks_like_settings(small)
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe[organisation]\x00[environments.x]")
    assert looks_like_settings(tmp_path / "binary.toml")  # undecodable bytes are replaced


def test_hostile_file_and_folder_names(tmp_path: Path) -> None:
    top = tmp_path / "c"
    odd = customer(top / "line\nbreak", "a\x1b[31m.toml")
    dots = customer(top, "..toml")
    customer(top / "...")  # a hidden folder, however many dots
    found, skipped = settings_files([top])
    assert found == [dots, odd] and skipped == []


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a folder of mode 000"
)
def test_an_unreadable_folder_is_said_not_hidden(tmp_path: Path) -> None:
    top = tmp_path / "c"
    customer(top / "locked")
    (top / "locked").chmod(0)
    try:
        found, skipped = settings_files([top])
    finally:
        (top / "locked").chmod(0o700)
    assert found == []
    assert [(Path(s.path).name, s.kind) for s in skipped] == [("locked", "unreadable")]
