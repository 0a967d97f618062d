"""The dispatcher configuration (contract §7, ``dispatcher-config.json``): which findings
withhold it, which leave it ``ready: false``, and the values WorkZone is given."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from ngdpkit import findings as F
from ngdpkit.deliverables.dispatcher import SCHEMA, blocking, build_config, final_config
from ngdpkit.settings import Settings, load_settings

CERT = {
    "thumbprint_sha1": "a" * 40,
    "sha256": "b" * 64,
    "subject": "CN=Testkommune seal",
    "issuer": "CN=Test udstedende-CA 1",
    "serial_number": "1234",
    "not_after": "2027-01-01T00:00:00Z",
    "cvr": "98765433",
    "password": "must never reach the file",  # whatever else the step holds stays out
}


# What step 03 stores besides: read through the typed record, anything else the stored
# facts held (``password`` above) is dropped before the dispatcher sees them.
STORED = {
    **CERT,
    "not_before": "2024-01-01T00:00:00Z",
    "days_left": 400,
    "organisation": "Testkommune",
    "common_name": "Testkommune seal",
    "key": "RSA 3072",
    "chains_to": "test",
}


def facts(data: dict[str, Any]) -> Any:
    from ngdpkit.checks.certificates import CertificateFacts

    return CertificateFacts.of(data)


@pytest.fixture(scope="module")
def settings(sample_dir: Path) -> Settings:
    return load_settings(sample_dir / "migration.toml")


def build(
    settings: Settings, env_name: str = "test", findings: list[Any] | None = None, **kw: Any
) -> Any:
    env = settings.environment(env_name)
    return build_config(
        settings,
        kw.pop("env", env),
        certificate=kw.pop("certificate", facts(STORED)),
        mapping=kw.pop("mapping", {"file": "mailbox-mapping.csv", "rows": 3}),
        findings=findings or [],
        run_id="20250101-000000",
        kit_version="9.9.9",
    )


def test_a_clean_environment_gets_a_ready_configuration(settings: Settings) -> None:
    config, own, other = build(settings)
    assert (own, other) == ([], [])
    assert config["schema"] == SCHEMA and config["ready"] is True and config["blocking"] == []
    env = settings.environment("test")
    p = config["parameters"]
    assert p["ContactPointGuid"] == env.default_contact_point
    assert p["SystemId"] == env.system_id and p["Protocol"] == "REST_PULL"
    assert p["CertificateThumbprint"] == CERT["thumbprint_sha1"]
    assert p["ApiBaseUrl"].startswith("https://") and "/apis" not in p["ApiBaseUrl"]
    assert config["push"] is None  # REST_PULL: NgDP never calls WorkZone
    assert config["organisation"] == {"name": "Eksempel Kommune (fiktiv)", "cvr": "98765433"}
    assert "password" not in config["certificate"]
    assert set(config["certificate"]) == set(CERT) - {"password"}
    json.dumps(config)  # it is written as JSON as it is


def test_test_and_production_point_at_different_ngdp(settings: Settings) -> None:
    test, _, _ = build(settings, "test")
    prod, _, _ = build(settings, "production")
    assert test["ngdp"]["api_base_url"] != prod["ngdp"]["api_base_url"]
    assert test["parameters"]["ApiBaseUrl"] != prod["parameters"]["ApiBaseUrl"]
    assert prod["kind"] == "production" and test["kind"] == "test"


def test_push_endpoints_carry_the_system_id(settings: Settings) -> None:
    config, _, _ = build(settings, "production")
    env = settings.environment("production")
    assert config["push"] == {
        "receipt_endpoint": f"https://wzpush.eksempel-kommune.dk/api/MeMoV1/{env.system_id}/receipt",
        "message_endpoint": (
            f"https://wzpush.eksempel-kommune.dk/api/MeMoV1/memos/?system-uuid={env.system_id}"
        ),
    }
    # a pull with a push base left over gives no endpoints: NgDP would never call them
    pull = dataclasses.replace(env, protocol="REST_PULL")
    assert build(settings, "production", env=pull)[0]["push"] is None


def test_the_authorization_header_is_named_never_written(
    settings: Settings, sample_dir: Path
) -> None:
    secrets = dict(
        line.split("=", 1)
        for line in (sample_dir / "sample.env").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    )
    config, _, _ = build(settings)
    text = json.dumps(config)
    assert config["authorization"]["variable"] == "NGDPKIT_TEST_AUTHORIZATION"
    assert config["authorization"]["handover"] is None
    for value in secrets.values():
        assert value.strip().strip('"') not in text


def test_no_certificate_withholds_the_file(settings: Settings) -> None:
    config, own, other = build(settings, certificate=None)
    assert config is None and own == ["PENDING_CERTIFICATE"] and other == []


@pytest.mark.parametrize(
    ("finding", "withheld"),
    [
        (F.error("CERT_EXPIRED", "x", "certificate"), True),
        (F.error("SYSTEM_ID_INVALID", "x"), True),
        (F.error("SECRET_LEAK", "x"), True),
        (F.error("ANYTHING", "x", "default_contact_point"), True),
        (F.error("SECRET_MISSING", "x", "environments.test.authorization_env"), True),
        (F.info("PENDING_SYSTEM_ID", "x"), True),  # pending: whatever its severity
        (F.error("MAPPING_UNMAPPED", "x", "mapping"), False),
        (F.error("NET_TCP_FAILED", "x", "network"), False),
    ],
)
def test_own_findings_withhold_other_errors_leave_it_not_ready(
    settings: Settings, finding: Any, withheld: bool
) -> None:
    config, own, other = build(settings, findings=[finding])
    if withheld:
        assert config is None and own == [finding.code] and other == []
    else:
        assert own == [] and other == [finding.code]
        assert config["ready"] is False and config["blocking"] == [finding.code]


@pytest.mark.parametrize(
    "finding",
    [
        F.warning("CERT_EXPIRES_SOON", "x", "certificate"),
        F.info("CERT_CHAIN_NOTE", "x", "certificate"),
        F.error("SIGNING_CERT_EXPIRED", "x", "signing"),  # the seal is the record's
        F.info("PENDING_CONTACT_POINTS", "x", "contact_points"),  # pending, not its own
    ],
)
def test_what_never_holds_the_dispatcher_up(settings: Settings, finding: Any) -> None:
    config, own, other = build(settings, findings=[finding])
    assert (own, other) == ([], []) and config["ready"] is True


def test_blocking_codes_are_each_named_once_in_order(settings: Settings) -> None:
    env = settings.environment("test")
    found = [F.error("NET_B", "x"), F.error("MAPPING_A", "x"), F.error("NET_B", "y")]
    assert blocking(found, env) == ([], ["MAPPING_A", "NET_B"])


def test_final_config_after_the_run_level_findings(settings: Settings) -> None:
    env = settings.environment("test")
    config, _, _ = build(settings, findings=[F.error("NET_B", "x")])
    assert final_config(None, [], env) is None
    # a leak found when the folder was scanned withholds the file
    assert final_config(config, [F.error("SECRET_LEAK", "x")], env) is None
    # certificate reuse is the dispatcher's own too
    assert final_config(config, [F.error("CERT_REUSED_ACROSS_ENVIRONMENTS", "x")], env) is None
    after = final_config(config, [F.error("MAPPING_A", "x")], env, mapping_sha256="c" * 64)
    assert after is not None
    assert after["ready"] is False and after["blocking"] == ["MAPPING_A", "NET_B"]
    assert after["mailbox_mapping"] == {
        "file": "mailbox-mapping.csv",
        "rows": 3,
        "sha256": "c" * 64,
    }
    assert "sha256" not in config["mailbox_mapping"]  # the step's own record is left as it was
    # nothing new: the same configuration, its checksum added only when there is a mapping
    clean, _, _ = build(settings, mapping={})
    assert final_config(clean, [], env, mapping_sha256="c" * 64) == clean
