"""Trust anchors per environment kind: the bundled real OCES3 CAs, or the settings' own.

The bundled files are copies of Digitaliseringsstyrelsen's OCES3 root and
issuing CA 1 certificates, production and test (their SHA-256 fingerprints are
pinned in the tests). A test certificate chains only to the test root and a
production certificate only to the production root: that is how the kit tells
the environments apart.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from cryptography import x509

from ..errors import InputError

# cryptography warns, with the caller's source line, when a name attribute is longer than
# X.520 allows (a CN of 65+ characters); the kit reads such a certificate as it is, and the
# warning would reach the console and a notebook's output (a sign-off page).
warnings.filterwarnings("ignore", message="Attribute's length must be", category=UserWarning)

BUNDLED = {
    "production": ("oces3-prod-root-ca.pem", "oces3-prod-issuing-ca-1.pem"),
    "test": ("oces3-test-root-ca.pem", "oces3-test-issuing-ca-1.pem"),
}


@dataclass(frozen=True)
class TrustAnchors:
    """Roots per kind, intermediates that may complete a chain, and whether they are custom."""

    roots: dict[str, tuple[x509.Certificate, ...]]
    intermediates: tuple[x509.Certificate, ...] = ()
    custom_kinds: tuple[str, ...] = field(default=())

    @property
    def custom(self) -> bool:
        return bool(self.custom_kinds)


def is_self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except Exception:
        return False
    return True


def _bundled(kind: str) -> list[x509.Certificate]:
    base = resources.files("ngdpkit") / "anchors"
    return [x509.load_pem_x509_certificate((base / name).read_bytes()) for name in BUNDLED[kind]]


def bundled_root_ders() -> frozenset[bytes]:
    """The DER bytes of the OCES3 roots the kit ships (both kinds): a root the settings named
    themselves is not among them."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return frozenset(
        c.public_bytes(Encoding.DER)
        for kind in BUNDLED
        for c in _bundled(kind)
        if is_self_signed(c)
    )


def read_pem_bundle(path: Path, label: str) -> list[x509.Certificate]:
    data = path.read_bytes()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise InputError(f"{label}: not a PEM or DER certificate file ({exc})") from exc


def load_trust_anchors(
    custom: dict[str, tuple[Path, ...]] | None = None, *, rel: Callable[[Path], str] = str
) -> TrustAnchors:
    """The anchors for both kinds: custom files replace the bundled CAs of their kind.

    Self-signed certificates in a custom file are roots; the others are taken as
    intermediates that may complete a chain.
    """
    roots: dict[str, tuple[x509.Certificate, ...]] = {}
    inter: list[x509.Certificate] = []
    custom = custom or {}
    for kind in BUNDLED:
        if custom.get(kind):
            certs = [c for p in custom[kind] for c in read_pem_bundle(p, rel(p))]
        else:
            certs = _bundled(kind)
        roots[kind] = tuple(c for c in certs if is_self_signed(c))
        inter.extend(c for c in certs if not is_self_signed(c))
        if not roots[kind]:
            raise InputError(
                f"trust_anchors.{kind}: no self-signed root certificate in {', '.join(rel(p) for p in custom[kind])}"
            )
    return TrustAnchors(
        roots=roots,
        intermediates=tuple(inter),
        custom_kinds=tuple(k for k in BUNDLED if custom.get(k)),
    )
