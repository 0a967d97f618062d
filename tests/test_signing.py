"""Signed records (contract §12.5): ``[signing]`` seals every run, rehearsal and comparison
folder with ``manifest.json.p7s`` and signs ``signoff.pdf`` (PAdES, with an RFC 3161
timestamp from a local time-stamping service built here). Everything is verified with tools
other than the kit (``openssl cms -verify``, pyHanko, the pyHanko CLI) and with ``audit
verify``; certificates are made in the test, and nothing reaches beyond loopback."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ngdpkit.documents.signoff import find_browser
from ngdpkit.errors import InputError
from ngdpkit.redact import encodings
from ngdpkit.settings import Signing, load_settings
from tests.conftest import cli, run_cli
from tests.loopback import LoopbackServer

PASSWORD = "seal-Pa55word-ÆØÅ-7f3c"  # unusual enough that any hit is a leak
SEAL_VAR = "NGDPKIT_SEAL_PASSWORD"
NOW = dt.datetime.now(dt.UTC)
needs_browser = pytest.mark.skipif(find_browser() is None, reason="no Chromium, Chrome or Edge")
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")


# --- certificates, made here --------------------------------------------------------------


class Issued:
    def __init__(self, cert: x509.Certificate, key: Any) -> None:
        self.cert, self.key = cert, key

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def p12(self, password: str | None, chain: tuple[Issued, ...] = ()) -> bytes:
        enc = (
            serialization.BestAvailableEncryption(password.encode())
            if password
            else serialization.NoEncryption()
        )
        return pkcs12.serialize_key_and_certificates(
            b"seal", self.key, self.cert, [c.cert for c in chain] or None, enc
        )


def issue(
    name: str,
    *,
    issuer: Issued | None = None,
    key: Any = None,
    not_before: dt.datetime | None = None,
    days: float = 365,
    ca: bool = False,
    time_stamping: bool = False,
) -> Issued:
    """A CA, a seal certificate (digitalSignature and nonRepudiation, as a seal is used) or a
    time-stamping certificate (id-kp-timeStamping, critical, as RFC 3161 demands)."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Konsulenthuset A/S (test)"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    start = not_before or NOW - dt.timedelta(days=1)
    signer = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca and not time_stamping,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return Issued(builder.sign(signer, hashes.SHA256()), key)


@pytest.fixture(scope="module")
def pki() -> dict[str, Issued]:
    root = issue("Test seal root", ca=True, days=3650, not_before=NOW - dt.timedelta(days=30))
    return {
        "root": root,
        "seal": issue("Konsulenthuset seal", issuer=root),
        "ec": issue(
            "Konsulenthuset EC seal", issuer=root, key=ec.generate_private_key(ec.SECP256R1())
        ),
        "other": issue("Another seal", issuer=root),
        "expired": issue(
            "Expired seal", issuer=root, not_before=NOW - dt.timedelta(days=20), days=10
        ),
        "future": issue("Future seal", issuer=root, not_before=NOW + dt.timedelta(days=10)),
        "tsa": issue("Test TSA", issuer=root, time_stamping=True),
    }


# --- a local RFC 3161 time-stamping service -----------------------------------------------


Answer = Callable[[bytes, Any], None]  # (request body, handler) -> writes the answer


class Service:
    """An HTTP server on 127.0.0.1 whose every POST is answered by ``answer``."""

    def __init__(self, answer: Answer) -> None:
        self.requests = 0
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                service.requests += 1
                try:
                    answer(body, self)
                except OSError:
                    pass  # the client hung up at its deadline

            def log_message(self, *args: Any) -> None:
                pass

        self.server = LoopbackServer(Handler)
        self.url = f"http://127.0.0.1:{self.server.port}/tsa"

    def close(self) -> None:
        self.server.close()


class TimestampService(Service):
    """A time-stamping service on 127.0.0.1 that reads each TimeStampReq with asn1crypto and
    answers with pyHanko's DummyTimeStamper, signing as the test TSA; or, with ``fail``,
    answers HTTP 500; ``requests`` counts what it received."""

    def __init__(self, tsa: Issued, root: Issued) -> None:
        from asn1crypto import keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        der = serialization.Encoding.DER
        self.stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(tsa.cert.public_bytes(der)),
            tsa_key=keys.PrivateKeyInfo.load(
                tsa.key.private_bytes(
                    der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
            certs_to_embed=[asn1_x509.Certificate.load(root.cert.public_bytes(der))],
        )
        self.fail = False
        super().__init__(self._stamp)

    def _stamp(self, body: bytes, handler: Any) -> None:
        from asn1crypto import tsp

        if self.fail:
            handler.send_response(500)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        answer = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/timestamp-reply")
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)


@pytest.fixture(scope="module")
def tsa(pki: dict[str, Issued]) -> Iterator[TimestampService]:
    service = TimestampService(pki["tsa"], pki["root"])
    yield service
    service.close()


# --- helpers ------------------------------------------------------------------------------


def with_signing(
    sample: Path,
    seal: bytes,
    *,
    timestamp_url: str | None = None,
    password_env: str | None = SEAL_VAR,
) -> Path:
    """The sample's settings with ``[signing]`` and ``seal.p12`` beside them."""
    (sample / "seal.p12").write_bytes(seal)
    toml = sample / "migration.toml"
    lines = ["", "[signing]", 'certificate = "seal.p12"']
    if password_env:
        lines.append(f'certificate_password_env = "{password_env}"')
    if timestamp_url:
        lines.append(f'timestamp_url = "{timestamp_url}"')
    toml.write_text(toml.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    return toml


def copy_sample(sample_dir: Path, target: Path) -> Path:
    shutil.copytree(sample_dir, target, ignore=shutil.ignore_patterns("runs"))
    return target


def run_folder(result: subprocess.CompletedProcess[str]) -> Path:
    """The run folder a ``run`` printed last."""
    return Path([line for line in result.stdout.splitlines() if line.strip()][-1].strip())


def openssl_verify(folder: Path, root_pem: Path) -> subprocess.CompletedProcess[str]:
    """The contract's command, verbatim."""
    return subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(folder / "manifest.json.p7s"),
            "-content", str(folder / "manifest.json"),
            "-CAfile", str(root_pem), "-purpose", "any", "-out", "/dev/null",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


def validation_context(root: Issued) -> Any:
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    der = root.cert.public_bytes(serialization.Encoding.DER)
    return ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)], allow_fetching=False)


