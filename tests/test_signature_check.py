"""``audit verify``'s signature checks (documents/signature_check.py) on folders sealed here
with a seal made in the test: intact seals pass, a changed byte, a garbage or an attached
signature, a seal by another certificate, a PDF changed or extended after signing each give
one line naming the file; a hostile manifest never leads outside the folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from ngdpkit.documents.signature_check import (
    BrokenSignature,
    check_pdf,
    check_seal,
    verify_detached,
)
from ngdpkit.documents.signing import seal_manifest, sign_detached, sign_pdf
from tests.test_signing import Issued, _blank_pdf, _sealer, pki  # noqa: F401  (a fixture)


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory, pki: dict[str, Issued]) -> dict[str, Any]:  # noqa: F811
    """A folder with manifest.json, its seal and a signed PDF (read it; copy it to change it)."""
    folder = tmp_path_factory.mktemp("sealed")
    sealer = _sealer(tmp_path_factory.mktemp("seal"), pki, None)
    pdf = _blank_pdf(folder / "signoff.pdf")
    assert sign_pdf(sealer, pdf) == ""
    seal = pki["seal"].cert.public_bytes(serialization.Encoding.DER)
    manifest = {
        "files": {"signoff.pdf": hashlib.sha256(pdf.read_bytes()).hexdigest()},
        "signed_by": "CN=Konsulenthuset seal",
        "signer_sha256": hashlib.sha256(seal).hexdigest(),
        "signed_files": ["signoff.pdf"],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    seal_manifest(sealer, folder / "manifest.json")
    return {"folder": folder, "manifest": manifest, "sealer": sealer}


def copy(sealed: dict[str, Any], tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(sealed["folder"], tmp_path / "copy"))


def check(folder: Path) -> Any:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return check_seal(folder, manifest)


def test_an_intact_seal_and_pdf_pass_and_say_who(sealed: dict[str, Any]) -> None:
    result = check(sealed["folder"])
    assert result.problems == ()
    seal_note, pdf_note = result.notes
    assert "manifest.json.p7s: signature intact, sealed by" in seal_note
    assert "CN=Konsulenthuset seal" in seal_note
    assert "does not chain to the bundled OCES3 roots" in seal_note  # a seal of its own
    assert pdf_note.startswith("signoff.pdf: PAdES signature intact over the whole file")
    assert "no timestamp" in pdf_note


def test_an_unsealed_folder_has_nothing_to_say(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{}")
    assert check_seal(tmp_path, {}) == check_seal(tmp_path, None)
    assert check_seal(tmp_path, {}).problems == () and check_seal(tmp_path, {}).notes == ()


def test_a_seal_claimed_but_missing_or_a_link(sealed: dict[str, Any], tmp_path: Path) -> None:
    folder = copy(sealed, tmp_path)
    (folder / "manifest.json.p7s").unlink()
    (problem,) = check(folder).problems[:1]
    assert problem == (
        "manifest.json.p7s is missing: the manifest says the folder is sealed by "
        "CN=Konsulenthuset seal"
    )
    # a link in its place (to a signature that does verify) is no seal
    (folder / "manifest.json.p7s").symlink_to(sealed["folder"] / "manifest.json.p7s")
    assert check(folder).problems[0].startswith("manifest.json.p7s is missing")


def test_one_changed_byte_of_the_manifest(sealed: dict[str, Any], tmp_path: Path) -> None:
    folder = copy(sealed, tmp_path)
    data = (folder / "manifest.json").read_bytes()
    (folder / "manifest.json").write_bytes(data.replace(b"signoff", b"signofF", 1))
    manifest = json.loads(data)
    result = check_seal(folder, manifest)
    assert result.problems == (
        "manifest.json.p7s: the manifest's bytes are not the ones signed (digest mismatch)",
    )


def test_a_seal_by_another_certificate(
    sealed: dict[str, Any],
    tmp_path: Path,
    pki: dict[str, Issued],  # noqa: F811
) -> None:
    folder = copy(sealed, tmp_path)
    other = pki["other"].cert.public_bytes(serialization.Encoding.DER)
    manifest = {**sealed["manifest"], "signer_sha256": hashlib.sha256(other).hexdigest()}
    (problem,) = check_seal(folder, manifest).problems
    assert problem.endswith("not by the certificate the manifest names")
    assert "CN=Konsulenthuset seal" in problem


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00" * 10, b"0\x82\xff\xff", b"-----BEGIN PKCS7-----\n", b"\x30\x03\x06\x01\x00"],
)
def test_a_garbage_signature_is_one_line(
    sealed: dict[str, Any], tmp_path: Path, garbage: bytes
) -> None:
    folder = copy(sealed, tmp_path)
    (folder / "manifest.json.p7s").write_bytes(garbage)
    (problem,) = check(folder).problems
    assert problem.startswith(
        (
            "manifest.json.p7s: not a readable CMS signature (",
            "manifest.json.p7s: not a CMS SignedData",
        )
    )
    assert "\n" not in problem and "Traceback" not in problem


def test_an_oversized_signature_is_not_read(sealed: dict[str, Any], tmp_path: Path) -> None:
    folder = copy(sealed, tmp_path)
    with (folder / "manifest.json.p7s").open("ab") as fh:
        fh.truncate(2 * 1024 * 1024)
    assert check(folder).problems == ("manifest.json.p7s cannot be read",)


def test_an_attached_signature_or_other_content_types(sealed: dict[str, Any]) -> None:
    from asn1crypto import cms

    content = b'{"files": {}}'
    sealer = sealed["sealer"]
    detached = sign_detached(sealer, content)
    assert verify_detached(detached, content).intact
    with pytest.raises(BrokenSignature, match="digest mismatch"):
        verify_detached(detached, content + b" ")
    attached = cms.ContentInfo.load(detached)
    attached["content"]["encap_content_info"]["content"] = content
    with pytest.raises(BrokenSignature, match="not a detached signature"):
        verify_detached(attached.dump(force=True), content)
    data = cms.ContentInfo({"content_type": "data", "content": b"x"}).dump()
    with pytest.raises(BrokenSignature, match="not a CMS SignedData"):
        verify_detached(data, content)


def test_a_pdf_changed_or_extended_after_signing(sealed: dict[str, Any], tmp_path: Path) -> None:
    good = (sealed["folder"] / "signoff.pdf").read_bytes()
    pdf = tmp_path / "signoff.pdf"
    # an incremental update after the signature: intact, but not the whole file
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(good), strict=False)
    writer.root["/Lang"] = generic.pdf_string("da")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    pdf.write_bytes(out.getvalue())
    problem, note = check_pdf(pdf, "signoff.pdf")
    assert problem == (
        "signoff.pdf: the signature does not cover the whole file (something was added after it)"
    )
    assert note == ""
    # a byte inside the signed range
    at = good.index(b"/MediaBox")
    pdf.write_bytes(good[:at] + b"/MediaBoX" + good[at + 9 :])
    problem, _ = check_pdf(pdf, "signoff.pdf")
    assert problem.startswith("signoff.pdf: ")
    assert "digest mismatch" in problem or "cannot be read" in problem


def test_a_pdf_missing_unsigned_or_garbage(tmp_path: Path) -> None:
    assert check_pdf(tmp_path / "gone.pdf", "gone.pdf")[0] == (
        "gone.pdf is missing: the manifest says it carries a signature"
    )
    unsigned = _blank_pdf(tmp_path / "u.pdf")
    assert check_pdf(unsigned, "u.pdf")[0] == (
        "u.pdf carries no signature, although the manifest says it is signed"
    )
    (tmp_path / "g.pdf").write_bytes(b"%PDF-1.7\n garbage \x00\xff")
    problem, _ = check_pdf(tmp_path / "g.pdf", "g.pdf")
    assert problem.startswith("g.pdf: its signature cannot be read (") or "no signature" in problem
    assert "\n" not in problem


def test_a_hostile_manifest_never_leads_outside_the_folder(
    sealed: dict[str, Any], tmp_path: Path
) -> None:
    folder = copy(sealed, tmp_path)
    outside = _blank_pdf(tmp_path / "outside.pdf")  # unsigned: checking it would be a problem
    manifest = {
        **sealed["manifest"],
        "signed_files": ["../outside.pdf", str(outside), "", 7, {"x": 1}, "signoff.pdf"],
    }
    # the seal no longer matches these bytes, but the PDFs named are the point here
    result = check_seal(folder, manifest)
    assert not any("outside" in p for p in result.problems + result.notes)
    assert any(n.startswith("signoff.pdf: PAdES") for n in result.notes)
