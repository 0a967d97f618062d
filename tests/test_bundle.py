"""``ngdpkit bundle`` as an attacker who can write the runs folder would try it (issue 26):
links to the secrets file or /etc/shadow, a planted temporary-file link, ``bundle .``,
and a member that holds a secret."""

from __future__ import annotations

import base64
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ngdpkit.errors import InputError
from ngdpkit.run.audit import verify
from ngdpkit.run.bundle import make_bundle
from tests.conftest import cli, run_cli, write_xlsx


@pytest.fixture
def run_dir(sample_run: dict[str, Any]) -> Path:
    """The session's run of the sample's test environment (read it; ``fresh`` copies it)."""
    return Path(sample_run["run_dir"])


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
    r = cli("bundle", str(folder))
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
    r = cli("bundle", ".", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).parent == folder.parent
    assert verify(folder).ok


def test_a_member_holding_a_secret_is_left_out(run_dir: Path, tmp_path: Path) -> None:
    folder = fresh(run_dir, tmp_path)
    token = "Basic " + "QWxhZGRpbjpvcGVuIHNlc2FtZSBsb25nIHRva2Vu"
    (folder / "firewall-rules.csv").write_text(f"leaked;{token}\r\n")
    r = cli("bundle", str(folder), env={"NGDPKIT_TEST_AUTHORIZATION": token})
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(r.stdout.strip()) as zf:
        assert "firewall-rules.csv" not in zf.namelist()
        summary = zf.read("summary.json").decode()
        assert "firewall-rules.csv" in summary
        assert not any(b"QWxhZGRpbjpvcGVu" in zf.read(n) for n in zf.namelist())


# --- make_bundle itself, on run folders made here (no run) --------------------------------

TOKEN = "Basic " + base64.b64encode(b"svc:Topsecret-Token-4711").decode()