def pdf_statuses(data: bytes, root: Issued) -> list[Any]:
    """pyHanko's validation of every signature in the PDF, trusting the test root."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return [validate_pdf_signature(s, validation_context(root)) for s in reader.embedded_signatures]


# What reading and validating a damaged PDF raises: pyHanko's own errors (a PDF that does not
# parse, a signature that does not validate) and what its parsers raise on garbage. A bug in
# the test (NameError, AttributeError, …) is none of these and fails it.
def _unreadable() -> tuple[type[BaseException], ...]:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.general import CMSExtractionError, CMSStructuralError
    from pyhanko.sign.validation.errors import SignatureValidationError

    return (
        PdfError,
        SignatureValidationError,
        CMSExtractionError,
        CMSStructuralError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        UnicodeDecodeError,
    )


def pdf_signature_holds(data: bytes, root: Issued) -> bool:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        statuses = pdf_statuses(data, root)
    except _unreadable():  # a flipped byte that breaks the file: the signature does not hold
        return False
    return bool(statuses) and all(
        s.intact and s.valid and s.coverage == SignatureCoverageLevel.ENTIRE_FILE for s in statuses
    )


def positions(size: int, count: int = 40) -> list[int]:
    """``count`` positions spread over a file of ``size`` bytes, plus its first and last."""
    return sorted(
        {0, size - 1, *(round(i * (size - 1) / (count + 1)) for i in range(1, count + 1))}
    )


def flipped(path: Path, pos: int) -> bytes:
    """Flip the lowest bit of byte ``pos`` in place; returns the original bytes."""
    original = path.read_bytes()
    data = bytearray(original)
    data[pos] ^= 0x01
    path.write_bytes(bytes(data))
    return original


def leaked(text: str | bytes, secret: str) -> list[str]:
    """The forms of ``secret`` (every encoding the leak scan knows) found in ``text``."""
    blob = text.encode("utf-8") if isinstance(text, str) else text
    return [f for f in encodings(secret) if f.encode("utf-8") in blob]


def all_bytes(folder: Path) -> bytes:
    """Every file of a folder, workbooks unzipped (their XML is where text would sit)."""
    import zipfile

    out = []
    for p in folder.rglob("*"):
        if not p.is_file():
            continue
        data = p.read_bytes()
        out.append(data)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                out += [zf.read(n) for n in zf.namelist()]
    return b"\n".join(out)


# --- a sealed run: manifest.json.p7s and signoff.pdf --------------------------------------


@pytest.fixture(scope="module")
def sealed(
    tmp_path_factory: pytest.TempPathFactory,
    sample_dir: Path,
    pki: dict[str, Issued],
    tsa: TimestampService,
) -> dict[str, Any]:
    """One ``run --pdf`` (when a browser exists) of the sample's test environment, sealed by
    the test seal with its chain, timestamped by the local service."""
    base = tmp_path_factory.mktemp("sealed")
    sample = copy_sample(sample_dir, base / "sample")
    toml = with_signing(
        sample, pki["seal"].p12(PASSWORD, chain=(pki["root"],)), timestamp_url=tsa.url
    )
    root_pem = base / "root.pem"
    root_pem.write_bytes(pki["root"].pem())
    pdf = ["--pdf"] if find_browser() else []
    result = run_cli(
        "run", "--settings", str(toml), "--env", "test", *pdf, env={SEAL_VAR: PASSWORD}
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return {
        "folder": run_folder(result),
        "root_pem": root_pem,
        "result": result,
        "sample": sample,
        "pdf": bool(pdf),
    }


@needs_openssl
def test_a_sealed_run_verifies_with_openssl(sealed: dict[str, Any]) -> None:
    folder = sealed["folder"]
    assert (folder / "manifest.json.p7s").is_file()
    r = openssl_verify(folder, sealed["root_pem"])
    assert r.returncode == 0, r.stderr
    assert "Verification successful" in r.stderr
    if shutil.which("jq") and shutil.which("sha256sum") and shutil.which("sh"):
        # docs/security.md's second step: every file against the (sealed) manifest
        files = subprocess.run(
            ["sh", "-c", """jq -r '.files[] | "\\(.sha256)  \\(.path)"' manifest.json | sha256sum -c -"""],
            cwd=folder, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert files.returncode == 0, files.stdout + files.stderr
        assert "signoff/index.html: OK" in files.stdout


def test_the_manifest_records_the_seal_and_the_cms_is_what_the_contract_says(
    sealed: dict[str, Any], pki: dict[str, Issued]
) -> None:
    from asn1crypto import cms

    folder = sealed["folder"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["signature_file"] == "manifest.json.p7s"
    assert "CN=Konsulenthuset seal" in manifest["signed_by"]
    assert manifest["signed_files"] == (["signoff/signoff.pdf"] if sealed["pdf"] else [])
    # the seal is not listed in what it signs
    assert "manifest.json.p7s" not in {f["path"] for f in manifest["files"]}
    info = cms.ContentInfo.load((folder / "manifest.json.p7s").read_bytes())
    assert info["content_type"].native == "signed_data"
    signed = info["content"]
    assert signed["encap_content_info"]["content"].native is None  # detached
    signer = signed["signer_infos"][0]
    assert signer["digest_algorithm"]["algorithm"].native == "sha256"
    assert signer["signature_algorithm"]["algorithm"].native == "rsassa_pss"
    subjects = {c.chosen.subject.native["common_name"] for c in signed["certificates"]}
    assert subjects == {"Konsulenthuset seal", "Test seal root"}  # the signer and its chain
    # the signed document says who seals it, beside the signatures
    page = (folder / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "forsegles elektronisk af" in page and "Konsulenthuset seal" in page
    assert "Ankeret låser kørslens leverancer" not in page  # the seal covers the pages too


def test_a_sealed_run_verifies_with_pyhanko_and_audit_verify(
    sealed: dict[str, Any], pki: dict[str, Issued]
) -> None:
    import asyncio

    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

    folder = sealed["folder"]
    info = cms.ContentInfo.load((folder / "manifest.json.p7s").read_bytes())
    status = asyncio.run(
        async_validate_detached_cms(
            (folder / "manifest.json").read_bytes(),
            info["content"],
            signer_validation_context=validation_context(pki["root"]),
        )
    )
    assert status.intact and status.valid and status.trusted
    r = cli("audit", "verify", str(folder))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "manifest.json.p7s: signature intact, sealed by CN=Konsulenthuset seal" in r.stdout
    assert "does not chain to the bundled OCES3 roots" in r.stdout  # a seal of its own
    assert "Traceback" not in r.stdout + r.stderr


@needs_browser
def test_the_pdf_carries_a_pades_signature_with_a_valid_timestamp(
    sealed: dict[str, Any], pki: dict[str, Issued], tsa: TimestampService
) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    pdf = (sealed["folder"] / "signoff" / "signoff.pdf").read_bytes()
    sig = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    (status,) = pdf_statuses(pdf, pki["root"])
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"
    ts = status.timestamp_validity
    assert ts is not None and ts.intact and ts.valid and ts.trusted
    assert abs((ts.timestamp - dt.datetime.now(dt.UTC)).total_seconds()) < 3600
    assert tsa.requests >= 1
    r = cli("audit", "verify", str(sealed["folder"]))
    assert "signoff/signoff.pdf: PAdES signature intact over the whole file" in r.stdout
    assert "timestamped" in r.stdout and "CN=Test TSA" in r.stdout
    # the whole document still has its pages (the signature is an incremental update)
    assert len(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Kids"]) >= 1


@needs_browser
def test_the_console_names_the_sealed_pdfs_own_page_count(sealed: dict[str, Any]) -> None:
    """The console's page count comes from the printing now, not from a read of the file
    the seal wrote: it is still the count of that file, the sealed one the console names."""
    from pypdf import PdfReader

    from ngdpkit.documents.i18n import count

    pdf = sealed["folder"] / "signoff" / "signoff.pdf"
    assert b"/ByteRange" in pdf.read_bytes()  # the sealed file, not the printed one
    pages = len(PdfReader(str(pdf)).pages)
    said = [x for x in sealed["result"].stdout.splitlines() if x.startswith("  PDF: ")]
    assert said == [f"  PDF: signoff/signoff.pdf, {count('da', pages, 'page')}"]


@needs_browser
def test_the_readme_command_validates_the_pdf_without_the_kit(sealed: dict[str, Any]) -> None:
    """``pyhanko sign validate`` (the ``pyhanko-cli`` package), as docs/security.md shows it."""
    cli = Path(sys.executable).with_name("pyhanko")
    if not cli.exists():
        pytest.skip("pyhanko-cli is not installed")
    r = subprocess.run(
        [str(cli), "sign", "validate", "--pretty-print", "--trust", str(sealed["root_pem"]),
         "--trust-replace", "signoff/signoff.pdf"],
        cwd=sealed["folder"], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "The signature is judged VALID" in r.stdout


def _copy_of(folder: Path, target: Path) -> Path:
    shutil.copytree(folder, target)
    return target


BROKEN = "manifest.json.p7s: the manifest's bytes are not the ones signed (digest mismatch)"


@needs_openssl
def test_any_changed_byte_of_the_manifest_breaks_openssl_and_audit_verify(
    sealed: dict[str, Any], tmp_path: Path
) -> None:
    from ngdpkit.run.audit import verify

    folder = _copy_of(sealed["folder"], tmp_path / "run")
    manifest = folder / "manifest.json"
    assert verify(folder).ok
    for pos in positions(manifest.stat().st_size):
        original = flipped(manifest, pos)
        try:
            assert openssl_verify(folder, sealed["root_pem"]).returncode != 0, pos
            verdict = verify(folder)
            assert not verdict.ok, pos
            assert BROKEN in verdict.problems, (pos, verdict.problems)
        finally:
            manifest.write_bytes(original)
    r = cli("audit", "verify", str(folder))
    assert r.returncode == 0, r.stdout  # restored: intact again


@needs_browser
def test_any_changed_byte_of_the_pdf_breaks_pyhanko_and_audit_verify(
    sealed: dict[str, Any], pki: dict[str, Issued], tmp_path: Path
) -> None:
    """pyHanko guards the signed byte ranges: every position outside the signature's own
    /Contents (whose unsigned parts, such as the embedded chain and the zero padding, CMS
    does not cover). ``audit verify`` catches every position, /Contents too: the manifest
    pins the PDF's SHA-256, and the seal pins the manifest."""
    from ngdpkit.run.audit import verify

    folder = _copy_of(sealed["folder"], tmp_path / "run")
    pdf = folder / "signoff" / "signoff.pdf"
    data = pdf.read_bytes()
    contents = re.search(rb"/Contents\s*<([0-9A-Fa-f]+)>", data)
    assert contents is not None
    inside = range(contents.start(1) - 1, contents.end(1) + 1)
    assert pdf_signature_holds(data, pki["root"])
    checked = 0
    for pos in positions(len(data)) + [contents.start(1) + 10, contents.end(1) - 10]:
        original = flipped(pdf, pos)
        try:
            if pos not in inside:
                assert not pdf_signature_holds(pdf.read_bytes(), pki["root"]), pos
                checked += 1
            verdict = verify(folder)
            assert not verdict.ok and any("signoff/signoff.pdf" in p for p in verdict.problems), pos
        finally:
            pdf.write_bytes(original)
    assert checked >= 40
    r = cli("audit", "verify", str(folder))
    assert r.returncode == 0, r.stdout


