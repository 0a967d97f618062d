"""Online checks against real HTTPS servers on 127.0.0.1 (trustme certificates); nothing leaves loopback."""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from ngdpkit.checks.probes import Probe, client_tls_context, run_probe, run_probes
from tests.loopback import LoopbackServer, refused_port


def loopback(host: str) -> list[str]:
    return ["127.0.0.1"]


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:  # noqa: N802
        self.server.seen.append(self.headers.get("Authorization"))
        self.server.wait(self.server.delay)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


class Server(LoopbackServer):
    def __init__(
        self, ctx: ssl.SSLContext | None, *, status: int = 200, delay: float = 0.0
    ) -> None:
        self.status, self.delay = status, delay
        self.seen: list[str | None] = []  # each request's Authorization header
        super().__init__(Handler, ctx)

    def url(self, host: str = "localhost") -> str:
        return f"https://{host}:{self.port}/"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_ctx(cert: trustme.LeafCert, *, client_ca: trustme.CA | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    if client_ca is not None:
        ctx.verify_mode = ssl.CERT_REQUIRED
        client_ca.configure_trust(ctx)
    return ctx


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[Server] = []

    def make(ctx: ssl.SSLContext | None, **kw: Any) -> Server:
        s = Server(ctx, **kw)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()


def verify_ctx(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


def probe(url: str, kind: str = "https", **kw: Any) -> list[tuple[str, str]]:
    found = run_probe(Probe("p", url, kind), resolver=loopback, source="s", **kw)
    return [(f.code, f.severity) for f in found]


def test_valid_server_gives_no_finding(ca: trustme.CA, serve: Any) -> None:
    s = serve(server_ctx(ca.issue_cert("localhost")))
    assert (
        probe(s.url(), timeout=5, verify=verify_ctx(ca), client_ctx=None, authorization=None) == []
    )


def test_expired_wrong_host_self_signed(ca: trustme.CA, serve: Any) -> None:
    expired = ca.issue_cert(
        "localhost",
        not_after=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=30),
    )
    s = serve(server_ctx(expired))
    found = run_probe(
        Probe("p", s.url(), "https"),
        resolver=loopback,
        timeout=5,
        verify=verify_ctx(ca),
        client_ctx=None,
        authorization=None,
        source="s",
    )
    assert [f.code for f in found] == ["NET_TLS_INVALID"] and "expired" in found[0].message
    s2 = serve(server_ctx(ca.issue_cert("other.example")))
    assert probe(
        s2.url(), timeout=5, verify=verify_ctx(ca), client_ctx=None, authorization=None
    ) == [("NET_TLS_INVALID", "error")]
    stranger = trustme.CA()
    s3 = serve(server_ctx(stranger.issue_cert("localhost")))
    assert probe(
        s3.url(), timeout=5, verify=verify_ctx(ca), client_ctx=None, authorization=None
    ) == [("NET_TLS_INVALID", "error")]


def mutual_tls(ca: trustme.CA, serve: Any, tmp_path: Path) -> tuple[Any, Any, Any, Path]:
    """A local server that asks for a client certificate, and a client's (server, certificate,
    key, the server CA's file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    client_ca = trustme.CA()
    s = serve(server_ctx(ca.issue_cert("localhost"), client_ca=client_ca), status=200)
    good = client_ca.issue_cert("workzone")
    cert = x509.load_pem_x509_certificate(good.cert_chain_pems[0].bytes())
    key = serialization.load_pem_private_key(good.private_key_pem.bytes(), None)
    ca_file = tmp_path / "ca.pem"  # in the test's folder: the suite leaves nothing in /tmp
    ca_file.write_bytes(ca.cert_pem.bytes())
    return s, cert, key, ca_file


def ngdp_probe(s: Any, ca: trustme.CA, ctx: Any, authorization: str) -> list[tuple[str, str]]:
    """A probe of kind "ngdp" at ``s``, presenting ``ctx``'s certificate and the header."""
    return probe(
        s.url(),
        "ngdp",
        timeout=5,
        verify=verify_ctx(ca),
        client_ctx=ctx,
        authorization=authorization,
    )


def test_client_certificate_required(ca: trustme.CA, serve: Any, tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    s, cert, key, ca_file = mutual_tls(ca, serve, tmp_path)
    with client_tls_context(cert, key, cafile=str(ca_file)) as ctx:
        assert ngdp_probe(s, ca, ctx, "Basic eA==") == []
    other = trustme.CA().issue_cert("intruder")
    cert2 = x509.load_pem_x509_certificate(other.cert_chain_pems[0].bytes())
    key2 = serialization.load_pem_private_key(other.private_key_pem.bytes(), None)
    with client_tls_context(cert2, key2, cafile=str(ca_file)) as ctx:
        found = probe(
            s.url(), "ngdp", timeout=5, verify=verify_ctx(ca), client_ctx=ctx, authorization=None
        )
    assert found and found[0][0] in ("NET_TLS_INVALID", "NET_UNREACHABLE")
    assert probe(
        s.url(), "ngdp", timeout=5, verify=verify_ctx(ca), client_ctx=None, authorization=None
    )[0][0] in ("NET_TLS_INVALID", "NET_UNREACHABLE")


def test_client_key_never_left_on_disk(ca: trustme.CA, tmp_path: Any, monkeypatch: Any) -> None:
    import tempfile as tf

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    monkeypatch.setattr(tf, "tempdir", str(tmp_path))
    leaf = ca.issue_cert("workzone")
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    with client_tls_context(cert, key):
        pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "status,expected",
    [
        (401, []),
        (404, [("NET_PUSH_NOT_JUDGED", "info")]),
        (200, [("NET_PUSH_UNPROTECTED", "warning")]),
    ],
)
def test_push_endpoint_answers(ca: trustme.CA, serve: Any, status: int, expected: list) -> None:
    s = serve(server_ctx(ca.issue_cert("localhost")), status=status)
    assert (
        probe(
            s.url(), "push", timeout=5, verify=verify_ctx(ca), client_ctx=None, authorization=None
        )
        == expected
    )


def test_ngdp_refusal_is_explained(ca: trustme.CA, serve: Any) -> None:
    s = serve(server_ctx(ca.issue_cert("localhost")), status=403)
    found = run_probe(
        Probe("p", s.url(), "ngdp"),
        resolver=loopback,
        timeout=5,
        verify=verify_ctx(ca),
        client_ctx=None,
        authorization=None,
        source="s",
    )
    assert [f.code for f in found] == ["NET_HTTP_REFUSED"] and "not accepted" in found[0].message


def test_refused_connection_and_dns_and_unexpected_ip() -> None:
    with refused_port() as sock:  # held: nobody else can take it meanwhile
        port = sock.getsockname()[1]
        assert probe(
            f"https://localhost:{port}/",
            timeout=2,
            verify=True,
            client_ctx=None,
            authorization=None,
        ) == [("NET_UNREACHABLE", "error")]

    def failing(host: str) -> list[str]:
        raise socket.gaierror("Name or service not known")

    found = run_probe(
        Probe("p", "https://api.test.digitalpost.dk/", "ngdp"),
        resolver=failing,
        timeout=1,
        verify=True,
        client_ctx=None,
        authorization=None,
        source="s",
    )
    assert [f.code for f in found] == ["NET_DNS_FAILED"]
    found = run_probe(
        Probe("p", f"https://localhost:{port}/", "https", expected_ips=("80.198.95.44",)),
        resolver=loopback,
        timeout=1,
        verify=True,
        client_ctx=None,
        authorization=None,
        source="s",
    )
    assert ("NET_IP_UNEXPECTED", "warning") in [(f.code, f.severity) for f in found]


def test_hanging_server_is_bounded(ca: trustme.CA, serve: Any) -> None:
    s = serve(server_ctx(ca.issue_cert("localhost")), delay=5.0)
    start = time.monotonic()
    found = run_probes(
        [Probe("slow", s.url(), "https")],
        timeout=0.5,
        total=2.0,
        resolver=loopback,
        verify=verify_ctx(ca),
    )
    assert time.monotonic() - start < 4.0  # generous margin over the 0.5 s bound
    assert [f.code for f in found] == ["NET_UNREACHABLE"]


def test_concurrent_probes_and_progress(ca: trustme.CA, serve: Any) -> None:
    s = serve(server_ctx(ca.issue_cert("localhost")), delay=0.2, status=204)
    lines: list[str] = []
    start = time.monotonic()
    found = run_probes(
        [Probe(f"p{i}", s.url(), "https") for i in range(10)],
        timeout=5,
        total=10,
        resolver=loopback,
        verify=verify_ctx(ca),
        progress=lines.append,
    )
    assert found == [] and len(lines) == 10 and lines[-1].startswith("network checks: 10/10")
    assert time.monotonic() - start < 10 * 0.2


def test_https_proxy_is_honoured(
    ca: trustme.CA, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = serve(server_ctx(ca.issue_cert("localhost")))
    assert (
        probe(s.url(), timeout=5, verify=verify_ctx(ca), client_ctx=None, authorization=None) == []
    )
    with refused_port() as sock:  # a proxy address where nothing listens (held meanwhile)
        dead = sock.getsockname()[1]
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{dead}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert probe(
            s.url(), timeout=5, verify=verify_ctx(ca), client_ctx=None, authorization=None
        ) == [("NET_UNREACHABLE", "error")]


@pytest.mark.parametrize("tls13", [True, False])
def test_a_push_endpoint_that_asks_for_a_client_certificate_is_protected(
    ca: trustme.CA, serve: Any, tls13: bool
) -> None:
    """Issue 25: NgDP calls a push receiver with its own certificate; an endpoint that ends
    the handshake without one is what NgDP expects (TLS 1.3 and 1.2 say so differently)."""
    ctx = server_ctx(ca.issue_cert("localhost"), client_ca=trustme.CA())
    if not tls13:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    s = serve(ctx, status=200)
    found = probe(
        s.url(), "push", timeout=5, verify=verify_ctx(ca), client_ctx=None, authorization=None
    )
    assert found == [("NET_PUSH_PROTECTED", "info")]


def test_the_header_reaches_ngdp_as_basic_whichever_form_the_secret_holds(
    ca: trustme.CA, serve: Any, tmp_path: Path
) -> None:
    """A CI engineer's look: the checks accept ``Authorization: Basic x``, ``Basic x`` and the
    bare ``x``, and the kit sent each as typed ("Authorization: x" is refused by NgDP). Each
    reaches the server as ``Basic x``; a value that is none of them goes as it is."""
    import base64

    s, cert, key, ca_file = mutual_tls(ca, serve, tmp_path)
    token = base64.b64encode(b"5b3f2c1e-8d4a-4e7b-9c2f-1a6d3e8b7c40:t0ken").decode()
    # and a no-break space copied from a web page (it crashed a run's read of NgDP), and a
    # character HTTP cannot carry (sent as "?": a refusal, never a crash)
    forms = [
        f"Authorization: Basic {token}",
        f"basic  {token} ",
        token,
        f"Basic\u00a0{token}",
        "Bearer abc",
        "Bearer \u00e6",
    ]
    with client_tls_context(cert, key, cafile=str(ca_file)) as ctx:
        for form in forms:
            assert ngdp_probe(s, ca, ctx, form) == []
    assert s.seen == [f"Basic {token}"] * 4 + ["Bearer abc", "Bearer ?"]
