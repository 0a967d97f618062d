"""The five steps: what each notebook calls, one package call per cell.

A :class:`Step` carries the settings, the environment, the findings and the
results of one notebook. ``finish_step`` writes ``steps/NN_*.json``, the only
file a notebook writes; the runner writes everything else from those files.
``ngdpkit check`` runs the very same calls in-process (:func:`run_all`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import display
from . import findings as F
from .errors import InputError
from .findings import Finding
from .i18n import status_word, t
from .secrets import SHORT_SECRET, Secret, resolve
from .settings import Environment, Settings, load_settings

STEP_SCHEMA = "ngdpkit/step/1"
STEP_NAMES = (
    "01_mailboxes",
    "02_contact_points",
    "03_certificate",
    "04_system_and_network",
    "05_dispatcher_config",
)
LAB_DIR = "lab"


@dataclass
class Step:
    """One step of one environment's run."""

    name: str
    settings: Settings
    env: Environment
    run_dir: Path | None
    online: bool
    findings: list[Finding] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    inputs_read: list[dict[str, Any]] = field(default_factory=list)
    cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    quiet: bool = False

    @property
    def language(self) -> str:
        return self.settings.language

    def add(self, findings: list[Finding]) -> list[Finding]:
        self.findings.extend(findings)
        return findings

    def rel(self, path: Path | None) -> str:
        return self.settings.rel(path)

    def record_input(self, path: Path, *, by_path_only: bool = False) -> None:
        """Note an input file (path, size, SHA-256) for the audit trail; secrets files by path only."""
        entry: dict[str, Any] = {"path": self.rel(path)}
        if not by_path_only and path.is_file():
            data = path.read_bytes()
            entry.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        if entry not in self.inputs_read:
            self.inputs_read.append(entry)

    def secret(self, name: str | None, *, label: str) -> Secret | None:
        if self.settings.secrets_file is not None:
            self.record_input(self.settings.secrets_file, by_path_only=True)
        return resolve(name, secrets_file=self.settings.secrets_file, label=label)

    def previous(self, name: str) -> dict[str, Any]:
        """Results of an earlier step: its step file, or computed again through the package."""
        if name in self.cache:
            return self.cache[name]
        if self.run_dir is not None:
            path = self.run_dir / "steps" / f"{name}.json"
            if path.is_file():
                data = json.loads(path.read_text(encoding="utf-8"))
                self.cache[name] = data["results"]
                return data["results"]
        earlier = Step(
            name, self.settings, self.env, None, self.online, cache=self.cache, quiet=True
        )
        RUNNERS[name](earlier)
        self.cache[name] = earlier.results
        return earlier.results

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": STEP_SCHEMA,
            "step": self.name,
            "environment": self.env.name,
            "status": F.status_of(self.findings),
            "duration_s": round(time.monotonic() - self.started, 3),
            "findings": [f.to_dict() for f in self.findings],
            "results": self.results,
            "inputs_read": self.inputs_read,
            "interpreter": sys.executable,
        }


DEFAULT_SETTINGS = "../data/sample/migration.toml"


def _find_settings(settings: str | Path) -> Path:
    """An explicit path must exist; only the notebooks' untouched default falls back.

    The default gives way to ``NGDPKIT_SETTINGS`` (how ``make lab`` and copied notebooks
    find the customer's file), then to the sample found from the working folder upwards.
    """
    text = str(settings)
    if text and text != DEFAULT_SETTINGS:
        path = Path(text)
        if not path.is_file():
            raise InputError(f"settings file not found: {text}")
        return path
    env_path = os.environ.get("NGDPKIT_SETTINGS")
    if env_path:
        if not Path(env_path).is_file():
            raise InputError(f"settings file not found: {env_path} (from NGDPKIT_SETTINGS)")
        return Path(env_path)
    for base in (Path.cwd(), *Path.cwd().parents):
        for candidate in (base / DEFAULT_SETTINGS, base / "data" / "sample" / "migration.toml"):
            if candidate.is_file():
                return candidate.resolve()
    raise InputError(
        "settings file not found: set the notebook's settings parameter or NGDPKIT_SETTINGS"
    )