def test_a_manifest_resealed_and_rehashed_is_still_caught_when_the_pdf_signature_breaks(
    sealed: dict[str, Any], pki: dict[str, Issued], tmp_path: Path
) -> None:
    """Whoever can write the folder and holds *a* seal may rewrite everything; the signer's
    name then changes (audit verify prints it) and a PDF whose signed bytes changed still
    fails on its own signature."""
    if not sealed["pdf"]:
        pytest.skip("no browser: no PDF")
    from ngdpkit.documents.signing import open_seal, seal_manifest
    from ngdpkit.run.audit import file_digest, verify
    from ngdpkit.secrets import Secret

    folder = _copy_of(sealed["folder"], tmp_path / "run")
    pdf = folder / "signoff" / "signoff.pdf"
    flipped(pdf, 100)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == "signoff/signoff.pdf":
            entry["size"], entry["sha256"] = file_digest(pdf)
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    (tmp_path / "other.p12").write_bytes(pki["other"].p12("x" * 12))
    other, found = open_seal(
        Signing(tmp_path / "other.p12", "V"), label="other.p12", password=Secret("V", "x" * 12)
    )
    assert other is not None and not found
    seal_manifest(other, manifest_path)
    problems = verify(folder).problems
    assert any("not by the certificate the manifest names" in p for p in problems)
    assert any(p.startswith("signoff/signoff.pdf: ") for p in problems), problems


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage" * 10, b"\x30\x82\xff\xff" + b"\x00" * 40, b"0" * 5000],
    ids=["empty", "text", "broken-der", "zeros"],
)
def test_a_garbage_signature_is_one_line_and_exit_1(
    sealed: dict[str, Any], tmp_path: Path, content: bytes
) -> None:
    folder = _copy_of(sealed["folder"], tmp_path / "run")
    (folder / "manifest.json.p7s").write_bytes(content)
    r = cli("audit", "verify", str(folder))
    assert r.returncode == 1
    assert "Traceback" not in r.stdout + r.stderr
    lines = [x for x in r.stdout.splitlines() if x.startswith("NOT INTACT: manifest.json.p7s")]
    assert len(lines) == 1, r.stdout
    assert r.stderr.strip() == ""


def test_a_deleted_seal_or_a_signature_over_other_bytes_fails(
    sealed: dict[str, Any], pki: dict[str, Issued], tmp_path: Path
) -> None:
    from ngdpkit.documents.signing import open_seal, sign_detached
    from ngdpkit.run.audit import verify
    from ngdpkit.secrets import Secret

    folder = _copy_of(sealed["folder"], tmp_path / "gone")
    (folder / "manifest.json.p7s").unlink()
    problems = verify(folder).problems
    assert any(
        p.startswith("manifest.json.p7s is missing: the manifest says the folder is sealed by")
        for p in problems
    ), problems
    folder = _copy_of(sealed["folder"], tmp_path / "other-bytes")
    (tmp_path / "seal.p12").write_bytes(pki["seal"].p12(PASSWORD))
    sealer, _ = open_seal(
        Signing(tmp_path / "seal.p12", SEAL_VAR),
        label="seal.p12",
        password=Secret(SEAL_VAR, PASSWORD),
    )
    assert sealer is not None
    (folder / "manifest.json.p7s").write_bytes(sign_detached(sealer, b"another manifest"))
    assert BROKEN in verify(folder).problems


@needs_openssl
def test_a_seal_removed_with_its_names_in_the_manifest_is_seen_by_status_too(
    sealed: dict[str, Any], tmp_path: Path
) -> None:
    """``manifest.json.p7s`` deleted and ``signed_by``/``signer_sha256`` taken out of the
    manifest (which the trail does not pin): the folder read as never sealed to status and
    to a new run's view of the run before, while the trail's anchor names the seal and
    ``audit verify`` says so. The cheap half of the seal check is part of ``verify_files``."""
    from ngdpkit.run.audit import verify, verify_files

    folder = _copy_of(sealed["folder"], tmp_path / "unsealed")
    assert not verify_files(folder, ("findings.json",)).problems
    (folder / "manifest.json.p7s").unlink()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("signed_by", None)
    manifest.pop("signer_sha256", None)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    said = "the audit trail says the folder is sealed by the certificate with SHA-256"
    assert any(p.startswith(said) for p in verify(folder).problems)
    checked = verify_files(folder, ("findings.json",))
    assert checked.problems and checked.problems[0].startswith(said), checked.problems
    assert not checked.contents


# --- the password, a secret ---------------------------------------------------------------


def test_the_password_reaches_no_output_no_console_and_no_kernel(sealed: dict[str, Any]) -> None:
    folder, result = sealed["folder"], sealed["result"]
    assert not leaked(result.stdout + result.stderr, PASSWORD)
    assert not leaked(all_bytes(folder), PASSWORD)
    # the notebooks' kernels started without it: no executed notebook could have seen it
    for nb in (folder / "notebooks").glob("*.ipynb"):
        assert SEAL_VAR not in nb.read_text(encoding="utf-8")


def test_the_kernels_start_without_the_seal_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ngdpkit.run.kernels import Kernels

    monkeypatch.setenv(SEAL_VAR, PASSWORD)
    monkeypatch.setenv("NGDPKIT_KEPT", "kept")
    kernels = Kernels(withheld=(SEAL_VAR,))
    seen: list[dict[str, Any]] = []
    km = kernels.launch(tmp_path, "01_mailboxes")
    try:
        client = km.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(
            "import os; print(repr(os.environ.get('NGDPKIT_SEAL_PASSWORD')), os.environ.get('NGDPKIT_KEPT'))",
            timeout=60,
            output_hook=lambda msg: seen.append(msg),
        )
        assert reply["content"]["status"] == "ok"
    finally:
        kernels.shutdown(km)
        kernels.close()
    text = "".join(m["content"].get("text", "") for m in seen if m["msg_type"] == "stream")
    assert text.strip() == "None kept"


