from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from ngdpkit.checks.certificates import check_certificate, load_certificate
from ngdpkit.errors import InputError
from ngdpkit.rehearsal import pki
from ngdpkit.secrets import Secret
from tests.conftest import CVR, ORG, cli, one_certificate_for_both, run_cli


def ocsp_answering(answer: Any) -> type:
    """A handler class for a :class:`tests.loopback.LoopbackServer` that answers each OCSP
    POST with ``answer(request)``: the DER bytes of an OCSP response."""
    import http.server

    from cryptography.x509 import ocsp

    class Responder(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            body = answer(ocsp.load_der_ocsp_request(raw))
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: Any) -> None:
            pass

    return Responder


PASSWORD = "correct horse battery"
NOW = dt.datetime.now(dt.UTC)


def leaf(cas: dict[str, Any], key: Any, kind: str = "test", **kw: Any) -> pki.Issued:
    kw.setdefault("cvr", CVR)
    kw.setdefault("organisation", ORG)
    return pki.make_leaf(cas[kind]["issuing"], key=key, **kw)


def p12(
    tmp_path: Path,
    issued: pki.Issued,
    *,
    name: str = "c.p12",
    chain: tuple = (),
    key: Any = "leaf",
    password: str = PASSWORD,
) -> Path:
    path = tmp_path / name
    path.write_bytes(pki.to_p12(issued, password, chain=chain, key=key))
    return path


def run_check(
    path: Path, anchors: Any, *, kind: str = "test", password: str | None = PASSWORD, cvr: str = CVR
) -> tuple[dict | None, list[tuple[str, str]]]:
    loaded = load_certificate(
        path, label=path.name, password=Secret("PW", password) if password else None
    )
    facts, found = check_certificate(
        loaded, kind=kind, anchors=anchors, cvr=cvr, warn_days=60, error_days=14, label=path.name
    )
    if password:  # no secret in any output: facts, findings, reprs
        assert password not in json.dumps(facts) + json.dumps([f.to_dict() for f in found]) + repr(
            loaded
        )
    return facts, [(f.code, f.severity) for f in found]


def test_valid_certificate_per_kind(tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any) -> None:
    for kind in ("test", "production"):
        facts, found = run_check(
            p12(tmp_path, leaf(cas, leaf_key, kind), name=f"{kind}.p12"), anchors, kind=kind
        )
        assert found == [
            ("CERT_NOT_OCES3", "error")
        ]  # these CAs are not "Den Danske Stat OCES udstedende-CA 1"
        assert facts and facts["chains_to"] == kind and facts["cvr"] == CVR
        assert facts["thumbprint_sha1"].isupper() and len(facts["thumbprint_sha1"]) == 40
        assert (
            facts["not_after"].endswith("Z")
            and "organizationIdentifier=NTRDK-98765433" in facts["subject"]
        )
        assert "serialNumber=UI:DK-O:G:" in facts["subject"]


def test_custom_anchors_make_it_relative(tmp_path: Path, cas: dict, leaf_key: Any) -> None:
    from ngdpkit.checks.trust import TrustAnchors

    custom = TrustAnchors(
        roots={
            "test": (cas["test"]["root"].cert,),
            "production": (cas["production"]["root"].cert,),
        },
        custom_kinds=("test", "production"),
    )
    path = p12(tmp_path, leaf(cas, leaf_key), chain=(cas["test"]["issuing"].cert,))
    facts, found = run_check(path, custom)
    assert found == [("CERT_CUSTOM_TRUST_ANCHORS", "warning")]
    assert facts["chain"] == ["WorkZone NgDP", "Test test udstedende-CA 1", "Test test rod-CA"]


def test_real_looking_leaf_under_bundled_anchors_is_told_apart(
    tmp_path: Path, cas: dict, leaf_key: Any
) -> None:
    """A leaf shaped exactly like OCES3 but issued by a look-alike CA does not chain to the real roots."""
    from ngdpkit.checks.trust import load_trust_anchors

    fake_root = pki.make_ca(
        "Den Danske Stat OCES rod-CA", organisation="Den Danske Stat", bits=2048
    )
    fake_issuing = pki.make_ca(
        "Den Danske Stat OCES udstedende-CA 1",
        organisation="Den Danske Stat",
        parent=fake_root,
        bits=2048,
    )
    issued = pki.make_leaf(fake_issuing, key=leaf_key, cvr=CVR, organisation=ORG)
    path = p12(tmp_path, issued, chain=(fake_issuing.cert,))
    facts, found = run_check(path, load_trust_anchors())
    assert ("CERT_CHAIN_INVALID", "error") in found
    assert ("CERT_CUSTOM_TRUST_ANCHORS", "warning") not in found


@pytest.mark.parametrize(
    "start_days,days,code,severity",
    [
        (-400, 30, "CERT_EXPIRED", "error"),
        (5, 365, "CERT_NOT_YET_VALID", "error"),
        (-1, 11, "CERT_EXPIRES_SOON", "error"),
        (-1, 41, "CERT_EXPIRES_SOON", "warning"),
    ],
)
def test_validity(
    tmp_path: Path,
    cas: dict,
    leaf_key: Any,
    anchors: Any,
    start_days: int,
    days: int,
    code: str,
    severity: str,
) -> None:
    issued = leaf(cas, leaf_key, not_before=NOW + dt.timedelta(days=start_days), days=days)
    facts, found = run_check(p12(tmp_path, issued), anchors)
    assert (code, severity) in found
    assert ("CERT_CHAIN_INVALID", "error") not in found  # expiry is reported on its own
    assert facts["chains_to"] == "test"


