"""A security tester's look at text no file can hold: lone surrogates (U+D800 to U+DFFF outside a pair). JSON's
``"\\ud800"`` escape parses to one, and so does a command-line byte that is not UTF-8; no
file, page or console can hold one as UTF-8, and writing one raised ``UnicodeEncodeError``.
One in a server's evidence file, a contact-point JSON file or a hand-written line of
``confirmations.jsonl`` crashed ``check`` and ``run`` (exit 3), and ``confirm --by`` with a
byte that is not UTF-8 crashed after creating an empty ``confirmations.jsonl``. Text read from
an input now shows one as a reader does (U+FFFD); a name or note of a confirmation holding one
is refused; a path holding one is exit 2 in one line. And a zip (a workbook, a support bundle)
whose member name is flagged UTF-8 but is not: Python's zipfile raised UnicodeDecodeError
opening it, and ``check``, ``run`` and ``audit verify`` crashed (exit 3)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from ngdpkit.checks.evidence import GENESIS, _hash, append_confirmation, read_confirmations
from ngdpkit.errors import InputError
from tests.conftest import cli

LONE = ("\ud800", "\udcff", "\udfff")


def _encodes(value: Any) -> None:
    """``value`` (and every string in it) can be written as UTF-8, as every output is."""
    json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")


def _evidence(path: Path, **fields: Any) -> Path:
    data = {
        "schema": "ngdpkit/server-check/1",
        "server": "WZWEB01",
        "taken_at": "2026-12-01T10:00:00Z",
        "environment": "test",
        "checks": [],
        **fields,
    }
    path.write_text(json.dumps(data), encoding="utf-8")  # ensure_ascii: "\ud800" escapes
    return path


@pytest.mark.parametrize("lone", LONE)
def test_an_evidence_file_with_a_lone_surrogate_is_read_with_it_replaced(
    tmp_path: Path, lone: str
) -> None:
    from ngdpkit.deliverables.servercheck import read_evidence

    path = _evidence(
        tmp_path / "ev.json",
        server="WZWEB01" + lone,
        egress_ip="198.51.100.7" + lone,
        checks=[
            {"kind": "dns", "target": "a" + lone + "b", "detail": "\x00x" + lone, "ok": False},
            {"kind": "tcp" + lone, "target": "t", "detail": "d", "ok": False, lone: lone},
        ],
    )
    raw = path.read_text(encoding="utf-8")
    assert "\\ud" in raw and lone not in raw  # the file holds the escape, as JSON may
    summary, found = read_evidence(
        path, label="ev.json", environment="test", registered_ips=("198.51.100.7",)
    )
    assert found, "the failed checks are findings"
    _encodes(summary)
    for finding in found:
        _encodes(finding.to_dict())
        assert lone not in finding.message
    dns = next(f for f in found if "a\ufffdb" in f.message)
    assert "WZWEB01\ufffd" in dns.message


def test_an_evidence_file_with_an_escaped_surrogate_pair_keeps_its_character(
    tmp_path: Path,
) -> None:
    from ngdpkit.deliverables.servercheck import read_evidence

    path = _evidence(
        tmp_path / "ev.json", checks=[{"kind": "dns", "target": "x", "detail": "🙂", "ok": False}]
    )
    assert "\\ud83d\\ude42" in path.read_text(encoding="utf-8")
    _, found = read_evidence(path, label="ev.json", environment="test", registered_ips=())
    assert any("🙂" in f.message for f in found)


def test_check_reads_an_evidence_file_with_a_lone_surrogate(
    sample_copy: Path,
) -> None:
    """The tester's reproduction: ``check`` crashed (exit 3) on ``"target": "a\\ud800b"``."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _evidence(
        sample_copy / "ev.json",
        server="wz-web01-t",
        taken_at=now,
        checks=[{"kind": "dns", "target": "a\ud800b", "detail": "\x00nul\ud83d", "ok": False}],
    )
    settings = sample_copy / "migration.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace(
            'mapping = "mapping-test.xlsx"\n',
            'mapping = "mapping-test.xlsx"\nprobe_evidence = ["ev.json"]\n',
            1,
        ),
        encoding="utf-8",
    )
    r = cli("check", "--settings", str(settings), "--env", "test", "--json")
    assert r.returncode == 1, r.stderr
    assert "crashed" not in r.stderr
    findings = json.loads(r.stdout)["findings"]
    dns = [f for f in findings if f["code"] == "NET_DNS_FAILED"]
    assert dns and "a\ufffdb" in dns[0]["message"]


