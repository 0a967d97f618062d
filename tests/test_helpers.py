"""The suite's own helpers, where a flaw once failed CI: a test server's handler outlived its
test and printed a traceback into the next test's captured stderr."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from typing import Any

import pytest

from tests.conftest import cli
from tests.loopback import LoopbackServer


class Slow(http.server.BaseHTTPRequestHandler):
    server: LoopbackServer

    def do_GET(self) -> None:  # noqa: N802
        self.server.wait(30)
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"x" * 100000)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_closed_server_leaves_no_handler_running_and_prints_nothing(
    capfd: pytest.CaptureFixture[str],
) -> None:
    before = set(threading.enumerate())
    with LoopbackServer(Slow) as server:
        client = socket.create_connection(("127.0.0.1", server.port))
        client.sendall(b"GET / HTTP/1.0\r\n\r\n")
        time.sleep(0.2)  # the handler is waiting
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        client.close()  # a client that gave up at its deadline: a reset, not an answer
        started = time.monotonic()
    assert time.monotonic() - started < 5  # closing woke the 30 s wait
    assert [t for t in threading.enumerate() if t not in before] == []
    assert server.errors  # the write to the gone client failed, and was kept
    assert "Traceback" not in capfd.readouterr().err


class Quick(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection after an answer

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("client", ["idle", "half a request", "kept alive", "TLS, no hello"])
def test_a_client_holding_its_connection_holds_up_neither_others_nor_the_close(
    client: str,
) -> None:
    """A client that keeps its connection open (as a leaked test client would) may not hang
    the suite at the server's close; with TLS a client that never says hello may not keep
    another from being served."""
    import ssl

    import trustme

    ctx = client_ctx = None
    if client.startswith("TLS"):
        ca = trustme.CA()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(ctx)
        client_ctx = ssl.create_default_context()
        ca.configure_trust(client_ctx)
    before = set(threading.enumerate())
    server = LoopbackServer(Quick, ctx)
    holder = socket.create_connection(("127.0.0.1", server.port))
    try:
        if client == "half a request":
            holder.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        elif client == "kept alive":
            holder.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert holder.recv(100).startswith(b"HTTP/1.1 200")
        elif client_ctx is not None:
            raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            with client_ctx.wrap_socket(raw, server_hostname="localhost") as other:
                other.sendall(b"GET / HTTP/1.0\r\n\r\n")
                assert other.recv(100).startswith(b"HTTP/1.1 200")
        time.sleep(0.2)
        closing = threading.Thread(target=server.close)
        closing.start()
        closing.join(10)
        assert not closing.is_alive(), "close() waited for the client"
    finally:
        holder.close()
        server.close()  # again, and at once now: nothing is open
    assert [t for t in threading.enumerate() if t not in before] == []


def test_cli_reads_only_its_own_threads_output(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    go, done = threading.Event(), threading.Event()

    def stray() -> None:  # a thread already running when the command starts
        go.wait(10)
        print("Traceback (a stray thread)", file=sys.stderr)
        done.set()

    thread = threading.Thread(target=stray, daemon=True)
    thread.start()

    from ngdpkit import cli as cli_module

    real = cli_module.build_parser

    def parser() -> Any:  # the stray thread writes while the command runs
        go.set()
        done.wait(10)
        return real()

    monkeypatch.setattr(cli_module, "build_parser", parser)
    r = cli("check", "--settings", str(tmp_path / "missing.toml"))
    thread.join()
    assert done.is_set() and r.returncode == 2
    assert "Traceback" not in r.stderr and "missing.toml" in r.stderr


def test_a_native_thread_that_called_python_is_not_the_tests_to_end() -> None:
    """A thread Python did not start (a library's native pool) that calls into Python is
    listed by ``threading`` as a dummy that cannot be joined: the autouse thread check
    leaves it alone (it failed a test's teardown with "cannot join a dummy thread")."""
    import _thread
    import threading

    seen = threading.Event()

    def native() -> None:
        threading.current_thread()  # what a callback from a native thread does first
        seen.set()

    _thread.start_new_thread(native, ())
    assert seen.wait(5)
