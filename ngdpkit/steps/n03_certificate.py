"""Step 03: the environment's FOCES3/VOCES3 certificate."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path
from typing import Any

from .. import findings as F
from ..checks.certificates import CertificateFacts
from ..documents import display
from ..documents.i18n import t
from ..secrets import Secret, own_words, quality_findings, secret_missing
from .core import Step, pending
from .deliver import OutputContext
from .records import CertificateRecord


def check_certificate(step: Step) -> CertificateFacts | None:
    """Load and check this environment's certificate; returns its facts (None when unreadable).

    It also prepares install-certificate.ps1 (the runner writes it), so that no display call
    decides an output."""
    facts = _check(step)
    step.set(install_script=install_script(step, facts))
    return facts


def _check(step: Step) -> CertificateFacts | None:
    # Kept whole: notebook 03's check in the order a consultant reads its findings (CVR, the
    # file, its password, the certificate, its issuer, revocation); each step feeds the next.
    from ..checks.certificates import check_certificate as do_check
    from ..checks.certificates import load_certificate
    from ..checks.system import check_cvr
    from ..checks.trust import load_trust_anchors

    env, s = step.env, step.settings
    step.add(check_cvr(s.organisation.cvr))
    step.set(certificate_file=step.rel(env.certificate))
    if env.certificate is None:
        pending(
            step,
            "certificate",
            "order a FOCES3/VOCES3 certificate per environment through MitID Erhverv (inferred)",
        )
        return None
    step.record_input(env.certificate)
    anchors = load_trust_anchors(s.trust_anchors, rel=s.rel)
    for files in s.trust_anchors.values():
        for p in files:
            step.record_input(p)
    password: Secret | None = None
    from ..checks.certificates import PUBLIC_SUFFIXES

    is_public = env.certificate.suffix.lower() in PUBLIC_SUFFIXES
    if not is_public:
        if not env.certificate_password_env:
            step.add(
                [
                    secret_missing(
                        f"environments.{env.name}.certificate_password_env",
                        what="certificate password",
                        variable=None,
                    )
                ]
            )
        else:
            password = step.secret(env.certificate_password_env, what="certificate password")
            if password is None:
                step.add(
                    [
                        secret_missing(
                            f"environments.{env.name}.certificate_password_env",
                            what="certificate password",
                            variable=env.certificate_password_env,
                        )
                    ]
                )
            else:
                step.add(
                    quality_findings(
                        password,
                        f"environments.{env.name}.certificate_password_env",
                        own_words(env.name, env.kind, s.organisation.name),
                    )
                )
    loaded = load_certificate(env.certificate, label=step.rel(env.certificate), password=password)
    step.add(modern_encryption(env.certificate, step.rel(env.certificate)))
    found_facts, found = do_check(
        loaded,
        kind=env.kind,
        anchors=anchors,
        cvr=s.organisation.cvr,
        warn_days=s.checks.cert_warn_days,
        error_days=s.checks.cert_error_days,
        label=step.rel(env.certificate),
    )
    step.add(found)
    facts = CertificateFacts.of(found_facts) if found_facts is not None else None
    from cryptography.hazmat.primitives.serialization import Encoding

    from ..checks.certificates import issuing_ca

    issuer = issuing_ca(loaded, anchors)
    issuing_der = root_der = None
    if issuer is not None:
        issuing_der = base64.b64encode(issuer.public_bytes(Encoding.DER)).decode()
        root = _root_of(issuer, anchors)
        if root is not None:
            root_der = base64.b64encode(root.public_bytes(Encoding.DER)).decode()
    step.set(
        certificate=facts,
        public_only=loaded.public_only,
        custom_anchors=tuple(anchors.custom_kinds),
        issuing_ca_der=issuing_der,
        root_ca_der=root_der,
    )
    if step.online is True and loaded.leaf is not None:  # not with --online ngdp
        from ..checks.revocation import check_revocation

        step.add(
            check_revocation(
                loaded.leaf,
                loaded.extra,
                anchors,
                timeout=s.checks.probe_timeout_s,
                total=s.checks.probe_total_s,
                label=step.rel(env.certificate),
            )
        )
    elif loaded.leaf is not None and step.online == "ngdp":
        step.add(
            [
                F.info(
                    "NET_SKIPPED",
                    "OCSP revocation check skipped (--online ngdp reads NgDP's records only; run with --online).",
                    step.rel(env.certificate),
                    "OCSP",
                )
            ]
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


def certificate_card(step: Step, facts: CertificateFacts | None) -> display.HTML:
    return display.certificate_card(
        facts,
        label=step.rel(step.env.certificate) or "certificate",
        kind=step.env.kind,
        language=step.language,
        now=dt.datetime.now(dt.UTC),
    )


def validity_timeline(step: Step, facts: CertificateFacts | None) -> display.HTML:
    items = (
        [(f"{step.env.name}: {facts.common_name}", facts.not_before, facts.not_after)]
        if facts
        else []
    )
    return display.validity_timeline(
        items, now_iso=dt.datetime.now(dt.UTC).isoformat(), language=step.language
    )


def install_script(step: Step, facts: CertificateFacts | None) -> str:
    """install-certificate.ps1 for this environment (the runner writes it)."""
    from ..deliverables.servercheck import install_certificate_script

    own = step.own(CertificateRecord)
    der, root = own.issuing_ca_der, own.root_ca_der
    return install_certificate_script(
        step.env,
        thumbprint=facts.thumbprint_sha1 if facts else None,
        issuing_ca=base64.b64decode(der) if der else None,
        root_ca=base64.b64decode(root) if root else None,
    )


def _root_of(issuer: Any, anchors: Any) -> Any:
    """The root (of either kind's anchors) that issued the issuing CA, for the script to put
    into LocalMachine\\Root: the OCES3 test root is not in Windows' own root store."""
    for roots in anchors.roots.values():
        for root in roots:
            if root.subject == issuer.issuer:
                try:
                    issuer.verify_directly_issued_by(root)
                except Exception:  # noqa: BLE001  (another root with the same name)
                    continue
                return root
    return None


def installation_steps(step: Step, facts: CertificateFacts | None) -> display.HTML:
    """The operations steps, and the PowerShell script the runner writes as install-certificate.ps1."""
    lang = step.language
    thumb = facts.thumbprint_sha1 if facts else None
    servers = (
        ", ".join(f"{s.name} ({s.role})" if s.role else s.name for s in step.env.servers) or "?"
    )
    accounts = ", ".join(
        dict.fromkeys(a for s in step.env.servers for a in s.accounts(step.env.service_account))
    ) or (step.env.service_account or t(lang, "install_no_account"))
    lines = [
        ("1", t(lang, "install_1", servers=servers)),
        ("2", t(lang, "install_2")),
        ("3", t(lang, "install_3", accounts=accounts)),
        ("4", t(lang, "install_4", thumbprint=thumb or t(lang, "install_no_thumbprint"))),
        ("5", t(lang, "install_5")),
    ]
    return display.block(
        display.table(lines, ["#", t(step.language, "step")], language=step.language)
    )


OUTPUTS_AHEAD = True  # its files need nothing but its record (see deliver.py)


def outputs(record: CertificateRecord, ctx: OutputContext) -> list[Path]:
    """``install-certificate.ps1`` (UTF-8 with BOM, CRLF) when there is a certificate."""
    from ..deliverables.outputs import atomic_write
    from ..deliverables.powershell import script_bytes

    if not record.install_script:
        return []
    return [
        atomic_write(ctx.run_dir / "install-certificate.ps1", script_bytes(record.install_script))
    ]


# PBES2 (PKCS #5 v2: PBKDF2 with AES), as current OpenSSL and cryptography write a .p12
_PBES2_DER = bytes.fromhex("06092a864886f70d01050d")


def _shell_name(name: str) -> str:
    """A file name as one argument in cmd.exe, PowerShell and bash alike: as it is when it
    holds only letters, digits and ``._-``, else in double quotes."""
    return name if re.fullmatch(r"[A-Za-z0-9._-]+", name) else '"' + name + '"'


def modern_encryption(path: Any, label: str) -> list[Any]:
    """``CERT_P12_MODERN_ENCRYPTION`` (info): Windows Server 2016 and older cannot import an
    AES-encrypted .p12, with an error that reads like a wrong password (contract §12.4)."""
    if path is None or path.suffix.lower() not in (".p12", ".pfx"):
        return []
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if _PBES2_DER not in data:
        return []
    name = path.name
    return [
        F.info(
            "CERT_P12_MODERN_ENCRYPTION",
            "{label} is encrypted with AES (PBES2): Windows Server 2016 and older cannot import it, and say the password is wrong. Re-export it with 3DES for those servers, on your own machine, first {command}, then {command2} (the first command asks for a pass phrase that keeps the key encrypted in key-and-cert.pem; delete that file afterwards).",
            label,
            "",
            label=label,
            # two commands, not one joined by "&&", which Windows PowerShell 5.1 refuses to
            # parse; a name with a space quoted, as cmd.exe, PowerShell and bash all read it
            command=f"openssl pkcs12 -in {_shell_name(name)} -out key-and-cert.pem",
            command2=(
                "openssl pkcs12 -export -legacy -in key-and-cert.pem "
                f"-out {_shell_name('legacy-' + name)}"
            ),
        )
    ]