def test_a_contact_point_json_file_with_a_lone_surrogate_is_read(tmp_path: Path) -> None:
    from ngdpkit.inputs.contact_points import read_contact_points

    path = tmp_path / "cp.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "7f9c69da-044c-5324-b789-212f3097dbac",
                    "name": "Borger\ud800service",
                    "systemId": "5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40\udc00",
                    "targets": ["CITIZEN\udfff"],
                }
            ]
        ),
        encoding="utf-8",
    )
    points = read_contact_points(path, label="cp.json", system_id=None)
    assert [p.name for p in points.points] == ["Borger\ufffdservice"]
    _encodes([str(p) for p in points.points])
    for finding in points.findings:
        _encodes(finding.to_dict())


def _hand_written(path: Path, **fields: Any) -> None:
    record = {
        "environment": "test",
        "step": 1,
        "by": "Mette",
        "at": "2026-12-01T10:00:00Z",
        "note": "",
        "prev": GENESIS,
        **fields,
    }
    record["hash"] = _hash(record)
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")


@pytest.mark.parametrize("field", ["by", "note", "environment", "at"])
def test_a_hand_written_confirmation_with_a_lone_surrogate_counts_for_nothing(
    tmp_path: Path, field: str
) -> None:
    path = tmp_path / "confirmations.jsonl"
    value = {"by": "Mette", "note": "ok", "environment": "test", "at": "2026-12-01T10:00:00Z"}
    _hand_written(path, **{field: value[field] + "\udc00"})
    confirmations, problems = read_confirmations(path)
    assert confirmations == [] or field == "environment"
    if field != "environment":
        assert [p.code for p in problems] == ["CONFIRMATIONS_TAMPERED"]
    for p in problems:
        _encodes(p.to_dict())


def test_a_confirmation_line_whose_hash_no_one_could_compute_is_tampered(tmp_path: Path) -> None:
    """A line holding ``"\\udc00"`` whose hash is any other text: named, never a crash."""
    path = tmp_path / "confirmations.jsonl"
    record = {"environment": "test", "step": 1, "by": "Mette\udc00", "at": "2026-12-01T10:00:00Z"}
    path.write_text(json.dumps({**record, "prev": GENESIS, "hash": "0" * 64}) + "\n")
    confirmations, problems = read_confirmations(path)
    assert confirmations == [] and [p.code for p in problems] == ["CONFIRMATIONS_TAMPERED"]


@pytest.mark.parametrize("lone", LONE)
def test_confirm_refuses_a_lone_surrogate_before_it_creates_the_file(
    tmp_path: Path, lone: str
) -> None:
    path = tmp_path / "confirmations.jsonl"
    with pytest.raises(InputError, match="--by"):
        append_confirmation(path, environment="test", step=1, by="Mette" + lone)
    with pytest.raises(InputError, match="--note"):
        append_confirmation(path, environment="test", step=1, by="Mette", note="x" + lone)
    assert not path.exists()


def test_confirm_with_a_byte_that_is_not_utf8_is_exit_2_in_one_line(sample_copy: Path) -> None:
    """``confirm --by $'Mette\\xff'``: Python reads the byte as U+DCFF; it crashed (exit 3)
    after creating an empty ``confirmations.jsonl``."""
    settings = str(sample_copy / "migration.toml")
    for extra in (("--by", os.fsdecode(b"Mette\xff")), ("--by", "Mette", "--note", "\udcff")):
        r = cli("confirm", "--settings", settings, "--env", "test", "--step", "1", *extra)
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "crashed" not in r.stderr
    assert not (sample_copy / "confirmations.jsonl").exists()


def test_a_settings_path_with_a_byte_that_is_not_utf8_is_exit_2(tmp_path: Path) -> None:
    r = cli("check", "--settings", str(tmp_path / os.fsdecode(b"migration\xff.toml")))
    assert r.returncode == 2
    assert "U+DCFF" in r.stderr and "crashed" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_the_console_writes_a_lone_surrogate_as_the_replacement_character() -> None:
    from ngdpkit.cli import CleanStream

    raw = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    stream = CleanStream(raw)
    stream.write("a\udcffb\n")
    stream.flush()
    raw.seek(0)
    assert raw.read() == "a\ufffdb\n"


