"""``ngdpkit rehearse``: prove the integration end to end (contract §9).

Send a test letter with the organisation's certificate and header, take the
transport receipt, wait for the citizen's reply (REST_PULL: list, fetch,
business receipt COMPLETED, delete; REST_PUSH: a local stand-in for the WorkZone
Push Service receives it), and check the reply names the right letter, contact
point and case. Against the simulator (default) everything stays on 127.0.0.1;
against NgDP the client code is the same, with the real API and trust store.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import re
import secrets as pysecrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from .. import findings as F
from ..checks.network import official_api_url
from ..checks.system import shown_cvr
from ..errors import InputError
from ..findings import Finding, Sentence
from ..guids import canonical_guid
from ..inputs.acceptance import AcceptanceStep
from ..inputs.mailboxes import in_scientific_notation
from ..inputs.typed import unstructure
from ..redact import authorization_header, clip, hide_cpr, one_line, redact_bytes
from ..secrets import secret_missing
from ..settings import Environment, Settings, load_settings
from . import memo

if TYPE_CHECKING:
    from ..run.neighbours import AcceptanceView


@dataclass
class Acceptance:
    environment: str
    against: str
    steps: list[AcceptanceStep] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    memo_uuid: str | None = None
    reply_uuid: str | None = None
    sent_xml: bytes | None = None
    reply_xml: bytes | None = None

    @property
    def status(self) -> str:
        return F.status_of(self.findings)

    def step(self, name: str, status: str, started: float, *parts: Sentence) -> None:
        """The step ``name`` ended (ok, skipped or failed); ``parts`` say how, as sentences
        of the catalogue (the page shows them in the run's language, the record keeps them
        and their English line)."""
        self.steps.append(
            AcceptanceStep(
                name=name,
                status=status,
                duration_s=round(time.monotonic() - started, 3),
                detail=" ".join(p.text("en") for p in parts),
                parts=parts,
            )
        )

    def to_json(self, language: str = "en") -> dict[str, Any]:
        return {
            "environment": self.environment,
            "against": self.against,
            "status": self.status,
            "steps": unstructure(self.steps),
            "memo_uuid": self.memo_uuid,
            "reply_uuid": self.reply_uuid,
            "findings": [f.to_dict(language) for f in F.sort_findings(self.findings)],
        }


def anchors_pem(settings: Settings, kind: str) -> bytes:
    from cryptography.hazmat.primitives import serialization

    from ..checks.trust import load_trust_anchors

    anchors = load_trust_anchors(settings.trust_anchors, rel=settings.rel)
    certs = list(anchors.roots[kind]) + [
        c for c in anchors.intermediates if any(c.issuer == r.subject for r in anchors.roots[kind])
    ]
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def _load_identity(settings: Settings, env: Environment, found: list[Finding]) -> Any:
    from ..checks.certificates import load_certificate
    from ..secrets import resolve

    if env.certificate is None:
        found.append(
            F.error(
                "PENDING_CERTIFICATE",
                "A rehearsal needs the environment's .p12/.pfx certificate.",
                f"environments.{env.name}.certificate",
            )
        )
        return None
    password = resolve(env.certificate_password_env, secrets_file=settings.secrets_file)
    if password is None:
        found.append(
            secret_missing(
                f"environments.{env.name}.certificate_password_env",
                what="certificate password",
                variable=env.certificate_password_env,
            )
        )
        return None
    loaded = load_certificate(
        env.certificate, label=settings.rel(env.certificate), password=password
    )
    found.extend(f for f in loaded.findings if f.severity == "error")
    if loaded.leaf is None or loaded.key is None:
        found.append(
            F.error(
                "CERT_NO_PRIVATE_KEY",
                "A rehearsal needs the private key to present the certificate.",
                settings.rel(env.certificate),
            )
        )
        return None
    return loaded


def _authorization(
    settings: Settings, env: Environment, against: str, found: list[Finding]
) -> tuple[str | None, str | None]:
    """(header, token); a throwaway token against the simulator when none is configured."""
    from ..secrets import parse_authorization, quality_findings, resolve

    secret = resolve(env.authorization_env, secrets_file=settings.secrets_file)
    if secret is not None:
        found.extend(quality_findings(secret, f"environments.{env.name}.authorization_env"))
        parsed = parse_authorization(secret.reveal())
        return secret.reveal(), parsed[1] if parsed else None
    if against == "ngdp":
        found.append(
            secret_missing(
                f"environments.{env.name}.authorization_env",
                what="authorization header",
                variable=env.authorization_env,
                detail="; NgDP needs it",
            )
        )
        return None, None
    token = pysecrets.token_urlsafe(24)
    found.append(
        F.info(
            "REHEARSAL_THROWAWAY_TOKEN",
            "No authorization header is configured; this rehearsal used a throwaway token for the simulator only.",
            f"environments.{env.name}.authorization_env",
        )
    )
    return "Basic " + base64.b64encode(f"{env.system_id}:{token}".encode()).decode(), token


def run_flow(
    settings: Settings,
    env: Environment,
    *,
    against: str = "simulator",
    run_id: str = "",
    work: Path,
    simulator_options: dict[str, Any] | None = None,
    progress: Callable[[str], None] = print,
) -> Acceptance:
    """The acceptance flow itself; writes nothing but temporary files under ``work``.

    prepare (settings, identity, header) → the letter → a TLS client to NgDP or the
    simulator → send and its receipt → the citizen's reply → the reply checked → with
    REST_PUSH, the receipt at the push endpoint. Each part adds its steps and findings to
    the acceptance record; the first part that fails ends the flow.
    """
    acc = Acceptance(env.name, against)
    _prerequisites(env, acc.findings)
    _sender_cvr(settings, acc.findings)
    identity = _load_identity(settings, env, acc.findings)
    header, token = _authorization(settings, env, against, acc.findings)
    if any(f.severity == "error" for f in acc.findings) or identity is None or header is None:
        acc.step(
            "prepare",
            "failed",
            time.monotonic(),
            Sentence.of(
                "Refused before sending: {values}.",
                values=", ".join(f.code for f in acc.findings if f.severity == "error"),
            ),
        )
        return acc
    contact_point = (env.default_contact_point or "").strip("{}").lower()
    letter = _letter(settings, env, run_id, contact_point, acc)
    if letter is None:
        return acc
    with ExitStack() as stack:
        link = _connect(
            stack,
            settings,
            env,
            against=against,
            work=work,
            token=token or "",
            header=header,
            identity=identity,
            contact_point=contact_point,
            simulator_options=simulator_options,
            acc=acc,
        )
        if link is None:
            return acc
        client, base, stand_in = link
        from ..documents.i18n import t

        progress("  " + t(settings.language, "rehearse_sending", uuid=letter.uuid, base=base))
        if not _send(client, base, letter, acc):
            return acc
        reh = env.rehearsal
        t0 = time.monotonic()
        progress(
            "  "
            + t(
                settings.language,
                "rehearse_waiting",
                seconds=reh.timeout_s,
                protocol=env.protocol,
            )
        )
        deadline = time.monotonic() + reh.timeout_s
        reply_xml = _wait_reply(client, base, stand_in, env, letter.uuid, deadline, acc, t0)
        if reply_xml is None:
            return acc
        _check_reply(reply_xml, letter.uuid, contact_point, reh.case_id, acc, t0)
        if env.protocol == "REST_PUSH" and stand_in is not None:
            _push_receipt(stand_in, letter.uuid, deadline, reh.timeout_s, acc)
    return acc


def _sender_cvr(settings: Settings, found: list[Finding]) -> None:
    """CVR_INVALID, refusing the rehearsal, when ``organisation.cvr`` has the shape of a CPR
    number: the letter names its sender by it, so a CPR number typed there would leave the
    machine in the letter sent (and be kept in ``memo/sent-….xml``; a DPO's look)."""
    from ..checks.system import check_cvr, cpr_shaped

    if cpr_shaped(settings.organisation.cvr):
        found += check_cvr(settings.organisation.cvr)


def _prerequisites(env: Environment, found: list[Finding]) -> None:
    """What a rehearsal needs from the settings before anything is sent."""
    reh = env.rehearsal
    for key, value in (
        ("system_id", env.system_id),
        ("default_contact_point", env.default_contact_point),
    ):
        if not value:
            found.append(
                F.error(
                    f"PENDING_{key.upper()}",
                    "A rehearsal needs {key}.",
                    f"environments.{env.name}.{key}",
                    key=key,
                )
            )
    if not reh.recipient_id:
        found.append(
            F.error(
                "PENDING_RECIPIENT_ID",
                "A rehearsal needs [rehearsal] recipient_id (a test citizen or company).",
                "rehearsal.recipient_id",
            )
        )
    if reh.recipient_id_type not in ("CPR", "CVR"):
        found.append(
            F.error(
                "REHEARSAL_RECIPIENT_INVALID",
                "[rehearsal] recipient_id_type {recipient_id_type!r} must be CPR or CVR.",
                "rehearsal.recipient_id_type",
                # the two values swapped ("CPR" as the recipient) put the test citizen's CPR
                # number here, which the page and acceptance.json repeated (the console hid it)
                recipient_id_type=hide_cpr(reh.recipient_id_type),
            )
        )
    elif reh.recipient_id:
        found += _recipient_id_problems(reh.recipient_id, reh.recipient_id_type)


def _recipient_id_problems(value: str, kind: str) -> list[Finding]:
    """``REHEARSAL_RECIPIENT_INVALID`` for a recipient that is not the 10 digits of a CPR or
    the 8 of a CVR number, as the letter would carry it: a CPR number copied out of Excel
    has lost its leading zero ("101709996") or its digits ("1,01709E+09"), and one letter
    sent so goes to no one, or to another person. The number itself is never repeated (it is
    a person's CPR number)."""
    count = 10 if kind == "CPR" else 8
    if re.fullmatch(f"[0-9]{{{count}}}", value):
        return []
    where = "rehearsal.recipient_id"
    if kind == "CPR" and re.fullmatch("[1-9][0-9]{8}", value):
        return [
            F.error(
                "REHEARSAL_RECIPIENT_INVALID",
                "[rehearsal] recipient_id has 9 digits where a CPR number has 10: its leading zero was lost, as Excel drops it from a number; write all 10 digits, starting with 0, in quotes.",
                where,
            )
        ]
    if in_scientific_notation(value.strip()):  # "1,01709E+09": its digits are gone
        return [
            F.error(
                "REHEARSAL_RECIPIENT_INVALID",
                "[rehearsal] recipient_id is in scientific notation, as Excel shows a long number, and its digits are lost; copy the {count} digits from where the number is registered, not from an Excel cell, and write them in quotes.",
                where,
                count=count,
            )
        ]
    return [
        F.error(
            "REHEARSAL_RECIPIENT_INVALID",
            "[rehearsal] recipient_id is not the {count} digits of a {recipient_id_type} number: write the digits only, in quotes, without spaces or hyphens.",
            where,
            count=count,
            recipient_id_type=kind,
        )
    ]


def _letter(
    settings: Settings, env: Environment, run_id: str, contact_point: str, acc: Acceptance
) -> Any:
    """The test letter as MeMo XML, or None (and MEMO_INVALID) when it does not validate."""
    reh = env.rehearsal
    letter = memo.build_letter(
        organisation=settings.organisation.name,
        cvr=settings.organisation.cvr,
        contact_point=contact_point,
        recipient_id=reh.recipient_id,
        recipient_id_type=reh.recipient_id_type,
        environment=env.name,
        run_id=run_id,
        case_id=reh.case_id,
    )
    acc.memo_uuid, acc.sent_xml = letter.uuid, letter.xml
    reason = memo.validate(letter.xml)
    if reason:
        acc.findings.append(
            F.error(
                "MEMO_INVALID",
                "The test letter is not a valid MeMo: {reason}.",
                "memo",
                letter.uuid,
                reason=reason,
            )
        )
        return None
    return letter


def _connect(
    stack: ExitStack,
    settings: Settings,
    env: Environment,
    *,
    against: str,
    work: Path,
    token: str,
    header: str,
    identity: Any,
    contact_point: str,
    simulator_options: dict[str, Any] | None,
    acc: Acceptance,
) -> tuple[Any, str, Any] | None:
    """(an mTLS client, the API base, the push stand-in or None): against the simulator
    (started here, on a session CA) or NgDP. None when the API URL is not https."""
    from ..checks.deadline import BoundedClient
    from ..checks.probes import client_tls_context

    reh = env.rehearsal
    if against == "simulator":
        base, ca_file, stand_in = _start_simulator(
            stack, settings, env, work, token, header, contact_point, simulator_options
        )
    else:  # NgDP itself, or what ngdp_api_url points at (NGDP_API_URL_OVERRIDDEN in the checks)
        target = _ngdp_base(env, acc)
        if target is None:
            return None
        (base, ca_file), stand_in = target, None
    ctx = stack.enter_context(
        client_tls_context(identity.leaf, identity.key, identity.extra, cafile=ca_file)
    )
    # One overall deadline for every request of the rehearsal (a trickling server never
    # holds it open): the checks' total, plus the wait for the reply.
    client = stack.enter_context(
        BoundedClient(
            deadline=time.monotonic() + settings.checks.probe_total_s + reh.timeout_s,
            verify=ctx,
            timeout=max(5.0, float(reh.timeout_s)),
            headers={"Authorization": authorization_header(header)},
            trust_env=against == "ngdp",
            follow_redirects=False,
        )
    )
    return client, base, stand_in


def _registry(settings: Settings, env: Environment) -> Any:
    from .simulator_registry import registry_from_settings

    try:
        return registry_from_settings(settings, env)
    except InputError:  # an unreadable contact points file: the rehearsal reports it itself
        return None


def _start_simulator(
    stack: ExitStack,
    settings: Settings,
    env: Environment,
    work: Path,
    token: str,
    header: str,
    contact_point: str,
    simulator_options: dict[str, Any] | None,
) -> tuple[str, str | None, Any]:
    """The local NgDP on a session CA (and, for REST_PUSH, the stand-in for WorkZone's Push
    Service): its API base, the CA file, the stand-in or None."""
    from ..checks.system import push_endpoints
    from .simulator import PushStandIn, SessionCA, Simulator, SimulatorConfig

    reh = env.rehearsal
    stand_in = None
    ca = SessionCA.create(work / "ca")
    ca_file = str(ca.ca_file)
    cfg = SimulatorConfig(
        kind=env.kind,
        anchors_pem=anchors_pem(settings, env.kind),
        cvr=settings.organisation.cvr,
        system_id=env.system_id or "",
        token=token,
        contact_points=contact_point_ids(settings, env) | {contact_point},
        protocol=env.protocol,
        citizen_id=reh.recipient_id,
        citizen_type=reh.recipient_id_type,
        registry=_registry(settings, env),  # the read endpoints too, as NgDP has them
        **(simulator_options or {}),
    )
    if env.protocol == "REST_PUSH":
        ends = push_endpoints(env.push_base_url or "https://push.invalid", env.system_id or "")
        stand_in = stack.enter_context(
            PushStandIn(ends["message_endpoint"], ends["receipt_endpoint"], ca)
        )
        cfg.push_message_url = stand_in.url("message")
        cfg.push_receipt_url = stand_in.url("receipt")
        cfg.push_authorization, cfg.push_ca_file = header, ca_file
        cert_path, key_path = ca.client_identity("ngdp-push")
        cfg.push_client_cert = (str(cert_path), str(key_path))
    base = stack.enter_context(Simulator(cfg, ca)).base_url
    return base, ca_file, stand_in


def _ngdp_base(env: Environment, acc: Acceptance) -> tuple[str, str | None] | None:
    """NgDP's API base and the CA file to trust for it; None (a finding) when not https."""
    base = (env.ngdp_api_url or official_api_url(env.kind)).rstrip("/")
    ca_file = str(env.ngdp_api_ca) if env.ngdp_api_ca else None
    if not base.lower().startswith("https://"):
        acc.step("send", "failed", time.monotonic(), Sentence.of("ngdp_api_url is not https."))
        acc.findings.append(
            F.error(
                "NGDP_API_URL_NOT_HTTPS",
                "ngdp_api_url {base} is not https: nothing was sent, since the authorization header would travel in clear text.",
                f"environments.{env.name}.ngdp_api_url",
                "send",
                base=base,
            )
        )
        return None
    if env.ngdp_api_url:
        # The rehearsal went where ngdp_api_url points (a local NgDP, as a consultant
        # practises): it never counts as the acceptance test (checklist step 8), and in
        # production it is an error, as in a run (a go-live day's cold run: a production
        # rehearsal against 127.0.0.1 made step 8 "færdig").
        sev = F.error if env.kind == "production" else F.info
        acc.findings.append(
            sev(
                "NGDP_API_URL_OVERRIDDEN",
                "ngdp_api_url is overridden to {ngdp_api_url}: this rehearsal went there, not to NgDP's official {value}, and does not count as the acceptance test (checklist step 8).",
                f"environments.{env.name}.ngdp_api_url",
                "send",
                ngdp_api_url=env.ngdp_api_url,
                value=official_api_url(env.kind),
            )
        )
    return base, ca_file


def _send(client: Any, base: str, letter: Any, acc: Acceptance) -> bool:
    """POST the letter (HTTP 201 wanted; a redirect is never followed) and read the
    transport receipt in the answer. False when the letter did not go through."""
    import httpx

    found = acc.findings
    t0 = time.monotonic()
    try:
        r = client.post(
            f"{base}/memos/",
            params={"memo-message-uuid": letter.uuid},
            content=letter.xml,
            headers={"Content-Type": "application/xml"},
        )
    except httpx.HTTPError as exc:
        detail = f"{type(exc).__name__}: {clip(str(exc), 200)}"
        acc.step("send", "failed", t0, Sentence.of("The request failed: {detail}.", detail=detail))
        found.append(
            F.error(
                "REHEARSAL_SEND_REFUSED",
                "The letter could not be sent: the TLS connection or the request failed ({detail}).",
                base,
                "send",
                detail=detail,
            )
        )
        return False
    if 300 <= r.status_code < 400:
        acc.step(
            "send",
            "failed",
            t0,
            Sentence.of("HTTP {status}: a redirect, not followed.", status=r.status_code),
        )
        found.append(
            F.error(
                "NET_REDIRECT",
                "{base} answered {status_code}, a redirect to {reason}; redirects are never followed.",
                base,
                "send",
                base=base,
                status_code=r.status_code,
                reason=one_line(r.headers.get("location", "?"))[:120],
            )
        )
        return False
    if r.status_code != 201:
        detail = _error_detail(r)
        acc.step(
            "send",
            "failed",
            t0,
            Sentence.of("HTTP {status}: {detail}.", status=r.status_code, detail=detail),
        )
        found.append(
            F.error(
                "REHEARSAL_SEND_REFUSED",
                "NgDP refused the letter with HTTP {status_code}: {detail}.",
                base,
                "send",
                status_code=r.status_code,
                detail=detail,
            )
        )
        return False
    acc.step("send", "ok", t0, Sentence.of("HTTP 201: letter {uuid} was taken.", uuid=letter.uuid))
    _transport_receipt(r, base, letter, acc)
    return True


def _transport_receipt(r: Any, base: str, letter: Any, acc: Acceptance) -> None:
    """The answer to a letter sent must be its RECEIVED (or COMPLETED) transport receipt."""
    found = acc.findings
    t0 = time.monotonic()
    from ..checks.deadline import answer_json

    try:
        receipt = answer_json(r)  # an echoed secret is hidden as it is read
    except (ValueError, RecursionError):
        receipt = {}
    if not isinstance(receipt, dict):
        receipt = {"body": receipt}
    if (
        receipt.get("receiptStatus") in ("RECEIVED", "COMPLETED")
        and receipt.get("messageUUID") == letter.uuid
    ):
        acc.step(
            "transport receipt",
            "ok",
            t0,
            Sentence.of(
                "{status}, transmission ID {transmission}.",
                status=receipt["receiptStatus"],
                transmission=receipt.get("transmissionId"),
            ),
        )
    else:
        acc.step(
            "transport receipt",
            "failed",
            t0,
            Sentence.of("The answer was {value}.", value=clip(json.dumps(receipt), 200)),
        )
        found.append(
            F.error(
                "REHEARSAL_NO_RECEIPT",
                "The answer to the letter is not a RECEIVED receipt for {uuid}: {value}.",
                base,
                "receipt",
                uuid=letter.uuid,
                value=clip(json.dumps(receipt), 160),
            )
        )


def _wait_reply(
    client: Any,
    base: str,
    stand_in: Any,
    env: Environment,
    uuid: str,
    deadline: float,
    acc: Acceptance,
    t0: float,
) -> bytes | None:
    """The citizen's reply: pulled from NgDP, or received by the push stand-in. None when
    none came (or, with REST_PUSH against NgDP, when it cannot be seen from here)."""
    if env.protocol != "REST_PUSH":
        reply_xml = _wait_pull(client, base, uuid, deadline)
    elif stand_in is not None:
        reply_xml = _wait_push(stand_in, uuid, deadline)
    else:  # REST_PUSH against the real NgDP: the reply goes to the customer's Push Service
        acc.step(
            "reply",
            "skipped",
            t0,
            Sentence.of(
                "REST_PUSH against NgDP: the reply arrives at the WorkZone Push Service, not here; check it in WorkZone."
            ),
        )
        acc.findings.append(
            F.warning(
                "REHEARSAL_REPLY_NOT_SEEN",
                "With REST_PUSH the reply goes to the WorkZone Push Service; confirm in WorkZone that it arrived on the case.",
                base,
                "reply",
            )
        )
        return None
    if reply_xml is None:
        timeout_s = env.rehearsal.timeout_s
        acc.step(
            "reply",
            "failed",
            t0,
            Sentence.of("No reply within {timeout_s} s.", timeout_s=timeout_s),
        )
        acc.findings.append(
            F.error(
                "REHEARSAL_NO_REPLY",
                "No reply to {uuid} arrived within {timeout_s} s.",
                base,
                "reply",
                uuid=uuid,
                timeout_s=timeout_s,
            )
        )
        return None
    return memo_without_secrets(reply_xml)  # kept in the rehearsal's folder


def memo_without_secrets(xml: bytes) -> bytes:
    """A memo as the rehearsal keeps it: byte for byte as it came, unless it holds a secret
    in any form an XML reader reads (raw, as character references, split by a comment or a
    CDATA section); then it is written again from its parsed tree, each secret hidden."""
    from xml.etree import ElementTree as ET

    from defusedxml import ElementTree as SafeET

    from ..redact import redact

    try:
        root = SafeET.fromstring(xml)
    except (ValueError, SyntaxError):  # not read as a memo either: the bytes, redacted
        return redact_bytes(xml)
    changed = False
    for el in root.iter():
        for part in ("text", "tail"):
            value = getattr(el, part)
            if value and (hidden := redact(value)) != value:
                setattr(el, part, hidden)
                changed = True
        for key, value in el.attrib.items():
            if (hidden := redact(value)) != value:
                el.attrib[key] = hidden
                changed = True
    if not changed:
        return redact_bytes(xml)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _check_reply(
    reply_xml: bytes, uuid: str, contact_point: str, case_id: str, acc: Acceptance, t0: float
) -> None:
    """The reply must be valid MeMo answering this letter, from this contact point (and case)."""
    found = acc.findings
    acc.reply_xml = reply_xml
    fields = memo.read(reply_xml)
    acc.reply_uuid = fields["uuid"]
    acc.step("reply", "ok", t0, Sentence.of("Reply {uuid}.", uuid=fields["uuid"]))
    t0 = time.monotonic()
    reason = memo.validate(reply_xml)
    if reason:
        found.append(
            F.error(
                "MEMO_INVALID",
                "The reply is not a valid MeMo: {reason}.",
                "reply",
                fields["uuid"],
                reason=reason,
            )
        )
    wrong = _mismatches(fields, uuid, contact_point, case_id)
    parts = [sentence for sentence, _ in wrong]
    found.extend(finding for _, finding in wrong)
    if parts:
        acc.step("reply matches", "failed", t0, *parts)
    elif case_id:
        acc.step(
            "reply matches",
            "ok",
            t0,
            Sentence.of(
                "Letter {uuid}, contact point {contact_point}, case {case}.",
                uuid=uuid,
                contact_point=contact_point,
                case=case_id,
            ),
        )
    else:
        acc.step(
            "reply matches",
            "ok",
            t0,
            Sentence.of(
                "Letter {uuid}, contact point {contact_point}.",
                uuid=uuid,
                contact_point=contact_point,
            ),
        )


def _mismatches(
    fields: dict[str, Any], uuid: str, contact_point: str, case_id: str
) -> list[tuple[Sentence, Finding]]:
    """What in the reply does not answer this letter: the step's sentence and the finding,
    for each mismatch (one finding each, so that each says its own sentence in the run's
    language)."""
    wrong: list[tuple[Sentence, Finding]] = []
    reply = fields["uuid"]
    said = fields["reply_to"] or "-"
    if said != uuid:
        wrong.append(
            (
                Sentence.of("It answers {found}, not {wanted}.", found=said, wanted=uuid),
                F.error(
                    "REHEARSAL_REPLY_MISMATCH",
                    "The reply does not match the letter: it answers {found}, not {wanted}.",
                    "reply",
                    reply,
                    found=said,
                    wanted=uuid,
                ),
            )
        )
    named = fields["reply_contact_point"] or fields["recipient_contact_point"]
    if named.lower() != contact_point:
        said = fields["reply_contact_point"] or "-"
        wrong.append(
            (
                Sentence.of(
                    "It names contact point {found}, not {wanted}.",
                    found=said,
                    wanted=contact_point,
                ),
                F.error(
                    "REHEARSAL_REPLY_MISMATCH",
                    "The reply does not match the letter: it names contact point {found}, not {wanted}.",
                    "reply",
                    reply,
                    found=said,
                    wanted=contact_point,
                ),
            )
        )
    if case_id and fields["reply_case"] != case_id:
        said = fields["reply_case"] or "-"
        wrong.append(
            (
                Sentence.of("It names case {found}, not {wanted}.", found=said, wanted=case_id),
                F.error(
                    "REHEARSAL_REPLY_MISMATCH",
                    "The reply does not match the letter: it names case {found}, not {wanted}.",
                    "reply",
                    reply,
                    found=said,
                    wanted=case_id,
                ),
            )
        )
    return wrong


def _push_receipt(
    stand_in: Any, uuid: str, deadline: float, timeout_s: int, acc: Acceptance
) -> None:
    """With REST_PUSH, NgDP delivers the receipt for the letter to the receipt endpoint."""
    t0 = time.monotonic()
    receipts: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        receipts = [
            x
            for x in stand_in.received()
            if x.get("kind") == "receipt" and x.get("receipt", {}).get("messageUUID") == uuid
        ]
        if receipts:
            break
        time.sleep(0.05)
    callers = sorted({str(x.get("client_certificate") or "") for x in receipts} - {""})
    acc.step(
        "receipt at push endpoint",
        "ok" if receipts else "failed",
        t0,
        Sentence.of("Receipts for {uuid} delivered: {count}.", uuid=uuid, count=len(receipts)),
        # the push endpoint here is always the kit's own: a customer's cold read took "the
        # receiver accepted the client certificate" for their Push Service
        Sentence.of(
            "The receiver was ngdpkit's local stand-in for WorkZone's Push Service, not yours."
        ),
        *(
            [
                Sentence.of(
                    "The receiver accepted the client certificate {values}.",
                    values=", ".join(callers),
                )
            ]
            if callers
            else []
        ),
    )
    if not receipts:
        acc.findings.append(
            F.error(
                "REHEARSAL_NO_RECEIPT",
                "The push receipt endpoint received no receipt for {uuid} within {timeout_s} s.",
                "push receipt endpoint",
                "receipt",
                uuid=uuid,
                timeout_s=timeout_s,
            )
        )


def contact_point_ids(settings: Settings, env: Environment) -> set[str]:
    """The GUIDs of the environment's contact points (none while they are pending)."""
    if env.contact_points is None:
        return set()
    from ..inputs.contact_points import read_contact_points

    return {
        p.id
        for p in read_contact_points(
            env.contact_points, label=settings.rel(env.contact_points), system_id=env.system_id
        ).points
    }


def _error_detail(r: Any) -> str:
    """NgDP's refusal as one line: its message and field errors, secrets removed before the
    line is cut (a cut secret no longer matches)."""
    try:
        body = r.json()
    except ValueError:
        return clip(r.text, 200)
    if not isinstance(body, dict):
        return clip(json.dumps(body), 200)
    parts = [str(body.get("message", ""))]
    errors = body.get("fieldErrors")
    for fe in errors if isinstance(errors, list) else []:
        if isinstance(fe, dict):
            parts.append(f"{fe.get('field')}: {fe.get('message')}")
    return clip("; ".join(p for p in parts if p), 400)


def _memo_ids(r: Any) -> list[str]:
    """The memo IDs of NgDP's listing of waiting memos, each a GUID in its normal form; an
    answer that is not a listing, and an ID that is not a GUID, give none (an ID goes into
    the path of the next requests, so only a GUID ever does)."""
    from ..checks.deadline import answer_json

    if r.status_code != 200:
        return []
    try:
        listing = answer_json(r)
    except (ValueError, RecursionError):
        return []
    ids = listing.get("content") if isinstance(listing, dict) else None
    found = [canonical_guid(i) for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
    return [i for i in found if i is not None]


def _reply_to(xml: bytes) -> str | None:
    """The letter a memo answers, or None when the memo cannot be read as one."""
    try:
        return str(memo.read(xml)["reply_to"])
    except (ValueError, SyntaxError):  # defusedxml's refusals; ElementTree's ParseError
        return None


def _wait_pull(client: Any, base: str, letter_uuid: str, deadline: float) -> bytes | None:
    while time.monotonic() < deadline:
        r = client.get(f"{base}/memos/")
        for memo_id in _memo_ids(r):
            got = client.get(f"{base}/memos/{memo_id}")
            if got.status_code != 200 or _reply_to(got.content) != letter_uuid:
                continue
            client.post(
                f"{base}/memos/{memo_id}/receipt",
                json={
                    "messageUUID": memo_id,
                    "receiptStatus": "COMPLETED",
                    "timeStamp": memo.utc_now(),
                },
            )
            client.delete(f"{base}/memos/{memo_id}")
            return bytes(got.content)
        time.sleep(0.2)
    return None


def _wait_push(stand_in: Any, letter_uuid: str, deadline: float) -> bytes | None:
    while time.monotonic() < deadline:
        for record in stand_in.received():
            xml = record.get("xml")
            if record.get("kind") == "message" and xml and _reply_to(xml) == letter_uuid:
                if record.get("filename") != memo.read(xml)["uuid"]:
                    return None
                return bytes(xml)
        time.sleep(0.1)
    return None


def _confirm(env: Environment, settings: Settings, *, yes: bool) -> None:
    reh = env.rehearsal
    if env.ngdp_api_url:  # not NgDP: said before the question (a go-live day's second look)
        print("This sends ONE letter to ngdp_api_url's address, not NgDP's (no acceptance test):")
    else:
        print("This sends ONE real letter through NgDP:")
    print(
        f"  API:            {env.ngdp_api_url or official_api_url(env.kind)}"
        + (" (ngdp_api_url override)" if env.ngdp_api_url else "")
    )
    print(
        f"  from:           {settings.organisation.name} (CVR {shown_cvr(settings.organisation.cvr)}), system {env.system_id}"
    )
    print(f"  to:             {reh.recipient_id_type} {reh.recipient_id}")
    print(f"  reply route:    contact point {env.default_contact_point}")
    if yes:
        return
    if not sys.stdin or not sys.stdin.isatty():
        raise InputError(
            "rehearse --against ngdp asks before sending; on a non-interactive run add --yes"
        )
    if input("Send it? [y/N] ").strip().lower() not in ("y", "yes", "j", "ja"):
        raise InputError("not sent: the rehearsal was declined")


def rehearse(
    settings_path: Path,
    name: str,
    *,
    against: str = "simulator",
    production: bool = False,
    yes: bool = False,
    out: Path | None = None,
    simulator_options: dict[str, Any] | None = None,
    progress: Callable[[str], None] = print,
    lab: bool = False,
) -> tuple[int, Path]:
    """Run the acceptance flow and write its run folder; returns (exit code, folder).

    ``lab``: started from a JupyterLab session; the folder is marked not for sign-off
    (``NOT-FOR-SIGNOFF.txt``, ``"lab": true`` in its first audit record) and no run uses it."""
    from ..run.scan import environment_secrets

    settings = load_settings(settings_path)
    env = settings.environment(name)
    folder, sealing = _open_folder(
        settings, env, against=against, production=production, yes=yes, out=out, lab=lab
    )
    run_dir = folder.path
    secrets = environment_secrets(settings, env)
    folder.scan_as_written(secrets)  # each file scanned by its writer, not read back
    with _scrubbed_if_unfinished(folder, secrets, settings.language):
        code = _rehearse_in(
            folder, settings, env, secrets, sealing, against, simulator_options, progress
        )
    return code, run_dir


@contextlib.contextmanager
def _scrubbed_if_unfinished(
    folder: Any, secrets: dict[str, list[str]], language: str
) -> Iterator[None]:
    """A rehearsal that crashed or was stopped (Ctrl-C, a cancelled CI job's SIGTERM) before
    its seal leaves no file that holds a secret, as ``run`` leaves none
    (``run.environment._scrub_unfinished``): the seal's scan never came, and the letter sent
    names the organisation, whose name may be a secret's value (an attacker's look: a crash
    after the letter was written left ``memo/sent-….xml`` holding the certificate password).
    Its pages say that it did not finish; the folder stays marked incomplete. A rehearsal
    that did finish (its last record written, or no longer marked incomplete) is left as
    sealed: a Ctrl-C or a closed console while its verdict was printed marked its sealed
    page "did not finish", and the folder no longer verified (a reviewer's look)."""
    from ..run.audit import FINISHED, INCOMPLETE

    run_dir: Path = folder.path
    try:
        yield
    except BaseException:
        from ..run.folder import mark_interrupted_pages
        from ..run.scan import scrub_folder

        if FINISHED in folder.trail.hashes or not (run_dir / INCOMPLETE).exists():
            raise
        try:
            scrub_folder(run_dir, secrets, skip=(INCOMPLETE,))
            mark_interrupted_pages(run_dir, language)
        except Exception:  # the crash or Ctrl-C is what is told; its exit code stays
            pass
        raise


def _rehearse_in(
    folder: Any,
    settings: Settings,
    env: Environment,
    secrets: dict[str, list[str]],
    sealing: list[Finding],
    against: str,
    simulator_options: dict[str, Any] | None,
    progress: Callable[[str], None],
) -> int:
    """The rehearsal itself, in its open folder: the flow, its files, the seal; the exit code."""
    from ..deliverables.outputs import atomic_write, write_json

    name, run_dir, trail = env.name, folder.path, folder.trail
    from ..documents.i18n import t as words

    progress(
        f"{name}: " + words(settings.language, "rehearse_start", against=against, folder=run_dir)
    )
    with tempfile.TemporaryDirectory(prefix="ngdpkit-rehearsal-") as tmp:
        acc = run_flow(
            settings,
            env,
            against=against,
            run_id=run_dir.name,
            work=Path(tmp),
            simulator_options=simulator_options,
            progress=progress,
        )
    acc.findings += sealing
    for s in acc.steps:
        trail.append("step", step=s.name, status=s.status, duration_s=s.duration_s)
    trail.append("checks_finished", status=acc.status)
    if acc.sent_xml is not None:
        atomic_write(run_dir / "memo" / f"sent-{acc.memo_uuid}.xml", acc.sent_xml)
    if acc.reply_xml is not None:
        atomic_write(run_dir / "memo" / f"reply-{acc.reply_uuid}.xml", acc.reply_xml)
    write_json(run_dir / "acceptance.json", acc.to_json(settings.language))

    def render(anchor: str) -> None:
        atomic_write(
            run_dir / "signoff" / "index.html",
            render_acceptance(settings, env, acc, run_dir.name, anchor),
        )

    def on_leak(leaks: list[tuple[Path, list[str]]]) -> None:
        from ..run.scan import leak_findings

        acc.findings += leak_findings(leaks, settings.rel)
        write_json(run_dir / "acceptance.json", acc.to_json(settings.language))

    def result() -> tuple[int, str]:
        return (1 if acc.status == "errors" else 0), acc.status

    code: int = folder.close(secrets=secrets, render=render, on_leak=on_leak, result=result)
    _say_verdict(acc, name, settings.language, run_dir, progress)
    return code


def _say_verdict(
    acc: Acceptance, name: str, lang: str, run_dir: Path, progress: Callable[[str], None]
) -> None:
    """Each step and the verdict on the console, as the page says them; against the
    simulator the verdict says so, as the page does ("Accepttest ok" alone read as NgDP's
    acceptance: a customer's cold read)."""
    from ..documents.i18n import seconds, status_word, t

    for s in acc.steps:
        said = f"{t(lang, s.name)}: {t(lang, f'step_{s.status}')} ({seconds(lang, s.duration_s)})"
        progress(f"  {said} {s.text(lang)}")
    where = f" ({t(lang, 'local_rehearsal')})" if acc.against == "simulator" else ""
    if _elsewhere(acc):
        where = f" ({t(lang, 'elsewhere_rehearsal')})"
    progress(
        f"{name}: {t(lang, 'rehearsal')} {status_word(lang, acc.status)}{where} → {run_dir / 'signoff' / 'index.html'}"
    )
    # the errors themselves, as run says them under its line: a refusal before sending
    # named only its code ("Afvist før afsendelse: PENDING_RECIPIENT_ID."), and what to set
    # took the page to learn (a consultant's first day)
    from ..documents.display import error_lines

    for line in error_lines(acc.findings, lang, more="rehearsal_errors_more"):
        progress(line)


def _open_folder(
    settings: Settings,
    env: Environment,
    *,
    against: str,
    production: bool,
    yes: bool,
    out: Path | None,
    lab: bool,
) -> tuple[Any, list[Finding]]:
    """Refuse what must not be sent, then the rehearsal's run folder with its first record
    (and the lab's mark); returns the folder and the seal's findings."""
    from ..deliverables.outputs import atomic_write
    from ..run.folder import RunFolder, writable_out

    name = env.name
    if against not in ("simulator", "ngdp"):
        raise InputError(f"--against {against!r}: use simulator or ngdp")
    if against == "ngdp":
        if env.kind == "production" and not production:
            raise InputError(
                f"environment {name!r} is a production environment: add --production to send a real letter there"
            )
        _confirm(env, settings, yes=yes)
    base = writable_out((out or settings.base_dir / "runs").resolve(), [name])
    from ..documents.signing import seal_from_settings

    sealer, sealing = seal_from_settings(settings)  # a seal that cannot seal: a finding
    folder = RunFolder.create(base, name, label="rehearsal", sealer=sealer)
    run_dir, trail = folder.path, folder.trail
    trail.append(
        "run_started",
        settings=settings.rel(settings.path),
        settings_sha256=settings.raw_sha256,
        environment=name,
        kind=env.kind,
        kit_version=__version__,
        rehearsal=against,
        run_id=run_dir.name,
        **({"lab": True} if lab else {}),
    )
    if lab:
        from ..documents.i18n import t as _t
        from ..settings import LAB_MARK

        atomic_write(run_dir / LAB_MARK, _t(settings.language, "lab") + "\n")
    return folder, sealing


def render_acceptance_view(settings: Settings, env: Environment, view: AcceptanceView) -> str:
    """The acceptance part of a run's signed document, from a verified rehearsal's typed
    ``acceptance.json`` (:class:`~ngdpkit.run.neighbours.AcceptanceView`) through the same
    templates as the rehearsal's own page: it names the rehearsal folder and its anchor."""
    acc = Acceptance(
        environment=view.environment,
        against=view.against,
        steps=list(view.steps),
        findings=list(view.findings),
        memo_uuid=view.memo_uuid,
        reply_uuid=view.reply_uuid,
    )
    from ..run.neighbours import stamp_of

    return render_acceptance(
        settings,
        env,
        acc,
        view.folder.path.name,
        view.folder.anchor,
        generated_at=stamp_of(view.folder.path.name),
        in_run=True,
    )


def render_acceptance(
    settings: Settings,
    env: Environment,
    acc: Acceptance,
    run_id: str,
    audit_hash: str,
    *,
    generated_at: dt.datetime | None = None,
    in_run: bool = False,
) -> str:
    """The acceptance page. ``in_run``: the acceptance part of a run's signed document,
    whose anchor is the run's: the rehearsal's own anchor is then said to be the rehearsal
    folder's (an IT manager's read: signoff.pdf held two different anchors under one
    heading, "Revisionsspor: anker", and the one to hold against audit verify was not told)."""
    from ..documents.display import badge, findings_html, table
    from ..documents.i18n import seconds, t
    from ..documents.pages import Markup, fragment
    from ..documents.signoff import page

    lang = settings.language
    rows = [
        (
            t(lang, s.name),
            badge(
                "ok" if s.status == "ok" else "warning" if s.status == "skipped" else "error",
                t(lang, f"step_{s.status}"),
                language=lang,
            ),
            seconds(lang, s.duration_s),
            s.text(lang),
        )
        for s in acc.steps
    ]
    head = _acceptance_head(settings, env, acc, run_id, generated_at)
    body = Markup("").join(
        [
            head,
            fragment(
                "section",
                t(lang, "steps"),
                [
                    table(
                        rows,
                        [
                            t(lang, "step"),
                            t(lang, "status"),
                            t(lang, "duration"),
                            t(lang, "detail"),
                        ],
                        language=lang,
                    )
                ],
            ),
            fragment("section", t(lang, "findings"), [findings_html(acc.findings, language=lang)]),
            fragment(
                "section",
                t(lang, "acceptance_audit_hash", folder=run_id)
                if in_run
                else t(lang, "audit_hash"),
                [fragment("para", [fragment("code", audit_hash)])],
            ),
        ]
    )
    banners = (
        [t(lang, "custom_anchors", kinds=", ".join(settings.trust_anchors))]
        if settings.trust_anchors
        else []
    )
    return page(
        f"{t(lang, 'rehearsal')} - {settings.organisation.name} - {env.name}",
        body,
        language=lang,
        banners=banners,
        anchor="" if in_run else audit_hash,  # in a run's document the footer is the run's
    )


def _acceptance_head(
    settings: Settings,
    env: Environment,
    acc: Acceptance,
    run_id: str,
    generated_at: dt.datetime | None,
) -> Any:
    """The acceptance page's head: who, where, against what, and the status."""
    from ..documents.i18n import local_time, t
    from ..documents.pages import fragment

    lang = settings.language
    ok = acc.status != "errors"
    against = (
        "lokal NgDP-simulator (127.0.0.1)"
        if acc.against == "simulator" and lang == "da"
        else "local NgDP simulator (127.0.0.1)"
        if acc.against == "simulator"
        else (env.ngdp_api_url or official_api_url(env.kind))
    )
    return fragment(
        "overview_head",
        t(lang, "rehearsal"),
        [
            (
                t(lang, "organisation"),
                f"{settings.organisation.name} (CVR {shown_cvr(settings.organisation.cvr)})",
            ),
            # said as the overview says them (a signer's read: "production (production,
            # REST_PUSH)" was English on a Danish page, and "Dannet 07-12-2026 kl. 09:24"
            # beside "20261207T082446Z-…" read as two times for one rehearsal)
            (
                t(lang, "environment"),
                f"{env.name} ({t(lang, 'kind_' + env.kind)}, {env.protocol})",
            ),
            ("NgDP", against),
            (t(lang, "run"), t(lang, "run_named", run=run_id)),
            (
                t(lang, "generated"),
                t(
                    lang,
                    "generated_at",
                    when=local_time(generated_at or dt.datetime.now(dt.UTC), lang),
                ),
            ),
            ("MeMo", f"{acc.memo_uuid or '-'} → {acc.reply_uuid or '-'}"),
        ],
        t(lang, "status"),
        # A rehearsal against the local simulator proves the kit's side only: never "ready".
        f"{t(lang, 'not_ready')} ({t(lang, 'elsewhere_rehearsal')})"
        if not ok and _elsewhere(acc)
        else t(lang, "not_ready")
        if not ok
        else t(lang, "local_rehearsal")
        if acc.against == "simulator"
        else t(lang, "elsewhere_rehearsal")
        if _elsewhere(acc)
        else t(lang, "ready"),
        ("remarks" if acc.against == "simulator" or _elsewhere(acc) else True) if ok else False,
    )


def _elsewhere(acc: Acceptance) -> bool:
    """A rehearsal ``--against ngdp`` sent where ``ngdp_api_url`` points, not to NgDP: its
    page said "Status klar" beside a checklist saying it does not count (a signer's look)."""
    from ..inputs.acceptance import sent_elsewhere

    return acc.against == "ngdp" and sent_elsewhere(acc.findings)


def demo_rehearsals(settings_path: Path) -> int:
    """``make demo``: rehearse every sample environment against the simulator."""
    code = 0
    print("\nRehearsals against the local NgDP simulator:", flush=True)
    settings = load_settings(settings_path)
    for name in settings.environments:
        c, folder = rehearse(settings_path, name, progress=lambda line: print(line, flush=True))
        code = max(code, c)
    return code
