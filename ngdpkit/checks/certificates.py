"""FOCES3/VOCES3 (OCES3) certificates: load, chain, profile, validity, key (contract §5).

Chains are built with :mod:`cryptography.x509.verification` against the anchors
of both kinds at a time inside the leaf's validity, so expiry is reported on its
own and a test certificate in production is told apart from one that chains
nowhere. The verifier's web-PKI policy demands a subjectAltName, which OCES3
leaves do not carry, so that one rule is relaxed (``docs/domain.md``, library facts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .. import findings as F
from ..errors import InputError
from ..findings import Finding
from ..secrets import KERNEL_PROMPT, Secret
from .trust import TrustAnchors, is_self_signed

OCES3_POLICY_ARC = "1.2.208.169.1.1.1.3.7"
OCES2_POLICY = re.compile(
    r"^1\.2\.208\.169\.1\.1\.1\.(1\.[0-9]|2\.(?!7(\.|\Z))[0-9]|3\.(?!7(\.|\Z))[0-9]|4\.[0-9])"
)
OCES2_SERIAL = re.compile(r"CVR:[0-9]{8}-(FID|UID|RID):")
OCES3_SERIAL = re.compile(
    r"^UI:DK-O:G:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)
NAME_OVERRIDES = {
    NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    NameOID.SERIAL_NUMBER: "serialNumber",
}
PUBLIC_SUFFIXES = (".pem", ".cer", ".crt", ".der")
OCES2_END = "31 October 2023"


@dataclass
class LoadedCertificate:
    """What a certificate file gave: the leaf, its key (None when public only), the other certificates."""

    leaf: x509.Certificate | None
    key: Any = None
    extra: list[x509.Certificate] = field(default_factory=list)
    public_only: bool = False
    findings: list[Finding] = field(default_factory=list)


def _bad_password(label: str, password: Secret) -> Finding:
    if password.origin == KERNEL_PROMPT:
        # typed into a JupyterLab kernel, which asks once: running the cell again used the
        # same wrong password without a word, and "the password in VAR" sent the consultant
        # to look for a variable that was never set
        return F.error(
            "CERT_BAD_PASSWORD",
            "The password typed for {name} does not open {label}; the kernel asks only once: restart it (Kernel, Restart Kernel) and run the notebook again to type it again.",
            label,
            name=password.name,
            label=label,
        )
    if password.origin == "prompt":  # typed at the terminal, for this command alone
        return F.error(
            "CERT_BAD_PASSWORD",
            "The password typed for {name} does not open {label}.",
            label,
            name=password.name,
            label=label,
        )
    return F.error(
        "CERT_BAD_PASSWORD",
        "The password in {name} does not open {label}.",
        label,
        name=password.name,
        label=label,
    )


_OPENED: dict[bytes, Any] = {}  # (file, password) digest -> what it opened to
_OPENING: dict[bytes, threading.Lock] = {}
_OPENING_GUARD = threading.Lock()


def _load_pkcs12(data: bytes, password: bytes | None) -> Any:
    """``pkcs12.load_pkcs12``, once per file and password in this process: decrypting a
    PKCS#12 runs its key derivation (0.1-0.25 s), and one ``check`` or ``run`` opened the
    environment's certificate twice (the reuse check across environments, then step 03).
    Two threads asking at once wait for one opening. Only what opened is kept, in memory,
    for the life of the process that holds the password anyway; a wrong password raises
    each time."""
    key = hashlib.sha256(data).digest() + hashlib.sha256(b"pw\0" + (password or b"")).digest()
    key += b"\1" if password is None else b"\0"
    with _OPENING_GUARD:
        lock = _OPENING.setdefault(key, threading.Lock())
    with lock:
        if key not in _OPENED:
            _OPENED[key] = pkcs12.load_pkcs12(data, password)
        return _OPENED[key]


def _der_length_ok(data: bytes) -> bool:
    """Whether ``data`` is one whole DER SEQUENCE starting with version 3 (a PKCS#12 PFX)."""
    if len(data) < 4 or data[0] != 0x30:
        return False
    first = data[1]
    if first < 0x80:
        length, start = first, 2
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or len(data) < 2 + n:
            return False
        length, start = int.from_bytes(data[2 : 2 + n], "big"), 2 + n
    return start + length == len(data) and data[start : start + 3] == b"\x02\x01\x03"


def load_certificate(path: Path, *, label: str, password: Secret | None) -> LoadedCertificate:
    """Load a .p12/.pfx (with its password) or a public .pem/.cer/.crt/.der.

    A wrong or missing password is a finding (the other steps still run); a file
    that is not a certificate at all raises :class:`InputError`.
    """
    if not path.is_file():
        raise InputError(f"{label}: file not found")
    data = path.read_bytes()
    if path.suffix.lower() in PUBLIC_SUFFIXES or data.lstrip().startswith(b"-----BEGIN"):
        return _load_public(data, label)
    if not _der_length_ok(data):
        raise InputError(
            f"{label}: not a PKCS#12 (.p12/.pfx) file, or it is truncated ({len(data)} bytes)"
        )
    if password is not None and "\x00" in password.reveal():
        # No PKCS#12 password holds NUL, and cryptography panics on one, printing the
        # password's bytes to stderr: it is refused here, by the variable's name only.
        return LoadedCertificate(leaf=None, findings=[_bad_password(label, password)])
    try:
        p12 = _load_pkcs12(data, password.reveal().encode() if password else None)
    except ValueError:
        if password is None:
            return LoadedCertificate(
                leaf=None, findings=[]
            )  # SECRET_MISSING is reported by the caller
        from .pkcs12_diagnosis import CORRUPT, diagnose

        if diagnose(data, password.reveal()) == CORRUPT:
            return LoadedCertificate(
                leaf=None,
                findings=[
                    F.error(
                        "CERT_FILE_CORRUPT",
                        "{label} is damaged: its structure or its encrypted parts do not read back ({count} bytes, SHA-256 {value}…); copy it again from the original (the password is not the problem).",
                        label,
                        label=label,
                        count=len(data),
                        value=hashlib.sha256(data).hexdigest()[:16],
                    )
                ],
            )
        return LoadedCertificate(leaf=None, findings=[_bad_password(label, password)])
    key = p12.key
    certs = ([p12.cert.certificate] if p12.cert else []) + [
        c.certificate for c in p12.additional_certs
    ]
    found: list[Finding] = []
    if key is None:
        found.append(
            F.error(
                "CERT_NO_PRIVATE_KEY",
                "{label} holds no private key; NgDP needs the private form (.p12/.pfx with its key).",
                label,
                label=label,
            )
        )
    leaf, extra, more = _pick_leaf(certs, key, label, found)
    return LoadedCertificate(leaf=leaf, key=key, extra=extra, findings=found + more)


def _load_public(data: bytes, label: str) -> LoadedCertificate:
    try:
        certs = (
            x509.load_pem_x509_certificates(data)
            if b"-----BEGIN" in data
            else [x509.load_der_x509_certificate(data)]
        )
    except ValueError as exc:
        raise InputError(f"{label}: not a certificate file (PEM or DER): {exc}") from exc
    found = [
        F.info(
            "CERT_PUBLIC_ONLY",
            "{label} is the public certificate only; the password and private key are not checked here (operations hold the key).",
            label,
            label=label,
        )
    ]
    leaf, extra, more = _pick_leaf(certs, None, label, found)
    return LoadedCertificate(leaf=leaf, extra=extra, public_only=True, findings=found + more)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _same_key(cert: x509.Certificate, key: Any) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return bool(cert.public_key().public_bytes(*fmt) == key.public_key().public_bytes(*fmt))


def _pick_leaf(
    certs: list[x509.Certificate], key: Any, label: str, found: list[Finding]
) -> tuple[x509.Certificate | None, list[x509.Certificate], list[Finding]]:
    more: list[Finding] = []
    leaves = [c for c in certs if not _is_ca(c)] or certs[:1]
    if not leaves:
        raise InputError(f"{label}: the file holds no certificate")
    leaf = leaves[0]
    if key is not None:
        matching = [c for c in leaves if _same_key(c, key)]
        if matching:
            leaf = matching[0]
        else:
            more.append(
                F.error(
                    "CERT_KEY_MISMATCH",
                    "The private key in {label} does not belong to its certificate ({value}).",
                    label,
                    label=label,
                    value=_cn(leaf),
                )
            )
    if len(leaves) > 1:
        more.append(
            F.info(
                "CERT_SEVERAL_LEAVES",
                "{label} holds {count} end-entity certificates; using {value}{value2}.",
                label,
                label=label,
                count=len(leaves),
                value=_cn(leaf),
                value2=" (the one matching the key)" if key is not None else "",
            )
        )
    extra = [c for c in certs if c is not leaf]
    return leaf, extra, more


def _cn(cert: x509.Certificate) -> str:
    from ..inputs.workbooks import clean_text

    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return clean_text(str(cns[0].value) if cns else cert.subject.rfc4514_string())


def name_text(name: x509.Name) -> str:
    """A name as the kit shows and writes it: without the control characters a certificate
    may carry (an attacker's pass: a CN's ESC and BEL reached the pages and the subject in
    dispatcher-config.json). The rules read the raw attributes (:func:`_attr`)."""
    from ..inputs.workbooks import clean_text

    return clean_text(name.rfc4514_string(NAME_OVERRIDES))


def _attr(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def cvr_of(cert: x509.Certificate) -> str:
    org_id = _attr(cert, NameOID.ORGANIZATION_IDENTIFIER)
    m = re.fullmatch(r"NTRDK-([0-9]{8})", org_id)
    if m:
        return m.group(1)
    m = OCES2_SERIAL.search(_attr(cert, NameOID.SERIAL_NUMBER))
    return m.group(0)[4:12] if m else ""


def policies_of(cert: x509.Certificate) -> list[str]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return []
    return [p.policy_identifier.dotted_string for p in ext]


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """A certificate's facts as step 03 stores them (``results.certificate``), in the order
    of :func:`facts`' dict, so that the step file keeps its keys and their order."""

    thumbprint_sha1: str
    sha256: str
    subject: str
    issuer: str
    serial_number: str
    not_before: str  # ISO 8601 UTC, ``Z``
    not_after: str
    days_left: int  # on the day of the check
    cvr: str | None
    organisation: str | None
    common_name: str
    key: str
    chains_to: str | None  # "test", "production" or None (neither)
    chain: tuple[str, ...] = ()

    @classmethod
    def of(cls, data: dict[str, Any]) -> CertificateFacts:
        """The typed facts of :func:`facts`' dict (or a stored one)."""
        from ..inputs.typed import structure

        return structure(data, cls)


def facts(
    cert: x509.Certificate,
    *,
    chain: list[x509.Certificate] | None = None,
    kind: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The certificate block of ``dispatcher-config.json`` and ``cert inspect --json``."""
    now = now or dt.datetime.now(dt.UTC)
    after = cert.not_valid_after_utc
    return {
        "thumbprint_sha1": cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - Windows' thumbprint is SHA-1
        "sha256": cert.fingerprint(hashes.SHA256()).hex().upper(),
        "subject": name_text(cert.subject),
        "issuer": name_text(cert.issuer),
        "serial_number": format(cert.serial_number, "X"),
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "days_left": whole_days_left(after, now),
        "cvr": cvr_of(cert),
        "organisation": _attr(cert, NameOID.ORGANIZATION_NAME),
        "common_name": _cn(cert),
        "key": key_description(cert.public_key()),
        "chains_to": kind,
        "chain": [_cn(c) for c in (chain or [])],
    }


def whole_days_left(end: dt.datetime, now: dt.datetime) -> int:
    """Whole days from ``now`` to ``end``, negative once it has passed, one count for the run,
    ``status`` and ``compare``: expired 3 days and 3 seconds ago is -3, not the floored -4
    (``status`` said -4 and ``compare`` -1 beside a run page's 0 a second after the end)."""
    return (end - now).days if end >= now else -((now - end).days)


def key_description(key: Any) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    return type(key).__name__


SELF_SIGNED = "\0self-signed"  # build_chain's reason for a self-signed leaf (not a library's text)


def build_chain(
    leaf: x509.Certificate, extra: list[x509.Certificate], anchors: TrustAnchors
) -> tuple[str | None, list[x509.Certificate], str]:
    """Which kind's root the leaf chains to (None: neither), the chain, and the reason in words."""
    from cryptography.x509.verification import (
        Criticality,
        ExtensionPolicy,
        PolicyBuilder,
        Store,
        VerificationError,
    )

    if is_self_signed(leaf):
        return None, [leaf], SELF_SIGNED
    ee = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.SubjectAlternativeName, Criticality.AGNOSTIC, None
    )
    ca = ExtensionPolicy.webpki_defaults_ca()
    lo, hi = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    now = dt.datetime.now(dt.UTC)
    at = now if lo <= now <= hi else lo + (hi - lo) / 2
    intermediates = [c for c in extra if _is_ca(c)] + list(anchors.intermediates)
    reasons = []
    for kind, roots in anchors.roots.items():
        if not roots:
            continue
        verifier = (
            PolicyBuilder()
            .store(Store(list(roots)))
            .time(at)
            .extension_policies(ca_policy=ca, ee_policy=ee)
            .build_client_verifier()
        )
        try:
            verified = verifier.verify(leaf, intermediates)
            return kind, list(verified.chain), ""
        except VerificationError as exc:
            reasons.append(str(exc))
    # The verifier's own words (cryptography's, in English) when they say more than "no
    # chain": the finding quotes them after the kit's own sentence.
    detail = reasons[0] if reasons and "candidates exhausted" not in reasons[0] else ""
    return None, [leaf], detail


def is_oces2(cert: x509.Certificate) -> str:
    """The OCES2 marker found, as ``what: value``, or '' (any one of issuer, serial or policy
    is enough). The words before the colon are the catalogue's (``VALUES_DA``): a Danish page
    said "its serial number … is OCES2-shaped" in English. Each names OCES2, so that no value
    of data that is one plain word ("issuer") is taken for them."""
    issuer = name_text(cert.issuer)
    if "TRUST2408" in issuer.upper():
        return f"OCES2 issuer: {issuer}"
    serial = _attr(cert, NameOID.SERIAL_NUMBER)
    if OCES2_SERIAL.search(serial):
        return f"OCES2 serial number: {serial!r}"
    for oid in policies_of(cert):
        if OCES2_POLICY.match(oid):
            return f"OCES2 policy: {oid}"
    return ""


def check_certificate(
    loaded: LoadedCertificate,
    *,
    kind: str,
    anchors: TrustAnchors,
    cvr: str | None,
    warn_days: int = 60,
    error_days: int = 14,
    label: str = "",
    now: dt.datetime | None = None,
) -> tuple[dict[str, Any] | None, list[Finding]]:
    """Every offline certificate check for an environment of ``kind``; returns (facts, findings)."""
    found = list(loaded.findings)
    leaf = loaded.leaf
    if leaf is None:
        return None, found
    now = now or dt.datetime.now(dt.UTC)
    chain_kind, chain, reason = build_chain(leaf, loaded.extra, anchors)
    alone = not loaded.public_only and not loaded.extra  # a .p12 exported without its chain
    found += _trust_findings(
        leaf, chain_kind, reason, kind=kind, anchors=anchors, label=label, alone=alone
    )
    found += _oces3_findings(leaf, chain_kind, chain, anchors=anchors, label=label)
    found += _cvr_findings(leaf, cvr, label=label)
    found += _validity_findings(leaf, now, warn_days=warn_days, error_days=error_days, label=label)
    found += _key_findings(leaf, label=label)
    return facts(leaf, chain=chain, kind=chain_kind, now=now), found


def _custom_anchor_findings(kind: str, anchors: TrustAnchors) -> list[Finding]:
    """CERT_CUSTOM_TRUST_ANCHORS when the anchors are the settings' own."""
    found: list[Finding] = []
    # the kind checked, when it has custom anchors of its own: a check of test named
    # production's too ("egne tillidsankre for production, test"); otherwise the kinds whose
    # custom roots its chain was tried against
    named = (kind,) if kind in anchors.custom_kinds else anchors.custom_kinds
    if anchors.custom and kind == "production" and "production" in anchors.custom_kinds:
        # an operations engineer's look: production's install-certificate.ps1 refuses a root
        # that is not OCES3 even with -TrustCustomRoot, and the run said only that the check
        # proved nothing; go-live day found out on the server
        found.append(
            F.warning(
                "CERT_CUSTOM_TRUST_ANCHORS",
                "Checked against custom trust anchors for {values}, not the real OCES3 roots; this proves nothing about a real OCES3 certificate, and production's install-certificate.ps1 refuses to install a root that is not OCES3.",
                "trust_anchors",
                values=", ".join(named),
            )
        )
    elif anchors.custom:
        found.append(
            F.warning(
                "CERT_CUSTOM_TRUST_ANCHORS",
                "Checked against custom trust anchors for {values}, not the real OCES3 roots; this proves nothing about a real OCES3 certificate.",
                "trust_anchors",
                values=", ".join(named),
            )
        )
    return found


def _trust_findings(
    leaf: x509.Certificate,
    chain_kind: str | None,
    reason: str,
    *,
    kind: str,
    anchors: TrustAnchors,
    label: str,
    alone: bool = False,
) -> list[Finding]:
    """Custom anchors, no chain to a root, or a root of the other kind. ``alone``: the .p12
    holds no CA certificate beside the leaf (Windows' export wizard without "Include all
    certificates in the certification path"), which the finding then says in its terms."""
    found = _custom_anchor_findings(kind, anchors)
    if chain_kind is None and reason == SELF_SIGNED:
        found.append(
            F.error(
                "CERT_CHAIN_INVALID",
                "The certificate {value!r} is not trusted: it is self-signed, not issued by an OCES3 CA.",
                label,
                value=_cn(leaf),
            )
        )
    elif chain_kind is None and alone:
        # a consultant's Windows pass: the export wizard's "Include all certificates in the
        # certification path if possible" left unticked, and the finding did not say so
        found.append(
            F.error(
                "CERT_CHAIN_INVALID",
                "The certificate {value!r} is not trusted: it does not chain to a trusted root; its issuer is {issuer}, and the file holds no CA certificate: export it again in Windows (certmgr.msc: All Tasks, Export, Personal Information Exchange - PKCS #12) with “Include all certificates in the certification path if possible” ticked, or add the issuing CA to trust_anchors.",
                label,
                value=_cn(leaf),
                issuer=name_text(leaf.issuer),
            )
        )
    elif chain_kind is None:
        found.append(
            F.error(
                "CERT_CHAIN_INVALID",
                "The certificate {value!r} is not trusted: it does not chain to a trusted root; its issuer is {issuer}. The verifier said: “{detail}”."
                if reason
                else "The certificate {value!r} is not trusted: it does not chain to a trusted root; its issuer is {issuer}.",
                label,
                value=_cn(leaf),
                issuer=name_text(leaf.issuer),
                **({"detail": reason} if reason else {}),
            )
        )
    elif chain_kind != kind:
        # two sentences of the catalogue (an f-string stayed English in a Danish run: a
        # support engineer's look)
        if kind == "production":
            msg = "This is a test certificate (it chains to the test root) in a production environment."
            found.append(F.error("CERT_WRONG_ENVIRONMENT", msg, label))
        else:
            msg = "This is a production certificate (it chains to the production root) in a test environment (NgDP test normally expects a test certificate: inferred)."
            found.append(F.warning("CERT_WRONG_ENVIRONMENT", msg, label))
    return found


def _oces3_findings(
    leaf: x509.Certificate,
    chain_kind: str | None,
    chain: list[x509.Certificate],
    *,
    anchors: TrustAnchors,
    label: str,
) -> list[Finding]:
    """OCES2 (ended), or a certificate not shaped like OCES3 (policy, identifiers, issuer)."""
    found: list[Finding] = []
    oces2 = is_oces2(leaf)
    if oces2:
        found.append(
            F.error(
                "CERT_OCES2",
                "This is an OCES2 certificate ({oces2}); OCES2 ended on {oces2_end}, order a FOCES3/VOCES3 (OCES3) certificate through MitID Erhverv (inferred).",
                label,
                oces2=oces2,
                oces2_end=OCES2_END,
            )
        )
    else:
        missing = []
        if not any(
            p == OCES3_POLICY_ARC or p.startswith(OCES3_POLICY_ARC + ".") for p in policies_of(leaf)
        ):
            missing.append(f"a certificate policy under {OCES3_POLICY_ARC}")
        if not re.fullmatch(r"NTRDK-[0-9]{8}", _attr(leaf, NameOID.ORGANIZATION_IDENTIFIER)):
            missing.append("organizationIdentifier NTRDK-<CVR>")
        if not OCES3_SERIAL.match(_attr(leaf, NameOID.SERIAL_NUMBER)):
            missing.append("serialNumber UI:DK-O:G:<uuid>")
        if (
            chain_kind
            and not anchors.custom
            and len(chain) > 1
            and "OCES udstedende-CA" not in _cn(chain[1])
        ):
            missing.append("issuer Den Danske Stat OCES udstedende-CA 1")
        if missing:
            found.append(
                F.error(
                    "CERT_NOT_OCES3",
                    "The certificate is not shaped like an OCES3 organisation/system certificate: it lacks {values}.",
                    label,
                    values=", ".join(missing),
                )
            )
    return found


def _cvr_findings(leaf: x509.Certificate, cvr: str | None, *, label: str) -> list[Finding]:
    """The certificate's CVR must be the organisation's."""
    from ..redact import hide_cpr_in_name

    found: list[Finding] = []
    cert_cvr = cvr_of(leaf)
    if cvr and cert_cvr and cert_cvr != cvr:
        found.append(
            F.error(
                "CERT_CVR_MISMATCH",
                "The certificate belongs to CVR {cert_cvr}, not the organisation's CVR {cvr}.",
                label,
                cert_cvr=cert_cvr,
                # a CPR number typed as the CVR is not put on a page; in brackets, as an aside
                # ("ikke organisationens CVR (CPR-nummer udeladt)"), not run into the sentence
                cvr=hide_cpr_in_name(cvr),
            )
        )
    return found


def _validity_findings(
    leaf: x509.Certificate, now: dt.datetime, *, warn_days: int, error_days: int, label: str
) -> list[Finding]:
    """Expired, not yet valid, or expiring within the error or warning days."""
    found: list[Finding] = []
    days = (leaf.not_valid_after_utc - now).days
    if leaf.not_valid_after_utc <= now:
        ago = (now - leaf.not_valid_after_utc).days
        if ago == 0:  # "(for 0 dage siden)", "(for 1 dage siden)": a Danish proofreader
            msg = "The certificate expired on {not_valid_after_utc:%Y-%m-%d} (less than a day ago)."
        elif ago == 1:
            msg = "The certificate expired on {not_valid_after_utc:%Y-%m-%d} ({value} day ago)."
        else:
            msg = "The certificate expired on {not_valid_after_utc:%Y-%m-%d} ({value} days ago)."
        found.append(
            F.error(
                "CERT_EXPIRED",
                msg,
                label,
                not_valid_after_utc=F.in_copenhagen(leaf.not_valid_after_utc),
                # whole days since it expired: 3 days and 3 seconds ago is 3 (a floored
                # negative timedelta said 4, a support engineer's read)
                value=ago,
            )
        )
    elif leaf.not_valid_before_utc > now:
        found.append(
            F.error(
                "CERT_NOT_YET_VALID",
                "The certificate is valid only from {not_valid_before_utc:%Y-%m-%d %H:%M} UTC.",
                label,
                not_valid_before_utc=leaf.not_valid_before_utc,
            )
        )
    elif days < error_days:
        found.append(
            F.error(
                "CERT_EXPIRES_SOON",
                "The certificate expires on {not_valid_after_utc:%Y-%m-%d}, in {days} days (under {error_days}).",
                label,
                not_valid_after_utc=F.in_copenhagen(leaf.not_valid_after_utc),
                days=days,
                error_days=error_days,
            )
        )
    elif days < warn_days:
        found.append(
            F.warning(
                "CERT_EXPIRES_SOON",
                "The certificate expires on {not_valid_after_utc:%Y-%m-%d}, in {days} days (under {warn_days}); order its successor now.",
                label,
                not_valid_after_utc=F.in_copenhagen(leaf.not_valid_after_utc),
                days=days,
                warn_days=warn_days,
            )
        )
    return found


def _key_findings(leaf: x509.Certificate, *, label: str) -> list[Finding]:
    """A key NgDP accepts, allowed to sign (mutual TLS)."""
    found: list[Finding] = []
    key = leaf.public_key()
    weak = not (
        (isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048)
        or (isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size >= 256)
    )
    if weak:
        found.append(
            F.error(
                "CERT_WEAK_KEY",
                "The certificate's key is {value}; NgDP needs RSA of at least 2048 bits (OCES3 uses 3072) or EC P-256 or stronger.",
                label,
                value=key_description(key),
            )
        )
    try:
        signs = leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    except x509.ExtensionNotFound:
        signs = False
    if not signs:
        found.append(
            F.error(
                "CERT_KEY_USAGE",
                "The certificate's key usage does not allow digitalSignature, which mutual TLS needs.",
                label,
            )
        )
    return found


def fingerprint(path: Path, password: Secret | None) -> str | None:
    """SHA-256 of the leaf, or None when the file cannot be read (for the reuse check)."""
    try:
        loaded = load_certificate(path, label=path.name, password=password)
    except InputError:
        return None
    return (
        hashlib.sha256(loaded.leaf.public_bytes(serialization.Encoding.DER)).hexdigest()
        if loaded.leaf
        else None
    )


def issuing_ca(loaded: LoadedCertificate, anchors: Any) -> x509.Certificate | None:
    """The CA certificate that issued the leaf (from the file or the anchors), for the
    installation script to put into the server's intermediate store."""
    if loaded.leaf is None:
        return None
    for candidate in [*loaded.extra, *anchors.intermediates]:
        if candidate.subject == loaded.leaf.issuer:
            try:
                loaded.leaf.verify_directly_issued_by(candidate)
            except Exception:
                continue
            found: x509.Certificate = candidate
            return found
    return None


INSPECT_KEYS = (
    "common_name",
    "subject",
    "issuer",
    "cvr",
    "chains_to",
    "not_before",
    "not_after",
    "days_left",
    "key",
    "thumbprint_sha1",
    "sha256",
    "serial_number",
)


def _anchor_items(items: list[str]) -> tuple[dict[str, tuple[Path, ...]], list[str]]:
    """``--trust-anchors KIND=PEM`` items as files per kind, and a line per unusable item."""
    custom: dict[str, tuple[Path, ...]] = {}
    problems = []
    for item in items:
        which, _, pem = item.partition("=")
        if which not in ("test", "production") or not pem:
            problems.append(
                f"--trust-anchors {item!r}: write KIND=PEM with KIND test or production"
            )
        elif not Path(pem).is_file():
            problems.append(f"--trust-anchors {which}: file not found: {pem}")
        else:
            custom[which] = custom.get(which, ()) + (Path(pem),)
    return custom, problems


def _no_password(
    password_env: str | None, secrets_file: Path | None, path: Path, *, opened: bool
) -> list[Finding]:
    """``SECRET_MISSING`` for a .p12/.pfx opened without a password: the variable named and
    found nowhere (nor in the secrets file, when the settings gave one), or none named for a
    file that needs one."""
    from .. import findings as F

    if password_env and secrets_file is not None:
        return [
            F.error(
                "SECRET_MISSING",
                "Neither the environment nor the secrets file {file} holds {password_env}.",
                password_env,
                password_env=password_env,
                file=secrets_file.name,
            )
        ]
    if password_env:
        return [
            F.error(
                "SECRET_MISSING",
                "The environment variable {password_env} is not set.",
                password_env,
                password_env=password_env,
            )
        ]
    if opened:
        return []
    return [
        F.error(
            "SECRET_MISSING",
            "The .p12/.pfx is password protected: name the variable holding its password with --password-env.",
            path.name,
        )
    ]


def inspect(
    path: Path,
    *,
    password_env: str | None,
    kind: str | None,
    cvr: str | None,
    trust_anchors: list[str],
    anchor_files: dict[str, tuple[Path, ...]] | None = None,
    secrets_file: Path | None = None,
    prompt: bool = False,
) -> tuple[dict[str, Any] | None, list[Finding]]:
    """``ngdpkit cert inspect``: the facts and findings for one certificate file.

    Args:
        path: a .p12/.pfx or a public .pem/.cer/.crt/.der.
        password_env: the variable holding the .p12 password (never the password).
        kind: "test" or "production" when known; without it, the environment is not judged.
        cvr: the organisation's CVR, when it should be compared.
        trust_anchors: ``KIND=PEM`` items replacing the bundled OCES3 roots of that kind.
        anchor_files: the settings' ``[trust_anchors]`` (used when ``trust_anchors`` is empty).
        secrets_file: the settings' dotenv file, searched for the password after the
            environment (as ``run`` does).
        prompt: ask for the password on the terminal when no source has it.

    Raises:
        InputError: every unusable argument or file, one line each.
    """
    from .. import findings as F
    from ..secrets import quality_findings, resolve
    from .system import check_cvr
    from .trust import load_trust_anchors

    custom, problems = _anchor_items(trust_anchors)
    if not trust_anchors:
        custom = dict(anchor_files or {})
    if not path.is_file():
        problems.append(f"{path}: file not found")
    if problems:
        raise InputError(problems)
    password = (
        resolve(
            password_env,
            secrets_file=secrets_file,
            prompt=prompt,
            label=f"Password of {path.name}",
        )
        if password_env
        else None
    )
    anchors = load_trust_anchors(custom)
    loaded = load_certificate(path, label=path.name, password=password)
    found: list[Finding] = []
    if password is not None:
        found += quality_findings(password, password_env or "")
    if password is None and not loaded.public_only:
        found += _no_password(password_env, secrets_file, path, opened=loaded.leaf is not None)
    if cvr:
        found += check_cvr(cvr)
    facts, more = check_certificate(
        loaded, kind=kind or "production", anchors=anchors, cvr=cvr, label=path.name
    )
    if not kind:
        more = [f for f in more if f.code != "CERT_WRONG_ENVIRONMENT"]
    return facts, F.sort_findings(found + more)
