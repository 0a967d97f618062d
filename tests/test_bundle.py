"""``ngdpkit bundle`` as an attacker who can write the runs folder would try it (issue 26):
links to the secrets file or /etc/shadow, a planted temporary-file link, ``bundle .``,
and a member that holds a secret."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from ngdpkit.run.audit import verify
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    sample = tmp_path_factory.mktemp("bundle") / "sample"
    shutil.copytree(sample_dir, sample, ignore=shutil.ignore_patterns("runs"))
    r = run_cli("run", "--settings", str(sample / "migration.toml"), "--env", "test")
    assert r.returncode == 0, r.stderr
    return next((sample / "runs" / "test").glob("2*"))


def fresh(run_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "runs" / "test" / run_dir.name
    shutil.copytree(run_dir, copy, symlinks=True)
    return copy


def test_links_are_never_followed(run_dir: Path, tmp_path: Path) -> None:
    folder = fresh(run_dir, tmp_path)
    secret = tmp_path / "secrets.env"
    secret.write_text("NGDPKIT_TEST_AUTHORIZATION=Basic c2VjcmV0OnRvcHNlY3JldHRva2Vu\n")
    (folder / "firewall-rules.csv").unlink()
    (folder / "firewall-rules.csv").symlink_to(secret)
    (folder / "portal-registration.json").unlink()
    (folder / "portal-registration.json").symlink_to("/etc/shadow")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (folder.parent / f"{folder.name}-support.zip.tmp").symlink_to(victim)
    r = run_cli("bundle", str(folder))
    assert r.returncode == 0, r.stderr
    assert victim.read_text() == "keep me"
    with zipfile.ZipFile(r.stdout.strip()) as zf:
        names = zf.namelist()
        everything = b"".join(zf.read(n) for n in names)
    assert "firewall-rules.csv" not in names and "portal-registration.json" not in names
    assert b"c2VjcmV0" not in everything and b"root:" not in everything
    assert oct(os.stat(r.stdout.strip()).st_mode & 0o777) == "0o600"


def test_bundle_dot_writes_beside_the_folder(run_dir: Path, tmp_path: Path) -> None:
    folder = fresh(run_dir, tmp_path)
    r = run_cli("bundle", ".", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).parent == folder.parent
    assert verify(folder).ok


def test_a_member_holding_a_secret_is_left_out(run_dir: Path, tmp_path: Path) -> None:
    folder = fresh(run_dir, tmp_path)
    token = "Basic " + "QWxhZGRpbjpvcGVuIHNlc2FtZSBsb25nIHRva2Vu"
    (folder / "firewall-rules.csv").write_text(f"leaked;{token}\r\n")
    r = run_cli("bundle", str(folder), env={"NGDPKIT_TEST_AUTHORIZATION": token})
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(r.stdout.strip()) as zf:
        assert "firewall-rules.csv" not in zf.namelist()
        summary = zf.read("summary.json").decode()
        assert "firewall-rules.csv" in summary
        assert not any(b"QWxhZGRpbjpvcGVu" in zf.read(n) for n in zf.namelist())
