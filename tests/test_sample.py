from __future__ import annotations

import datetime as dt
from pathlib import Path

from ngdpkit.checks.system import cvr_valid
from ngdpkit.rehearsal import pki
from ngdpkit.rehearsal.sample import write_sample
from ngdpkit.secrets import read_dotenv


def test_sample_set_looks_like_a_municipality(sample_dir: Path) -> None:
    import openpyxl

    ws = openpyxl.load_workbook(sample_dir / "mailboxes.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0].startswith("Eksport") and rows[2][0] == "Postkasse-ID"
    data = [r for r in rows[3:] if r[0]]
    assert len(data) == 200 and all(isinstance(r[0], str) and r[0].startswith("0") for r in data)
    assert any(ch in "".join(r[2] for r in data) for ch in "æøåÆØÅ")
    assert cvr_valid("98765433")
    test_cp = openpyxl.load_workbook(sample_dir / "contact-points-test.xlsx").active
    prod_cp = openpyxl.load_workbook(sample_dir / "contact-points-production.xlsx").active
    test_ids = {r[0].lower() for r in test_cp.iter_rows(min_row=2, values_only=True)}
    prod_ids = {r[0].lower() for r in prod_cp.iter_rows(min_row=2, values_only=True)}
    assert not test_ids & prod_ids  # different GUIDs per environment
    assert any(r[5] == "ja" for r in test_cp.iter_rows(min_row=2, values_only=True))  # one hidden
    secrets = read_dotenv(sample_dir / "sample.env")
    assert set(secrets) == {
        "NGDPKIT_TEST_CERT_PASSWORD",
        "NGDPKIT_PRODUCTION_CERT_PASSWORD",
        "NGDPKIT_TEST_AUTHORIZATION",
        "NGDPKIT_PRODUCTION_AUTHORIZATION",
    }
    gitignore = (sample_dir / ".gitignore").read_text()
    assert "certs/" in gitignore and "sample.env" in gitignore


def test_sample_certificates_are_oces3_shaped(sample_dir: Path) -> None:
    from cryptography import x509

    root = x509.load_pem_x509_certificate(
        (sample_dir / "certs" / "sample-test-root.pem").read_bytes()
    )
    assert "NOT OCES3" in root.subject.rfc4514_string()
    leaf = x509.load_pem_x509_certificate((sample_dir / "certs" / "test.pem").read_bytes())
    subject = leaf.subject.rfc4514_string(
        {
            x509.NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
            x509.NameOID.SERIAL_NUMBER: "serialNumber",
        }
    )
    assert (
        "organizationIdentifier=NTRDK-98765433" in subject and "serialNumber=UI:DK-O:G:" in subject
    )
    assert (
        leaf.public_key().key_size == 3072
        and leaf.signature_algorithm_oid == x509.oid.SignatureAlgorithmOID.RSASSA_PSS
    )
    assert not any(e.oid == x509.oid.ExtensionOID.SUBJECT_ALTERNATIVE_NAME for e in leaf.extensions)
    assert ".invalid" in str(
        leaf.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        .value[0]
        .access_location.value
    )


def test_regeneration_keeps_files_and_renews_expiring_certificates(tmp_path: Path) -> None:
    d = tmp_path / "s"
    first = write_sample(d)
    assert (d / "certs" / "test.p12") in first
    assert write_sample(d) == []  # nothing to do: existing files are kept
    (d / "mailboxes.xlsx").write_bytes(b"edited by hand")
    passwords = read_dotenv(d / "sample.env")
    short = pki.make_ca(
        "about to expire",
        bits=2048,
        days=30,
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
    )
    (d / "certs" / "sample-test-root.pem").write_bytes(short.pem())
    again = write_sample(d)
    assert d / "certs" / "test.p12" in again and d / "certs" / "production.p12" not in again
    assert (d / "mailboxes.xlsx").read_bytes() == b"edited by hand"
    assert read_dotenv(d / "sample.env") == passwords  # the same passwords open the renewed .p12


def test_files_with_keys_and_notebook_copies_are_private(tmp_path: Path) -> None:
    """Issue 26: ``sample`` wrote certs/ as 0777 and test.p12 as 0666; ``notebooks DIR``
    wrote 0666 copies, and through a dangling link."""
    import os
    import stat

    from tests.conftest import run_cli

    if os.name == "nt":
        return
    old = os.umask(0)
    try:
        r = run_cli("sample", str(tmp_path / "s"))
        target = tmp_path / "elsewhere.ipynb"
        (tmp_path / "nb").mkdir()
        (tmp_path / "nb" / "01_mailboxes.ipynb").symlink_to(target)  # dangling
        n = run_cli("notebooks", str(tmp_path / "nb"))
    finally:
        os.umask(old)
    assert r.returncode == 0 and n.returncode == 0, r.stderr + n.stderr
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(tmp_path / "s" / "certs") == 0o700
    assert mode(tmp_path / "s" / "certs" / "test.p12") == 0o600
    assert not target.exists() and "a link" in n.stdout
    copies = [p for p in (tmp_path / "nb").glob("*.ipynb") if not p.is_symlink()]
    assert copies and all(mode(p) == 0o600 for p in copies)


def test_step_records_are_private(tmp_path: Path) -> None:
    import os
    import stat

    import pandas as pd

    from ngdpkit.steps.records import write_step_file

    old = os.umask(0)
    try:
        path = write_step_file(
            tmp_path, "01_mailboxes", {"results": {"t": pd.DataFrame({"a": [1]})}}
        )
    finally:
        os.umask(old)
    for p in [path, *tmp_path.glob("*.parquet")]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


def test_the_sample_secrets_file_can_be_sourced_by_a_shell_without_a_word(
    sample_dir: Path,
) -> None:
    """A consultant's cold run: ``set -a; . ./sample.env`` ran the unquoted ``Basic <token>``
    header's token as a command, and bash printed the token in its error. Each value is
    quoted, holds nothing a shell expands inside double quotes, and reads back the same.
    The session's sample (what ``write_sample`` wrote) is read, never changed."""
    import shutil
    import subprocess

    env_file = sample_dir / "sample.env"
    values = read_dotenv(env_file)
    assert len(values) == 4 and values["NGDPKIT_TEST_AUTHORIZATION"].startswith("Basic ")
    for line in env_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        name, _, quoted = line.partition("=")
        assert quoted.startswith('"') and quoted.endswith('"'), name
        assert not set(quoted[1:-1]) & set('"$`\\'), name
    bash = shutil.which("bash")
    assert bash
    shown = subprocess.run(
        [bash, "-c", 'set -a; . ./sample.env; printf %s "$NGDPKIT_TEST_AUTHORIZATION"'],
        cwd=sample_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0 and shown.stderr == ""
    assert shown.stdout == values["NGDPKIT_TEST_AUTHORIZATION"]


def test_the_samples_gitignore_keeps_trust_anchors_and_ignores_key_material(
    sample_dir: Path, tmp_path: Path
) -> None:
    """A CI maintainer's cold pass: the sample's .gitignore ignored all of certs/, so a
    repository started from the sample lost the trust-anchor PEMs its settings name, and every
    CI run stopped on a missing file. Only key material (and the secrets file) is ignored,
    as git itself reads the .gitignore."""
    import shutil
    import subprocess

    import pytest

    if shutil.which("git") is None:
        pytest.skip("git reads the .gitignore here")
    repo = tmp_path / "repo"
    shutil.copytree(sample_dir, repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    names = ["sample.env", "certs/x.pfx", "certs/x.key", "runs/test/LATEST"]
    names += [f"certs/{p.name}" for p in (repo / "certs").iterdir()]
    r = subprocess.run(
        ["git", "check-ignore", "--no-index", *names],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    ignored = set(r.stdout.split())
    anchors = {f"certs/{p.name}" for p in (repo / "certs").glob("*.pem")}
    settings = (repo / "migration.toml").read_text(encoding="utf-8")
    assert anchors and all(a in settings for a in anchors if "root" in a)
    assert not ignored & anchors, ignored
    keys = {n for n in names if n.endswith((".p12", ".pfx", ".key"))}
    assert {"certs/test.p12", "certs/production.p12"} <= keys
    assert keys | {"sample.env", "runs/test/LATEST"} <= ignored, ignored


def test_sample_says_the_command_to_type_next(sample_copy: Path) -> None:
    """``ngdpkit sample DIR`` ended on its list of files, and a first day's consultant had to
    find in the README what to type next; it says it, as init does, with the settings it
    wrote."""
    import shlex

    from tests.conftest import cli

    r = cli("sample", str(sample_copy))
    assert r.returncode == 0, r.stderr
    last = r.stdout.splitlines()[-1]
    words = shlex.split(last.removeprefix("next: "))
    assert words[:3] == ["ngdpkit", "run", "--settings"] and words[4:] == ["--env", "all"], last
    assert Path(words[3]) == sample_copy / "migration.toml" and Path(words[3]).is_file()


def test_sample_says_when_mailboxes_cannot_change_the_export_already_there(
    tmp_path: Path,
) -> None:
    """The sample keeps every file a folder holds (contract §2). ``sample DIR --mailboxes
    5000`` into a folder that held the 200-mailbox export wrote nothing and said only "0
    files written": the export stayed 200 rows without a word. It says so now, before the
    ``next:`` line; into a new folder it makes the export it was asked for, without the note."""
    from tests.conftest import cli

    folder = tmp_path / "s"
    assert cli("sample", str(folder)).returncode == 0
    before = (folder / "mailboxes.xlsx").read_bytes()
    r = cli("sample", str(folder), "--mailboxes", "300")
    assert r.returncode == 0, r.stderr
    note = [line for line in r.stdout.splitlines() if line.startswith("note: ")]
    assert len(note) == 1 and "--mailboxes 300" in note[0] and "mailboxes.xlsx" in note[0]
    assert r.stdout.splitlines()[-1].startswith("next: ")
    assert (folder / "mailboxes.xlsx").read_bytes() == before
    # without --mailboxes a folder refreshed as usual has nothing to be told
    assert "note: " not in cli("sample", str(folder)).stdout

    fresh = cli("sample", str(tmp_path / "new"), "--mailboxes", "300")
    assert fresh.returncode == 0 and "note: " not in fresh.stdout
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "new" / "mailboxes.xlsx", read_only=True).active
    assert sheet is not None and sheet.max_row is not None and sheet.max_row > 300


def test_a_large_samples_contact_points_are_never_cut_at_excels_cell_limit(
    tmp_path: Path,
) -> None:
    """A consultant's week two: at ``--mailboxes 20000`` a contact point's translations passed
    Excel's 32,767 characters in one cell and were cut without a word, half an ID left at the
    end: the run told the portal to remove postkasse "0". They go on in rows below, as
    contact-point-plan.xlsx writes them, and every translation is read back whole."""
    import openpyxl

    from ngdpkit.inputs.contact_points import read_contact_points

    write_sample(tmp_path, mailboxes=20000)
    path = tmp_path / "contact-points-test.xlsx"
    ws = openpyxl.load_workbook(path, read_only=True).active
    cells = [str(r[8] or "") for r in ws.iter_rows(min_row=2, values_only=True)]
    assert max(len(c) for c in cells) < 32_767
    ids = {t for c in cells for t in c.split()}
    read = read_contact_points(path, label=path.name, system_id=None)
    got = {f"{pk:07d}:{s}" if s else f"{pk:07d}" for p in read.points for pk, s in p.translations}
    assert got == ids and not [f for f in read.findings if f.code.startswith("CONTACT_POINT_VALUE")]
