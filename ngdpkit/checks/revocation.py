"""OCSP revocation check (``--online``): ask the certificate's own AIA responder.

An answer counts only when it is (contract §10):

* signed by the issuing CA itself, or by a responder certificate that the issuing CA
  issued with ``id-kp-OCSPSigning`` and that is valid now (RFC 6960 §4.2.2.2); another
  end-entity certificate of the same CA does not do;
* about this certificate: its serial number and the issuer's name and key hashes;
* fresh: ``thisUpdate ≤ now ≤ nextUpdate`` with five minutes' skew (without a
  ``nextUpdate``, ``thisUpdate`` within the last day).

Otherwise the result is ``CERT_OCSP_UNAVAILABLE`` (warning) naming the reason, never "good".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from .. import findings as F
from ..findings import Finding
from .trust import TrustAnchors


def ocsp_url(cert: x509.Certificate) -> str | None:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return None
    for desc in aia:
        if desc.access_method == AuthorityInformationAccessOID.OCSP:
            return str(desc.access_location.value)
    return None


def _issuer_of(
    cert: x509.Certificate, candidates: list[x509.Certificate]
) -> x509.Certificate | None:
    for c in candidates:
        if c.subject == cert.issuer:
            try:
                cert.verify_directly_issued_by(c)
                return c
            except Exception:
                continue
    return None


SKEW = dt.timedelta(minutes=5)
NO_NEXT_UPDATE = dt.timedelta(days=1)
_PSS = "1.2.840.113549.1.1.10"


def _verifies(signer: x509.Certificate, response: Any) -> bool:
    """Whether ``signer``'s key made the response's signature (RSA PKCS#1 v1.5 or PSS, EC, EdDSA)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

    key: Any = signer.public_key()
    algorithm = response.signature_hash_algorithm
    try:
        if isinstance(key, rsa.RSAPublicKey):
            pad: Any = (
                padding.PSS(mgf=padding.MGF1(algorithm), salt_length=padding.PSS.AUTO)
                if response.signature_algorithm_oid.dotted_string == _PSS
                else padding.PKCS1v15()
            )
            key.verify(response.signature, response.tbs_response_bytes, pad, algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(response.signature, response.tbs_response_bytes)
        else:
            return False
    except Exception:
        return False
    return True


def _delegated(cert: x509.Certificate, issuer: x509.Certificate, now: dt.datetime) -> str:
    """Why ``cert`` may not answer for ``issuer``'s certificates, or "" when it may."""
    if _issuer_of(cert, [issuer]) is None:
        return "its signer was not issued by the issuing CA"
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return "its signer is not an OCSP responder (no id-kp-OCSPSigning)"
    if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
        return "its signer is not an OCSP responder (no id-kp-OCSPSigning)"
    if not cert.not_valid_before_utc - SKEW <= now <= cert.not_valid_after_utc + SKEW:
        return "its responder certificate is not valid now"
    return ""


def answer_problem(
    response: Any, leaf: x509.Certificate, issuer: x509.Certificate, now: dt.datetime
) -> str:
    """Why an OCSP answer does not count for ``leaf``, or "" when it does (contract §10)."""
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return f"it answered {response.response_status.name}"
    if not _verifies(issuer, response):
        signer = next((c for c in response.certificates if _verifies(c, response)), None)
        if signer is None:
            return "it is not signed by the issuing CA or a responder it authorised"
        why = _delegated(signer, issuer, now)
        if why:
            return why
    single = our_answer(response, leaf, issuer)
    if single is None:
        return f"it is not about this certificate (serial {leaf.serial_number:X})"
    this_update = single.this_update_utc
    next_update = single.next_update_utc
    if this_update > now + SKEW:
        return f"it is dated in the future ({this_update:%Y-%m-%d %H:%M} UTC)"
    if next_update is not None and now > next_update + SKEW:
        return f"it is stale (its nextUpdate was {next_update:%Y-%m-%d %H:%M} UTC)"
    if next_update is None and now - this_update > NO_NEXT_UPDATE:
        return f"it is stale (thisUpdate {this_update:%Y-%m-%d %H:%M} UTC, no nextUpdate)"
    return ""


def our_answer(response: Any, leaf: x509.Certificate, issuer: x509.Certificate) -> Any:
    """The single response about ``leaf``: its serial and its issuer's name and key hashes."""
    for single in response.responses:
        want = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, single.hash_algorithm)
        request = want.build()
        if (
            single.serial_number == leaf.serial_number
            and single.issuer_key_hash == request.issuer_key_hash
            and single.issuer_name_hash == request.issuer_name_hash
        ):
            return single
    return None


def check_revocation(
    leaf: x509.Certificate,
    extra: list[x509.Certificate],
    anchors: TrustAnchors,
    *,
    timeout: float,
    label: str,
    total: float | None = None,
    transport: Any = None,
    now: dt.datetime | None = None,
) -> list[Finding]:
    import time

    import httpx

    from ..redact import one_line
    from .deadline import BoundedClient

    def unavailable(template: str, **params: Any) -> list[Finding]:
        return [F.warning("CERT_OCSP_UNAVAILABLE", template, label, "OCSP", **params)]

    url = ocsp_url(leaf)
    if not url:
        return unavailable(
            "The certificate names no OCSP responder, so revocation was not checked."
        )
    pool = (
        list(extra)
        + list(anchors.intermediates)
        + [r for roots in anchors.roots.values() for r in roots]
    )
    issuer = _issuer_of(leaf, pool)
    if issuer is None:
        return unavailable("The issuing CA is not at hand, so revocation was not checked.")
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA256()).build()
    try:
        with BoundedClient(
            deadline=time.monotonic() + (total or timeout),
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        ) as client:
            reply = client.post(
                url,
                content=request.public_bytes(serialization.Encoding.DER),
                headers={"Content-Type": "application/ocsp-request"},
            )
        response = ocsp.load_der_ocsp_response(reply.content)
    except (httpx.HTTPError, OSError, ValueError) as exc:
        return unavailable(
            "The OCSP responder {url} gave no usable answer ({value}: {reason}); revocation is not known.",
            url=url,
            value=type(exc).__name__,
            reason=one_line(str(exc))[:120],
        )
    why = answer_problem(response, leaf, issuer, now or dt.datetime.now(dt.UTC))
    if why:
        return unavailable(
            "The OCSP answer from {url} is ignored: {why}; revocation is not known.",
            url=url,
            why=why,
        )
    single = our_answer(response, leaf, issuer)
    if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        when = single.revocation_time_utc
        return [
            F.error(
                "CERT_REVOKED",
                "The certificate was revoked{value} (OCSP {url}).",
                label,
                "OCSP",
                value=f" {F.in_copenhagen(when):%Y-%m-%d}" if when else "",  # the Danish day
                url=url,
            )
        ]
    if single.certificate_status == ocsp.OCSPCertStatus.UNKNOWN:
        return unavailable("The OCSP responder {url} does not know the certificate.", url=url)
    return []