def test_the_child_gets_the_seal_password_and_the_scan_looks_for_it(
    sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ngdpkit.run.parent import child_environ
    from ngdpkit.run.preflight import collect_secrets, wanted
    from ngdpkit.run.scan import environment_secrets

    sample = copy_sample(sample_dir, tmp_path / "sample")
    toml = with_signing(sample, b"not read here")
    settings = load_settings(toml)
    monkeypatch.setenv(SEAL_VAR, PASSWORD)
    for name in settings.environments:
        assert (SEAL_VAR, "[signing] certificate password") in wanted(settings, name)
    secrets = collect_secrets(settings, list(settings.environments), prompt=False)
    for name in settings.environments:
        assert secrets[name][SEAL_VAR] == PASSWORD
        environ = child_environ(settings, name, secrets)
        assert environ[SEAL_VAR] == PASSWORD
        assert PASSWORD in environment_secrets(settings, settings.environment(name))[SEAL_VAR]
    # a parent whose own environment holds it hands it on only through what it collected
    assert SEAL_VAR not in child_environ(settings, "test", {"test": {}})


# --- a certificate that cannot seal -------------------------------------------------------


@pytest.mark.parametrize("case", ["expired", "future", "wrong-password", "corrupt"])
def test_a_certificate_that_cannot_seal_is_a_finding_and_nothing_is_sealed(
    sample_dir: Path, tmp_path: Path, pki: dict[str, Issued], case: str
) -> None:
    seal = {
        "expired": lambda: pki["expired"].p12(PASSWORD),
        "future": lambda: pki["future"].p12(PASSWORD),
        "wrong-password": lambda: pki["seal"].p12("the-right-one-is-different"),
        "corrupt": lambda: pki["seal"].p12(PASSWORD)[:-40] + b"\x00" * 40,
    }[case]()
    sample = copy_sample(sample_dir, tmp_path / "sample")
    toml = with_signing(sample, seal)
    pdf = ["--pdf"] if case == "wrong-password" and find_browser() else []
    r = run_cli("run", "--settings", str(toml), "--env", "test", *pdf, env={SEAL_VAR: PASSWORD})
    assert r.returncode == 1, r.stdout + r.stderr
    folder = run_folder(r)
    found = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    invalid = [f for f in found["findings"] if f["code"] == "SIGNING_CERT_INVALID"]
    assert len(invalid) == 1 and invalid[0]["severity"] == "error", found
    assert found["status"] == "errors"
    assert not (folder / "manifest.json.p7s").exists()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "signed_by" not in manifest
    page = (folder / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "forsegles elektronisk" not in page  # never a folder that looks sealed
    # the consultancy's seal is about the record: the customer's dispatcher is unaffected
    config = json.loads((folder / "dispatcher-config.json").read_text(encoding="utf-8"))
    assert config["ready"] is True and "SIGNING_CERT_INVALID" not in config["blocking"]
    if pdf:
        from pyhanko.pdf_utils.reader import PdfFileReader

        data = (folder / "signoff" / "signoff.pdf").read_bytes()
        assert PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures == []
    assert cli("audit", "verify", str(folder)).returncode == 0  # intact, just not sealed
    # the password, right or wrong, is nowhere
    assert not leaked(r.stdout + r.stderr, PASSWORD)
    assert not leaked(all_bytes(folder), PASSWORD)
    assert "Traceback" not in r.stdout + r.stderr


def test_open_seal_says_why_a_certificate_cannot_seal(
    tmp_path: Path, pki: dict[str, Issued]
) -> None:
    from ngdpkit.documents.signing import open_seal
    from ngdpkit.secrets import Secret

    def opened(data: bytes, password: str | None = PASSWORD, var: str | None = SEAL_VAR) -> Any:
        path = tmp_path / "seal.p12"
        path.write_bytes(data)
        secret = Secret(var or "", password) if password is not None else None
        return open_seal(Signing(path, var), label="seal.p12", password=secret)

    def message(data: bytes, **kw: Any) -> str:
        sealer, found = opened(data, **kw)
        assert sealer is None and [f.code for f in found] == ["SIGNING_CERT_INVALID"]
        assert found[0].severity == "error"
        return found[0].message

    assert "expired on" in message(pki["expired"].p12(PASSWORD))
    assert "valid only from" in message(pki["future"].p12(PASSWORD))
    assert "does not open" in message(pki["seal"].p12("another"))
    assert "cannot be read" in message(b"not a certificate at all")
    assert "not set" in message(pki["seal"].p12(PASSWORD), password=None)
    assert "password protected" in message(pki["seal"].p12(PASSWORD), password=None, var=None)
    public_only = pkcs12.serialize_key_and_certificates(
        b"x", None, None, [pki["seal"].cert], serialization.BestAvailableEncryption(b"pw-pw-pw")
    )
    assert "no private key" in message(public_only, password="pw-pw-pw")
    mismatched = pkcs12.serialize_key_and_certificates(
        b"x", pki["other"].key, None, [pki["seal"].cert], serialization.NoEncryption()
    )
    assert "no private key" in message(mismatched, password=None, var=None)
    sealer, found = opened(pki["ec"].p12(PASSWORD))
    assert sealer is not None and not found
    assert "Konsulenthuset EC seal" in sealer.seal.subject
    assert PASSWORD not in repr(sealer)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(sealer)


@needs_openssl
def test_an_ec_seal_signs_with_ecdsa_and_verifies_with_openssl(
    tmp_path: Path, pki: dict[str, Issued]
) -> None:
    from asn1crypto import cms

    from ngdpkit.documents.signing import open_seal, seal_manifest
    from ngdpkit.secrets import Secret

    (tmp_path / "seal.p12").write_bytes(pki["ec"].p12(PASSWORD, chain=(pki["root"],)))
    sealer, _ = open_seal(
        Signing(tmp_path / "seal.p12", SEAL_VAR),
        label="seal.p12",
        password=Secret(SEAL_VAR, PASSWORD),
    )
    assert sealer is not None
    (tmp_path / "manifest.json").write_text('{"files": []}\n', encoding="utf-8")
    seal_manifest(sealer, tmp_path / "manifest.json")
    (tmp_path / "root.pem").write_bytes(pki["root"].pem())
    assert openssl_verify(tmp_path, tmp_path / "root.pem").returncode == 0
    info = cms.ContentInfo.load((tmp_path / "manifest.json.p7s").read_bytes())
    algo = info["content"]["signer_infos"][0]["signature_algorithm"]["algorithm"].native
    assert algo in ("sha256_ecdsa", "ecdsa")


# --- the time-stamping service, on a PDF made here ----------------------------------------


def _sealer(tmp_path: Path, pki: dict[str, Issued], url: str | None, total_s: float = 5) -> Any:
    from ngdpkit.documents.signing import open_seal
    from ngdpkit.secrets import Secret

    (tmp_path / "seal.p12").write_bytes(pki["seal"].p12(PASSWORD, chain=(pki["root"],)))
    sealer, _ = open_seal(
        Signing(tmp_path / "seal.p12", SEAL_VAR, url),
        label="seal.p12",
        password=Secret(SEAL_VAR, PASSWORD),
        timestamp_s=total_s,
    )
    assert sealer is not None
    return sealer


def _blank_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def test_a_pdf_gets_a_valid_rfc3161_timestamp_from_the_local_service(
    tmp_path: Path, pki: dict[str, Issued], tsa: TimestampService
) -> None:
    from ngdpkit.documents.signing import sign_pdf

    pdf = _blank_pdf(tmp_path / "doc.pdf")
    assert sign_pdf(_sealer(tmp_path, pki, tsa.url), pdf) == ""
    (status,) = pdf_statuses(pdf.read_bytes(), pki["root"])
    assert status.intact and status.valid and status.trusted
    ts = status.timestamp_validity
    assert ts is not None and ts.intact and ts.valid and ts.trusted


def test_a_failing_service_leaves_the_pdf_signed_without_a_timestamp(
    tmp_path: Path, pki: dict[str, Issued], tsa: TimestampService
) -> None:
    from ngdpkit.documents.signing import sign_pdf

    pdf = _blank_pdf(tmp_path / "doc.pdf")
    tsa.fail = True
    try:
        why = sign_pdf(_sealer(tmp_path, pki, tsa.url), pdf)
    finally:
        tsa.fail = False
    assert why == "HTTP status: 500"
    (status,) = pdf_statuses(pdf.read_bytes(), pki["root"])
    assert status.intact and status.valid and status.timestamp_validity is None


def test_a_trickling_service_is_abandoned_at_the_deadline(
    tmp_path: Path, pki: dict[str, Issued]
) -> None:
    """A service that sends a byte a second never trips a read timeout; the deadline holds."""
    from ngdpkit.documents.signing import sign_pdf

    class Trickle(http.server.BaseHTTPRequestHandler):
        server: LoopbackServer

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            while not self.server.stopping.is_set():
                try:
                    self.wfile.write(b"0")
                    self.wfile.flush()
                except OSError:
                    return
                self.server.wait(0.5)

        def log_message(self, *args: Any) -> None:
            pass

    with LoopbackServer(Trickle) as server:
        url = f"http://127.0.0.1:{server.port}/"
        pdf = _blank_pdf(tmp_path / "doc.pdf")
        started = time.monotonic()
        why = sign_pdf(_sealer(tmp_path, pki, url, total_s=2), pdf)
        took = time.monotonic() - started
    assert why == "no answer in time"
    assert took < 8
    assert pdf_signature_holds(pdf.read_bytes(), pki["root"])


@needs_browser
def test_a_run_whose_service_fails_reports_it_and_stays_verifiable(
    sample_dir: Path, tmp_path: Path, pki: dict[str, Issued]
) -> None:
    sample = copy_sample(sample_dir, tmp_path / "sample")
    toml = with_signing(
        sample, pki["seal"].p12(PASSWORD), timestamp_url="http://127.0.0.1:9/refused"
    )
    # in this process: what the run wrote is asserted, not its console (see the sealed run)
    r = cli("run", "--settings", str(toml), "--env", "test", "--pdf", env={SEAL_VAR: PASSWORD})
    assert r.returncode == 0, r.stdout + r.stderr
    folder = run_folder(r)
    found = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    late = [f for f in found["findings"] if f["code"] == "SIGNING_TIMESTAMP_FAILED"]
    assert len(late) == 1 and late[0]["severity"] == "warning"
    assert "ingen forbindelse" in late[0]["message"]  # the sample is Danish
    # runbook.xlsx's verdict before step 1 counts the late warning, as the page does (it
    # was written before rendering found it)
    from openpyxl import load_workbook

    warnings = sum(1 for f in found["findings"] if f["severity"] == "warning")
    book = load_workbook(folder / "runbook.xlsx", read_only=True)
    said = {r[0]: r[1] for r in book["Før trin 1"].iter_rows(values_only=True)}
    book.close()
    assert said["Advarsler i kørslen"] == str(warnings)
    assert f"Advarsler i kørslen</td><td>{warnings}<" in re.sub(
        r">\s+<", "><", (folder / "signoff" / "runbook.html").read_text(encoding="utf-8")
    )
    (status,) = pdf_statuses((folder / "signoff" / "signoff.pdf").read_bytes(), pki["root"])
    assert status.intact and status.valid and status.timestamp_validity is None
    v = cli("audit", "verify", str(folder))
    assert v.returncode == 0, v.stdout
    assert "no timestamp" in v.stdout


# --- rehearsal and comparison folders -----------------------------------------------------


@needs_openssl
def test_rehearsal_and_comparison_folders_are_sealed_too(
    sample_dir: Path, tmp_path: Path, pki: dict[str, Issued], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ngdpkit.rehearsal.flow import rehearse

    sample = copy_sample(sample_dir, tmp_path / "sample")
    toml = with_signing(sample, pki["seal"].p12(PASSWORD))
    (tmp_path / "root.pem").write_bytes(pki["root"].pem())
    monkeypatch.setenv(SEAL_VAR, PASSWORD)
    code, rehearsal = rehearse(toml, "test", progress=lambda line: None)
    assert code == 0
    r = run_cli("compare", "--settings", str(toml), "--from-inputs", env={SEAL_VAR: PASSWORD})
    assert r.returncode in (0, 1), r.stdout + r.stderr
    comparison = Path(r.stdout.strip().splitlines()[-1])
    for folder in (rehearsal, comparison):
        assert (folder / "manifest.json.p7s").is_file(), folder
        assert openssl_verify(folder, tmp_path / "root.pem").returncode == 0, folder
        v = cli("audit", "verify", str(folder))
        assert v.returncode == 0 and "sealed by CN=Konsulenthuset seal" in v.stdout, v.stdout
        assert not leaked(all_bytes(folder), PASSWORD)
    assert not leaked(r.stdout + r.stderr, PASSWORD)


def test_rehearsal_and_comparison_with_a_wrong_password_are_unsealed_and_say_so(
    sample_dir: Path, tmp_path: Path, pki: dict[str, Issued], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ngdpkit.rehearsal.flow import rehearse

    sample = copy_sample(sample_dir, tmp_path / "sample")
    toml = with_signing(sample, pki["seal"].p12("a-different-password"))
    monkeypatch.setenv(SEAL_VAR, PASSWORD)
    code, rehearsal = rehearse(toml, "test", progress=lambda line: None)
    assert code == 1
    acceptance = json.loads((rehearsal / "acceptance.json").read_text(encoding="utf-8"))
    assert "SIGNING_CERT_INVALID" in {f["code"] for f in acceptance["findings"]}
    r = cli("compare", "--settings", str(toml), "--from-inputs", "--json", env={SEAL_VAR: PASSWORD})
    assert r.returncode == 1
    result = json.loads(r.stdout)
    assert result["status"] == "errors"
    assert "SIGNING_CERT_INVALID" in {f["code"] for f in result["findings"]}
    for folder in (rehearsal, next((sample / "runs" / "compare").glob("2*"))):
        assert not (folder / "manifest.json.p7s").exists()
        assert not leaked(all_bytes(folder), PASSWORD)


def test_check_reports_a_certificate_that_cannot_seal(
    sample_dir: Path, tmp_path: Path, pki: dict[str, Issued]
) -> None:
    sample = copy_sample(sample_dir, tmp_path / "sample")
    toml = with_signing(sample, pki["expired"].p12(PASSWORD))
    r = run_cli(
        "check", "--settings", str(toml), "--env", "test", "--json", env={SEAL_VAR: PASSWORD}
    )
    assert r.returncode == 1
    codes = {f["code"] for f in json.loads(r.stdout)["findings"]}
    assert "SIGNING_CERT_INVALID" in codes
    assert not leaked(r.stdout + r.stderr, PASSWORD)


def test_a_seal_password_that_is_a_word_of_an_environments_name_is_said_before_the_run(
    sample_dir: Path, tmp_path: Path, pki: dict[str, Issued]
) -> None:
    """An IT manager's read: the seal password "test" emptied test's whole folder (62
    SECRET_LEAK, no PDF to sign), and the warning before it said only that the password was
    short, where an environment's own password "test" is said to be a word of its name. The
    seal seals every environment's folder, so a word of any environment's name or kind, or of
    the organisation's name, is said so."""
    from ngdpkit.documents.signing import seal_from_settings
    from ngdpkit.secrets import Secret

    sample = copy_sample(sample_dir, tmp_path / "sample")
    settings = load_settings(with_signing(sample, pki["seal"].p12(PASSWORD)))

    def said(value: str, code: str = "SECRET_TOO_SHORT") -> list[str]:
        _sealer, found = seal_from_settings(settings, password=Secret(SEAL_VAR, value))
        return [f.params.get("where", "") for f in found if f.code == code]

    assert said("test") == ["the environment's name"]
    # every environment's folder: production's name too (long enough to be "in" it)
    assert said("production", "SECRET_IN_OWN_TEXT") == ["the environment's name"]
    assert said("Kommune") == ["the organisation's name"]
    assert said("Xq7") == [""]  # short, and no such word: the old words
    (finding,) = [
        f
        for f in seal_from_settings(settings, password=Secret(SEAL_VAR, "test"))[1]
        if f.code == "SECRET_TOO_SHORT"
    ]
    assert finding.text("da").startswith(
        "Værdien af NGDPKIT_SEAL_PASSWORD er under 8 tegn og står som et ord i miljøets navn"
    )
    assert finding.source == "signing.certificate_password_env"


def test_a_pdf_that_was_not_made_is_not_said_to_carry_the_seal(
    sample_dir: Path, tmp_path: Path, pki: dict[str, Issued]
) -> None:
    """An IT manager's read: with a browser that printed nothing (Chrome's sandbox refusing
    on a CI runner), the sealed folder had no signoff.pdf, and the page to sign said that
    signoff.pdf carried the same seal and had no timestamp. The overview says only what the
    folder holds: the manifest's seal, checked with openssl."""
    if sys.platform.startswith("win"):
        pytest.skip("the stand-in browser is a shell script")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("chromium", "chromium-browser", "google-chrome"):
        (bindir / name).write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
        (bindir / name).chmod(0o755)
    sample = copy_sample(sample_dir, tmp_path / "sample")
    toml = with_signing(sample, pki["seal"].p12(PASSWORD, chain=(pki["root"],)))
    path = f"{bindir}{os.pathsep}{os.environ['PATH']}"
    # in this process: what the run wrote and said is asserted, not its console's process
    r = cli(
        "run", "--settings", str(toml), "--env", "test", "--pdf",
        env={SEAL_VAR: PASSWORD, "PATH": path},
    )  # fmt: skip
    assert r.returncode in (0, 1), r.stdout + r.stderr
    assert "did not write the PDF" in r.stdout + r.stderr
    folder = run_folder(r)
    assert not (folder / "signoff" / "signoff.pdf").exists()
    page = (folder / "signoff" / "index.html").read_text(encoding="utf-8")
    assert "manifest.json.p7s dækker hver fil." in page
    assert (
        "signoff.pdf" not in page.split("Underskrifter", 1)[1].split("Enheder og kontaktpunkter")[0]
    )
    assert "Seglet i signoff.pdf" not in page
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["signed_files"] == []
    assert cli("audit", "verify", str(folder)).returncode == 0


# --- the settings -------------------------------------------------------------------------


def _settings_problems(sample: Path, block: str) -> list[str]:
    toml = sample / "migration.toml"
    text = toml.read_text(encoding="utf-8")
    # a table goes last; a top-level key first, where it belongs to no table
    text = text + "\n" + block + "\n" if block.startswith("[") else block + "\n" + text
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_settings(toml)
    return caught.value.problems


@pytest.mark.parametrize(
    "block,expected",
    [
        ('[signing]\ncertificate = "missing.p12"', "signing.certificate: file not found"),
        ('[signing]\ncertificate_password_env = "X"', "missing required key signing.certificate"),
        ('[signing]\ncertificate = "seal.p12"\npasword_env = "X"', "unknown key 'signing.pasword_env'"),
        ('[signing]\ncertificate = "seal.p12"\ntimestamp_url = "http://tsa.example.com/"', "must be https://"),
        ('[signing]\ncertificate = "seal.p12"\ntimestamp_url = "ftp://tsa.example.com/"', "must be an https:// address"),
        ('[signing]\ncertificate = "seal.p12"\ntimestamp_url = "https://u:p@tsa.example.com/"', "must not hold a user name or password"),
        ('[signing]\ncertificate = "seal.p12"\ntimestamp_url = "https://tsa.example.com:x/"', "is not a URL"),
        ('[signing]\ncertificate = 3', "signing.certificate must be a string"),
        ('signing = "seal.p12"', "signing must be a table"),
    ],
)  # fmt: skip
def test_signing_settings_are_strict(
    sample_dir: Path, tmp_path: Path, block: str, expected: str
) -> None:
    sample = copy_sample(sample_dir, tmp_path / "sample")
    (sample / "seal.p12").write_bytes(b"x")
    problems = _settings_problems(sample, block)
    assert any(expected in p for p in problems), problems
    # a credential in the address is never repeated in the error
    assert not any("u:p@" in p for p in problems), problems


def test_signing_settings_read(sample_dir: Path, tmp_path: Path) -> None:
    sample = copy_sample(sample_dir, tmp_path / "sample")
    toml = with_signing(sample, b"x", timestamp_url="http://127.0.0.1:8318/tsa")
    settings = load_settings(toml)
    assert settings.signing == Signing(
        certificate=sample / "seal.p12",
        certificate_password_env=SEAL_VAR,
        timestamp_url="http://127.0.0.1:8318/tsa",
    )
    assert settings.signing_secret_names == (SEAL_VAR,)
    assert load_settings(sample_dir / "migration.toml").signing is None


def test_a_seal_removed_with_the_manifests_words_of_it_is_named(
    sealed: dict[str, Any], tmp_path: Path
) -> None:
    """A support engineer's second look: removing ``manifest.json.p7s`` and the manifest's
    ``signed_by``, ``signer_sha256`` and ``signed_files`` left a sealed folder (and its support
    bundle) verifying as one never sealed: only the editable manifest said a seal was there.
    The trail's last record names the sealing certificate, so the removal is named."""
    import json as _json

    from ngdpkit.run.audit import verify

    folder = _copy_of(sealed["folder"], tmp_path / "stripped")
    last = _json.loads((folder / "audit.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert last["event"] == "run_finished" and len(last["sealed_by_sha256"]) == 64
    (folder / "manifest.json.p7s").unlink()
    manifest = _json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in ("signed_by", "signer_sha256", "signed_files", "signature_file"):
        manifest.pop(key, None)
    (folder / "manifest.json").write_text(_json.dumps(manifest), encoding="utf-8")
    problems = verify(folder).problems
    assert "manifest.json.p7s is missing: the audit trail says the folder is sealed" in problems
    assert any(
        p.startswith("the audit trail says the folder is sealed by the certificate with SHA-256 ")
        for p in problems
    ), problems


@needs_openssl
def test_the_printed_anchor_pins_the_seal_and_the_pdf_must_be_the_seals(
    sealed: dict[str, Any], pki: dict[str, Issued], tmp_path: Path
) -> None:
    """An auditor's cold read: (1) the manifest re-sealed with another certificate of the
    same subject, its signer_sha256 updated and the genuine PDF kept, verified "intact" (the
    PDF's signer was never compared with the seal's), and the output said the same words for
    the forged seal as for the real one; (2) the seal removed with the manifest's words of
    it and the last record's, the chain recomputed after the anchor, verified against the
    printed anchor. The anchor's own record names the sealing certificate, a signed PDF must
    be the seal's, and the note gives the certificate's SHA-256."""
    from ngdpkit.documents.signing import open_seal, seal_manifest
    from ngdpkit.run.audit import record_hash, verify
    from ngdpkit.secrets import Secret

    genuine = verify(sealed["folder"])
    sha = [r for r in _records(sealed["folder"]) if r["event"] == "outputs_sealed"][-1]
    assert len(sha["sealed_by_sha256"]) == 64
    assert any(f"certificate SHA-256 {sha['sealed_by_sha256'].upper()}" in n for n in genuine.notes)

    # (1) re-sealed by another certificate, the manifest saying so, the genuine PDF kept
    folder = _copy_of(sealed["folder"], tmp_path / "resealed")
    (tmp_path / "other.p12").write_bytes(pki["other"].p12("x" * 12))
    other, _ = open_seal(
        Signing(tmp_path / "other.p12", "V"), label="other.p12", password=Secret("V", "x" * 12)
    )
    assert other is not None
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["signer_sha256"] = other.seal.sha256
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    seal_manifest(other, manifest_path)
    problems = verify(folder).problems
    assert any("the manifest does not name it" in p for p in problems), problems
    if sealed["pdf"]:  # a PDF signed by another certificate than the folder's seal
        from ngdpkit.documents.signature_check import check_pdf, check_seal

        # even without the trail's word: the PDF is held against the manifest's signer
        alone = check_seal(folder, json.loads(manifest_path.read_text("utf-8"))).problems
        assert any(p.endswith("not by the certificate that seals the folder") for p in alone)

        pdf = folder / "signoff" / "signoff.pdf"
        problem, _ = check_pdf(pdf, "signoff/signoff.pdf", signer_sha256=other.seal.sha256)
        assert problem.endswith("not by the certificate that seals the folder"), problem
        assert check_pdf(pdf, "signoff/signoff.pdf", signer_sha256=sha["sealed_by_sha256"])[0] == ""

    # (2) the seal removed, the last record rewritten, the chain after the anchor recomputed
    folder = _copy_of(sealed["folder"], tmp_path / "unsealed")
    (folder / "manifest.json.p7s").unlink()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key in ("signed_by", "signer_sha256", "signed_files", "signature_file"):
        manifest.pop(key, None)
    records = _records(folder)
    records[-1].pop("sealed_by_sha256")
    records[-1]["hash"] = record_hash(records[-1])
    manifest["final_hash"] = records[-1]["hash"]
    (folder / "audit.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    )
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    verdict = verify(folder, expect_hash=sha["hash"])
    assert "manifest.json.p7s is missing: the audit trail says the folder is sealed" in (
        verdict.problems
    ), verdict.problems


def _records(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (folder / "audit.jsonl").read_text("utf-8").splitlines()]


def test_a_marker_or_an_empty_directory_added_to_a_sealed_run_is_named(
    sealed: dict[str, Any], tmp_path: Path
) -> None:
    """An auditor's look: a file named INCOMPLETE (2 MB of random bytes) or an empty
    directory signoff/x.html/ added to a finished, sealed folder passed audit verify
    --expect-hash (exit 0, never named). Each is named, exit 1; the seal is still intact.
    The declaration speaks of signoff.pdf only when the run made one."""
    import os

    anchor = [r for r in _records(sealed["folder"]) if r["event"] == "outputs_sealed"][-1]
    for name, add in (
        ("INCOMPLETE", lambda f: (f / "INCOMPLETE").write_bytes(os.urandom(2 << 20))),
        ("signoff/x.html/", lambda f: (f / "signoff" / "x.html").mkdir()),
    ):
        folder = _copy_of(sealed["folder"], tmp_path / name.strip("/").replace("/", "-"))
        add(folder)
        r = cli("audit", "verify", str(folder), "--expect-hash", anchor["hash"])
        assert r.returncode == 1, (name, r.stdout)
        assert "manifest.json.p7s: signature intact" in r.stdout, r.stdout
        assert (
            f"NOT INTACT: extra file: {name} (not in the manifest)" in r.stdout
            if name == "INCOMPLETE"
            else f"NOT INTACT: extra directory: {name} (no file the run recorded is in it)"
            in r.stdout
        ), r.stdout
        assert "did not finish" not in r.stdout
    page = (sealed["folder"] / "signoff" / "index.html").read_text("utf-8")
    said = (
        "og signoff.pdf bærer samme segl" in page or "and signoff.pdf carries the same seal" in page
    )
    assert said == sealed["pdf"], (said, sealed["pdf"])


def test_a_seal_added_to_a_run_that_sealed_nothing_is_named(
    sample_run: dict[str, Any], pki: dict[str, Issued], tmp_path: Path
) -> None:
    """The auditor's second look: a run without [signing] had an anchor record that said
    nothing of a seal, so a seal added afterwards (the pages edited, the manifest rewritten
    and sealed) verified against the printed anchor, and read as stronger evidence than the
    genuine folder. The anchor's record says "" for a run that seals nothing."""
    from ngdpkit.documents.signing import open_seal, seal_manifest
    from ngdpkit.run.audit import verify
    from ngdpkit.secrets import Secret

    folder = _copy_of(Path(sample_run["run_dir"]), tmp_path / "run")
    anchor = [r for r in _records(folder) if r["event"] == "outputs_sealed"][-1]
    assert anchor["sealed_by_sha256"] == ""
    assert verify(folder, expect_hash=anchor["hash"]).ok
    (tmp_path / "other.p12").write_bytes(pki["other"].p12("x" * 12))
    other, _ = open_seal(
        Signing(tmp_path / "other.p12", "V"), label="other.p12", password=Secret("V", "x" * 12)
    )
    assert other is not None
    seal_manifest(other, folder / "manifest.json")
    verdict = verify(folder, expect_hash=anchor["hash"])
    assert not verdict.ok
    assert (
        "the anchor's record says this run was not sealed, yet the folder carries a seal: it "
        "was added afterwards"
    ) in verdict.problems


def test_the_docs_check_of_the_anchor_and_the_chain_runs_as_written(
    sealed: dict[str, Any],
) -> None:
    """docs/security.md's fourth step without the kit, taken from the page as written: it
    says the chain holds, the anchor matches and which certificate the anchor's record names,
    and exits 1 for an anchor the trail does not end its sealing with (the auditor's second
    look: it printed "ANCHOR NOT IN THE TRAIL" and exited 0)."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text("utf-8")
    start = page.index("python3 -c 'import hashlib,json,sys\nprev,anchor")
    code = page[start + len("python3 -c '") : page.index("' ANCHOR_FROM_THE_PAGE", start)]
    folder = sealed["folder"]
    anchor = [r for r in _records(folder) if r["event"] == "outputs_sealed"][-1]
    said = subprocess.run(
        [sys.executable, "-c", code, anchor["hash"]], cwd=folder, capture_output=True, text=True
    )
    assert said.returncode == 0, said.stdout + said.stderr
    assert "chain: ok" in said.stdout and "anchor: matches the page" in said.stdout
    assert anchor["sealed_by_sha256"] in said.stdout
    wrong = subprocess.run(
        [sys.executable, "-c", code, _records(folder)[0]["hash"]], cwd=folder,
        capture_output=True, text=True,
    )  # fmt: skip
    assert wrong.returncode == 1 and "DOES NOT MATCH" in wrong.stdout


# --- what the signed document says of the seal (an IT manager's read before signing) ------


def test_open_seal_records_what_the_seal_certificate_chains_to(
    tmp_path: Path,
    pki: dict[str, Issued],
    cas: dict[str, Any],
    anchors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Decided once, when the seal is opened, against the bundled OCES3 roots with the .p12's
    own certificates; the manifest's fields stay as they were."""
    from ngdpkit.checks import trust
    from ngdpkit.documents.signing import SealTrust, open_seal, seal_trust
    from ngdpkit.rehearsal import pki as rpki
    from ngdpkit.secrets import Secret

    own = _sealer(tmp_path, pki, None)  # a root of the consultancy's own making
    assert own.seal.trust is SealTrust.OWN
    assert set(own.seal.manifest_fields()) == {"signed_by", "signature_file", "signer_sha256"}
    assert own.seal.fingerprint == own.seal.sha256.upper() and len(own.seal.fingerprint) == 64
    # the OCES3 roots stand in for by the test's CAs (the real ones' keys are not ours)
    monkeypatch.setattr(trust, "load_trust_anchors", lambda *a, **k: anchors)
    for kind, want in (("production", SealTrust.PRODUCTION), ("test", SealTrust.TEST)):
        issuing = cas[kind]["issuing"]
        leaf = rpki.make_leaf(issuing, cvr="12345678", organisation="Konsulenthuset A/S")
        assert seal_trust(leaf.cert, [issuing.cert]) is want
        path = tmp_path / f"{kind}.p12"
        path.write_bytes(rpki.to_p12(leaf, PASSWORD, chain=(issuing.cert,)))
        sealer, found = open_seal(
            Signing(path, SEAL_VAR, None), label=path.name, password=Secret(SEAL_VAR, PASSWORD)
        )
        assert found == [] and sealer is not None and sealer.seal.trust is want
    other = rpki.make_leaf(cas["other"]["issuing"], cvr="12345678", organisation="Andet")
    assert seal_trust(other.cert, [cas["other"]["issuing"].cert]) is SealTrust.OWN
    assert seal_trust(pki["seal"].cert, [pki["root"].cert]) is SealTrust.OWN


def test_the_sealed_page_gives_the_fingerprint_the_trust_and_the_timestamp(
    sealed: dict[str, Any],
) -> None:
    """The sealed run (a root of the test's making, a local time-stamping service): its page
    names the seal's fingerprint as the manifest pins it, says the certificate is the
    consultancy's own, and that a timestamp is asked of the service."""
    folder = sealed["folder"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    page = (folder / "signoff" / "index.html").read_text(encoding="utf-8")
    assert f"fingeraftryk (SHA-256) er {manifest['signer_sha256'].upper()}" in page
    assert "konsulenthusets eget certifikat, ikke et OCES3-certifikat" in page
    assert "et avanceret segl" not in page  # said only of an OCES3 organisation certificate
    assert "får et tidsstempel fra tidsstemplingstjenesten http://127.0.0.1:" in page
    assert "SIGNING_TIMESTAMP_FAILED" in page


def test_audit_verify_of_a_lone_pdf_checks_its_signature(
    tmp_path: Path, pki: dict[str, Issued]
) -> None:
    """An IT manager's read: ``audit verify signoff.pdf`` of a good, signed PDF said "NOT
    INTACT: ... cannot be read as UTF-8 text". A PDF is known by its first bytes, its
    signatures are checked, and the line after says where the run's records are checked."""
    from ngdpkit.documents.signing import sign_pdf

    sealer = _sealer(tmp_path, pki, None)
    pdf = _blank_pdf(tmp_path / "signoff.pdf")
    sign_pdf(sealer, pdf)
    r = cli("audit", "verify", str(pdf))
    assert r.returncode == 0, r.stdout + r.stderr
    assert (
        "signoff.pdf: PAdES signature intact over the whole file, by CN=Konsulenthuset seal"
        in r.stdout
    )
    assert f"(certificate SHA-256 {sealer.seal.fingerprint})" in r.stdout
    assert ", no timestamp;" in r.stdout and "does not chain to the bundled OCES3 roots" in r.stdout
    assert (
        "a PDF carries no audit trail" in r.stdout
        and "run folder or its support bundle" in r.stdout
    )
    assert "intact: 1 signature(s)" in r.stdout
    assert "UTF-8" not in r.stdout + r.stderr and "Traceback" not in r.stdout + r.stderr
    # --expect-hash is the anchor of a run's trail, which a PDF does not carry: a refusal,
    # never a pass (it said "not checked here" and exited 0)
    r = cli("audit", "verify", str(pdf), "--expect-hash", "a" * 64)
    assert r.returncode == 2 and not r.stdout, r.stdout
    assert r.stderr.count("\n") == 1 and "nothing was verified" in r.stderr, r.stderr
    # known by its bytes, not its name
    renamed = tmp_path / "document.bin"
    shutil.copy(pdf, renamed)
    assert cli("audit", "verify", str(renamed)).returncode == 0
    # a changed byte inside what the signature covers
    data = bytearray(pdf.read_bytes())
    at = data.index(b"/MediaBox")
    data[at + 1] = ord("N")  # /NediaBox
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(bytes(data))
    r = cli("audit", "verify", str(broken))
    assert r.returncode == 1 and "NOT INTACT: broken.pdf:" in r.stdout, r.stdout
    # no signature at all
    r = cli("audit", "verify", str(_blank_pdf(tmp_path / "unsigned.pdf")))
    assert r.returncode == 1
    assert "NOT INTACT: unsigned.pdf carries no signature" in r.stdout
    # a file that starts as a PDF and does not end as one (an attacker's 400 MB of it kept
    # pyHanko busy for minutes): refused from its last bytes
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4\n" + b"\0" * 200_000)
    r = cli("audit", "verify", str(junk))
    assert r.returncode == 1 and "NOT INTACT: junk.pdf does not end as a PDF does" in r.stdout
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(pdf.read_bytes()[:-2000])
    r = cli("audit", "verify", str(cut))
    assert r.returncode == 1 and "cut short or not a PDF" in r.stdout


@needs_browser
def test_the_signed_pdf_names_its_document_type_and_the_kit(
    sealed: dict[str, Any], pki: dict[str, Issued]
) -> None:
    """An IT manager's read of the PDF's properties: the title lacked the document type, and
    Creator was Chrome's user agent. Set before the seal, so the signature still covers the
    whole file."""
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pypdf import PdfReader

    from ngdpkit import __version__

    folder = sealed["folder"]
    data = (folder / "signoff" / "signoff.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(data))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == f"Godkendelsesdokument – Eksempel Kommune (fiktiv) – test – {folder.name}"
    assert meta.creator == f"ngdpkit {__version__}"
    assert meta.producer is not None and meta.producer.startswith(f"ngdpkit {__version__}")
    assert "Chrome" not in meta.creator + meta.producer
    assert reader.trailer["/Root"]["/Lang"] == "da"
    (status,) = pdf_statuses(data, pki["root"])
    assert status.intact and status.valid
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


# --- docs/security.md's procedure without the kit, run as printed (the auditor's session 38) --

needs_bash_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("bash", "openssl", "jq", "sha256sum", "find", "diff")),
    reason="the procedure needs bash, openssl, jq and coreutils",
)


def run_the_docs_procedure(
    folder: Path, root_pem: Path, anchor: str
) -> subprocess.CompletedProcess[str]:
    """The whole ``sh`` block of "Verifying without ngdpkit", as printed: only ``ROOT.pem``
    and ``ANCHOR_FROM_THE_PAGE`` replaced by what the reader has; ``python3`` and ``pyhanko``
    are the test's own interpreter and the venv's CLI."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text("utf-8")
    start = page.index("```sh\n# 0. a folder of your own")
    block = page[start + len("```sh\n") : page.index("```\n", start + 6)]
    block = block.replace("ROOT.pem", str(root_pem)).replace("ANCHOR_FROM_THE_PAGE", anchor)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    block = block.replace("python3 -c", f"{sys.executable} -c")
    return subprocess.run(
        ["bash", "-c", block], cwd=folder, capture_output=True, text=True, timeout=180, env=env
    )


def _anchor_of(folder: Path) -> dict[str, Any]:
    return [r for r in _records(folder) if r["event"] == "outputs_sealed"][-1]


@needs_bash_tools
def test_the_docs_procedure_runs_as_printed_and_leaves_the_folder_verifiable(
    sealed: dict[str, Any], tmp_path: Path
) -> None:
    """The auditor's first finding: step 1 wrote ``seal.pem`` into the run folder, after
    which ``audit verify`` said "NOT INTACT: extra file: seal.pem". Run as printed, the
    procedure passes every step, writes nothing into the folder, names the seal certificate
    the anchor's record names, and the folder still verifies."""
    from ngdpkit.run.audit import verify

    folder = _copy_of(sealed["folder"], tmp_path / "run")
    before = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    anchor = _anchor_of(folder)
    said = run_the_docs_procedure(folder, sealed["root_pem"], anchor["hash"])
    assert said.returncode == 0, said.stdout + said.stderr
    assert "CMS Verification successful" in said.stderr
    assert not re.search(r"^[<>] ", said.stdout, re.M), said.stdout  # step 2b: nothing beside
    assert "FAILED" not in said.stdout + said.stderr
    for line in ("chain: ok", "anchor: matches the page", "manifest: ends where the trail ends"):
        assert line in said.stdout, said.stdout
    assert f"files the anchor pins: {len(anchor['files'])} unchanged" in said.stdout
    seal = anchor["sealed_by_sha256"]
    assert f"seal certificate (SHA-256): {seal}, the one the anchor names" in said.stdout
    if sealed["pdf"] and Path(sys.executable).with_name("pyhanko").exists():
        assert "The signature is judged VALID" in said.stdout
        assert f"Certificate SHA256 fingerprint: {seal}" in said.stdout  # the same format
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == before
    assert verify(folder, expect_hash=anchor["hash"]).problems == []


@needs_bash_tools
def test_the_docs_procedure_catches_each_tampering(
    sealed: dict[str, Any], pki: dict[str, Issued], tmp_path: Path
) -> None:
    """A byte of a page, a file removed, a file added, the trail truncated, the manifest
    re-sealed by another certificate of the same root, and a deliverable changed after the
    signature with its output record, the chain after the anchor, the manifest and the seal
    all made again by the seal's own key (which the old step 4 passed: it never held the files
    against the anchor): the procedure exits 1 or prints the difference, and so does
    ``audit verify``."""
    from ngdpkit.documents.signing import open_seal, seal_manifest
    from ngdpkit.run.audit import record_hash, verify
    from ngdpkit.secrets import Secret

    anchor = _anchor_of(sealed["folder"])["hash"]

    def tampered(name: str) -> Path:
        return _copy_of(sealed["folder"], tmp_path / name)

    def reseal(folder: Path, who: str) -> None:
        (tmp_path / f"{who}.p12").write_bytes(pki[who].p12("x" * 12))
        opened, _ = open_seal(
            Signing(tmp_path / f"{who}.p12", "V"), label="s.p12", password=Secret("V", "x" * 12)
        )
        assert opened is not None
        seal_manifest(opened, folder / "manifest.json")

    page = tampered("page")
    data = bytearray((page / "signoff" / "firewall.html").read_bytes())
    data[200] ^= 1
    (page / "signoff" / "firewall.html").write_bytes(bytes(data))
    removed = tampered("removed")
    (removed / "firewall-rules.csv").unlink()
    added = tampered("added")
    (added / "extra.ps1").write_text("Write-Host hi\n")
    truncated = tampered("truncated")
    lines = (truncated / "audit.jsonl").read_text("utf-8").splitlines(keepends=True)
    (truncated / "audit.jsonl").write_text("".join(lines[:-5]), encoding="utf-8")
    resealed = tampered("resealed")
    reseal(resealed, "other")

    insider = tampered("insider")
    target = insider / "dispatcher-config.json"
    target.write_bytes(target.read_bytes() + b" ")
    records, prev = _records(insider), None
    for record in records:
        if record["event"] == "output_written" and record["path"] == "dispatcher-config.json":
            record["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
            record["size"] = target.stat().st_size
        if prev is not None:
            record["prev"] = prev
        record["hash"] = prev = record_hash(record)
    (insider / "audit.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records),
        encoding="utf-8",
    )
    manifest = json.loads((insider / "manifest.json").read_text("utf-8"))
    for entry in manifest["files"]:
        if entry["path"] in ("dispatcher-config.json", "audit.jsonl"):
            body = (insider / entry["path"]).read_bytes()
            entry["sha256"], entry["size"] = hashlib.sha256(body).hexdigest(), len(body)
    manifest["final_hash"] = prev
    (insider / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    reseal(insider, "seal")

    expected = {
        page: "signoff/firewall.html: FAILED",
        removed: "files the anchor pins: CHANGED OR MISSING: firewall-rules.csv",
        added: "> extra.ps1",
        truncated: "manifest: DOES NOT END WHERE THE TRAIL ENDS",
        resealed: "NOT THE ONE THE ANCHOR NAMES",
        insider: "files the anchor pins: CHANGED OR MISSING: dispatcher-config.json",
    }
    for folder, words in expected.items():
        said = run_the_docs_procedure(folder, sealed["root_pem"], anchor)
        assert words in said.stdout, (folder.name, said.stdout, said.stderr)
        if folder not in (page, added):  # the two that step 4 cannot see: step 2 and 2b do
            assert said.returncode == 1, (folder.name, said.stdout)
        assert verify(folder, expect_hash=anchor).problems, folder.name
