"""The WorkZone NgDP dispatcher configuration (contract §7, ``dispatcher-config.json``).

Only ``ContactPointGuid`` is a parameter name the vendor page gives; the other
names are ngdpkit's own and the file says so in ``note``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any

from ..checks.certificates import CertificateFacts
from ..checks.network import official_api_url, vendor_address
from ..checks.system import PushEndpoints, push_endpoints
from ..findings import Finding
from ..settings import Environment, Settings

SCHEMA = "ngdpkit/dispatcher-config/1"
# Codes that concern the dispatcher's own inputs: any error among them withholds the file.
OWN_PREFIXES = (
    "CERT_",
    "SYSTEM_ID_",
    "PROTOCOL_",
    "PUSH_URL_",
    "AUTHORIZATION_",
    "DEFAULT_CONTACT_POINT_",
    "PENDING_SYSTEM_ID",
    "PENDING_CERTIFICATE",
    "PENDING_DEFAULT_CONTACT_POINT",
    "SECRET_LEAK",
)
OWN_SOURCES = ("default_contact_point",)


# The configuration as step 05 stores it (``results.dispatcher``) and ``dispatcher-config.json``
# holds it: each record's fields are the file's keys, in the file's order.


@dataclass(frozen=True, slots=True)
class DispatcherOrganisation:
    name: str
    cvr: str | None  # None: organisation.cvr has the shape of a CPR number (never written)


@dataclass(frozen=True, slots=True)
class DispatcherNgdp:
    api_base_url: str
    address: str  # as the vendor page lists it
    system_id: str | None
    protocol: str


@dataclass(frozen=True, slots=True)
class DispatcherParameters:
    """The values entered in Configurator, under the names the file gives them (only
    ``ContactPointGuid`` is the vendor's; see the module's note)."""

    ContactPointGuid: str
    SystemId: str | None
    Protocol: str
    ApiBaseUrl: str
    CertificateThumbprint: str
    CertificateStore: str

    def pairs(self) -> tuple[tuple[str, str | None], ...]:
        """(name, value) in the file's order, as the pages list them."""
        return tuple((f.name, getattr(self, f.name)) for f in fields(self))


@dataclass(frozen=True, slots=True)
class DispatcherCertificate:
    thumbprint_sha1: str
    sha256: str
    subject: str
    issuer: str
    serial_number: str
    not_after: str
    cvr: str | None


@dataclass(frozen=True, slots=True)
class DispatcherAuthorization:
    """Where the authorization header comes from: a variable's name and the hand-over
    channel, never the header."""

    variable: str | None
    handover: str | None
    note: str


@dataclass(frozen=True, slots=True)
class MailboxMappingFile:
    """The mapping CSV the dispatcher is given; its SHA-256 once the run has written it."""

    rows: int = 0
    file: str = ""
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    """The WorkZone NgDP dispatcher configuration (``dispatcher-config.json``)."""

    schema: str
    ready: bool
    blocking: tuple[str, ...]
    environment: str
    kind: str
    organisation: DispatcherOrganisation
    ngdp: DispatcherNgdp
    push: PushEndpoints | None
    parameters: DispatcherParameters
    note: str
    certificate: DispatcherCertificate
    authorization: DispatcherAuthorization
    mailbox_mapping: MailboxMappingFile
    generated_at: str
    kit_version: str
    run_id: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> DispatcherConfig:
        """:func:`build_config`'s configuration (or one read back from a file) as the typed
        record; a ValueError says what does not fit."""
        from ..inputs.typed import structure

        return structure(data, cls)

    def to_json(self) -> dict[str, Any]:
        """As ``dispatcher-config.json`` holds it."""
        from ..inputs.typed import unstructure

        data: dict[str, Any] = unstructure(self)
        return data


def blocking(findings: list[Finding], env: Environment) -> tuple[list[str], list[str]]:
    """(codes that withhold the file, codes that leave it ``ready: false``)."""
    own: list[str] = []
    other: list[str] = []
    for f in findings:
        if f.severity != "error" and not f.code.startswith("PENDING_"):
            continue
        if f.code.startswith("SIGNING_"):
            continue  # the consultancy's seal is about the record, not WorkZone's dispatcher
        is_own = (
            f.code.startswith(OWN_PREFIXES)
            or f.source in OWN_SOURCES
            or f.source.endswith(("certificate_password_env", "authorization_env"))
        )
        if f.code.startswith("PENDING_") and not is_own:
            continue
        (own if is_own else other).append(f.code)
    if "CERT_CVR_MISMATCH" in own and "CVR_INVALID" in other:
        # the certificate is held against a CVR number that is none: the settings' number
        # withholds the file as much as the certificate does, and is the one to fix first (a
        # consultant's read: the dispatcher page named only the certificate, whose CVR number
        # was the organisation's own)
        other = [c for c in other if c != "CVR_INVALID"]
        own.append("CVR_INVALID")
    return sorted(set(own)), sorted(set(other))


