"""Step 04: the sender/receiver system, the portal, the firewall and the network."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import findings as F
from ..checks.evidence import EvidenceSummary
from ..checks.network import NetworkRun
from ..checks.ngdp_compare import compact_todo
from ..deliverables.firewall import FirewallRule
from ..deliverables.portal import PortalRegistration
from ..documents import display
from ..documents.i18n import t
from ..documents.pages import Markup
from ..findings import Finding
from ..secrets import own_words, quality_findings, secret_missing
from .core import LAB_DIR, Step, pending
from .deliver import OutputContext, PageContext
from .records import (
    CertificateRecord,
    ContactPointsRecord,
    PushEndpoints,
    SystemFacts,
    SystemRecord,
)


def check_system(step: Step) -> SystemFacts:
    # Kept whole: the system's settings checked key by key, as notebook 04 shows them, each a
    # line or two; the facts at the end are built from what the checks accepted.
    from ..checks.network import official_api_url
    from ..checks.system import (
        check_authorization,
        check_ips,
        check_protocol,
        check_push_url,
        check_system_id,
        push_endpoints,
        usable_push_url,
    )

    env = step.env
    key = f"environments.{env.name}"
    if not env.system_id:
        pending(
            step,
            "system_id",
            "create the sender/receiver system in Administrativ Adgang with the values ngdpkit "
            "run writes in portal-registration.json (the page Registration in Administrativ "
            "Adgang), and write the ID the portal gives it here",
        )
    step.add(check_system_id(env.system_id, f"{key}.system_id"))
    step.add(check_protocol(env.protocol, f"{key}.protocol"))
    step.add(check_push_url(env.push_base_url, protocol=env.protocol, key=f"{key}.push_base_url"))
    if not env.server_ips:
        pending(
            step,
            "server_ips",
            "the portal registration and the firewall order have no egress address yet",
        )
    step.add(check_ips(env.server_ips, f"{key}.server_ips"))
    from ..checks.system import check_accounts, check_servers
    from ..deliverables.servercheck import ambiguous_servers

    step.add(check_servers(env.servers, f"{key}.servers"))
    accounts = [(s.name, s.service_account) for s in env.servers]
    step.add(check_accounts([*accounts, (env.name, env.service_account)], f"{key}.service_account"))
    # What the install script needs, said by the run and not first on the server (a Windows
    # administrator's cold read: it refused, or ran on any computer, and the run was silent)
    if not env.servers:
        pending(step, "servers", "install-certificate.ps1 installs on any computer it is run on")
    if not (env.servers or env.service_account) or any(
        not s.accounts(env.service_account) for s in env.servers
    ):
        pending(step, "service_account", "install-certificate.ps1 stops at its top until it is set")
    step.add(ambiguous_servers(env))
    from ..inputs.personal import settings_cpr_findings

    step.add(settings_cpr_findings(step.settings, env))  # a CPR number in the free text
    auth_text = "not configured"
    if env.authorization_env:
        secret = step.secret(env.authorization_env, what="authorization header")
        if secret is None:
            step.add(
                [
                    secret_missing(
                        f"{key}.authorization_env",
                        what="authorization header",
                        variable=env.authorization_env,
                    )
                ]
            )
            auth_text = "missing"
        else:
            step.add(
                quality_findings(
                    secret,
                    f"{key}.authorization_env",
                    own_words(env.name, env.kind, step.settings.organisation.name),
                )
            )
            auth_text, found = check_authorization(
                secret.reveal(), env.system_id, f"{key}.authorization_env"
            )
            step.add(found)
    elif env.system_id:
        step.add(
            [secret_missing(f"{key}.authorization_env", what="authorization header", variable=None)]
        )
    if env.ngdp_api_url and not env.ngdp_api_url.lower().startswith("https://"):
        step.add(
            [
                F.error(
                    "NGDP_API_URL_NOT_HTTPS",
                    "ngdp_api_url {ngdp_api_url} is not https: the kit sends nothing to it, since the authorization header would travel in clear text.",
                    f"{key}.ngdp_api_url",
                    ngdp_api_url=env.ngdp_api_url,
                )
            ]
        )
    if env.ngdp_api_url:
        sev = F.error if env.kind == "production" else F.warning
        step.add(
            [
                sev(
                    "NGDP_API_URL_OVERRIDDEN",
                    "ngdp_api_url is overridden to {ngdp_api_url}; the dispatcher configuration keeps the official {value}.",
                    f"{key}.ngdp_api_url",
                    ngdp_api_url=env.ngdp_api_url,
                    value=official_api_url(env.kind),
                )
            ]
        )
    endpoints = (  # none from a push_base_url its own check refuses (PUSH_URL_INVALID)
        push_endpoints(env.push_base_url or "", env.system_id or "<systemid>")
        if env.protocol == "REST_PUSH" and usable_push_url(env.push_base_url, env.protocol)
        else None
    )
    system = SystemFacts(
        system_id=env.system_id,
        system_name=env.system_name,
        protocol=env.protocol,
        server_ips=tuple(env.server_ips),
        push_endpoints=PushEndpoints(**endpoints) if endpoints else None,
        authorization=auth_text,
        api_base_url=official_api_url(env.kind),
    )
    step.set(system=system)
    return system


def show_system(step: Step, system: SystemFacts) -> display.HTML:
    lang = step.language
    auth = system.authorization
    pairs: list[tuple[str, Any]] = [
        (t(lang, "system_id_label"), system.system_id or t(lang, "pending_word")),
        (t(lang, "system_name_label"), system.system_name),
        (t(lang, "protocol_label"), system.protocol),
        (t(lang, "server_ips_label"), ", ".join(system.server_ips)),
        (
            t(lang, "authorization_label"),
            t(lang, f"auth_{auth.replace(', ', '_').replace(' ', '_')}"),
        ),
        ("NgDP API", system.api_base_url),
    ]
    if system.push_endpoints:
        pairs += [
            (t(lang, "receipt_endpoint_label"), system.push_endpoints.receipt_endpoint),
            (t(lang, "message_endpoint_label"), system.push_endpoints.message_endpoint),
        ]
    return display.key_values(pairs, title=t(lang, "system"), language=lang)


def portal_registration(step: Step) -> PortalRegistration:
    from ..deliverables.portal import mapped_keys, mapped_translations
    from ..deliverables.portal import portal_registration as build

    prior = step.previous(ContactPointsRecord)
    cps = prior.contact_points
    points = None
    if cps is not None:
        mapped = mapped_translations(prior.mapping)
        keys = mapped_keys(prior.mapping)
        points = [
            {
                "name": p.name,
                "id": p.id,
                "targets": list(p.targets),
                "visible": p.visible,
                "translations": mapped.get(p.id, []),
                "existing_not_mapped": [
                    f"{a}:{b}" if b is not None else str(a)
                    for a, b in p.translations
                    if (a, b) not in keys and (a, None) not in keys
                ],
            }
            for p in cps
        ]
    portal = PortalRegistration.of(build(step.env, contact_points=points, plan=prior.plan))
    # The delta for the portal administrator (12.1), for the portal page: step 02's, which
    # its file keeps (this step's file names it; portal-todo.xlsx is its deliverable).
    # Not read here: 99,000 entries offline.
    step.set(portal_todo=prior.held("portal_todo"), portal=portal)
    return portal


def show_portal(step: Step, portal: PortalRegistration) -> display.HTML:
    from ..deliverables.portal import portal_fields

    lang = step.language
    shown = display.key_values(
        portal_fields(portal, lang),
        title=t(lang, "portal"),
        language=lang,
        cls="also-in-pdf",  # the portal page carries it in the PDF
    )
    return display.printed_elsewhere(shown, f"{t(lang, 'portal')} ({step.env.name})", lang)


def firewall_rules(step: Step) -> tuple[FirewallRule, ...]:
    from ..deliverables.firewall import FIREWALL_COLUMNS
    from ..deliverables.firewall import firewall_rules as build
    from ..deliverables.servercheck import server_check_script

    rows = tuple(FirewallRule.of(r) for r in build(step.env))
    facts = step.previous(CertificateRecord).certificate
    step.set(
        firewall=rows,
        firewall_columns=tuple(FIREWALL_COLUMNS),
        server_check_script=server_check_script(
            step.env, thumbprint=facts.thumbprint_sha1 if facts else None
        ),
    )
    return rows


def show_firewall(rows: Sequence[FirewallRule], step: Step | None = None) -> display.HTML:
    from ..deliverables.firewall import firewall_table
    from ..documents.signoff import whole_hosts

    lang = step.language if step is not None else "da"
    headers, cells = firewall_table(rows, lang)
    # each server's host name kept whole, as on the firewall page ("wz-agent01-t" broke at
    # its hyphen in the notebook's box)
    body = [whole_hosts(r, row) for r, row in zip(rows, cells, strict=True)]
    shown = display.block(
        display.heading(t(lang, "firewall"), 3),
        display.table(body, headers, language=lang),
        cls="also-in-pdf",  # the firewall order is printed once, on its own page
    )
    where = t(lang, "firewall") + (f" ({step.env.name})" if step is not None else "")
    return display.printed_elsewhere(shown, where, lang)


def probe_evidence(step: Step) -> display.HTML:
    """Findings from the servers' own check files (``probe_evidence``), by server and time."""
    summaries = evidence(step)
    title = t(step.language, "evidence")
    # its own heading, with no section heading above it (the page showed "Serverkontrol"
    # with nothing under it); a JupyterLab session reads what the section is about here
    lab = step.run_dir is not None and step.run_dir.name == LAB_DIR
    about = [display.para(t(step.language, "section_evidence_about"))] if lab else []
    if not summaries:
        return display.block(
            display.heading(title, 3), *about, display.para(t(step.language, "no_evidence"))
        )
    columns = ["server", "taken_at", "egress_ip", "checks", "failed", "file"]
    return display.block(
        display.heading(title, 3),
        *about,
        display.table(
            (
                [
                    s.server,
                    s.taken_at,
                    _blank(s.egress_ip, s),
                    _blank(s.checks, s),
                    _blank(s.failed, s),
                    s.file,
                ]
                for s in summaries
            ),
            [t(step.language, f"evidence_{c}") for c in columns],
            language=step.language,
        ),
    )


