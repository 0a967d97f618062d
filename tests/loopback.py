"""An HTTP(S) server on 127.0.0.1 for a test, that leaves nothing running behind it.

A plain ``ThreadingHTTPServer`` answers each request in a daemon thread that outlives
``shutdown()``. A handler told to be slow then finishes seconds after its test, in the middle
of another test of the same worker, and prints its ``BrokenPipe``/``SSLEOFError`` traceback
into whatever stderr that test is reading (CI once failed that way: a probe test's hanging
server wrote into ``cli()``'s captured stderr, and the next test found "Traceback" in it).

Here closing the server wakes every slow handler (they wait on ``stopping``, not in
``time.sleep``), shuts down every connection still open (a handler blocked reading from a
client that keeps its connection, idle or half-sent or kept alive, reads its end), joins the
handlers' threads, and a handler's error is kept in ``errors`` instead of being printed: the
client hanging up at its deadline is what the slow tests are about. With TLS, the handshake
is done in the connection's own thread, so a client that never sends its hello holds up
neither the other clients nor the server's close.
"""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
from types import TracebackType
from typing import Any


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handlers (ThreadingMixIn.block_on_close)

    def __init__(
        self, handler: type[http.server.BaseHTTPRequestHandler], ctx: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.ctx = ctx
        self.stopping = threading.Event()
        self.errors: list[str] = []
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.port: int = self.server_address[1]
        # its loop looks for close() every 50 ms: at serve_forever's default of 0.5 s each
        # test's server took up to half a second to stop, doing nothing
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="loopback", daemon=True
        )
        self._thread.start()

    def wait(self, seconds: float) -> None:
        """A handler's delay that ends early when the server closes."""
        self.stopping.wait(seconds)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.ctx is not None:
            sock = self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self._lock:
            self._open.add(sock)
        return sock, address

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ctx is not None:
            request.do_handshake()  # here, in the connection's thread, not in accept()
        super().finish_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        self.errors.append(f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self.stopping.set()
        self.shutdown()
        with self._lock:
            still_open = list(self._open)
        for sock in still_open:
            try:  # the descriptor itself (SSLSocket.shutdown would drop its TLS state under
                # the thread still reading it): that thread's read ends
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()
        self._thread.join()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def refused_port() -> socket.socket:
    """A socket bound to a port of 127.0.0.1 and never listening, for a test that needs "a
    port nobody listens on": a connection to it is refused for as long as the test holds it
    (``with refused_port() as s: port = s.getsockname()[1]; …``). A port that was only free a
    moment ago (bound, then closed) could meanwhile be taken by another process of the suite,
    such as a kernel of a run on another xdist worker, and the test would then be answered."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s