@pytest.mark.parametrize(
    "content",
    [b'{"name": "a\\ud800b", "n": 1}', b'{"name": "a\xed\xa0\x80b", "n": 1}'],
    ids=["escape", "bytes"],
)
def test_an_ngdp_answer_with_a_lone_surrogate_is_read_with_it_replaced(content: bytes) -> None:
    from ngdpkit.checks.deadline import answer_json

    data = answer_json(httpx.Response(200, content=content))
    assert data == {"name": "a\ufffdb", "n": 1}


def test_clean_text_replaces_a_lone_surrogate() -> None:
    from ngdpkit.inputs.workbooks import clean_text

    assert clean_text("Borger\ud800service\u200b") == "Borger\ufffdservice"
    assert clean_text("🙂 Ærø") == "🙂 Ærø"


def _zip_with_a_name_that_is_not_utf8(source: Path, target: Path, member: str) -> Path:
    """``source`` (a zip) with the name of ``member`` made bytes that are not UTF-8 while its
    headers say UTF-8 (flag bit 11), as a hand-made or damaged zip can be."""
    import zipfile

    names = zipfile.ZipFile(source).namelist()
    assert member in names
    data = bytearray(source.read_bytes())
    encoded = member.encode()
    at = 0
    while (found := data.find(encoded, at)) >= 0:
        data[found : found + 2] = b"\xff\xfe"
        at = found + 1
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = 0
        while (found := data.find(signature, at)) >= 0:
            flags = int.from_bytes(data[found + offset : found + offset + 2], "little") | 0x800
            data[found + offset : found + offset + 2] = flags.to_bytes(2, "little")
            at = found + 4
    target.write_bytes(bytes(data))
    return target


def test_a_workbook_whose_part_name_is_not_utf8_is_refused_in_one_line(
    sample_copy: Path,
) -> None:
    from ngdpkit.inputs.workbook_bounds import check_unpacked

    export = sample_copy / "mailboxes.xlsx"
    bad = _zip_with_a_name_that_is_not_utf8(export, sample_copy / "bad.xlsx", "xl/styles.xml")
    with pytest.raises(InputError, match="corrupt"):
        check_unpacked(bad, "bad.xlsx")
    bad.replace(export)
    r = cli("check", "--settings", str(sample_copy / "migration.toml"), "--env", "test")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "mailboxes.xlsx: the workbook is corrupt" in r.stderr
    assert "crashed" not in r.stdout + r.stderr


def test_audit_verify_names_a_zip_whose_member_name_is_not_utf8(tmp_path: Path) -> None:
    import zipfile

    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("summary.json", "{}")
        zf.writestr("audit.jsonl", "")
    bad = _zip_with_a_name_that_is_not_utf8(plain, tmp_path / "bundle.zip", "audit.jsonl")
    r = cli("audit", "verify", str(bad))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "bundle.zip: not a zip" in r.stdout + r.stderr
    assert "crashed" not in r.stdout + r.stderr


def test_diff_reads_a_workbook_whose_part_name_is_not_utf8_as_unreadable(
    sample_dir: Path, tmp_path: Path
) -> None:
    """A run folder's workbook with such a name (planted: the folder is writable) is one whose
    content cannot be compared, never a crash of ``diff`` or the next run."""
    from ngdpkit.compare.diff import _workbook_content

    bad = _zip_with_a_name_that_is_not_utf8(
        sample_dir / "mailboxes.xlsx", tmp_path / "mailbox-mapping.xlsx", "xl/styles.xml"
    )
    assert _workbook_content(bad) is None
    assert _workbook_content(bad, deep=True) is None
    assert _workbook_content(sample_dir / "mailboxes.xlsx") is not None


def test_the_leak_scan_counts_a_zip_it_cannot_open_as_holding_every_secret(
    sample_dir: Path, tmp_path: Path
) -> None:
    """What the scan cannot read cannot be shown free of a secret (as an encrypted part)."""
    from ngdpkit.run.scan import needles, scan_bytes

    bad = _zip_with_a_name_that_is_not_utf8(
        sample_dir / "mailboxes.xlsx", tmp_path / "x.xlsx", "xl/styles.xml"
    )
    pins = needles({"NGDPKIT_TEST_CERT_PASSWORD": ["Hemmelig-Kode-123"]})
    assert scan_bytes("x.xlsx", bad.read_bytes(), pins) == ["NGDPKIT_TEST_CERT_PASSWORD"]
    plain = (sample_dir / "mailboxes.xlsx").read_bytes()
    assert scan_bytes("mailboxes.xlsx", plain, pins) == []
