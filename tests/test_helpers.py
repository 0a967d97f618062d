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