def lab_run_dir(settings: Settings, environment: str) -> Path:
    return settings.base_dir / "runs" / environment / LAB_DIR


def start_step(
    name: str,
    *,
    settings: str | Path,
    environment: str,
    run_dir: str | Path = "",
    online: bool = False,
) -> Step:
    """Open a step: read the settings, pick the environment and the run folder, show a title.

    An empty ``run_dir`` means a JupyterLab session: ``runs/<env>/lab/``, overwritable
    and marked "not for sign-off".
    """
    parsed = load_settings(_find_settings(settings))
    env = parsed.environment(environment)
    display.set_language(parsed.language)
    lab = not run_dir
    folder = lab_run_dir(parsed, environment) if lab else Path(run_dir)
    (folder / "steps").mkdir(parents=True, exist_ok=True)
    if lab:
        (folder / "NOT-FOR-SIGNOFF.txt").write_text(
            t(parsed.language, "lab") + "\n", encoding="utf-8"
        )
    return Step(name=name, settings=parsed, env=env, run_dir=folder, online=online)


def header(step: Step) -> display.HTML:
    """The step's heading: what, for whom, which environment."""
    s = step.settings
    title = t(s.language, f"step_{step.name}")
    lab = (
        f'<p class="banner">{t(s.language, "lab")}</p>'
        if step.run_dir and step.run_dir.name == LAB_DIR
        else ""
    )
    return display.HTML(
        display.STYLE
        + f'<div class="nk"><h2>{title}</h2>{lab}<p>{t(s.language, "organisation")}: <b>{s.organisation.name}</b> (CVR {s.organisation.cvr}) · '
        f"{t(s.language, 'environment')}: <b>{step.env.name}</b> ({step.env.kind})</p></div>"
    )


