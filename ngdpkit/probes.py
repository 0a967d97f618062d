"""Live network checks from the machine the kit runs on (``--online``).

The checks that prove NgDP accepts the servers run on the servers themselves
(:mod:`ngdpkit.servercheck`); these show what this machine sees. Every probe
has its own timeout and all of them share an overall bound, so a run never
hangs. The resolver and the TLS trust store are injectable for tests.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import secrets
import shutil
import socket
import ssl
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import findings as F
from .findings import Finding

Resolver = Callable[[str], list[str]]


def system_resolver(host: str) -> list[str]:
    return sorted(
        {str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    )


@dataclass(frozen=True)
class Probe:
    """One thing to try. ``kind``: ngdp (mutual TLS + header), https, http, push."""

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
    return f"from {socket.gethostname()}"


def _tls_reason(exc: BaseException) -> str:
    text = str(exc)
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
    """Run one probe; findings only for what is wrong (and info for what cannot be judged)."""
    import httpx

    parts = urlsplit(probe.url)
    host = parts.hostname or ""
    ran = where_ran()
    found: list[Finding] = []
    try:
        addresses = resolver(host)
    except (OSError, UnicodeError) as exc:
        return [
            F.error("NET_DNS_FAILED", f"{host} does not resolve {ran} ({exc}).", source, probe.name)
        ]
    unexpected = [a for a in addresses if probe.expected_ips and a not in probe.expected_ips]
    if unexpected:
        found.append(
            F.warning(
                "NET_IP_UNEXPECTED",
                f"{host} resolves {ran} to {', '.join(unexpected)}, not among the published {', '.join(probe.expected_ips)}; the firewall rules may need updating.",
                source,
                probe.name,
            )
        )
    headers = {"Authorization": authorization} if authorization and probe.kind == "ngdp" else {}
    ctx = client_ctx if (probe.kind == "ngdp" and client_ctx is not None) else verify
    try:
        with httpx.Client(
            verify=ctx, timeout=timeout, trust_env=True, follow_redirects=False
        ) as client:
            response = client.get(probe.url, headers=headers)
    except httpx.TimeoutException:
        return found + [
            F.error(
                "NET_UNREACHABLE",
                f"{probe.url} did not answer within {timeout:g} s {ran}.",
                source,
                probe.name,
            )
        ]
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        if _is_tls_error(exc):
            return found + [
                F.error(
                    "NET_TLS_INVALID",
                    f"{probe.url}: the TLS connection is not valid {ran}: {_tls_reason(exc)}.",
                    source,
                    probe.name,
                )
            ]
        return found + [
            F.error(
                "NET_UNREACHABLE",
                f"{probe.url} cannot be reached {ran} ({type(exc).__name__}: {str(exc)[:160]}).",
                source,
                probe.name,
            )
        ]
    status = response.status_code
    if probe.kind == "ngdp" and status in (401, 403):
        found.append(
            F.error(
                "NET_HTTP_REFUSED",
                f"Reached NgDP at {probe.url} {ran}, but it answered {status}: the system, the certificate or this machine's IP is not accepted.",
                source,
                probe.name,
            )
        )
    elif probe.kind == "push":
        if 200 <= status < 300:
            found.append(
                F.warning(
                    "NET_PUSH_UNPROTECTED",
                    f"The push endpoint {probe.url} answered {status} to a request without authorization {ran} (inferred: it should refuse with 401/403).",
                    source,
                    probe.name,
                )
            )
        elif status in (404, 405):
            found.append(
                F.info(
                    "NET_PUSH_NOT_JUDGED",
                    f"The push endpoint {probe.url} is reachable {ran} but answered {status}; whether it is protected cannot be judged (inferred).",
                    source,
                    probe.name,
                )
            )
    return found


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
    """Run the probes concurrently, each bounded by ``timeout`` and all by ``total`` seconds."""
    found: list[Finding] = []
    if not probes:
        return found
    start = time.monotonic()
    pool = cf.ThreadPoolExecutor(
        max_workers=min(32, len(probes)), thread_name_prefix="ngdpkit-probe"
    )
    try:
        futures = {
            pool.submit(
                run_probe,
                p,
                resolver=resolver,
                timeout=timeout,
                verify=verify,
                client_ctx=client_ctx,
                authorization=authorization,
                source=source,
            ): p
            for p in probes
        }
        done_count = 0
        try:
            for fut in cf.as_completed(futures, timeout=total):
                done_count += 1
                probe = futures[fut]
                try:
                    found.extend(fut.result())
                except Exception as exc:  # a probe must never crash the run
                    found.append(
                        F.error(
                            "NET_UNREACHABLE",
                            f"{probe.url}: the probe failed ({type(exc).__name__}: {exc}).",
                            source,
                            probe.name,
                        )
                    )
                if progress:
                    progress(
                        f"network checks: {done_count}/{len(probes)} done ({time.monotonic() - start:.1f} s)"
                    )
        except cf.TimeoutError:
            for fut, probe in futures.items():
                if not fut.done():
                    found.append(
                        F.error(
                            "NET_UNREACHABLE",
                            f"{probe.url} gave no answer within the overall limit of {total:g} s {where_ran()}.",
                            source,
                            probe.name,
                        )
                    )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return found