def test_wrong_password_no_key_mismatch_public_only(
    tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any
) -> None:
    issued = leaf(cas, leaf_key)
    facts, found = run_check(p12(tmp_path, issued), anchors, password="wrong password")
    assert facts is None and found == [("CERT_BAD_PASSWORD", "error")]
    _, found = run_check(p12(tmp_path, issued, name="nokey.p12", key=None), anchors)
    assert ("CERT_NO_PRIVATE_KEY", "error") in found
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    mismatch = tmp_path / "mismatch.p12"  # cryptography will not pair them, so the cert rides along
    mismatch.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", pki.rsa_key(2048), None, [issued.cert], BestAvailableEncryption(PASSWORD.encode())
        )
    )
    _, found = run_check(mismatch, anchors)
    assert ("CERT_KEY_MISMATCH", "error") in found
    pem = tmp_path / "public.pem"
    pem.write_bytes(issued.pem())
    facts, found = run_check(pem, anchors, password=None)
    assert ("CERT_PUBLIC_ONLY", "info") in found and facts is not None
    der = tmp_path / "public.cer"
    der.write_bytes(issued.cert.public_bytes(serialization.Encoding.DER))
    assert run_check(der, anchors, password=None)[0]["sha256"] == facts["sha256"]


def test_not_pkcs12_or_truncated_is_input_error(tmp_path: Path, cas: dict, leaf_key: Any) -> None:
    good = pki.to_p12(leaf(cas, leaf_key), PASSWORD)
    for name, data in (
        ("trunc.p12", good[:-40]),
        ("text.p12", b"hello"),
        ("bad.pem", b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError) as info:
            load_certificate(path, label=name, password=Secret("PW", PASSWORD))
        assert name in info.value.problems[0]


def oces2_leaf(cas: dict, leaf_key: Any) -> Any:
    """A leaf shaped as OCES2 certificates were: an OCES2 serial number and policy."""
    return leaf(
        cas,
        leaf_key,
        serial=f"CVR:{CVR}-FID:12345678",
        policies=("1.2.208.169.1.1.1.4.1",),
        organization_identifier="x",
    )


def test_oces2_shaped(tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any) -> None:
    issued = oces2_leaf(cas, leaf_key)
    _, found = run_check(p12(tmp_path, issued), anchors)
    assert ("CERT_OCES2", "error") in found and ("CERT_NOT_OCES3", "error") not in found
    # OCES3's own policy lives under the old VOCES arc (…3.7): not OCES2
    ok = leaf(cas, leaf_key, policies=("1.2.208.169.1.1.1.3.7.1",))
    _, found = run_check(p12(tmp_path, ok, name="ok.p12"), anchors)
    assert ("CERT_OCES2", "error") not in found


def test_self_signed_and_unrelated_ca(
    tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any
) -> None:
    selfie = pki.make_leaf(
        cas["test"]["issuing"], key=leaf_key, cvr=CVR, organisation=ORG, self_signed=True
    )
    _, found = run_check(p12(tmp_path, selfie), anchors)
    assert ("CERT_CHAIN_INVALID", "error") in found
    stranger = leaf(cas, leaf_key, "other")
    _, found = run_check(
        p12(tmp_path, stranger, name="s.p12", chain=(cas["other"]["issuing"].cert,)), anchors
    )
    assert ("CERT_CHAIN_INVALID", "error") in found


def test_wrong_environment_both_ways(
    tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any
) -> None:
    _, found = run_check(p12(tmp_path, leaf(cas, leaf_key, "test")), anchors, kind="production")
    assert ("CERT_WRONG_ENVIRONMENT", "error") in found
    _, found = run_check(
        p12(tmp_path, leaf(cas, leaf_key, "production"), name="p.p12"), anchors, kind="test"
    )
    assert ("CERT_WRONG_ENVIRONMENT", "warning") in found


def test_cvr_mismatch_weak_key_ec_key_usage(
    tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any
) -> None:
    _, found = run_check(p12(tmp_path, leaf(cas, leaf_key)), anchors, cvr="12345674")
    assert ("CERT_CVR_MISMATCH", "error") in found
    weak = leaf(cas, pki.rsa_key(1024))
    _, found = run_check(p12(tmp_path, weak, name="weak.p12"), anchors)
    assert ("CERT_WEAK_KEY", "error") in found
    ec = leaf(cas, pki.ec_key())
    facts, found = run_check(p12(tmp_path, ec, name="ec.p12"), anchors)
    assert ("CERT_WEAK_KEY", "error") not in found and facts["key"] == "EC secp256r1"


@pytest.mark.parametrize("typed", ["0101701299", "010170-1299"])
def test_cvr_mismatch_with_a_cpr_number_reads_as_a_sentence(
    tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any, typed: str
) -> None:
    """A consultant's week two: organisation.cvr holding a CPR number made CERT_CVR_MISMATCH
    read "ikke organisationens CVR CPR-nummer udeladt." on the page the customer signs. The
    number is still hidden, now as an aside in brackets."""
    loaded = load_certificate(
        p12(tmp_path, leaf(cas, leaf_key)), label="c.p12", password=Secret("PW", PASSWORD)
    )
    _, found = check_certificate(
        loaded, kind="test", anchors=anchors, cvr=typed, warn_days=60, error_days=14, label="c"
    )
    (mismatch,) = [f for f in found if f.code == "CERT_CVR_MISMATCH"]
    assert mismatch.text("da").endswith("ikke organisationens CVR (CPR-nummer udeladt).")
    assert mismatch.text("en").endswith("not the organisation's CVR (CPR-nummer udeladt).")
    assert typed not in mismatch.text("da") + mismatch.text("en") + mismatch.message
    no_sign = leaf(cas, leaf_key, digital_signature=False)
    _, found = run_check(p12(tmp_path, no_sign, name="ku.p12"), anchors)
    assert ("CERT_KEY_USAGE", "error") in found


def test_several_leaves_uses_the_one_matching_the_key(
    tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any
) -> None:
    mine = leaf(cas, leaf_key, common_name="Mine")
    other = leaf(cas, pki.rsa_key(2048), common_name="Other")
    path = tmp_path / "two.p12"
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x",
            leaf_key,
            None,
            [other.cert, mine.cert, cas["test"]["issuing"].cert],
            BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    facts, found = run_check(path, anchors)
    assert ("CERT_SEVERAL_LEAVES", "info") in found and facts["common_name"] == "Mine"


def test_cert_inspect_cli_json_and_no_secret(tmp_path: Path, cas: dict, leaf_key: Any) -> None:
    root_pem = tmp_path / "root.pem"
    root_pem.write_bytes(cas["test"]["root"].pem())
    path = p12(tmp_path, leaf(cas, leaf_key), chain=(cas["test"]["issuing"].cert,))
    r = run_cli(
        "cert",
        "inspect",
        str(path),
        "--password-env",
        "MY_PW",
        "--env",
        "test",
        "--cvr",
        CVR,
        "--trust-anchors",
        f"test={root_pem}",
        "--json",
        env={"MY_PW": PASSWORD},
    )
    data = json.loads(r.stdout)
    assert r.returncode == 0, r.stderr
    assert set(data["certificate"]) >= {
        "thumbprint_sha1",
        "sha256",
        "subject",
        "issuer",
        "serial_number",
        "not_after",
        "cvr",
    }
    assert [f["code"] for f in data["findings"]] == ["CERT_CUSTOM_TRUST_ANCHORS"]
    assert PASSWORD not in r.stdout + r.stderr
    r = run_cli(
        "cert",
        "inspect",
        str(path),
        "--password-env",
        "MY_PW",
        "--json",
        env={"MY_PW": "nope nope"},
    )
    data = json.loads(r.stdout)
    assert (
        data["certificate"] is None
        and data["findings"][0]["code"] == "CERT_BAD_PASSWORD"
        and r.returncode == 1
    )
    (tmp_path / "junk.p12").write_bytes(b"junk")
    r = run_cli("cert", "inspect", str(tmp_path / "junk.p12"))
    assert (
        r.returncode == 2
        and "Traceback" not in r.stderr
        and len(r.stderr.strip().splitlines()) == 1
    )


def test_ocsp_against_a_local_responder(
    tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any
) -> None:
    """OCSP to the certificate's own AIA URL on 127.0.0.1: good, revoked, wrongly signed, no answer."""

    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    from ngdpkit.checks.revocation import check_revocation
    from tests.loopback import LoopbackServer

    issuing = cas["test"]["issuing"]
    state: dict[str, Any] = {"status": ocsp.OCSPCertStatus.GOOD, "signer": issuing}

    def answer(req: Any) -> bytes:
        signer = state["signer"]
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=issued.cert,
                issuer=issuing.cert,
                algorithm=hashes.SHA256(),
                cert_status=state["status"],
                this_update=NOW,
                next_update=NOW + dt.timedelta(days=1),
                revocation_time=NOW - dt.timedelta(days=1)
                if state["status"] == ocsp.OCSPCertStatus.REVOKED
                else None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, signer.cert)
        )
        assert req.serial_number == issued.cert.serial_number
        return builder.sign(signer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    with LoopbackServer(ocsp_answering(answer)) as httpd:
        issued = leaf(cas, leaf_key, ocsp_url=f"http://127.0.0.1:{httpd.port}/ocsp")

        def check() -> list[tuple[str, str]]:
            found = check_revocation(issued.cert, [issuing.cert], anchors, timeout=5, label="c")
            return [(f.code, f.severity) for f in found]

        assert check() == []
        state["status"] = ocsp.OCSPCertStatus.REVOKED
        assert check() == [("CERT_REVOKED", "error")]
        state["signer"] = cas["other"]["issuing"]
        assert check() == [("CERT_OCSP_UNAVAILABLE", "warning")]
    assert [
        (f.code, f.severity)
        for f in check_revocation(issued.cert, [issuing.cert], anchors, timeout=1, label="c")
    ] == [("CERT_OCSP_UNAVAILABLE", "warning")]


def test_reuse_across_environments(sample_copy: Path) -> None:
    settings = one_certificate_for_both(sample_copy)
    r = run_cli("check", "--settings", str(settings), "--env", "all", "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 1
    for payload in data:
        assert any(
            f["code"] == "CERT_REUSED_ACROSS_ENVIRONMENTS" and f["severity"] == "error"
            for f in payload["findings"]
        )
    assert any(
        f["code"] == "CERT_WRONG_ENVIRONMENT" and f["severity"] == "error"
        for f in data[1]["findings"]
    )


def test_a_certificate_is_opened_once_per_file_and_password(
    tmp_path: Path, cas: dict, leaf_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 31: a PKCS#12's key derivation runs once per file and password in a process
    (``check`` opened the environment's certificate for the reuse check, then for step 03),
    also when two threads ask at once; a wrong password is tried, and refused, each time."""
    import threading

    from ngdpkit.checks import certificates as C

    opened: list[int] = []
    real = C.pkcs12.load_pkcs12

    def counted(data: bytes, password: bytes | None) -> Any:
        opened.append(1)
        return real(data, password)

    monkeypatch.setattr(C.pkcs12, "load_pkcs12", counted)
    issued = leaf(cas, leaf_key)
    path = p12(tmp_path, issued, name="once.p12")
    results: list[Any] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                load_certificate(path, label="a", password=Secret("PW", PASSWORD))
            )
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(opened) == 1 and all(r.leaf == issued.cert and r.key is not None for r in results)
    assert load_certificate(path, label="b", password=Secret("PW", PASSWORD)).leaf == issued.cert
    assert len(opened) == 1
    for _ in range(2):
        bad = load_certificate(path, label="b", password=Secret("PW", "wrong"))
        assert bad.leaf is None and [f.code for f in bad.findings] == ["CERT_BAD_PASSWORD"]
    assert len(opened) == 3
    other = p12(tmp_path, leaf(cas, leaf_key), name="other.p12")  # other bytes: opened anew
    assert load_certificate(other, label="c", password=Secret("PW", PASSWORD)).leaf is not None
    assert len(opened) == 4


def test_a_password_holding_nul_is_a_wrong_password_and_never_reaches_the_console(
    tmp_path: Path, cas: dict, leaf_key: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """A NUL in the password (a secrets file can hold one) made cryptography panic and print
    the password's bytes to stderr; it is refused first, by the variable's name only."""
    path = p12(tmp_path, leaf(cas, leaf_key), name="nul.p12")
    secret = "right\x00tail-of-the-password"
    loaded = load_certificate(path, label="nul.p12", password=Secret("PW_VAR", secret))
    assert loaded.leaf is None
    assert [(f.code, f.message) for f in loaded.findings] == [
        ("CERT_BAD_PASSWORD", "The password in PW_VAR does not open nul.p12.")
    ]
    out, err = capfd.readouterr()
    for text in (out, err, repr(loaded)):
        assert "tail-of-the-password" not in text and "right" not in text
        assert "114, 105, 103, 104, 116" not in text  # the bytes of "right", as a panic says them


def test_a_name_with_a_line_end_or_over_64_characters_prints_as_one_line(
    tmp_path: Path, cas: dict, leaf_key: Any
) -> None:
    """The attacker's sixth look: a certificate whose CN held a line end printed a line of
    its choosing into the console (a CI log), and a CN over X.520's 64 characters made
    cryptography print a UserWarning with the kit's own source line on stderr."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    name = "WorkZone\nINJECTED: intact, 0 errors\r" + "x" * 70
    issuing = cas["test"]["issuing"]
    with pytest.warns(UserWarning, match="Attribute's length"):  # as a CA could write it
        long_name = x509.NameAttribute(NameOID.COMMON_NAME, name, _validate=False)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORG), long_name])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuing.cert.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=300))
        .sign(issuing.key, hashes.SHA256())
    )
    path = tmp_path / "long.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", leaf_key, cert, [issuing.cert], BestAvailableEncryption(PASSWORD.encode())
        )
    )
    r = run_cli(
        "cert", "inspect", str(path), "--password-env", "CERT_PW", env={"CERT_PW": PASSWORD}
    )
    assert r.returncode in (0, 1), r.stderr
    lines = (r.stdout + r.stderr).splitlines()
    assert not any(line.lstrip().startswith("INJECTED") for line in lines), r.stdout
    assert "Warning" not in r.stderr and "trust.py" not in r.stderr, r.stderr
    assert any("WorkZone INJECTED" in line and "common_name" in line for line in lines), r.stdout