def finish_step(step: Step) -> display.HTML:
    """Write ``steps/NN_*.json`` atomically and show the step's status."""
    data = step.to_json()
    if step.run_dir is not None:
        target = step.run_dir / "steps" / f"{step.name}.json"
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(
            json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        os.replace(tmp, target)
    status = data["status"]
    sev = {"ok": "ok", "warnings": "warning", "errors": "error"}[status]
    return display.HTML(
        display.STYLE
        + f'<div class="nk"><p>{t(step.language, "status")}: {display.badge(sev, status_word(step.language, status))} · {len(step.findings)} {t(step.language, "findings").lower()} · {data["duration_s"]:.1f} s</p></div>'
    )


def show_findings(step: Step) -> display.HTML:
    return display.show_findings(step.findings)


def pending(step: Step, key: str, what: str) -> None:
    step.add(
        [
            F.warning(
                f"PENDING_{key.upper()}",
                f"{key} is not set yet: {what}.",
                f"environments.{step.env.name}.{key}",
            )
        ]
    )


# --- 01 mailboxes -----------------------------------------------------------------------------


def load_mailboxes(step: Step) -> Any:
    """Read the e-Boks export for this environment."""
    from .mailboxes import read_mailbox_export

    inputs = step.env.inputs
    path = inputs.mailboxes
    assert path is not None  # required by the settings
    own = inputs.mailboxes_in_environment or inputs.mailboxes_environment == step.env.name
    export = read_mailbox_export(
        path,
        label=step.rel(path),
        sheet=inputs.mailboxes_sheet,
        columns=inputs.columns,
        use_guid_column=own,
    )
    step.record_input(path)
    step.add(export.findings)
    step.results.update(
        source=export.source,
        sheet=export.sheet,
        count=len(export),
        blank_rows=export.blank_rows,
        guid_column_used=export.guid_column_used,
        mailboxes=export.frame.to_dict(orient="records"),
    )
    return export


# --- 02 contact points and mapping --------------------------------------------------------------


def mailboxes_from_step(step: Step) -> Any:
    from .mailboxes import frame_from_records

    return frame_from_records(step.previous("01_mailboxes")["mailboxes"])


def load_contact_points(step: Step) -> Any:
    from .contact_points import read_contact_points

    path = step.env.contact_points
    if path is None:
        pending(
            step,
            "contact_points",
            "the mapping cannot be checked against NgDP; a contact point plan is proposed instead",
        )
        step.results["contact_points"] = None
        return None
    cps = read_contact_points(path, label=step.rel(path), system_id=step.env.system_id)
    step.record_input(path)
    step.add(cps.findings)
    step.results["contact_points"] = [p.to_dict() for p in cps.points]
    return cps


def load_mapping_file(step: Step) -> Any:
    from .mapping import read_mapping_file

    path = step.env.mapping
    if path is None:
        pending(
            step,
            "mapping",
            "only the export's own GUIDs and the contact points' translations map mailboxes",
        )
        return None
    mapping = read_mapping_file(path, label=step.rel(path))
    step.record_input(path)
    step.add(mapping.findings)
    return mapping


def map_mailboxes(step: Step, frame: Any, contact_points: Any, mapping_file: Any) -> Any:
    from .mapping import contact_point_plan, suggest
    from .mapping import map_mailboxes as do_map

    env = step.env
    if not env.default_contact_point:
        pending(step, "default_contact_point", "the dispatcher's ContactPointGuid is not known")
    points = contact_points.points if contact_points is not None else None
    result = do_map(
        frame,
        mapping=mapping_file,
        contact_points=points,
        system_id=env.system_id,
        default_contact_point=env.default_contact_point,
        export_label=step.previous("01_mailboxes")["source"],
        export_sheet=step.previous("01_mailboxes")["sheet"],
        contact_points_label=step.rel(env.contact_points),
    )
    step.add(result.findings)
    if points:
        result.suggestions = suggest(result, points)
    if contact_points is None:
        result.plan = contact_point_plan(frame)
    step.results.update(
        mapping=result.frame.to_dict(orient="records"),
        counts=result.counts(),
        suggestions=None
        if result.suggestions is None
        else result.suggestions.to_dict(orient="records"),
        plan=result.plan,
    )
    return result


def show_unmapped(mapping: Any) -> display.HTML:
    frame = mapping.frame[mapping.frame["status"].isin(["unmapped", "unknown contact point"])]
    lang = display.language()
    html = display.STYLE + '<div class="nk">'
    if not len(frame):
        html += f"<p>{display.badge('ok')} {t(lang, 'unmapped')}: {t(lang, 'none')}</p>"
    else:
        rows = [
            (*r[:4], t(lang, r[4]))
            for r in frame[
                ["mailbox_id", "subject_id", "mailbox_name", "responsible_unit", "status"]
            ].itertuples(index=False)
        ]
        html += display.table(
            rows,
            [
                t(lang, "mailbox_id"),
                "Emne/Subject",
                t(lang, "mailbox_name"),
                t(lang, "responsible_unit"),
                t(lang, "mapping_status"),
            ],
        )
    if mapping.suggestions is not None and len(mapping.suggestions):
        html += "<h4>Forslag / Suggestions (mapping-suggestions.xlsx)</h4>" + display.table(
            mapping.suggestions[
                ["Mailbox ID", "Mailbox name", "Contact point name", "Score"]
            ].itertuples(index=False),
            [t(lang, "mailbox_id"), t(lang, "mailbox_name"), t(lang, "contact_point"), "Score"],
        )
    return display.HTML(html + "</div>")


def show_mapping_by_unit(mapping: Any) -> display.HTML:
    return display.HTML(display.mapping_by_unit_html(mapping.frame))


def show_plan(step: Step) -> display.HTML:
    plan = step.results.get("plan") or []
    if not plan:
        return display.HTML("")
    rows = [
        (
            p["name"],
            ", ".join(p["targets"]),
            p["mailboxes"],
            " ".join(p["translations"][:12]) + (" …" if len(p["translations"]) > 12 else ""),
        )
        for p in plan
    ]
    return display.HTML(
        display.STYLE
        + '<div class="nk"><h4>contact-point-plan.xlsx</h4>'
        + display.table(
            rows,
            [
                t(step.language, "contact_point"),
                "Targets",
                t(step.language, "count"),
                "Postkasse IDs",
            ],
        )
        + "</div>"
    )


# --- 03 certificate -----------------------------------------------------------------------------


def check_certificate(step: Step) -> dict[str, Any] | None:
    """Load and check this environment's certificate; returns its facts (None when unreadable)."""
    from .certificates import check_certificate as do_check
    from .certificates import load_certificate
    from .system import check_cvr
    from .trust import load_trust_anchors

    env, s = step.env, step.settings
    step.add(check_cvr(s.organisation.cvr))
    step.results.update(
        certificate=None, certificate_file=step.rel(env.certificate), public_only=False
    )
    if env.certificate is None:
        pending(
            step,
            "certificate",
            "order a FOCES3/VOCES3 certificate per environment through MitID Erhverv",
        )
        return None
    step.record_input(env.certificate)
    anchors = load_trust_anchors(s.trust_anchors, rel=s.rel)
    for files in s.trust_anchors.values():
        for p in files:
            step.record_input(p)
    password: Secret | None = None
    is_public = env.certificate.suffix.lower() in (".pem", ".cer", ".crt", ".der")
    if not is_public:
        if not env.certificate_password_env:
            step.add(
                [
                    F.error(
                        "SECRET_MISSING",
                        "certificate_password_env is not set, so the .p12/.pfx cannot be opened; name the environment variable that holds its password.",
                        f"environments.{env.name}.certificate_password_env",
                    )
                ]
            )
        else:
            password = step.secret(
                env.certificate_password_env, label=f"Password of {step.rel(env.certificate)}"
            )
            if password is None:
                step.add(
                    [
                        F.error(
                            "SECRET_MISSING",
                            f"No password for {step.rel(env.certificate)}: set the environment variable {env.certificate_password_env} (or put it in the secrets file).",
                            f"environments.{env.name}.certificate_password_env",
                        )
                    ]
                )
            elif len(password.reveal()) < SHORT_SECRET:
                step.add(
                    [
                        F.warning(
                            "SECRET_TOO_SHORT",
                            f"The value of {password.name} is under {SHORT_SECRET} characters; the leak scan matches it as a whole token only.",
                            f"environments.{env.name}.certificate_password_env",
                        )
                    ]
                )
    loaded = load_certificate(env.certificate, label=step.rel(env.certificate), password=password)
    facts, found = do_check(
        loaded,
        kind=env.kind,
        anchors=anchors,
        cvr=s.organisation.cvr,
        warn_days=s.checks.cert_warn_days,
        error_days=s.checks.cert_error_days,
        label=step.rel(env.certificate),
    )
    step.add(found)
    step.results.update(
        certificate=facts, public_only=loaded.public_only, custom_anchors=list(anchors.custom_kinds)
    )
    if step.online and loaded.leaf is not None:
        from .revocation import check_revocation

        step.add(
            check_revocation(
                loaded.leaf,
                loaded.extra,
                anchors,
                timeout=s.checks.probe_timeout_s,
                label=step.rel(env.certificate),
            )
        )
    elif loaded.leaf is not None:
        step.add(
            [
                F.info(
                    "NET_SKIPPED",
                    "OCSP revocation check skipped (offline; run with --online).",
                    step.rel(env.certificate),
                    "OCSP",
                )
            ]
        )
    return facts


def certificate_card(step: Step, facts: dict[str, Any] | None) -> display.HTML:
    return display.HTML(
        display.certificate_card(
            facts, label=step.rel(step.env.certificate) or "certificate", kind=step.env.kind
        )
    )


def validity_timeline(step: Step, facts: dict[str, Any] | None) -> display.HTML:
    items = (
        [(f"{step.env.name}: {facts['common_name']}", facts["not_before"], facts["not_after"])]
        if facts
        else []
    )
    return display.HTML(
        display.validity_timeline(items, now_iso=dt.datetime.now(dt.UTC).isoformat())
    )


def installation_steps(step: Step, facts: dict[str, Any] | None) -> display.HTML:
    """The operations steps, and the PowerShell script the runner writes as install-certificate.ps1."""
    from .servercheck import install_certificate_script

    thumb = facts["thumbprint_sha1"] if facts else None
    step.results["install_script"] = install_certificate_script(step.env, thumbprint=thumb)
    servers = (
        ", ".join(f"{s.name} ({s.role})" if s.role else s.name for s in step.env.servers) or "?"
    )
    lines = [
        ("1", f"Servers / servere: {servers}"),
        (
            "2",
            "Import into Cert:\\LocalMachine\\My with a non-exportable private key (install-certificate.ps1)",
        ),
        (
            "3",
            f"Grant {step.env.service_account or 'the WorkZone service account'} read access to the private key",
        ),
        ("4", f"Verify the thumbprint: {thumb or '(unknown until the certificate can be read)'}"),
        ("5", "Run server-check.ps1 on every server and hand back its JSON (probe_evidence)"),
    ]
    return display.HTML(
        display.STYLE
        + '<div class="nk">'
        + display.table(lines, ["#", t(step.language, "step")])
        + "</div>"
    )


# --- 04 system and network ----------------------------------------------------------------------


def check_system(step: Step) -> dict[str, Any]:
    from .network import official_api_url
    from .system import (
        check_authorization,
        check_ips,
        check_protocol,
        check_push_url,
        check_system_id,
        push_endpoints,
    )

    env = step.env
    key = f"environments.{env.name}"
    if not env.system_id:
        pending(
            step,
            "system_id",
            "create the sender/receiver system in Administrativ Adgang with the values below",
        )
    step.add(check_system_id(env.system_id, f"{key}.system_id"))
    step.add(check_protocol(env.protocol, f"{key}.protocol"))
    step.add(check_push_url(env.push_base_url, protocol=env.protocol, key=f"{key}.push_base_url"))
    step.add(check_ips(env.server_ips, f"{key}.server_ips"))
    auth_text = "not configured"
    if env.authorization_env:
        secret = step.secret(
            env.authorization_env, label="Authorization header from Administrativ Adgang"
        )
        if secret is None:
            step.add(
                [
                    F.error(
                        "SECRET_MISSING",
                        f"No authorization header: set the environment variable {env.authorization_env} (or put it in the secrets file).",
                        f"{key}.authorization_env",
                    )
                ]
            )
            auth_text = "missing"
        else:
            if len(secret.reveal()) < SHORT_SECRET:
                step.add(
                    [
                        F.warning(
                            "SECRET_TOO_SHORT",
                            f"The value of {secret.name} is under {SHORT_SECRET} characters; the leak scan matches it as a whole token only.",
                            f"{key}.authorization_env",
                        )
                    ]
                )
            auth_text, found = check_authorization(
                secret.reveal(), env.system_id, f"{key}.authorization_env"
            )
            step.add(found)
    elif env.system_id:
        step.add(
            [
                F.error(
                    "SECRET_MISSING",
                    "authorization_env is not set: name the environment variable that holds the portal's authorization header.",
                    f"{key}.authorization_env",
                )
            ]
        )
    if env.ngdp_api_url:
        sev = F.error if env.kind == "production" else F.warning
        step.add(
            [
                sev(
                    "NGDP_API_URL_OVERRIDDEN",
                    f"ngdp_api_url is overridden to {env.ngdp_api_url}; the dispatcher configuration keeps the official {official_api_url(env.kind)}.",
                    f"{key}.ngdp_api_url",
                )
            ]
        )
    endpoints = (
        push_endpoints(env.push_base_url, env.system_id or "<systemid>")
        if env.protocol == "REST_PUSH" and env.push_base_url
        else None
    )
    system = {
        "system_id": env.system_id,
        "system_name": env.system_name,
        "protocol": env.protocol,
        "server_ips": list(env.server_ips),
        "push_endpoints": endpoints,
        "authorization": auth_text,
        "api_base_url": official_api_url(env.kind),
    }
    step.results["system"] = system
    return system


def show_system(step: Step, system: dict[str, Any]) -> display.HTML:
    pairs: list[tuple[str, Any]] = [
        ("System ID", system["system_id"] or "PENDING"),
        ("System name", system["system_name"]),
        ("Protocol", system["protocol"]),
        ("Server IPs", ", ".join(system["server_ips"])),
        ("Authorization", system["authorization"]),
        ("NgDP API", system["api_base_url"]),
    ]
    if system["push_endpoints"]:
        pairs += [
            ("Receipt endpoint", system["push_endpoints"]["receipt_endpoint"]),
            ("Message endpoint", system["push_endpoints"]["message_endpoint"]),
        ]
    return display.key_values(pairs, title=t(step.language, "system"))


def portal_registration(step: Step) -> dict[str, Any]:
    from .network import portal_registration as build

    prior = step.previous("02_contact_points")
    cps = prior.get("contact_points")
    points = None
    if cps is not None:
        points = [
            {
                "name": p["name"],
                "id": p["id"],
                "targets": p["targets"],
                "visible": p["visible"],
                "translations": [
                    f"{a}:{b}" if b is not None else str(a) for a, b in p["translations"]
                ],
            }
            for p in cps
        ]
    portal = build(step.env, contact_points=points, plan=prior.get("plan"))
    step.results["portal"] = portal
    return portal


def show_portal(step: Step, portal: dict[str, Any]) -> display.HTML:
    sys_ = portal["system"]
    pairs: list[tuple[str, Any]] = [
        ("1. System name / Systemnavn", sys_["name"]),
        ("2. Protocol / Protokol", sys_["protocol"]),
        ("3. IP addresses / IP-adresser", ", ".join(sys_["allowed_ips"])),
    ]
    if sys_["endpoints"]:
        pairs += [
            ("4a. Receipt endpoint / Kvitteringer", sys_["endpoints"]["receipt_endpoint"]),
            ("4b. Message endpoint / MeMo", sys_["endpoints"]["message_endpoint"]),
        ]
    pairs.append(("5. Receipt format / Kvitteringsformat", sys_["receipt_format"]))
    pairs.append(("6. Contact points / Kontaktpunkter", len(portal["contact_points"] or [])))
    return display.key_values(pairs, title=t(step.language, "portal"))


def firewall_rules(step: Step) -> list[dict[str, Any]]:
    from .network import FIREWALL_COLUMNS
    from .network import firewall_rules as build
    from .servercheck import server_check_script

    rows = build(step.env)
    step.results["firewall"] = rows
    step.results["firewall_columns"] = list(FIREWALL_COLUMNS)
    facts = step.previous("03_certificate").get("certificate")
    step.results["server_check_script"] = server_check_script(
        step.env, thumbprint=facts["thumbprint_sha1"] if facts else None
    )
    return rows


def show_firewall(rows: list[dict[str, Any]]) -> display.HTML:
    return display.records_table(
        rows,
        ["destination_host", "ip", "port", "protocol", "direction", "purpose", "basis"],
        title=t(display.language(), "firewall"),
    )


def probe_evidence(step: Step) -> display.HTML:
    """Findings from the servers' own check files (``probe_evidence``), by server and time."""
    from .servercheck import read_evidence

    summaries = []
    for path in step.env.probe_evidence:
        step.record_input(path)
        summary, found = read_evidence(
            path,
            label=step.rel(path),
            environment=step.env.name,
            registered_ips=step.env.server_ips,
        )
        step.add(found)
        summaries.append(summary)
    step.results["evidence"] = summaries
    title = t(step.language, "evidence")
    if not summaries:
        return display.HTML(
            display.STYLE
            + f'<div class="nk"><h3>{title}</h3><p>{t(step.language, "no_evidence")}</p></div>'
        )
    columns = ["server", "taken_at", "egress_ip", "checks", "failed", "file"]
    return display.records_table(summaries, columns, title=title)


def network_checks(step: Step) -> list[Finding]:
    """Live checks from this machine (``--online``), else one NET_SKIPPED."""
    from .network import NGDP, destinations

    env = step.env
    ran = socket.gethostname()
    step.results["network"] = {"online": step.online, "ran_on": ran}
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
    from .probes import Probe, run_probes

    probes = []
    api = (env.ngdp_api_url or NGDP[env.kind]["api"]).rstrip("/")
    probes.append(
        Probe(
            "NgDP API",
            f"{api}/receipts/",
            "ngdp",
            () if env.ngdp_api_url else NGDP[env.kind]["ips"],
        )
    )
    for d in destinations(env)[1:]:
        probes.append(Probe(d.host, f"{d.scheme}://{d.host}/", d.scheme, inferred=d.inferred))
    sys_ = step.results.get("system") or {}
    for name, url in (sys_.get("push_endpoints") or {}).items():
        probes.append(Probe(name, url, "push", inferred=True))
    authorization = None
    if env.authorization_env:
        secret = step.secret(env.authorization_env, label="Authorization header")
        authorization = secret.reveal() if secret else None
    import ssl

    verify: Any = (
        ssl.create_default_context(cafile=str(env.ngdp_api_ca)) if env.ngdp_api_ca else True
    )
    found = run_probes(
        probes,
        timeout=step.settings.checks.probe_timeout_s,
        total=step.settings.checks.probe_total_s,
        verify=verify,
        authorization=authorization,
        source=f"environments.{env.name}",
        progress=None if step.quiet else (lambda line: print(line, flush=True)),
    )
    return step.add(found)


# --- 05 dispatcher configuration ----------------------------------------------------------------


def dispatcher_config(step: Step) -> dict[str, Any] | None:
    from . import __version__
    from .dispatcher import build_config
    from .outputs import mapping_csv_bytes

    findings: list[Finding] = []
    for name in STEP_NAMES[:4]:
        findings += [Finding.from_dict(d) for d in _step_findings(step, name)]
    mapping = step.previous("02_contact_points")
    import pandas as pd

    frame = pd.DataFrame.from_records(mapping["mapping"])
    csv_bytes = mapping_csv_bytes(frame)
    config, own, other = build_config(
        step.settings,
        step.env,
        certificate=step.previous("03_certificate").get("certificate"),
        mapping={
            "rows": len(frame),
            "file": "mailbox-mapping.csv",
            "sha256": hashlib.sha256(csv_bytes).hexdigest(),
        },
        findings=findings,
        run_id=step.run_dir.name if step.run_dir else "",
        kit_version=__version__,
    )
    step.results.update(dispatcher=config, withheld_by=own, blocking=other)
    return config


def _step_findings(step: Step, name: str) -> list[dict[str, Any]]:
    if f"{name}:findings" in step.cache:
        return step.cache[f"{name}:findings"]["findings"]
    if step.run_dir is not None:
        path = step.run_dir / "steps" / f"{name}.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))["findings"]
    holder = Step(name, step.settings, step.env, None, step.online, cache={}, quiet=True)
    RUNNERS[name](holder)
    step.cache.setdefault(name, holder.results)
    step.cache[f"{name}:findings"] = {"findings": [f.to_dict() for f in holder.findings]}
    return step.cache[f"{name}:findings"]["findings"]


def show_dispatcher(step: Step, config: dict[str, Any] | None) -> display.HTML:
    lang = step.language
    if config is None:
        codes = ", ".join(step.results.get("withheld_by") or [])
        return display.HTML(
            display.STYLE
            + f'<div class="nk"><p class="banner">{t(lang, "dispatcher_withheld", codes=codes)}</p></div>'
        )
    pairs: list[tuple[str, Any]] = [(k, v) for k, v in config["parameters"].items()]
    pairs.append(
        (
            "ready",
            t(lang, "ready")
            if config["ready"]
            else f"{t(lang, 'not_ready')}: {', '.join(config['blocking'])}",
        )
    )
    return display.key_values(pairs)


# --- the same steps, in-process -----------------------------------------------------------------


def _run_01(step: Step) -> None:
    load_mailboxes(step)


def _run_02(step: Step) -> None:
    frame = mailboxes_from_step(step)
    cps = load_contact_points(step)
    mapping_file = load_mapping_file(step)
    map_mailboxes(step, frame, cps, mapping_file)


def _run_03(step: Step) -> None:
    facts = check_certificate(step)
    from .servercheck import install_certificate_script

    step.results["install_script"] = install_certificate_script(
        step.env, thumbprint=facts["thumbprint_sha1"] if facts else None
    )


def _run_04(step: Step) -> None:
    check_system(step)
    portal_registration(step)
    firewall_rules(step)
    probe_evidence(step)
    network_checks(step)


def _run_05(step: Step) -> None:
    dispatcher_config(step)


RUNNERS = {
    "01_mailboxes": _run_01,
    "02_contact_points": _run_02,
    "03_certificate": _run_03,
    "04_system_and_network": _run_04,
    "05_dispatcher_config": _run_05,
}


def run_all(
    settings: Settings,
    environment: str,
    *,
    online: bool = False,
    extra: list[Finding] | None = None,
) -> list[Step]:
    """Every step in-process, in order, sharing results: what ``ngdpkit check`` does."""
    env = settings.environment(environment)
    cache: dict[str, dict[str, Any]] = {}
    steps = []
    for name in STEP_NAMES:
        step = Step(name, settings, env, None, online, cache=cache, quiet=True)
        RUNNERS[name](step)
        if name == "03_certificate" and extra:
            step.add(extra)
        cache[name] = step.results
        cache[f"{name}:findings"] = {"findings": [f.to_dict() for f in step.findings]}
        steps.append(step)
    return steps


# --- 06 rehearsal (not part of `run`: `ngdpkit rehearse` writes its own folder) ----------------


def run_rehearsal(step: Step, *, against: str = "simulator") -> dict[str, Any]:
    """The acceptance test for this environment; its folder lies beside the run folders."""
    from .rehearsal import rehearse

    out = step.settings.base_dir / "runs"
    if step.run_dir is not None and step.run_dir.name != LAB_DIR:
        out = step.run_dir.parent.parent
    code, folder = rehearse(
        step.settings.path,
        step.env.name,
        against=against,
        out=out,
        progress=lambda line: None if step.quiet else print(line, flush=True),
    )
    data = json.loads((folder / "acceptance.json").read_text(encoding="utf-8"))
    step.add([Finding.from_dict(d) for d in data["findings"]])
    step.results.update(acceptance=data, folder=step.rel(folder))
    return data


def show_acceptance(step: Step, acceptance: dict[str, Any]) -> display.HTML:
    rows = [
        (
            s["name"],
            display.badge("ok" if s["status"] == "ok" else "error", s["status"]),
            f"{s['duration_s']:.2f} s",
            s["detail"],
        )
        for s in acceptance["steps"]
    ]
    head = f"<p>{acceptance['against']}: {acceptance.get('memo_uuid') or '-'} → {acceptance.get('reply_uuid') or '-'}</p>"
    return display.HTML(
        display.STYLE
        + '<div class="nk">'
        + head
        + display.table(
            rows,
            [
                t(step.language, "step"),
                t(step.language, "status"),
                t(step.language, "duration"),
                t(step.language, "value"),
            ],
            raw_columns=(1,),
        )
        + "</div>"
    )
