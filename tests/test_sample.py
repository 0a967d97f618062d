from __future__ import annotations

import datetime as dt
from pathlib import Path

from ngdpkit import pki
from ngdpkit.sample import write_sample
from ngdpkit.secrets import read_dotenv
from ngdpkit.system import cvr_valid


def test_sample_set_looks_like_a_municipality(sample_dir: Path) -> None:
    import openpyxl

    ws = openpyxl.load_workbook(sample_dir / "mailboxes.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0].startswith("Eksport") and rows[2][0] == "Postkasse-ID"
    data = [r for r in rows[3:] if r[0]]
    assert len(data) == 200 and all(isinstance(r[0], str) and r[0].startswith("0") for r in data)
    assert any(ch in "".join(r[2] for r in data) for ch in "æøåÆØÅ")
    assert cvr_valid("98765433")
    test_cp = openpyxl.load_workbook(sample_dir / "contact-points-test.xlsx").active
    prod_cp = openpyxl.load_workbook(sample_dir / "contact-points-production.xlsx").active
    test_ids = {r[0].lower() for r in test_cp.iter_rows(min_row=2, values_only=True)}
    prod_ids = {r[0].lower() for r in prod_cp.iter_rows(min_row=2, values_only=True)}
    assert not test_ids & prod_ids  # different GUIDs per environment
    assert any(r[5] == "ja" for r in test_cp.iter_rows(min_row=2, values_only=True))  # one hidden
    secrets = read_dotenv(sample_dir / "sample.env")
    assert set(secrets) == {
        "NGDPKIT_TEST_CERT_PASSWORD",
        "NGDPKIT_PRODUCTION_CERT_PASSWORD",
        "NGDPKIT_TEST_AUTHORIZATION",
        "NGDPKIT_PRODUCTION_AUTHORIZATION",
    }
    gitignore = (sample_dir / ".gitignore").read_text()
    assert "certs/" in gitignore and "sample.env" in gitignore


def test_sample_certificates_are_oces3_shaped(sample_dir: Path) -> None:
    from cryptography import x509

    root = x509.load_pem_x509_certificate(
        (sample_dir / "certs" / "sample-test-root.pem").read_bytes()
    )
    assert "NOT OCES3" in root.subject.rfc4514_string()
    leaf = x509.load_pem_x509_certificate((sample_dir / "certs" / "test.pem").read_bytes())
    subject = leaf.subject.rfc4514_string(
        {
            x509.NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
            x509.NameOID.SERIAL_NUMBER: "serialNumber",
        }
    )
    assert (
        "organizationIdentifier=NTRDK-98765433" in subject and "serialNumber=UI:DK-O:G:" in subject
    )
    assert (
        leaf.public_key().key_size == 3072
        and leaf.signature_algorithm_oid == x509.oid.SignatureAlgorithmOID.RSASSA_PSS
    )
    assert not any(e.oid == x509.oid.ExtensionOID.SUBJECT_ALTERNATIVE_NAME for e in leaf.extensions)
    assert ".invalid" in str(
        leaf.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
        .value[0]
        .access_location.value
    )


def test_regeneration_keeps_files_and_renews_expiring_certificates(tmp_path: Path) -> None:
    d = tmp_path / "s"
    first = write_sample(d)
    assert (d / "certs" / "test.p12") in first
    assert write_sample(d) == []  # nothing to do: existing files are kept
    (d / "mailboxes.xlsx").write_bytes(b"edited by hand")
    passwords = read_dotenv(d / "sample.env")
    short = pki.make_ca(
        "about to expire",
        bits=2048,
        days=30,
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
    )
    (d / "certs" / "sample-test-root.pem").write_bytes(short.pem())
    again = write_sample(d)
    assert d / "certs" / "test.p12" in again and d / "certs" / "production.p12" not in again
    assert (d / "mailboxes.xlsx").read_bytes() == b"edited by hand"
    assert read_dotenv(d / "sample.env") == passwords  # the same passwords open the renewed .p12