def tiny_run(tmp_path: Path) -> Path:
    """A run folder as make_bundle reads it: findings.json and a few deliverables."""
    folder = tmp_path / "runs" / "test" / "20250101-000000-abcd"
    folder.mkdir(parents=True)
    (folder / "findings.json").write_text('{"findings": []}', encoding="utf-8")
    (folder / "audit.jsonl").write_text('{"event": "run_started"}\n', encoding="utf-8")
    (folder / "firewall-rules.csv").write_text("host;port\r\nngdp;443\r\n", encoding="utf-8")
    config = {"authorization": {"variable": "CUSTOM_AUTH_VAR"}}
    (folder / "dispatcher-config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def members(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_make_bundle_packs_what_is_there_beside_the_folder(tmp_path: Path) -> None:
    folder = tiny_run(tmp_path)
    target = make_bundle(folder)
    assert target == folder.parent / f"{folder.name}-support.zip"
    got = members(target)
    assert set(got) == {
        "summary.json",
        "README.txt",  # session 25: what the zip holds and how to check it
        "audit.jsonl",
        "firewall-rules.csv",
        "dispatcher-config.json",
    }  # findings.json only with the workbooks since session 25: it may name citizens
    summary = json.loads(got["summary.json"])
    assert summary["run"] == folder.name and summary["environment"] == "test"
    assert summary["left_out_holding_a_secret"] == [] and summary["steps"] == {}
    assert summary["versions"]["python"] and "ngdpkit" in summary["versions"]
    assert not (folder / f"{folder.name}-support.zip").exists()  # never inside the folder
    # the workbooks only when asked
    assert "mailbox-mapping.xlsx" not in got


def test_make_bundle_refuses_what_is_no_run_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a run folder"):
        make_bundle(tmp_path)
    (tmp_path / "findings.json").symlink_to("/etc/hostname")  # a link is no findings.json
    with pytest.raises(InputError, match="not a run folder"):
        make_bundle(tmp_path)


def test_the_variable_the_dispatcher_names_is_searched_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tiny_run(tmp_path)
    monkeypatch.setenv("CUSTOM_AUTH_VAR", TOKEN)
    (folder / "portal-registration.json").write_text(
        '{"note": "svc:Topsecret-Token-4711"}', encoding="utf-8"
    )  # the decoded header: a part of the secret
    got = members(make_bundle(folder))
    assert "portal-registration.json" not in got
    assert json.loads(got["summary.json"])["left_out_holding_a_secret"] == [
        "portal-registration.json"
    ]
    assert not any(b"Topsecret-Token-4711" in data for data in got.values())


def test_a_secret_inside_a_workbook_or_an_unreadable_zip_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tiny_run(tmp_path)
    monkeypatch.setenv("NGDPKIT_TEST_AUTHORIZATION", TOKEN)
    write_xlsx(folder / "mailbox-mapping.xlsx", [["id", "note"], ["1", "Topsecret-Token-4711"]])
    write_xlsx(folder / "contact-point-plan.xlsx", [["name"], ["Borgerservice"]])
    (folder / "mapping-suggestions.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    got = members(make_bundle(folder, with_workbooks=True))
    assert "contact-point-plan.xlsx" in got
    left_out = json.loads(got["summary.json"])["left_out_holding_a_secret"]
    assert left_out == ["mailbox-mapping.xlsx", "mapping-suggestions.xlsx"]


def test_a_planted_target_is_refused_and_a_planted_tmp_link_removed(tmp_path: Path) -> None:
    folder = tiny_run(tmp_path)
    target = folder.parent / f"{folder.name}-support.zip"
    target.mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        make_bundle(folder)
    target.rmdir()
    target.symlink_to(tmp_path / "elsewhere.zip")
    with pytest.raises(InputError, match="not a regular file"):
        make_bundle(folder)
    target.unlink()
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (folder.parent / f"{folder.name}-support.zip.tmp").symlink_to(victim)
    assert make_bundle(folder) == target
    assert victim.read_text() == "keep me"
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert not (folder.parent / f"{folder.name}-support.zip.tmp").exists()


# --- the attacker's fourth look (session 20) ----------------------------------------------


def _encrypted_zip() -> bytes:
    """A stored zip whose one entry says it is encrypted (general purpose flag bit 0)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("a.txt", "Topsecret-Token-4711")
    data = bytearray(buffer.getvalue())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 6] |= 0x1  # the local header's flags
    data[central + 8] |= 0x1  # the central directory's
    return bytes(data)


def test_a_split_token_an_encrypted_part_and_a_decoy_trail_are_each_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bundle`` searched each member byte by byte: a token split by a zero-width space
    was shipped, a zip part flagged encrypted crashed it (exit 3), and a trail naming a decoy
    settings file emptied its list of secrets. It now searches as the run's own scan does,
    leaves out what it cannot read, and always looks for the usual variables too."""
    import hashlib

    folder = tiny_run(tmp_path)
    monkeypatch.setenv("NGDPKIT_TEST_AUTHORIZATION", TOKEN)
    (folder / "findings.json").write_text(
        json.dumps({"findings": [], "note": "Topsecret\u200b-Token-4711"}), encoding="utf-8"
    )
    (folder / "dispatcher-config.json").write_bytes(_encrypted_zip())
    decoy = folder.parents[2] / "decoy.toml"
    decoy.write_text('[organisation]\nname = "x"\ncvr = "12345678"\n', encoding="utf-8")
    started = {
        "event": "run_started",
        "settings": "decoy.toml",
        "settings_sha256": hashlib.sha256(decoy.read_bytes()).hexdigest(),
    }
    (folder / "audit.jsonl").write_text(json.dumps(started) + "\n", encoding="utf-8")
    got = members(make_bundle(folder))
    left_out = json.loads(got["summary.json"])["left_out_holding_a_secret"]
    assert sorted(left_out) == ["dispatcher-config.json", "findings.json"]
    assert not any(b"Topsecret" in data for data in got.values())


def test_a_folder_that_does_not_verify_is_bundled_and_says_so(
    run_dir: Path, tmp_path: Path
) -> None:
    """The attacker's sixth look: a folder with a planted file (or a trail of gigabytes, a
    sparse file that costs no disk) was bundled without a word, and the huge trail read
    whole (a MemoryError, exit 3). Support now reads first whether the folder verifies; a
    member larger than any run writes is left out, unread."""
    copy = fresh(run_dir, tmp_path)
    (copy / "planted\nline.txt").write_text("x")
    with (copy / "audit.jsonl").open("r+b") as fh:
        fh.truncate(1500 << 20)
    r = cli("bundle", str(copy))
    assert r.returncode == 0, r.stderr
    err = r.stderr.splitlines()
    assert len(err) == 2 and "does not verify" in err[0] and "larger than 64 MB" in err[0], err
    assert err[1] == "ngdpkit: audit.jsonl: left out of the bundle, larger than any run writes"
    with zipfile.ZipFile(r.stdout.strip()) as zf:
        summary = json.loads(zf.read("summary.json"))
        assert "audit.jsonl" not in zf.namelist()
    assert summary["audit_verify"]["intact"] is False
    assert summary["left_out_too_large"] == ["audit.jsonl"]


def test_a_bundle_of_an_intact_folder_says_it_verifies(run_dir: Path, tmp_path: Path) -> None:
    copy = fresh(run_dir, tmp_path)
    r = cli("bundle", str(copy))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    with zipfile.ZipFile(r.stdout.strip()) as zf:
        summary = json.loads(zf.read("summary.json"))
    assert summary["audit_verify"] == {"intact": True, "problems": []}
    assert summary["left_out_too_large"] == []


def test_a_step_file_of_gigabytes_is_not_read_into_the_bundle(
    run_dir: Path, tmp_path: Path
) -> None:
    """The attacker's seventh look: ``bundle`` parsed each step file whole for its support
    facts (a sparse 2.5 GB file: a MemoryError, exit 3)."""
    copy = fresh(run_dir, tmp_path)
    step = copy / "steps" / "03_certificate.json"
    with step.open("r+b") as fh:
        fh.truncate(2500 << 20)
    r = cli("bundle", str(copy))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    with zipfile.ZipFile(r.stdout.strip()) as zf:
        summary = json.loads(zf.read("summary.json"))
    assert summary["steps"]["03_certificate"]["status"] == "too large to read"


# --- a support engineer's read (session 25) --------------------------------------------------


def test_findings_reach_support_with_mailbox_names_and_cpr_numbers_hidden() -> None:
    """A support engineer's read of a default bundle: ``findings.json`` quoted a mailbox
    name verbatim ("Sag vedr. Jens Hansen 010170-9996"), so the zip meant to hold no
    personal data without ``--with-workbooks`` named a citizen. ``summary.json`` carries
    the findings with each mailbox name of the export and each CPR-shaped number hidden,
    the sentence made again from its template in the language it was written in."""
    from ngdpkit.run.bundle import HIDDEN_CPR, HIDDEN_NAME, masked_findings

    name = "Sag vedr. Jens Hansen 010170-9996"
    data = {
        "findings": [
            {
                "severity": "error",
                "code": "MAILBOX_UNMAPPED",
                "message": f"Postkassen 0109999 ({name}) har ingen kontaktpunkt-GUID.",
                "template": "Mailbox {mid} ({name}) has no contact point GUID.",
                "params": {"mid": "0109999", "name": name},
                "source": "mailboxes.xlsx",
                "location": "Postkasser!7",
            },
            {
                "severity": "warning",
                "code": "CELL_X",
                "message": "A cell says 2311851234 and 12345678.",
                "params": {"value": "2311851234"},
                "source": "mailboxes.xlsx",
                "location": "Postkasser!8",
            },
        ]
    }
    first, second = masked_findings(data, frozenset({name}))
    assert first["message"] == f"Postkassen 0109999 ({HIDDEN_NAME}) har ingen kontaktpunkt-GUID."
    assert first["params"] == {"mid": "0109999", "name": HIDDEN_NAME}
    assert (first["code"], first["location"]) == ("MAILBOX_UNMAPPED", "Postkasser!7")
    # a CPR-shaped number anywhere, a CVR (eight digits) and a mailbox ID (seven) left alone
    assert second["message"] == f"A cell says {HIDDEN_CPR} and 12345678."
    assert second["params"] == {"value": HIDDEN_CPR}
    assert "Jens" not in json.dumps([first, second]) and "9996" not in json.dumps([first, second])
    # the second look: an ID cell holding a name, a CPR number written otherwise, a sheet name
    third, fourth = masked_findings(
        {
            "findings": [
                {
                    "severity": "error",
                    "code": "MAILBOX_ID_INVALID",
                    "message": "Mailbox ID 'Lars Petersen' is not a number.",
                    "params": {"value": "Lars Petersen"},
                    "location": "Jens Hansen 010170-1234!157",
                },
                {
                    "severity": "warning",
                    "code": "X",
                    "message": "010170 1240, 01.01.70-1237 and 010170\u20131239.",
                },
            ]
        },
        frozenset(),
    )
    assert third["params"] == {"value": "cellens indhold udeladt"}
    assert "Lars" not in third["message"] and "010170" not in third["location"]
    assert fourth["message"] == f"{HIDDEN_CPR}, {HIDDEN_CPR} and {HIDDEN_CPR}."


def test_a_run_file_with_a_cpr_number_stays_with_the_customer(
    run_dir: Path, tmp_path: Path
) -> None:
    """The second look: a first day's run proposes contact points named after the export's
    units, "Hans Lunds værgemål 010170-1299" among them, and ``portal-registration.json``
    went into the default zip as it stands. A run file holding a CPR-shaped number is left
    out and named (the zip still verifies: the summary gives the reason)."""
    from tests.conftest import cli

    folder = fresh(run_dir, tmp_path)
    portal = folder / "portal-registration.json"
    portal.write_text(
        portal.read_text(encoding="utf-8").replace(
            "Borgerservice", "Hans Lunds værgemål 010170-1299", 1
        ),
        encoding="utf-8",
    )
    target = make_bundle(folder)
    got = members(target)
    assert "portal-registration.json" not in got
    summary = json.loads(got["summary.json"])
    assert summary["left_out_personal_data"] == ["portal-registration.json"]
    assert b"010170" not in b"".join(got.values())
    readme = got["README.txt"].decode()
    assert "Left out, holding a CPR-shaped number: portal-registration.json." in readme
    assert "missing from the bundle" not in cli("audit", "verify", str(target)).stdout


def test_the_zip_itself_verifies_and_names_what_it_left_out(run_dir: Path, tmp_path: Path) -> None:
    """A support engineer's read: ``audit verify`` of the unzipped bundle printed about 100
    "NOT INTACT" lines for the files the bundle leaves out, so real tampering could not be
    told from a bundle. ``audit verify`` of the zip itself holds each run file in it against
    the run's trail, manifest and sealed record, and names the left-out ones in a note; a
    changed or added member is named. The zip carries a README, the checklist, the run's
    kit version, and (with the workbooks) findings.json under a name of its own."""
    from ngdpkit.run.bundle import masked_findings
    from tests.conftest import cli

    folder = fresh(run_dir, tmp_path)
    target = make_bundle(folder)
    got = members(target)
    assert {"README.txt", "checklist.json", "manifest.json", "audit.jsonl"} <= set(got)
    assert "findings.json" not in got
    summary = json.loads(got["summary.json"])
    findings = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    assert summary["kind"] == "ngdpkit-support-bundle" and summary["with_workbooks"] is False
    assert (
        summary["run_kit_version"]
        == json.loads((folder / "audit.jsonl").read_text(encoding="utf-8").splitlines()[0])[
            "kit_version"
        ]
    )
    assert len(summary["findings"]) == len(findings["findings"])
    assert summary["findings"] == masked_findings(findings, frozenset())  # nothing else hidden
    assert summary["dispatcher"]["written"] is ("dispatcher-config.json" in got)
    assert summary["included"] == sorted(n for n in got if n not in ("summary.json", "README.txt"))
    readme = got["README.txt"].decode("utf-8")
    assert (
        "ngdpkit audit verify <this zip>" in readme
        and "Left out on purpose: findings.json" in readme
    )
    r = cli("audit", "verify", str(target))
    assert r.returncode == 0, r.stdout
    note, said = r.stdout.splitlines()[:2]
    assert note.startswith("support bundle: ") and "left out of it (" in note
    assert said.startswith("intact: ")
    # a member changed, one removed on the way: each named
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(changed, "w") as zf:
        for name, data in got.items():
            if name != "dispatcher-config.json":
                zf.writestr(
                    name, data.replace(b"443", b"444") if name == "firewall-rules.csv" else data
                )
    r = cli("audit", "verify", str(changed))
    assert r.returncode == 1
    assert (
        "NOT INTACT: changed file: firewall-rules.csv (its SHA-256 is not the manifest's)"
        in r.stdout
    )
    assert (
        "NOT INTACT: missing from the bundle: dispatcher-config.json (the run has it, and "
        "summary.json gives no reason)" in r.stdout
    )
    # a member no bundle packs, a path, one named twice: refused before any is written out
    import warnings

    for extra, said in (
        ("evil.ps1", "member 'evil.ps1', which no bundle packs"),
        ("../x", "member '../x', which no bundle packs"),
        ("checklist.json", "member 'checklist.json' twice"),
    ):
        odd = tmp_path / "odd.zip"
        with zipfile.ZipFile(odd, "w") as zf:
            for name, data in got.items():
                zf.writestr(name, data)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # zipfile warns of a duplicate name
                zf.writestr(extra, "y")
        r = cli("audit", "verify", str(odd))
        assert r.returncode == 1 and f"not a support bundle ({said})" in r.stdout, r.stdout
    # a member that cannot be read (damaged), and one meant to fill the disk: one line each
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("audit.jsonl", got["audit.jsonl"])
    data = bytearray(damaged.read_bytes())
    data[60:80] = b"\x00" * 20  # inside the compressed bytes
    damaged.write_bytes(bytes(data))
    r = cli("audit", "verify", str(damaged))
    assert r.returncode == 1 and r.stdout.startswith("NOT INTACT: audit.jsonl: cannot be read"), (
        r.stdout
    )
    huge = tmp_path / "huge.zip"  # refused from its header, before a byte is written out
    with zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("audit.jsonl", got["audit.jsonl"])
        with zf.open("checklist.json", "w", force_zip64=True) as fh:
            chunk = b"0" * (1 << 20)
            for _ in range(257):
                fh.write(chunk)
    r = cli("audit", "verify", str(huge))
    assert r.returncode == 1 and "checklist.json: larger than any run writes" in r.stdout
    # with the workbooks: a zip of its own, findings.json in it, the default one kept
    both = make_bundle(folder, with_workbooks=True)
    assert both.name == f"{folder.name}-support-with-workbooks.zip" and target.is_file()
    wide = members(both)
    assert (
        "findings.json" in wide
        and json.loads(wide["summary.json"])["findings"] == "in findings.json"
    )
    assert cli("audit", "verify", str(both)).returncode == 0


def test_the_bundle_names_the_newest_acceptance_test(
    sample_run: dict[str, Any], tmp_path: Path
) -> None:
    """A support engineer's read: nothing in the zip said whether the acceptance test (a
    letter out, the reply back) had passed. ``summary.json`` carries the environment's newest
    rehearsal that verifies: where it went, its outcome and each step's."""
    from ngdpkit.rehearsal.flow import rehearse
    from tests.conftest import copy_sample_run

    sample = copy_sample_run(sample_run, tmp_path / "s")
    code, rehearsal = rehearse(sample / "migration.toml", "test", progress=lambda line: None)
    assert code == 0
    run = Path(sample_run["run_dir"])
    summary = json.loads(members(make_bundle(sample / "runs" / "test" / run.name))["summary.json"])
    shown = summary["rehearsal"]
    assert (shown["folder"], shown["against"], shown["status"]) == (
        rehearsal.name,
        "simulator",
        "ok",
    )
    assert [s["name"] for s in shown["steps"]][:4] == [
        "send",
        "transport receipt",
        "reply",
        "reply matches",
    ]
    assert all(s["status"] == "ok" and s["detail"] for s in shown["steps"])


def test_findings_naming_a_cpr_number_reach_support_masked_not_dropped(
    run_dir: Path, tmp_path: Path
) -> None:
    """A consultant's cold run: a mailbox named "Sag vedr. Hanne Holm 120385-1234" made the
    CPR scan leave findings.json out, and with it every finding of the summary ("findings":
    []), a bundle that read as nothing wrong. findings.json is never packed without the
    workbooks; its findings are masked into the summary, whatever it holds."""
    folder = fresh(run_dir, tmp_path)
    findings = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    findings["findings"].append(
        {
            "severity": "error",
            "code": "MAILBOX_UNMAPPED",
            "message": "Mailbox 0199999 (Sag vedr. Hanne Holm 120385-1234) has no contact point GUID.",
            "template": "Mailbox {mid} ({name}) has no contact point GUID.",
            "params": {"mid": "0199999", "name": "Sag vedr. Hanne Holm 120385-1234"},
            "source": "mailboxes.xlsx",
            "location": "Postkasser!9",
        }
    )
    (folder / "findings.json").write_text(json.dumps(findings), encoding="utf-8")
    got = members(make_bundle(folder))
    summary = json.loads(got["summary.json"])
    assert summary["left_out_personal_data"] == []
    assert len(summary["findings"]) == len(findings["findings"])
    last = summary["findings"][-1]
    assert last["code"] == "MAILBOX_UNMAPPED" and "120385" not in json.dumps(last)
    assert b"120385" not in b"".join(got.values())


def test_the_step_facts_in_the_summary_hide_cpr_numbers_and_mailbox_names(
    tmp_path: Path,
) -> None:
    """A DPO's review: ``summary.json`` cleaned the findings only, and its step facts kept
    a CPR number (``steps.04_system_and_network.results.system.system_name``), though the
    README says CPR-shaped numbers are hidden. Every text of the facts is cleaned as the
    findings are: values and keys, at any depth; numbers and the rest stay."""
    from ngdpkit.run.bundle import HIDDEN_CPR, HIDDEN_NAME, masked_facts

    folder = tiny_run(tmp_path)
    steps = folder / "steps"
    steps.mkdir()
    system = {"system_name": "WorkZone test 010190-1234", "protocol": "REST_PULL"}
    (steps / "04_system_and_network.json").write_text(
        json.dumps({"status": "ok", "duration_s": 1.5, "results": {"system": system}}),
        encoding="utf-8",
    )
    ngdp = {"contact_points": [{"name": "Værgemål 0202851234", "translations": ["1", "2"]}]}
    (steps / "02_contact_points.json").write_text(
        json.dumps({"status": "ok", "results": {"ngdp": ngdp, "counts": {"mapped": 2}}}),
        encoding="utf-8",
    )
    got = members(make_bundle(folder))
    summary = json.loads(got["summary.json"])
    facts = summary["steps"]["04_system_and_network"]
    assert facts["results"]["system"] == {
        "system_name": f"WorkZone test {HIDDEN_CPR}",
        "protocol": "REST_PULL",
    }
    assert facts["duration_s"] == 1.5 and facts["status"] == "ok"
    point = summary["steps"]["02_contact_points"]["results"]["ngdp"]["contact_points"][0]
    assert point == {"name": f"Værgemål {HIDDEN_CPR}", "translations": 2}
    assert b"010190" not in got["summary.json"] and b"0202851234" not in got["summary.json"]
    # in-process: a mailbox name as a value is hidden, as in the findings; keys lose the number
    names = frozenset({"Sag vedr. Jens Hansen"})
    assert masked_facts(
        {"a 0101901234": ["Sag vedr. Jens Hansen", 3, None, {"x": "0101901234"}]}, names
    ) == {f"a {HIDDEN_CPR}": [HIDDEN_NAME, 3, None, {"x": HIDDEN_CPR}]}


def test_a_bundle_with_the_workbooks_says_it_holds_personal_data(tmp_path: Path) -> None:
    """A support engineer's look: a bundle made with --with-workbooks held the mapping with
    mailbox names (a CPR number among them), and neither its README.txt nor the command said
    so. Both say it now; the default bundle's README says what it left out, as before."""
    folder = tiny_run(tmp_path)
    r = cli("bundle", str(folder), "--with-workbooks")
    assert r.returncode == 0, r.stderr
    assert "mailbox names (personal data)" in r.stderr and "delete it after" in r.stderr
    readme = members(Path(r.stdout.strip()))["README.txt"].decode("utf-8")
    assert "Made with --with-workbooks" in readme and "Keep this zip as personal data" in readme
    r = cli("bundle", str(folder))
    assert r.returncode == 0 and "personal data" not in r.stderr, r.stderr
    readme = members(Path(r.stdout.strip()))["README.txt"].decode("utf-8")
    assert "Made with --with-workbooks" not in readme and "Left out on purpose" in readme


def test_the_readme_opens_with_the_runs_outcome(run_dir: Path, tmp_path: Path) -> None:
    """A support engineer's look: README.txt was generic; the errors, whether the dispatcher
    values were withheld and whether the folder verified were each in summary.json to find.
    Its third line says them."""
    zipped = make_bundle(fresh(run_dir, tmp_path))
    got = members(zipped)
    summary = json.loads(got["summary.json"])
    errors = sum(1 for f in summary["findings"] if f["severity"] == "error")
    warnings = sum(1 for f in summary["findings"] if f["severity"] == "warning")
    line = got["README.txt"].decode("utf-8").splitlines()[2]
    assert line == (
        f"Outcome: {errors} error(s), {warnings} warning(s); dispatcher values written;"
        " the run folder verified."
    )
    assert warnings > 0


# --- the attacker's look (session 35) --------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="a FIFO is POSIX")
@pytest.mark.parametrize("name", ["audit.jsonl", "dispatcher-config.json"])
def test_a_fifo_in_a_run_files_place_does_not_hold_the_bundle(tmp_path: Path, name: str) -> None:
    """``bundle`` read the trail's first line and the dispatcher's variable name with a plain
    ``open``: a FIFO put in the place of either held it for ever, before anything was
    written. Only a regular file is opened, and never waited on."""
    folder = tiny_run(tmp_path)
    (folder / name).unlink()
    os.mkfifo(folder / name)
    r = run_cli("bundle", str(folder), timeout=120)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    got = members(Path(r.stdout.strip()))
    assert name not in got and "summary.json" in got


def test_a_run_file_replaced_or_hard_linked_elsewhere_is_left_out(
    run_dir: Path, tmp_path: Path
) -> None:
    """Whoever can write the runs folder put a hard link to a private key in the place of
    ``portal-registration.json`` (a link of that kind is a regular file), and ``bundle``
    packed the key as it stood and sent it to support; the command only said that the folder
    did not verify. A run file whose bytes are not the ones the run recorded (its output
    record, its anchor, its manifest) is left out and named; the trail, the manifest and the
    seal, which no record names, must be what they are."""
    folder = fresh(run_dir, tmp_path)
    key = tmp_path / "id_ed25519"
    key.write_bytes(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n")
    for name in ("portal-registration.json", "manifest.json.p7s"):
        (folder / name).unlink(missing_ok=True)
        os.link(key, folder / name)
    (folder / "checklist.json").write_text('[{"step": 1, "status": "done"}]', encoding="utf-8")
    r = cli("bundle", str(folder))
    assert r.returncode == 0, r.stderr
    for name in ("portal-registration.json", "manifest.json.p7s", "checklist.json"):
        assert f"{name}: left out of the bundle, not the bytes the run recorded" in r.stderr
    target = Path(r.stdout.strip())
    got = members(target)
    assert not any(b"PRIVATE KEY" in data for data in got.values())
    assert {"portal-registration.json", "manifest.json.p7s", "checklist.json"}.isdisjoint(got)
    assert {"audit.jsonl", "manifest.json", "dispatcher-config.json"} <= set(got)
    summary = json.loads(got["summary.json"])
    assert summary["left_out_changed"] == [
        "manifest.json.p7s",
        "portal-registration.json",
        "checklist.json",
    ]
    readme = got["README.txt"].decode("utf-8")
    assert "Left out, not the bytes the run recorded (changed since the run, or put in its" in (
        readme
    )
    # the receiver reads the reason: what was left out is named, not called removed on the way
    r = cli("audit", "verify", str(target))
    assert "missing from the bundle" not in r.stdout, r.stdout
    # an intact folder leaves nothing out for it
    clean = make_bundle(fresh(run_dir, tmp_path / "clean"))
    assert json.loads(members(clean)["summary.json"])["left_out_changed"] == []


def test_the_kits_own_placeholder_of_a_file_that_held_a_secret_is_the_runs(tmp_path: Path) -> None:
    """A second look: an interrupted run replaces a file that held a secret with the kit's
    placeholder after its output record, and the bundle called it "not the bytes the run
    recorded (changed since the run, or put in its place)". The placeholder, whole, is the
    run's; the same first words before a key are not."""
    from ngdpkit.run.bundle import _the_runs
    from ngdpkit.run.scan import stub_text

    recorded = {"signoff/portal.html": {"0" * 64}}
    stub = stub_text(tmp_path / "portal.html", ["NGDPKIT_TEST_AUTHORIZATION (sample.env)"])
    assert _the_runs("signoff/portal.html", stub.encode(), recorded)
    forged = stub.replace(").", ").\n-----BEGIN PRIVATE KEY-----\nMIIE\n", 1)
    assert not _the_runs("signoff/portal.html", forged.encode(), recorded)
    assert not _the_runs("signoff/portal.html", b"<html>changed</html>", recorded)
    other = stub_text(tmp_path / "firewall.html", ["NGDPKIT_TEST_AUTHORIZATION"])
    assert not _the_runs("signoff/portal.html", other.encode(), recorded)


def test_a_run_written_elsewhere_is_searched_for_its_secrets_file(
    sample_run_copy: Path, tmp_path: Path
) -> None:
    """A CISO's look: a run written with ``--out`` outside the settings' folder (its trail
    names ``migration.toml``, not where it is) was bundled searched for nothing a secrets
    file held: a run killed before its seal, whose firewall order held the certificate
    password, went to support with it. The settings are found in the current folder too
    (where the pages' commands are typed), held to their SHA-256; where they are not, the
    command says that only this shell's environment was searched."""
    from ngdpkit.secrets import read_dotenv

    sample = sample_run_copy
    password = read_dotenv(sample / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    made = next((sample / "runs" / "test").glob("2*"))
    folder = _killed_before_its_seal(made, tmp_path / "elsewhere" / "test" / made.name, password)
    r = cli("bundle", str(folder), cwd=sample)
    assert r.returncode == 0, r.stderr
    got = members(Path(r.stdout.strip()))
    assert "firewall-rules.csv" not in got
    assert not any(password.encode() in data for data in got.values())
    summary = json.loads(got["summary.json"])
    assert summary["left_out_holding_a_secret"] == ["firewall-rules.csv"]
    assert summary["secrets_searched"]["settings_found"] is True
    assert "NGDPKIT_TEST_CERT_PASSWORD" in summary["secrets_searched"]["variables"]
    assert "settings file the run was made with" not in r.stderr
    # from another folder the settings are not found: said, never silently
    r = cli("bundle", str(folder), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "only for the secrets this shell's environment holds" in r.stderr
    assert password not in r.stderr
    readme = members(Path(r.stdout.strip()))["README.txt"].decode("utf-8")
    assert "settings file was not found" in readme


def test_a_secret_the_summary_quotes_is_masked_and_said(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attacker's look: a file named after the token planted in the run folder. The
    summary's second search emptied the steps and the findings, and shipped the token in
    ``audit_verify``'s problems (the planted name). Each value that holds a secret is masked
    now, the rest kept, and the summary and README.txt say where."""
    folder = fresh(run_dir, tmp_path)
    (folder / TOKEN).write_text("x")
    monkeypatch.setenv("NGDPKIT_TEST_AUTHORIZATION", TOKEN)
    got = members(make_bundle(folder))
    secret = TOKEN.split()[1].encode()
    assert not [name for name, data in got.items() if secret in data]
    from ngdpkit.run.bundle import HELD_A_SECRET, MASKED

    summary = json.loads(got["summary.json"])
    assert summary[MASKED] == ["audit_verify"]
    assert summary["audit_verify"]["intact"] is False
    assert HELD_A_SECRET in summary["audit_verify"]["problems"]
    assert summary["steps"] and isinstance(summary["findings"], list)
    readme = got["README.txt"].decode("utf-8")
    assert "Masked in summary.json, holding a secret" in readme and "audit_verify" in readme


def test_the_readme_is_searched_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README.txt was written unsearched: whatever a line of it quotes of the folder went
    to support as it was. A line that holds a secret is left out now, and said."""
    from ngdpkit.run import bundle

    folder = tiny_run(tmp_path)
    monkeypatch.setenv("NGDPKIT_TEST_AUTHORIZATION", TOKEN)
    made = bundle._readme
    monkeypatch.setattr(
        bundle, "_readme", lambda summary: made(summary) + f"quoted: {TOKEN}\r\nlast line\r\n"
    )
    readme = members(make_bundle(folder))["README.txt"].decode("utf-8")
    assert "Topsecret" not in readme and TOKEN.split()[1] not in readme
    assert f"({bundle.HELD_A_SECRET}: this line)\r\nlast line\r\n" in readme
    assert readme.startswith("ngdpkit support bundle: run 20250101-000000-abcd")


def test_a_folder_bundled_without_its_secrets_file_sends_only_what_its_seal_scanned(
    sample_run_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attacker's look at the warning alone: a run killed before its seal (its firewall
    order holding the certificate password), written with ``--out`` elsewhere and bundled
    from another folder, in a shell without the password (it lives in the secrets file),
    went to support with the password in it; the command only said that the settings file
    was not found. Where the settings the run names are not found and the folder does not
    verify, a member goes only with the bytes the run's seal lists (which its own scan
    passed), or by its shape (trail, manifest, seal); the rest is left out and named. An
    intact folder bundled so loses nothing."""
    from ngdpkit.secrets import read_dotenv

    sample = sample_run_copy
    password = read_dotenv(sample / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    monkeypatch.delenv("NGDPKIT_TEST_CERT_PASSWORD", raising=False)
    made = next((sample / "runs" / "test").glob("2*"))
    intact = tmp_path / "intact" / "test" / made.name
    shutil.copytree(made, intact, symlinks=True)
    folder = _killed_before_its_seal(made, tmp_path / "elsewhere" / "test" / made.name, password)
    r = cli("bundle", str(folder), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "firewall-rules.csv: left out of the bundle, not searched for the run's secrets" in (
        r.stderr
    )
    target = Path(r.stdout.strip())
    got = members(target)
    assert not any(password.encode() in data for data in got.values())
    assert set(got) == {"summary.json", "README.txt", "audit.jsonl"}
    summary = json.loads(got["summary.json"])
    assert "firewall-rules.csv" in summary["left_out_unsearched"]
    assert summary["secrets_searched"]["settings_found"] is False
    assert "Left out, not searched for the run's secrets" in got["README.txt"].decode("utf-8")
    # the receiver reads why they are not there, not "missing from the bundle"
    assert "missing from the bundle" not in cli("audit", "verify", str(target)).stdout
    # a folder that verifies passed the run's own scan whole: packed as before
    r = cli("bundle", str(intact), cwd=tmp_path)
    summary = json.loads(members(Path(r.stdout.strip()))["summary.json"])
    assert summary["audit_verify"]["intact"] is True and summary["left_out_unsearched"] == []
    assert "firewall-rules.csv" in summary["included"]


def test_a_stopped_run_is_searched_with_settings_changed_elsewhere_since(
    sample_run_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer's look at the rule for a run never sealed: a consultant stopped a run of
    test, fixed production's table (or added a comment) and bundled the stopped run for
    support from the settings' own folder. The settings no longer had the SHA-256 the trail
    holds, so they were "not found": the zip held the trail alone, and the command said to
    run bundle from the folder that holds the settings file, where it was. What concerns the
    run's environment (the trail's ``environments_settings_sha256``) is what counts: searched
    with the file of today when that is unchanged; an edit of test's own table still finds
    nothing."""
    from ngdpkit.secrets import read_dotenv

    sample = sample_run_copy
    password = read_dotenv(sample / "sample.env")["NGDPKIT_TEST_CERT_PASSWORD"]
    monkeypatch.delenv("NGDPKIT_TEST_CERT_PASSWORD", raising=False)
    made = next((sample / "runs" / "test").glob("2*"))
    folder = _killed_before_its_seal(made, tmp_path / "elsewhere" / "test" / made.name, password)
    first = (folder / "audit.jsonl").read_text("utf-8").split("\n")[0]
    assert "environments_settings_sha256" in first
    settings = sample / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    edited = text.replace(
        'server_ips = ["203.0.113.20", "203.0.113.21"]',
        'server_ips = ["203.0.113.20", "203.0.113.22"]  # the new NAT address',
    )
    assert edited != text
    settings.write_text("# fixed after the stopped run\n" + edited, encoding="utf-8")
    r = cli("bundle", str(folder), cwd=sample)
    assert r.returncode == 0, r.stderr
    got = members(Path(r.stdout.strip()))
    assert not any(password.encode() in data for data in got.values())
    summary = json.loads(got["summary.json"])
    assert summary["secrets_searched"]["settings_found"] is True
    assert "NGDPKIT_TEST_CERT_PASSWORD" in summary["secrets_searched"]["variables"]
    assert summary["left_out_holding_a_secret"] == ["firewall-rules.csv"]
    assert summary["left_out_unsearched"] == []
    assert "dispatcher-config.json" in got and "checklist.json" in got, sorted(got)
    # test's own table changed: not the settings the run was made with
    own = text.replace(
        'system_name = "WorkZone test - Eksempel', 'system_name = "WZ test - Eksempel'
    )
    assert own != text
    settings.write_text(own, encoding="utf-8")
    r = cli("bundle", str(folder), cwd=sample)
    summary = json.loads(members(Path(r.stdout.strip()))["summary.json"])
    assert summary["secrets_searched"]["settings_found"] is False
    assert "firewall-rules.csv" in summary["left_out_unsearched"]


def _killed_before_its_seal(made: Path, folder: Path, password: str) -> Path:
    """A copy at ``folder`` of the run ``made`` as a run killed before its seal leaves it
    (the trail ends at its first record, no manifest), its firewall order holding
    ``password``: what the run's own scan never saw."""
    shutil.copytree(made, folder, symlinks=True)
    first = (folder / "audit.jsonl").read_text("utf-8").split("\n")[0]
    (folder / "audit.jsonl").write_text(first + "\n", encoding="utf-8")
    (folder / "manifest.json").unlink()
    with (folder / "firewall-rules.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"leaked;{password}\r\n")
    return folder


def test_a_run_stopped_before_its_findings_is_bundled_and_its_zip_not_called_forged(
    sample_copy: Path, tmp_path: Path
) -> None:
    """A reliability engineer's look: a run stopped (a cancelled CI job's SIGTERM; a full
    disk or a kill ends a run the same way) before it wrote ``findings.json`` is the run
    support needs most, and ``bundle`` refused it as "not a run folder"; made, its zip
    (which carries no INCOMPLETE marker) was said to have had records removed and its chain
    recomputed, as a forged trail is."""
    import signal

    from tests.test_run import notebooks_with, run_in_step_2

    slow = notebooks_with(tmp_path, "02_contact_points", "import time\ntime.sleep(60)")
    proc = run_in_step_2(sample_copy, slow, start_new_session=True)
    proc.send_signal(signal.SIGTERM)
    rest = proc.stdout.read()
    assert proc.wait(timeout=90) == 130, rest
    folder = next((sample_copy / "runs" / "test").glob("2*"))
    assert not (folder / "findings.json").exists()
    r = cli("bundle", str(folder), cwd=sample_copy)
    assert r.returncode == 0, r.stderr
    assert "the folder does not verify" in r.stderr
    got = members(Path(r.stdout.strip()))
    assert {"summary.json", "README.txt", "audit.jsonl", "manifest.json"} <= set(got)
    summary = json.loads(got["summary.json"])
    assert summary["findings"].startswith("not written: the run ended before its findings")
    assert summary["audit_verify"]["intact"] is False
    v = cli("audit", "verify", r.stdout.strip())
    assert v.returncode == 1, v.stdout + v.stderr
    assert "'interrupted'" in v.stdout
    assert "records were removed" not in v.stdout + v.stderr
    # a folder with no trail of a run is still no run folder
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "audit.jsonl").write_text('{"event": "note"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not a run folder"):
        make_bundle(tmp_path / "other")
