"""Signed records (contract §12.5): the consultancy's own certificate seals what a run wrote.

The audit trail's anchor proves that a folder is the one a signed page describes, but anyone
who can write the folder can recompute every hash. With ``[signing]`` the folder is sealed:

- ``manifest.json.p7s``: a DER CMS SignedData over the exact bytes of ``manifest.json``,
  detached, SHA-256, RSASSA-PSS for an RSA key (ECDSA for an EC key), the signer's certificate
  and the chain the .p12 carries included. The manifest pins every file, so this one
  signature pins the folder; ``openssl cms -verify`` checks it without the kit.
- ``signoff/signoff.pdf`` (with ``--pdf``): a PAdES signature by the same certificate, and
  an RFC 3161 signature timestamp when ``timestamp_url`` is set.

Everything here is done with pyHanko (and asn1crypto under it); nothing is hand-written ASN.1.
The certificate is opened once, early (:func:`open_seal`), so that one that cannot seal is a
finding (``SIGNING_CERT_INVALID``) before ``findings.json`` is written, and the folder is then
never sealed. The password is a secret: it is only handed to ``cryptography`` to open the
.p12, and no library's error text is ever passed on (each failure has the kit's own words).
Verification is :mod:`ngdpkit.documents.signature_check`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import findings as F
from ..findings import Finding

if TYPE_CHECKING:
    from cryptography import x509

    from ..checks.certificates import LoadedCertificate
    from ..secrets import Secret
    from ..settings import Settings, Signing

MANIFEST = "manifest.json"  # every file of a folder with its SHA-256 (contract §8)
SIGNATURE = "manifest.json.p7s"  # beside manifest.json, which it signs
DIGEST = "sha256"
PDF_FIELD = "ngdpkit-seal"
LIBRARY_LOGGERS = ("pyhanko", "pyhanko_certvalidator")
SOURCE = "signing.certificate"
PASSWORD_KEY = "signing.certificate_password_env"


class SealTrust(StrEnum):
    """What the seal's certificate chains to among the OCES3 roots the kit bundles: what the
    signed document may say the seal proves (an IT manager's read before signing: it called
    every seal "advanced", whatever its certificate)."""

    PRODUCTION = "production"  # an OCES3 organisation certificate: who sealed, and integrity
    TEST = "test"  # an OCES3 test certificate: integrity only, proves nothing about who
    OWN = "own"  # the consultancy's own certificate, not OCES3: integrity only


@dataclass(frozen=True)
class Seal:
    """Who seals: the facts of the signing certificate that the manifest, the console and
    ``audit verify`` show (names in RFC 4514, the certificate's SHA-256 in hex), and what
    it chains to (decided once, when the seal is opened; the manifest does not record it)."""

    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str
    trust: SealTrust = SealTrust.OWN

    @classmethod
    def of(cls, cert: x509.Certificate, *, trust: SealTrust = SealTrust.OWN) -> Seal:
        from cryptography.hazmat.primitives.serialization import Encoding

        from ..checks.certificates import name_text
        from ..redact import redact

        # the names with every registered secret hidden: the manifest (written after the
        # scan), the pages, the PDF's declaration and the console quote them (an attacker's
        # look: a seal certificate whose CN held the seal's password wrote it whole into
        # manifest.json's signed_by, which no scan reads, and stubbed the overview)
        return cls(
            subject=redact(name_text(cert.subject)),
            issuer=redact(name_text(cert.issuer)),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha256=hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest(),
            trust=trust,
        )

    @property
    def fingerprint(self) -> str:
        """The SHA-256 as the certificate page writes a fingerprint: upper-case hex."""
        return self.sha256.upper()

    def manifest_fields(self) -> dict[str, str]:
        """What ``manifest.json`` records of the seal. The signature cannot describe itself
        inside what it signs, so the manifest records the *intent*: a folder whose manifest
        names a signer and has no valid ``manifest.json.p7s`` fails ``audit verify``."""
        return {
            "signed_by": self.subject,
            "signature_file": SIGNATURE,
            "signer_sha256": self.sha256,
        }


@dataclass(frozen=True)
class SealDeclaration:
    """What the signed document's declaration says of the seal (``Overview.seal``): who,
    the fingerprint to compare with the one agreed, what it chains to, and whether the PDF's
    signature asks a time-stamping service (``timestamp_url``, "" when not). ``pdf``: the run
    makes ``signoff.pdf`` (``--pdf``); without one, nothing is said of the PDF's seal."""

    seal: Seal
    timestamp_url: str = ""
    pdf: bool = True

    @classmethod
    def of(cls, sealer: Sealer, *, pdf: bool = True) -> SealDeclaration:
        return cls(sealer.seal, sealer.timestamp_url or "", pdf)


@dataclass(frozen=True)
class Sealer:
    """An opened signing certificate with its key, ready to seal. Never printed, never pickled:
    the key material stays in this process."""

    seal: Seal
    signer: Any = field(repr=False)  # pyhanko's SimpleSigner
    timestamp_url: str | None = None
    timestamp_s: float = 10.0  # the time-stamping service's whole deadline, per signature

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Sealer cannot be pickled")


class SigningFailed(Exception):
    """A signature could not be made; the message is the kit's own one line."""


def quiet_libraries() -> None:
    """pyHanko logs its failures with their tracebacks (and Python prints a record no handler
    takes on stderr): the kit says each failure in one line of its own, so those records
    go nowhere."""
    import logging

    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        logger.propagate = False


# --- opening the certificate ------------------------------------------------------------


def seal_from_settings(
    settings: Settings, *, password: Secret | None = None, now: dt.datetime | None = None
) -> tuple[Sealer | None, list[Finding]]:
    """The settings' seal (None without ``[signing]``, or when it cannot seal) and the
    findings about it. The password is resolved like every secret unless given."""
    from ..secrets import quality_findings, resolve

    signing = settings.signing
    if signing is None:
        return None, []
    var = signing.certificate_password_env
    if password is None and var:
        password = resolve(var, secrets_file=settings.secrets_file)
    found = (
        quality_findings(password, PASSWORD_KEY, seal_own_words(settings))
        if password is not None
        else []
    )
    sealer, problems = open_seal(
        signing,
        label=settings.rel(signing.certificate),
        password=password,
        timestamp_s=settings.checks.probe_timeout_s,
        now=now,
    )
    return sealer, found + problems


def seal_own_words(settings: Settings) -> dict[str, str]:
    """The texts every output of a sealed folder holds, for ``quality_findings``: the seal
    seals each environment's run, so every environment's name and kind, and the
    organisation's name. An IT manager's look: the seal password "test" emptied test's whole
    folder (62 SECRET_LEAK, no PDF to sign), and the warning said only that it was short,
    where an environment's own password "test" is said to be a word of its name."""
    from ..secrets import own_words

    envs = list(settings.environments.values())
    return own_words(
        " ".join(e.name for e in envs),
        " ".join(e.kind for e in envs),
        settings.organisation.name,
    )


def open_seal(
    signing: Signing,
    *,
    label: str,
    password: Secret | None,
    timestamp_s: float = 10.0,
    now: dt.datetime | None = None,
) -> tuple[Sealer | None, list[Finding]]:
    """Open the .p12 and check that it can seal now: readable, opened by its password, with
    the private key of its certificate (RSA or EC), inside its validity. Each failure is one
    ``SIGNING_CERT_INVALID`` and no sealer: a folder is sealed by a usable certificate or
    not at all."""
    from ..checks.certificates import load_certificate
    from ..errors import InputError

    quiet_libraries()
    var = signing.certificate_password_env
    if var and password is None:
        return None, [_invalid_no_password(label, var)]
    if password is not None:  # hidden wherever the seal's names are quoted (Seal.of)
        from ..redact import register

        register(password.name, password.reveal())
    try:
        loaded = load_certificate(signing.certificate, label=label, password=password)
    except (InputError, OSError):
        return None, [
            F.error(
                "SIGNING_CERT_INVALID",
                "The signing certificate {label} cannot be read as a .p12/.pfx with a certificate; the folder is not sealed.",
                SOURCE,
                label=label,
            )
        ]
    problem = _load_problem(loaded, label, var)
    if problem is not None:
        return None, [problem]
    assert loaded.leaf is not None
    problem = _validity_problem(loaded.leaf, label, now or dt.datetime.now(dt.UTC))
    if problem is not None:
        return None, [problem]
    problem = _secret_in_names(loaded, label)
    if problem is not None:
        return None, [problem]
    return (
        Sealer(
            seal=Seal.of(loaded.leaf, trust=seal_trust(loaded.leaf, loaded.extra)),
            signer=_simple_signer(loaded),
            timestamp_url=signing.timestamp_url,
            timestamp_s=timestamp_s,
        ),
        [],
    )


def seal_trust(leaf: x509.Certificate, extra: list[x509.Certificate]) -> SealTrust:
    """What the seal's certificate chains to, with the .p12's other certificates, among the
    bundled OCES3 roots (never the settings' own anchors: those prove nothing about OCES3).
    Anything that cannot be decided is the consultancy's own certificate (the least claim)."""
    from ..checks.certificates import build_chain
    from ..checks.trust import load_trust_anchors

    try:
        kind, _, _ = build_chain(leaf, list(extra), load_trust_anchors())
    except Exception:  # a certificate the verifier cannot read as a chain: claim nothing
        return SealTrust.OWN
    if kind == "production":
        return SealTrust.PRODUCTION
    if kind == "test":
        return SealTrust.TEST
    return SealTrust.OWN


def _invalid_no_password(label: str, var: str) -> Finding:
    return F.error(
        "SIGNING_CERT_INVALID",
        "No password for the signing certificate {label}: the environment variable {name} is empty or not set, and no secrets file gives it; the folder is not sealed.",
        PASSWORD_KEY,
        label=label,
        name=var,
    )


def _secret_in_names(loaded: LoadedCertificate, label: str) -> Finding | None:
    """``SIGNING_CERT_INVALID`` when a name of the seal's certificate or of its chain holds a
    registered secret (its own password): the signature carries those certificates whole
    into ``manifest.json.p7s`` and the PDF, where nothing can be hidden (an attacker's look:
    a CN holding the seal's password stood in every sealed folder)."""
    from ..checks.certificates import name_text
    from ..redact import hidden_names

    certs = [c for c in (loaded.leaf, *loaded.extra) if c is not None]
    text = "\n".join(name_text(n) for c in certs for n in (c.subject, c.issuer))
    names = hidden_names(text)
    if not names:
        return None
    return F.error(
        "SIGNING_CERT_INVALID",
        "The signing certificate {label} holds the secret {values} in its names (subject or issuer), and a seal carries the certificate in every sealed folder; use another certificate, or another password. The folder is not sealed.",
        SOURCE,
        label=label,
        values=", ".join(names),
    )


def _load_problem(loaded: LoadedCertificate, label: str, var: str | None) -> Finding | None:
    """Why what the .p12 gave cannot seal (None when it can): the certificate findings of
    :func:`~ngdpkit.checks.certificates.load_certificate` said as one ``SIGNING_CERT_INVALID``."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    codes = {f.code for f in loaded.findings}
    if "CERT_BAD_PASSWORD" in codes:
        return F.error(
            "SIGNING_CERT_INVALID",
            "The password in {name} does not open the signing certificate {label}; the folder is not sealed.",
            PASSWORD_KEY,
            name=var or "",
            label=label,
        )
    if "CERT_FILE_CORRUPT" in codes:
        return F.error(
            "SIGNING_CERT_INVALID",
            "The signing certificate {label} is damaged (its password is right); copy it again from the original. The folder is not sealed.",
            SOURCE,
            label=label,
        )
    if loaded.leaf is None:  # encrypted, and no variable is named for its password
        return F.error(
            "SIGNING_CERT_INVALID",
            "The signing certificate {label} is password protected: set {key} to the variable that holds its password. The folder is not sealed.",
            SOURCE,
            label=label,
            key=PASSWORD_KEY,
        )
    if loaded.key is None or loaded.public_only or "CERT_KEY_MISMATCH" in codes:
        return F.error(
            "SIGNING_CERT_INVALID",
            "The signing certificate {label} holds no private key of its certificate; a seal needs the .p12/.pfx with its key. The folder is not sealed.",
            SOURCE,
            label=label,
        )
    if not isinstance(loaded.key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return F.error(
            "SIGNING_CERT_INVALID",
            "The signing certificate {label} has a {value} key; a seal needs RSA or EC. The folder is not sealed.",
            SOURCE,
            label=label,
            value=type(loaded.key).__name__,
        )
    return None


def _validity_problem(cert: x509.Certificate, label: str, now: dt.datetime) -> Finding | None:
    if now > cert.not_valid_after_utc:
        return F.error(
            "SIGNING_CERT_INVALID",
            "The signing certificate {label} expired on {date}; the folder is not sealed.",
            SOURCE,
            label=label,
            date=f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC",
        )
    if now < cert.not_valid_before_utc:
        return F.error(
            "SIGNING_CERT_INVALID",
            "The signing certificate {label} is valid only from {date}; the folder is not sealed.",
            SOURCE,
            label=label,
            date=f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
        )
    return None


def _simple_signer(loaded: LoadedCertificate) -> Any:
    """pyHanko's signer from what ``cryptography`` opened: the key as PKCS#8 DER in memory,
    the certificates as DER, the .p12's other certificates as the chain to include. RSA
    keys sign with RSASSA-PSS (``prefer_pss``), EC keys with ECDSA."""
    from asn1crypto import keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    assert loaded.leaf is not None
    der = serialization.Encoding.DER
    key = keys.PrivateKeyInfo.load(
        loaded.key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    chain = SimpleCertificateStore()  # type: ignore[no-untyped-call, unused-ignore]
    chain.register_multiple(asn1_x509.Certificate.load(c.public_bytes(der)) for c in loaded.extra)
    return SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(loaded.leaf.public_bytes(der)),
        signing_key=key,
        cert_registry=chain,
        prefer_pss=True,
    )


# --- signing ------------------------------------------------------------------------------


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run one of pyHanko's coroutines to its end from synchronous code, also when this
    thread already runs an event loop (a JupyterLab kernel): then on a thread of its own.
    asyncio is imported here, not with the module: ``run``'s parent imports this module (the
    run folder seals with it) and never signs, and asyncio with ssl cost it ~0.02 CPU-s. Here it
    is imported already: pyHanko, whose coroutine this is, imports it."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="ngdpkit-sign") as pool:
        return pool.submit(asyncio.run, coro).result()


def sign_detached(sealer: Sealer, data: bytes) -> bytes:
    """A DER CMS SignedData over ``data``, detached (the content is not inside), SHA-256."""
    try:
        info = _run(sealer.signer.async_sign_general_data(data, DIGEST, detached=True))
        return bytes(info.dump())
    except Exception as exc:
        raise SigningFailed(f"the CMS signature could not be made ({type(exc).__name__})") from exc


def seal_manifest(sealer: Sealer, manifest: Path) -> Path:
    """``manifest.json.p7s`` over the exact bytes of ``manifest.json``, written atomically."""
    from ..deliverables.outputs import atomic_write

    return atomic_write(manifest.with_name(SIGNATURE), sign_detached(sealer, manifest.read_bytes()))


def sign_pdf(sealer: Sealer, pdf: Path, *, timestamp: bool = True) -> str:
    """Give ``pdf`` a PAdES signature (SHA-256) by the seal, in place and atomically; with
    ``timestamp`` and a ``timestamp_url``, an RFC 3161 signature timestamp too.

    Returns "" or, when the time-stamping service gave no timestamp, why not: the PDF is then
    signed without one (it never claims a time it does not carry), and the caller reports
    ``SIGNING_TIMESTAMP_FAILED``. Any other failure raises :class:`SigningFailed`, and the
    PDF is left as it was."""
    from ..deliverables.outputs import atomic_write

    data = pdf.read_bytes()
    stamper = None
    if timestamp and sealer.timestamp_url:
        from .timestamps import BoundedTimeStamper

        stamper = BoundedTimeStamper(sealer.timestamp_url, total_s=sealer.timestamp_s)
    try:
        signed = _pades(sealer, data, stamper)
        why = ""
    except Exception as exc:
        if stamper is None or not stamper.failure:
            raise SigningFailed(f"the PDF could not be signed ({type(exc).__name__})") from exc
        why = stamper.failure
        try:
            signed = _pades(sealer, data, None)
        except Exception as again:
            raise SigningFailed(f"the PDF could not be signed ({type(again).__name__})") from again
    atomic_write(pdf, signed)
    return why


def _pades(sealer: Sealer, data: bytes, stamper: Any) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = PdfSignatureMetadata(
        field_name=PDF_FIELD, md_algorithm=DIGEST, subfilter=SigSeedSubFilter.PADES
    )
    out = _run(PdfSigner(meta, signer=sealer.signer, timestamper=stamper).async_sign_pdf(writer))
    return bytes(out.getvalue())
