"""NgDP read back within a step (``--online``): open the read-only reader with the
environment's identity, read, and keep what was seen on step 02's record.

Step 02 reads (the organisation, the listing, the registration, the contact points in use
one by one) and compares contact points and translations; step 04 compares the
registration with the plan and the certificate (:func:`compare_registration`). Offline,
nothing is read and the portal to-do lists every planned translation as not verified.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .. import findings as F
from .core import Step


def client_identity(step: Step) -> Any:
    """The environment's certificate with its private key, when this machine has both."""
    from ..checks.certificates import PUBLIC_SUFFIXES, load_certificate

    env = step.env
    if env.certificate is None or env.certificate.suffix.lower() in PUBLIC_SUFFIXES:
        return None
    password = step.secret(env.certificate_password_env, what="certificate password")
    if password is None:
        return None
    try:
        loaded = load_certificate(
            env.certificate, label=step.rel(env.certificate), password=password
        )
    except Exception:  # unusable files are reported by step 03
        return None
    return loaded if loaded.leaf is not None and loaded.key is not None else None


def _not_read(step: Step, why: str) -> None:
    """NGDP_NOT_READ, saying why. With a CPR-shaped CVR no rerun with --online verifies a
    step until it is corrected, and step 1 reads blocked: "stay unverified" disagreed."""
    from ..checks.ngdp import CVR_LIKE_CPR

    step.add(
        [
            F.info(
                "NGDP_NOT_READ",
                "NgDP itself was not read: {reason}; until organisation.cvr is corrected, no NgDP step of the checklist can be verified."
                if why == CVR_LIKE_CPR
                else "NgDP itself was not read: {reason}; the checklist's NgDP steps stay unverified.",
                f"environments.{step.env.name}",
                "NgDP",
                reason=why,
            )
        ]
    )


def _say_reading(step: Step, base: str, seconds: float) -> None:
    """One line on a terminal's stderr before NgDP is read: a slow NgDP held ``check``
    silent for up to its whole deadline (a minute by default), like a hung command. Not
    said where no one watches (a pipe, a CI log, a notebook's kernel)."""
    import sys

    stream = sys.stderr
    if stream is None or not getattr(stream, "isatty", lambda: False)():
        return
    from ..documents.i18n import seconds as in_seconds
    from ..documents.i18n import t
    from ..redact import ci_inert, one_line

    # in the language's number format (a Danish proofreader's look: "2.5 s" on a Danish console)
    said = in_seconds(step.language, seconds, 0 if float(seconds).is_integer() else 1)
    line = t(step.language, "ngdp_reading", env=step.env.name, url=base, seconds=said)
    with contextlib.suppress(OSError, ValueError):
        print(ci_inert(one_line(line)), file=stream, flush=True)


@contextlib.contextmanager
def open_reader(step: Step) -> Iterator[Any]:
    """A :class:`~ngdpkit.checks.ngdp.NgdpReader` for the environment, or None (a finding
    says why) when this machine cannot present its identity and header."""
    from ..checks.network import official_api_url
    from ..checks.ngdp import CVR_LIKE_CPR, NgdpReader, mtls_client
    from ..checks.system import cpr_shaped

    env = step.env
    base = (env.ngdp_api_url or official_api_url(env.kind)).rstrip("/")
    if cpr_shaped(step.settings.organisation.cvr):  # the search would send it (a DPO's look)
        _not_read(step, CVR_LIKE_CPR)
        yield None
        return
    if not base.lower().startswith("https://"):
        _not_read(step, "ngdp_api_url is not https")
        yield None
        return
    identity = client_identity(step)
    if identity is None:
        _not_read(step, "the environment's certificate with its private key is not on this machine")
        yield None
        return
    secret = (
        step.secret(env.authorization_env, what="authorization header")
        if env.authorization_env
        else None
    )
    if secret is None:
        _not_read(step, "no authorization header for the environment")
        yield None
        return
    checks = step.settings.checks
    _say_reading(step, base, checks.probe_total_s)
    with mtls_client(
        identity,
        secret.reveal(),
        ca_file=str(env.ngdp_api_ca) if env.ngdp_api_ca else None,
        total_s=checks.probe_total_s,
        timeout_s=checks.probe_timeout_s,
        trust_env=env.ngdp_api_url is None,
    ) as client:
        yield NgdpReader(client, base, f"environments.{env.name}")


def observe(step: Step, wanted: set[str] | None = None) -> Any:
    """What NgDP shows (read once per step; later calls fetch only the contact points in
    ``wanted`` that the listing left without ``systemId``); None offline or unreadable."""
    from ..checks.ngdp import fetch_singles, read_ngdp
    from .records import ContactPointsRecord

    record = step.own(ContactPointsRecord)
    if not step.online:
        return None
    if record.ngdp is not None and not wanted:
        return record.ngdp
    with open_reader(step) as reader:
        if reader is None:
            return None
        if record.ngdp is None:
            observation = read_ngdp(
                reader,
                cvr=step.settings.organisation.cvr,
                system_id=step.env.system_id,
                wanted=wanted,
            )
        else:
            observation = fetch_singles(reader, record.ngdp, wanted or set())
        step.add(reader.findings)
    step.set(ngdp=observation)
    return observation


def compare_registration(step: Step) -> list[Any]:
    """Step 04: the registration NgDP holds against the plan and the certificate."""
    from ..checks.ngdp_compare import compare_registration as compare
    from ..checks.system import push_endpoints
    from .records import CertificateRecord, ContactPointsRecord

    observation = step.previous(ContactPointsRecord).ngdp
    if observation is None:
        return []
    env = step.env
    push = (
        push_endpoints(env.push_base_url, env.system_id or "")
        if env.protocol == "REST_PUSH" and env.push_base_url
        else None
    )
    return step.add(
        compare(
            observation,
            system_id=env.system_id,
            protocol=env.protocol,
            server_ips=env.server_ips,
            push=push,
            certificate=step.previous(CertificateRecord).certificate,
            source=f"environments.{env.name}.system_id",
        )
    )
