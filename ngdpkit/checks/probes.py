"""Live network checks from the machine the kit runs on (``--online``).

The checks that prove NgDP accepts the servers run on the servers themselves
(:mod:`ngdpkit.deliverables.servercheck`); these show what this machine sees. Every probe
has its own timeout and all of them share an overall bound enforced from outside
the probes (daemon threads that cannot outlive it), so a server that trickles one
header line every few seconds cannot hold a run. Every request to NgDP presents the
environment's client certificate; without one, NgDP is only reached at TCP level and
the header is never sent. Redirects are never followed (``NET_REDIRECT``). Library
error texts reach findings only through :func:`ngdpkit.redact.one_line`. The resolver
and the TLS trust store are injectable for tests.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import findings as F
from ..findings import Finding
from ..redact import authorization_header, one_line

Resolver = Callable[[str], list[str]]


def system_resolver(host: str) -> list[str]:
    return sorted(
        {str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    )


@dataclass(frozen=True)
class Probe:
    """One thing to try. ``kind``: ngdp (mutual TLS + header), tcp (NgDP without a client
    certificate here: TCP only, no header), https, http, push."""

    name: str
    url: str
    kind: str
    expected_ips: tuple[str, ...] = ()
    inferred: bool = False


@contextlib.contextmanager
def client_tls_context(
    cert: Any, key: Any, extra: list[Any] | None = None, *, cafile: str | None = None
) -> Iterator[ssl.SSLContext]:
    """An SSLContext presenting ``cert``/``key``.

    ``load_cert_chain`` takes file paths only, so the key goes to a fresh private
    folder as PEM encrypted with a one-time passphrase, and the folder is removed
    in ``finally``: no plaintext key on disk, and it works on Windows.
    """
    from cryptography.hazmat.primitives import serialization

    ctx = ssl.create_default_context(cafile=cafile)
    folder = Path(tempfile.mkdtemp(prefix="ngdpkit-"))
    try:
        passphrase = secrets.token_urlsafe(32)
        key_path = folder / "key.pem"
        cert_path = folder / "cert.pem"
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(passphrase.encode()),
            )
        )
        cert_path.write_bytes(
            b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *(extra or [])])
        )
        ctx.load_cert_chain(str(cert_path), str(key_path), password=passphrase)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    yield ctx


def where_ran() -> str:
    """The machine the checks ran on (the templates say "from from {ran}")."""
    return socket.gethostname()


_CLIENT_CERT_ALERTS = ("certificate required", "alert handshake failure", "alert bad certificate")


def _asks_for_a_client_certificate(exc: BaseException) -> bool:
    """The server ended the handshake because no client certificate came (TLS 1.3 says
    "certificate required"; TLS 1.2 a handshake failure alert)."""
    text = str(exc).lower()
    cause = exc.__cause__ or exc.__context__
    text += " " + (str(cause).lower() if cause is not None else "")
    return any(alert in text for alert in _CLIENT_CERT_ALERTS)


def _tls_reason(exc: BaseException) -> str:
    text = one_line(str(exc))
    for marker in (
        "certificate has expired",
        "Hostname mismatch",
        "self-signed certificate",
        "self signed certificate",
        "unable to get local issuer certificate",
        "certificate verify failed",
    ):
        if marker.lower() in text.lower():
            return (
                marker
                if marker != "certificate verify failed"
                else text.split("certificate verify failed:")[-1].strip(" ()") or marker
            )
    return text[:200]


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if (
            isinstance(seen, ssl.SSLError)
            or "SSL" in type(seen).__name__
            or "CERTIFICATE_VERIFY_FAILED" in str(seen)
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def run_probe(
    probe: Probe,
    *,
    resolver: Resolver,
    timeout: float,
    verify: Any,
    client_ctx: ssl.SSLContext | None,
    authorization: str | None,
    source: str,
) -> list[Finding]:
    """Run one probe; findings only for what is wrong (and info for what cannot be judged).

    Resolve (and compare with the published IPs) → TCP only, or an HTTPS GET without
    following redirects → judge the answer by the probe's kind.
    """
    parts = urlsplit(probe.url)
    host = parts.hostname or ""
    ran = where_ran()
    found: list[Finding] = []
    try:
        addresses = resolver(host)
    except (OSError, UnicodeError) as exc:
        return [
            F.error(
                "NET_DNS_FAILED",
                "{host} does not resolve from {ran} ({reason}).",
                source,
                probe.name,
                host=host,
                ran=ran,
                reason=one_line(str(exc)),
            )
        ]
    unexpected = [a for a in addresses if probe.expected_ips and a not in probe.expected_ips]
    if unexpected:
        found.append(
            F.warning(
                "NET_IP_UNEXPECTED",
                "{host} resolves from {ran} to {values}, not among the published {values2}; the firewall rules may need updating.",
                source,
                probe.name,
                host=host,
                ran=ran,
                values=", ".join(unexpected),
                values2=", ".join(probe.expected_ips),
            )
        )
    if probe.kind == "ngdp" and parts.scheme != "https":
        return found + [  # NGDP_API_URL_NOT_HTTPS is the settings check's to report
            F.info(
                "NET_SKIPPED",
                "{url} was not probed: it is not https, and nothing is sent to NgDP in clear text.",
                source,
                probe.name,
                url=probe.url,
            )
        ]
    if probe.kind == "tcp":
        return found + _tcp_only(probe, addresses, host, parts.port or 443, timeout, source)
    response, failed = _get(probe, timeout, verify, client_ctx, authorization, source, ran)
    if response is None:
        return found + failed
    return found + _judge(probe, response, source, ran)


def _get(
    probe: Probe,
    timeout: float,
    verify: Any,
    client_ctx: ssl.SSLContext | None,
    authorization: str | None,
    source: str,
    ran: str,
) -> tuple[Any, list[Finding]]:
    """(the response, []) or (None, why it failed): timeout, TLS, or no connection."""
    import httpx

    # The header goes only with the client certificate: never to NgDP without it.
    send_header = probe.kind == "ngdp" and client_ctx is not None and authorization
    headers = (
        {"Authorization": authorization_header(authorization)}
        if send_header and authorization
        else {}
    )
    ctx = client_ctx if (probe.kind == "ngdp" and client_ctx is not None) else verify
    try:
        with httpx.Client(
            verify=ctx, timeout=timeout, trust_env=True, follow_redirects=False
        ) as client:
            return client.get(probe.url, headers=headers), []
    except httpx.TimeoutException:
        return None, [
            F.error(
                "NET_UNREACHABLE",
                "{url} did not answer within {timeout:g} s from {ran}.",
                source,
                probe.name,
                url=probe.url,
                timeout=timeout,
                ran=ran,
            )
        ]
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        if probe.kind == "push" and _asks_for_a_client_certificate(exc):
            # What NgDP expects of a receiver: only a caller with a certificate gets in.
            return None, [
                F.info(
                    "NET_PUSH_PROTECTED",
                    "The push endpoint {url} asked for a client certificate and refused {ran} without one, as a receiver of NgDP's calls should.",
                    source,
                    probe.name,
                    url=probe.url,
                    ran=ran,
                )
            ]
        if _is_tls_error(exc):
            return None, [
                F.error(
                    "NET_TLS_INVALID",
                    "{url}: the TLS connection is not valid from {ran}: {value}.",
                    source,
                    probe.name,
                    url=probe.url,
                    ran=ran,
                    value=_tls_reason(exc),
                )
            ]
        return None, [
            F.error(
                "NET_UNREACHABLE",
                "{url} cannot be reached from {ran} ({value}: {reason}).",
                source,
                probe.name,
                url=probe.url,
                ran=ran,
                value=type(exc).__name__,
                reason=one_line(str(exc))[:160],
            )
        ]


def _judge(probe: Probe, response: Any, source: str, ran: str) -> list[Finding]:
    """What the answer says: a redirect (never followed), NgDP refusing this system, a push
    endpoint that answers without authorization."""
    found: list[Finding] = []
    status = response.status_code
    if 300 <= status < 400 and probe.kind in ("ngdp", "push"):
        return [
            F.error(
                "NET_REDIRECT",
                "{url} answered {status} (a redirect to {reason}) from {ran}; redirects are never followed.",
                source,
                probe.name,
                url=probe.url,
                status=status,
                reason=one_line(response.headers.get("location", "?"))[:120],
                ran=ran,
            )
        ]
    if probe.kind == "ngdp" and status in (401, 403):
        found.append(
            F.error(
                "NET_HTTP_REFUSED",
                "Reached NgDP at {url} from {ran}, but it answered {status}: the system, the certificate or this machine's IP is not accepted.",
                source,
                probe.name,
                url=probe.url,
                ran=ran,
                status=status,
            )
        )
    elif probe.kind == "push":
        if 200 <= status < 300:
            found.append(
                F.warning(
                    "NET_PUSH_UNPROTECTED",
                    "The push endpoint {url} answered {status} to a request without a client certificate and without authorization from {ran}: NgDP calls it with its own certificate, and a receiver should accept only that caller.",
                    source,
                    probe.name,
                    url=probe.url,
                    status=status,
                    ran=ran,
                )
            )
        elif status in (404, 405):
            found.append(
                F.info(
                    "NET_PUSH_NOT_JUDGED",
                    "The push endpoint {url} is reachable from {ran} but answered {status}; whether it is protected cannot be judged (inferred).",
                    source,
                    probe.name,
                    url=probe.url,
                    ran=ran,
                    status=status,
                )
            )
    return found


def _tcp_only(
    probe: Probe, addresses: list[str], host: str, port: int, timeout: float, source: str
) -> list[Finding]:
    """NgDP without a client certificate: can this machine open TCP to it? (No header sent.)"""
    ran = where_ran()
    for address in addresses:
        try:
            with socket.create_connection((address, port), timeout=timeout):
                pass
        except OSError:
            continue
        return [
            F.info(
                "NET_SKIPPED",
                "{host}:{port} is reachable from {ran}; the API call itself was not made, because every request to NgDP must present the environment's certificate and its private key is not available here.",
                source,
                probe.name,
                host=host,
                port=port,
                ran=ran,
            )
        ]
    return [
        F.error(
            "NET_UNREACHABLE",
            "{host}:{port} cannot be reached from {ran} (TCP, {values}).",
            source,
            probe.name,
            host=host,
            port=port,
            ran=ran,
            values=", ".join(addresses) or "no address",
        )
    ]


@functools.cache
def _import_for_the_probes() -> None:
    """What the probes' threads use, imported once on the caller's thread: threads importing
    one package's modules for the first time side by side can find them half made
    (run/imports.py). A transport made and closed imports httpcore and the trust store as a
    client does (20-35 ms, once a process)."""
    import encodings.idna  # noqa: F401  (a host name's lookup)

    import httpx

    httpx.HTTPTransport().close()


def run_probes(
    probes: list[Probe],
    *,
    timeout: float,
    total: float,
    resolver: Resolver = system_resolver,
    verify: Any = True,
    client_ctx: ssl.SSLContext | None = None,
    authorization: str | None = None,
    source: str = "",
    progress: Callable[[str], None] | None = None,
) -> list[Finding]:
    """Run the probes concurrently, each bounded by ``timeout`` and all by ``total`` seconds.

    Each probe runs in a daemon thread; when ``total`` has passed, the probes still
    running are reported and abandoned, and they cannot keep the process alive.
    """
    # Kept whole: the workers, the wait and the abandoned probes share one condition, one
    # results table and one deadline; split, each part would take all three as arguments.
    if not probes:
        return []
    _import_for_the_probes()
    start = time.monotonic()
    results: dict[int, list[Finding]] = {}
    done = threading.Condition()

    def work(i: int, probe: Probe) -> None:
        try:
            out = run_probe(
                probe,
                resolver=resolver,
                timeout=timeout,
                verify=verify,
                client_ctx=client_ctx,
                authorization=authorization,
                source=source,
            )
        except Exception as exc:  # a probe must never crash the run
            out = [
                F.error(
                    "NET_UNREACHABLE",
                    "{url}: the probe failed ({value}: {reason}).",
                    source,
                    probe.name,
                    url=probe.url,
                    value=type(exc).__name__,
                    reason=one_line(str(exc))[:160],
                )
            ]
        with done:
            results[i] = out
            done.notify_all()

    for i, probe in enumerate(probes):
        threading.Thread(
            target=work, args=(i, probe), name=f"ngdpkit-probe-{i}", daemon=True
        ).start()
    deadline = start + total
    reported = 0
    with done:
        while len(results) < len(probes):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            done.wait(timeout=min(left, 0.5))
            while progress and reported < len(results):
                reported += 1
                progress(
                    f"network checks: {reported}/{len(probes)} done ({time.monotonic() - start:.1f} s)"
                )
        finished = dict(results)
    found: list[Finding] = []
    for i, probe in enumerate(probes):
        if i in finished:
            found.extend(finished[i])
        else:
            found.append(
                F.error(
                    "NET_UNREACHABLE",
                    "{url} gave no answer within the overall limit of {total:g} s from {value}.",
                    source,
                    probe.name,
                    url=probe.url,
                    total=total,
                    value=where_ran(),
                )
            )
    return found
