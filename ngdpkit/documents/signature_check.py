"""Checking a sealed folder's signatures, for ``audit verify`` (contract §12.5).

Integrity is what is decided here: ``manifest.json.p7s`` must be a CMS signature whose digest
is that of ``manifest.json``'s exact bytes and whose signature verifies with the certificate
it carries; each signed PDF's signature must be intact, valid and cover the whole file (and
its timestamp, when it has one, intact and valid). Any of these broken is a problem naming
the file (``audit verify`` exits 1). Who signed is said in RFC 4514, and whether the
certificate chains to the bundled OCES3 roots is information only: a consultancy's own
(self-made) seal still proves that nothing changed since it sealed.

Every file here is untrusted: whatever pyHanko or asn1crypto raise on garbage becomes one
line of the kit's own words, never a traceback, and pyHanko's log records (which carry
tracebacks) are silenced.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .signing import MANIFEST, SIGNATURE, quiet_libraries

MAX_SIGNATURE = 1024 * 1024  # a CMS signature with a chain is a few KB
MAX_PDF = 512 * 1024 * 1024


@dataclass(frozen=True)
class SealCheck:
    """What ``audit verify`` says about a folder's signatures: ``problems`` (each one line
    naming the file; any one means exit 1) and ``notes`` (who signed, the timestamp, the
    trust), both in order."""

    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def check_seal(
    folder: Path,
    manifest: dict[str, Any] | None,
    *,
    absent: frozenset[str] = frozenset(),
    trail_signer: str = "",
    unsealed_by_anchor: bool = False,
) -> SealCheck:
    """The folder's seal against its manifest. Nothing to say for a folder that is not
    sealed (no ``manifest.json.p7s``, no ``signed_by`` in the manifest, no signer in the
    trail's last record). ``trail_signer``: the SHA-256 of the sealing certificate the
    audit trail's last record names (the manifest can be edited; the trail is chained).
    ``unsealed_by_anchor``: the anchor's record says the run sealed nothing. A signed file
    named in ``absent`` (left out of a support bundle) is not checked."""
    present = _is_regular(folder / SIGNATURE)
    if not present and not (manifest.get("signed_by") if manifest else None) and not trail_signer:
        return SealCheck()
    problems = claim_problems(
        folder, manifest, trail_signer=trail_signer, unsealed_by_anchor=unsealed_by_anchor
    )
    if unsealed_by_anchor:
        return SealCheck(tuple(problems))
    quiet_libraries()
    notes: list[str] = []
    signer = ""
    if present:
        problem, note, signer = _check_manifest_signature(folder, manifest)
        problems += [problem] if problem else []
        notes += [note] if note else []
    signed = manifest.get("signed_files") if manifest else None
    # a signed PDF must be by the certificate that seals the folder: the trail's word, else
    # the one whose signature over the manifest verified
    sealer = trail_signer or signer
    for rel in signed if isinstance(signed, list) else []:
        if isinstance(rel, str) and _inside(folder, rel) and rel not in absent:
            problem, note = check_pdf(folder / rel, rel, signer_sha256=sealer)
            problems += [problem] if problem else []
            notes += [note] if note else []
    return SealCheck(tuple(problems), tuple(notes))


def claim_problems(
    folder: Path,
    manifest: dict[str, Any] | None,
    *,
    trail_signer: str = "",
    unsealed_by_anchor: bool = False,
) -> list[str]:
    """What :func:`check_seal` finds without cryptography (``status`` reads hundreds of
    folders): a seal the trail names that the manifest does not name or that is missing,
    and one the anchor says the run never made. Nothing for a folder that is not sealed."""
    claimed = manifest.get("signed_by") if manifest else None
    present = _is_regular(folder / SIGNATURE)
    if not present and not claimed and not trail_signer:
        return []
    if unsealed_by_anchor:  # the anchor's record says the run sealed nothing: a seal now is
        # one added after it (the auditor's second look: it verified, and read stronger)
        return [
            "the anchor's record says this run was not sealed, yet the folder carries a "
            "seal: it was added afterwards"
        ]
    problems: list[str] = []
    named = manifest.get("signer_sha256") if manifest else None
    if trail_signer and (not isinstance(named, str) or named.lower() != trail_signer.lower()):
        problems.append(
            "the audit trail says the folder is sealed by the certificate with SHA-256 "
            f"{trail_signer[:16]}…, and the manifest does not name it"
        )
    if not present and claimed:
        problems.append(
            f"{SIGNATURE} is missing: the manifest says the folder is sealed by {claimed}"
        )
    elif not present:
        problems.append(f"{SIGNATURE} is missing: the audit trail says the folder is sealed")
    return problems


def _is_regular(path: Path) -> bool:
    """A regular file, not followed through a link (a link in its place is named elsewhere)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _inside(folder: Path, rel: str) -> bool:
    """A relative name that stays inside the folder (the manifest is untrusted input)."""
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts


def _check_manifest_signature(
    folder: Path, manifest: dict[str, Any] | None
) -> tuple[str, str, str]:
    """(problem or "", note or "", the SHA-256 of the certificate whose signature verified
    or "") for ``manifest.json.p7s`` over ``manifest.json``."""
    data = _read(folder / SIGNATURE, MAX_SIGNATURE)
    content = _read(folder / MANIFEST, MAX_PDF) if _is_regular(folder / MANIFEST) else None
    if data is None or content is None:
        return f"{SIGNATURE} cannot be read", "", ""
    try:
        status = verify_detached(data, content)
    except BrokenSignature as exc:
        return f"{SIGNATURE}: {exc}", "", ""
    subject = _subject(status.signing_cert)
    want = manifest.get("signer_sha256") if manifest else None
    if isinstance(want, str) and want.lower() != _sha256(status.signing_cert):
        return (
            f"{SIGNATURE}: signed by {subject}, not by the certificate the manifest names",
            "",
            _sha256(status.signing_cert),
        )
    # the fingerprint too: an auditor compares it with one agreed outside the folder (an
    # auditor's cold read: a forged seal with the same subject printed the very same line)
    return (
        "",
        f"{SIGNATURE}: signature intact, sealed by {subject} (certificate SHA-256 "
        f"{_sha256(status.signing_cert).upper()}); {_trust_words(status)}",
        _sha256(status.signing_cert),
    )


def _read(path: Path, bound: int) -> bytes | None:
    try:
        if path.lstat().st_size > bound:
            return None
        return path.read_bytes()
    except OSError:
        return None


class BrokenSignature(Exception):
    """A signature that does not verify; the message is the kit's own one line."""


def verify_detached(signature: bytes, content: bytes) -> Any:
    """pyHanko's status of a detached CMS signature over ``content`` (intact and valid
    checked: anything else raises :class:`BrokenSignature` saying why)."""
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(signature, strict=True)
        if info["content_type"].native != "signed_data":
            raise BrokenSignature("not a CMS SignedData")
        signed_data = info["content"]
        if signed_data["encap_content_info"]["content"].native is not None:
            raise BrokenSignature("not a detached signature (it holds its content)")
        status = _run_validation("cms", signed_data, content)
    except BrokenSignature:
        raise
    except Exception as exc:  # garbage of any shape: asn1crypto and pyHanko raise anything
        raise BrokenSignature(f"not a readable CMS signature ({type(exc).__name__})") from exc
    if not status.intact:
        raise BrokenSignature("the manifest's bytes are not the ones signed (digest mismatch)")
    if not status.valid:
        raise BrokenSignature("the signature does not verify with the certificate it carries")
    return status


def check_pdf(path: Path, rel: str, *, signer_sha256: str = "") -> tuple[str, str]:
    """(problem or "", note or "") for a PDF the manifest says is signed: one signature at
    least, each intact, valid and covering the whole file, and (``signer_sha256``) by the
    certificate that seals the folder; a timestamp intact and valid. An auditor's cold read:
    a manifest re-sealed by another certificate kept the genuine PDF, and verified."""
    if not _is_regular(path):
        return f"{rel} is missing: the manifest says it carries a signature", ""
    data = _read(path, MAX_PDF)
    if data is None:
        return f"{rel} cannot be read", ""
    try:
        statuses = _run_validation("pdf", data)
    except BrokenSignature as exc:
        return f"{rel}: {exc}", ""
    except Exception as exc:
        return f"{rel}: its signature cannot be read ({type(exc).__name__})", ""
    if not statuses:
        return f"{rel} carries no signature, although the manifest says it is signed", ""
    notes = []
    for status in statuses:
        why = _pdf_problem(status)
        if why:
            return f"{rel}: {why}", ""
        if signer_sha256 and _sha256(status.signing_cert) != signer_sha256.lower():
            return (
                f"{rel}: signed by {_subject(status.signing_cert)} (certificate SHA-256 "
                f"{_sha256(status.signing_cert)[:16]}…), not by the certificate that seals the "
                "folder",
                "",
            )
        notes.append(
            f"{rel}: PAdES signature intact over the whole file, by {_subject(status.signing_cert)}"
            f"{_timestamp_words(status)}; {_trust_words(status)}"
        )
    return "", "; ".join(notes)


PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"


def is_pdf(path: Path) -> bool:
    """A regular file whose first bytes say it is a PDF (``%PDF-``), whatever its name."""
    if not _is_regular(path):
        return False
    try:
        with path.open("rb") as fh:
            return fh.read(len(PDF_MAGIC)) == PDF_MAGIC
    except OSError:
        return False


def check_lone_pdf(path: Path) -> SealCheck:
    """A PDF given on its own (``audit verify signoff.pdf``): each signature intact, valid
    and over the whole file, with who signed (and the certificate's SHA-256, to compare with
    the one agreed), its timestamp and its trust. A PDF without a signature is a problem:
    nothing in it shows that it is unchanged. No manifest speaks for it, so no signer is
    expected (an IT manager's read: a good signed PDF was "NOT INTACT ... UTF-8 text")."""
    rel = path.name
    data = _read(path, MAX_PDF)
    if data is None:
        return SealCheck((f"{rel} cannot be read",))
    if PDF_END not in data[-1024:]:
        # every PDF, and every update a signature appends, ends with %%EOF: a file that does
        # not is cut short or no PDF, and pyHanko searched 400 MB of such for minutes (an
        # attacker's look)
        return SealCheck(
            (f"{rel} does not end as a PDF does (no %%EOF): it is cut short or not a PDF",)
        )
    quiet_libraries()
    try:
        statuses = _run_validation("pdf", data)
    except BrokenSignature as exc:
        return SealCheck((f"{rel}: {exc}",))
    except Exception as exc:
        return SealCheck((f"{rel}: its signature cannot be read ({type(exc).__name__})",))
    if not statuses:
        return SealCheck(
            (
                f"{rel} carries no signature: nothing in it shows who made it or that it is unchanged",
            )
        )
    problems: list[str] = []
    notes: list[str] = []
    for status in statuses:
        why = _pdf_problem(status)
        if why:
            problems.append(f"{rel}: {why}")
            continue
        notes.append(
            f"{rel}: PAdES signature intact over the whole file, by {_subject(status.signing_cert)}"
            f" (certificate SHA-256 {_sha256(status.signing_cert).upper()})"
            f"{_timestamp_words(status)}; {_trust_words(status)}"
        )
    return SealCheck(tuple(problems), tuple(notes))


def _pdf_problem(status: Any) -> str:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not status.intact:
        return "the signed bytes were changed (digest mismatch)"
    if not status.valid:
        return "the signature does not verify with the certificate it carries"
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return "the signature does not cover the whole file (something was added after it)"
    ts = status.timestamp_validity
    if ts is not None and not (ts.intact and ts.valid):
        return "its timestamp does not verify"
    return ""


def _timestamp_words(status: Any) -> str:
    ts = status.timestamp_validity
    if ts is None:
        return ", no timestamp"
    return f", timestamped {ts.timestamp:%Y-%m-%d %H:%M:%S %Z} by {_subject(ts.signing_cert)}"


def _run_validation(kind: str, data: Any, content: bytes | None = None) -> Any:
    """pyHanko's validation against the bundled OCES3 roots (trust is information here),
    without fetching anything: revocation is not checked (``soft-fail``)."""
    import asyncio

    if kind == "cms":
        return asyncio.run(_validate_cms(data, content or b""))
    return asyncio.run(_validate_pdf(data))


def _context() -> Any:
    from pyhanko_certvalidator import ValidationContext

    roots, others = _bundled_anchors()
    return ValidationContext(
        trust_roots=roots, other_certs=others, allow_fetching=False, revocation_mode="soft-fail"
    )


def _usage() -> Any:
    """A seal's certificate may say digitalSignature or nonRepudiation (an OCES3 organisation
    certificate says the first; pyHanko asks for the second by default)."""
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    return KeyUsageConstraints(
        key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
    )


async def _validate_cms(signed_data: Any, content: bytes) -> Any:
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

    return await async_validate_detached_cms(
        content, signed_data, signer_validation_context=_context(), key_usage_settings=_usage()
    )


async def _validate_pdf(data: bytes) -> list[Any]:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return [
        await async_validate_pdf_signature(
            sig, signer_validation_context=_context(), key_usage_settings=_usage()
        )
        for sig in reader.embedded_regular_signatures
    ]


def _bundled_anchors() -> tuple[list[Any], list[Any]]:
    """The bundled OCES3 roots (both kinds) and issuing CAs, as asn1crypto certificates."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from ..checks.trust import load_trust_anchors

    anchors = load_trust_anchors()
    roots = [c for kind in anchors.roots.values() for c in kind]

    def der(c: Any) -> Any:
        return asn1_x509.Certificate.load(c.public_bytes(Encoding.DER))

    return [der(c) for c in roots], [der(c) for c in anchors.intermediates]


def _trust_words(status: Any) -> str:
    """Whether the signer chains to the bundled OCES3 roots, and to which."""
    path = getattr(status, "validation_path", None)
    if status.trusted and path is not None:
        root = _subject(path.first) if path.first is not None else "?"
        return f"it chains to the bundled OCES3 root {root}"
    return (
        "it does not chain to the bundled OCES3 roots (a seal of its own: integrity only, "
        "check who it is)"
    )


def _subject(cert: Any) -> str:
    """An asn1crypto certificate's subject in RFC 4514, as the rest of the kit writes names."""
    from cryptography import x509

    from ..checks.certificates import name_text

    return name_text(x509.load_der_x509_certificate(cert.dump()).subject)


def _sha256(cert: Any) -> str:
    import hashlib

    return hashlib.sha256(cert.dump()).hexdigest()
