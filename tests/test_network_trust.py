"""Network rules of contract §10 against real servers on 127.0.0.1: the header only with the
client certificate, https only, redirects refused, a hard deadline."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
import trustme

from ngdpkit.checks.probes import Probe, run_probe, run_probes
from tests.test_probes import Server, loopback, server_ctx, verify_ctx


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    return trustme.CA()


class Recorder:
    """A TCP server on 127.0.0.1 that records every byte it receives (and answers nothing)."""

    def __init__(self, ctx: ssl.SSLContext | None = None, *, trickle: float = 0.0) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.ctx, self.trickle = ctx, trickle
        self.stop = threading.Event()
        self.sock.settimeout(0.2)
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn: socket.socket) -> None:
        try:
            if self.ctx is not None:
                conn = self.ctx.wrap_socket(conn, server_side=True)
            conn.settimeout(0.5)
            try:
                self.received += conn.recv(65536)
            except OSError:
                pass
            if self.trickle:  # one header line at a time, never an end (bounded: 60 lines)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                for i in range(60):
                    if self.stop.is_set():
                        break
                    time.sleep(self.trickle)
                    conn.sendall(b"X-Slow-%d: x\r\n" % i)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        time.sleep(0.3)  # the accept loop notices within its 0.2 s timeout
        self.sock.close()


def test_header_never_sent_without_the_client_certificate(tls_ca: trustme.CA) -> None:
    tls = server_ctx(tls_ca.issue_cert("localhost"))
    rec = Recorder(tls)
    try:
        url = f"https://localhost:{rec.port}/apis/v1/receipts/"
        for kind in ("ngdp", "tcp"):
            run_probe(
                Probe("NgDP API", url, kind),
                resolver=loopback,
                timeout=2,
                verify=verify_ctx(tls_ca),
                client_ctx=None,
                authorization="Basic c2VjcmV0LWhlYWRlcg==",
                source="s",
            )
        assert b"Authorization" not in rec.received and b"c2VjcmV0" not in rec.received
    finally:
        rec.close()


def test_tcp_only_probe_reports_reachability_as_skipped() -> None:
    rec = Recorder()
    try:
        found = run_probe(
            Probe("NgDP API", f"https://localhost:{rec.port}/", "tcp"),
            resolver=loopback,
            timeout=2,
            verify=True,
            client_ctx=None,
            authorization="Basic eA==",
            source="s",
        )
        assert [(f.code, f.severity) for f in found] == [("NET_SKIPPED", "info")]
        assert "private key is not available" in found[0].message
        assert rec.received == b""
    finally:
        rec.close()


def test_plain_http_api_url_is_never_sent_to() -> None:
    rec = Recorder()
    try:
        found = run_probe(
            Probe("NgDP API", f"http://localhost:{rec.port}/apis/v1/receipts/", "ngdp"),
            resolver=loopback,
            timeout=2,
            verify=True,
            client_ctx=ssl.create_default_context(),
            authorization="Basic c2VjcmV0LWhlYWRlcg==",
            source="s",
        )
        time.sleep(0.3)
        assert rec.received == b"" and [f.code for f in found] == ["NET_SKIPPED"]
    finally:
        rec.close()


def test_http_api_url_is_a_settings_error(sample_copy: Path) -> None:
    from tests.conftest import cli

    toml = sample_copy / "migration.toml"
    toml.write_text(
        toml.read_text().replace(
            'protocol = "REST_PULL"',
            'protocol = "REST_PULL"\nngdp_api_url = "http://127.0.0.1:9/apis/v1"',
        )
    )
    r = cli("check", "--settings", str(toml), "--env", "test", "--json")
    import json

    codes = {(f["code"], f["severity"]) for f in json.loads(r.stdout)["findings"]}
    assert ("NGDP_API_URL_NOT_HTTPS", "error") in codes and r.returncode == 1


def test_redirect_is_an_error_never_followed(tls_ca: trustme.CA) -> None:
    s = Server(server_ctx(tls_ca.issue_cert("localhost")), status=302)
    for kind in ("push", "ngdp"):
        found = run_probe(
            Probe("p", s.url(), kind),
            resolver=loopback,
            timeout=5,
            verify=verify_ctx(tls_ca),
            client_ctx=verify_ctx(tls_ca) if kind == "ngdp" else None,
            authorization=None,
            source="s",
        )
        assert [(f.code, f.severity) for f in found] == [("NET_REDIRECT", "error")], kind
    s.close()


def test_a_trickling_server_cannot_hold_the_probes(tls_ca: trustme.CA) -> None:
    rec = Recorder(server_ctx(tls_ca.issue_cert("localhost")), trickle=0.4)
    try:
        start = time.monotonic()
        found = run_probes(
            [Probe("slow", f"https://localhost:{rec.port}/", "https")],
            timeout=1.0,  # each header line arrives well inside the per-read timeout
            total=2.0,
            resolver=loopback,
            verify=verify_ctx(tls_ca),
        )
        assert time.monotonic() - start < 4.0
        assert [f.code for f in found] == ["NET_UNREACHABLE"]
        assert "overall limit" in found[0].message
    finally:
        rec.close()


def test_the_environment_identity_is_used_for_ngdp(sample_dir: Path) -> None:
    """Step 04 presents the environment's own certificate when this machine has its key."""
    import os

    from ngdpkit.secrets import read_dotenv
    from ngdpkit.settings import load_settings
    from ngdpkit.steps.core import Step
    from ngdpkit.steps.n04_system_and_network import _client_identity

    settings = load_settings(sample_dir / "migration.toml")
    env = settings.environment("test")
    step = Step("04_system_and_network", settings, env, None, True, quiet=True)
    identity = _client_identity(step)
    assert identity is not None and identity.key is not None and identity.leaf is not None
    saved = {k: os.environ.pop(k, None) for k in read_dotenv(sample_dir / "sample.env")}
    try:
        no_secrets = load_settings(sample_dir / "migration.toml")
        object.__setattr__(no_secrets, "secrets_file", None)
        step = Step("04_system_and_network", no_secrets, env, None, True, quiet=True)
        assert _client_identity(step) is None
    finally:
        for k, v in saved.items():
            if v is not None:
                os.environ[k] = v
