"""Build OCES3-shaped certificates for the sample and for tests.

Nothing here is trusted by NgDP: the CAs are named "ngdpkit SAMPLE ... (NOT
OCES3)" by the sample. The shape follows real OCES3 organisation/system
certificates (``docs/domain.md``): subject with organizationIdentifier NTRDK-<CVR> and
serialNumber UI:DK-O:G:<uuid>, the OCES3 policy OIDs, RSA 3072, RSASSA-PSS with a
digest-length salt (the verifier refuses PSS.MAX_LENGTH), no subjectAltName.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

OCES3_POLICIES = ("0.4.0.2042.1.1", "1.2.208.169.1.1.1.3.7.1")


@dataclass
class Issued:
    cert: x509.Certificate
    key: Any

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _pss() -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def _sign_kwargs(issuer_key: Any) -> dict[str, Any]:
    if isinstance(issuer_key, rsa.RSAPrivateKey):
        return {"algorithm": hashes.SHA256(), "rsa_padding": _pss()}
    return {"algorithm": hashes.SHA256()}


def rsa_key(bits: int = 3072) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def make_ca(
    common_name: str,
    *,
    parent: Issued | None = None,
    organisation: str = "ngdpkit SAMPLE",
    unit: str | None = None,
    days: int = 3650,
    bits: int = 3072,
    not_before: dt.datetime | None = None,
) -> Issued:
    """A root CA (no parent) or an issuing CA signed by ``parent``."""
    key = rsa_key(bits)
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
    ]
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    name = x509.Name(attrs)
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    issuer_name = parent.cert.subject if parent else name
    issuer_key = parent.key if parent else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(
            x509.BasicConstraints(ca=True, path_length=None if parent is None else 0), critical=True
        )
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if parent is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()),
            critical=False,
        )
    return Issued(builder.sign(private_key=issuer_key, **_sign_kwargs(issuer_key)), key)


def make_leaf(
    issuer: Issued,
    *,
    cvr: str,
    organisation: str,
    common_name: str = "WorkZone NgDP",
    days: int = 3 * 365,
    not_before: dt.datetime | None = None,
    key: Any = None,
    policies: tuple[str, ...] = OCES3_POLICIES,
    serial: str | None = None,
    organization_identifier: str | None = None,
    digital_signature: bool = True,
    ocsp_url: str = "http://ocsp.sample.invalid/ocsp",
    ca_issuers_url: str = "http://ca.sample.invalid/issuing.cer",
    self_signed: bool = False,
) -> Issued:
    """An OCES3-shaped organisation/system certificate."""
    # Kept whole: one certificate builder, its subject and extensions in the order the
    # certificate holds them; the length is the sixteen ways a test can bend it.
    key = key or rsa_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
            x509.NameAttribute(
                NameOID.ORGANIZATION_IDENTIFIER, organization_identifier or f"NTRDK-{cvr}"
            ),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, serial or f"UI:DK-O:G:{uuid.uuid4()}"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    signer_key = key if self_signed else issuer.key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name if self_signed else issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(
            x509.KeyUsage(
                digital_signature,
                not digital_signature,
                True,
                False,
                False,
                False,
                False,
                False,
                False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(ocsp_url),
                    ),
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(ca_issuers_url),
                    ),
                ]
            ),
            critical=False,
        )
    )
    if policies:
        builder = builder.add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier(p), None) for p in policies]
            ),
            critical=False,
        )
    if not self_signed:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return Issued(builder.sign(private_key=signer_key, **_sign_kwargs(signer_key)), key)


def to_p12(
    leaf: Issued,
    password: str | None,
    *,
    chain: tuple[x509.Certificate, ...] = (),
    name: bytes = b"ngdpkit",
    key: Any = "leaf",
) -> bytes:
    """A PKCS#12 file: the leaf, its key (or another/None), and extra certificates."""
    enc = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    use_key = leaf.key if key == "leaf" else key
    return pkcs12.serialize_key_and_certificates(name, use_key, leaf.cert, list(chain) or None, enc)


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())