def finalise(
    config: DispatcherConfig | None,
    run_findings: list[Finding],
    env: Environment,
    *,
    mapping_sha256: str = "",
) -> DispatcherConfig | None:
    """Step 05's configuration after the run-level findings (certificate reuse, a leak):
    withheld when one is the dispatcher's own, else ``ready: false`` with it among the
    blocking codes; with the mapping CSV's SHA-256 once the file is written."""
    if config is None:
        return None
    own, other = blocking(run_findings, env)
    if own:
        return None
    if mapping_sha256 and config.mailbox_mapping.file:
        config = replace(
            config, mailbox_mapping=replace(config.mailbox_mapping, sha256=mapping_sha256)
        )
    if other:
        config = replace(
            config, ready=False, blocking=tuple(sorted(set(config.blocking) | set(other)))
        )
    return config


def final_config(
    config: dict[str, Any] | None,
    run_findings: list[Finding],
    env: Environment,
    *,
    mapping_sha256: str = "",
) -> dict[str, Any] | None:
    """:func:`finalise` on the configuration as JSON (:func:`build_config`'s, or a file's):
    the same JSON when nothing changes, else the final configuration's."""
    typed = DispatcherConfig.of(config) if config is not None else None
    final = finalise(typed, run_findings, env, mapping_sha256=mapping_sha256)
    if final is None:
        return None
    return config if final == typed else final.to_json()


def _cvr(cvr: str) -> str | None:
    """``organisation.cvr`` as the configuration carries it: None for one with the shape of a
    CPR number (personal data, never written into a deliverable; CVR_INVALID, an error,
    leaves the file ``ready: false``, so the null is never a value to enter)."""
    from ..checks.system import cpr_shaped

    return None if cpr_shaped(cvr) else cvr


def build_config(
    settings: Settings,
    env: Environment,
    *,
    certificate: CertificateFacts | None,
    mapping: dict[str, Any],
    findings: list[Finding],
    run_id: str,
    kit_version: str,
) -> tuple[dict[str, Any] | None, list[str], list[str]]:
    """(config or None when withheld, own blocking codes, other blocking codes)."""
    own, other = blocking(findings, env)
    if own or certificate is None:
        return None, own or ["PENDING_CERTIFICATE"], other
    push = (
        push_endpoints(env.push_base_url, env.system_id or "")
        if env.protocol == "REST_PUSH" and env.push_base_url
        else None
    )
    config = {
        "schema": SCHEMA,
        "ready": not other,
        "blocking": other,
        "environment": env.name,
        "kind": env.kind,
        "organisation": {
            "name": settings.organisation.name,
            "cvr": _cvr(settings.organisation.cvr),
        },
        "ngdp": {
            "api_base_url": official_api_url(env.kind),
            "address": vendor_address(env.kind),  # as the vendor page lists it
            "system_id": env.system_id,
            "protocol": env.protocol,
        },
        "push": push,
        "parameters": {
            "ContactPointGuid": (env.default_contact_point or "").strip("{}").lower(),
            "SystemId": env.system_id,
            "Protocol": env.protocol,
            "ApiBaseUrl": vendor_address(env.kind),  # the vendor page's address
            "CertificateThumbprint": certificate.thumbprint_sha1,
            "CertificateStore": "LocalMachine\\My",
        },
        "note": "ContactPointGuid is the WorkZone NgDP dispatcher parameter named by KMD's documentation; the other parameter names are ngdpkit's own, because the dispatcher's other parameter names are not public. Enter their values in WorkZone Configurator > Process > Process dispatchers > NgDP.",
        "certificate": {
            "thumbprint_sha1": certificate.thumbprint_sha1,
            "sha256": certificate.sha256,
            "subject": certificate.subject,
            "issuer": certificate.issuer,
            "serial_number": certificate.serial_number,
            "not_after": certificate.not_after,
            "cvr": certificate.cvr,
        },
        "authorization": {
            "variable": env.authorization_env,
            "handover": env.authorization_handover or None,
            "note": "the dispatcher needs the authorization header from Administrativ Adgang; it is a secret, never written here, and reaches whoever enters it in Configurator through the channel named in handover",
        },
        "mailbox_mapping": mapping,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kit_version": kit_version,
        "run_id": run_id,
    }
    return config, [], other