def test_cert_inspect_finds_the_password_where_the_settings_keep_it(
    sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A consultant's cold run: ``cert inspect`` read the password only from an environment
    variable (or a prompt), so the consultant exported it into the shell, where it stays in
    the history. With ``--settings`` the password is found as ``run`` finds it (the settings'
    ``secrets_file``), and the environment whose certificate the file is gives its password
    variable, its kind, the CVR and the trust anchors; nothing of the secret is printed."""
    from ngdpkit.secrets import read_dotenv

    secrets = read_dotenv(sample_copy / "sample.env")
    monkeypatch.delenv("NGDPKIT_TEST_CERT_PASSWORD", raising=False)
    r = cli(
        "cert",
        "inspect",
        str(sample_copy / "certs" / "test.p12"),
        "--settings",
        str(sample_copy / "migration.toml"),
        "--json",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads(r.stdout)
    assert data["certificate"]["cvr"] == "98765433" and data["certificate"]["chains_to"] == "test"
    # the settings' own anchors, not the bundled roots (the sample is not real OCES3)
    assert [f["code"] for f in data["findings"]] == ["CERT_CUSTOM_TRUST_ANCHORS"]
    for value in secrets.values():
        assert value not in r.stdout + r.stderr
    # a file named another way is the same certificate
    r = cli("cert", "inspect", "certs/../certs/test.p12", "--settings", "migration.toml",
            cwd=sample_copy)  # fmt: skip
    assert r.returncode == 0 and "chains_to: test" in r.stdout, r.stdout + r.stderr

    # the secrets file without the password: named, exit 1, no prompt without a terminal
    (sample_copy / "sample.env").write_text("# emptied\n", encoding="utf-8")
    r = cli(
        "cert", "inspect", str(sample_copy / "certs" / "test.p12"),
        "--settings", str(sample_copy / "migration.toml"),
    )  # fmt: skip
    assert r.returncode == 1
    assert (
        "Neither the environment nor the secrets file sample.env holds NGDPKIT_TEST_CERT_PASSWORD"
        in r.stdout
    )
    # settings that cannot be read: one line, exit 2
    r = cli("cert", "inspect", "certs/test.p12", "--settings", "nowhere.toml", cwd=sample_copy)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "nowhere.toml" in r.stderr


def test_an_expired_certificate_counts_whole_days_since(cas: dict, leaf_key: Any) -> None:
    """A support engineer's read of a bundle: a certificate that expired 3 days and 3
    seconds before the run was "4 dage siden" and ``days_left`` -4 (a negative timedelta's
    ``.days`` is floored). Whole days since: 3, and -3."""
    from ngdpkit.checks.certificates import _validity_findings, facts

    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    issued = leaf(cas, leaf_key, not_before=now - dt.timedelta(days=400), days=397)
    after = issued.cert.not_valid_after_utc
    now = after + dt.timedelta(days=3, seconds=3)
    (found,) = _validity_findings(issued.cert, now, warn_days=60, error_days=14, label="c")
    assert found.code == "CERT_EXPIRED" and found.params["value"] == "3"
    assert "(3 days ago)" in found.text("en")
    assert facts(issued.cert, now=now)["days_left"] == -3
    assert facts(issued.cert, now=after - dt.timedelta(seconds=3))["days_left"] == 0


def test_a_hostile_subject_is_shown_without_control_characters(
    tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any
) -> None:
    """An attacker's second look: a CN holding ESC and BEL reached the certificate page and
    the subject in dispatcher-config.json, and an OCES3 serial with one trailing line break
    passed the OCES3 shape ("$" takes it)."""
    import uuid

    cn = "WorkZone\x1b[31m NgDP\x07 test\x1b]8;;http://evil.test\x07klik\x1b]8;;\x07"
    issued = leaf(cas, leaf_key, common_name=cn)
    facts, _ = run_check(p12(tmp_path, issued), anchors)
    assert facts is not None
    shown = json.dumps(facts)
    assert "\\u001b" not in shown and "\\u0007" not in shown and "klik" in shown
    from ngdpkit.checks.certificates import OCES3_SERIAL

    serial = f"UI:DK-O:G:{uuid.uuid4()}"  # a UTF8String may hold the line break after it
    assert OCES3_SERIAL.match(serial) and not OCES3_SERIAL.match(serial + "\n")


def test_custom_anchors_in_production_say_the_install_script_refuses_them(
    tmp_path: Path, cas: dict, leaf_key: Any
) -> None:
    """An operations engineer's look: production's install-certificate.ps1 refuses a root
    that is not OCES3 even with -TrustCustomRoot, and the run's warning did not say so."""
    from ngdpkit.checks.trust import TrustAnchors

    custom = TrustAnchors(
        roots={"production": (cas["production"]["root"].cert,)}, custom_kinds=("production",)
    )
    path = p12(
        tmp_path, leaf(cas, leaf_key, kind="production"), chain=(cas["production"]["issuing"].cert,)
    )
    for kind, said in (("production", True), ("test", False)):
        loaded = load_certificate(path, label="c.p12", password=Secret("PW", PASSWORD))
        _, found = check_certificate(
            loaded, kind=kind, anchors=custom, cvr=CVR, warn_days=60, error_days=14, label="c.p12"
        )
        (custom_found,) = [f for f in found if f.code == "CERT_CUSTOM_TRUST_ANCHORS"]
        assert ("install-certificate.ps1 refuses" in custom_found.message) is said
        assert ("install-certificate.ps1 nægter" in custom_found.text("da")) is said


def test_a_danish_run_says_the_wrong_environment_and_the_reuse_in_danish(
    sample_copy: Path,
) -> None:
    """A support engineer's look at a Danish run: CERT_WRONG_ENVIRONMENT stayed English
    ("This is a test certificate … in a production environment": a sentence made in code,
    not the catalogue's), and the reuse read "bruges i test and production"."""
    settings = one_certificate_for_both(sample_copy)
    r = cli("check", "--settings", str(settings), "--env", "all", "--json")
    data = json.loads(r.stdout)
    texts = {f["code"]: f["message"] for payload in data for f in payload["findings"]}
    assert texts["CERT_WRONG_ENVIRONMENT"] == (
        "Dette er et testcertifikat (det kæder til testroden) i et produktionsmiljø."
    )
    assert "bruges i test og production" in texts["CERT_REUSED_ACROSS_ENVIRONMENTS"], texts


def test_an_oces2_certificate_is_told_in_danish_on_a_danish_page(
    tmp_path: Path, cas: dict, leaf_key: Any, anchors: Any
) -> None:
    """A tester's look: the Danish message said "its serial number … is OCES2-shaped" and
    "31 October 2023" in English. What marks the certificate, and the day, are Danish."""
    issued = oces2_leaf(cas, leaf_key)
    loaded = load_certificate(p12(tmp_path, issued), label="c.p12", password=Secret("PW", PASSWORD))
    _, found = check_certificate(
        loaded, kind="test", anchors=anchors, cvr=CVR, warn_days=60, error_days=14, label="c.p12"
    )
    (oces2,) = [f for f in found if f.code == "CERT_OCES2"]
    danish = oces2.to_dict("da")["message"]
    assert "OCES2-serienummer: " in danish and "31. oktober 2023" in danish
    assert "OCES2-shaped" not in danish and "October" not in danish
    assert "OCES2 serial number: " in oces2.to_dict("en")["message"]


def test_a_password_mistyped_at_the_terminal_is_not_sent_to_a_jupyterlab_kernel(
    tmp_path: Path, cas: dict, leaf_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reviewer's look: ``cert inspect`` at a terminal, the password mistyped at its prompt,
    said "the kernel asks only once: restart it (Kernel, Restart Kernel)" to a consultant in
    PowerShell. The terminal's prompt says the password typed; the kernel's says to restart."""
    import getpass

    from ngdpkit import secrets as S

    path = p12(tmp_path, leaf(cas, leaf_key), name="typed.p12")
    monkeypatch.setattr(S, "_from_keyring", lambda name: None)
    monkeypatch.setattr(S, "_kernel_cache", {})
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "mistyped-1")
    monkeypatch.setattr("sys.stdin", type("T", (), {"isatty": lambda self: True})())
    typed = S.resolve("PW_VAR", environ={}, prompt=True)
    loaded = load_certificate(path, label="typed.p12", password=typed)
    assert [(f.code, f.message) for f in loaded.findings] == [
        ("CERT_BAD_PASSWORD", "The password typed for PW_VAR does not open typed.p12.")
    ]
    assert "Adgangskoden, der blev indtastet til PW_VAR" in loaded.findings[0].text("da")
    monkeypatch.setattr(S, "_in_jupyter_kernel", lambda: True)
    asked = S.resolve("PW_VAR", environ={})
    (said,) = load_certificate(path, label="typed.p12", password=asked).findings
    assert "Restart Kernel" in said.message and "mistyped-1" not in said.message


def test_inspect_without_settings_names_what_it_could_not_check(sample_copy: Path) -> None:
    """The go-live morning's read: ``cert inspect`` of the sample's test .p12 without
    ``--settings`` said "errors" (an untrusted chain) and no word of test or production or of
    the organisation's CVR, which it could not check; it names them and the command that
    does, and says nothing of it with the settings or with every option given."""
    from ngdpkit.secrets import read_dotenv

    secrets = read_dotenv(sample_copy / "sample.env")
    p12 = sample_copy / "certs" / "test.p12"
    env = {"NGDPKIT_X": secrets["NGDPKIT_TEST_CERT_PASSWORD"]}
    r = cli("cert", "inspect", str(p12), "--password-env", "NGDPKIT_X", env=env)
    note = r.stdout.splitlines()[-1]
    assert note.startswith("note: not checked without --settings: "), r.stdout
    assert "(--env)" in note and "(--cvr)" in note and "(--trust-anchors)" in note
    assert note.endswith(f"ngdpkit cert inspect {p12} --settings migration.toml")
    for value in secrets.values():
        assert value not in r.stdout + r.stderr
    root = sample_copy / "certs" / "sample-test-root.pem"
    r = cli("cert", "inspect", str(p12), "--password-env", "NGDPKIT_X", "--env", "test",
            "--cvr", CVR, "--trust-anchors", f"test={root}", env=env)  # fmt: skip
    assert "not checked without --settings" not in r.stdout, r.stdout
    r = cli("cert", "inspect", "certs/test.p12", "--settings", "migration.toml", cwd=sample_copy)
    assert r.returncode == 0 and "not checked without" not in r.stdout, r.stdout
    r = cli("cert", "inspect", str(p12), "--password-env", "NGDPKIT_X", "--json", env=env)
    assert "note:" not in r.stdout and json.loads(r.stdout)["certificate"]["cvr"] == CVR


def test_a_certificates_day_is_written_the_danish_way_in_danish(cas: dict, leaf_key: Any) -> None:
    """A signer's read of a run with an expired certificate: "Certifikatet udløb 2026-11-07
    (for 30 dage siden)" on a Danish page whose every other date read 07-11-2026. The day is
    written as Danish writes it; the English keeps ISO."""
    from ngdpkit.checks.certificates import _validity_findings

    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    issued = leaf(cas, leaf_key, not_before=now - dt.timedelta(days=400), days=397)
    after = issued.cert.not_valid_after_utc
    (expired,) = _validity_findings(
        issued.cert, after + dt.timedelta(days=3, seconds=3), warn_days=60, error_days=14, label="c"
    )
    day = after.date()
    assert f"Certifikatet udløb {day:%d-%m-%Y} (for 3 dage siden)." == expired.text("da")
    assert f"expired on {day:%Y-%m-%d}" in expired.text("en")
    (soon,) = _validity_findings(
        issued.cert, after - dt.timedelta(days=10), warn_days=60, error_days=14, label="c"
    )
    assert f"Certifikatet udløber {day:%d-%m-%Y}, om " in soon.text("da")


def test_a_revoked_certificates_day_is_written_the_danish_way_in_danish() -> None:
    """A hostile second look (session 38): CERT_REVOKED gives its day as " 2026-01-31" (after
    a space, none when OCSP names no time), which the Danish day's conversion passed by:
    "Certifikatet er spærret 2026-01-31" on a Danish page. The English keeps ISO."""
    from ngdpkit import findings as F

    revoked = F.error(
        "CERT_REVOKED",
        "The certificate was revoked{value} (OCSP {url}).",
        "c",
        "OCSP",
        value=" 2026-01-31",
        url="http://ocsp.example",
    )
    assert revoked.text("da") == "Certifikatet er spærret 31-01-2026 (OCSP http://ocsp.example)."
    assert "revoked 2026-01-31 (OCSP" in revoked.text("en")
    undated = F.error(
        "CERT_REVOKED",
        "The certificate was revoked{value} (OCSP {url}).",
        "c",
        "OCSP",
        value="",
        url="http://ocsp.example",
    )
    assert undated.text("da") == "Certifikatet er spærret (OCSP http://ocsp.example)."


def test_cert_inspect_hides_every_secret_a_certificate_names(
    sample_copy: Path, cas: dict, leaf_key: Any
) -> None:
    """A leak hunter's look (session 38): a certificate whose serialNumber held the test
    environment's authorization token and whose CN held production's certificate password
    printed both whole in ``cert inspect``'s subject, issuer and CERT_OCES2 lines (and its
    ``--json``): it registered only the password it opened the file with. It now hides every
    secret the settings name (their secrets file's too) and the usual variables of the shell."""
    import base64
    import re

    from ngdpkit.secrets import read_dotenv

    # secrets of this test alone: the redaction's registry outlives a command run in-process
    env_file = sample_copy / "sample.env"
    token = base64.b64encode(b"5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40:Qz7-InspectTok-k2Lw9").decode()
    other = "InspectProdPw-Xa81qQ7zLm3"
    text = env_file.read_text(encoding="utf-8")
    text = re.sub(
        r"(?m)^NGDPKIT_TEST_AUTHORIZATION=.*$", f'NGDPKIT_TEST_AUTHORIZATION="Basic {token}"', text
    )
    text = re.sub(
        r"(?m)^NGDPKIT_PRODUCTION_CERT_PASSWORD=.*$",
        f'NGDPKIT_PRODUCTION_CERT_PASSWORD="{other}"',
        text,
    )
    env_file.write_text(text, encoding="utf-8")
    secrets = read_dotenv(env_file)
    assert secrets["NGDPKIT_PRODUCTION_CERT_PASSWORD"] == other
    issued = leaf(cas, leaf_key, serial=f"CVR:{CVR}-UID:{token}", common_name=f"WZ {other}")
    path = p12(sample_copy, issued, name="named.p12")
    with_settings = ("--settings", str(sample_copy / "migration.toml"))
    env = {"CERT_PW": PASSWORD}
    for extra in ((), ("--json",)):
        r = cli("cert", "inspect", str(path), "--password-env", "CERT_PW", *with_settings,
                *extra, env=env)  # fmt: skip
        assert r.returncode in (0, 1) and "CERT_OCES2" in r.stdout, r.stdout + r.stderr
        assert token not in r.stdout + r.stderr and other not in r.stdout + r.stderr, r.stdout
        # without settings: the usual variables the shell holds (as a CI job sets them)
        shell = {**env, "NGDPKIT_TEST_AUTHORIZATION": secrets["NGDPKIT_TEST_AUTHORIZATION"]}
        r = cli("cert", "inspect", str(path), "--password-env", "CERT_PW", *extra, env=shell)
        assert r.returncode in (0, 1) and "CERT_OCES2" in r.stdout, r.stdout + r.stderr
        assert token not in r.stdout + r.stderr, r.stdout


def test_a_certificate_that_ends_late_in_the_utc_evening_ends_the_next_danish_day(
    cas: dict, leaf_key: Any
) -> None:
    """A date-and-time auditor's look: a certificate that ends 2027-03-01 23:30 UTC ends
    02-03-2027 kl. 00:30 in Copenhagen, as the page's card said, while the finding beside it
    said "udløber 01-03-2027" (the UTC day). The findings say the Danish day."""
    from ngdpkit.checks.certificates import _validity_findings

    end = dt.datetime(2027, 3, 1, 23, 30, tzinfo=dt.UTC)
    issued = leaf(cas, leaf_key, not_before=end - dt.timedelta(days=397), days=397)
    assert issued.cert.not_valid_after_utc == end
    (soon,) = _validity_findings(
        issued.cert, end - dt.timedelta(days=9), warn_days=60, error_days=14, label="c"
    )
    assert soon.text("da") == "Certifikatet udløber 02-03-2027, om 9 dage (under 14)."
    assert "expires on 2027-03-02, in 9 days" in soon.text("en")
    (expired,) = _validity_findings(
        issued.cert, end + dt.timedelta(seconds=1), warn_days=60, error_days=14, label="c"
    )
    assert expired.text("da") == "Certifikatet udløb 02-03-2027 (for under et døgn siden)."
    assert "(less than a day ago)" in expired.text("en")
    (one,) = _validity_findings(
        issued.cert, end + dt.timedelta(days=1, hours=2), warn_days=60, error_days=14, label="c"
    )
    assert one.text("da") == "Certifikatet udløb 02-03-2027 (for 1 dag siden)."
    assert "(1 day ago)" in one.text("en")
    # summer time: 21:30 UTC is 23:30 the same Danish day, 22:30 UTC is the next day
    for hour, day in ((21, "2027-07-01"), (22, "2027-07-02")):
        end = dt.datetime(2027, 7, 1, hour, 30, tzinfo=dt.UTC)
        issued = leaf(cas, leaf_key, not_before=end - dt.timedelta(days=397), days=397)
        (expired,) = _validity_findings(
            issued.cert, end + dt.timedelta(days=2), warn_days=60, error_days=14, label="c"
        )
        assert f"expired on {day} (2 days ago)" in expired.text("en")


def test_compare_and_status_count_a_certificates_days_as_the_run_does() -> None:
    """A certificate that expired 3 days and 3 seconds ago was -3 days on the run's page,
    -4 in ``compare`` and ``status`` (a floored negative timedelta), and one second after its
    end 0 on the page but -1 beside it. One count for all three."""
    from ngdpkit.checks.certificates import whole_days_left
    from ngdpkit.compare.sides import SideCertificate

    end = dt.datetime(2027, 3, 1, 23, 30, tzinfo=dt.UTC)
    side = SideCertificate(not_after="2027-03-01T23:30:00Z")
    for moment, days in (
        (end - dt.timedelta(days=30), 30),
        (end - dt.timedelta(seconds=1), 0),
        (end + dt.timedelta(seconds=1), 0),
        (end + dt.timedelta(days=3, seconds=3), -3),
    ):
        assert side.days_left(moment) == days == whole_days_left(end, moment), moment


def test_a_revocation_late_in_the_utc_evening_is_dated_the_danish_day(
    cas: dict, leaf_key: Any, anchors: Any
) -> None:
    """CERT_REVOKED's day was the UTC day of OCSP's revocationTime: revoked 23:30 UTC is the
    next day in Copenhagen."""

    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    from ngdpkit.checks.revocation import check_revocation
    from tests.loopback import LoopbackServer

    issuing = cas["test"]["issuing"]
    revoked_at = (NOW - dt.timedelta(days=2)).replace(hour=23, minute=30, second=0, microsecond=0)
    danish_day = (revoked_at + dt.timedelta(days=1)).date()

    def answer(req: Any) -> bytes:
        return (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=issued.cert,
                issuer=issuing.cert,
                algorithm=hashes.SHA256(),
                cert_status=ocsp.OCSPCertStatus.REVOKED,
                this_update=NOW,
                next_update=NOW + dt.timedelta(days=1),
                revocation_time=revoked_at,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, issuing.cert)
            .sign(issuing.key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER)
        )

    with LoopbackServer(ocsp_answering(answer)) as httpd:
        issued = leaf(cas, leaf_key, ocsp_url=f"http://127.0.0.1:{httpd.port}/ocsp")
        (found,) = check_revocation(issued.cert, [issuing.cert], anchors, timeout=5, label="c")
    assert found.code == "CERT_REVOKED"
    assert f"revoked {danish_day:%Y-%m-%d} (OCSP" in found.text("en")
    assert f"spærret {danish_day:%d-%m-%Y}" in found.text("da")


def test_a_p12_exported_without_its_chain_says_which_box_to_tick(
    tmp_path: Path, cas: dict, leaf_key: Any
) -> None:
    """A consultant's Windows pass: the certificate manager's export wizard with "Include all
    certificates in the certification path if possible" left unticked (the default) gave a
    .p12 of the leaf alone, which did not chain to the custom roots, and CERT_CHAIN_INVALID
    said only that; it now names the box, in Windows' Danish words on a Danish page. The
    same file with its chain is trusted, and a chain that still does not reach a root keeps
    the finding as it was."""
    from ngdpkit.checks.trust import TrustAnchors

    custom = TrustAnchors(roots={"test": (cas["test"]["root"].cert,)}, custom_kinds=("test",))
    issued = leaf(cas, leaf_key)

    def chain_finding(path: Path) -> Any:
        loaded = load_certificate(path, label=path.name, password=Secret("PW", PASSWORD))
        _, found = check_certificate(loaded, kind="test", anchors=custom, cvr=CVR, label=path.name)
        return [f for f in found if f.code == "CERT_CHAIN_INVALID"]

    (alone,) = chain_finding(p12(tmp_path, issued, name="alone.pfx"))
    assert "Include all certificates in the certification path if possible" in alone.message
    assert "Medtag om muligt alle certifikater i certificeringsstien" in alone.text("da")
    assert (
        chain_finding(p12(tmp_path, issued, name="with.pfx", chain=(cas["test"]["issuing"].cert,)))
        == []
    )
    other = cas["other"]["issuing"].cert
    (foreign,) = chain_finding(p12(tmp_path, issued, name="foreign.pfx", chain=(other,)))
    assert "Include all certificates" not in foreign.message


def test_custom_anchors_name_only_the_kind_checked(
    tmp_path: Path, cas: dict, leaf_key: Any
) -> None:
    """A consultant's cold read: ``check --env test`` said "egne tillidsankre for production,
    test", naming production in a check of test alone. The kind checked is named when it has
    custom anchors of its own; else the kinds whose custom roots the chain was tried against."""
    from ngdpkit.checks.trust import TrustAnchors

    both = TrustAnchors(
        roots={
            "test": (cas["test"]["root"].cert,),
            "production": (cas["production"]["root"].cert,),
        },
        custom_kinds=("production", "test"),
    )
    only_production = TrustAnchors(
        roots={"production": (cas["production"]["root"].cert,)}, custom_kinds=("production",)
    )
    path = p12(tmp_path, leaf(cas, leaf_key), chain=(cas["test"]["issuing"].cert,))
    for anchors, kind, named in (
        (both, "test", "test"),
        (both, "production", "production"),
        (only_production, "test", "production"),
    ):
        loaded = load_certificate(path, label="c.p12", password=Secret("PW", PASSWORD))
        _, found = check_certificate(
            loaded, kind=kind, anchors=anchors, cvr=CVR, warn_days=60, error_days=14, label="c.p12"
        )
        (custom,) = [f for f in found if f.code == "CERT_CUSTOM_TRUST_ANCHORS"]
        assert custom.params["values"] == named, (kind, custom.params)
        assert f"egne tillidsankre for {named}, ikke" in custom.text("da")