def _blank(value: Any, summary: EvidenceSummary) -> Any:
    """A server-check's own column as its file gave it; blank in an install's row."""
    return value if summary.kind == "server-check" else ""


def evidence(step: Step) -> tuple[EvidenceSummary, ...]:
    """The servers' check files read (findings added, summaries on the record); no display."""
    from ..deliverables.servercheck import read_evidence

    summaries, said = [], []
    for path in step.env.probe_evidence:
        summary, found = read_evidence(  # bounded, a regular file, before it is hashed whole
            path,
            label=step.rel(path),
            environment=step.env.name,
            registered_ips=step.env.server_ips,
        )
        step.record_input(path)
        said.append(found)
        summaries.append(summary)
    from ..checks.evidence import not_counted
    from ..deliverables.servercheck import evidence_coverage

    typed = tuple(EvidenceSummary.of(s) for s in summaries)
    servers = [s.name for s in step.env.servers]
    now = dt.datetime.now(dt.UTC)
    left_out = not_counted(typed, servers=servers, environment=step.env.name, now=now)
    for kept, found in zip(typed, said, strict=True):
        # a file that counts for nothing (stale, another environment's, replaced by a newer
        # one, …) says why, and what its checks found no longer counts either: an operations
        # engineer's look found a 40-day-old failure still blocking step 3
        step.add(found if id(kept) not in left_out else [f for f in found if _about_the_file(f)])
    facts = step.previous(CertificateRecord).certificate
    step.add(
        evidence_coverage(step.env, typed, thumbprint=facts.thumbprint_sha1 if facts else None)
    )
    step.set(evidence=typed)
    return typed


