"""OCSP revocation check (``--online``): ask the certificate's own AIA responder.

The response's signature is checked against the issuer, or against a delegated
responder certificate that the issuer signed.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID

from . import findings as F
from .findings import Finding
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


def _signature_ok(response: Any, issuer: x509.Certificate) -> bool:
    signers = [issuer] + [c for c in response.certificates if _issuer_of(c, [issuer]) is not None]
    for signer in signers:
        try:
            key: Any = signer.public_key()
            from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

            if isinstance(key, rsa.RSAPublicKey):
                key.verify(
                    response.signature,
                    response.tbs_response_bytes,
                    padding.PKCS1v15(),
                    response.signature_hash_algorithm,
                )
            elif isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(
                    response.signature,
                    response.tbs_response_bytes,
                    ec.ECDSA(response.signature_hash_algorithm),
                )
            else:
                continue
            return True
        except Exception:
            continue
    return False


def check_revocation(
    leaf: x509.Certificate,
    extra: list[x509.Certificate],
    anchors: TrustAnchors,
    *,
    timeout: float,
    label: str,
    transport: Any = None,
) -> list[Finding]:
    import httpx

    url = ocsp_url(leaf)
    if not url:
        return [
            F.warning(
                "CERT_OCSP_UNAVAILABLE",
                "The certificate names no OCSP responder, so revocation was not checked.",
                label,
                "OCSP",
            )
        ]
    pool = (
        list(extra)
        + list(anchors.intermediates)
        + [r for roots in anchors.roots.values() for r in roots]
    )
    issuer = _issuer_of(leaf, pool)
    if issuer is None:
        return [
            F.warning(
                "CERT_OCSP_UNAVAILABLE",
                "The issuing CA is not at hand, so revocation was not checked.",
                label,
                "OCSP",
            )
        ]
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA256()).build()
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            reply = client.post(
                url,
                content=request.public_bytes(serialization.Encoding.DER),
                headers={"Content-Type": "application/ocsp-request"},
            )
        response = ocsp.load_der_ocsp_response(reply.content)
    except (httpx.HTTPError, OSError, ValueError) as exc:
        return [
            F.warning(
                "CERT_OCSP_UNAVAILABLE",
                f"The OCSP responder {url} gave no usable answer ({type(exc).__name__}); revocation is not known.",
                label,
                "OCSP",
            )
        ]
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return [
            F.warning(
                "CERT_OCSP_UNAVAILABLE",
                f"The OCSP responder {url} answered {response.response_status.name}.",
                label,
                "OCSP",
            )
        ]
    if not _signature_ok(response, issuer):
        return [
            F.warning(
                "CERT_OCSP_UNAVAILABLE",
                f"The OCSP answer from {url} is not signed by the issuing CA; it is ignored.",
                label,
                "OCSP",
            )
        ]
    if response.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        when = response.revocation_time_utc
        return [
            F.error(
                "CERT_REVOKED",
                f"The certificate was revoked{f' on {when:%Y-%m-%d}' if when else ''} (OCSP {url}).",
                label,
                "OCSP",
            )
        ]
    if response.certificate_status == ocsp.OCSPCertStatus.UNKNOWN:
        return [
            F.warning(
                "CERT_OCSP_UNAVAILABLE",
                f"The OCSP responder {url} does not know the certificate.",
                label,
                "OCSP",
            )
        ]
    return []
