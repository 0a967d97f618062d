"""The bundled OCES3 anchors are the real ones, and chain to each other."""

from __future__ import annotations

from importlib import resources

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ngdpkit.checks.trust import load_trust_anchors
from tests.conftest import REPO

PINNED = {
    "oces3-prod-root-ca.pem": "06FCB2CB",
    "oces3-prod-issuing-ca-1.pem": "5B5662AA",
    "oces3-test-root-ca.pem": "D1BCEC41",
    "oces3-test-issuing-ca-1.pem": "57C78523",
}


def load(name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(
        (resources.files("ngdpkit") / "anchors" / name).read_bytes()
    )


def test_fingerprints_pinned() -> None:
    for name, prefix in PINNED.items():
        fp = load(name).fingerprint(hashes.SHA256()).hex().upper()
        assert fp.startswith(prefix), name
        assert fp.endswith(
            {
                "oces3-prod-root-ca.pem": "9C09",
                "oces3-prod-issuing-ca-1.pem": "67B8",
                "oces3-test-root-ca.pem": "C5EC",
                "oces3-test-issuing-ca-1.pem": "AF9B",
            }[name]
        )


def test_bundled_files_equal_the_shared_reference() -> None:
    ref = REPO.parent / "shared" / "reference" / "oces3"
    if not ref.is_dir():  # a wheel install has no shared/ beside it; the pins above still hold
        pytest.skip("no shared/reference/oces3 beside the repository")
    for name in PINNED:
        assert (ref / name).read_bytes().strip() == (
            resources.files("ngdpkit") / "anchors" / name
        ).read_bytes().strip()


def test_real_cas_chain_to_each_other_and_not_across() -> None:
    for kind in ("prod", "test"):
        issuing, root = load(f"oces3-{kind}-issuing-ca-1.pem"), load(f"oces3-{kind}-root-ca.pem")
        issuing.verify_directly_issued_by(root)
        root.verify_directly_issued_by(root)
    from cryptography.exceptions import InvalidSignature

    # a test CA must not chain to the production root: another issuer name, or a bad signature
    with pytest.raises((ValueError, InvalidSignature)):
        load("oces3-test-issuing-ca-1.pem").verify_directly_issued_by(
            load("oces3-prod-root-ca.pem")
        )


def test_anchor_sets() -> None:
    a = load_trust_anchors()
    assert not a.custom
    assert [c.subject.rfc4514_string() for c in a.roots["test"]] == [
        "C=DK,O=Den Danske Stat,OU=Test - cti,CN=Den Danske Stat OCES rod-CA"
    ]
    assert len(a.intermediates) == 2