def _about_the_file(finding: Finding) -> bool:
    """A finding about an evidence file itself (which environment, server or time it is
    of), kept when the file counts for nothing; one about what its checks found is not."""
    return finding.code.startswith(("PROBE_EVIDENCE_", "NET_EVIDENCE_"))


def _client_identity(step: Step) -> Any:
    from .ngdp_read import client_identity

    return client_identity(step)


def ngdp_registration(step: Step) -> display.HTML:
    """With ``--online``: the system NgDP holds against the plan and the certificate."""
    from .ngdp_read import compare_registration

    found = compare_registration(step)
    observed = step.previous(ContactPointsRecord).ngdp
    lang = step.language
    if observed is None or observed.system is None:
        # what was not read, said: "ikke læst (…)" stood alone under the servers' checks
        # (a signer's read of the printed page)
        return display.block(
            display.para(t(lang, "ngdp_system_not_read", why=t(lang, "ngdp_not_read")))
        )
    system = observed.system
    cert = system.certificate
    # whether it is this run's certificate, said beside it (a customer could not tell from a
    # serial number NgDP writes in decimal): only when both are known and nothing differs
    planned = step.previous(CertificateRecord).certificate
    same = (
        f" ({t(lang, 'ngdp_cert_same', file=step.rel(step.env.certificate))})"
        if cert is not None
        and (cert.sha1 or cert.serial_number)
        and planned is not None
        and not any(f.code.startswith("NGDP_CERT_") for f in found)
        else ""
    )
    pairs: list[tuple[str, Any]] = [
        (t(lang, "protocol_label"), system.protocol),
        (t(lang, "server_ips_label"), ", ".join(system.allowed_ips)),
        # in the page's words, and the thumbprint as the certificate's page writes it (NgDP
        # writes "7D:7F:…"; a customer compared the two by eye)
        (
            t(lang, "ngdp_certificate_label"),
            f"{cert.serial_number} / {cert.sha1.replace(':', '').upper()}{same}" if cert else "-",
        ),
        (t(lang, "ngdp_differences"), str(len(found))),
    ]
    return display.key_values(pairs, title=t(lang, "ngdp_itself"), language=lang)


def network_checks(step: Step) -> list[Finding]:
    """Live checks from this machine (``--online``), else one NET_SKIPPED."""
    from ..checks.network import NGDP, destinations

    env, ran, mode = step.env, socket.gethostname(), step.online
    step.set(network=NetworkRun(online=mode is True, ran_on=ran, ngdp_only=mode == "ngdp"))
    if step.online == "ngdp":  # --online ngdp: NgDP's records only, no other probe
        return step.add(
            [
                F.info(
                    "NET_SKIPPED",
                    "Network checks skipped (--online ngdp reads NgDP's records only; run with --online for the probes).",
                    f"environments.{env.name}",
                    "network",
                )
            ]
        )
    if not step.online:
        return step.add(
            [
                F.info(
                    "NET_SKIPPED",
                    "Network checks skipped (offline; run with --online on a machine inside the customer's network, or use server-check.ps1).",
                    f"environments.{env.name}",
                    "network",
                )
            ]
        )
    from ..checks.probes import Probe, client_tls_context, run_probes

    identity = _client_identity(step)
    probes = []
    api = (env.ngdp_api_url or NGDP[env.kind]["api"]).rstrip("/")
    probes.append(
        Probe(
            "NgDP API",
            f"{api}/receipts/",
            "ngdp" if identity is not None else "tcp",
            () if env.ngdp_api_url else NGDP[env.kind]["ips"],
        )
    )
    for d in destinations(env)[1:]:
        probes.append(Probe(d.host, f"{d.scheme}://{d.host}/", d.scheme, inferred=d.inferred))
    planned = step.own(SystemRecord).system
    if planned is not None and planned.push_endpoints is not None:
        for name, url in (
            ("receipt_endpoint", planned.push_endpoints.receipt_endpoint),
            ("message_endpoint", planned.push_endpoints.message_endpoint),
        ):
            probes.append(Probe(name, url, "push", inferred=True))
    authorization = None
    if env.authorization_env and identity is not None:
        secret = step.secret(env.authorization_env, what="authorization header")
        authorization = secret.reveal() if secret else None
    import contextlib
    import ssl

    ca_file = str(env.ngdp_api_ca) if env.ngdp_api_ca else None
    verify: Any = ssl.create_default_context(cafile=ca_file) if ca_file else True
    with contextlib.ExitStack() as stack:
        client_ctx = (
            stack.enter_context(
                client_tls_context(identity.leaf, identity.key, identity.extra, cafile=ca_file)
            )
            if identity is not None
            else None
        )
        found = run_probes(
            probes,
            timeout=step.settings.checks.probe_timeout_s,
            total=step.settings.checks.probe_total_s,
            verify=verify,
            client_ctx=client_ctx,
            authorization=authorization,
            source=f"environments.{env.name}",
            progress=None if step.quiet else (lambda line: print(line, flush=True)),
        )
    return step.add(found)


OUTPUTS_AHEAD = True  # its files need nothing but its record (see deliver.py)


def outputs(record: SystemRecord, ctx: OutputContext) -> list[Path]:
    """The portal registration, the firewall order (CSV for machines, workbook for people)
    and the server check script."""
    from ..deliverables.outputs import (
        atomic_write,
        firewall_csv_bytes,
        write_firewall_workbook,
        write_json,
    )
    from ..deliverables.powershell import script_bytes

    d = ctx.run_dir
    files: list[Path] = []
    if record.portal:
        files.append(write_json(d / "portal-registration.json", record.portal.to_json()))
    if record.firewall is not None:
        files.append(atomic_write(d / "firewall-rules.csv", firewall_csv_bytes(record.firewall)))
        files.append(
            write_firewall_workbook(d / "firewall-rules.xlsx", record.firewall, ctx.language)
        )
    if record.server_check_script:
        files.append(atomic_write(d / "server-check.ps1", script_bytes(record.server_check_script)))
    return files


def prepare(record: SystemRecord, language: str) -> dict[str, Markup]:
    """The portal page's content (at 100,000 mailboxes, 99,000 translations in its appendix)."""
    from ..documents.signoff import portal_content

    return (
        {
            "portal": portal_content(
                record.portal, language, record.stored("portal_todo", compact_todo)
            )
        }
        if record.portal
        else {}
    )


def pages(record: SystemRecord, ctx: PageContext) -> dict[str, str]:
    """``portal.html`` (what to type into Administrativ Adgang) and ``firewall.html``."""
    from ..documents.signoff import render_firewall, render_portal

    out: dict[str, str] = {}
    if record.portal:
        out["portal.html"] = render_portal(
            record.portal,
            content=ctx.prepared.get("portal"),
            todo=None if "portal" in ctx.prepared else record.stored("portal_todo", compact_todo),
            **ctx.common(),
        )
    if record.firewall is not None:
        out["firewall.html"] = render_firewall(
            record.firewall, environment=ctx.environment, **ctx.common()
        )
    return out
